/*
 * bench.c - lab 02's timing driver: how many updates the racy counter loses,
 * and what each counter costs.
 *
 *   bench FILE     writes three data blocks (gnuplot `index` 0, 1, 2), each
 *                  the median and spread of several rounds (harness/testlib/benchkit.h):
 *     0, 1   percent of updates lost against iterations per thread, for 2 and
 *            4 threads
 *     2      wall-clock nanoseconds per increment against threads: racy,
 *            atomic, confined
 *
 * PLOTS_QUICK=1 shortens the run (used by the kit's own tests).
 */
#include <stdio.h>
#include <stdlib.h>

#include "benchkit.h"
#include "races.h"
#include "testkit.h"

static const int lost_threads[] = {2, 4};
static const int timed_threads[] = {1, 2, 4, 8};

/* 1, 3, 10, 30, 100, ...: two points a decade on a log axis. */
static long next_on_ladder(long it)
{
    return it % 3 == 0 ? it / 3 * 10 : it * 3;
}

/* Wall-clock nanoseconds per increment of one run. */
static double ns_per_increment(int (*count)(const struct counter_run *, long *),
                               int nthreads, long iterations)
{
    static long plus_one[MAX_COUNTER_THREADS];
    for (int t = 0; t < MAX_COUNTER_THREADS; t++)
        plus_one[t] = 1;
    struct counter_run run = {nthreads, iterations, plus_one};
    long total;
    double start = now_s();
    if (count(&run, &total))
        return -1;
    return (now_s() - start) * 1e9 / ((double)nthreads * (double)iterations);
}

int main(int argc, char **argv)
{
    struct bench_run run = bench_start(argc, argv, BENCH_ROUNDS, 2, NULL, NULL);
    FILE *out = run.out;
    long max_iterations = run.quick ? 100000 : 3000000;
    long timed_iterations = run.quick ? 200000 : 2000000;
    fprintf(out, "# lab 02: %d cores; racy counter, every thread adding +1\n", usable_cores());
    /* How much is lost varies from run to run by nature: that spread is the
     * lesson, not noise, so these points are never marked untrusted. */
    static struct bench_table lost[2] = {
        {.title = "2 threads: % of updates lost", .x_name = "incr.", .names = {"lost %"},
         .format = "%.1f", .spread_is_the_point = true},
        {.title = "4 threads: % of updates lost", .x_name = "incr.", .names = {"lost %"},
         .format = "%.1f", .spread_is_the_point = true}};
    static struct bench_table cost = {
        .title = "wall-clock ns per increment, all threads together", .x_name = "threads",
        .names = {"racy", "atomic", "confined"}, .format = "%.3g", .resolution = 0.05};
    int (*const counters[3])(const struct counter_run *, long *) = {count_racy, count_atomic,
                                                                    count_confined};
    for (int r = 0; r < run.rounds; r++) {   /* every point once a round: see benchkit.h */
        bench_round(r);
        for (int k = 0; k < 2; k++)
            for (long it = 1; it <= max_iterations; it = next_on_ladder(it)) {
                struct lost_updates m;
                if (measure_lost_updates(lost_threads[k], it, &m)) {
                    fprintf(stderr, "measure_lost_updates failed\n");
                    return 1;
                }
                bench_add(&lost[k], 0, (double)it, m.percent_lost);
            }
        for (size_t k = 0; k < sizeof timed_threads / sizeof timed_threads[0]; k++)
            for (int c = 0; c < 3; c++) {
                double ns = ns_per_increment(counters[c], timed_threads[k], timed_iterations);
                if (ns < 0) {
                    fprintf(stderr, "a counter failed at %d threads\n", timed_threads[k]);
                    return 1;
                }
                bench_add(&cost, c, timed_threads[k], ns);
            }
    }
    for (int k = 0; k < 2; k++) {
        bench_write(out, &lost[k]);
        bench_print(&lost[k]);
    }
    bench_write(out, &cost);
    bench_print(&cost);
    bench_end(out);
    return fclose(out) != 0;
}
