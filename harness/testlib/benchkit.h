/*
 * benchkit.h - what every lab's timing driver (bench.c) shares: interleaved
 * rounds, the median and spread of each point, and a note on how busy the
 * machine was, in the chart's data file and in the terminal.
 *
 * A driver measures every point of its chart once per round, round after
 * round, calling bench_round() before each: a burst of load from elsewhere
 * then slows one round of every point instead of every run of one point.
 * Each point is the median of its rounds, drawn with its spread (smallest to
 * largest); a point whose spread is wide is marked as not to be trusted.
 *
 * A process's rounds share its memory layout, its threads' placement and a
 * few seconds of the machine's life, so they agree with each other better
 * than with the next run's: on a VM the CPU's speed drifts over minutes.
 * harness/scripts/plots.sh therefore runs each driver in N passes, the labs
 * taking turns (lab 01's pass 1, lab 02's pass 1, ..., lab 01's pass 2, ...),
 * with BENCH_PASS=J/N set: pass J runs rounds J, J + N, ... of the driver's
 * rounds, keeps them in DATAFILE.passJ, and bench_write() adds the earlier
 * passes' rounds, so the last pass's data file and tables hold every round.
 * A point's spread then covers the whole `make plots` run and several
 * processes, not a few seconds of one.  Without BENCH_PASS: one pass.
 *
 * bench_round() also spins a thread on every core for a few milliseconds and
 * measures the CPU time it got: the share of the machine this run really
 * had.  The load average alone cannot say that: it counts this kit's own
 * runs, and Linux shares the CPU between sessions, not processes.
 */
#ifndef BENCHKIT_H
#define BENCHKIT_H

#include <stdbool.h>
#include <stdio.h>

enum { BENCH_MAX_X = 16, BENCH_MAX_SERIES = 6, BENCH_MAX_ROUNDS = 32 };

/* The rounds of a full run.  Why so many: if two runs' rounds come from the
 * same spread, the median of one run of n rounds still falls outside the
 * other's smallest-largest with probability about 4 C(2n-m, n-m) / C(2n, n),
 * m = n/2 + 1: 1 in 3 points at n = 5, 1 in 230 at 15, 1 in 3000 at 21.
 * Two runs are compared on about 250 points, so fewer rounds make runs that
 * tell the same story look as if they did not. */
#define BENCH_ROUNDS 21

/* A point is marked "?" in the terminal and circled on the chart when its
 * median is uncertain: when the range that holds the true median with 95 %
 * confidence (the k-th smallest to the k-th largest of its rounds: with 21
 * rounds the 6th to the 16th; with 8 or fewer, all of them) is wider than
 * this share of the median, and than the table's resolution.  Not the whole
 * spread: one round that a busy moment slowed widens the bar, but does not
 * move the median. */
#define BENCH_UNTRUSTED_SPREAD 0.25

/* Below this share of the cores (median over the rounds), the run says the
 * machine was busy. */
#define BENCH_BUSY_SHARE 0.85

/* One table of a chart: series (columns) against x (rows), a value per round.
 * Fill title, x_name, names and format; leave the rest zero. */
struct bench_table {
    const char *title;                     /* what is measured, with its unit */
    const char *x_name;                    /* the first column's heading */
    const char *names[BENCH_MAX_SERIES];   /* the series' headings; stop at NULL */
    const char *format;                    /* printf format of a value, e.g. "%.3f" */
    bool spread_is_the_point;              /* lab 02's lost updates: never mark */
    double resolution;                     /* spreads below this do not matter */
    int nx;
    double x[BENCH_MAX_X];
    int n[BENCH_MAX_SERIES][BENCH_MAX_X];
    double v[BENCH_MAX_SERIES][BENCH_MAX_X][BENCH_MAX_ROUNDS];
    bool merged;                           /* the earlier passes' rounds are in */
};

/* PLOTS_QUICK=1: the kit's own tests ask for a short run. */
bool bench_quick(void);

/* What a driver's main starts with: see bench_start(). */
struct bench_run {
    FILE *out;     /* DATAFILE, open for writing */
    bool quick;    /* PLOTS_QUICK=1: a short run */
    int rounds;    /* the rounds to run (bench_begin has been called) */
    bool last_pass; /* the pass whose data file is kept: draw one-run pictures here */
};

/* Every driver's preamble.  `bench DATAFILE` opens DATAFILE and begins a run
 * of `rounds` rounds (`quick_rounds` under PLOTS_QUICK=1); under BENCH_PASS=J/N
 * run.rounds is this pass's share of them (possibly 0).  A lab with a peer
 * benchmark (compare.sh) passes `compare`: `bench --compare ARGS...` then runs
 * compare(nargs, args) on the words after --compare and exits with its
 * status; compare_args names them in the usage line.  Other labs pass NULL.
 * Exits 2 with a usage line on other arguments, 1 if DATAFILE cannot be
 * opened. */
struct bench_run bench_start(int argc, char **argv, int rounds, int quick_rounds,
                             int (*compare)(int nargs, char **args), const char *compare_args);

/* Under BENCH_PASS: a value measured once, by the first pass, for every
 * pass to use (a work size, so that every round does the same work).
 * bench_recall() gives an earlier pass's bench_keep(name, value); false if
 * none (then measure it and keep it).  Names have no tabs. */
bool bench_recall(const char *name, double *value);
void bench_keep(const char *name, double value);

/* Start a run of `rounds` rounds (at most BENCH_MAX_ROUNDS): reads the load
 * average.  Returns rounds. */
int bench_begin(int rounds);

/* Call before round r (0, 1, ...): measures the CPU share this run gets now. */
void bench_round(int r);

/* Record one round's value of `series` at x (the row is added on first use). */
void bench_add(struct bench_table *t, int series, double x, double value);

/* The median of a point's rounds (0 if none were recorded). */
double bench_median(const struct bench_table *t, int series, double x);

/* Write the table as one gnuplot data block: x, then for each series
 * median, smallest, largest and untrusted (0 or 1); two blank lines after.
 * Under BENCH_PASS, first keeps this pass's rounds and adds the earlier
 * passes' (call it before bench_print and bench_median). */
void bench_write(FILE *out, struct bench_table *t);

/* Print the table in the terminal: median (smallest-largest), "?" on a point
 * not to be trusted. */
void bench_print(const struct bench_table *t);

/* End the run: print how busy the machine was, and write it into the data
 * file as "# note: ..." and "# busy: 0|1" (harness/scripts/plots.sh puts the note on
 * the chart). */
void bench_end(FILE *out);

#endif
