/*
 * testkit.h - small helpers shared by every lab's tests and timing drivers:
 * clocks, sleeping, and the machine's core count.  Header-only on purpose so
 * that a lab needs nothing but #include "testkit.h".
 */
#ifndef TESTKIT_H
#define TESTKIT_H

#include <errno.h>
#include <time.h>
#include <unistd.h>

/* Monotonic wall-clock seconds: immune to NTP steps, unlike gettimeofday(). */
static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds used by every thread of this process (what %%time calls CPU time). */
static inline double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Sleep for a duration in seconds, resuming after signals. */
static inline void sleep_s(double seconds)
{
    struct timespec ts = {(time_t)seconds,
                          (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static inline int online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

#endif
