/*
 * gil.h - lab 04: a Global Interpreter Lock, built the way CPython builds it.
 *
 * A small bytecode interpreter is given (support/interp.h).  Like CPython it
 * asks a GIL for permission to run, checks at every loop back-edge whether it
 * should let another thread in, and releases the GIL around blocking I/O and
 * native calls.  You implement that GIL in gil.c, in four modes:
 *
 *   GIL_NEW          CPython since 3.2 (Python/ceval_gil.c): a waiter waits one
 *                    switch interval, then asks the holder to drop the GIL; the
 *                    holder drops at its next check and waits until another
 *                    thread has taken it ("forced switching").
 *   GIL_OLD          Python 2: the holder releases and at once re-acquires the
 *                    GIL every check_interval ticks.  Nobody asks, nobody waits
 *                    for a hand-over.
 *   GIL_NONE_ATOMIC  no GIL at all: threads really run in parallel, so
 *                    reference counts must be updated with atomic operations.
 *   GIL_NONE_UNSAFE  no GIL and plain reference counts: wrong on purpose.  The
 *                    test seed_000_refcounts_need_the_gil and the bench use it
 *                    to show the corruption the GIL prevents (take nothing,
 *                    and leave `locked` false).
 *
 * This header is given and is the one the grader compiles against.
 */
#ifndef GIL_H
#define GIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "todo.h"   /* NOT_IMPLEMENTED(): how the skeleton's bodies fail */

enum gil_mode { GIL_NEW, GIL_OLD, GIL_NONE_ATOMIC, GIL_NONE_UNSAFE };

#define GIL_DEFAULT_INTERVAL_S 0.005   /* sys.getswitchinterval() in CPython */
#define GIL_DEFAULT_CHECK_INTERVAL 100 /* sys.getcheckinterval() in Python 2 */

/* What the GIL knows about one interpreter thread (CPython's PyThreadState,
 * as far as the GIL cares).  The interpreter gives each of its threads one;
 * its address is the thread's identity. */
struct gil_thread {
    int ticks;   /* GIL_OLD: checks since this thread last released the GIL */
};

struct gil {
    enum gil_mode mode;

    pthread_mutex_t mutex;       /* guards every plain field below */
    pthread_cond_t released;     /* signalled when the GIL becomes free */
    pthread_cond_t switched;     /* signalled when a thread takes the GIL */
    bool locked;                 /* the GIL itself: is some thread holding it? */
    const struct gil_thread *last_holder;   /* the thread that took it last */
    unsigned long switch_number; /* times the GIL went to a different thread */
    double interval_s;           /* the switch interval (GIL_NEW) */

    /* Set by a waiter whose wait of one interval timed out with no switch
     * meanwhile; read by the holder at every check, without the mutex (that
     * is why it is atomic).  Cleared when a thread takes the GIL. */
    atomic_bool drop_request;

    /* GIL_OLD: release and re-acquire every this many ticks.  The holder
     * reads it at every tick, without the mutex. */
    atomic_int check_interval;
};

/* ---- Part 1: setting up ------------------------------------------------- */

/* Initialise g for the given mode: the GIL is free, nobody has held it, no
 * switches yet, interval GIL_DEFAULT_INTERVAL_S, check interval
 * GIL_DEFAULT_CHECK_INTERVAL.  Timed waits use CLOCK_MONOTONIC. */
void gil_init(struct gil *g, enum gil_mode mode);

/* Free what gil_init set up.  No thread may hold or wait for g. */
void gil_destroy(struct gil *g);

/*   sys.setswitchinterval(0.001)         gil_set_switch_interval(g, 0.001)
 *   sys.getswitchinterval()              gil_get_switch_interval(g)
 * Returns 0, or EINVAL (interval unchanged) unless seconds > 0: like
 * Python's "ValueError: switch interval must be strictly positive".  NaN is
 * not > 0.  Safe to call while threads run. */
int gil_set_switch_interval(struct gil *g, double seconds);
double gil_get_switch_interval(struct gil *g);

/* GIL_OLD's sys.setcheckinterval(n): returns 0, or EINVAL unless ticks >= 1. */
int gil_set_check_interval(struct gil *g, int ticks);

/* ---- Part 2: taking and dropping the GIL -------------------------------- */

/* Block until the calling thread, `me`, holds the GIL (take_gil).  In the
 * no-GIL modes, return at once. */
void gil_acquire(struct gil *g, struct gil_thread *me);

/* Give the GIL up (drop_gil).  GIL_NEW: if a drop was requested, do not
 * return before another thread has taken the GIL. */
void gil_release(struct gil *g, struct gil_thread *me);

/* ---- Part 3: the eval loop's side --------------------------------------- */

/* Called by the interpreter at every loop back-edge and every call, with
 * the GIL held; one call is one "tick".  GIL_NEW: if a drop was requested,
 * release and re-acquire.  GIL_OLD: every check_interval ticks, release and
 * re-acquire.  Returns with the GIL held again. */
void gil_check(struct gil *g, struct gil_thread *me);

/* Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS: the interpreter calls these
 * around blocking I/O and native calls, so other threads run meanwhile. */
void gil_begin_allow_threads(struct gil *g, struct gil_thread *me);
void gil_end_allow_threads(struct gil *g, struct gil_thread *me);

/* ---- Part 4: reference counts ------------------------------------------- */

/* Py_INCREF and Py_DECREF on an object's reference count.  gil_decref
 * returns the count after its own decrement (0: free the object).  With a
 * GIL, plain updates are safe; without one they must be atomic. */
void gil_incref(const struct gil *g, long *refcnt);
long gil_decref(const struct gil *g, long *refcnt);

#endif
