/*
 * sched_record.h - what a schedule run leaves for the runner: the schedule's
 * seed, every step it took, the threads and objects those steps name, and
 * how it ended.  The runner maps it shared before any test forks
 * (sched_prepare), the test's process fills it step by step, and the runner
 * reads it after the process is gone, however it ended (a failed check, a
 * crash, a sanitizer report, the scheduler's own verdict).  Nothing in it
 * earns a point: it only explains a failure and lets it be replayed.
 */
#ifndef SCHED_RECORD_H
#define SCHED_RECORD_H

#include <stdbool.h>
#include <stdint.h>

enum {
    SCHED_MAX_THREADS = 32,      /* in one schedule run */
    SCHED_MAX_OBJECTS = 512,     /* mutexes, condition variables, atomics, ... */
    SCHED_MAX_STEPS = 12288,     /* kept; a run stops at its budget before that */
    SCHED_TOKEN = 40,
    SCHED_NOBODY = 0xFF,         /* a step's `other` when it names no thread */
};

/* What a step did.  The order is the timeline's vocabulary (sched_ops.c). */
enum sched_op {
    OP_NONE, OP_START, OP_EXIT, OP_CREATE, OP_JOIN, OP_LOCK, OP_TRYLOCK, OP_UNLOCK,
    OP_WAIT, OP_WOKEN, OP_SIGNAL, OP_BROADCAST, OP_SEM_WAIT, OP_SEM_POST, OP_BARRIER,
    OP_BARRIER_DONE, OP_SLEEP, OP_SLEPT, OP_YIELD, OP_LOAD, OP_STORE, OP_RMW, OP_FORK,
    OP_END, OP_SETTLE, OP_COUNT
};

/* How a run ended, when the scheduler itself decided it. */
enum sched_verdict {
    SV_NONE, SV_DEADLOCK, SV_STUCK, SV_BUDGET, SV_DIVERGED, SV_TOO_MANY, SV_UNSUPPORTED
};

/* Step flags. */
enum {
    SF_CHOSEN = 1,     /* the thread before it could have gone on: the scheduler chose */
    SF_CHANGE = 2,     /* a priority change point (PCT) fell on this step */
    SF_FAILED = 4,     /* a trylock or a timed wait that failed, a timeout */
    SF_SPURIOUS = 8,   /* a condition wait ended by the scheduler's spurious wakeup */
    SF_SPIN = 16,      /* the thread looked like it was spinning here */
};

struct sched_step {
    uint8_t thread;      /* 0 is the test's own thread */
    uint8_t op;          /* enum sched_op */
    uint8_t flags;
    uint8_t other;       /* a thread the step names: created, joined, woken */
    uint16_t obj;        /* object number, 1-based; 0 for none */
    uint16_t obj2;       /* a condition wait's mutex */
    uint32_t since;      /* a step that ended a wait: the step the wait began at */
    uint32_t clock_us;   /* virtual time, microseconds */
    uintptr_t at;        /* return address of the intercepted call, or 0 */
    const char *fn;      /* an atomic's own site, from the shim (static strings) */
    const char *file;
    int line;
};

struct sched_thread_info {
    uintptr_t start;     /* the function it runs, 0 for the test */
    uintptr_t created_at;
    int parent;
};

struct sched_object_info {
    uintptr_t addr;      /* scrambled (LeakSanitizer must not see a reference) */
    uint8_t kind;        /* 'm' mutex, 'c' condition variable, 'a' atomic, 's' semaphore, 'b' barrier */
    uint32_t first_step; /* the step that first named it */
};

struct sched_record {
    char token[SCHED_TOKEN];   /* the schedule running, e.g. "pct2-180-1f3a9c" */
    int index;                 /* its place in the test's list */
    int nsteps;
    int choices;               /* steps where two or more threads could go */
    int verdict;               /* enum sched_verdict */
    int verdict_step;          /* the step the run stopped at */
    int diverged_at;           /* replay: the first step unlike the recorded one, or -1 */
    int failed;                /* a check failed in this run: at failed_file:failed_line */
    const char *failed_file;
    int failed_line;
    int failed_thread;
    int nthreads;
    int nobjects;
    struct sched_thread_info threads[SCHED_MAX_THREADS];
    /* Each live thread's pending operation when the run stopped (verdicts). */
    struct sched_step pending[SCHED_MAX_THREADS];
    uint8_t blocked[SCHED_MAX_THREADS];   /* 1: it waits (in the model) */
    uint16_t holder[SCHED_MAX_OBJECTS];   /* a mutex's holder + 1 when the run stopped */
    struct sched_object_info objects[SCHED_MAX_OBJECTS];
    struct sched_step steps[SCHED_MAX_STEPS];
};

/* The runner's view: the record of the last schedule run (NULL before
 * sched_prepare). */
const struct sched_record *sched_record(void);

#endif
