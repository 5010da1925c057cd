/*
 * bench.c - lab 06's timing driver.
 *
 *   bench FILE      writes the chart's data, four blocks (gnuplot `index`);
 *                   0 to 2 are medians and spreads of rounds (harness/testlib/benchkit.h):
 *                     0: chunksize, then thousand tasks/s of a map of no-op tasks on 2 workers
 *                     1: chunksize, then thousand tasks/s of Python's
 *                        ProcessPoolExecutor.map on the same work, in the same rounds
 *                        (one row of zeros if python3 is missing or fails)
 *                     2: K, then the speed-up over K = 1 of the same CPU-bound
 *                        tasks on K processes and on K threads
 *                     3: chunksize, thousand tasks/s: Python's published figures
 *                        (one plain block, drawn only when block 1 is empty)
 *   bench --compare N CHUNKSIZE...
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

#include "benchkit.h"
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

/* ---- Python's ProcessPoolExecutor.map on the same work, in the same round ------ */

/* Python's side, run as python3 -c: one pool of 2 workers (fork, as
 * compare.sh), a warm-up map, then for each "chunksize:n" argument the rate
 * of map(noop, range(n), chunksize) as "chunksize tasks_per_s".  No single
 * quotes: the shell gets it between them. */
static const char python_map[] =
    "import multiprocessing, sys, time\n"
    "from concurrent.futures import ProcessPoolExecutor\n"
    "def noop(x):\n"
    "    return x\n"
    "if __name__ == \"__main__\":\n"
    "    fork = multiprocessing.get_context(\"fork\")\n"
    "    with ProcessPoolExecutor(max_workers=2, mp_context=fork) as ex:\n"
    "        list(ex.map(noop, range(2000), chunksize=100))\n"
    "        for run in sys.argv[1:]:\n"
    "            c, n = map(int, run.split(\":\"))\n"
    "            t = time.perf_counter()\n"
    "            r = list(ex.map(noop, range(n), chunksize=c))\n"
    "            t = time.perf_counter() - t\n"
    "            assert r[-1] == n - 1\n"
    "            print(c, n / t, flush=True)\n";

enum { PY_POINTS = 4 };
static const int py_chunksizes[PY_POINTS] = {1, 10, 100, 1000};
/* About 0.025 s each at the published rates (9.3 k, 101 k, 662 k, 1.76 M/s). */
static const long py_items[PY_POINTS] = {250, 2500, 16000, 44000};
static const long py_items_quick[PY_POINTS] = {100, 1000, 6000, 20000};

/* One round of Python's points into t (series 0), in thousand tasks/s.
 * False if python3 is missing or failed: the chart then falls back to the
 * published figures, and says so. */
static bool python_round(struct bench_table *t, bool quick)
{
    char cmd[sizeof python_map + 200];
    int len = snprintf(cmd, sizeof cmd, "python3 -c '%s'", python_map);
    for (int i = 0; i < PY_POINTS; i++)
        len += snprintf(cmd + len, sizeof cmd - (size_t)len, " %d:%ld", py_chunksizes[i],
                        quick ? py_items_quick[i] : py_items[i]);
    snprintf(cmd + len, sizeof cmd - (size_t)len, " 2>/dev/null");
    fflush(NULL);   /* the child must not write our buffered output again */
    FILE *py = popen(cmd, "r");
    if (!py)
        return false;
    int chunksize, got = 0;
    double rate;
    while (fscanf(py, "%d %lf", &chunksize, &rate) == 2) {
        bench_add(t, 0, chunksize, rate / 1e3);
        got++;
    }
    return pclose(py) == 0 && got == PY_POINTS;
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

/* bench --compare N CHUNKSIZE...: compare.sh's side of the comparison. */
static int compare(int nargs, char **args)
{
    if (nargs < 2) {
        fprintf(stderr, "usage: bench --compare N CHUNKSIZE...\n");
        return 2;
    }
    size_t n = strtoul(args[0], NULL, 10);
    for (int i = 1; i < nargs; i++) {
        int chunksize = atoi(args[i]);
        printf("%d %.0f\n", chunksize, map_rate(n, chunksize, 3));
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv)
{
    procpool_register("noop", noop);
    procpool_register("spin_task", spin_task);
    struct bench_run run = bench_start(argc, argv, BENCH_ROUNDS, 2, compare, "N CHUNKSIZE...");
    FILE *out = run.out;
    double seconds_per_point = run.quick ? 0.01 : 0.03;   /* 21 rounds: see benchkit.h */
    spin_iterations = run.quick ? 300000 : 1000000;
    fprintf(out, "# lab 06: %d cores\n", usable_cores());
    static const int chunksizes[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
    enum { NCHUNKS = sizeof chunksizes / sizeof chunksizes[0] };
    size_t items[NCHUNKS];
    /* Sized once, by the first pass (harness/testlib/benchkit.h), so that every
     * round of every pass does the same work. */
    for (int c = 0; c < NCHUNKS; c++) {
        char name[32];
        double n;
        snprintf(name, sizeof name, "items at chunksize %d", chunksizes[c]);
        if (!bench_recall(name, &n))
            bench_keep(name, n = (double)items_for(chunksizes[c], seconds_per_point));
        items[c] = (size_t)n;
    }
    static struct bench_table chunks = {
        .title = "map(noop) on 2 worker processes: thousand tasks/s", .x_name = "chunks.",
        .names = {"procpool_map"}, .format = "%.0f"};
    static struct bench_table python = {
        .title = "Python 3 ProcessPoolExecutor.map(noop), 2 workers: thousand tasks/s",
        .x_name = "chunks.", .names = {"Python"}, .format = "%.0f"};
    bool python_ok = true;
    static struct bench_table cpu = {
        .title = "32 CPU-bound tasks: speed-up over 1 worker, same round", .x_name = "K",
        .names = {"processes", "threads"}, .format = "%.2f"};
    for (int r = 0; r < run.rounds; r++) {   /* every point once a round: see benchkit.h */
        bench_round(r);
        for (int c = 0; c < NCHUNKS; c++)
            bench_add(&chunks, 0, chunksizes[c], map_rate(items[c], chunksizes[c], 1) / 1e3);
        python_ok = python_ok && python_round(&python, run.quick);
        /* Each speed-up divides by K = 1 of the same round, so a slow round
         * does not pass for a slow K. */
        double p1 = 0, t1 = 0;
        for (int k = 1; k <= MAX_K; k++) {
            double tp = on_processes(k), tt = on_threads(k);
            if (k == 1)
                p1 = tp, t1 = tt;
            bench_add(&cpu, 0, k, p1 / tp);
            bench_add(&cpu, 1, k, t1 / tt);
        }
    }
    bench_write(out, &chunks);
    if (!python_ok) {
        /* One row of zeros, so that the block (gnuplot's index 1) is still
         * there: the chart then draws the published figures instead. */
        memset(python.n, 0, sizeof python.n);
        python.nx = 1;
        python.x[0] = 1;
        python.title = "Python: not measured (python3 missing or failed)";
    }
    bench_write(out, &python);
    bench_write(out, &cpu);
    /* Drawn only when Python could not be measured here. */
    fprintf(out, "# Python 3.11 ProcessPoolExecutor.map, 2 workers, no-op tasks: published\n"
                 "# figures, measured once by the kit's authors on a 2-core machine\n"
                 "# chunksize thousand_tasks_per_s\n1 9.3\n10 101\n100 662\n1000 1760\n\n\n");
    bench_print(&chunks);
    if (python_ok) {
        bench_print(&python);
        printf("procpool_map / Python, medians:");
        for (int i = 0; i < PY_POINTS; i++)
            printf("  chunksize %d: %.1fx", py_chunksizes[i],
                   bench_median(&chunks, 0, py_chunksizes[i]) /
                       bench_median(&python, 0, py_chunksizes[i]));
        printf("\n\n");
    } else {
        printf("python3 is missing or failed: the chart shows Python's published figures\n\n");
    }
    bench_print(&cpu);
    bench_end(out);
    return fclose(out) != 0;
}
