/*
 * glib_pool.c - GLib's GThreadPool on the benchmark's no-op workload, built
 * and run by compare.sh when pkg-config finds glib-2.0.
 *
 *   glib_pool N WORKERS [RUNS]    prints "glib_tasks_per_s R", best of RUNS (3)
 *
 * GThreadPool is fire-and-forget: it delivers no futures.  Each run pushes N
 * no-op tasks and waits until all have run (a counter and a condition
 * variable), which is the least a pool with futures must also do.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

static GMutex lock;
static GCond all_done;
static gint finished, target;   /* finished: atomic; the lock is for the last one only */
static gboolean done;

static void noop(gpointer data, gpointer user_data)
{
    (void)data, (void)user_data;
    if (g_atomic_int_add(&finished, 1) + 1 == g_atomic_int_get(&target)) {
        g_mutex_lock(&lock);
        done = TRUE;
        g_cond_signal(&all_done);
        g_mutex_unlock(&lock);
    }
}

static double run(GThreadPool *pool, gint ntasks)
{
    g_atomic_int_set(&finished, 0);
    g_atomic_int_set(&target, ntasks);
    done = FALSE;
    gint64 start = g_get_monotonic_time();
    for (gint i = 0; i < ntasks; i++)
        g_thread_pool_push(pool, GINT_TO_POINTER(1), NULL);
    g_mutex_lock(&lock);
    while (!done)
        g_cond_wait(&all_done, &lock);
    g_mutex_unlock(&lock);
    return (double)ntasks * 1e6 / (double)(g_get_monotonic_time() - start);
}

int main(int argc, char **argv)
{
    gint ntasks = argc > 1 ? atoi(argv[1]) : 1000000;
    int workers = argc > 2 ? atoi(argv[2]) : 2;
    int runs = argc > 3 ? atoi(argv[3]) : 3;
    GThreadPool *pool = g_thread_pool_new(noop, NULL, workers, FALSE, NULL);
    run(pool, ntasks / 10);
    double best = 0;
    for (int i = 0; i < runs; i++) {
        double rate = run(pool, ntasks);
        best = rate > best ? rate : best;
    }
    g_thread_pool_free(pool, FALSE, TRUE);
    printf("glib_tasks_per_s %.0f\n", best);
    return 0;
}
