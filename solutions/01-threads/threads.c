/*
 * threads.c - lab 01: starting, stopping and timing threads.
 * The API and what each function must do are in threads.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "threads.h"

/* ---- Part 1 -------------------------------------------------------------- */

/* Runs on the new thread: call the body, keep its result, then say so. */
static void *thread_entry(void *arg)
{
    struct thread *t = arg;
    t->result = t->body(t->arg);
    /* Release: whoever sees alive == false also sees t->result. */
    atomic_store_explicit(&t->alive, false, memory_order_release);
    return NULL;
}

int thread_start(struct thread *t, thread_body body, void *arg)
{
    t->body = body;
    t->arg = arg;
    t->result = NULL;
    /* Alive before the thread exists: the caller may ask at once, before the
     * new thread has been scheduled at all. */
    atomic_store(&t->alive, true);
    int err = pthread_create(&t->id, NULL, thread_entry, t);
    if (err)
        atomic_store(&t->alive, false);
    return err;
}

bool thread_is_alive(struct thread *t)
{
    return atomic_load_explicit(&t->alive, memory_order_acquire);
}

void *thread_join(struct thread *t)
{
    pthread_join(t->id, NULL);   /* also makes t->result visible to us */
    return t->result;
}

/* ---- Part 2 -------------------------------------------------------------- */

static void add_seconds(struct timespec *ts, double seconds)
{
    long long ns = ts->tv_nsec + (long long)(seconds * 1e9);
    ts->tv_sec += (time_t)(ns / 1000000000);
    ts->tv_nsec = (long)(ns % 1000000000);
}

static void *countdown_body(void *arg)
{
    struct countdown *c = arg;
    struct timespec next;
    int ticks = 0;

    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&c->lock);
    for (int n = c->n; n > 0 && !c->stop_requested; n--) {
        pthread_mutex_unlock(&c->lock);
        c->on_tick(n, c->ctx);   /* outside the lock: a slow print blocks no one */
        ticks++;
        pthread_mutex_lock(&c->lock);
        /* Wait until an absolute deadline, not for a relative sleep: ticks
         * stay one interval apart however long on_tick took, and a spurious
         * wakeup simply waits again for the time that is left. */
        add_seconds(&next, c->interval_s);
        while (!c->stop_requested &&
               pthread_cond_timedwait(&c->wake, &c->lock, &next) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&c->lock);
    return (void *)(intptr_t)ticks;
}

int countdown_start(struct countdown *c, int n, double interval_s,
                    tick_fn on_tick, void *ctx)
{
    pthread_condattr_t attr;
    c->n = n;
    c->interval_s = interval_s;
    c->on_tick = on_tick;
    c->ctx = ctx;
    c->stop_requested = false;
    pthread_mutex_init(&c->lock, NULL);
    /* Deadlines on the monotonic clock: setting the date cannot stretch a tick. */
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake, &attr);
    pthread_condattr_destroy(&attr);
    return thread_start(&c->thread, countdown_body, c);
}

void countdown_stop(struct countdown *c)
{
    pthread_mutex_lock(&c->lock);
    c->stop_requested = true;
    pthread_cond_signal(&c->wake);   /* under the lock: the wakeup cannot be lost */
    pthread_mutex_unlock(&c->lock);
}

int countdown_join(struct countdown *c)
{
    int ticks = (int)(intptr_t)thread_join(&c->thread);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    return ticks;
}

/* ---- Part 3 -------------------------------------------------------------- */

struct task_queue {
    atomic_int next;   /* the next task index nobody has taken */
    int ntasks;
    task_fn task;
    void *ctx;
};

static double clock_seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *worker(void *arg)
{
    struct task_queue *q = arg;
    /* fetch_add hands every index to exactly one worker, with no lock. */
    for (int i; (i = atomic_fetch_add(&q->next, 1)) < q->ntasks;)
        q->task(i, q->ctx);
    return NULL;
}

int run_on_threads(int ntasks, int nworkers, task_fn task, void *ctx,
                   struct run_times *times)
{
    if (ntasks < 0 || nworkers < 1)
        return EINVAL;
    struct task_queue q = {.ntasks = ntasks, .task = task, .ctx = ctx};
    struct thread *workers = calloc((size_t)nworkers, sizeof *workers);
    if (!workers)
        return ENOMEM;
    atomic_init(&q.next, 0);

    double wall = clock_seconds(CLOCK_MONOTONIC);
    double cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    int started = 0, err = 0;
    while (started < nworkers && !err)
        if (!(err = thread_start(&workers[started], worker, &q)))
            started++;
    /* Join whatever started, even after an error: no thread outlives q. */
    for (int i = 0; i < started; i++)
        thread_join(&workers[i]);
    times->wall_s = clock_seconds(CLOCK_MONOTONIC) - wall;
    times->cpu_s = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;

    free(workers);
    return err;
}
