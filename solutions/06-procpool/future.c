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
    struct future *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    /* Deadlines on the monotonic clock: setting the date cannot stretch a timeout. */
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&f->settled_cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&f->lock, NULL);
    f->state = FUTURE_PENDING;
    atomic_init(&f->refs, 1);
    return f;
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
    /* Still PENDING: the worker, not the pool, decides when it runs. */
    pthread_mutex_lock(&f->lock);
    bool pending = f->state == FUTURE_PENDING;
    if (pending)
        f->start = start;
    pthread_mutex_unlock(&f->lock);
    return pending;
}

/* A PENDING future whose worker has claimed its start word is RUNNING: catch
 * the state up with what the worker did.  Called with f->lock held. */
static void catch_up(struct future *f)
{
    if (f->state == FUTURE_PENDING && f->start && atomic_load(f->start) == START_STARTED)
        f->state = FUTURE_RUNNING;
}

void future_finish(struct future *f, int status, void *data, size_t len)
{
    pthread_mutex_lock(&f->lock);
    if (is_settled(f->state)) {
        /* First outcome wins: a result that arrives after the pool broke,
         * or for a cancelled future, is dropped. */
        pthread_mutex_unlock(&f->lock);
        free(data);
        return;
    }
    f->state = FUTURE_FINISHED;
    f->status = status;
    f->data = data;
    f->len = len;
    f->start = NULL;   /* settled: the pool may give the word to another task */
    pthread_cond_broadcast(&f->settled_cv);
    pthread_mutex_unlock(&f->lock);
}

int future_result(struct future *f, double timeout_s, const void **data, size_t *len)
{
    struct timespec deadline = clock_in(CLOCK_MONOTONIC, timeout_s < 0 ? 0 : timeout_s);
    pthread_mutex_lock(&f->lock);
    while (!is_settled(f->state)) {
        if (timeout_s < 0) {
            pthread_cond_wait(&f->settled_cv, &f->lock);
        } else if (pthread_cond_timedwait(&f->settled_cv, &f->lock, &deadline) == ETIMEDOUT &&
                   !is_settled(f->state)) {
            pthread_mutex_unlock(&f->lock);
            return PROCPOOL_TIMEOUT;
        }
    }
    int status = f->state == FUTURE_CANCELLED ? PROCPOOL_CANCELLED : f->status;
    if (data)
        *data = status == PROCPOOL_OK ? f->data : NULL;
    if (len)
        *len = status == PROCPOOL_OK ? f->len : 0;
    pthread_mutex_unlock(&f->lock);
    return status;
}

bool future_done(struct future *f)
{
    return is_settled(future_state(f));
}

enum future_state future_state(struct future *f)
{
    pthread_mutex_lock(&f->lock);
    catch_up(f);
    enum future_state state = f->state;
    pthread_mutex_unlock(&f->lock);
    return state;
}

bool future_cancel(struct future *f)
{
    pthread_mutex_lock(&f->lock);
    /* Sent ahead: the worker's compare-and-swap and ours race for the start
     * word, across processes; the loser sees the winner's value. */
    int waiting = START_WAITING;
    if (f->state == FUTURE_PENDING &&
        (!f->start || atomic_compare_exchange_strong(f->start, &waiting, START_CANCELLED))) {
        f->state = FUTURE_CANCELLED;
        f->start = NULL;
        f->status = PROCPOOL_CANCELLED;
        pthread_cond_broadcast(&f->settled_cv);
    }
    catch_up(f);   /* lost the race: the worker started it */
    bool cancelled = f->state == FUTURE_CANCELLED;
    pthread_mutex_unlock(&f->lock);
    return cancelled;
}
