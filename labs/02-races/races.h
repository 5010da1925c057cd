/*
 * races.h - lab 02: why `x += 1` and `x -= 1` on two threads do not end at 0.
 *
 * Seed 002's program, taken apart: an interleaving explorer that shows every
 * way the race can end (interleave.c), then the counter fixed two ways without
 * a lock, a meter for the updates the racy version loses, a lazily made
 * resource that is made exactly once, and a buffer published safely from one
 * thread to many (races.c).  This header is given and is the same one the
 * grader compiles against.
 */
#ifndef RACES_H
#define RACES_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "todo.h"   /* NOT_IMPLEMENTED(): how the skeleton's bodies fail */

/* ---- Part 1: the interleaving explorer (interleave.c) -------------------
 *
 * `x += delta` is not one step but three, each run by one thread:
 *
 *     step 0  load    r = x          (r is the thread's own register)
 *     step 1  add     r = r + delta
 *     step 2  store   x = r
 *
 * A thread that runs its statement `updates` times runs these three steps
 * `updates` times over.  A schedule says who runs each step, one character a
 * step, like OSTEP's x86.py -P: "000111" is thread 0's three steps, then
 * thread 1's; "010101" alternates.  Thread t's k-th character runs its k-th
 * step.
 */
enum {
    STEPS_PER_UPDATE = 3,
    SIM_MAX_THREADS = 4,
    SIM_MAX_STEPS = 18,      /* all threads' steps together */
    SIM_MAX_OUTCOMES = 32,
};

struct program {
    int nthreads;                  /* 1..SIM_MAX_THREADS */
    int updates;                   /* >= 1: each thread runs x += delta[t] this often */
    long delta[SIM_MAX_THREADS];   /* thread t adds delta[t] */
    long x0;                       /* x before any thread runs */
};

/* Run one schedule and store the final x in *final_x.  Returns 0, or EINVAL
 * when the program is invalid (see above; nthreads * updates * 3 steps must
 * not exceed SIM_MAX_STEPS) or the schedule is not a complete schedule of it:
 * a character that is not a thread ('0' + t, t < nthreads), a thread named
 * more often than it has steps, or a thread with steps left at the end. */
int run_schedule(const struct program *p, const char *schedule, long *final_x);

/* Every possible end of a program, found by running every schedule. */
struct outcomes {
    int count;                     /* how many distinct final values */
    long schedules;                /* how many schedules were run, in all */
    long value[SIM_MAX_OUTCOMES];  /* the distinct final values, ascending */
    long ways[SIM_MAX_OUTCOMES];   /* how many schedules end at value[i] */
    /* The alphabetically first schedule that ends at value[i]: exploring
     * thread 0 first, then 1, ... meets it first. */
    char witness[SIM_MAX_OUTCOMES][SIM_MAX_STEPS + 1];
};

/* Run every interleaving of the program's steps (each exactly once) and fill
 * *out.  Returns 0, EINVAL for an invalid program, or E2BIG if there are more
 * than SIM_MAX_OUTCOMES distinct final values.  Seed 002 in miniature, one
 * `x += 1` against one `x -= 1`, ends at -1, 0 or 1. */
int explore_interleavings(const struct program *p, struct outcomes *out);

/* ---- Part 2: the seed's counter, racy and fixed two ways (races.c) -------
 *
 *   def foo():                        thread t runs, iterations times,
 *       global x                          total += deltas[t]
 *       for i in range(N):            Seed 002 is nthreads = 2,
 *           x += 1                    deltas = {+1, -1}: it should end at 0.
 *   def bar(): ... x -= 1
 *
 * All threads start counting together (they wait at a start line until every
 * one of them exists).  Each function stores the final total in *total and
 * returns 0, or EINVAL when nthreads is not 1..MAX_COUNTER_THREADS or
 * iterations < 0, or the error from pthread_create. */
enum { MAX_COUNTER_THREADS = 64 };

struct counter_run {
    int nthreads;
    long iterations;         /* updates per thread */
    const long *deltas;      /* nthreads entries: what thread t adds each time */
};

/* The seed's bug, kept honest: each update is a relaxed atomic load, then a
 * relaxed atomic store.  Updates get lost (that is the point), but the
 * compiler cannot fold the loop away and no access is a data race in C's
 * sense, so ThreadSanitizer stays quiet. */
int count_racy(const struct counter_run *run, long *total);

/* Fix 1: one shared total, updated with an atomic read-modify-write.  Exact. */
int count_atomic(const struct counter_run *run, long *total);

/* Fix 2: confinement.  Each thread counts in memory only it touches; the
 * counts are added up after every thread has been joined.  Exact, no atomics. */
int count_confined(const struct counter_run *run, long *total);

/* ---- Part 3: the lost-update meter (races.c) ------------------------------
 *
 * Run the racy counter with every thread adding +1 and account for what it
 * lost.  Consistent by construction, whether or not a race happened:
 *     expected = nthreads * iterations,  final = expected - lost,
 *     percent_lost = 100 * lost / expected  (0 when expected is 0). */
struct lost_updates {
    long expected;
    long final;
    long lost;
    double percent_lost;
};

int measure_lost_updates(int nthreads, long iterations, struct lost_updates *out);

/* ---- Part 4: check-then-act, made safe (races.c) -------------------------
 *
 *   _resource = None                  static struct lazy config =
 *   def get_resource():                   LAZY_INIT(load_config, "app.ini");
 *       global _resource              ...
 *       if _resource is None:         cfg = lazy_get(&config);
 *           _resource = make()
 *       return _resource
 *
 * The first lazy_get calls make(ctx) and keeps its result; every call, from
 * any thread, returns that result, fully made.  However many threads race to
 * the first call, make runs exactly once, and nobody gets the result before
 * make has returned it. */
typedef void *(*make_fn)(void *ctx);

struct lazy {
    make_fn make;
    void *ctx;
    pthread_mutex_t lock;   /* held while making */
    atomic_bool ready;      /* true once value is set: the lock-free fast path */
    void *value;            /* written once, before ready becomes true */
};

#define LAZY_INIT(make, ctx) {(make), (ctx), PTHREAD_MUTEX_INITIALIZER, false, NULL}

void *lazy_get(struct lazy *l);

/* ---- Part 5: publication (races.c) ---------------------------------------
 *
 * One thread fills a buffer, then publishes it; any number of readers poll
 * until it is published and then read it.  A reader never sees a buffer that
 * is only partly filled.  One buffer is published once. */
enum { PUBLISHED_WORDS = 512 };

struct publication {
    long words[PUBLISHED_WORDS];   /* plain memory: filled, then published */
    atomic_bool published;
};

#define PUBLICATION_INIT {{0}, false}

/* Copy words[0..PUBLISHED_WORDS) into p, then publish it. */
void publish(struct publication *p, const long *words);

/* If p is published, copy its words into copy and return true; otherwise
 * return false and leave copy untouched.  Never blocks. */
bool try_read_published(struct publication *p, long *copy);

#endif
