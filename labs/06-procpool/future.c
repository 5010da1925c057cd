/*
 * future.c - lab 06: the future a process pool hands back.
 * The API and what each function must do are in procpool.h (Part 2).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "procpool.h"

struct future {
    pthread_mutex_t lock;
    pthread_cond_t settled_cv;   /* broadcast when it becomes FINISHED or CANCELLED */
    enum future_state state;     /* guarded by lock */
    int status;                  /* once settled: PROCPOOL_OK or why it failed */
    void *data;                  /* the result's bytes, owned by the future */
    size_t len;
    atomic_int refs;             /* the caller's and the pool's */
    atomic_int *start;           /* guarded by lock: NULL, or the shared start word
                                    of a task sent to a worker and not settled yet */
};

static bool is_settled(enum future_state state)
{
    return state == FUTURE_FINISHED || state == FUTURE_CANCELLED;
}

struct future *future_new(void)
{
    /* TODO: calloc a future; initialise its mutex, and its condition variable
     * on CLOCK_MONOTONIC (a pthread_condattr_t with pthread_condattr_setclock)
     * to match the deadlines of clock_in(CLOCK_MONOTONIC, s), from clock.h;
     * state PENDING; one reference.  NULL if out of memory. */
    NOT_IMPLEMENTED();
}

void future_retain(struct future *f)
{
    atomic_fetch_add(&f->refs, 1);
}

void future_release(struct future *f)
{
    /* The last reference frees.  acq_rel: every write another holder made
     * before releasing happens before the free. */
    if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
        return;
    pthread_cond_destroy(&f->settled_cv);
    pthread_mutex_destroy(&f->lock);
    free(f->data);
    free(f);
}

bool future_set_sent(struct future *f, atomic_int *start)
{
    /* TODO: under the lock: a PENDING future stays PENDING (the worker, not
     * the pool, decides when it starts) and remembers start; return true.
     * In any other state (CANCELLED) change nothing and return false. */
    NOT_IMPLEMENTED(f, start);
}

/* A PENDING future whose worker has claimed its start word is RUNNING: catch
 * the state up with what the worker did.  Called with f->lock held. */
static void catch_up(struct future *f)
{
    /* TODO: if f is PENDING and has a start word that reads START_STARTED
     * (an atomic load: another process writes it), f is RUNNING now. */
    NOT_IMPLEMENTED(f);
}

void future_finish(struct future *f, int status, void *data, size_t len)
{
    /* TODO: under the lock: if the future is already settled (is_settled),
     * free data and change nothing (the first outcome wins).  Otherwise it
     * becomes FINISHED with status, data and len, forgets its start word
     * (the pool reuses it for another task), and wakes every waiter. */
    NOT_IMPLEMENTED(f, status, data, len, is_settled);
}

int future_result(struct future *f, double timeout_s, const void **data, size_t *len)
{
    /* TODO: wait on the condition variable until the future is settled:
     * forever if timeout_s < 0, else until timeout_s from now (clock_in), and
     * return PROCPOOL_TIMEOUT if it is still not settled then.  Return
     * PROCPOOL_CANCELLED for a cancelled future, else its status; on
     * PROCPOOL_OK fill in *data and *len (either may be NULL: skip it). */
    NOT_IMPLEMENTED(f, timeout_s, data, len);
}

bool future_done(struct future *f)
{
    /* TODO: FINISHED or CANCELLED. */
    NOT_IMPLEMENTED(f);
}

enum future_state future_state(struct future *f)
{
    /* TODO: under the lock, catch_up, then read the state. */
    NOT_IMPLEMENTED(f, catch_up);
}

bool future_cancel(struct future *f)
{
    /* TODO: under the lock, a PENDING future becomes CANCELLED (forget its
     * start word, wake the waiters), but if it was sent ahead only if you
     * first move its start word from START_WAITING to START_CANCELLED in one
     * compare-and-swap: if that fails, its worker has started it.  Then
     * catch_up and return whether it is CANCELLED now. */
    NOT_IMPLEMENTED(f);
}
