/*
 * executor.c - lab 05, Part 3: a thread pool that hands out futures
 * (Python's ThreadPoolExecutor).  The API is in threadpool.h.
 *
 * One mutex guards the queue and the counts below; idle workers sleep on one
 * condition variable.  A task that does nothing costs about 100 ns of work;
 * a worker that sleeps and is woken costs two system calls and two context
 * switches, tens of times more, and on a machine with as many workers as
 * cores, a thread that spins takes its core from one that has work.  So the
 * design is about waking little and never spinning (the README's benchmark
 * measures each point):
 *  - a sleeping worker is woken only for a task that no awake worker will
 *    take (wakeups counts the awake idle ones), never once per submit;
 *  - a woken worker does not take the core of the thread that woke it: the
 *    workers are batch threads (become_batch_thread), which the scheduler
 *    runs on a free core or when the submitter's time slice ends, but does
 *    not let preempt it at wakeup.  The submitter keeps submitting instead
 *    of being switched out for a worker that would find the lock taken;
 *  - no spinning: an idle worker sleeps at once, and the lock is a plain
 *    mutex (it sleeps, not spins, when taken);
 *  - no thundering herd: one signal per task, never a broadcast (except at
 *    shutdown, when every worker must wake);
 *  - no allocation per task beyond the future itself, which is small (see
 *    threadpool.h): the queue is linked through the futures (next_in_queue);
 *  - executor_map queues all its tasks under one lock and wakes the workers
 *    it needs in one go.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "threadpool.h"

struct executor {
    pthread_mutex_t lock;         /* guards every field up to threads[] */
    pthread_cond_t work_ready;    /* idle workers wait here for a task or for shutdown */
    struct future *head, *tail;   /* queued tasks, oldest first, linked by next_in_queue */
    size_t queued;
    int idle;                     /* workers waiting for a task */
    int wakeups;                  /* idle workers signalled and not yet back from the wait */
    bool shutting_down;           /* this pool's own flag: never one shared by all pools */
    int max_workers;
    int nthreads;                 /* worker threads started, at most max_workers */
    pthread_t *threads;           /* room for max_workers */
    pthread_mutex_t join_lock;    /* one executor_shutdown joins the workers at a time */
    int joined;                   /* workers joined so far (guarded by join_lock) */
};

/* ---- given helpers ---------------------------------------------------------- */

/* Make the calling thread a batch thread (Linux's SCHED_BATCH; nothing
 * elsewhere): same priority and share of the CPU, but when it is woken it
 * waits for a free core or for the running thread's time slice to end,
 * instead of preempting the thread that woke it.  A worker woken by submit
 * would otherwise take the submitter's core at once, and often only to find
 * the submitter holding the pool's lock.  The cost: when every core is busy,
 * a task waits a little longer to start (at most a time slice, a few ms). */
static void become_batch_thread(void)
{
#ifdef SCHED_BATCH
    struct sched_param param = {0};
    pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);   /* best effort */
#endif
}

static double monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The timeout that is left until the absolute time `end` (NO_TIMEOUT stays). */
static double seconds_left(double end)
{
    if (end < 0)
        return NO_TIMEOUT;
    double left = end - monotonic_now();
    return left > 0 ? left : 0;
}

/* ---- the workers ------------------------------------------------------------ */

static void *worker_main(void *arg)
{
    /* TODO: first become_batch_thread() (given).  Then lock the pool.
     * Loop: while the queue is empty and the pool is not shutting down,
     * count yourself idle and wait on work_ready (after waking: no longer
     * idle, and one wakeup used up, if any).  If the queue is still empty,
     * the pool is shutting down: leave.  Otherwise pop the oldest future
     * and, without the lock, future_run it and release the queue's
     * reference.  Why must a shutting-down pool still drain its queue? */
    (void)arg, (void)become_batch_thread;
    NOT_IMPLEMENTED();
}

/* Called with ex->lock held.  Starting threads under the lock is rare (at most
 * max_workers times per pool) and keeps threads[] and the counts consistent. */
static int start_worker(struct executor *ex)
{
    /* TODO: pthread_create the next thread of threads[] running worker_main,
     * count it, and return 0 or the error. */
    (void)ex, (void)worker_main;
    NOT_IMPLEMENTED();
}

/* Queue n futures, linked first..last by next_in_queue, and make sure
 * workers come for them.  Called with ex->lock held.  Returns 0, or ESHUTDOWN
 * or EAGAIN (no worker could be started), and then queues nothing. */
static int enqueue(struct executor *ex, struct future *first, struct future *last, size_t n)
{
    /* TODO: refuse with ESHUTDOWN after shutdown.  Append the n futures to
     * the queue.  Signal sleeping workers, one each,
     * while the queued tasks outnumber the awake idle workers (wakeups) and
     * some idle worker is still asleep (idle > wakeups); count each signal
     * in wakeups.  Then start one worker per new task that the idle workers
     * cannot cover (queued > idle), up to max_workers.  If the pool still has
     * no thread at all, take the n futures back out and return EAGAIN. */
    (void)ex, (void)first, (void)last, (void)n, (void)start_worker;
    NOT_IMPLEMENTED();
}

/* ---- the executor ----------------------------------------------------------- */

/* Python's default max_workers: min(32, usable CPUs + 4). */
int executor_default_workers(void)
{
    /* TODO: Python 3.13's default, min(32, os.process_cpu_count() + 4): the
     * CPUs this process may run on, its affinity mask (sched_getaffinity and
     * CPU_COUNT), which taskset and containers make smaller than the CPUs
     * online (sysconf). */
    NOT_IMPLEMENTED();
}

struct executor *executor_new(int max_workers)
{
    /* TODO: EINVAL (errno, NULL) if max_workers <= 0.  Allocate the pool
     * zeroed and room for max_workers thread ids (ENOMEM), initialise the
     * locks and the condition variable.  Start no thread: submit does
     * that. */
    (void)max_workers;
    NOT_IMPLEMENTED();
}

struct future *executor_submit(struct executor *ex, task_fn fn, void *arg)
{
    /* TODO: make a future (future_new), retain it once more for the queue,
     * and enqueue it under the pool's lock.  On error release both
     * references, set errno and return NULL. */
    (void)ex, (void)fn, (void)arg, (void)enqueue;
    NOT_IMPLEMENTED();
}

int executor_map(struct executor *ex, task_fn fn, void *const *args, size_t n,
                 double timeout_s, void **results, struct task_error *error,
                 size_t *completed)
{
    /* TODO: fix the deadline now (monotonic_now).  Make n futures linked by
     * next_in_queue, each retained for the queue, and enqueue them all under
     * one lock (on error: release everything, report it through *error and
     * return RESULT_ERROR).  Then collect the results in input order, each
     * wait given seconds_left(deadline), stopping at the first call that
     * does not give RESULT_OK.  Cancel every future not handed back, release
     * all of them, set *completed.  error and completed may be NULL. */
    (void)ex, (void)fn, (void)args, (void)n, (void)timeout_s, (void)results, (void)error;
    (void)completed, (void)monotonic_now, (void)seconds_left;
    NOT_IMPLEMENTED();
}

void executor_shutdown(struct executor *ex, bool wait, bool cancel_futures)
{
    /* TODO: under the pool's lock: set the pool's own stop flag, take the
     * whole queue out if cancel_futures, and wake every worker.  Why must the
     * flag be set and the broadcast sent with the lock held?  Then, without
     * the lock, cancel (and release) the futures taken out.  If wait, join
     * every worker not joined yet, under join_lock so that two callers never
     * join the same thread. */
    (void)ex, (void)wait, (void)cancel_futures;
    NOT_IMPLEMENTED();
}

void executor_free(struct executor *ex)
{
    /* TODO: shut down with wait (NULL: nothing to do), then destroy the
     * locks and the condition variable (all unlocked by now) and free. */
    (void)ex;
    NOT_IMPLEMENTED();
}

int executor_threads(struct executor *ex)
{
    /* TODO: read the count under the pool's lock. */
    (void)ex;
    NOT_IMPLEMENTED();
}

int executor_idle_workers(struct executor *ex)
{
    /* TODO: read the count under the pool's lock. */
    (void)ex;
    NOT_IMPLEMENTED();
}
