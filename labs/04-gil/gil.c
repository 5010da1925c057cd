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
    /* TODO: set the mode; initialise the mutex and both condition variables
     * (the conditions on CLOCK_MONOTONIC, the clock of the deadlines you
     * will wait for: clock_in(CLOCK_MONOTONIC, s), from clock.h); the GIL
     * starts free, with no last holder and no switches; interval
     * GIL_DEFAULT_INTERVAL_S; drop_request false and check_interval
     * GIL_DEFAULT_CHECK_INTERVAL (atomic_init for the atomics). */
    NOT_IMPLEMENTED(g, mode);
}

void gil_destroy(struct gil *g)
{
    /* TODO: destroy what gil_init initialised. */
    NOT_IMPLEMENTED(g);
}

int gil_set_switch_interval(struct gil *g, double seconds)
{
    /* TODO: refuse anything that is not > 0 with EINVAL, leaving the interval
     * as it was (how do you write the test so that NaN is refused too?).
     * Otherwise store it under the mutex - waiters read it under the mutex -
     * and return 0. */
    NOT_IMPLEMENTED(g, seconds);
}

double gil_get_switch_interval(struct gil *g)
{
    /* TODO: read the interval under the mutex. */
    NOT_IMPLEMENTED(g);
}

int gil_set_check_interval(struct gil *g, int ticks)
{
    /* TODO: EINVAL unless ticks >= 1; otherwise store it (atomically) and
     * return 0. */
    NOT_IMPLEMENTED(g, ticks);
}

/* ---- Part 2: taking and dropping the GIL -------------------------------------- */

/* Note who holds the GIL now; a different thread from last time is a switch.
 * Called with the mutex held, right after setting locked. */
static void note_new_holder(struct gil *g, struct gil_thread *me)
{
    /* TODO: if me is not last_holder, make it last_holder and count a
     * switch.  (The mutex is held by the caller.) */
    NOT_IMPLEMENTED(g, me);
}

/* take_gil, CPython 3.2+.  Wait one interval at a time; a wait that times
 * out with no switch meanwhile means the holder has had its interval, so ask
 * it to drop the GIL.  Counting switches is what keeps a waiter that saw the
 * GIL change hands from asking at once: the new holder gets a full interval. */
static void new_gil_take(struct gil *g, struct gil_thread *me)
{
    /* TODO: CPython's take_gil.  Under the mutex, while the GIL is locked:
     * remember switch_number, then wait on `released` until one interval
     * from now (clock_in).  If the wait timed out, the GIL is still locked and no
     * switch happened meanwhile, set drop_request.  Then take the GIL
     * (locked, note_new_holder), clear drop_request - it has been answered -
     * and wake a forced dropper waiting on `switched`. */
    NOT_IMPLEMENTED(g, me, note_new_holder);
}

/* drop_gil, CPython 3.2+, with FORCE_SWITCHING.  A holder dropping on
 * request must not return before another thread has the GIL: on a multicore
 * it would otherwise run straight back into new_gil_take and win the mutex
 * long before the waiter it just woke is even scheduled. */
static void new_gil_drop(struct gil *g, struct gil_thread *me)
{
    /* TODO: CPython's drop_gil.  Under the mutex: unlock the GIL and signal
     * one waiter on `released`.  Forced switching: if a drop was requested,
     * wait on `switched` until last_holder is no longer me - i.e. until
     * another thread has taken the GIL.  Why must a thread NOT wait like this
     * when nobody asked? */
    NOT_IMPLEMENTED(g, me);
}

/* Python 2's GIL: a plain lock.  Whoever gets the mutex first while the
 * GIL is free has it; nothing favours the thread that has waited. */
static void old_gil_take(struct gil *g, struct gil_thread *me)
{
    /* TODO: Python 2's GIL is a plain lock: under the mutex, wait on
     * `released` (no timeout, no request) while the GIL is locked, then take
     * it and note_new_holder. */
    NOT_IMPLEMENTED(g, me);
}

static void old_gil_drop(struct gil *g, struct gil_thread *me)
{
    /* TODO: under the mutex, unlock the GIL and signal one waiter.  No
     * hand-off: nothing waits for anyone to take it. */
    NOT_IMPLEMENTED(g, me);
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
    /* TODO: the eval breaker, called at every back-edge with the GIL held.
     * GIL_NEW: if drop_request is set (a relaxed atomic load: this must be
     * cheap), new_gil_drop then new_gil_take.  GIL_OLD: count a tick in
     * me->ticks; every check_interval ticks, reset it, old_gil_drop and
     * old_gil_take.  No GIL: nothing to do. */
    NOT_IMPLEMENTED(g, me);
}

void gil_begin_allow_threads(struct gil *g, struct gil_thread *me)
{
    /* TODO: Py_BEGIN_ALLOW_THREADS: the thread is about to block in I/O or
     * run C code that touches no Python object.  Let the others run. */
    NOT_IMPLEMENTED(g, me);
}

void gil_end_allow_threads(struct gil *g, struct gil_thread *me)
{
    /* TODO: Py_END_ALLOW_THREADS: back to bytecode, so get the GIL back. */
    NOT_IMPLEMENTED(g, me);
}

/* ---- Part 4: reference counts ------------------------------------------------------ */

/* Without a GIL the increment must be one indivisible read-modify-write
 * (a `lock add` on x86).  Relaxed is enough for an increment: whoever
 * increments already holds a reference, so the object cannot vanish. */
void gil_incref(const struct gil *g, long *refcnt)
{
    /* TODO: add 1 to *refcnt.  In GIL_NONE_ATOMIC, as one atomic
     * read-modify-write (__atomic_fetch_add; relaxed order is enough: the
     * caller already holds a reference).  Otherwise a plain ++. */
    NOT_IMPLEMENTED(g, refcnt);
}

long gil_decref(const struct gil *g, long *refcnt)
{
    /* TODO: subtract 1 and return the value YOUR decrement produced.  In
     * GIL_NONE_ATOMIC use __atomic_sub_fetch with __ATOMIC_ACQ_REL - why is
     * reading *refcnt again after an atomic decrement a double free waiting
     * to happen? */
    NOT_IMPLEMENTED(g, refcnt);
}
