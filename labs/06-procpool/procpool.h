/*
 * procpool.h - lab 06: a process pool, Python's ProcessPoolExecutor in C.
 *
 * The seeds' way around the GIL: ProcessPoolExecutor, multiprocessing.Pool
 * and Value with its Lock.  Workers are processes forked up front; tasks and
 * results cross pipes as bytes; a Value lives in shared memory with a
 * process-shared, robust mutex.  You implement future.c, procpool.c and
 * value.c; this header is given and is the one the grader compiles against.
 */
#ifndef PROCPOOL_H
#define PROCPOOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "todo.h"   /* NOT_IMPLEMENTED(): how the skeleton's bodies fail */

/* ---- What can go wrong: Python's exceptions, as numbers ------------------ */
enum procpool_status {
    PROCPOOL_OK = 0,
    PROCPOOL_BROKEN,         /* BrokenProcessPool: a worker died */
    PROCPOOL_NO_FUNCTION,    /* AttributeError: Can't get attribute 'f': the
                                worker has no function by that name */
    PROCPOOL_TASK_FAILED,    /* the task's function reported failure (raised) */
    PROCPOOL_CANCELLED,      /* CancelledError */
    PROCPOOL_TIMEOUT,        /* TimeoutError from result(timeout) */
    PROCPOOL_SHUT_DOWN,      /* RuntimeError: the pool was shut down */
    PROCPOOL_BAD_ARGUMENT,   /* ValueError: chunksize < 1, a message too big */
    PROCPOOL_NO_MEMORY,      /* MemoryError */
};

/* A short English description of a status, for messages. */
const char *procpool_strerror(int status);

/* ---- Part 1: functions a worker can call, by name ------------------------
 *
 *   def square(x): return x * x       static long square(const void *arg, size_t len,
 *                                                        void *out, size_t cap) {...}
 *                                      procpool_register("square", square);
 *
 * Python pickles a function as its name and the worker looks the name up;
 * here a task carries the function's index in a table that every worker
 * inherited when it was forked.  A pointer would mean nothing in another
 * process, so arguments and results are bytes too.
 *
 * The function reads its argument (arg_len bytes at arg) and writes its
 * result into out, which has room for out_cap bytes.  It returns how many
 * bytes it wrote, or -1 to report failure (in Python: it raised). */
typedef long (*procpool_fn)(const void *arg, size_t arg_len, void *out, size_t out_cap);

/* Give fn a name tasks can use.  Register before procpool_new: a worker only
 * knows the functions that were registered when it was forked.  Returns 0,
 * or -1 if the table is full or the name belongs to another function. */
int procpool_register(const char *name, procpool_fn fn);

/* ---- Part 2: futures -------------------------------------------------------
 *
 *   f = ex.submit(fn, arg)             procpool_submit(p, "fn", &arg, sizeof arg, &f);
 *   f.result(timeout=2)                future_result(f, 2.0, &data, &len)
 *   f.done(), f.cancel()               future_done(f), future_cancel(f)
 *   (garbage collection)               future_release(f)
 *
 * The same semantics as lab 05's thread-pool future.  A future is PENDING
 * until a worker starts its task, whether the task still waits in the pool's
 * queue or was already sent into a worker's pipe; RUNNING once a worker has
 * started it (from then on it cannot be cancelled); then FINISHED (with a
 * result or an error) or CANCELLED.  (CPython marks a call RUNNING as soon
 * as it enters the queue its workers read, before any worker starts it.) */
enum future_state { FUTURE_PENDING, FUTURE_RUNNING, FUTURE_FINISHED, FUTURE_CANCELLED };

struct future;   /* defined in future.c */

/* Wait until the future is FINISHED or CANCELLED, for at most timeout_s
 * seconds (timeout_s < 0: as long as it takes).  Returns PROCPOOL_OK and the
 * result's bytes in *data and *len (owned by the future: valid until you
 * release it; either pointer may be NULL), or why there is no result: the
 * task's error, PROCPOOL_CANCELLED, or PROCPOOL_TIMEOUT if time ran out
 * first. */
int future_result(struct future *f, double timeout_s, const void **data, size_t *len);

bool future_done(struct future *f);                  /* FINISHED or CANCELLED */
enum future_state future_state(struct future *f);

/* Cancel a PENDING future, even one whose task is already in a worker's
 * pipe: the worker then skips it.  True if it is now CANCELLED (also if it
 * already was); false if its task is running or finished. */
bool future_cancel(struct future *f);

/* Drop your reference.  The pool keeps its own until the task is settled,
 * so releasing a future whose task still runs is fine. */
void future_release(struct future *f);

/* The pool's side of a future (procpool.c uses these; you write them too). */
struct future *future_new(void);        /* PENDING, with one reference */
void future_retain(struct future *f);   /* one more reference */

/* A task sent ahead is started or skipped by one compare-and-swap, as in
 * lab 05, but across two processes: on a start word in memory the pool
 * shares with the worker.  The worker moves it from START_WAITING to
 * START_STARTED before it runs the task; future_cancel moves it from
 * START_WAITING to START_CANCELLED.  Whichever comes first wins. */
enum { START_WAITING, START_STARTED, START_CANCELLED };

/* f's task is about to be sent to a worker, which will claim *start (shared
 * memory, already START_WAITING) before it runs it.  From now on f reads as
 * RUNNING once *start is START_STARTED, and future_cancel must win *start
 * first.  False if f was cancelled already: then do not send the task. */
bool future_set_sent(struct future *f, atomic_int *start);
/* Settle the future: FINISHED with status and result (data: malloc'd, len
 * bytes, now owned by the future).  A future that is already settled stays
 * as it is and data is freed. */
void future_finish(struct future *f, int status, void *data, size_t len);

/* ---- Part 3: the pool -------------------------------------------------------
 *
 *   ex = ProcessPoolExecutor(4)        struct procpool *p = procpool_new(4);
 *   ex.map(fn, xs, chunksize=10)       procpool_map(p, "fn", xs, sizeof xs[0],
 *                                                   ys, sizeof ys[0], n, 10);
 *   r = pool.apply(fn, (x,))           procpool_apply(p, "fn", &x, sizeof x,
 *     (multiprocessing.Pool)                          &r, sizeof r, &len);
 *   ex.shutdown(wait, cancel_futures)  procpool_shutdown(p, wait, cancel_futures);
 */
enum {
    PROCPOOL_MAX_WORKERS = 64,
    PROCPOOL_DEPTH = 8,                /* tasks sent to one worker and not yet answered
                                          (started or not: until then they can be cancelled) */
    PROCPOOL_MAX_RESULT = 1 << 20,     /* bytes a submitted task may return */
    PROCPOOL_MAX_MESSAGE = 64 << 20,   /* bytes in one message, either way */
};

struct procpool;   /* defined in procpool.c */

/* Fork nworkers worker processes (1..PROCPOOL_MAX_WORKERS) now, then start the
 * pool's helper threads: forking after threads exist is unsafe.  Returns
 * NULL with errno set on failure (EINVAL for a bad nworkers). */
struct procpool *procpool_new(int nworkers);

/* Schedule fn(arg) on a worker.  Returns PROCPOOL_OK and a new future in
 * *out, or an error with *out = NULL: PROCPOOL_NO_FUNCTION (fn was never
 * registered), PROCPOOL_BROKEN, PROCPOOL_SHUT_DOWN, PROCPOOL_BAD_ARGUMENT
 * (arg_len > PROCPOOL_MAX_MESSAGE), PROCPOOL_NO_MEMORY. */
int procpool_submit(struct procpool *p, const char *fn, const void *arg, size_t arg_len,
                    struct future **out);

/* outputs[i] = fn(inputs[i]) for i < n, items of in_size and out_size bytes,
 * chunksize items per message.  Each call of fn must return exactly out_size
 * bytes.  Blocks until done.  Returns PROCPOOL_OK; PROCPOOL_BAD_ARGUMENT for
 * chunksize < 1 or a chunk over PROCPOOL_MAX_MESSAGE either way;
 * PROCPOOL_NO_FUNCTION for an unregistered fn; else the first error of a
 * chunk, in input order (PROCPOOL_TASK_FAILED if fn returned another size). */
int procpool_map(struct procpool *p, const char *fn, const void *inputs, size_t in_size,
                 void *outputs, size_t out_size, size_t n, int chunksize);

/* multiprocessing.Pool.apply (seed 001, recipe 12.9, method 1): run fn(arg)
 * on a worker and block the calling thread, asleep, until its result is
 * back.  Any number of threads may call it at once; each waits for its own
 * task only, and the pool keeps serving everyone else meanwhile.  Copies the
 * result to out (room for out_cap bytes) and its length to *out_len (if
 * out_len is not NULL).  Returns PROCPOOL_OK; what procpool_submit would
 * return; the task's error; or PROCPOOL_BAD_ARGUMENT, with nothing copied
 * but the length, if the result is longer than out_cap. */
int procpool_apply(struct procpool *p, const char *fn, const void *arg, size_t arg_len,
                   void *out, size_t out_cap, size_t *out_len);

/* Stop the pool and free it.  wait: queued and running tasks finish first
 * (cancel_futures: every task no worker has started is cancelled instead,
 * sent ahead or not).  !wait: workers are
 * killed at once and unfinished futures fail with PROCPOOL_SHUT_DOWN (C has
 * no garbage collector to finish the job later).  Either way every worker is
 * reaped and every pipe closed before this returns; futures you hold stay
 * valid until you release them. */
void procpool_shutdown(struct procpool *p, bool wait, bool cancel_futures);

/* The process id of worker i (0 <= i < nworkers), for tests and curiosity. */
pid_t procpool_worker_pid(struct procpool *p, int i);

/* ---- Part 4: Value, in shared memory ----------------------------------------
 *
 *   v = Value('i', 0)                  struct value *v = value_new('i');
 *   v.value += 1       # unsafe!       value_set(v, value_get(v) + 1);
 *   with v.get_lock():                 value_acquire(v);
 *       v.value += 1                   value_set(v, value_get(v) + 1);
 *                                      value_release(v);
 *
 * Create values before procpool_new: workers inherit the mapping, and a
 * task's function finds the value the way Python's worker finds a module
 * global, through a variable it inherited.  As in Python the lock is
 * re-entrant (an RLock), and value_get/value_set each take it, so a single
 * access is safe but value_set(v, value_get(v) + 1) is two accesses. */
struct value;    /* defined in value.c */

/* A value of type 'i' (int) or 'd' (double), starting at 0.  NULL with errno
 * set on failure (EINVAL for another typecode). */
struct value *value_new(char typecode);
void value_free(struct value *v);            /* unmaps it */

double value_get(struct value *v);           /* an 'i' value reads as a whole number */
void value_set(struct value *v, double x);   /* an 'i' value keeps (int)x */

/* Take the value's lock.  Returns 0, or EOWNERDEAD if the process that held
 * it died: the lock is then yours and usable again, but the value may be
 * half-updated. */
int value_acquire(struct value *v);
void value_release(struct value *v);

/* The lock itself (given): Python's v.get_lock(). */
pthread_mutex_t *value_get_lock(struct value *v);

#endif
