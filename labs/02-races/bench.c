/*
 * bench.c - lab 02's timing driver: how many updates the racy counter loses,
 * and what each counter costs.
 *
 *   bench FILE     writes three data blocks (gnuplot `index` 0, 1, 2):
 *     0, 1   percent of updates lost against iterations per thread, for 2 and
 *            4 threads:  iterations mean_percent min_percent max_percent
 *     2      wall-clock nanoseconds per increment against threads:
 *            threads racy_ns atomic_ns confined_ns
 *
 * PLOTS_QUICK=1 shortens the run (used by the kit's own tests).
 */
#include <stdio.h>
#include <stdlib.h>

#include "races.h"
#include "testkit.h"

static const int lost_threads[] = {2, 4};
static const int timed_threads[] = {1, 2, 4, 8};

/* 1, 3, 10, 30, 100, ...: two points a decade on a log axis. */
static long next_on_ladder(long it)
{
    return it % 3 == 0 ? it / 3 * 10 : it * 3;
}

/* Percent lost over `reps` runs: mean, smallest and largest. */
static int lost_percent(int nthreads, long iterations, int reps, double *mean,
                        double *lo, double *hi)
{
    double sum = 0;
    *lo = 100, *hi = 0;
    for (int r = 0; r < reps; r++) {
        struct lost_updates m;
        if (measure_lost_updates(nthreads, iterations, &m))
            return -1;
        sum += m.percent_lost;
        *lo = m.percent_lost < *lo ? m.percent_lost : *lo;
        *hi = m.percent_lost > *hi ? m.percent_lost : *hi;
    }
    *mean = sum / reps;
    return 0;
}

/* Wall-clock nanoseconds per increment, best of `reps` runs (the least
 * disturbed by whatever else the machine is doing). */
static double ns_per_increment(int (*count)(const struct counter_run *, long *),
                               int nthreads, long iterations, int reps)
{
    static long plus_one[MAX_COUNTER_THREADS];
    for (int t = 0; t < MAX_COUNTER_THREADS; t++)
        plus_one[t] = 1;
    struct counter_run run = {nthreads, iterations, plus_one};
    double best = -1;
    for (int r = 0; r < reps; r++) {
        long total;
        double start = now_s();
        if (count(&run, &total))
            return -1;
        double ns = (now_s() - start) * 1e9 / ((double)nthreads * (double)iterations);
        best = best < 0 || ns < best ? ns : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATAFILE\n", argv[0]);
        return 2;
    }
    const char *quick_env = getenv("PLOTS_QUICK");
    int quick = quick_env && *quick_env == '1';
    long max_iterations = quick ? 100000 : 3000000;
    int reps = quick ? 2 : 7;
    long timed_iterations = quick ? 200000 : 2000000;

    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    fprintf(out, "# lab 02: %d cores; racy counter, every thread adding +1; %d runs a point\n",
            usable_cores(), reps);
    for (int k = 0; k < 2; k++) {
        int n = lost_threads[k];
        fprintf(out, "# %d threads\n# iterations mean_percent_lost min max\n", n);
        printf("%d threads, percent of updates lost:", n);
        for (long it = 1; it <= max_iterations; it = next_on_ladder(it)) {
            double mean, lo, hi;
            if (lost_percent(n, it, reps, &mean, &lo, &hi)) {
                fprintf(stderr, "measure_lost_updates failed\n");
                return 1;
            }
            fprintf(out, "%ld %.3f %.3f %.3f\n", it, mean, lo, hi);
            printf("  %ld: %.1f%%", it, mean);
        }
        printf("\n");
        fprintf(out, "\n\n");
    }

    fprintf(out, "# wall-clock ns per increment, %ld increments per thread, best of %d\n"
                 "# threads racy_ns atomic_ns confined_ns\n", timed_iterations, reps);
    for (size_t k = 0; k < sizeof timed_threads / sizeof timed_threads[0]; k++) {
        int n = timed_threads[k];
        double racy = ns_per_increment(count_racy, n, timed_iterations, reps);
        double atomic = ns_per_increment(count_atomic, n, timed_iterations, reps);
        double confined = ns_per_increment(count_confined, n, timed_iterations, reps);
        if (racy < 0 || atomic < 0 || confined < 0) {
            fprintf(stderr, "a counter failed at %d threads\n", n);
            return 1;
        }
        fprintf(out, "%d %.4f %.4f %.4f\n", n, racy, atomic, confined);
        printf("%d thread%s: ns per increment  racy %.2f  atomic %.2f  confined %.4f\n",
               n, n > 1 ? "s" : " ", racy, atomic, confined);
    }
    return fclose(out) != 0;
}
