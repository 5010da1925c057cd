/*
 * bench.c - lab 05's timing driver.
 *
 *   bench FILE        the chart's data, in two blocks (gnuplot `index`):
 *                     0: K, then wall time in units of the seeds' I/O
 *                        workloads on K workers (seed 003's map, seed 004's
 *                        map and as_completed, seed 000's ten sleeps), then
 *                        the same four as the schedule predicts them
 *                     1: K, then no-op tasks/s on K workers: submit-then-result
 *                        and map (best of 3 each)
 *   bench --compare [WORKERS [RUNS]]
 *                     the benchmark `make bench` runs: no-op submit-then-result
 *                     throughput, best of RUNS (3), printed as "ours_tasks_per_s N"
 *
 * PLOTS_QUICK=1 shortens the run (used by the kit's own tests).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    int free_at[MAX_WORKERS] = {0}, last = 0;
    for (int i = 0; i < n; i++) {
        int w = 0;
        for (int j = 1; j < k; j++)
            w = free_at[j] < free_at[w] ? j : w;
        free_at[w] += units[i];
        last = free_at[w] > last ? free_at[w] : last;
    }
    return last;
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
    /* Best of several runs after a warm-up: the machine is shared, and the
     * best run is the one least disturbed by others. */
    struct executor *ex = pool(workers);
    submit_then_result(ex, 100000);
    double best = 0;
    for (int i = 0; i < runs; i++) {
        double rate = submit_then_result(ex, 1000000);
        best = rate > best ? rate : best;
    }
    executor_free(ex);
    printf("ours_tasks_per_s %.0f\n", best);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "--compare"))
        return compare(argc >= 3 ? atoi(argv[2]) : usable_cores(), argc >= 4 ? atoi(argv[3]) : 3);
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATAFILE | --compare [WORKERS]\n", argv[0]);
        return 2;
    }
    const char *quick = getenv("PLOTS_QUICK");
    bool short_run = quick && *quick == '1';
    unit_s = short_run ? 0.002 : 0.02;
    long noops = short_run ? 20000 : 300000;

    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    static const int seed003[] = {1, 2, 2, 1};
    static const int seed004_map[] = {3, 2, 1};
    static const int seed004_ac[] = {5, 4, 3, 2, 1};
    static const int seed000[] = {5, 1, 3, 2, 1, 2, 2, 1, 3, 5};
    fprintf(out, "# lab 05: %d cores; I/O workloads in units of %.0f ms\n"
                 "# K seed003_map seed004_map seed004_as_completed seed000_as_completed"
                 " (then the same, ideal)\n", usable_cores(), unit_s * 1e3);
    printf("wall time in units of %.0f ms (the seeds' seconds):\n", unit_s * 1e3);
    for (int k = 1; k <= MAX_WORKERS; k++) {
        double a = map_units(k, seed003, 4), b = map_units(k, seed004_map, 3);
        double c = as_completed_units(k, seed004_ac, 5), d = as_completed_units(k, seed000, 10);
        fprintf(out, "%d %.3f %.3f %.3f %.3f %d %d %d %d\n", k, a, b, c, d,
                ideal_units(k, seed003, 4), ideal_units(k, seed004_map, 3),
                ideal_units(k, seed004_ac, 5), ideal_units(k, seed000, 10));
        printf("K=%d  seed 003 [1,2,2,1]: %4.1f   seed 004 map [3,2,1]: %4.1f   "
               "seed 004 as_completed [5..1]: %4.1f   seed 000 ten sleeps: %4.1f\n",
               k, a, b, c, d);
    }

    fprintf(out, "\n\n# K submit_then_result_tasks_per_s map_tasks_per_s\n");
    printf("no-op tasks per second:\n");
    for (int k = 1; k <= MAX_WORKERS; k++) {
        struct executor *ex = pool(k);
        submit_then_result(ex, noops / 10);   /* warm-up: start the workers */
        double submitted = 0, mapped = 0;
        for (int i = 0; i < 3; i++) {         /* best of 3: the machine is shared */
            double s = submit_then_result(ex, noops), m = map_noops(ex, noops);
            submitted = s > submitted ? s : submitted;
            mapped = m > mapped ? m : mapped;
        }
        executor_free(ex);
        fprintf(out, "%d %.0f %.0f\n", k, submitted, mapped);
        printf("K=%d  submit-then-result %6.2f M/s   map %6.2f M/s\n", k, submitted / 1e6,
               mapped / 1e6);
    }
    return fclose(out) != 0;
}
