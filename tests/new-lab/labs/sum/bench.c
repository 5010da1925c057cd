/*
 * bench.c - the timing driver: the wall time of a sum of 2^24 ints (2^20
 * under PLOTS_QUICK=1) on K = 1 to 4 threads.
 *
 *   bench FILE     writes one block: a row per K, median and spread of the rounds
 */
#include <stdio.h>
#include <stdlib.h>

#include "benchkit.h"
#include "sum.h"
#include "testkit.h"

int main(int argc, char **argv)
{
    struct bench_run run = bench_start(argc, argv, BENCH_ROUNDS, 2, NULL, NULL);
    int n = run.quick ? 1 << 20 : 1 << 24;
    int *v = calloc((size_t)n, sizeof *v);
    if (!v)
        return 1;
    static struct bench_table table = {
        .title = "sum of the ints: seconds", .x_name = "K", .names = {"wall time"},
        .format = "%.4f", .resolution = 0.001};
    for (int r = 0; r < run.rounds; r++) {
        bench_round(r);
        for (int k = 1; k <= 4; k++) {
            double start = now_s();
            volatile long sum = sum_on_threads(v, n, k);
            (void)sum;
            bench_add(&table, 0, k, now_s() - start);
        }
    }
    bench_write(run.out, &table);
    bench_print(&table);
    bench_end(run.out);
    free(v);
    return fclose(run.out) != 0;
}
