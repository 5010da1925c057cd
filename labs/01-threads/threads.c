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
    /* TODO: call t->body(t->arg), keep what it returns in t->result, then
     * mark the thread as no longer alive (an atomic store others can see). */
    NOT_IMPLEMENTED(arg);
}

int thread_start(struct thread *t, thread_body body, void *arg)
{
    /* TODO: fill in t, mark it alive, then pthread_create() a thread that
     * runs thread_entry(t).  Why must alive be set before pthread_create? */
    NOT_IMPLEMENTED(t, body, arg, thread_entry);
}

bool thread_is_alive(struct thread *t)
{
    /* TODO: read t->alive atomically. */
    NOT_IMPLEMENTED(t);
}

void *thread_join(struct thread *t)
{
    /* TODO: pthread_join the thread, then return its result. */
    NOT_IMPLEMENTED(t);
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
    /* TODO: for n = c->n down to 1: call c->on_tick(n, c->ctx), then wait
     * until one interval after the previous deadline (add_seconds) with
     * pthread_cond_timedwait, waking early if c->stop_requested.  Return
     * the number of ticks made, cast to a pointer. */
    NOT_IMPLEMENTED(arg, add_seconds);
}

int countdown_start(struct countdown *c, int n, double interval_s,
                    tick_fn on_tick, void *ctx)
{
    /* TODO: fill in c, initialise its mutex and its condition variable (on
     * CLOCK_MONOTONIC, to match your deadlines), and start countdown_body. */
    NOT_IMPLEMENTED(c, n, interval_s, on_tick, ctx, countdown_body);
}

void countdown_stop(struct countdown *c)
{
    /* TODO: set stop_requested and wake the countdown thread. */
    NOT_IMPLEMENTED(c);
}

int countdown_join(struct countdown *c)
{
    /* TODO: join the countdown's thread, destroy what countdown_start
     * initialised, and return the number of ticks. */
    NOT_IMPLEMENTED(c);
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
    /* TODO: take task indices one by one (atomic_fetch_add on q->next) and
     * run each, until none are left. */
    NOT_IMPLEMENTED(arg);
}

int run_on_threads(int ntasks, int nworkers, task_fn task, void *ctx,
                   struct run_times *times)
{
    /* TODO: check the arguments, start nworkers threads running worker(),
     * join them all, and fill in *times: wall time from CLOCK_MONOTONIC and
     * CPU time from CLOCK_PROCESS_CPUTIME_ID (see clock_seconds). */
    NOT_IMPLEMENTED(ntasks, nworkers, task, ctx, times, worker, clock_seconds);
}
