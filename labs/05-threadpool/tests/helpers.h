/*
 * helpers.h - what lab 05's test files share: thread counts, names of
 * statuses and states, a pool and a submit that must work, the tasks most
 * tests run, and the seeds' time unit.
 *
 * How these tests stay honest on a loaded machine:
 *  - nothing sleeps and hopes: tasks wait at gates the test opens, and the test
 *    waits for what it needs (a task running, a worker idle, a thread asleep);
 *  - a lower bound on time is exact (a correct pool is never early);
 *  - an upper bound is used only where a wrong design is late by a whole time
 *    unit (30 ms) or hangs, and its margin, measured in the same run, is
 *    stated next to it.
 */
#ifndef THREADPOOL_TEST_HELPERS_H
#define THREADPOOL_TEST_HELPERS_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lab_test.h"
#include "testkit.h"
#include "threadpool.h"

/* Threads of this process right now (Linux: one entry each in /proc/self/task). */
static inline int count_threads(void)
{
    return count_proc_entries("/proc/self/task");
}

static inline bool thread_count_is(void *want) { return count_threads() == *(int *)want; }

/* The thread count that a test must come back to.  One thread is started
 * first: ThreadSanitizer starts a helper thread of its own the first time a
 * test creates one, and that one must be in the baseline.  The count is taken
 * once the started thread has left /proc, not just after pthread_join:
 * join returns when the thread has cleared its tid, a moment before the
 * kernel unlists it, and a baseline one too high would hide a leaked worker. */
static inline void *wait_at_gate_then_exit(void *gate)
{
    gate_wait(gate);
    return NULL;
}

static inline int thread_baseline(void)
{
    struct gate g = GATE_INIT;
    pthread_t t;
    if (pthread_create(&t, NULL, wait_at_gate_then_exit, &g) != 0)
        return count_threads();
    int without_it = count_threads() - 1;
    gate_open(&g);
    pthread_join(t, NULL);
    eventually(thread_count_is, &without_it, 2.0);
    return without_it;
}

static inline const char *status_name(int status)
{
    switch (status) {
    case RESULT_OK: return "RESULT_OK";
    case RESULT_ERROR: return "RESULT_ERROR";
    case RESULT_CANCELLED: return "RESULT_CANCELLED";
    case RESULT_TIMEOUT: return "RESULT_TIMEOUT";
    default: return "an unknown status";
    }
}

static inline const char *state_name(int state)
{
    switch (state) {
    case FUTURE_PENDING: return "PENDING";
    case FUTURE_RUNNING: return "RUNNING";
    case FUTURE_FINISHED: return "FINISHED";
    case FUTURE_CANCELLED: return "CANCELLED";
    default: return "an unknown state";
    }
}

/* Would a new block of `size` bytes come back at p, a block the code under
 * test allocated?  Asked of the allocator, never of p.  glibc's malloc and
 * ThreadSanitizer's hand the block of a size freed last out first, so for
 * one just freed the answer is yes, and for one still in use, no.
 * AddressSanitizer keeps freed blocks in quarantine and says no: it reports
 * a use after free itself. */
static inline bool comes_back_at(const void *p, size_t size)
{
    void *q = malloc(size);
    bool same = q == p;
    free(q);
    return same;
}

/* Did `release` free the block at p (`size` bytes)?  Under a sanitizer, by
 * its count of bytes in use just before and after; with glibc, by where the
 * next block of that size comes from. */
static inline bool frees(void (*release)(void *), void *p, size_t size)
{
    size_t before = heap_in_use();
    release(p);
    if (__sanitizer_get_current_allocated_bytes)
        return heap_in_use() + size / 2 <= before;
    return comes_back_at(p, size);
}

static inline struct executor *new_pool(int max_workers)
{
    struct executor *ex = executor_new(max_workers);
    ck_assert_msg(ex != NULL, "executor_new(%d) returned NULL (errno %d)", max_workers, errno);
    return ex;
}

static inline struct future *submit(struct executor *ex, task_fn fn, void *arg)
{
    struct future *f = executor_submit(ex, fn, arg);
    ck_assert_msg(f != NULL, "executor_submit returned NULL (errno %s) on a running pool",
                  strerror(errno));
    return f;
}

/* ---- tasks --------------------------------------------------------------- */

static inline void *double_it(void *arg, struct task_error *error)
{
    (void)error;
    return (void *)((intptr_t)arg * 2);
}

static inline void *wait_at_gate(void *arg, struct task_error *error)
{
    (void)error;
    gate_wait(arg);
    return (void *)7;
}

static inline void *fail_with_edom(void *arg, struct task_error *error)
{
    (void)arg;
    task_fail(error, EDOM, "no such number");
    return (void *)99;   /* ignored: the error wins */
}

static inline void *count_run(void *arg, struct task_error *error)
{
    (void)error;
    atomic_fetch_add((atomic_int *)arg, 1);
    return NULL;
}

/* A thread's function that runs one future, as a worker would (the tests
 * that run futures without a pool). */
static inline void *run_future(void *f)
{
    future_run(f);
    return NULL;
}

/* Time unit of the seeds' examples: seconds there, 30 ms here. */
#define UNIT 0.03

static inline void *sleep_and_double(void *arg, struct task_error *error)
{
    (void)error;
    intptr_t units = (intptr_t)arg;
    sleep_s((double)units * UNIT);
    return (void *)(units * 2);
}

/* Baseline for upper time bounds: the worst lateness of a few short sleeps,
 * measured now, on this machine, in this build (plain or ThreadSanitizer). */
static inline double sleep_lateness(void)
{
    double worst = 0;
    for (int i = 0; i < 5; i++) {
        double start = now_s();
        sleep_s(0.002);
        double late = now_s() - start - 0.002;
        worst = late > worst ? late : worst;
    }
    return worst;
}

static inline bool is_running(void *f) { return future_running(f); }

struct pool_probe { struct executor *ex; int want; };

static inline bool idle_count_is(void *arg)
{
    struct pool_probe *p = arg;
    return executor_idle_workers(p->ex) == p->want;
}

/* Each task waits (up to r->patience_s) until `expected` tasks are running
 * at once. */
static inline void *meet_everyone(void *arg, struct task_error *error)
{
    (void)error;
    rendezvous_meet(arg);
    return NULL;
}

/* ---- done callbacks, logged ---------------------------------------------- */

struct callback_log {
    pthread_mutex_t lock;
    int n;
    int ids[8];
    pthread_t threads[8];
};

#define CALLBACK_LOG_INIT {PTHREAD_MUTEX_INITIALIZER, 0, {0}, {0}}

/* A callback that notes its id and the thread it ran on. */
struct tagged {
    struct callback_log *log;
    int id;
};

static inline void log_callback(struct future *f, void *ctx)
{
    (void)f;
    struct tagged *t = ctx;
    pthread_mutex_lock(&t->log->lock);
    if (t->log->n < 8) {
        t->log->ids[t->log->n] = t->id;
        t->log->threads[t->log->n] = pthread_self();
    }
    t->log->n++;
    pthread_mutex_unlock(&t->log->lock);
}

static inline int logged(struct callback_log *log)
{
    pthread_mutex_lock(&log->lock);
    int n = log->n;
    pthread_mutex_unlock(&log->lock);
    return n;
}

static inline bool three_logged(void *log) { return logged(log) >= 3; }

#endif
