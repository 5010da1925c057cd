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
    /* TODO: write() in a loop until all len bytes are written.  A write may
     * take fewer bytes than asked: carry on from there.  EINTR (a signal
     * arrived first): try again.  Any other error: return errno. */
    NOT_IMPLEMENTED(fd, buf, len);
}

/* Read exactly len bytes.  Returns 1 once it has them; 0 on end-of-file
 * before the first byte (the writer closed its end between messages); -1 on
 * an error or on end-of-file part-way (the writer died mid-message). */
static int read_all(int fd, void *buf, size_t len)
{
    /* TODO: read() in a loop until len bytes have arrived (a pipe hands out
     * at most what it holds, 64 KiB by default).  EINTR: try again.  read()
     * returning 0 is end-of-file: return 0 if nothing of this message came
     * yet, -1 if part of it did. */
    NOT_IMPLEMENTED(fd, buf, len);
}

/* ---- The worker's side ------------------------------------------------------- */

/* A worker's whole life: read a task, run it, write its result, until the
 * task pipe ends.  It never returns: a forked child that returned would go
 * on running its parent's program. */
static _Noreturn void worker_main(int task_fd, int result_fd, atomic_int *start)
{
    /* TODO: loop: read a task_header (read_all); end-of-file there means
     * the pool is done with us: _exit(0).  Check the sizes against
     * PROCPOOL_MAX_MESSAGE, read the count * in_size bytes of arguments into
     * a reusable buffer (reserve).  Find the function with function_at: it
     * is NULL if this worker does not have it (answer PROCPOOL_NO_FUNCTION,
     * never call it).  Call it once per item, with out_size bytes of room
     * each, appending the results; a return < 0 or > out_size makes the
     * status PROCPOOL_TASK_FAILED.  But first claim the task: move this
     * task's start word (start[k % PROCPOOL_DEPTH] for the k-th task, k
     * from 0) from START_WAITING to START_STARTED in one compare-and-swap.
     * If that fails, the parent cancelled the task while it waited in the
     * pipe: skip it and answer PROCPOOL_CANCELLED (why must you still
     * answer?).  Write a result_header and the results (write_all; one
     * buffer, one write).  On any pipe error _exit(WORKER_FAILED).  Never
     * return, never exit(): _exit() only. */
    NOT_IMPLEMENTED(task_fd, result_fd, start);
}

/* Fork worker i with its two pipes.  Returns 0 or an errno value. */
static int start_worker(struct procpool *p, int i)
{
    /* TODO: make two pipes (pipe2 with O_CLOEXEC): tasks go parent ->
     * worker, results worker -> parent.  fork().  In the child: close the
     * parent's ends of both pipes and the parent's ends held for the workers
     * started before (p->workers[0..i-1]), then worker_main() with the
     * worker's start words (p->workers[i].start, set by procpool_new).  In the
     * parent: close the worker's ends (why does this matter when the worker
     * dies?), and record pid, task_fd and result_fd in p->workers[i].  On
     * failure close what you opened and return errno. */
    NOT_IMPLEMENTED(p, i, worker_main);
}

/* ---- The parent's side -------------------------------------------------------- */

/* Encode a task as bytes (Python pickles it): a header, then a copy of the
 * arguments.  The job holds a new future.  NULL if out of memory. */
static struct job *job_new(int function, size_t count, size_t in_size, size_t out_size,
                           const void *args)
{
    /* TODO: calloc a job; its message is a task_header {function, count,
     * in_size, out_size} followed by a copy of the count * in_size bytes at
     * args; its future is a new one (future_new).  NULL if out of memory
     * (free what you allocated: job_free copes with a half-made job). */
    NOT_IMPLEMENTED(function, count, in_size, out_size, args);
}

/* Something is fatally wrong: why is PROCPOOL_BROKEN (a worker died) or
 * PROCPOOL_SHUT_DOWN (a shutdown that does not wait).  Fail every job the
 * pool holds, queued or sent, and kill every worker still there, so that a
 * feeder blocked writing to one gets EPIPE and the collector sees every
 * pipe end.  Called with p->lock held; only the first call counts. */
static void fail_pool(struct procpool *p, int why)
{
    /* TODO: only the first call counts: if p->failed is set, return; else
     * set it to why.  Settle every queued job's future with why
     * (future_finish) and free the job; empty the queue.  For every worker:
     * settle and release every future in its sent ring (sent_pop), and if
     * it has not ended, kill it with SIGKILL.  Wake the feeder. */
    NOT_IMPLEMENTED(p, why);
}

/* The feeder thread: send queued jobs to workers with room, until the pool
 * fails or shuts down with nothing left to send; then close the task pipes. */
static void *feeder(void *arg)
{
    /* TODO: block SIGPIPE in this thread (pthread_sigmask).  Then, under
     * p->lock, loop: wait on changed_cv until the pool failed, or it is
     * shutting down with an empty queue (stop), or a job is queued and
     * least_busy_worker() finds room.  Pop the job.  The ring slot that
     * sent_push will use, (first_sent + nsent) % PROCPOOL_DEPTH, has a start
     * word: set it to START_WAITING and pass it to future_set_sent; if that
     * says the future was cancelled, free the job and go on.  Move its
     * future into the worker's sent ring (sent_push) before writing: the
     * answer may come back at once.  The ring now holds the pool's
     * reference, so set job->future to NULL.  Unlock while write_all sends
     * the message (it may block), free the job, lock again; a write error
     * fails the pool (PROCPOOL_BROKEN).  After the loop close every task_fd
     * (set it to -1): end-of-file tells each worker to exit. */
    NOT_IMPLEMENTED(arg, write_all);
}

/* w's result pipe ended, or carried garbage (clean is false).  That is
 * expected only when the feeder closed w's task pipe and w owed nothing;
 * anything else breaks the pool.  Then reap w: no zombie is left. */
static void worker_ended(struct procpool *p, struct worker *w, bool clean)
{
    /* TODO: under p->lock: unless the end is clean, w's task pipe is closed
     * (task_fd < 0) and w owes nothing (nsent == 0), the worker died: fail
     * the pool (PROCPOOL_BROKEN).  Mark w ended (nobody may signal its pid
     * after it is reaped) and wake the feeder.  Then, unlocked, close its
     * result_fd (set it to -1) and waitpid() it, retrying on EINTR. */
    NOT_IMPLEMENTED(p, w, clean);
}

/* Read one answer from w and settle the future it belongs to. */
static void collect_one(struct procpool *p, struct worker *w)
{
    /* TODO: read_all a result_header from w->result_fd, then its len bytes
     * (len <= PROCPOOL_MAX_MESSAGE) into a malloc'd buffer.  If either read
     * fails, the pipe ended: worker_ended(p, w, clean), where clean means
     * end-of-file right at the start of a message.  Otherwise take w's
     * oldest sent future under p->lock (sent_pop; there may be none if the
     * pool already failed them) and settle it with the header's status and
     * the data (future_finish takes the buffer) before you unlock: once
     * unlocked, the feeder may give its start word to another task.  Signal
     * the feeder (w has room), unlock, then release the pool's reference. */
    NOT_IMPLEMENTED(p, w, read_all, worker_ended);
}

/* The collector thread: wait for answers on every result pipe still open,
 * until the last one ends. */
static void *collector(void *arg)
{
    /* TODO: loop: poll() every result_fd that is still >= 0 for POLLIN (an
     * array of at most PROCPOOL_MAX_WORKERS); stop when none is left.  If
     * poll fails (EINTR), poll again.  Call collect_one for each fd with
     * revents set (data, or end-of-file: POLLHUP). */
    NOT_IMPLEMENTED(arg, collect_one);
}

struct procpool *procpool_new(int nworkers)
{
    /* TODO: EINVAL unless 1 <= nworkers <= PROCPOOL_MAX_WORKERS.  Allocate
     * the pool and its workers; map the start words (map_start_words, given;
     * ENOMEM) and point each worker's `start` at its START_STRIDE-th share,
     * before any fork; initialise lock and changed_cv.  fflush(NULL)
     * first (why?), then start_worker() each worker; only after the last
     * fork start the feeder and collector threads.  On failure undo what was
     * done (abandon_workers; a started feeder must be stopped and joined;
     * unmap_start_words), and return NULL with errno set. */
    NOT_IMPLEMENTED(nworkers, start_worker, feeder, collector);
}

/* Hand a job to the feeder; *out gets the caller's reference to its future.
 * Returns PROCPOOL_OK, or why the pool takes no more jobs (the job is then
 * freed). */
static int enqueue(struct procpool *p, struct job *job, struct future **out)
{
    /* TODO: under p->lock: if the pool failed, return why (p->failed); if it
     * is shutting down, PROCPOOL_SHUT_DOWN; either way free the job (after
     * unlocking).  Otherwise give the caller a reference to the job's future
     * (future_retain, *out), append the job to the queue, and signal the
     * feeder. */
    NOT_IMPLEMENTED(p, job, out);
}

int procpool_submit(struct procpool *p, const char *fn, const void *arg, size_t arg_len,
                    struct future **out)
{
    /* TODO: *out = NULL.  Look fn up (function_index: -1 means
     * PROCPOOL_NO_FUNCTION); arg_len over PROCPOOL_MAX_MESSAGE is
     * PROCPOOL_BAD_ARGUMENT.  Encode a job of one item with room for
     * PROCPOOL_MAX_RESULT bytes of result, and enqueue it. */
    NOT_IMPLEMENTED(p, fn, arg, arg_len, out, job_new, enqueue);
}

int procpool_map(struct procpool *p, const char *fn, const void *inputs, size_t in_size,
                 void *outputs, size_t out_size, size_t n, int chunksize)
{
    /* TODO: chunksize < 1 is PROCPOOL_BAD_ARGUMENT, an unknown fn
     * PROCPOOL_NO_FUNCTION, and so is a chunk whose arguments or results
     * would exceed PROCPOOL_MAX_MESSAGE (BAD_ARGUMENT).  Enqueue one job per
     * chunk of up to chunksize items, keeping every future.  Then take the
     * results in input order: each chunk's result must be count * out_size
     * bytes (else PROCPOOL_TASK_FAILED), copied to its place in outputs.
     * Return the first error in input order; after an error cancel the
     * futures not waited for.  Release every future. */
    NOT_IMPLEMENTED(p, fn, inputs, in_size, outputs, out_size, n, chunksize);
}

int procpool_apply(struct procpool *p, const char *fn, const void *arg, size_t arg_len,
                   void *out, size_t out_cap, size_t *out_len)
{
    /* TODO: submit the task (procpool_submit; its error is yours), wait for
     * its future with no deadline (future_result: it sleeps, so other
     * threads run meanwhile), set *out_len if asked, copy the result if it
     * fits in out_cap (else PROCPOOL_BAD_ARGUMENT), and release the future
     * whatever happened. */
    NOT_IMPLEMENTED(p, fn, arg, arg_len, out, out_cap, out_len);
}

void procpool_shutdown(struct procpool *p, bool wait, bool cancel_futures)
{
    /* TODO: under p->lock: shutting_down = true; if cancel_futures, cancel
     * every queued job's future (the feeder will skip them) and every future
     * in each worker's sent ring (those not started yet: their workers skip
     * them); if !wait, fail the pool with PROCPOOL_SHUT_DOWN (which kills
     * the workers).  Wake the feeder.  Then join the feeder (it closes the
     * task pipes) and the collector (it reaps every worker), unmap the start
     * words and free everything. */
    NOT_IMPLEMENTED(p, wait, cancel_futures, fail_pool);
}
