/*
 * executor.c - lab 05, Part 3: a thread pool that hands out futures
 * (Python's ThreadPoolExecutor).  The API is in threadpool.h.
 *
 * One mutex guards the queue and the counts below; idle workers sleep on one
 * condition variable.  A task that does nothing costs about 100 ns of work;
 * taking a lock that another core held last costs about as much again (its
 * cache line has to cross), and a worker that sleeps and is woken costs two
 * system calls and two context switches, tens of times more.  So the design
 * is about not sleeping, not waking and not sharing the lock (the README's
 * benchmark measures it):
 *  - batched hand-off: when the queue is long, a worker takes several tasks
 *    under one lock (take_batch) into a batch of its own, which it then
 *    works through with its own lock, a line no other core wants.  Any idle
 *    worker takes tasks from another's batch (steal) before it sleeps, so a
 *    task never waits behind a long one while a worker is free.  A short
 *    queue is handed out one task at a time, which keeps Python's schedule
 *    exactly: the oldest task goes to the first free worker;
 *  - a sleeping worker is woken only for a task that no awake worker will
 *    take (wakeups counts the awake ones), never one per submit regardless;
 *  - one idle worker spins for a few microseconds before it sleeps
 *    (spin_for_work): a busy producer submits again within that time;
 *  - the lock spins briefly before it sleeps too (an adaptive mutex): it is
 *    only ever held for a few instructions;
 *  - no thundering herd: one signal per task, never a broadcast (except at
 *    shutdown, when every worker must wake);
 *  - no allocation per task beyond the future itself: the queue and the
 *    batches are linked through the futures (next_in_queue);
 *  - executor_map queues all its tasks under one lock and wakes the workers
 *    it needs in one go.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "threadpool.h"

/* One per worker thread: tasks it took from the queue in one go and has not
 * started yet, oldest first.  Its own worker takes them one by one; an idle
 * worker may take one too (steal).  A cache line to itself (aligned), so
 * that two workers' batches never share one. */
struct batch {
    _Alignas(64) pthread_mutex_t lock;   /* guards head and n */
    struct future *head;                 /* linked by next_in_queue */
    size_t n;
    struct executor *ex;                 /* the pool this worker belongs to */
};

struct executor {
    pthread_mutex_t lock;         /* guards every field up to threads[] */
    pthread_cond_t work_ready;    /* idle workers wait here for a task or for shutdown */
    struct future *head, *tail;   /* queued tasks, oldest first, linked by next_in_queue */
    size_t queued;
    atomic_size_t pending;        /* a copy of queued that spinning workers read unlocked */
    int idle;                     /* workers waiting for a task (spinning or asleep) */
    int wakeups;                  /* idle workers already awake: woken, or spinning */
    bool spinning;                /* an idle worker is spinning (one at most) */
    bool shutting_down;           /* this pool's own flag: never one shared by all pools */
    int max_workers;
    int nthreads;                 /* worker threads started, at most max_workers */
    pthread_t *threads;           /* room for max_workers */
    struct batch *batches;        /* one per thread in threads[] (its own lock) */
    pthread_mutex_t join_lock;    /* one executor_shutdown joins the workers at a time */
    int joined;                   /* workers joined so far (guarded by join_lock) */
};

/* ---- given helpers ---------------------------------------------------------- */

/* A mutex that spins for a moment before it sleeps, where the C library has
 * one (glibc): the pool's lock is held for a few instructions at a time, so
 * a thread that finds it taken usually gets it a moment later. */
static void adaptive_mutex_init(pthread_mutex_t *m)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
    pthread_mutex_init(m, &attr);
    pthread_mutexattr_destroy(&attr);
}

/* "This is a spin loop": the CPU saves power and lets a sibling hyperthread run. */
#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() ((void)0)
#endif

enum { SPIN_NS = 20000 };   /* 20 us: many submits' worth, a few context switches' worth */

/* At most this many tasks in one batch: enough to make the lock rare (one
 * taking per 16 tasks), few enough that the walk to cut them off is short. */
enum { BATCH_MAX = 16 };

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

/* Called with ex->lock held by an idle worker that found the queue empty.
 * Unless another worker is spinning already, spin (without the lock) for up
 * to SPIN_NS, watching ex->pending.  Returns, with the lock held again,
 * whether there is a task or a shutdown to see to; false means "go to sleep".
 * While it spins the worker counts as idle and as awake (wakeups), so submit
 * neither starts a thread nor wakes a sleeper for the task it will take. */
static bool spin_for_work(struct executor *ex)
{
    if (ex->spinning)
        return false;   /* one spinner is enough; more would take CPU from the producer */
    ex->spinning = true;
    ex->idle++;
    ex->wakeups++;
    pthread_mutex_unlock(&ex->lock);

    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 1; atomic_load_explicit(&ex->pending, memory_order_relaxed) == 0; i++) {
        cpu_relax();
        if (i % 64 == 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if ((now.tv_sec - start.tv_sec) * 1000000000L + now.tv_nsec - start.tv_nsec > SPIN_NS)
                break;
        }
    }

    pthread_mutex_lock(&ex->lock);
    ex->spinning = false;
    ex->idle--;
    if (ex->wakeups > 0)
        ex->wakeups--;
    return ex->head || ex->shutting_down;
}

/* Take the oldest task of batch b, or NULL if it has none.  Called by b's
 * worker with no lock held, or by a thief with ex->lock held. */
static struct future *take_from(struct batch *b)
{
    pthread_mutex_lock(&b->lock);
    struct future *f = b->head;
    if (f) {
        b->head = f->next_in_queue;
        b->n--;
    }
    pthread_mutex_unlock(&b->lock);
    return f;
}

/* Take the oldest queued task for worker `me`, and when the queue is long,
 * the next ones too, into me's batch.  Called with ex->lock held, the queue
 * not empty and me's batch empty. */
static struct future *take_batch(struct executor *ex, struct batch *me)
{
    /* Leave every other worker as much: a short queue goes one task at a
     * time, so the oldest task still goes to the first free worker. */
    size_t k = ex->queued / (2 * (size_t)ex->nthreads);
    k = k < 1 ? 1 : k > BATCH_MAX ? BATCH_MAX : k;
    struct future *f = ex->head, *last = f;
    for (size_t i = 1; i < k; i++)
        last = last->next_in_queue;
    ex->head = last->next_in_queue;
    if (!ex->head)
        ex->tail = NULL;
    ex->queued -= k;
    atomic_store_explicit(&ex->pending, ex->queued, memory_order_relaxed);
    if (k > 1) {
        pthread_mutex_lock(&me->lock);
        me->head = f->next_in_queue;
        me->n = k - 1;
        last->next_in_queue = NULL;
        pthread_mutex_unlock(&me->lock);
        /* Nobody to wake for them, should f be a long task: k > 1 needs at
         * least 4 queued tasks per worker, and for a queue that long enqueue
         * has woken every idle worker.  Each looks at the batches (steal)
         * before it sleeps again. */
    }
    return f;
}

/* An idle worker takes the oldest task from another worker's batch: that
 * worker may be busy with a long task.  Called with ex->lock held, which
 * every batch is filled under, so a worker that finds nothing here and then
 * sleeps cannot miss a batch (take_batch wakes it). */
static struct future *steal(struct executor *ex, struct batch *me)
{
    for (int i = 0; i < ex->nthreads; i++) {
        struct future *f = &ex->batches[i] == me ? NULL : take_from(&ex->batches[i]);
        if (f)
            return f;
    }
    return NULL;
}

/* The next task for worker `me`: from its batch, the queue, or another's
 * batch, sleeping until there is one.  NULL once the pool is shutting down
 * and no task is left anywhere. */
static struct future *next_task(struct batch *me)
{
    /* TODO: first take_from your own batch (no shared lock).  If it is
     * empty, lock the pool and loop: if the queue has tasks, take_batch;
     * else try to steal; else, if the pool is shutting down, leave with
     * NULL.  With nothing found, spin once (spin_for_work, given: it returns
     * at once if another worker spins) and look again; if there is still
     * nothing, count yourself idle and wait on work_ready (after waking: no
     * longer idle, one wakeup used up if any, and you may spin again).
     * Unlock and return the task.  Why must a shutting-down pool still drain
     * the queue and the batches? */
    (void)me, (void)take_from, (void)take_batch, (void)steal, (void)spin_for_work;
    NOT_IMPLEMENTED();
}

static void *worker_main(void *arg)
{
    /* TODO: arg is this worker's batch.  Until next_task returns NULL,
     * future_run each task it returns, then release the queue's reference. */
    (void)arg, (void)next_task;
    NOT_IMPLEMENTED();
}

/* Called with ex->lock held.  Starting threads under the lock is rare (at most
 * max_workers times per pool) and keeps threads[] and the counts consistent. */
static int start_worker(struct executor *ex)
{
    /* TODO: pthread_create the next thread of threads[] running worker_main
     * with the batch of the same index, count it, and return 0 or the
     * error. */
    (void)ex, (void)worker_main;
    NOT_IMPLEMENTED();
}

/* Queue n futures, linked first..last by next_in_queue, and make sure
 * workers come for them.  Called with ex->lock held.  Returns 0, or ESHUTDOWN
 * or EAGAIN (no worker could be started), and then queues nothing. */
static int enqueue(struct executor *ex, struct future *first, struct future *last, size_t n)
{
    /* TODO: refuse with ESHUTDOWN after shutdown.  Append the n futures to
     * the queue (and update `pending`).  Signal sleeping workers, one each,
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
     * zeroed, room for max_workers thread ids and max_workers batches
     * (aligned_alloc(64, ...): a cache line each), or ENOMEM.  Give each
     * batch its mutex and the pool's address.  Initialise the locks (the
     * pool's lock with adaptive_mutex_init, given) and the condition
     * variable.  Start no thread: submit does that. */
    (void)max_workers, (void)adaptive_mutex_init;
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
     * tasks out if cancel_futures (every worker's batch, under its lock,
     * then the whole queue), and wake every worker.  Why must the flag be
     * set and the broadcast sent with the lock held?  Then, without the
     * lock, cancel (and release) the futures taken out.  If wait, join every
     * worker not joined yet, under join_lock so that two callers never join
     * the same thread. */
    (void)ex, (void)wait, (void)cancel_futures;
    NOT_IMPLEMENTED();
}

void executor_free(struct executor *ex)
{
    /* TODO: shut down with wait (NULL: nothing to do), then destroy the
     * locks (the batches' too) and the condition variable (all unlocked by
     * now) and free. */
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
