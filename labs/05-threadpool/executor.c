/*
 * executor.c - lab 05, Part 3: a thread pool that hands out futures
 * (Python's ThreadPoolExecutor).  The API is in threadpool.h.
 *
 * The queue has two ends and a lock for each: submitters append under
 * tail_lock, workers take from the front under head_lock (the two-lock queue
 * of Michael and Scott, 1996; Java's LinkedBlockingQueue is built the same
 * way).  A task that does nothing costs about 100 ns of work, and one lock
 * shared by both ends cost more than that in traffic alone: each submit and
 * each take pulled the lock's cache line over from the other core.  With two
 * locks, a submitter and a worker never wait for each other, and each lock
 * stays on the side that uses it (the README's benchmark measures it):
 *  - the queue always holds one future more than its tasks: head is the task
 *    taken last (or `start`), and the tasks are head->next_in_queue onwards.
 *    So an append touches only the tail and a take only the head, even when
 *    the queue is empty;
 *  - each link is atomic: it is written under one lock and read under the
 *    other;
 *  - a worker about to sleep says so (asleep) and then looks at the queue
 *    once more; a submitter appends and then reads asleep.  Either the
 *    worker sees the task or the submitter sees the worker, so no wakeup is
 *    lost, and a submitter takes head_lock only when a worker sleeps;
 *  - a sleeping worker is woken for each new task, one signal each, while
 *    some are asleep and not yet signalled; a broadcast only at shutdown;
 *  - a woken worker does not take the core of the thread that woke it: the
 *    workers are batch threads (become_batch_thread);
 *  - no spinning: an idle worker sleeps at once;
 *  - no allocation per task beyond the future itself, which is small (see
 *    threadpool.h): the queue is linked through the futures (next_in_queue);
 *  - executor_map queues all its tasks under one lock and wakes the workers
 *    it needs in one go.
 * Locks are taken tail_lock first, head_lock second, never the reverse.
 */
#include <errno.h>
#include <sched.h>
#include <stdalign.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "threadpool.h"

struct executor {
    /* The submitters' end. */
    pthread_mutex_t tail_lock;    /* guards tail, nthreads and threads[] */
    struct future *tail;          /* the newest task queued; head when there is none */
    bool shutting_down;           /* this pool's own flag, set under both locks: either
                                     one is enough to read it */
    int max_workers;
    int nthreads;                 /* worker threads started, at most max_workers */
    pthread_t *threads;           /* room for max_workers */

    /* The workers' end, on a cache line of its own: a submit and a take
     * write to different lines. */
    alignas(64) pthread_mutex_t head_lock;   /* guards head, idle and wakeups */
    pthread_cond_t work_ready;    /* idle workers wait here for a task or for shutdown */
    struct future *head;          /* the task taken last; the queue is what follows it */
    int idle;                     /* workers waiting for a task */
    int wakeups;                  /* idle workers signalled and not yet back from the wait */
    atomic_int asleep;            /* idle - wakeups, for submitters, who hold only tail_lock */
    struct future start;          /* the head until a first task is taken; never run */

    pthread_mutex_t join_lock;    /* one executor_shutdown joins the workers at a time */
    int joined;                   /* workers joined so far (guarded by join_lock) */
};

/* ---- given helpers ---------------------------------------------------------- */
/* Make the calling thread a batch thread (Linux's SCHED_BATCH; nothing
 * elsewhere): same priority and share of the CPU, but when it is woken it
 * waits for a free core or for the running thread's time slice to end,
 * instead of preempting the thread that woke it.  A worker woken by submit
 * would otherwise take the submitter's core at once.  The cost: when every core is busy,
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

/* The queue's references to a task: one for the worker that runs it, one for
 * its time as the head, after it was taken (see worker_main). */
static void retain_for_queue(struct future *f)
{
    future_retain(f);
    future_retain(f);
}

static void release_from_queue(struct future *f)
{
    future_release(f);
    future_release(f);
}

/* Tell submitters how many workers sleep unsignalled.  Called with head_lock
 * held, after each change to idle or wakeups. */
static void publish_asleep(struct executor *ex)
{
    atomic_store(&ex->asleep, ex->idle - ex->wakeups);
}

/* ---- the workers ------------------------------------------------------------ */

static void *worker_main(void *arg)
{
    /* TODO: first become_batch_thread() (given).  Then, under head_lock,
     * loop: while nothing follows the head (an atomic load of
     * head->next_in_queue) and the pool is not shutting down, count yourself
     * idle, publish_asleep, and look at the queue once more before you wait
     * on work_ready; why must that second look come after publish_asleep?
     * (After a wait: one wakeup used up, if any.  Then no longer idle, and
     * publish again.)  If the queue is still empty, the pool is shutting
     * down: leave.  Otherwise the future after the head becomes the head.
     * Without the lock: release the old head's queue reference (unless it is
     * `start`), future_run the new one and release its other queue
     * reference.  Why must a shutting-down pool still drain its queue? */
    NOT_IMPLEMENTED(arg, become_batch_thread, publish_asleep);
}

/* Called with tail_lock held.  Starting threads under the lock is rare (at
 * most max_workers times per pool) and keeps threads[] and nthreads
 * consistent. */
static int start_worker(struct executor *ex)
{
    /* TODO: pthread_create the next thread of threads[] running worker_main,
     * count it, and return 0 or the error. */
    NOT_IMPLEMENTED(ex, worker_main);
}

/* Append n futures, linked first..last by next_in_queue, and make sure
 * workers come for them.  Called with tail_lock held.  Returns 0, or
 * ESHUTDOWN or EAGAIN (no worker could be started), and then queues nothing. */
static int enqueue(struct executor *ex, struct future *first, struct future *last, size_t n)
{
    /* TODO: refuse with ESHUTDOWN after shutdown.  Append the n futures
     * after the tail: end the chain with NULL, then link it to the old tail
     * with one sequentially consistent atomic store, which must come before
     * you read asleep.  If asleep says some worker sleeps, take head_lock and
     * signal sleepers, one per new task, while some idle worker is not yet
     * signalled (idle > wakeups); count each signal in wakeups, and publish.
     * Then start one worker per new task that no sleeper was woken for, up
     * to max_workers.  If the pool still has no thread at all, unlink the
     * futures again and return EAGAIN. */
    NOT_IMPLEMENTED(ex, first, last, n, start_worker);
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
     * with aligned_alloc (head_lock must start a cache line: why?), zero it,
     * and allocate room for max_workers thread ids (ENOMEM).  Initialise the
     * locks and the condition variable; the queue starts with head and tail
     * at `start`, whose link is NULL.  Start no thread: submit does that. */
    NOT_IMPLEMENTED(max_workers);
}

struct future *executor_submit(struct executor *ex, task_fn fn, void *arg)
{
    /* TODO: make a future (future_new), retain_for_queue, and enqueue it
     * under tail_lock.  On error let go of all three references, set errno
     * and return NULL. */
    NOT_IMPLEMENTED(ex, fn, arg, enqueue, retain_for_queue);
}

int executor_map(struct executor *ex, task_fn fn, void *const *args, size_t n,
                 double timeout_s, void **results, struct task_error *error,
                 size_t *completed)
{
    /* TODO: fix the deadline now (monotonic_now).  Make n futures linked by
     * next_in_queue (relaxed stores: enqueue publishes them), each
     * retain_for_queue'd, and enqueue them all under one tail_lock (on
     * error: release everything, report it through *error and
     * return RESULT_ERROR).  Then collect the results in input order, each
     * wait given seconds_left(deadline), stopping at the first call that
     * does not give RESULT_OK.  Cancel every future not handed back, release
     * all of them, set *completed.  error and completed may be NULL. */
    NOT_IMPLEMENTED(ex, fn, args, n, timeout_s, results, error, completed,
                    monotonic_now, seconds_left);
}

void executor_shutdown(struct executor *ex, bool wait, bool cancel_futures)
{
    /* TODO: under both locks (tail_lock first): set the pool's own stop
     * flag, take every task after the head out if cancel_futures (the head
     * then is the tail), and wake every worker.  Why must the flag be set and
     * the broadcast sent with head_lock held?  Then, without the locks,
     * cancel the futures taken out and release_from_queue each.  If wait,
     * join every worker not joined yet, under join_lock so that two callers
     * never join the same thread. */
    NOT_IMPLEMENTED(ex, wait, cancel_futures, release_from_queue);
}

void executor_free(struct executor *ex)
{
    /* TODO: shut down with wait (NULL: nothing to do), let go of the head's
     * queue reference (unless it is `start`), then destroy the locks and the
     * condition variable (all unlocked by now) and free. */
    NOT_IMPLEMENTED(ex);
}

int executor_threads(struct executor *ex)
{
    /* TODO: read the count under the lock that guards it. */
    NOT_IMPLEMENTED(ex);
}

int executor_idle_workers(struct executor *ex)
{
    /* TODO: read the count under the lock that guards it. */
    NOT_IMPLEMENTED(ex);
}
