/*
 * bench.c - lab 01's timing driver: wall and CPU time against the number of
 * workers K, for seed 003's I/O-bound tasks and for CPU-bound tasks.
 *
 *   bench FILE     writes two blocks (gnuplot `index`), each a row per K of
 *                  wall and CPU seconds, median and spread of the rounds
 *                  (harness/testlib/benchkit.h): 0 I/O-bound, 1 CPU-bound
 *
 * PLOTS_QUICK=1 shortens the run (used by the kit's own tests).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "benchkit.h"
#include "testkit.h"
#include "threads.h"

enum { MAX_WORKERS = 8, CPU_TASKS = 8 };

static const int timings[] = {1, 2, 2, 1};   /* seed 003 */
static double unit_s;
static long spin_iterations;

static void sleep_task(int i, void *ctx)
{
    (void)ctx;
    sleep_s(timings[i] * unit_s);
}

/* A fixed amount of arithmetic: the same work whichever thread does it. */
static void cpu_task(int i, void *ctx)
{
    uint64_t x = 88172645463325252ull + (uint64_t)i;
    for (long n = 0; n < spin_iterations; n++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    *(volatile uint64_t *)ctx = x;
}

int main(int argc, char **argv)
{
    struct bench_run run = bench_start(argc, argv, BENCH_ROUNDS, 2, NULL, NULL);
    FILE *out = run.out;
    unit_s = run.quick ? 0.01 : 0.03;
    spin_iterations = run.quick ? 1000000 : 10000000;
    fprintf(out, "# lab 01: %d cores; I/O tasks [1,2,2,1] x %.0f ms; %d CPU tasks\n",
            usable_cores(), unit_s * 1e3, CPU_TASKS);
    static struct bench_table io = {
        .title = "I/O-bound, seed 003's sleeps: seconds", .x_name = "K",
        .names = {"wall time", "CPU time"}, .format = "%.3f",
        .resolution = 0.01};   /* a scheduler tick or two */
    static struct bench_table cpu = {
        .title = "CPU-bound, 8 equal tasks: seconds", .x_name = "K",
        .names = {"wall time", "CPU time"}, .format = "%.3f",
        .resolution = 0.01};   /* a scheduler tick or two */
    volatile uint64_t sink;
    for (int r = 0; r < run.rounds; r++) {   /* every K once a round: see benchkit.h */
        bench_round(r);
        for (int k = 1; k <= MAX_WORKERS; k++) {
            struct run_times a, b;
            if (run_on_threads(4, k, sleep_task, NULL, &a) ||
                run_on_threads(CPU_TASKS, k, cpu_task, (void *)&sink, &b)) {
                fprintf(stderr, "run_on_threads failed at K=%d\n", k);
                return 1;
            }
            bench_add(&io, 0, k, a.wall_s);
            bench_add(&io, 1, k, a.cpu_s);
            bench_add(&cpu, 0, k, b.wall_s);
            bench_add(&cpu, 1, k, b.cpu_s);
        }
    }
    bench_write(out, &io);
    bench_write(out, &cpu);
    bench_print(&io);
    bench_print(&cpu);
    bench_end(out);
    return fclose(out) != 0;
}
