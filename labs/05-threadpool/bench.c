/*
 * bench.c - lab 05's timing driver.
 *
 *   bench FILE        the chart's data, in three blocks (gnuplot `index`),
 *                     medians and spreads of rounds (harness/testlib/benchkit.h):
 *                     0: K, then wall time in units of the seeds' I/O
 *                        workloads on K workers (seed 003's map, seed 004's
 *                        map and as_completed, seed 000's ten sleeps)
 *                     1: K, then the same four as the schedule predicts them
 *                     2: K, then million no-op tasks/s on K workers:
 *                        submit-then-result and map
 *   bench --compare [WORKERS [RUNS]]
 *                     the benchmark `make bench` runs: no-op submit-then-result
 *                     throughput of 1 M tasks, the median of RUNS (1) after a
 *                     warm-up, printed as "ours_tasks_per_s N".  compare.sh
 *                     runs it once a round, in turns with the peers.
 *
 * PLOTS_QUICK=1 shortens the run (used by the kit's own tests).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchkit.h"
#include "peers/median.h"
#include "testkit.h"
#include "threadpool.h"

enum { MAX_WORKERS = 8, BATCH = 4096 };

static double unit_s;

static void *sleep_and_double(void *arg, struct task_error *error)
{
    (void)error;
    sleep_s((double)(intptr_t)arg * unit_s);
    return (void *)((intptr_t)arg * 2);
}

static void *noop(void *arg, struct task_error *error)
{
    (void)error;
    return arg;
}

static struct executor *pool(int workers)
{
    struct executor *ex = executor_new(workers);
    if (!ex) {
        fprintf(stderr, "executor_new(%d) failed\n", workers);
        exit(1);
    }
    return ex;
}

/* ---- the seeds' I/O workloads, timed in units ------------------------------- */

/* What the wall time should be, in units: each task goes to the worker that
 * is free first (the oldest queued task to the first free worker). */
static int ideal_units(int k, const int *units, int n)
{
    double durations[16];
    for (int i = 0; i < n; i++)
        durations[i] = units[i];
    return (int)prompt_pool_time(durations, n, k);
}

/* list(ex.map(sleep_and_double, units)) on a fresh pool of k workers. */
static double map_units(int k, const int *units, int n)
{
    void *args[16], *results[16];
    for (int i = 0; i < n; i++)
        args[i] = (void *)(intptr_t)units[i];
    struct executor *ex = pool(k);
    double start = now_s();
    if (executor_map(ex, sleep_and_double, args, (size_t)n, NO_TIMEOUT, results, NULL, NULL)
        != RESULT_OK) {
        fprintf(stderr, "map failed\n");
        exit(1);
    }
    double took = now_s() - start;
    executor_free(ex);
    return took / unit_s;
}

/* for f in as_completed([ex.submit(sleep_and_double, u) for u in units]) */
static double as_completed_units(int k, const int *units, int n)
{
    struct future *fs[16];
    struct executor *ex = pool(k);
    double start = now_s();
    for (int i = 0; i < n; i++)
        fs[i] = executor_submit(ex, sleep_and_double, (void *)(intptr_t)units[i]);
    struct as_completed *it = as_completed(fs, (size_t)n, NO_TIMEOUT);
    struct future *f;
    while (as_completed_next(it, &f) == RESULT_OK && f)
        ;
    double took = now_s() - start;
    as_completed_free(it);
    for (int i = 0; i < n; i++)
        future_release(fs[i]);
    executor_free(ex);
    return took / unit_s;
}

/* ---- no-op throughput --------------------------------------------------------- */

/* fs = [ex.submit(noop) for _ in range(BATCH)]; [f.result() for f in fs],
 * repeated until ntasks have run.  Returns tasks per second. */
static double submit_then_result(struct executor *ex, long ntasks)
{
    static struct future *fs[BATCH];
    long done = 0;
    double start = now_s();
    for (; done < ntasks; done += BATCH) {
        for (int i = 0; i < BATCH; i++)
            fs[i] = executor_submit(ex, noop, NULL);
        for (int i = 0; i < BATCH; i++) {
            future_result(fs[i], NO_TIMEOUT, NULL, NULL);
            future_release(fs[i]);
        }
    }
    return (double)done / (now_s() - start);
}

/* list(ex.map(noop, range(BATCH))), repeated until ntasks have run. */
static double map_noops(struct executor *ex, long ntasks)
{
    static void *args[BATCH], *results[BATCH];
    long done = 0;
    double start = now_s();
    for (; done < ntasks; done += BATCH)
        executor_map(ex, noop, args, BATCH, NO_TIMEOUT, results, NULL, NULL);
    return (double)done / (now_s() - start);
}

static int compare(int workers, int runs)
{
    /* A warm-up first: it starts the workers.  The median, not the best: the
     * rounds that compare.sh takes in turns with the peers are what make the
     * figure trustworthy on a shared machine (see compare.sh). */
    if (runs < 1 || runs > 99)
        runs = 1;
    struct executor *ex = pool(workers);
    submit_then_result(ex, 100000);
    double rates[99];
    for (int i = 0; i < runs; i++)
        rates[i] = submit_then_result(ex, 1000000);
    executor_free(ex);
    printf("ours_tasks_per_s %.0f\n", median_rate(rates, runs));
    return 0;
}

/* bench --compare [WORKERS [RUNS]]: compare.sh's run (it sets no unit_s). */
static int compare_main(int nargs, char **args)
{
    return compare(nargs >= 1 ? atoi(args[0]) : usable_cores(), nargs >= 2 ? atoi(args[1]) : 1);
}

int main(int argc, char **argv)
{
    struct bench_run run = bench_start(argc, argv, BENCH_ROUNDS, 2, compare_main, "[WORKERS [RUNS]]");
    FILE *out = run.out;
    int rounds = run.rounds;
    unit_s = run.quick ? 0.002 : 0.01;
    long noops = run.quick ? 20000 : 50000;   /* 21 rounds of 16 points: see benchkit.h */
    static const int seed003[] = {1, 2, 2, 1};
    static const int seed004_map[] = {3, 2, 1};
    static const int seed004_ac[] = {5, 4, 3, 2, 1};
    static const int seed000[] = {5, 1, 3, 2, 1, 2, 2, 1, 3, 5};
    fprintf(out, "# lab 05: %d cores; I/O workloads in units of %.0f ms\n", usable_cores(),
            unit_s * 1e3);
    static struct bench_table io = {
        .title = "wall time in units (the seeds' seconds)", .x_name = "K",
        .names = {"seed 003 map", "seed 004 map", "seed 004 as_compl.", "seed 000 10 sleeps"},
        .format = "%.2f", .resolution = 0.3};   /* a third of a unit: timer slack */
    static struct bench_table rate = {
        .title = "no-op tasks: million tasks/s", .x_name = "K",
        .names = {"submit, then result", "map"}, .format = "%.2f"};
    for (int r = 0; r < rounds; r++) {   /* every point once a round: see benchkit.h */
        bench_round(r);
        for (int k = 1; k <= MAX_WORKERS; k++) {
            bench_add(&io, 0, k, map_units(k, seed003, 4));
            bench_add(&io, 1, k, map_units(k, seed004_map, 3));
            bench_add(&io, 2, k, as_completed_units(k, seed004_ac, 5));
            bench_add(&io, 3, k, as_completed_units(k, seed000, 10));
        }
        for (int k = 1; k <= MAX_WORKERS; k++) {
            struct executor *ex = pool(k);
            submit_then_result(ex, noops / 10);   /* warm-up: start the workers */
            bench_add(&rate, 0, k, submit_then_result(ex, noops) / 1e6);
            bench_add(&rate, 1, k, map_noops(ex, noops) / 1e6);
            executor_free(ex);
        }
    }
    bench_write(out, &io);
    /* What the schedule predicts: exact, so one plain block. */
    fprintf(out, "# the same workloads, as the schedule predicts them (units)\n"
                 "# K seed003_map seed004_map seed004_as_completed seed000_as_completed\n");
    for (int k = 1; k <= MAX_WORKERS; k++)
        fprintf(out, "%d %d %d %d %d\n", k, ideal_units(k, seed003, 4),
                ideal_units(k, seed004_map, 3), ideal_units(k, seed004_ac, 5),
                ideal_units(k, seed000, 10));
    fprintf(out, "\n\n");
    bench_write(out, &rate);
    bench_print(&io);
    bench_print(&rate);
    bench_end(out);
    return fclose(out) != 0;
}
