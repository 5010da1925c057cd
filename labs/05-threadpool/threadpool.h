/*
 * threadpool.h - lab 05: Python's concurrent.futures in C.
 *
 * Seeds 000, 003 and 004 use ThreadPoolExecutor and its futures, with map or
 * as_completed (seed 002 names the same calls).  Here they are in C, with CPython's semantics
 * (Lib/concurrent/futures/_base.py and thread.py), renamed where C needs it.
 * You implement future.c (Parts 1 and 2) and executor.c (Part 3); this header
 * is given and is the same one the grader compiles against.
 *
 *   Python                                      C
 *   ex = ThreadPoolExecutor(max_workers=4)      ex = executor_new(4);
 *   f = ex.submit(fn, arg)                      f = executor_submit(ex, fn, arg);
 *   f.result(timeout=2)                         future_result(f, 2.0, &value, &error)
 *   for f in as_completed(fs): ...              it = as_completed(fs, n, NO_TIMEOUT);
 *                                               while (as_completed_next(it, &f) == RESULT_OK && f) ...
 *   done, not_done = wait(fs, 1, FIRST_COMPLETED)   futures_wait(fs, n, 1.0, FIRST_COMPLETED, ...)
 *   list(ex.map(fn, args))                      executor_map(ex, fn, args, n, NO_TIMEOUT, results, ...)
 *   ex.shutdown(wait=True, cancel_futures=False)    executor_shutdown(ex, true, false);
 *   (garbage collection)                        future_release(f); executor_free(ex);
 *
 * Timeouts are in seconds, as in Python; NO_TIMEOUT (any negative number)
 * plays the part of timeout=None.
 */
#ifndef THREADPOOL_H
#define THREADPOOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "todo.h"   /* NOT_IMPLEMENTED(): how the skeleton's bodies fail */

#define NO_TIMEOUT (-1.0)

/* ---- The task: what a future runs ----------------------------------------
 *
 * Python's exceptions become an error a task reports: a nonzero code and a
 * message.  A task "raises" by filling *error (task_fail does it in one line);
 * its return value is then ignored.  The message must outlive the future: a
 * string literal is the usual choice.
 *
 *   def task(arg):                          void *task(void *arg, struct task_error *error)
 *       if bad(arg):                        {   if (bad(arg))
 *           raise ValueError("bad")                 return task_fail(error, EINVAL, "bad");
 *       return work(arg)                        return work(arg); }
 */
struct task_error {
    int code;              /* 0: the task succeeded */
    const char *message;   /* NULL, or text that lives at least as long as the future */
};

typedef void *(*task_fn)(void *arg, struct task_error *error);

static inline void *task_fail(struct task_error *error, int code, const char *message)
{
    error->code = code;
    error->message = message;
    return NULL;
}

/* What result(), exception(), as_completed_next() and executor_map() report:
 * Python returns or raises, C returns one of these. */
enum result_status {
    RESULT_OK = 0,      /* a value (or, for exception(), an error) was handed back */
    RESULT_ERROR,       /* the task failed: *error holds its code and message */
    RESULT_CANCELLED,   /* concurrent.futures.CancelledError */
    RESULT_TIMEOUT,     /* TimeoutError: the deadline passed first */
};

/* ==== Part 1: the future ====================================================
 *
 * A future is the result of a call that may not have happened yet.  This part
 * knows nothing about executors: anything that runs tasks (this lab's thread
 * pool, lab 06's process pool) can create futures and complete them.
 *
 *   PENDING --future_run--> RUNNING --> FINISHED (a value or an error)
 *      \
 *       --future_cancel--> CANCELLED
 *
 * FINISHED and CANCELLED are final and both count as "done".
 */
enum future_state { FUTURE_PENDING, FUTURE_RUNNING, FUTURE_FINISHED, FUTURE_CANCELLED };

struct future;
typedef void (*done_callback)(struct future *f, void *ctx);

struct callback;      /* a done callback waiting to run (future.c) */
struct waiter_link;   /* how as_completed and futures_wait watch a future (future.c) */
struct sleeper;       /* a thread blocked in future_result or future_exception (future.c) */

/* The fields are the implementation's; use the functions.  What the worker
 * touches comes first; the rest is for listeners.  Small on purpose: 120
 * bytes on x86-64 Linux, the largest block glibc's malloc recycles on a
 * per-size free list (a fastbin) without merging it with its neighbours or
 * giving memory back to the system (the README's benchmark says why).  On
 * arm64 a mutex is 8 bytes bigger, and so is the future: it misses. */
struct future {
    _Atomic int state;            /* enum future_state, and future.c's LISTENED bit; read without the lock */
    atomic_int refs;              /* owners; the last future_release frees it */
    task_fn fn;                   /* the call future_run makes */
    void *arg;
    _Atomic(struct future *) next_in_queue; /* an executor's queue link: no extra allocation */
    void *value;                  /* set once, before state becomes FINISHED */
    struct task_error error;
    pthread_mutex_t lock;         /* guards the fields below */
    struct sleeper *sleepers;     /* threads blocked in result(), each on its own stack */
    struct callback *callbacks;   /* to run when done, in the order added */
    struct waiter_link *waiters;  /* as_completed / futures_wait calls watching it */
};

/* -- for whoever runs tasks (an executor) -- */

/* A new PENDING future for fn(arg), with one reference: the caller's.
 * NULL (errno ENOMEM) if memory runs out. */
struct future *future_new(task_fn fn, void *arg);

/* One more owner: each owner calls future_release once. */
void future_retain(struct future *f);

/* If f is PENDING: mark it RUNNING, call fn(arg) on this thread, then mark it
 * FINISHED with the value or the error, wake everyone waiting for it and run
 * its done callbacks (on this thread).  Returns false, doing nothing, if f was
 * cancelled before it could start. */
bool future_run(struct future *f);

/* -- for whoever holds the future (Python's Future methods) -- */

/* Wait until f is done or timeout_s seconds pass, then report it:
 *   RESULT_OK         *value holds what the task returned
 *   RESULT_ERROR      *error holds the task's code and message
 *   RESULT_CANCELLED, RESULT_TIMEOUT
 * value and error may be NULL when the caller does not want them. */
int future_result(struct future *f, double timeout_s, void **value, struct task_error *error);

/* Like future_result but hands back the error: RESULT_OK with error->code 0
 * when the task succeeded, or with the task's error when it failed;
 * RESULT_CANCELLED or RESULT_TIMEOUT otherwise. */
int future_exception(struct future *f, double timeout_s, struct task_error *error);

enum future_state future_state(struct future *f);
bool future_done(struct future *f);        /* FINISHED or CANCELLED */
bool future_running(struct future *f);
bool future_cancelled(struct future *f);

/* Cancel f if it has not started: true if f is (now or already) cancelled,
 * false if it is running or finished.  Whoever waits for f wakes at once, and
 * its callbacks run on this thread before cancel returns. */
bool future_cancel(struct future *f);

/* Call fn(f, ctx) once f is done: at once, on this thread, if f is already
 * done; otherwise on the thread that finishes or cancels f.  Callbacks run in
 * the order they were added.  Returns 0, or ENOMEM. */
int future_add_done_callback(struct future *f, done_callback fn, void *ctx);

/* Drop the caller's reference.  The future is freed when its last owner lets
 * go, so it is fine to release a future whose task has not run yet. */
void future_release(struct future *f);

/* ==== Part 2: waiting for many futures =====================================
 *
 * These work on futures from any executor.  A future passed twice counts once.
 * Unlike CPython (issues 92001, 109934, 87893), a cancelled future counts as
 * done at once, even before any worker has looked at it.
 */

/* for f in as_completed(fs, timeout): ...
 *
 *   struct as_completed *it = as_completed(fs, n, timeout_s);
 *   struct future *f;
 *   while (as_completed_next(it, &f) == RESULT_OK && f != NULL)
 *       ...f is done...
 *   as_completed_free(it);
 *
 * Futures already done when as_completed is called come first (in the order
 * given), then the others in the order they become done.  The timeout is a
 * deadline fixed when as_completed is called.  as_completed returns NULL
 * (errno ENOMEM) if memory runs out.
 *
 * Who owns what.  The iterator takes a reference to each future and lets go
 * of it as it yields it (CPython issue 14406: memory is bounded by the
 * futures not yet yielded).  So the future next hands you is kept alive by
 * your own reference, the one you had when you passed it in: release it
 * when you are done with it, even before the loop ends, and it is freed at
 * once.  Keep that reference until the future is yielded or the iterator
 * freed; as_completed_free releases whatever it has not yielded. */
struct as_completed;
struct as_completed *as_completed(struct future *const *fs, size_t n, double timeout_s);

/* RESULT_OK and the next done future, or RESULT_OK and NULL once every
 * future has been yielded; RESULT_TIMEOUT and NULL if the deadline passes
 * first.  A future that is done is yielded even when the deadline has
 * passed: as in CPython, finished futures come before the timeout.  After
 * RESULT_TIMEOUT the iterator may be asked again (CPython's generator ends
 * there): it yields futures that have finished since, or times out again. */
int as_completed_next(struct as_completed *it, struct future **next);

/* Release the futures not yet yielded, stop watching, free the iterator. */
void as_completed_free(struct as_completed *it);

/* done, not_done = wait(fs, timeout, return_when)
 *
 * Returns when the condition holds or the timeout passes (a timeout is not an
 * error: the sets just say what is done):
 *   FIRST_COMPLETED  any future is done
 *   FIRST_EXCEPTION  any future finished with an error, or all are done
 *   ALL_COMPLETED    all futures are done
 * Fills done[] and not_done[] (each with room for n) in the order given, and
 * their sizes.  Returns 0, or EINVAL (bad return_when) or ENOMEM. */
enum return_when { FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED };

int futures_wait(struct future *const *fs, size_t n, double timeout_s, enum return_when when,
                 struct future **done, size_t *ndone, struct future **not_done,
                 size_t *nnot_done);

/* ==== Part 3: the executor (ThreadPoolExecutor) ============================ */

struct executor;

/* Python 3.13's default max_workers: min(32, os.process_cpu_count() + 4),
 * where that counts the CPUs this process may run on (its affinity mask). */
int executor_default_workers(void);

/* A pool of at most max_workers threads.  No thread starts here: submit starts
 * them when needed (see executor_submit).  NULL with errno EINVAL when
 * max_workers <= 0, or ENOMEM. */
struct executor *executor_new(int max_workers);

/* Queue fn(arg) and return its future, which the caller owns (release it).
 * A worker is idle while it waits for a task.  submit starts a new worker only
 * when the queued tasks outnumber the idle workers, and fewer than max_workers
 * exist.  NULL with errno ESHUTDOWN after executor_shutdown, ENOMEM, or EAGAIN
 * when no worker thread could be started. */
struct future *executor_submit(struct executor *ex, task_fn fn, void *arg);

/* results = list(ex.map(fn, args, timeout=timeout_s))
 *
 * Runs fn(args[i]) for each i on the pool and stores the values in results[]
 * in input order.  Returns RESULT_OK, or stops at the first i (in input order)
 * whose call failed (RESULT_ERROR, *error filled), was cancelled, or missed
 * the deadline (fixed when map is called): then every call not yet started is
 * cancelled, and *completed says how many results[] hold.  After shutdown,
 * returns RESULT_ERROR with error->code ESHUTDOWN and runs nothing.  error and
 * completed may be NULL. */
int executor_map(struct executor *ex, task_fn fn, void *const *args, size_t n,
                 double timeout_s, void **results, struct task_error *error,
                 size_t *completed);

/* Stop accepting tasks.  cancel_futures cancels every task still queued;
 * otherwise queued tasks still run.  wait blocks until every worker thread
 * has finished and been joined.  Safe to call more than once. */
void executor_shutdown(struct executor *ex, bool wait, bool cancel_futures);

/* executor_shutdown(ex, true, false), then free everything the pool owns.
 * Futures the caller still holds stay valid. */
void executor_free(struct executor *ex);

/* Introspection for tests and curious students (Python: len(ex._threads)). */
int executor_threads(struct executor *ex);        /* worker threads started */
int executor_idle_workers(struct executor *ex);   /* workers waiting for a task */

#endif
