/*
 * sched_calls.c - each pthread call under the scheduler: announce it (a
 * point, where another thread may be chosen to run first), perform it once
 * the model says it cannot block, and log the step.
 *
 * A real call is still made wherever ThreadSanitizer learns ordering from
 * one: a mutex is really locked and unlocked (a condition wait is an unlock
 * and a lock), a semaphore really posted and taken, a thread really joined.
 * What the model replaces, it replaces in full: a condition variable is
 * never really waited on or signalled (the scheduler decides who wakes,
 * spurious wakeups included), nobody really sleeps, and a barrier is the
 * model's, with ThreadSanitizer told of its ordering (__tsan_release and
 * __tsan_acquire, present only in its runtime).
 *
 * Spinning: a thread that yields, that loads an atomic again with nobody
 * having stored to it since, or whose trylock fails again with nobody having
 * unlocked, is spinning: it drops to the lowest priority, and the clock may
 * move on while only spinners can run.
 */
#include <errno.h>
#include <string.h>

#include "sched_atomic.h"
#include "sched_int.h"

_Static_assert(SCHED_ATOMIC_LOAD == OP_LOAD && SCHED_ATOMIC_STORE == OP_STORE &&
                   SCHED_ATOMIC_RMW == OP_RMW, "sched_atomic.h's kinds are sched_record.h's");

int __real_pthread_mutex_lock(pthread_mutex_t *);
int __real_pthread_mutex_trylock(pthread_mutex_t *);
int __real_pthread_mutex_unlock(pthread_mutex_t *);
int __real_sem_post(sem_t *);
pid_t __real_fork(void);
void __tsan_acquire(void *addr) __attribute__((weak));
void __tsan_release(void *addr) __attribute__((weak));

/* ---- spinning ---------------------------------------------------------------- */

/* Before a point: is t about to load again something it loaded a moment
 * ago, which nobody has changed since?  Two such loads in a row, with no
 * other act between (a busy-wait on a flag, an eval loop polling its
 * flags): it is spinning. */
static void note_look(struct sthread *t, const volatile void *addr, uint32_t version)
{
    int i = 0;
    while (i < SCHED_LOOKS && t->looked[i] && t->looked[i] != addr)
        i++;
    bool again = i < SCHED_LOOKS && t->looked[i] == addr && t->looked_version[i] == version;
    if (!again) {
        t->repeats = 0;
        if (i == SCHED_LOOKS)   /* full: forget the oldest */
            memmove(t->looked, t->looked + 1, (SCHED_LOOKS - 1) * sizeof *t->looked),
            memmove(t->looked_version, t->looked_version + 1,
                    (SCHED_LOOKS - 1) * sizeof *t->looked_version),
            i = SCHED_LOOKS - 1;
        t->looked[i] = addr;
        t->looked_version[i] = version;
    }
    t->repeats = again ? t->repeats + 1 : 0;
    bool spinning = t->repeats >= SCHED_SPIN_REPEATS;
    if (spinning && !t->spinning)
        pct_lower(t);
    else if (!spinning && t->spinning)
        pct_restore(t);
    t->spinning = spinning;
}

/* t does something other than look: whatever it spun on, it has moved on. */
static void note_act(struct sthread *t)
{
    pct_restore(t);
    t->spinning = 0;
    t->repeats = 0;
    memset(t->looked, 0, sizeof t->looked);
}

/* addr changed: threads spinning on it will see something new, so they
 * stop spinning and get their priority back (else a polling loop, such as
 * an eval loop's, would stay below every other thread for good). */
static void changed(struct sobject *o)
{
    o->version++;
    for (int i = 0; i < sched_run.nthreads; i++)
        for (int k = 0; k < SCHED_LOOKS; k++)
            if (sched_run.threads[i].looked[k] == o->addr) {
                pct_restore(&sched_run.threads[i]);
                sched_run.threads[i].spinning = 0;
            }
}

/* t's next act: op (on addr, if any) from at.  Whatever t spun on, it has
 * moved on; then the point, where another thread may be chosen to go first. */
static void act(struct sthread *t, int op, void *addr, void *at)
{
    note_act(t);
    sched_point(t, op, addr, NULL, at, NULL, 0);
}

/* The same for an act on one of the model's objects: addr, of kind ('m'utex,
 * 'c'ondition variable, 'b'arrier, 's'emaphore); its model. */
static struct sobject *act_on(struct sthread *t, int op, void *addr, int kind, void *at)
{
    struct sobject *o = model_object(addr, kind);
    act(t, op, addr, at);
    return o;
}

/* ---- mutexes ------------------------------------------------------------------- */

static bool free_for(const struct sobject *m, const struct sthread *t)
{
    return m->holder < 0 || (m->holder == t->id && m->type == PTHREAD_MUTEX_RECURSIVE);
}

static void take(struct sobject *m, struct sthread *t, pthread_mutex_t *mutex)
{
    if (m->holder == t->id) {
        m->count++;
    } else {
        m->holder = t->id;
        m->count = 1;
    }
    __real_pthread_mutex_lock(mutex);   /* free in the model: it cannot block */
}

static int lock_until(pthread_mutex_t *mutex, long long until, void *at)
{
    struct sthread *t = sched_self();
    struct sobject *m = model_object(mutex, 'm');
    note_act(t);
    if (m->holder == t->id && m->type == PTHREAD_MUTEX_ERRORCHECK)
        return EDEADLK;
    t->until = until;
    sched_point(t, OP_LOCK, mutex, NULL, at, NULL, 0);
    t->until = -1;
    if (!free_for(m, t)) {   /* only a timed lock gets here: it timed out */
        sched_log(t, SF_FAILED, SCHED_NOBODY);
        return ETIMEDOUT;
    }
    take(m, t, mutex);
    sched_log(t, 0, SCHED_NOBODY);
    return 0;
}

int sched_mutex_lock(pthread_mutex_t *mutex, void *at)
{
    return lock_until(mutex, -1, at);
}

int sched_mutex_timedlock(pthread_mutex_t *mutex, const struct timespec *deadline, void *at)
{
    long long until = model_virtual(CLOCK_REALTIME, deadline);
    return lock_until(mutex, until < sched_run.now ? sched_run.now : until, at);
}

int sched_mutex_trylock(pthread_mutex_t *mutex, void *at)
{
    struct sthread *t = sched_self();
    struct sobject *m = model_object(mutex, 'm');
    note_look(t, mutex, m->version);
    sched_point(t, OP_TRYLOCK, mutex, NULL, at, NULL, 0);
    if (!free_for(m, t)) {
        sched_log(t, SF_FAILED | (t->spinning ? SF_SPIN : 0), SCHED_NOBODY);
        return EBUSY;
    }
    note_act(t);
    take(m, t, mutex);
    sched_log(t, 0, SCHED_NOBODY);
    return 0;
}

int sched_mutex_unlock(pthread_mutex_t *mutex, void *at)
{
    struct sthread *t = sched_self();
    struct sobject *m = act_on(t, OP_UNLOCK, mutex, 'm', at);
    if (m->holder == t->id && --m->count <= 0) {
        m->holder = -1;
        m->count = 0;
    }
    changed(m);
    int err = __real_pthread_mutex_unlock(mutex);
    sched_log(t, 0, SCHED_NOBODY);
    return err;
}

/* ---- condition variables --------------------------------------------------------- */

static int wait_until(pthread_cond_t *cond, pthread_mutex_t *mutex, long long until, void *at)
{
    struct sthread *t = sched_self();
    struct sobject *m = model_object(mutex, 'm');
    model_object(cond, 'c');
    note_act(t);
    sched_point(t, OP_WAIT, cond, mutex, at, NULL, 0);
    if (m->holder == t->id) {
        m->holder = -1;
        m->count = 0;
    }
    changed(m);
    __real_pthread_mutex_unlock(mutex);
    t->woke = WOKE_NO;
    t->woken_by = SCHED_NOBODY;
    t->until = until;
    t->wait_from = (uint32_t)sched_log(t, 0, SCHED_NOBODY);   /* the wait began here */
    t->spurious_at = pct_spurious((int)t->wait_from);
    sched_point(t, OP_WOKEN, cond, mutex, at, NULL, 0);   /* until woken, and the mutex free */
    int woke = t->woke;
    t->until = -1;
    t->woke = WOKE_NO;
    take(m, t, mutex);
    sched_log(t, woke == WOKE_TIMEOUT ? SF_FAILED : woke == WOKE_SPURIOUS ? SF_SPURIOUS : 0,
              t->woken_by);
    return woke == WOKE_TIMEOUT ? ETIMEDOUT : 0;
}

int sched_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex, void *at)
{
    return wait_until(cond, mutex, -1, at);
}

int sched_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                         const struct timespec *deadline, void *at)
{
    /* glibc keeps the clock in bit 1 of __wrefs (0 realtime, 1 monotonic). */
    clockid_t clock = (cond->__data.__wrefs >> 1) & 1 ? CLOCK_MONOTONIC : CLOCK_REALTIME;
    long long until = model_virtual(clock, deadline);
    return wait_until(cond, mutex, until < sched_run.now ? sched_run.now : until, at);
}

/* Wake one waiter (the strategy picks which) or all of them. */
static int wake(pthread_cond_t *cond, int op, void *at)
{
    struct sthread *t = sched_self();
    struct sobject *c = act_on(t, op, cond, 'c', at);
    int ids[SCHED_MAX_THREADS], n = model_cond_waiters(c, ids, SCHED_MAX_THREADS);
    int first = n ? (op == OP_SIGNAL ? (int)pct_random((uint32_t)n) : 0) : 0;
    int last = op == OP_SIGNAL ? first + (n > 0) : n;
    for (int i = first; i < last; i++) {
        sched_run.threads[ids[i]].woke = WOKE_SIGNAL;
        sched_run.threads[ids[i]].woken_by = t->id;
    }
    sched_log(t, 0, op == OP_SIGNAL ? (n ? ids[first] : SCHED_NOBODY) : n);
    return 0;
}

int sched_cond_signal(pthread_cond_t *cond, void *at)
{
    return wake(cond, OP_SIGNAL, at);
}

int sched_cond_broadcast(pthread_cond_t *cond, void *at)
{
    return wake(cond, OP_BROADCAST, at);
}

/* ---- threads ------------------------------------------------------------------------ */

void sched_join_wait(pthread_t handle, void *at)
{
    struct sthread *t = sched_self();
    int target = -1;
    for (int i = sched_run.nthreads - 1; i > 0 && target < 0; i--)
        if (!sched_run.threads[i].joined && pthread_equal(sched_run.threads[i].handle, handle))
            target = i;
    if (target < 0)   /* not one of this run's threads */
        return;
    t->join_target = target;
    act(t, OP_JOIN, NULL, at);
    sched_run.threads[target].joined = 1;
    sched_log(t, 0, target);
}

int sched_fork(void *at)
{
    struct sthread *t = sched_self();
    act(t, OP_FORK, NULL, at);
    pid_t pid = __real_fork();
    if (pid == 0) {
        sched_run.on = 0;   /* the child has one thread, and runs it free */
        return 0;
    }
    sched_log(t, pid < 0 ? SF_FAILED : 0, SCHED_NOBODY);
    return pid;
}

/* ---- barriers and semaphores ------------------------------------------------------- */

int sched_barrier_wait(pthread_barrier_t *barrier, void *at)
{
    struct sthread *t = sched_self();
    struct sobject *b = act_on(t, OP_BARRIER, barrier, 'b', at);
    if (__tsan_release)
        __tsan_release(barrier);
    t->round = b->round;
    bool last = ++b->count >= b->type;
    if (last) {
        b->count = 0;
        b->round++;
    }
    sched_log(t, 0, SCHED_NOBODY);
    if (!last) {
        sched_point(t, OP_BARRIER_DONE, barrier, NULL, at, NULL, 0);
        sched_log(t, 0, SCHED_NOBODY);
    }
    if (__tsan_acquire)
        __tsan_acquire(barrier);
    return last ? PTHREAD_BARRIER_SERIAL_THREAD : 0;
}

int sched_sem_wait(sem_t *sem, const struct timespec *deadline, void *at)
{
    struct sthread *t = sched_self();
    long long until = deadline ? model_virtual(CLOCK_REALTIME, deadline) : -1;
    t->until = deadline && until < sched_run.now ? sched_run.now : until;
    act_on(t, OP_SEM_WAIT, sem, 's', at);
    t->until = -1;
    if (sem_trywait(sem) != 0) {   /* not wrapped: the real one */   /* only a timed wait gets here: it timed out */
        sched_log(t, SF_FAILED, SCHED_NOBODY);
        errno = ETIMEDOUT;
        return -1;
    }
    sched_log(t, 0, SCHED_NOBODY);
    return 0;
}

int sched_sem_post(sem_t *sem, void *at)
{
    struct sthread *t = sched_self();
    struct sobject *s = act_on(t, OP_SEM_POST, sem, 's', at);
    int r = __real_sem_post(sem);
    changed(s);
    sched_log(t, 0, SCHED_NOBODY);
    return r;
}

/* ---- time, yielding, atomics ----------------------------------------------------- */

int sched_sleep(long long ns, void *at)
{
    struct sthread *t = sched_self();
    act(t, OP_SLEEP, NULL, at);
    t->until = sched_run.now + (ns > 0 ? ns : 0);
    sched_log(t, 0, SCHED_NOBODY);
    sched_point(t, OP_SLEPT, NULL, NULL, at, NULL, 0);
    t->until = -1;
    sched_log(t, 0, SCHED_NOBODY);
    return 0;
}

void sched_settle(void)
{
    if (!sched_controls())
        return;
    struct sthread *t = sched_self();
    act(t, OP_SETTLE, NULL, __builtin_return_address(0));
    sched_log(t, 0, SCHED_NOBODY);
}

int sched_yield_now(void *at)
{
    struct sthread *t = sched_self();
    if (!t->spinning)
        pct_lower(t);
    t->spinning = 1;
    sched_point(t, OP_YIELD, NULL, NULL, at, NULL, 0);
    sched_log(t, SF_SPIN, SCHED_NOBODY);
    return 0;
}

void sched_atomic(volatile const void *p, int kind, const char *fn, const char *file, int line)
{
    if (!sched_controls())
        return;
    struct sthread *t = sched_self();
    struct sobject *a = model_object(p, 'a');
    if (kind == OP_LOAD)
        note_look(t, p, a->version);
    else
        note_act(t);
    sched_point(t, kind, (void *)p, NULL, NULL, file, line);
    t->next.fn = fn;
    if (kind != OP_LOAD)
        changed(a);
    sched_log(t, t->spinning ? SF_SPIN : 0, SCHED_NOBODY);
}
