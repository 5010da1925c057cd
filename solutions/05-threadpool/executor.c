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
    struct executor *ex = arg;
    become_batch_thread();
    pthread_mutex_lock(&ex->head_lock);
    for (;;) {
        /* Sleep while there is nothing to do.  A while loop: the wait can end
         * early (a spurious wakeup), or another worker may take the task. */
        struct future *f;
        while (!(f = atomic_load(&ex->head->next_in_queue)) && !ex->shutting_down) {
            ex->idle++;
            publish_asleep(ex);
            /* Look once more, now that submitters can see us: a task appended
             * before they could is seen here (see enqueue). */
            if (!atomic_load(&ex->head->next_in_queue)) {
                pthread_cond_wait(&ex->work_ready, &ex->head_lock);
                if (ex->wakeups > 0)
                    ex->wakeups--;
            }
            ex->idle--;
            publish_asleep(ex);
        }
        /* Shutting down still drains the queue: shutdown(wait) promises that
         * queued tasks run, unless they were cancelled. */
        if (!f)
            break;
        /* f becomes the head: a submitter may be writing its link right now,
         * so it must outlive its run.  The head before it is let go. */
        struct future *old_head = ex->head;
        ex->head = f;
        pthread_mutex_unlock(&ex->head_lock);

        if (old_head != &ex->start)
            future_release(old_head);   /* the queue's reference as head */
        future_run(f);        /* does nothing if f was cancelled meanwhile */
        future_release(f);    /* the queue's reference as a task to run */
        pthread_mutex_lock(&ex->head_lock);
    }
    pthread_mutex_unlock(&ex->head_lock);
    return NULL;
}

/* Called with tail_lock held.  Starting threads under the lock is rare (at
 * most max_workers times per pool) and keeps threads[] and nthreads
 * consistent. */
static int start_worker(struct executor *ex)
{
    int err = pthread_create(&ex->threads[ex->nthreads], NULL, worker_main, ex);
    if (!err)
        ex->nthreads++;
    return err;
}

/* Append n futures, linked first..last by next_in_queue, and make sure
 * workers come for them.  Called with tail_lock held.  Returns 0, or
 * ESHUTDOWN or EAGAIN (no worker could be started), and then queues nothing. */
static int enqueue(struct executor *ex, struct future *first, struct future *last, size_t n)
{
    if (ex->shutting_down)
        return ESHUTDOWN;
    struct future *old_tail = ex->tail;
    atomic_store_explicit(&last->next_in_queue, NULL, memory_order_relaxed);
    /* One sequentially consistent store publishes the lot (the futures and
     * their links), and comes before the read of asleep below: a worker
     * stores asleep before it looks at the queue again, so one of the two
     * of us sees what the other wrote. */
    atomic_store(&old_tail->next_in_queue, first);
    ex->tail = last;

    /* Wake sleeping workers, one signal per new task, while some are asleep
     * and not yet signalled (idle - wakeups of them).  Waking one only when
     * the queue was empty (libuv issue 492) leaves the others asleep while
     * one worker does all the work. */
    size_t woken = 0;
    if (atomic_load(&ex->asleep) > 0) {
        pthread_mutex_lock(&ex->head_lock);
        for (; woken < n && ex->idle > ex->wakeups; woken++) {
            ex->wakeups++;
            pthread_cond_signal(&ex->work_ready);
        }
        publish_asleep(ex);
        pthread_mutex_unlock(&ex->head_lock);
    }
    /* Start a thread for each new task that no sleeper was woken for, up to
     * max_workers (Python starts one per submit while no worker is idle). */
    for (size_t i = woken; i < n && ex->nthreads < ex->max_workers; i++) {
        if (start_worker(ex) != 0)
            break;   /* the workers we have will get to it */
    }
    if (ex->nthreads == 0) {   /* nobody will ever run these: take them back */
        atomic_store(&old_tail->next_in_queue, NULL);
        ex->tail = old_tail;
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
    /* aligned_alloc, not calloc: head_lock's line must be a line of its own. */
    struct executor *ex = aligned_alloc(alignof(struct executor), sizeof *ex);
    pthread_t *threads = calloc((size_t)max_workers, sizeof *threads);
    if (!ex || !threads) {
        free(ex);
        free(threads);
        errno = ENOMEM;
        return NULL;
    }
    *ex = (struct executor){.max_workers = max_workers, .threads = threads};
    pthread_mutex_init(&ex->tail_lock, NULL);
    pthread_mutex_init(&ex->head_lock, NULL);
    pthread_cond_init(&ex->work_ready, NULL);
    pthread_mutex_init(&ex->join_lock, NULL);
    atomic_init(&ex->start.next_in_queue, NULL);
    ex->head = ex->tail = &ex->start;   /* empty: nothing after the head */
    return ex;   /* no thread yet: submit starts them */
}

struct future *executor_submit(struct executor *ex, task_fn fn, void *arg)
{
    struct future *f = future_new(fn, arg);
    if (!f)
        return NULL;
    retain_for_queue(f);

    pthread_mutex_lock(&ex->tail_lock);
    int err = enqueue(ex, f, f, 1);
    pthread_mutex_unlock(&ex->tail_lock);
    if (err) {
        release_from_queue(f);
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
        retain_for_queue(fs[made]);
        if (made > 0)   /* published by enqueue */
            atomic_store_explicit(&fs[made - 1]->next_in_queue, fs[made], memory_order_relaxed);
        made++;
    }
    int err = made < n ? ENOMEM : 0;
    if (!err) {
        /* One lock for the whole batch, not one per task. */
        pthread_mutex_lock(&ex->tail_lock);
        err = enqueue(ex, fs[0], fs[n - 1], n);
        pthread_mutex_unlock(&ex->tail_lock);
    }
    if (err) {
        for (size_t i = 0; i < made; i++) {
            release_from_queue(fs[i]);
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
    pthread_mutex_lock(&ex->tail_lock);
    pthread_mutex_lock(&ex->head_lock);
    ex->shutting_down = true;
    if (cancel_futures) {   /* the tasks after the head: not one has been taken */
        dropped = atomic_load(&ex->head->next_in_queue);
        atomic_store(&ex->head->next_in_queue, NULL);
        ex->tail = ex->head;
    }
    /* Set and broadcast under head_lock: a worker that has just seen the flag
     * false holds the lock until it sleeps, so it cannot miss the wakeup. */
    pthread_cond_broadcast(&ex->work_ready);
    int nthreads = ex->nthreads;   /* final: no thread starts after shutdown */
    pthread_mutex_unlock(&ex->head_lock);
    pthread_mutex_unlock(&ex->tail_lock);

    /* Cancel outside the pool's locks: cancelling runs done callbacks. */
    while (dropped) {
        struct future *next = atomic_load(&dropped->next_in_queue);
        future_cancel(dropped);
        release_from_queue(dropped);
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
    if (ex->head != &ex->start)
        future_release(ex->head);   /* the last task taken: the queue's reference as head */
    pthread_mutex_destroy(&ex->join_lock);
    pthread_cond_destroy(&ex->work_ready);
    pthread_mutex_destroy(&ex->head_lock);
    pthread_mutex_destroy(&ex->tail_lock);
    free(ex->threads);
    free(ex);
}

int executor_threads(struct executor *ex)
{
    pthread_mutex_lock(&ex->tail_lock);
    int n = ex->nthreads;
    pthread_mutex_unlock(&ex->tail_lock);
    return n;
}

int executor_idle_workers(struct executor *ex)
{
    pthread_mutex_lock(&ex->head_lock);
    int n = ex->idle;
    pthread_mutex_unlock(&ex->head_lock);
    return n;
}
