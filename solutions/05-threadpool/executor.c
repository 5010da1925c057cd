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
    struct executor *ex = arg;
    become_batch_thread();
    pthread_mutex_lock(&ex->lock);
    for (;;) {
        /* Sleep while there is nothing to do.  A while loop: the wait can end
         * early (a spurious wakeup), or another worker may take the task. */
        while (!ex->head && !ex->shutting_down) {
            ex->idle++;
            pthread_cond_wait(&ex->work_ready, &ex->lock);
            ex->idle--;
            if (ex->wakeups > 0)
                ex->wakeups--;
        }
        /* Shutting down still drains the queue: shutdown(wait) promises that
         * queued tasks run, unless they were cancelled. */
        struct future *f = ex->head;
        if (!f)
            break;
        ex->head = f->next_in_queue;
        if (!ex->head)
            ex->tail = NULL;
        else   /* the next task's line comes from the submitter: fetch it now */
            __builtin_prefetch(ex->head, 1);
        ex->queued--;
        pthread_mutex_unlock(&ex->lock);

        future_run(f);        /* does nothing if f was cancelled meanwhile */
        future_release(f);    /* the queue's reference */
        pthread_mutex_lock(&ex->lock);
    }
    pthread_mutex_unlock(&ex->lock);
    return NULL;
}

/* Called with ex->lock held.  Starting threads under the lock is rare (at most
 * max_workers times per pool) and keeps threads[] and the counts consistent. */
static int start_worker(struct executor *ex)
{
    int err = pthread_create(&ex->threads[ex->nthreads], NULL, worker_main, ex);
    if (!err)
        ex->nthreads++;
    return err;
}

/* Queue n futures, linked first..last by next_in_queue, and make sure
 * workers come for them.  Called with ex->lock held.  Returns 0, or ESHUTDOWN
 * or EAGAIN (no worker could be started), and then queues nothing. */
static int enqueue(struct executor *ex, struct future *first, struct future *last, size_t n)
{
    if (ex->shutting_down)
        return ESHUTDOWN;
    struct future *old_tail = ex->tail;
    if (old_tail)
        old_tail->next_in_queue = first;
    else
        ex->head = first;
    ex->tail = last;
    last->next_in_queue = NULL;
    ex->queued += n;

    /* Wake sleeping workers, one signal each, until the awake idle workers
     * cover the queued tasks or none is left asleep (idle - wakeups of them).
     * Waking one only when the queue was empty (libuv issue 492) leaves the
     * others asleep while one worker does all the work. */
    while (ex->queued > (size_t)ex->wakeups && ex->idle > ex->wakeups) {
        ex->wakeups++;
        pthread_cond_signal(&ex->work_ready);
    }
    /* Start a thread for each new task that the idle workers cannot cover,
     * up to max_workers (Python starts one per submit while none is idle). */
    for (size_t i = 0; i < n && ex->queued > (size_t)ex->idle + i &&
                       ex->nthreads < ex->max_workers; i++) {
        if (start_worker(ex) != 0)
            break;   /* the workers we have will get to it */
    }
    if (ex->nthreads == 0) {   /* nobody will ever run these: take them back */
        ex->tail = old_tail;
        if (old_tail)
            old_tail->next_in_queue = NULL;
        else
            ex->head = NULL;
        ex->queued -= n;
        return EAGAIN;
    }
    return 0;
}

/* ---- the executor ----------------------------------------------------------- */

/* Python's default max_workers: min(32, usable CPUs + 4). */
int executor_default_workers(void)
{
    /* The CPUs this process may run on (its affinity mask), as Python 3.13's
     * os.process_cpu_count(): under taskset, or in a container's cpuset,
     * fewer than the CPUs online.  The online count only if there is no mask. */
    cpu_set_t mask;
    long cores = sched_getaffinity(0, sizeof mask, &mask) == 0 ? CPU_COUNT(&mask) : 0;
    if (cores < 1)
        cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    return cores + 4 < 32 ? (int)cores + 4 : 32;
}

struct executor *executor_new(int max_workers)
{
    if (max_workers <= 0) {
        errno = EINVAL;
        return NULL;
    }
    struct executor *ex = calloc(1, sizeof *ex);
    pthread_t *threads = calloc((size_t)max_workers, sizeof *threads);
    if (!ex || !threads) {
        free(ex);
        free(threads);
        errno = ENOMEM;
        return NULL;
    }
    pthread_mutex_init(&ex->lock, NULL);
    pthread_cond_init(&ex->work_ready, NULL);
    pthread_mutex_init(&ex->join_lock, NULL);
    ex->max_workers = max_workers;
    ex->threads = threads;
    return ex;   /* no thread yet: submit starts them */
}

struct future *executor_submit(struct executor *ex, task_fn fn, void *arg)
{
    struct future *f = future_new(fn, arg);
    if (!f)
        return NULL;
    future_retain(f);   /* the queue's reference, released by the worker */

    pthread_mutex_lock(&ex->lock);
    int err = enqueue(ex, f, f, 1);
    pthread_mutex_unlock(&ex->lock);
    if (err) {
        future_release(f);
        future_release(f);
        errno = err;
        return NULL;
    }
    return f;
}

int executor_map(struct executor *ex, task_fn fn, void *const *args, size_t n,
                 double timeout_s, void **results, struct task_error *error,
                 size_t *completed)
{
    double end = timeout_s < 0 ? NO_TIMEOUT : monotonic_now() + timeout_s;
    size_t got = 0;
    int status = RESULT_OK;
    if (completed)
        *completed = 0;
    if (n == 0)
        return RESULT_OK;

    struct future **fs = calloc(n, sizeof *fs);
    size_t made = 0;
    while (fs && made < n && (fs[made] = future_new(fn, args[made]))) {
        future_retain(fs[made]);   /* the queue's reference */
        if (made > 0)
            fs[made - 1]->next_in_queue = fs[made];
        made++;
    }
    int err = made < n ? ENOMEM : 0;
    if (!err) {
        /* One lock for the whole batch, not one per task. */
        pthread_mutex_lock(&ex->lock);
        err = enqueue(ex, fs[0], fs[n - 1], n);
        pthread_mutex_unlock(&ex->lock);
    }
    if (err) {
        for (size_t i = 0; i < made; i++) {
            future_release(fs[i]);
            future_release(fs[i]);
        }
        free(fs);
        if (error)
            task_fail(error, err, err == ESHUTDOWN ? "cannot schedule new futures after shutdown"
                                                   : "could not queue the tasks");
        return RESULT_ERROR;
    }

    /* Results in input order, each within what is left of the one deadline. */
    while (got < n && (status = future_result(fs[got], seconds_left(end), &results[got],
                                              error)) == RESULT_OK)
        got++;
    /* Like Python's map: whatever was not handed back is cancelled (calls
     * already running finish on their own). */
    for (size_t i = got; i < n; i++)
        future_cancel(fs[i]);
    for (size_t i = 0; i < n; i++)
        future_release(fs[i]);
    free(fs);
    if (completed)
        *completed = got;
    return status;
}

void executor_shutdown(struct executor *ex, bool wait, bool cancel_futures)
{
    struct future *dropped = NULL;
    pthread_mutex_lock(&ex->lock);
    ex->shutting_down = true;
    if (cancel_futures) {
        dropped = ex->head;
        ex->head = ex->tail = NULL;
        ex->queued = 0;
    }
    /* Set and broadcast under the lock: a worker that has just seen the flag
     * false holds the lock until it sleeps, so it cannot miss the wakeup. */
    pthread_cond_broadcast(&ex->work_ready);
    int nthreads = ex->nthreads;   /* final: no thread starts after shutdown */
    pthread_mutex_unlock(&ex->lock);

    /* Cancel outside the pool's lock: cancelling runs done callbacks. */
    while (dropped) {
        struct future *next = dropped->next_in_queue;
        future_cancel(dropped);
        future_release(dropped);   /* the queue's reference */
        dropped = next;
    }

    if (wait) {
        /* Join each worker exactly once, however many threads call shutdown. */
        pthread_mutex_lock(&ex->join_lock);
        for (; ex->joined < nthreads; ex->joined++)
            pthread_join(ex->threads[ex->joined], NULL);
        pthread_mutex_unlock(&ex->join_lock);
    }
}

void executor_free(struct executor *ex)
{
    if (!ex)
        return;
    executor_shutdown(ex, true, false);
    pthread_mutex_destroy(&ex->join_lock);
    pthread_cond_destroy(&ex->work_ready);
    pthread_mutex_destroy(&ex->lock);
    free(ex->threads);
    free(ex);
}

int executor_threads(struct executor *ex)
{
    pthread_mutex_lock(&ex->lock);
    int n = ex->nthreads;
    pthread_mutex_unlock(&ex->lock);
    return n;
}

int executor_idle_workers(struct executor *ex)
{
    pthread_mutex_lock(&ex->lock);
    int n = ex->idle;
    pthread_mutex_unlock(&ex->lock);
    return n;
}
