/*
 * clock.h - absolute deadlines, for the kit's tests and the labs' given code
 * alike: pthread_cond_timedwait and sem_timedwait want the instant at which
 * a wait gives up, not a duration.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <time.h>

/* The instant `seconds` from now on `clock`.  CLOCK_MONOTONIC for a
 * condition variable set to that clock (a change of date cannot stretch
 * the wait); CLOCK_REALTIME for a default one and for sem_timedwait. */
static inline struct timespec clock_in(clockid_t clock, double seconds)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    long long ns = (long long)ts.tv_nsec + (long long)(seconds * 1e9);
    ts.tv_sec += (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    return ts;
}

#endif
