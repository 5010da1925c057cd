/*
 * wrap.c - the scheduler's own tests: the intercepted calls, routed to the
 * scheduler while it controls the calling thread (the test binaries get
 * the same from the interception layer, intercept.c).
 */
#include <errno.h>
#include <semaphore.h>
#include <time.h>
#include <unistd.h>

#include "scheduler.h"

#define AT __builtin_return_address(0)
int __real_pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
int __real_pthread_join(pthread_t, void **);
_Noreturn void __real_pthread_exit(void *);
int __real_pthread_mutex_lock(pthread_mutex_t *);
int __real_pthread_mutex_trylock(pthread_mutex_t *);
int __real_pthread_mutex_unlock(pthread_mutex_t *);
int __real_pthread_cond_wait(pthread_cond_t *, pthread_mutex_t *);
int __real_pthread_cond_timedwait(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
int __real_pthread_cond_signal(pthread_cond_t *);
int __real_pthread_cond_broadcast(pthread_cond_t *);
int __real_pthread_barrier_wait(pthread_barrier_t *);
int __real_sem_wait(sem_t *);
int __real_sem_post(sem_t *);
int __real_sem_trywait(sem_t *);
int __real_nanosleep(const struct timespec *, struct timespec *);
int __real_sched_yield(void);
int __real_clock_gettime(clockid_t, struct timespec *);
pid_t __real_fork(void);

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    return sched_controls() ? sched_create(t, a, fn, arg, AT) : __real_pthread_create(t, a, fn, arg);
}
int __wrap_pthread_join(pthread_t t, void **r)
{
    return sched_controls() ? sched_join(t, r, AT) : __real_pthread_join(t, r);
}
_Noreturn void __wrap_pthread_exit(void *r)
{
    if (sched_controls())
        sched_exit(r);
    __real_pthread_exit(r);
}
int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
    return sched_controls() ? sched_mutex_lock(m, AT) : __real_pthread_mutex_lock(m);
}
int __wrap_pthread_mutex_trylock(pthread_mutex_t *m)
{
    return sched_controls() ? sched_mutex_trylock(m, AT) : __real_pthread_mutex_trylock(m);
}
int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
    return sched_controls() ? sched_mutex_unlock(m, AT) : __real_pthread_mutex_unlock(m);
}
int __wrap_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    return sched_controls() ? sched_cond_wait(c, m, AT) : __real_pthread_cond_wait(c, m);
}
int __wrap_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *d)
{
    return sched_controls() ? sched_cond_timedwait(c, m, d, AT)
                            : __real_pthread_cond_timedwait(c, m, d);
}
int __wrap_pthread_cond_signal(pthread_cond_t *c)
{
    return sched_controls() ? sched_cond_signal(c, AT) : __real_pthread_cond_signal(c);
}
int __wrap_pthread_cond_broadcast(pthread_cond_t *c)
{
    return sched_controls() ? sched_cond_broadcast(c, AT) : __real_pthread_cond_broadcast(c);
}
int __wrap_pthread_barrier_wait(pthread_barrier_t *b)
{
    return sched_controls() ? sched_barrier_wait(b, AT) : __real_pthread_barrier_wait(b);
}
int __wrap_sem_wait(sem_t *s)
{
    return sched_controls() ? sched_sem_wait(s, NULL, AT) : __real_sem_wait(s);
}
int __wrap_sem_post(sem_t *s)
{
    return sched_controls() ? sched_sem_post(s, AT) : __real_sem_post(s);
}
int __wrap_sem_trywait(sem_t *s)
{
    return __real_sem_trywait(s);
}
int __wrap_nanosleep(const struct timespec *d, struct timespec *left)
{
    return sched_controls() ? sched_sleep(d->tv_sec * 1000000000LL + d->tv_nsec, AT)
                            : __real_nanosleep(d, left);
}
int __wrap_sched_yield(void)
{
    return sched_controls() ? sched_yield_now(AT) : __real_sched_yield();
}
int __wrap_clock_gettime(clockid_t c, struct timespec *ts)
{
    return sched_controls() && (c == CLOCK_REALTIME || c == CLOCK_MONOTONIC)
               ? sched_clock_gettime(c, ts)
               : __real_clock_gettime(c, ts);
}
pid_t __wrap_fork(void)
{
    return sched_controls() ? sched_fork(AT) : __real_fork();
}
