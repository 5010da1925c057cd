/*
 * testkit.h - small helpers shared by every lab's tests and timing drivers:
 * clocks and deadlines, sleeping, a random generator, the cores this process
 * may use, the heap in use, and the ways tests wait without sleeping and
 * hoping: a gate, a start line, a rendezvous, a condition polled to a
 * deadline, a count that must keep moving, and "these threads are asleep".
 * A call under test can run on a thread the test watches (struct watched_call).
 * Header-only on purpose so that a lab needs nothing but #include "testkit.h"
 * (which brings clock.h, shared with the labs' given code).
 */
#ifndef TESTKIT_H
#define TESTKIT_H

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"   /* clock_in: deadlines for timed waits */

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

/* Arrive at the gate and wait there until it is opened. */
static inline void gate_wait(struct gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->waiting++;
    while (!g->opened)
        pthread_cond_wait(&g->opened_cv, &g->lock);
    pthread_mutex_unlock(&g->lock);
}

/* Open the gate: every waiter goes on, and later arrivals do not wait. */
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

/* Wait until *counter >= target; false if `within` seconds pass first.
 * Works across processes when the counter is in shared memory. */
static inline bool count_reaches(atomic_int *counter, int target, double within)
{
    double deadline = now_s() + within;
    while (atomic_load(counter) < target) {
        if (now_s() > deadline)
            return false;
        sleep_s(0.0005);
    }
    return true;
}

/* Wait until *done reaches goal; false if it stood still for `stall_s`
 * seconds.  No overall deadline: slow progress is fine, none is a hang
 * (work that takes microseconds a step does not pause for seconds unless
 * every thread is stuck), and the test can say so instead of timing out. */
static inline bool progresses_to(atomic_long *done, long goal, double stall_s)
{
    long last = -1;
    double last_change = now_s();
    for (long now; (now = atomic_load(done)) < goal; sleep_s(0.001)) {
        if (now != last)
            last = now, last_change = now_s();
        else if (now_s() - last_change > stall_s)
            return false;
    }
    return true;
}

/* The wall time of tasks lasting durations[0..n) on `workers` threads (at
 * most 16) when each free thread takes the oldest queued task at once: what
 * a prompt pool takes. */
static inline double prompt_pool_time(const double *durations, int n, int workers)
{
    double free_at[16] = {0}, last = 0;
    for (int i = 0; i < n; i++) {
        int w = 0;
        for (int k = 1; k < workers && k < 16; k++)
            w = free_at[k] < free_at[w] ? k : w;
        free_at[w] += durations[i];
        last = free_at[w] > last ? free_at[w] : last;
    }
    return last;
}

/* The next number of a xorshift32 generator (Marsaglia 2003) kept in *state,
 * which must not be 0: cheap, and each thread can own its state. */
static inline uint32_t xorshift32(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* Wait until each of `n` threads is asleep (blocked in the kernel) in
 * `streak` polls in a row 1 ms apart; false if not within `within` s.
 * tid_of(arg, i) names thread i: its kernel id, 0 if it has not started yet
 * (not asleep), -1 if it is done (it counts as asleep).  A thread waiting
 * for a mutex sleeps only while the holder keeps it; an unbroken streak of
 * 10 ms means a condition variable.  A thread runnable but not scheduled (a
 * loaded machine) shows 'R' and breaks the streak: no false "asleep". */
static inline bool threads_asleep(int (*tid_of)(void *arg, int i), void *arg, int n,
                                  int streak, double within)
{
    double deadline = now_s() + within;
    for (int run = 0; run < streak; sleep_s(0.001)) {
        if (now_s() > deadline)
            return false;
        bool all = true;
        for (int i = 0; i < n && all; i++) {
            int tid = tid_of(arg, i);
            all = tid == -1 || (tid > 0 && thread_is_asleep(tid));
        }
        run = all ? run + 1 : 0;
    }
    return true;
}

/* A start line: threads spin at it, then all run at the same instant.  A
 * gate wakes its threads one by one, and a thread that needs 20 us for its
 * work may be done before the next one is even scheduled: no overlap, no
 * race to see.  At a start line the threads are all awake, yielding, when
 * the test releases them, so the ones on the cores start together. */
struct start_line {
    atomic_int ready;
    atomic_bool go;
};

#define START_LINE_INIT {0, false}

/* A thread's side: say it is ready, then spin until the line is released. */
static inline void start_line_wait(struct start_line *s)
{
    atomic_fetch_add(&s->ready, 1);
    while (!atomic_load(&s->go))
        sched_yield();
}

/* The test's side: wait until `threads` are at the line, then release them. */
static inline void start_line_release(struct start_line *s, int threads)
{
    while (atomic_load(&s->ready) < threads)
        sched_yield();
    atomic_store(&s->go, true);
}

/* One call to the code under test, on a thread of its own that the test
 * can watch: has it returned, and is it asleep meanwhile? */
struct watched_call {
    pthread_t thread;
    long (*op)(struct watched_call *);
    void *target;           /* what op works on */
    long arg, arg2, arg3;
    long result;            /* what op returned: read after `returned` */
    long out;               /* anything else op hands back */
    atomic_int tid;         /* the thread's kernel id, once it runs */
    atomic_bool returned;
};

/* The watched thread: note its kernel id, make the call, say it returned. */
static inline void *run_call(void *p)
{
    struct watched_call *c = p;
    atomic_store(&c->tid, (int)gettid());
    c->result = c->op(c);
    atomic_store(&c->returned, true);
    return NULL;
}

/* Run op(c) on a new thread.  A thread that cannot start is the machine's
 * fault, not the code's: the test process aborts, saying so. */
static inline void start_call(struct watched_call *c, long (*op)(struct watched_call *),
                              void *target, long arg, long arg2, long arg3)
{
    memset(c, 0, sizeof *c);
    c->op = op;
    c->target = target;
    c->arg = arg, c->arg2 = arg2, c->arg3 = arg3;
    atomic_init(&c->tid, 0);
    atomic_init(&c->returned, false);
    int err = pthread_create(&c->thread, NULL, run_call, c);
    if (err) {
        fprintf(stderr, "testkit: the test could not start a thread: %s\n", strerror(err));
        abort();
    }
}

/* Join the threads of calls[0..n-1]. */
static inline void join_calls(struct watched_call *calls, int n)
{
    for (int i = 0; i < n; i++)
        pthread_join(calls[i].thread, NULL);
}

/* How many of calls[0..n-1] have returned. */
static inline int count_returned(struct watched_call *calls, int n)
{
    int returned = 0;
    for (int i = 0; i < n; i++)
        returned += atomic_load(&calls[i].returned);
    return returned;
}

/* threads_asleep's view of calls[i]: its thread, or -1 once it returned. */
static inline int watched_call_tid(void *calls, int i)
{
    struct watched_call *c = (struct watched_call *)calls + i;
    return atomic_load(&c->returned) ? -1 : atomic_load(&c->tid);
}

/* Wait until every one of calls[0..n-1] that has not returned is asleep, in
 * ten polls in a row (threads_asleep); false if not within `within` s. */
static inline bool settled(struct watched_call *calls, int n, double within)
{
    return threads_asleep(watched_call_tid, calls, n, 10, within);
}

struct watched_calls { struct watched_call *calls; int n, want; };

/* For eventually(): have `want` of the calls returned? */
static inline bool enough_returned(void *p)
{
    struct watched_calls *c = p;
    return count_returned(c->calls, c->n) >= c->want;
}

/* Wait (up to `within` s) until at least `want` of calls[0..n-1] have returned. */
static inline bool returned_within(struct watched_call *calls, int n, int want, double within)
{
    struct watched_calls c = {calls, n, want};
    return eventually(enough_returned, &c, within);
}

/* Wait (up to `within` s) until every one of calls[0..n-1] has returned,
 * then join them; false if some did not (none is joined then). */
static inline bool all_returned(struct watched_call *calls, int n, double within)
{
    if (!returned_within(calls, n, n, within))
        return false;
    join_calls(calls, n);
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
    struct timespec deadline = clock_in(CLOCK_REALTIME, r->patience_s);
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
