/*
 * helpers.h - what lab 03's test files share.
 *
 * How these tests avoid sleeping and hoping:
 *  - threads start together at a gate or start line the test opens;
 *  - "is it blocked?" is asked of the kernel: a call under test runs on its
 *    own thread (testkit.h's watched_call), and the test waits until /proc
 *    says that thread is asleep (state S) in ten polls in a row.  Only then
 *    does it act (put, close, arrive), so the waiter is really inside
 *    pthread_cond_wait;
 *  - "did it wake?" has a deadline of 2 s, for an event that takes
 *    microseconds;
 *  - races are amplified with more threads than cores, many iterations and
 *    extra wakeups, and the ThreadSanitizer pass turns a missing lock into a
 *    certain failure instead of a likely one.
 */
#ifndef MUTEXES_TEST_HELPERS_H
#define MUTEXES_TEST_HELPERS_H

#include "lab_test.h"
#include "mutexes.h"
#include "testkit.h"

/* ---- the calls a watched thread makes ------------------------------------ */

static inline long op_transfer(struct watched_call *c)
{
    return bank_transfer(c->target, (int)c->arg, (int)c->arg2, c->arg3);
}

static inline long op_put(struct watched_call *c) { return buffer_put(c->target, c->arg); }

static inline long op_get(struct watched_call *c)
{
    long item = -1;
    enum buffer_status status = buffer_get(c->target, &item);
    c->out = item;
    return status;
}

static inline long op_barrier(struct watched_call *c) { return barrier_wait(c->target); }

/* ---- extra wakeups, which POSIX allows at any time ----------------------- */

/* A thread that broadcasts condition variables it does not own, every
 * 0.2 ms.  Correct code must not care: pthread_cond_wait may return
 * without a signal ("spurious wakeup"), so every wait sits in a while loop
 * that checks its condition again. */
struct waker {
    pthread_t thread;
    pthread_cond_t *cvs[2];
    int ncvs;
    atomic_bool stop;
};

static inline void *wake_spuriously(void *p)
{
    struct waker *w = p;
    while (!atomic_load(&w->stop)) {
        for (int i = 0; i < w->ncvs; i++)
            pthread_cond_broadcast(w->cvs[i]);
        sleep_s(0.0002);
    }
    return NULL;
}

static inline void waker_start(struct waker *w, pthread_cond_t *a, pthread_cond_t *b)
{
    w->cvs[0] = a, w->cvs[1] = b;
    w->ncvs = b ? 2 : 1;
    atomic_init(&w->stop, false);
    ck_assert_int_eq(pthread_create(&w->thread, NULL, wake_spuriously, w), 0);
}

static inline void waker_stop(struct waker *w)
{
    atomic_store(&w->stop, true);
    pthread_join(w->thread, NULL);
}

static inline const char *transfer_name(long status)
{
    switch (status) {
    case TRANSFER_OK: return "TRANSFER_OK";
    case TRANSFER_NO_SUCH_ACCOUNT: return "TRANSFER_NO_SUCH_ACCOUNT";
    case TRANSFER_BAD_AMOUNT: return "TRANSFER_BAD_AMOUNT";
    case TRANSFER_SAME_ACCOUNT: return "TRANSFER_SAME_ACCOUNT";
    case TRANSFER_INSUFFICIENT_FUNDS: return "TRANSFER_INSUFFICIENT_FUNDS";
    default: return "a status that is not in the enum";
    }
}

static inline const char *buffer_name(long status)
{
    switch (status) {
    case BUFFER_OK: return "BUFFER_OK";
    case BUFFER_CLOSED: return "BUFFER_CLOSED";
    default: return "a status that is not in the enum";
    }
}

#endif
