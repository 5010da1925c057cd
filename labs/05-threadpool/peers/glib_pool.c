/*
 * glib_pool.c - GLib's GThreadPool on the workload it is best at, built and
 * run by compare.sh when pkg-config finds glib-2.0.
 *
 *   glib_pool N WORKERS [RUNS]    prints "glib_tasks_per_s R", the median of RUNS (1)
 *
 * GThreadPool is fire-and-forget: it hands out no futures, so nobody waits
 * for one task.  Each run pushes N no-op tasks (g_thread_pool_push) and then
 * waits until all have run with g_thread_pool_free(pool, FALSE, TRUE), GLib's
 * own way to wait for a pool: the task itself touches nothing shared (a
 * counter of finished tasks, bumped by both workers, would cost GLib a cache
 * line crossing between cores per task).  The pool is not exclusive, so its
 * threads come from GLib's idle threads, which the warm-up run started: no
 * thread is created in a timed run.  This is the least a pool with futures
 * must also do, and all GLib does.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "median.h"

static void noop(gpointer data, gpointer user_data)
{
    (void)data, (void)user_data;
}

static double run(gint ntasks, int workers)
{
    GThreadPool *pool = g_thread_pool_new(noop, NULL, workers, FALSE, NULL);
    gint64 start = g_get_monotonic_time();
    for (gint i = 0; i < ntasks; i++)
        g_thread_pool_push(pool, GINT_TO_POINTER(1), NULL);
    g_thread_pool_free(pool, FALSE, TRUE);   /* returns once every task has run */
    return (double)ntasks * 1e6 / (double)(g_get_monotonic_time() - start);
}

int main(int argc, char **argv)
{
    gint ntasks = argc > 1 ? atoi(argv[1]) : 1000000;
    int workers = argc > 2 ? atoi(argv[2]) : 2;
    int runs = argc > 3 ? atoi(argv[3]) : 1;
    if (runs < 1 || runs > 99)
        return 2;
    g_thread_pool_set_max_unused_threads(workers);   /* keep the warm-up's threads */
    run(ntasks / 10, workers);
    double rates[99];
    for (int i = 0; i < runs; i++)
        rates[i] = run(ntasks, workers);
    printf("glib_tasks_per_s %.0f\n", median_rate(rates, runs));
    return 0;
}
