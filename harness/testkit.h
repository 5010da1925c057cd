/*
 * testkit.h - small helpers shared by every lab's tests and timing drivers:
 * clocks, sleeping, the cores this process may use, the heap in use, and the
 * two ways tests wait without sleeping and hoping: a gate, and a condition
 * polled to a deadline.
 * Header-only on purpose so that a lab needs nothing but #include "testkit.h".
 */
#ifndef TESTKIT_H
#define TESTKIT_H

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
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

/* The CPUs this process may run on: its affinity mask, as Python 3.13's
 * os.process_cpu_count() and the shell's nproc count them.  Not the CPUs
 * online: under taskset or in a container's cpuset (Gradescope,
 * PrairieLearn) those are more than the process can use. */
static inline int usable_cores(void)
{
    cpu_set_t mask;
    if (sched_getaffinity(0, sizeof mask, &mask) == 0 && CPU_COUNT(&mask) > 0)
        return CPU_COUNT(&mask);
    long n = sysconf(_SC_NPROCESSORS_ONLN);   /* no mask to read: the next best */
    return n > 0 ? (int)n : 1;
}

/* Bytes the program has allocated and not freed yet, to see memory being
 * let go of.  Under a sanitizer, its allocator's own count (the sanitizers
 * replace malloc and export this function; it is absent, so NULL, in a
 * plain build); otherwise glibc's count for the main arena, which holds what
 * the main thread allocates. */
extern size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

static inline size_t heap_in_use(void)
{
    if (__sanitizer_get_current_allocated_bytes)
        return __sanitizer_get_current_allocated_bytes();
    return mallinfo2().uordblks;
}

/* Entries of a /proc folder right now, such as /proc/self/task (this
 * process's threads) or /proc/self/fd (its open files); -1 if unreadable. */
static inline int count_proc_entries(const char *folder)
{
    DIR *dir = opendir(folder);
    if (!dir)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(dir));)
        n += e->d_name[0] != '.';
    closedir(dir);
    return n;
}

/* Is thread `tid` of this process asleep (blocked, state S in /proc)?  Lets a
 * test wait until helper threads really are blocked inside a call, instead of
 * sleeping and hoping they got there. */
static inline bool thread_is_asleep(pid_t tid)
{
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    char *end_of_name = strrchr(stat, ')');   /* the name may contain spaces */
    return end_of_name && end_of_name[1] == ' ' && end_of_name[2] == 'S';
}

/* A gate: threads wait at it until the test opens it, so the test decides
 * when they go on, instead of sleeping and hoping they got somewhere. */
struct gate {
    pthread_mutex_t lock;
    pthread_cond_t opened_cv;
    bool opened;
    int waiting;   /* how many have arrived so far */
};

#define GATE_INIT {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0}

static inline void gate_wait(struct gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->waiting++;
    while (!g->opened)
        pthread_cond_wait(&g->opened_cv, &g->lock);
    pthread_mutex_unlock(&g->lock);
}

static inline void gate_open(struct gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->opened = true;
    pthread_cond_broadcast(&g->opened_cv);
    pthread_mutex_unlock(&g->lock);
}

/* Poll cond(arg) until it holds or `within` seconds pass: for states a test
 * can observe but not be told about.  False means the deadline passed. */
static inline bool eventually(bool (*cond)(void *), void *arg, double within)
{
    double deadline = now_s() + within;
    while (!cond(arg)) {
        if (now_s() > deadline)
            return false;
        sleep_s(0.0005);
    }
    return true;
}

/* A rendezvous: each arriving thread waits (up to patience_s) until
 * `expected` threads have arrived, then counts itself in `met`.  If fewer
 * than expected ever run at once, they give up and `met` says so. */
struct rendezvous {
    pthread_mutex_t lock;
    pthread_cond_t arrived_cv;
    int arrived, expected, met;
    int patience_s;
};

#define RENDEZVOUS_INIT(expected, patience_s) \
    {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, (expected), 0, (patience_s)}

static inline void rendezvous_meet(struct rendezvous *r)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += r->patience_s;
    pthread_mutex_lock(&r->lock);
    r->arrived++;
    pthread_cond_broadcast(&r->arrived_cv);
    while (r->arrived < r->expected &&
           pthread_cond_timedwait(&r->arrived_cv, &r->lock, &deadline) == 0)
        ;
    if (r->arrived >= r->expected)
        r->met++;
    pthread_mutex_unlock(&r->lock);
}

#endif
