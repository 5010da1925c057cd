/*
 * gil.c - lab 04: a Global Interpreter Lock, built the way CPython builds it.
 * The API and what each function must do are in gil.h; the interpreter that
 * calls these functions is in support/interp.c.
 */
#include <errno.h>
#include <time.h>

#include "clock.h"
#include "gil.h"

/* ---- Part 1: setting up ---------------------------------------------------- */

void gil_init(struct gil *g, enum gil_mode mode)
{
    pthread_condattr_t attr;
    g->mode = mode;
    pthread_mutex_init(&g->mutex, NULL);
    /* Waits are measured on the monotonic clock: setting the date must not
     * stretch or shrink a switch interval. */
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&g->released, &attr);
    pthread_cond_init(&g->switched, &attr);
    pthread_condattr_destroy(&attr);
    g->locked = false;
    g->last_holder = NULL;
    g->switch_number = 0;
    g->interval_s = GIL_DEFAULT_INTERVAL_S;
    atomic_init(&g->drop_request, false);
    atomic_init(&g->check_interval, GIL_DEFAULT_CHECK_INTERVAL);
}

void gil_destroy(struct gil *g)
{
    pthread_cond_destroy(&g->switched);
    pthread_cond_destroy(&g->released);
    pthread_mutex_destroy(&g->mutex);
}

int gil_set_switch_interval(struct gil *g, double seconds)
{
    /* Written so that NaN fails too: every comparison with NaN is false. */
    if (!(seconds > 0))
        return EINVAL;
    pthread_mutex_lock(&g->mutex);
    g->interval_s = seconds;   /* waiters read it under the mutex */
    pthread_mutex_unlock(&g->mutex);
    return 0;
}

double gil_get_switch_interval(struct gil *g)
{
    pthread_mutex_lock(&g->mutex);
    double seconds = g->interval_s;
    pthread_mutex_unlock(&g->mutex);
    return seconds;
}

int gil_set_check_interval(struct gil *g, int ticks)
{
    if (ticks < 1)
        return EINVAL;
    atomic_store_explicit(&g->check_interval, ticks, memory_order_relaxed);
    return 0;
}

/* ---- Part 2: taking and dropping the GIL -------------------------------------- */

/* Note who holds the GIL now; a different thread from last time is a switch.
 * Called with the mutex held, right after setting locked. */
static void note_new_holder(struct gil *g, struct gil_thread *me)
{
    if (g->last_holder != me) {
        g->last_holder = me;
        g->switch_number++;
    }
}

/* take_gil, CPython 3.2+.  Wait one interval at a time; a wait that times
 * out with no switch meanwhile means the holder has had its interval, so ask
 * it to drop the GIL.  Counting switches is what keeps a waiter that saw the
 * GIL change hands from asking at once: the new holder gets a full interval. */
static void new_gil_take(struct gil *g, struct gil_thread *me)
{
    pthread_mutex_lock(&g->mutex);
    while (g->locked) {
        unsigned long switches_before = g->switch_number;
        struct timespec deadline = clock_in(CLOCK_MONOTONIC, g->interval_s);
        int rc = pthread_cond_timedwait(&g->released, &g->mutex, &deadline);
        if (rc == ETIMEDOUT && g->locked && g->switch_number == switches_before)
            atomic_store_explicit(&g->drop_request, true, memory_order_relaxed);
    }
    g->locked = true;
    note_new_holder(g, me);
    /* Whoever asked, the request is answered: a thread has just taken the GIL. */
    atomic_store_explicit(&g->drop_request, false, memory_order_relaxed);
    pthread_cond_broadcast(&g->switched);   /* a forced dropper waits for this */
    pthread_mutex_unlock(&g->mutex);
}

/* drop_gil, CPython 3.2+, with FORCE_SWITCHING.  A holder dropping on
 * request must not return before another thread has the GIL: on a multicore
 * it would otherwise run straight back into new_gil_take and win the mutex
 * long before the waiter it just woke is even scheduled. */
static void new_gil_drop(struct gil *g, struct gil_thread *me)
{
    pthread_mutex_lock(&g->mutex);
    g->locked = false;
    pthread_cond_signal(&g->released);
    if (atomic_load_explicit(&g->drop_request, memory_order_relaxed)) {
        /* A request means a waiter exists, so this wait ends.  (CPython uses
         * a second mutex here; one is enough and simpler.) */
        while (g->last_holder == me)
            pthread_cond_wait(&g->switched, &g->mutex);
    }
    pthread_mutex_unlock(&g->mutex);
}

/* Python 2's GIL: a plain lock.  Whoever gets the mutex first while the
 * GIL is free has it; nothing favours the thread that has waited. */
static void old_gil_take(struct gil *g, struct gil_thread *me)
{
    pthread_mutex_lock(&g->mutex);
    while (g->locked)
        pthread_cond_wait(&g->released, &g->mutex);
    g->locked = true;
    note_new_holder(g, me);
    pthread_mutex_unlock(&g->mutex);
}

static void old_gil_drop(struct gil *g, struct gil_thread *me)
{
    (void)me;
    pthread_mutex_lock(&g->mutex);
    g->locked = false;
    pthread_cond_signal(&g->released);
    pthread_mutex_unlock(&g->mutex);
}

void gil_acquire(struct gil *g, struct gil_thread *me)
{
    switch (g->mode) {
    case GIL_NEW: new_gil_take(g, me); break;
    case GIL_OLD: old_gil_take(g, me); break;
    default: break;   /* no GIL: nothing to take */
    }
}

void gil_release(struct gil *g, struct gil_thread *me)
{
    switch (g->mode) {
    case GIL_NEW: new_gil_drop(g, me); break;
    case GIL_OLD: old_gil_drop(g, me); break;
    default: break;
    }
}

/* ---- Part 3: the eval loop's side ------------------------------------------------ */

void gil_check(struct gil *g, struct gil_thread *me)
{
    if (g->mode == GIL_NEW) {
        /* A relaxed load: this runs at every back-edge and must cost next to
         * nothing; the mutex inside drop and take orders everything else. */
        if (atomic_load_explicit(&g->drop_request, memory_order_relaxed)) {
            new_gil_drop(g, me);
            new_gil_take(g, me);
        }
    } else if (g->mode == GIL_OLD) {
        if (++me->ticks >= atomic_load_explicit(&g->check_interval, memory_order_relaxed)) {
            me->ticks = 0;
            old_gil_drop(g, me);   /* "other threads may run now" ... */
            old_gil_take(g, me);   /* ... but on a multicore this one usually wins */
        }
    }
}

void gil_begin_allow_threads(struct gil *g, struct gil_thread *me)
{
    gil_release(g, me);
}

void gil_end_allow_threads(struct gil *g, struct gil_thread *me)
{
    gil_acquire(g, me);
}

/* ---- Part 4: reference counts ------------------------------------------------------ */

/* Without a GIL the increment must be one indivisible read-modify-write
 * (a `lock add` on x86).  Relaxed is enough for an increment: whoever
 * increments already holds a reference, so the object cannot vanish. */
void gil_incref(const struct gil *g, long *refcnt)
{
    if (g->mode == GIL_NONE_ATOMIC)
        __atomic_fetch_add(refcnt, 1, __ATOMIC_RELAXED);
    else
        ++*refcnt;   /* the GIL (or, in GIL_NONE_UNSAFE, nothing) protects it */
}

long gil_decref(const struct gil *g, long *refcnt)
{
    /* Return the value our own decrement produced, never a fresh read: two
     * threads reading after both decremented would both see 0 and both free.
     * Acquire-release, so whoever frees sees every other thread's last use. */
    if (g->mode == GIL_NONE_ATOMIC)
        return __atomic_sub_fetch(refcnt, 1, __ATOMIC_ACQ_REL);
    return --*refcnt;
}
