/*
 * threads.h - lab 01: starting, stopping and timing threads.
 *
 * Python's threading.Thread, seed 001's countdown made stoppable, and
 * seed 003's I/O-bound tasks on K workers, in C with pthreads.  You implement
 * threads.c; this header is given and is the same one the grader compiles
 * against.
 */
#ifndef THREADS_H
#define THREADS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "todo.h"   /* NOT_IMPLEMENTED(): how the skeleton's bodies fail */

/* ---- Part 1: a thread you can start, ask about, and join ---------------
 *
 *   t = Thread(target=body, args=(arg,))      struct thread t;
 *   t.start()                                 thread_start(&t, body, arg);
 *   t.is_alive()                              thread_is_alive(&t)
 *   t.join()  (and the result)                void *result = thread_join(&t);
 */
typedef void *(*thread_body)(void *arg);

struct thread {
    pthread_t id;
    thread_body body;
    void *arg;
    void *result;
    atomic_bool alive;   /* read by other threads while this one runs */
};

/* Start body(arg) on a new thread.  Returns 0, or the error number from
 * pthread_create.  As in Python, the thread counts as alive from the moment
 * thread_start returns. */
int thread_start(struct thread *t, thread_body body, void *arg);

/* True from thread_start until body has returned; never blocks. */
bool thread_is_alive(struct thread *t);

/* Wait for the thread to end and return what body returned. */
void *thread_join(struct thread *t);

/* ---- Part 2: seed 001's countdown, made so it can be asked to stop -----
 *
 *   def countdown(n):                 on_tick(n, ctx) is the print; between
 *       while n > 0:                  ticks the thread waits interval_s, but
 *           print('T-minus', n)       wakes at once when asked to stop.
 *           n -= 1
 *           time.sleep(5)
 */
typedef void (*tick_fn)(int n, void *ctx);

struct countdown {
    struct thread thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;      /* signalled by countdown_stop */
    bool stop_requested;      /* guarded by lock */
    int n;
    double interval_s;
    tick_fn on_tick;
    void *ctx;
};

/* Start a thread that calls on_tick(n), on_tick(n-1), ... on_tick(1), one
 * interval_s apart, and waits one more interval after the last tick. */
int countdown_start(struct countdown *c, int n, double interval_s,
                    tick_fn on_tick, void *ctx);

/* Ask the countdown to stop.  Returns at once; the thread stops promptly,
 * well within one interval, without making another tick. */
void countdown_stop(struct countdown *c);

/* Wait for the countdown's thread to end; returns how many ticks it made. */
int countdown_join(struct countdown *c);

/* ---- Part 3: tasks on K worker threads, timed like %%time ----------------
 *
 *   with ThreadPoolExecutor(max_workers=K) as ex:
 *       list(ex.map(task, range(ntasks)))
 *
 * Each of nworkers threads takes the next task index not yet taken, until
 * all ntasks have run, each exactly once.  Wall time is measured with a
 * monotonic clock; CPU time is what every thread of the process used. */
typedef void (*task_fn)(int index, void *ctx);

struct run_times {
    double wall_s;
    double cpu_s;
};

/* Returns 0, or EINVAL when ntasks < 0 or nworkers < 1. */
int run_on_threads(int ntasks, int nworkers, task_fn task, void *ctx,
                   struct run_times *times);

#endif
