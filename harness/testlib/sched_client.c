/*
 * sched_client.c - the scheduler as the interception layer's second client
 * (intercept.h; the tracker, track.c, is the first).  While a schedule run
 * controls the calling thread (sched_controls), each call below is the
 * scheduler's: it models the call (INTERCEPT_MODELLED, making whatever real
 * call ThreadSanitizer must see itself, sched_calls.c), or, for a thread's
 * start and end and a join, waits for its turn and lets the layer make the
 * real call.  Otherwise every hook says INTERCEPT_CALL and costs a test.
 *
 * The tracker comes first (a client that models calls goes last, however
 * early it registers): it notes each call before the scheduler parks the
 * thread, and its after() still runs when the scheduler models a call, so
 * its tables stay true.  The runner attaches the scheduler once, before any
 * test starts a thread: the layer reads its clients without a lock.
 */
#include <errno.h>

#include "intercept.h"
#include "scheduler.h"

#define MODEL(expr)                   \
    do {                              \
        if (!sched_controls())        \
            return INTERCEPT_CALL;    \
        c->result = (expr);           \
        c->err = errno;               \
        return INTERCEPT_MODELLED;    \
    } while (0)

static int on_create(struct icall *c)
{
    if (sched_controls())
        c->token[c->client] = sched_create_begin(c->start, c->at);
    return INTERCEPT_CALL;
}

static void created(struct icall *c)
{
    if (c->token[c->client])
        sched_create_end(c->token[c->client], (int)c->result, c->thread);
}

static int on_begin(struct icall *c)
{
    if (c->token[c->client])
        sched_thread_begin(c->token[c->client]);
    return INTERCEPT_CALL;
}

static int on_end(struct icall *c)
{
    (void)c;
    sched_thread_end();
    return INTERCEPT_CALL;
}

/* The join waits for its turn and for the thread to end; the layer joins. */
static int on_join(struct icall *c)
{
    if (sched_controls())
        sched_join_wait(c->thread, c->at);
    return INTERCEPT_CALL;
}

static int on_lock(struct icall *c) { MODEL(sched_mutex_lock(c->object, c->at)); }
static int on_trylock(struct icall *c) { MODEL(sched_mutex_trylock(c->object, c->at)); }
static int on_timedlock(struct icall *c) { MODEL(sched_mutex_timedlock(c->object, c->deadline, c->at)); }
static int on_unlock(struct icall *c) { MODEL(sched_mutex_unlock(c->object, c->at)); }
static int on_wait(struct icall *c) { MODEL(sched_cond_wait(c->object, c->mutex, c->at)); }
static int on_timedwait(struct icall *c) { MODEL(sched_cond_timedwait(c->object, c->mutex, c->deadline, c->at)); }
static int on_signal(struct icall *c) { MODEL(sched_cond_signal(c->object, c->at)); }
static int on_broadcast(struct icall *c) { MODEL(sched_cond_broadcast(c->object, c->at)); }
static int on_barrier(struct icall *c) { MODEL(sched_barrier_wait(c->object, c->at)); }
static int on_sem_wait(struct icall *c) { MODEL(sched_sem_wait(c->object, NULL, c->at)); }
static int on_sem_timedwait(struct icall *c) { MODEL(sched_sem_wait(c->object, c->deadline, c->at)); }
static int on_sem_post(struct icall *c) { MODEL(sched_sem_post(c->object, c->at)); }
static int on_sleep(struct icall *c) { MODEL(sched_sleep(c->timeout_ns, c->at)); }
static int on_fork(struct icall *c) { MODEL(sched_fork(c->at)); }
static int on_yield(struct icall *c) { MODEL(sched_yield_now(c->at)); }

/* Wall and monotonic clocks read the run's virtual time; CPU-time clocks
 * stay real (nothing waits on them). */
static int on_clock(struct icall *c)
{
    clockid_t k = c->clock;
    if (k != CLOCK_REALTIME && k != CLOCK_MONOTONIC && k != CLOCK_REALTIME_COARSE &&
        k != CLOCK_MONOTONIC_COARSE && k != CLOCK_MONOTONIC_RAW && k != CLOCK_BOOTTIME)
        return INTERCEPT_CALL;
    MODEL(sched_clock_gettime(k, c->now));
}

static const struct intercept_client scheduler = {
    .before = {
        [IC_CREATE] = on_create, [IC_BEGIN] = on_begin, [IC_END] = on_end,
        [IC_JOIN] = on_join, [IC_LOCK] = on_lock, [IC_TRYLOCK] = on_trylock,
        [IC_TIMEDLOCK] = on_timedlock, [IC_UNLOCK] = on_unlock, [IC_COND_WAIT] = on_wait,
        [IC_COND_TIMEDWAIT] = on_timedwait, [IC_SIGNAL] = on_signal,
        [IC_BROADCAST] = on_broadcast, [IC_BARRIER_WAIT] = on_barrier,
        [IC_SEM_WAIT] = on_sem_wait, [IC_SEM_TIMEDWAIT] = on_sem_timedwait,
        [IC_SEM_POST] = on_sem_post, [IC_SLEEP] = on_sleep, [IC_FORK] = on_fork,
        [IC_YIELD] = on_yield, [IC_CLOCK] = on_clock,
    },
    .after = {[IC_CREATE] = created},
    .models = true,
};

bool sched_attach(void)
{
    return intercept_register(&scheduler);
}
