/*
 * procpool.c - lab 06: a pool of worker processes fed through pipes.
 * The API and what each function must do are in procpool.h (Parts 1 and 3).
 *
 * Who talks to whom:
 *
 *   submit/map --> queue --> feeder thread --> task pipe i ---> worker i
 *   future <-------------- collector thread <-- result pipe i <-- worker i
 *
 * Two helper threads, not one: the feeder may block writing a big task into
 * a full pipe while that same worker blocks writing a big result.  If one
 * thread did both, each side would wait for the other forever.  The
 * collector only ever reads, so results always drain.
 *
 * The given parts (the function table, what crosses the pipes, the pool's
 * structs and small helpers such as sent_push and least_busy_worker) are in
 * support/pool.h and support/pool.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procpool.h"
#include "pool.h"   /* given: the pool's data, the messages, small helpers */

/* ---- Bytes through pipes ----------------------------------------------------- */

/* Write all len bytes.  A pipe takes only what it has room for, and a signal
 * can interrupt a write part-way, so one write() may write less: carry on
 * from where it stopped.  Returns 0, or the errno that stopped it (EPIPE:
 * nobody reads this pipe any more). */
static int write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *next = buf;
    while (len > 0) {
        ssize_t n = write(fd, next, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        next += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read exactly len bytes.  Returns 1 once it has them; 0 on end-of-file
 * before the first byte (the writer closed its end between messages); -1 on
 * an error or on end-of-file part-way (the writer died mid-message). */
static int read_all(int fd, void *buf, size_t len)
{
    unsigned char *next = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, next + got, len - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            return got == 0 ? 0 : -1;
        got += (size_t)n;
    }
    return 1;
}

/* ---- The worker's side ------------------------------------------------------- */

/* A worker's whole life: read a task, run it, write its result, until the
 * task pipe ends.  It never returns: a forked child that returned would go
 * on running its parent's program. */
static _Noreturn void worker_main(int task_fd, int result_fd, atomic_int *start)
{
    struct buffer args = {0}, reply = {0};
    struct task_header task;
    unsigned slot = 0;   /* the k-th task's start word is start[k % PROCPOOL_DEPTH] */
    int got;
    while ((got = read_all(task_fd, &task, sizeof task)) == 1) {
        size_t in_bytes = (size_t)task.count * task.in_size;
        size_t out_bytes = (size_t)task.count * task.out_size;
        if (in_bytes > PROCPOOL_MAX_MESSAGE || out_bytes > PROCPOOL_MAX_MESSAGE)
            _exit(WORKER_FAILED);
        unsigned char *in = reserve(&args, in_bytes);
        unsigned char *out = reserve(&reply, sizeof(struct result_header) + out_bytes);
        if (!in || !out || read_all(task_fd, in, in_bytes) != 1)
            _exit(WORKER_FAILED);

        /* The function is looked up by index in the worker's own table: one
         * registered after the fork is not there, and calling through a
         * missing entry would crash the worker. */
        procpool_fn fn = function_at(task.function);
        struct result_header result = {fn ? PROCPOOL_OK : PROCPOOL_NO_FUNCTION, 0};
        /* Claim the task before starting it.  If the parent cancelled it
         * while it waited in the pipe, skip it and say so: the answer keeps
         * the parent's ring of sent futures in step. */
        int waiting = START_WAITING;
        if (!atomic_compare_exchange_strong(&start[slot], &waiting, START_STARTED))
            result.status = PROCPOOL_CANCELLED;
        slot = (slot + 1) % PROCPOOL_DEPTH;
        unsigned char *results = out + sizeof result;
        for (uint32_t i = 0; i < task.count && result.status == PROCPOOL_OK; i++) {
            long n = fn(in + (size_t)i * task.in_size, task.in_size, results + result.len,
                        task.out_size);
            if (n < 0 || (size_t)n > task.out_size)
                result.status = PROCPOOL_TASK_FAILED;
            else
                result.len += (uint32_t)n;
        }
        if (result.status != PROCPOOL_OK)
            result.len = 0;
        /* Header and results in one write: one system call per answer. */
        memcpy(out, &result, sizeof result);
        if (write_all(result_fd, out, sizeof result + result.len) != 0)
            _exit(WORKER_FAILED);
    }
    /* End-of-file between tasks: the pool has nothing more for us. */
    _exit(got == 0 ? 0 : WORKER_FAILED);
}

/* Fork worker i with its two pipes.  Returns 0 or an errno value. */
static int start_worker(struct procpool *p, int i)
{
    int task[2], result[2];
    if (pipe2(task, O_CLOEXEC) == -1)
        return errno;
    if (pipe2(result, O_CLOEXEC) == -1) {
        int err = errno;
        close(task[0]);
        close(task[1]);
        return err;
    }
    pid_t pid = fork();
    if (pid == -1) {
        int err = errno;
        close(task[0]);
        close(task[1]);
        close(result[0]);
        close(result[1]);
        return err;
    }
    if (pid == 0) {
        /* The child inherited every descriptor.  It keeps its own two ends
         * and closes the pool's, its older siblings' too: a sibling's task
         * pipe left open for writing here would keep that sibling from ever
         * reading end-of-file. */
        close(task[1]);
        close(result[0]);
        for (int j = 0; j < i; j++) {
            close(p->workers[j].task_fd);
            close(p->workers[j].result_fd);
        }
        worker_main(task[0], result[1], p->workers[i].start);
    }
    /* Close the worker's ends here.  Kept open, they would hide its death:
     * its result pipe would never end, and writing into its full task pipe
     * would block forever instead of failing with EPIPE (CPython issue
     * 94777: a pool that hangs when a worker dies). */
    close(task[0]);
    close(result[1]);
    struct worker *w = &p->workers[i];
    w->pid = pid;
    w->task_fd = task[1];
    w->result_fd = result[0];
    return 0;
}

/* ---- The parent's side -------------------------------------------------------- */

/* Encode a task as bytes (Python pickles it): a header, then a copy of the
 * arguments.  The job holds a new future.  NULL if out of memory. */
static struct job *job_new(int function, size_t count, size_t in_size, size_t out_size,
                           const void *args)
{
    struct task_header header = {(uint32_t)function, (uint32_t)count, (uint32_t)in_size,
                                 (uint32_t)out_size};
    size_t arg_bytes = count * in_size;
    struct job *job = calloc(1, sizeof *job);
    if (!job)
        return NULL;
    job->len = sizeof header + arg_bytes;
    job->message = malloc(job->len);
    job->future = future_new();
    if (!job->message || !job->future) {
        job_free(job);
        return NULL;
    }
    memcpy(job->message, &header, sizeof header);
    if (arg_bytes)
        memcpy(job->message + sizeof header, args, arg_bytes);
    return job;
}

/* Something is fatally wrong: why is PROCPOOL_BROKEN (a worker died) or
 * PROCPOOL_SHUT_DOWN (a shutdown that does not wait).  Fail every job the
 * pool holds, queued or sent, and kill every worker still there, so that a
 * feeder blocked writing to one gets EPIPE and the collector sees every
 * pipe end.  Called with p->lock held; only the first call counts. */
static void fail_pool(struct procpool *p, int why)
{
    if (p->failed)
        return;
    p->failed = why;
    for (struct job *job = p->queue_head, *next; job; job = next) {
        next = job->next;
        future_finish(job->future, why, NULL, 0);
        job_free(job);
    }
    p->queue_head = p->queue_tail = NULL;
    for (int i = 0; i < p->nworkers; i++) {
        struct worker *w = &p->workers[i];
        while (w->nsent > 0) {
            struct future *f = sent_pop(w);
            future_finish(f, why, NULL, 0);
            future_release(f);
        }
        if (!w->ended)
            kill(w->pid, SIGKILL);
    }
    pthread_cond_broadcast(&p->changed_cv);
}

/* The feeder thread: send queued jobs to workers with room, until the pool
 * fails or shuts down with nothing left to send; then close the task pipes. */
static void *feeder(void *arg)
{
    struct procpool *p = arg;
    /* Writing to a pipe whose reader died raises SIGPIPE, which kills the
     * whole process by default.  Blocked in this thread, the only one that
     * writes to the pipes, write() just fails with EPIPE. */
    sigset_t sigpipe;
    sigemptyset(&sigpipe);
    sigaddset(&sigpipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe, NULL);

    pthread_mutex_lock(&p->lock);
    for (;;) {
        struct worker *w = NULL;
        while (!p->failed && !(p->shutting_down && !p->queue_head) &&
               !(p->queue_head && (w = least_busy_worker(p))))
            pthread_cond_wait(&p->changed_cv, &p->lock);
        if (!w || p->failed)
            break;
        struct job *job = p->queue_head;
        p->queue_head = job->next;
        if (!p->queue_head)
            p->queue_tail = NULL;
        /* The word of the ring slot sent_push will use: its last task has
         * been answered and its future settled, so the word is free. */
        atomic_int *start = &w->start[(w->first_sent + w->nsent) % PROCPOOL_DEPTH];
        atomic_store(start, START_WAITING);
        if (!future_set_sent(job->future, start)) {   /* cancelled while it waited */
            job_free(job);
            continue;
        }
        sent_push(w, job->future);   /* the pool's reference moves to w's ring */
        job->future = NULL;
        int fd = w->task_fd;
        /* Unlocked: the write can block until the worker reads. */
        pthread_mutex_unlock(&p->lock);
        int err = write_all(fd, job->message, job->len);
        job_free(job);
        pthread_mutex_lock(&p->lock);
        if (err)
            fail_pool(p, PROCPOOL_BROKEN);
    }
    /* Nothing more will be written.  Ending the task pipes tells each worker
     * to exit once it has answered what it was sent. */
    for (int i = 0; i < p->nworkers; i++) {
        if (p->workers[i].task_fd >= 0) {
            close(p->workers[i].task_fd);
            p->workers[i].task_fd = -1;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* w's result pipe ended, or carried garbage (clean is false).  That is
 * expected only when the feeder closed w's task pipe and w owed nothing;
 * anything else breaks the pool.  Then reap w: no zombie is left. */
static void worker_ended(struct procpool *p, struct worker *w, bool clean)
{
    pthread_mutex_lock(&p->lock);
    if (!(clean && w->task_fd < 0 && w->nsent == 0))
        fail_pool(p, PROCPOOL_BROKEN);   /* also kills w if it still runs */
    /* From here on nobody signals w: once reaped, its pid can be reused. */
    w->ended = true;
    pthread_cond_signal(&p->changed_cv);
    pthread_mutex_unlock(&p->lock);
    close(w->result_fd);
    w->result_fd = -1;
    while (waitpid(w->pid, NULL, 0) == -1 && errno == EINTR)
        ;
}

/* Read one answer from w and settle the future it belongs to. */
static void collect_one(struct procpool *p, struct worker *w)
{
    struct result_header header;
    unsigned char *data = NULL;
    int got = read_all(w->result_fd, &header, sizeof header);
    if (got == 1) {
        data = header.len <= PROCPOOL_MAX_MESSAGE ? malloc(header.len ? header.len : 1) : NULL;
        got = data ? read_all(w->result_fd, data, header.len) : -1;
    }
    if (got != 1) {
        free(data);
        worker_ended(p, w, got == 0);
        return;
    }
    pthread_mutex_lock(&p->lock);
    /* None left if the pool already failed them.  Settled before the lock
     * goes: the feeder may then give f's start word to the next task, and
     * a future_cancel(f) must no longer reach it. */
    struct future *f = w->nsent > 0 ? sent_pop(w) : NULL;
    if (f)
        future_finish(f, header.status, data, header.len);
    else
        free(data);
    pthread_cond_signal(&p->changed_cv);   /* w has room again */
    pthread_mutex_unlock(&p->lock);
    if (f)
        future_release(f);
}

/* The collector thread: wait for answers on every result pipe still open,
 * until the last one ends. */
static void *collector(void *arg)
{
    struct procpool *p = arg;
    struct pollfd fds[PROCPOOL_MAX_WORKERS];
    int who[PROCPOOL_MAX_WORKERS];
    for (;;) {
        int n = 0;
        for (int i = 0; i < p->nworkers; i++) {
            if (p->workers[i].result_fd >= 0) {
                fds[n] = (struct pollfd){.fd = p->workers[i].result_fd, .events = POLLIN};
                who[n++] = i;
            }
        }
        if (n == 0)
            break;
        if (poll(fds, (nfds_t)n, -1) == -1)
            continue;   /* EINTR: a signal arrived; look again */
        for (int k = 0; k < n; k++)
            if (fds[k].revents)
                collect_one(p, &p->workers[who[k]]);
    }
    return NULL;
}

struct procpool *procpool_new(int nworkers)
{
    if (nworkers < 1 || nworkers > PROCPOOL_MAX_WORKERS) {
        errno = EINVAL;
        return NULL;
    }
    struct procpool *p = calloc(1, sizeof *p);
    struct worker *workers = calloc((size_t)nworkers, sizeof *workers);
    if (!p || !workers) {
        free(p);
        free(workers);
        errno = ENOMEM;
        return NULL;
    }
    p->workers = workers;
    p->nworkers = nworkers;
    /* Before the fork: every worker must share the same words. */
    p->starts = map_start_words(nworkers);
    if (!p->starts) {
        free(p);
        free(workers);
        errno = ENOMEM;
        return NULL;
    }
    for (int i = 0; i < nworkers; i++)
        workers[i].start = p->starts + (size_t)i * START_STRIDE;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed_cv, NULL);

    /* Buffered output not yet written would be copied into every child,
     * and printed once more by each. */
    fflush(NULL);
    int started = 0, err = 0;
    while (started < nworkers && !(err = start_worker(p, started)))
        started++;
    /* Threads only now, after the last fork: a child forked while other
     * threads run gets copies of locks they may hold, and nobody to unlock. */
    if (!err && !(err = pthread_create(&p->feeder, NULL, feeder, p))) {
        if (!(err = pthread_create(&p->collector, NULL, collector, p)))
            return p;
        pthread_mutex_lock(&p->lock);
        p->failed = PROCPOOL_SHUT_DOWN;   /* the feeder ends and closes the task pipes */
        pthread_cond_signal(&p->changed_cv);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->feeder, NULL);
    }
    abandon_workers(p, started);
    unmap_start_words(p->starts, nworkers);
    pthread_cond_destroy(&p->changed_cv);
    pthread_mutex_destroy(&p->lock);
    free(workers);
    free(p);
    errno = err;
    return NULL;
}

/* Hand a job to the feeder; *out gets the caller's reference to its future.
 * Returns PROCPOOL_OK, or why the pool takes no more jobs (the job is then
 * freed). */
static int enqueue(struct procpool *p, struct job *job, struct future **out)
{
    pthread_mutex_lock(&p->lock);
    int err = p->failed ? p->failed : p->shutting_down ? PROCPOOL_SHUT_DOWN : PROCPOOL_OK;
    if (!err) {
        future_retain(job->future);
        *out = job->future;
        if (p->queue_tail)
            p->queue_tail->next = job;
        else
            p->queue_head = job;
        p->queue_tail = job;
        pthread_cond_signal(&p->changed_cv);
    }
    pthread_mutex_unlock(&p->lock);
    if (err)
        job_free(job);
    return err;
}

int procpool_submit(struct procpool *p, const char *fn, const void *arg, size_t arg_len,
                    struct future **out)
{
    *out = NULL;
    int function = function_index(fn);
    if (function < 0)
        return PROCPOOL_NO_FUNCTION;
    if (arg_len > PROCPOOL_MAX_MESSAGE)
        return PROCPOOL_BAD_ARGUMENT;
    struct job *job = job_new(function, 1, arg_len, PROCPOOL_MAX_RESULT, arg);
    if (!job)
        return PROCPOOL_NO_MEMORY;
    return enqueue(p, job, out);
}

int procpool_map(struct procpool *p, const char *fn, const void *inputs, size_t in_size,
                 void *outputs, size_t out_size, size_t n, int chunksize)
{
    if (chunksize < 1)
        return PROCPOOL_BAD_ARGUMENT;
    int function = function_index(fn);
    if (function < 0)
        return PROCPOOL_NO_FUNCTION;
    size_t per_chunk = n < (size_t)chunksize ? n : (size_t)chunksize;
    if (per_chunk * in_size > PROCPOOL_MAX_MESSAGE || per_chunk * out_size > PROCPOOL_MAX_MESSAGE)
        return PROCPOOL_BAD_ARGUMENT;
    size_t nchunks = (n + (size_t)chunksize - 1) / (size_t)chunksize;
    struct future **futures = calloc(nchunks ? nchunks : 1, sizeof *futures);
    if (!futures)
        return PROCPOOL_NO_MEMORY;

    /* Submit every chunk first, as Python's map does, so all workers get busy;
     * then collect the chunks in input order, whatever order they finish in. */
    int err = PROCPOOL_OK;
    for (size_t c = 0; c < nchunks && !err; c++) {
        size_t first = c * (size_t)chunksize;
        size_t count = n - first < (size_t)chunksize ? n - first : (size_t)chunksize;
        struct job *job = job_new(function, count, in_size, out_size,
                                  (const unsigned char *)inputs + first * in_size);
        err = job ? enqueue(p, job, &futures[c]) : PROCPOOL_NO_MEMORY;
    }
    for (size_t c = 0; c < nchunks && futures[c]; c++) {
        if (!err) {
            size_t first = c * (size_t)chunksize;
            size_t count = n - first < (size_t)chunksize ? n - first : (size_t)chunksize;
            const void *data;
            size_t len;
            int status = future_result(futures[c], -1, &data, &len);
            if (status == PROCPOOL_OK && len != count * out_size)
                status = PROCPOOL_TASK_FAILED;   /* fn returned the wrong size */
            if (status == PROCPOOL_OK && len > 0)
                memcpy((unsigned char *)outputs + first * out_size, data, len);
            err = status;
        } else {
            future_cancel(futures[c]);   /* after an error the rest are not wanted */
        }
        future_release(futures[c]);
    }
    free(futures);
    return err;
}

int procpool_apply(struct procpool *p, const char *fn, const void *arg, size_t arg_len,
                   void *out, size_t out_cap, size_t *out_len)
{
    struct future *f;
    int status = procpool_submit(p, fn, arg, arg_len, &f);
    if (status != PROCPOOL_OK)
        return status;
    /* future_result waits on a condition variable: the caller sleeps, as a
     * Python thread in pool.apply waits with the GIL released. */
    const void *data = NULL;
    size_t len = 0;
    status = future_result(f, -1, &data, &len);
    if (status == PROCPOOL_OK) {
        if (out_len)
            *out_len = len;
        if (len > out_cap)
            status = PROCPOOL_BAD_ARGUMENT;
        else if (len > 0)
            memcpy(out, data, len);
    }
    future_release(f);
    return status;
}

void procpool_shutdown(struct procpool *p, bool wait, bool cancel_futures)
{
    pthread_mutex_lock(&p->lock);
    p->shutting_down = true;
    if (cancel_futures) {
        for (struct job *job = p->queue_head; job; job = job->next)
            future_cancel(job->future);   /* the feeder skips them */
        /* Sent ahead but not started: their workers will skip them. */
        for (int i = 0; i < p->nworkers; i++) {
            struct worker *w = &p->workers[i];
            for (int k = 0; k < w->nsent; k++)
                future_cancel(w->sent[(w->first_sent + k) % PROCPOOL_DEPTH]);
        }
    }
    if (!wait)
        fail_pool(p, PROCPOOL_SHUT_DOWN);
    pthread_cond_signal(&p->changed_cv);
    pthread_mutex_unlock(&p->lock);

    /* The feeder ends once the queue is empty and closes the task pipes; each
     * worker answers what it was sent, reads end-of-file and exits; the
     * collector reaps each one as its result pipe ends, and ends after the
     * last. */
    pthread_join(p->feeder, NULL);
    pthread_join(p->collector, NULL);
    unmap_start_words(p->starts, p->nworkers);
    pthread_cond_destroy(&p->changed_cv);
    pthread_mutex_destroy(&p->lock);
    free(p->workers);
    free(p);
}
