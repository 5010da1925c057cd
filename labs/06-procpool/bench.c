/*
 * bench.c - lab 06's timing driver.
 *
 *   bench FILE      writes the chart's data, three blocks (gnuplot `index`):
 *                     0: chunksize  tasks/s      map of no-op tasks on 2 workers
 *                     1: chunksize  tasks/s      Python's figures from issue 6
 *                     2: K  processes_s  threads_s  process_speedup  thread_speedup
 *                        the same CPU-bound tasks on K processes and on K threads
 *                        (best of 2 runs each)
 *   bench --throughput N CHUNKSIZE...
 *                   prints "chunksize tasks/s" for a map of N no-op tasks on 2
 *                   workers, best of 3 (compare.sh runs Python on the same work)
 *
 * PLOTS_QUICK=1 shortens the run (used by the kit's own tests).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procpool.h"
#include "testkit.h"

enum { MAX_K = 8, CPU_TASKS = 32 };

static long spin_iterations;

/* Python's no-op: def noop(x): return x */
static long noop(const void *arg, size_t len, void *out, size_t cap)
{
    (void)cap;
    memcpy(out, arg, len);
    return (long)len;
}

/* A fixed amount of arithmetic: the same work wherever it runs. */
static uint64_t spin(uint64_t x)
{
    for (long n = 0; n < spin_iterations; n++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

static long spin_task(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    uint64_t x;
    memcpy(&x, arg, sizeof x);
    x = spin(x);
    memcpy(out, &x, sizeof x);
    return sizeof x;
}

static void die(const char *what, int status)
{
    fprintf(stderr, "bench: %s failed: %s\n", what, procpool_strerror(status));
    exit(1);
}

/* Tasks per second of map(noop, n items, chunksize) on a 2-worker pool,
 * best of `repeats` runs; pool start-up is not timed. */
static double map_rate(size_t n, int chunksize, int repeats)
{
    int64_t *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
    if (!in || !out)
        die("malloc", PROCPOOL_NO_MEMORY);
    for (size_t i = 0; i < n; i++)
        in[i] = (int64_t)i;
    struct procpool *p = procpool_new(2);
    if (!p)
        die("procpool_new", PROCPOOL_NO_MEMORY);
    double best = 0;
    for (int r = 0; r < repeats; r++) {
        double start = now_s();
        int err = procpool_map(p, "noop", in, sizeof *in, out, sizeof *out, n, chunksize);
        double rate = (double)n / (now_s() - start);
        if (err)
            die("procpool_map", err);
        if (out[n - 1] != (int64_t)(n - 1))
            die("checking the map's results", PROCPOOL_TASK_FAILED);
        best = rate > best ? rate : best;
    }
    procpool_shutdown(p, true, false);
    free(in);
    free(out);
    return best;
}

/* Enough items for about `seconds` of map at this chunksize. */
static size_t items_for(int chunksize, double seconds)
{
    double rate = map_rate(2000, chunksize, 1);
    double n = rate * seconds;
    return n < 2000 ? 2000 : n > 4e6 ? 4000000 : (size_t)n;
}

/* ---- CPU-bound: K processes against K threads --------------------------------- */

struct thread_work {
    atomic_int next;
    uint64_t results[CPU_TASKS];
};

static void *thread_worker(void *arg)
{
    struct thread_work *w = arg;
    for (int i; (i = atomic_fetch_add(&w->next, 1)) < CPU_TASKS;)
        w->results[i] = spin((uint64_t)i + 1);
    return NULL;
}

static double on_threads(int k)
{
    static struct thread_work work;
    pthread_t t[MAX_K];
    atomic_init(&work.next, 0);
    double start = now_s();
    for (int i = 0; i < k; i++)
        pthread_create(&t[i], NULL, thread_worker, &work);
    for (int i = 0; i < k; i++)
        pthread_join(t[i], NULL);
    return now_s() - start;
}

static double on_processes(int k)
{
    uint64_t in[CPU_TASKS], out[CPU_TASKS];
    for (int i = 0; i < CPU_TASKS; i++)
        in[i] = (uint64_t)i + 1;
    struct procpool *p = procpool_new(k);
    if (!p)
        die("procpool_new", PROCPOOL_NO_MEMORY);
    double start = now_s();
    int err = procpool_map(p, "spin_task", in, sizeof in[0], out, sizeof out[0], CPU_TASKS, 1);
    double took = now_s() - start;
    procpool_shutdown(p, true, false);
    if (err)
        die("procpool_map", err);
    return took;
}

static int throughput_only(int argc, char **argv)
{
    size_t n = strtoul(argv[2], NULL, 10);
    for (int i = 3; i < argc; i++) {
        int chunksize = atoi(argv[i]);
        printf("%d %.0f\n", chunksize, map_rate(n, chunksize, 3));
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv)
{
    procpool_register("noop", noop);
    procpool_register("spin_task", spin_task);
    if (argc >= 4 && strcmp(argv[1], "--throughput") == 0)
        return throughput_only(argc, argv);
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATAFILE\n       %s --throughput N CHUNKSIZE...\n",
                argv[0], argv[0]);
        return 2;
    }
    const char *quick = getenv("PLOTS_QUICK");
    bool is_quick = quick && *quick == '1';
    double seconds_per_point = is_quick ? 0.03 : 0.2;
    spin_iterations = is_quick ? 300000 : 4000000;

    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    fprintf(out, "# lab 06: %d cores\n# block 0: map of no-op tasks on 2 workers\n"
                 "# chunksize tasks_per_s\n", usable_cores());
    static const int chunksizes[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
    printf("map(noop) on 2 worker processes:\n");
    for (size_t c = 0; c < sizeof chunksizes / sizeof chunksizes[0]; c++) {
        size_t n = items_for(chunksizes[c], seconds_per_point);
        double rate = map_rate(n, chunksizes[c], is_quick ? 1 : 2);
        fprintf(out, "%d %.0f\n", chunksizes[c], rate);
        printf("  chunksize %4d: %10.0f tasks/s  (%zu tasks)\n", chunksizes[c], rate, n);
    }

    /* Issue 6: Python's ProcessPoolExecutor.map, 2 workers, no-op tasks, 2 cores. */
    fprintf(out, "\n\n# block 1: Python ProcessPoolExecutor.map (issue 6, 2 cores)\n"
                 "# chunksize tasks_per_s\n1 9300\n10 101000\n100 662000\n1000 1760000\n");

    fprintf(out, "\n\n# block 2: %d CPU-bound tasks of %ld iterations\n"
                 "# K processes_s threads_s process_speedup thread_speedup\n",
            CPU_TASKS, spin_iterations);
    printf("%d CPU-bound tasks on K processes / K threads:\n", CPU_TASKS);
    double p1 = 0, t1 = 0;
    for (int k = 1; k <= MAX_K; k++) {
        /* Best of 2: a shared machine's load comes in bursts. */
        double tp = on_processes(k), tt = on_threads(k);
        if (!is_quick) {
            double tp2 = on_processes(k), tt2 = on_threads(k);
            tp = tp2 < tp ? tp2 : tp;
            tt = tt2 < tt ? tt2 : tt;
        }
        if (k == 1) {
            p1 = tp;
            t1 = tt;
        }
        fprintf(out, "%d %.4f %.4f %.3f %.3f\n", k, tp, tt, p1 / tp, t1 / tt);
        printf("  K=%d  processes %.3f s (x%.2f)   threads %.3f s (x%.2f)\n", k, tp, p1 / tp,
               tt, t1 / tt);
    }
    return fclose(out) != 0;
}
