/*
 * bench.c - lab 01's timing driver: wall and CPU time against the number of
 * workers K, for seed 003's I/O-bound tasks and for CPU-bound tasks.
 *
 *   bench FILE     writes one row per K: K io_wall io_cpu cpu_wall cpu_cpu
 *
 * PLOTS_QUICK=1 shortens the run (used by the kit's own tests).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATAFILE\n", argv[0]);
        return 2;
    }
    const char *quick = getenv("PLOTS_QUICK");
    unit_s = quick && *quick == '1' ? 0.01 : 0.05;
    spin_iterations = quick && *quick == '1' ? 2000000 : 20000000;

    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    fprintf(out, "# lab 01: %d cores; I/O tasks [1,2,2,1] x %.0f ms; %d CPU tasks\n"
                 "# K io_wall_s io_cpu_s cpu_wall_s cpu_cpu_s\n",
            usable_cores(), unit_s * 1e3, CPU_TASKS);
    volatile uint64_t sink;
    for (int k = 1; k <= MAX_WORKERS; k++) {
        struct run_times io, cpu;
        if (run_on_threads(4, k, sleep_task, NULL, &io) ||
            run_on_threads(CPU_TASKS, k, cpu_task, (void *)&sink, &cpu)) {
            fprintf(stderr, "run_on_threads failed at K=%d\n", k);
            return 1;
        }
        fprintf(out, "%d %.4f %.4f %.4f %.4f\n", k, io.wall_s, io.cpu_s,
                cpu.wall_s, cpu.cpu_s);
        printf("K=%d  I/O: wall %.3f s cpu %.3f s   CPU-bound: wall %.3f s cpu %.3f s\n",
               k, io.wall_s, io.cpu_s, cpu.wall_s, cpu.cpu_s);
    }
    return fclose(out) != 0;
}
