/*
 * sched_wraps.c - the calls only the scheduler needs intercepted (lab.mk's
 * WATCHED_CALLS has them): sem_post, sched_yield and clock_gettime.  Outside
 * a schedule run, or from a thread it does not control, each is the real
 * call.  (The others are in the interception layer, watch.c.)
 */
#include <sched.h>
#include <semaphore.h>
#include <time.h>

#include "scheduler.h"

int __real_sem_post(sem_t *);
int __real_sched_yield(void);
int __real_clock_gettime(clockid_t, struct timespec *);

int __wrap_sem_post(sem_t *s)
{
    return sched_controls() ? sched_sem_post(s, __builtin_return_address(0)) : __real_sem_post(s);
}

/* A yield is a point where the scheduler may switch, and a sign of spinning. */
int __wrap_sched_yield(void)
{
    return sched_controls() ? sched_yield_now(__builtin_return_address(0)) : __real_sched_yield();
}

/* Wall and monotonic clocks read the run's virtual time; CPU-time clocks
 * stay real (nothing waits on them). */
int __wrap_clock_gettime(clockid_t clock, struct timespec *ts)
{
    bool virtual = clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC ||
                   clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE ||
                   clock == CLOCK_MONOTONIC_RAW || clock == CLOCK_BOOTTIME;
    return virtual && sched_controls() ? sched_clock_gettime(clock, ts)
                                       : __real_clock_gettime(clock, ts);
}
