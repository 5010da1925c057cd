/*
 * future.c - lab 05, Parts 1 and 2: the future, and waiting for many futures.
 * The API and what each function must do are in threadpool.h.
 *
 * Locks, and the one order they are taken in:
 *   future->lock   guards a future's value, callbacks and watchers
 *   waiter->lock   guards what one as_completed / futures_wait call has seen
 * A thread holding a future's lock may take a waiter's lock, never the
 * reverse, so the two can never deadlock.  No user code (task, callback) ever
 * runs with either lock held.
 *
 * A future is small (threadpool.h says why): it has no condition variable of
 * its own.  A thread that must wait for it brings one, on its stack (struct
 * sleeper), and hangs it on the future while it waits, as as_completed hangs
 * a waiter_link.  Most futures are never waited for, so most never need one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "threadpool.h"

struct callback {
    done_callback fn;
    void *ctx;
    struct callback *next;
};

/* A thread blocked in future_result or future_exception: its own condition
 * variable, on its own stack, linked on the future while it waits. */
struct sleeper {
    pthread_cond_t wake;        /* signalled once, when the future becomes done */
    struct sleeper *next;       /* the next thread waiting for the same future */
};

/* One as_completed or futures_wait call watching a set of futures. */
struct waiter {
    pthread_mutex_t lock;       /* guards the fields below but not already[] */
    pthread_cond_t changed;     /* signalled each time a watched future becomes done */
    size_t watched;             /* distinct futures watched */
    size_t ndone;               /* ... of which are done */
    size_t nfailed;             /* ... of which finished with an error */
    struct future **already;    /* done before the watch began, in the order given */
    size_t nalready;            /* (written only while watching starts) */
    struct waiter_link **order; /* the others' links, in the order they became done */
    size_t norder;
    struct waiter_link *links;  /* one per future that was not done yet */
    size_t nlinks;
};

/* Hangs on a future's list of watchers: "tell this waiter when you are done". */
struct waiter_link {
    struct waiter *waiter;
    struct future *future;      /* NULL once unlinked (as_completed yielded it) */
    struct waiter_link *next;   /* the next watcher of the same future */
};

struct as_completed {
    struct waiter *waiter;
    struct future **futures;    /* the distinct futures, each retained until yielded */
    size_t n;
    size_t yielded;
    struct timespec deadline_at;
    const struct timespec *deadline;   /* NULL: no timeout */
};

/* ---- given helpers ---------------------------------------------------------- */

/* A bit of f->state beside the enum future_state: "someone is listening"
 * (a thread in result(), a watcher or a callback).  A future nobody listens
 * to finishes without its lock (see future_run). */
enum { LISTENED = 8 };

static int state_of(int word)
{
    return word & ~LISTENED;
}

static bool is_done(int state)
{
    state = state_of(state);
    return state == FUTURE_FINISHED || state == FUTURE_CANCELLED;
}

/* Say that f has a listener, under f->lock; returns f's state just before.
 * If it was not done yet, whoever makes it done will see the bit. */
static int listen(struct future *f)
{
    return state_of(atomic_fetch_or(&f->state, LISTENED));
}

/* The absolute CLOCK_MONOTONIC time timeout_s from now, in *ts; NULL for no
 * timeout (negative, or too far away to matter). */
static const struct timespec *deadline_in(double timeout_s, struct timespec *ts)
{
    if (timeout_s < 0 || timeout_s > 1e9)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, ts);
    long long ns = ts->tv_nsec + (long long)(timeout_s * 1e9);
    ts->tv_sec += (time_t)(ns / 1000000000);
    ts->tv_nsec = (long)(ns % 1000000000);
    return ts;
}

/* Wait on cv until signalled or until the deadline (NULL: none); returns
 * ETIMEDOUT once the deadline has passed. */
static int wait_until(pthread_cond_t *cv, pthread_mutex_t *lock,
                      const struct timespec *deadline)
{
    if (!deadline)
        return pthread_cond_wait(cv, lock);
    return pthread_cond_timedwait(cv, lock, deadline);
}

/* A condition variable whose deadlines are on CLOCK_MONOTONIC, like
 * deadline_in's: setting the date cannot stretch or shrink a timeout. */
static void monotonic_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &attr);
    pthread_condattr_destroy(&attr);
}

struct ranked {
    struct future *f;
    size_t index;
};

static int by_address_then_index(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->f != y->f)
        return (uintptr_t)x->f < (uintptr_t)y->f ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int by_index(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* fs without repeats, in the order given (each future where it first
 * appears), in a new array of *nunique entries; NULL if memory runs out.
 * Sorting makes this O(n log n), where comparing every pair would be O(n^2). */
static struct future **unique_futures(struct future *const *fs, size_t n, size_t *nunique)
{
    struct ranked *r = malloc((n ? n : 1) * sizeof *r);
    struct future **out = malloc((n ? n : 1) * sizeof *out);
    if (!r || !out) {
        free(r);
        free(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        r[i] = (struct ranked){fs[i], i};
    qsort(r, n, sizeof *r, by_address_then_index);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || r[i].f != r[i - 1].f)
            r[kept++] = r[i];
    qsort(r, kept, sizeof *r, by_index);
    for (size_t i = 0; i < kept; i++)
        out[i] = r[i].f;
    free(r);
    *nunique = kept;
    return out;
}

/* ---- Part 1: the future ------------------------------------------------------ */

struct future *future_new(task_fn fn, void *arg)
{
    /* TODO: malloc a future (errno = ENOMEM and NULL if that fails) and fill
     * in every field: PENDING and one reference (atomic_init), an unlocked
     * mutex, fn and arg, and zero or NULL for the rest (no sleepers, no
     * callbacks, no watchers). */
    NOT_IMPLEMENTED(fn, arg);
}

void future_retain(struct future *f)
{
    /* TODO: add one reference, atomically. */
    NOT_IMPLEMENTED(f);
}

void future_release(struct future *f)
{
    /* TODO: drop one reference atomically (atomic_fetch_sub).  Only the
     * caller that drops the last one frees: the callbacks that never ran, the
     * mutex, then the future.  Why must the decrement be one atomic step, and
     * not a load followed by a store? */
    NOT_IMPLEMENTED(f);
}

/* Tell the watcher at the end of link that its future is done (called with
 * the future's lock held). */
static void notify_waiter(struct waiter_link *link, bool failed)
{
    /* TODO: under the lock of link's waiter, count its future as done (and
     * as failed if `failed`), append the link to the waiter's order[], and
     * wake the thread waiting on its `changed`. */
    NOT_IMPLEMENTED(link, failed);
}

/* f has just become done (its state is final): wake the threads in
 * future_result, tell every watcher, and hand back the callbacks for the
 * caller to run once it has let go of f->lock.  Called with f->lock held. */
static struct callback *announce_done(struct future *f)
{
    /* TODO: wake every thread waiting in future_result (signal each
     * sleeper's own condition variable), notify_waiter each waiter_link on f->waiters (failed
     * means FINISHED with a nonzero error code), then detach the callback
     * list and return it: the caller runs it after unlocking. */
    NOT_IMPLEMENTED(f, notify_waiter);
}

/* Run (and free) callbacks in the order they were added, with no lock held:
 * a callback may call any future function on f, even add another callback. */
static void run_callbacks(struct future *f, struct callback *to_run)
{
    /* TODO: call each callback in order with (f, ctx), freeing each node. */
    NOT_IMPLEMENTED(f, to_run);
}

bool future_run(struct future *f)
{
    /* TODO: move f from PENDING to RUNNING with a compare-and-swap loop that
     * keeps the LISTENED bit (compare state_of(word)); if f is not PENDING,
     * it was cancelled: return false.  Otherwise call f->fn(f->arg, &error)
     * with a zeroed error and store the value and the error.  Then publish
     * FINISHED with one atomic_exchange (its release makes value and error
     * visible): if the word it replaced had no LISTENED bit, nobody listens
     * and you are done.  If it had, under f->lock announce_done, unlock, run
     * the callbacks.  Return true.  Why can no listener slip in between? */
    NOT_IMPLEMENTED(f, announce_done, run_callbacks);
}

/* Wait until f is done or timeout_s passes; return its state then. */
static int wait_done(struct future *f, double timeout_s)
{
    /* TODO: return the state at once if f is done (an acquire load, no
     * lock; state_of drops the LISTENED bit) or timeout_s is 0.  Otherwise
     * compute the deadline once (deadline_in) and set up a struct sleeper
     * on your stack (monotonic_cond_init).  Under f->lock: push it on
     * f->sleepers, listen(f) so that the worker announces, and wait on it
     * (wait_until) in a loop until f is done or the wait returns ETIMEDOUT.
     * Read the state again, take your sleeper off the list (why must you,
     * before you return?), unlock, destroy its condition variable and
     * return the state. */
    NOT_IMPLEMENTED(f, timeout_s, is_done, deadline_in, wait_until,
                    monotonic_cond_init, listen);
}

int future_result(struct future *f, double timeout_s, void **value, struct task_error *error)
{
    /* TODO: wait_done, then map the state to RESULT_CANCELLED, RESULT_ERROR
     * (copy f->error to *error), RESULT_OK (copy f->value to *value) or
     * RESULT_TIMEOUT.  value and error may be NULL. */
    NOT_IMPLEMENTED(f, timeout_s, value, error, wait_done);
}

int future_exception(struct future *f, double timeout_s, struct task_error *error)
{
    /* TODO: like future_result, but a FINISHED future gives RESULT_OK and
     * copies f->error (code 0 if the task succeeded). */
    NOT_IMPLEMENTED(f, timeout_s, error);
}

enum future_state future_state(struct future *f)
{
    /* TODO: an acquire load of the state, without the LISTENED bit (state_of). */
    NOT_IMPLEMENTED(f, state_of);
}

bool future_done(struct future *f)
{
    return is_done(future_state(f));
}

bool future_running(struct future *f)
{
    return future_state(f) == FUTURE_RUNNING;
}

bool future_cancelled(struct future *f)
{
    return future_state(f) == FUTURE_CANCELLED;
}

bool future_cancel(struct future *f)
{
    /* TODO: under f->lock, move f from PENDING (with or without the LISTENED
     * bit) to CANCELLED with a compare-and-swap loop (future_run races you
     * for PENDING).  If the state was something else, return whether it was
     * already CANCELLED.  If you cancelled it, announce_done now (a
     * cancelled future is done at once), unlock, run the callbacks, and
     * return true. */
    NOT_IMPLEMENTED(f);
}

int future_add_done_callback(struct future *f, done_callback fn, void *ctx)
{
    /* TODO: allocate the node first (ENOMEM if that fails).  Under f->lock:
     * listen(f); if the state it returns is not done, append the node at
     * end of f->callbacks (walk the list) and return 0.  Otherwise unlock, free the node and call
     * fn(f, ctx) right here. */
    NOT_IMPLEMENTED(f, fn, ctx);
}

/* ---- Part 2: waiting for many futures ------------------------------------------ */

/* Start watching n distinct futures: those already done go to already[] in
 * the order given, the others get a link so that they notify the waiter when
 * they become done.  NULL if memory runs out. */
static struct waiter *watch(struct future *const *fs, size_t n)
{
    /* TODO: allocate a waiter with room for n in already[], order[] and
     * links[] (NULL if memory runs out), initialise its mutex and condition
     * variable (monotonic), and set watched = n.  Then for each future, with
     * its lock held (and the waiter's inside it: always that order): take
     * its state from listen(f); if it is done, append it to already[] and
     * count it (done, and failed if it FINISHED with an error); if not, fill
     * the next link and push it on the future's waiters list. */
    NOT_IMPLEMENTED(fs, n);
}

/* Take one link off its future's list of watchers (nothing if it is off
 * already).  Called with no waiter lock held: f's lock comes first. */
static void unlink_watcher(struct waiter_link *link)
{
    /* TODO: if link->future is NULL, it is off already.  Otherwise, under
     * that future's lock, remove the link from its waiters list and set
     * link->future to NULL (still under the lock). */
    NOT_IMPLEMENTED(link);
}

/* Unhook the waiter from every future it watches, then free it. */
static void unwatch(struct waiter *w)
{
    /* TODO: unlink_watcher every link used.  Then no future can reach the
     * waiter any more: destroy its mutex and condition variable and free
     * everything. */
    NOT_IMPLEMENTED(w, unlink_watcher);
}

struct as_completed *as_completed(struct future *const *fs, size_t n, double timeout_s)
{
    /* TODO: allocate the iterator (ENOMEM: errno and NULL), fix the deadline
     * now (deadline_in into it->deadline_at), take the distinct futures
     * (unique_futures, given), watch them, and retain each one: the
     * iterator's reference, until it yields that future. */
    NOT_IMPLEMENTED(fs, n, timeout_s, unique_futures, watch);
}

/* Hand f out (link: how the waiter watches it, NULL if it was done from the
 * start) and let go of it, as CPython does (issue 14406): from now on only
 * the caller's own references keep f alive. */
static struct future *hand_out(struct as_completed *it, struct future *f, struct waiter_link *link)
{
    /* TODO: unlink_watcher the link (if any), so that the future holds no
     * pointer into this iterator once the caller may free it.  Count it as
     * yielded, release the iterator's reference, and return f. */
    NOT_IMPLEMENTED(it, f, link);
}

/* The deadline passed with nothing in order[].  A future whose state is
 * already final may not have told the waiter yet (future_run makes the state
 * final, then takes the future's lock to announce it): wait for every
 * announcement that is sure to come, and for any under way, so that a done
 * future is yielded rather than a timeout.  Called with no lock held. */
static void wait_for_announcements(struct waiter *w)
{
    /* TODO: count the announcements sure to come (or come): the futures done
     * from the start, every link no longer on a future (yielded: told
     * already), and every link on a future whose state word (atomic_load)
     * is done and has no LISTENED bit (future_run's exchange cleared the bit
     * you set, so it saw it: it will announce).  A done word with the bit
     * was listened to after it finished: take that future's lock and let go
     * of it at once (that waits out an announcement under way).  Then,
     * under the waiter's lock, wait on `changed` until ndone reaches your
     * count.  Why is taking every done future's lock not enough, and why
     * must you not wait for the others? */
    NOT_IMPLEMENTED(w);
}

int as_completed_next(struct as_completed *it, struct future **next)
{
    /* TODO: *next = NULL.  If everything was yielded, return RESULT_OK (the
     * end).  Hand out already[] first, in order.  Then, under the waiter's
     * lock, wait (until the deadline) for order[] to hold the next link.  If
     * the deadline passes first, let go of the waiter's lock,
     * wait_for_announcements, and look once more: only if order[] still
     * has nothing new, return RESULT_TIMEOUT.  Hand out the future with
     * hand_out, after letting go of the waiter's lock (why must you?). */
    NOT_IMPLEMENTED(it, next, hand_out, wait_for_announcements);
}

/* Release the futures not yet yielded, stop watching, free the iterator. */
void as_completed_free(struct as_completed *it)
{
    /* TODO: (nothing to do for NULL) release what was never yielded:
     * already[] from `yielded` on, and the future of every link still on
     * one (unlink_watcher it first).  Then unwatch and free. */
    NOT_IMPLEMENTED(it, unwatch);
}

/* Has futures_wait's condition been met?  Called with w->lock held. */
static bool wait_is_over(const struct waiter *w, enum return_when when)
{
    /* TODO: FIRST_COMPLETED: some future is done (or none is watched);
     * FIRST_EXCEPTION: some future failed, or all are done; ALL_COMPLETED: all
     * are done. */
    NOT_IMPLEMENTED(w, when);
}

int futures_wait(struct future *const *fs, size_t n, double timeout_s, enum return_when when,
                 struct future **done, size_t *ndone, struct future **not_done,
                 size_t *nnot_done)
{
    /* TODO: EINVAL for an unknown `when`.  Fix the deadline, take the
     * distinct futures and watch them (ENOMEM if that fails).  Under the
     * waiter's lock, wait until wait_is_over or the deadline passes (that is
     * not an error).  Unwatch, then put each distinct future in done[] or
     * not_done[], in the order given, and set the counts. */
    NOT_IMPLEMENTED(fs, n, timeout_s, when, done, ndone, not_done, nnot_done,
                    wait_is_over);
}
