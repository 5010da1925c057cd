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
    struct future *f = malloc(sizeof *f);
    if (!f) {
        errno = ENOMEM;
        return NULL;
    }
    /* Everything else starts zeroed: no value, no error, no sleepers,
     * callbacks or watchers. */
    *f = (struct future){.lock = PTHREAD_MUTEX_INITIALIZER, .fn = fn, .arg = arg};
    atomic_init(&f->state, FUTURE_PENDING);
    atomic_init(&f->refs, 1);
    return f;
}

void future_retain(struct future *f)
{
    /* Relaxed is enough: whoever passes the new owner the pointer orders it. */
    atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
}

void future_release(struct future *f)
{
    /* The last owner frees.  If the count is 1, we are that owner and nobody
     * else can change it, so the atomic decrement can be skipped: it would
     * stall this thread until the cache line is back from the worker that
     * just let go of it.  Acquire, and acq_rel below: every other owner's
     * last use of f happens before the free. */
    if (atomic_load_explicit(&f->refs, memory_order_acquire) != 1 &&
        atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (struct callback *c = f->callbacks, *next; c; c = next) {   /* never ran */
        next = c->next;
        free(c);
    }
    pthread_mutex_destroy(&f->lock);
    free(f);
}

/* Tell the watcher at the end of link that its future is done (called with
 * the future's lock held). */
static void notify_waiter(struct waiter_link *link, bool failed)
{
    struct waiter *w = link->waiter;
    pthread_mutex_lock(&w->lock);
    w->ndone++;
    w->nfailed += failed;
    w->order[w->norder++] = link;
    pthread_cond_signal(&w->changed);   /* one thread waits on a waiter */
    pthread_mutex_unlock(&w->lock);
}

/* f has just become done (its state is final): wake the threads in
 * future_result, tell every watcher, and hand back the callbacks for the
 * caller to run once it has let go of f->lock.  Called with f->lock held. */
static struct callback *announce_done(struct future *f)
{
    /* Every thread blocked in result() must wake, not just one: each sleeps
     * on its own condition variable, so each gets a signal. */
    for (struct sleeper *s = f->sleepers; s; s = s->next)
        pthread_cond_signal(&s->wake);
    bool failed = state_of(atomic_load(&f->state)) == FUTURE_FINISHED && f->error.code != 0;
    for (struct waiter_link *link = f->waiters; link; link = link->next)
        notify_waiter(link, failed);
    struct callback *to_run = f->callbacks;
    f->callbacks = NULL;
    return to_run;
}

/* Run (and free) callbacks in the order they were added, with no lock held:
 * a callback may call any future function on f, even add another callback. */
static void run_callbacks(struct future *f, struct callback *to_run)
{
    while (to_run) {
        struct callback *next = to_run->next;
        to_run->fn(f, to_run->ctx);
        free(to_run);
        to_run = next;
    }
}

bool future_run(struct future *f)
{
    /* PENDING -> RUNNING in one compare-and-swap (keeping the LISTENED bit).
     * future_cancel tries PENDING -> CANCELLED the same way, so exactly one
     * of them wins.  No lock: nobody waits for a future to start. */
    int word = atomic_load(&f->state);
    do {
        if (state_of(word) != FUTURE_PENDING)
            return false;
    } while (!atomic_compare_exchange_weak(&f->state, &word, (word & LISTENED) | FUTURE_RUNNING));

    struct task_error error = {0, NULL};
    f->value = f->fn(f->arg, &error);
    f->error = error;
    /* Most futures have nobody listening while they run: the caller asks for
     * the result later.  Then one atomic exchange publishes value and error
     * (release: whoever reads FINISHED sees them) and there is nothing to
     * announce.  A listener sets LISTENED under the lock before it checks
     * the state (listen), so either it sees FINISHED or we see its bit. */
    if (!(atomic_exchange_explicit(&f->state, FUTURE_FINISHED, memory_order_acq_rel) & LISTENED))
        return true;
    pthread_mutex_lock(&f->lock);
    struct callback *to_run = announce_done(f);
    pthread_mutex_unlock(&f->lock);
    run_callbacks(f, to_run);
    return true;
}

/* Wait until f is done or timeout_s passes; return its state then. */
static int wait_done(struct future *f, double timeout_s)
{
    /* Fast path, no lock: a done future never changes again. */
    int state = state_of(atomic_load_explicit(&f->state, memory_order_acquire));
    if (is_done(state) || timeout_s == 0)
        return state;

    struct timespec ts;
    const struct timespec *deadline = deadline_in(timeout_s, &ts);
    struct sleeper me;
    monotonic_cond_init(&me.wake);
    pthread_mutex_lock(&f->lock);
    me.next = f->sleepers;
    f->sleepers = &me;
    listen(f);
    /* A while loop, not an if: a wait may end early (a spurious wakeup), and
     * the deadline is absolute, so waiting again only waits for what is left. */
    while (!is_done(atomic_load(&f->state)) &&
           wait_until(&me.wake, &f->lock, deadline) != ETIMEDOUT)
        ;
    /* Unhook before the stack frame that holds `me` goes away. */
    for (struct sleeper **p = &f->sleepers; *p; p = &(*p)->next) {
        if (*p == &me) {
            *p = me.next;
            break;
        }
    }
    state = state_of(atomic_load(&f->state));   /* it may have finished at the deadline */
    pthread_mutex_unlock(&f->lock);
    pthread_cond_destroy(&me.wake);
    return state;
}

int future_result(struct future *f, double timeout_s, void **value, struct task_error *error)
{
    switch (wait_done(f, timeout_s)) {
    case FUTURE_CANCELLED:
        return RESULT_CANCELLED;
    case FUTURE_FINISHED:
        if (f->error.code != 0) {
            if (error)
                *error = f->error;
            return RESULT_ERROR;
        }
        if (value)
            *value = f->value;
        return RESULT_OK;
    default:
        return RESULT_TIMEOUT;
    }
}

int future_exception(struct future *f, double timeout_s, struct task_error *error)
{
    switch (wait_done(f, timeout_s)) {
    case FUTURE_CANCELLED:
        return RESULT_CANCELLED;
    case FUTURE_FINISHED:
        *error = f->error;
        return RESULT_OK;
    default:
        return RESULT_TIMEOUT;
    }
}

enum future_state future_state(struct future *f)
{
    return state_of(atomic_load_explicit(&f->state, memory_order_acquire));
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
    pthread_mutex_lock(&f->lock);
    int word = atomic_load(&f->state);
    do {
        if (state_of(word) != FUTURE_PENDING) {
            pthread_mutex_unlock(&f->lock);
            return state_of(word) == FUTURE_CANCELLED;   /* running or finished: too late */
        }
    } while (!atomic_compare_exchange_weak(&f->state, &word, FUTURE_CANCELLED));
    /* Done now, not when a worker dequeues it: this is where CPython waits
     * for the worker (CANCELLED_AND_NOTIFIED), and where wait() can hang. */
    struct callback *to_run = announce_done(f);
    pthread_mutex_unlock(&f->lock);
    run_callbacks(f, to_run);
    return true;
}

int future_add_done_callback(struct future *f, done_callback fn, void *ctx)
{
    struct callback *c = malloc(sizeof *c);   /* before locking: keep the lock short */
    if (!c)
        return ENOMEM;
    *c = (struct callback){fn, ctx, NULL};

    pthread_mutex_lock(&f->lock);
    if (!is_done(listen(f))) {
        /* Appended at the end: callbacks run in the order they were added.
         * The walk is short (a future has few callbacks), and a pointer to
         * the end would make every future bigger for the few that have any. */
        struct callback **end = &f->callbacks;
        while (*end)
            end = &(*end)->next;
        *end = c;
        pthread_mutex_unlock(&f->lock);
        return 0;
    }
    pthread_mutex_unlock(&f->lock);
    free(c);
    fn(f, ctx);   /* already done: at once, on this thread */
    return 0;
}

/* ---- Part 2: waiting for many futures ------------------------------------------ */

/* Start watching n distinct futures: those already done go to already[] in
 * the order given, the others get a link so that they notify the waiter when
 * they become done.  NULL if memory runs out. */
static struct waiter *watch(struct future *const *fs, size_t n)
{
    struct waiter *w = calloc(1, sizeof *w);
    size_t room = n ? n : 1;
    if (w) {
        w->already = malloc(room * sizeof *w->already);
        w->order = malloc(room * sizeof *w->order);
        w->links = malloc(room * sizeof *w->links);
    }
    if (!w || !w->already || !w->order || !w->links) {
        if (w) {
            free(w->already);
            free(w->order);
            free(w->links);
        }
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    monotonic_cond_init(&w->changed);
    w->watched = n;

    for (size_t i = 0; i < n; i++) {
        struct future *f = fs[i];
        /* Check and link under f's lock: f cannot become done in between, so
         * it is either counted as done here or will notify the waiter. */
        pthread_mutex_lock(&f->lock);
        int state = listen(f);
        pthread_mutex_lock(&w->lock);
        if (is_done(state)) {
            w->already[w->nalready++] = f;
            w->ndone++;
            w->nfailed += state == FUTURE_FINISHED && f->error.code != 0;
        } else {
            struct waiter_link *link = &w->links[w->nlinks++];
            *link = (struct waiter_link){w, f, f->waiters};
            f->waiters = link;
        }
        pthread_mutex_unlock(&w->lock);
        pthread_mutex_unlock(&f->lock);
    }
    return w;
}

/* Take one link off its future's list of watchers (nothing if it is off
 * already).  Called with no waiter lock held: f's lock comes first. */
static void unlink_watcher(struct waiter_link *link)
{
    struct future *f = link->future;
    if (!f)
        return;
    pthread_mutex_lock(&f->lock);
    for (struct waiter_link **p = &f->waiters; *p; p = &(*p)->next) {
        if (*p == link) {
            *p = link->next;
            break;
        }
    }
    link->future = NULL;
    pthread_mutex_unlock(&f->lock);
}

/* Unhook the waiter from every future it watches, then free it. */
static void unwatch(struct waiter *w)
{
    for (size_t i = 0; i < w->nlinks; i++)
        unlink_watcher(&w->links[i]);
    pthread_cond_destroy(&w->changed);
    pthread_mutex_destroy(&w->lock);
    free(w->already);
    free(w->order);
    free(w->links);
    free(w);
}

struct as_completed *as_completed(struct future *const *fs, size_t n, double timeout_s)
{
    struct as_completed *it = calloc(1, sizeof *it);
    if (!it) {
        errno = ENOMEM;
        return NULL;
    }
    /* The deadline is fixed now, not at each call of as_completed_next. */
    it->deadline = deadline_in(timeout_s, &it->deadline_at);
    it->futures = unique_futures(fs, n, &it->n);
    if (it->futures)
        it->waiter = watch(it->futures, it->n);
    if (!it->waiter) {
        free(it->futures);
        free(it);
        errno = ENOMEM;
        return NULL;
    }
    /* Keep each future alive until the iterator hands it out. */
    for (size_t i = 0; i < it->n; i++)
        future_retain(it->futures[i]);
    return it;
}

/* Hand f out (link: how the waiter watches it, NULL if it was done from the
 * start) and let go of it, as CPython does (issue 14406): from now on only
 * the caller's own references keep f alive. */
static struct future *hand_out(struct as_completed *it, struct future *f, struct waiter_link *link)
{
    if (link)
        unlink_watcher(link);
    it->yielded++;
    future_release(f);
    return f;
}

/* The deadline passed with nothing in order[].  A future whose state is
 * already final may not have told the waiter yet (future_run makes the state
 * final, then takes the future's lock to announce it): wait for every
 * announcement that is sure to come, and for any under way, so that a done
 * future is yielded rather than a timeout.  Called with no lock held. */
static void wait_for_announcements(struct waiter *w)
{
    /* Sure to come, or come: the futures done from the start, the links
     * yielded (told, then unlinked), and each linked future whose final word
     * has no LISTENED bit.  A final state is written whole (future_run's
     * exchange, future_cancel's swap), so whoever made it final cleared the
     * bit we set before, saw it, and announces.  A final word with the bit
     * was listened to since: it says nothing, and taking the lock waits out
     * only an announcement already under way.  Never wait for what may not
     * come: a watch that linked a future already done (a bug) must time out
     * and say so. */
    size_t sure = w->nalready;
    for (size_t i = 0; i < w->nlinks; i++) {
        struct future *f = w->links[i].future;
        int word = f ? atomic_load(&f->state) : 0;
        if (!f || (is_done(word) && !(word & LISTENED))) {
            sure++;
        } else if (is_done(word)) {
            pthread_mutex_lock(&f->lock);
            pthread_mutex_unlock(&f->lock);
        }
    }
    pthread_mutex_lock(&w->lock);
    while (w->ndone < sure)
        pthread_cond_wait(&w->changed, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

int as_completed_next(struct as_completed *it, struct future **next)
{
    struct waiter *w = it->waiter;
    *next = NULL;
    if (it->yielded == it->n)
        return RESULT_OK;   /* every future has been handed out */
    if (it->yielded < w->nalready) {   /* those done at the start come first */
        *next = hand_out(it, w->already[it->yielded], NULL);
        return RESULT_OK;
    }
    size_t k = it->yielded - w->nalready;   /* then order[], as futures finish */
    pthread_mutex_lock(&w->lock);
    while (k >= w->norder && wait_until(&w->changed, &w->lock, it->deadline) != ETIMEDOUT)
        ;
    if (k >= w->norder) {
        /* Finished futures come before the deadline, as in CPython. */
        pthread_mutex_unlock(&w->lock);
        wait_for_announcements(w);
        pthread_mutex_lock(&w->lock);
    }
    struct waiter_link *link = k < w->norder ? w->order[k] : NULL;
    pthread_mutex_unlock(&w->lock);
    if (!link)
        return RESULT_TIMEOUT;
    *next = hand_out(it, link->future, link);
    return RESULT_OK;
}

/* Release the futures not yet yielded, stop watching, free the iterator. */
void as_completed_free(struct as_completed *it)
{
    if (!it)
        return;
    struct waiter *w = it->waiter;
    /* Release what was never yielded: already[] from it->yielded on, and
     * every future still linked (yield unlinks what it hands out). */
    for (size_t i = it->yielded; i < w->nalready; i++)
        future_release(w->already[i]);
    for (size_t i = 0; i < w->nlinks; i++) {
        struct future *f = w->links[i].future;
        if (f) {
            unlink_watcher(&w->links[i]);
            future_release(f);
        }
    }
    unwatch(w);
    free(it->futures);
    free(it);
}

/* Has futures_wait's condition been met?  Called with w->lock held. */
static bool wait_is_over(const struct waiter *w, enum return_when when)
{
    switch (when) {
    case FIRST_COMPLETED:
        return w->ndone > 0 || w->watched == 0;
    case FIRST_EXCEPTION:
        return w->nfailed > 0 || w->ndone == w->watched;
    default:
        return w->ndone == w->watched;
    }
}

int futures_wait(struct future *const *fs, size_t n, double timeout_s, enum return_when when,
                 struct future **done, size_t *ndone, struct future **not_done,
                 size_t *nnot_done)
{
    if (when != FIRST_COMPLETED && when != FIRST_EXCEPTION && when != ALL_COMPLETED)
        return EINVAL;
    struct timespec ts;
    const struct timespec *deadline = deadline_in(timeout_s, &ts);
    size_t m;
    struct future **unique = unique_futures(fs, n, &m);
    struct waiter *w = unique ? watch(unique, m) : NULL;
    if (!w) {
        free(unique);
        return ENOMEM;
    }

    pthread_mutex_lock(&w->lock);
    while (!wait_is_over(w, when) && wait_until(&w->changed, &w->lock, deadline) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&w->lock);
    unwatch(w);

    /* A timeout is not an error: the two sets simply say where things stand. */
    *ndone = *nnot_done = 0;
    for (size_t i = 0; i < m; i++) {
        if (future_done(unique[i]))
            done[(*ndone)++] = unique[i];
        else
            not_done[(*nnot_done)++] = unique[i];
    }
    free(unique);
    return 0;
}
