/* 4-check-then-act.c - lab 02, Part 4: check-then-act (lazy_get). */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "races.h"

enum { TABLE = 256, MADE = 0x600d, LAZY_THREADS = 8 };

struct resource {
    long table[TABLE];
    int magic;   /* written last: MADE once the table is complete */
};

/* make() for the tests: counts its calls, and takes its time, yielding as it
 * goes, so that a second caller has every chance to slip in before it ends. */
struct maker {
    atomic_int calls;
    pthread_mutex_t lock;
    struct resource *made[LAZY_THREADS * 4];
    int nmade;
};

static void *make_slowly(void *ctx)
{
    struct maker *mk = ctx;
    atomic_fetch_add(&mk->calls, 1);
    struct resource *r = calloc(1, sizeof *r);
    for (int i = 0; i < TABLE; i++) {
        r->table[i] = (long)i * i;
        if (i % 32 == 0)
            sched_yield();
    }
    r->magic = MADE;
    pthread_mutex_lock(&mk->lock);
    if (mk->nmade < (int)(sizeof mk->made / sizeof mk->made[0]))
        mk->made[mk->nmade++] = r;
    pthread_mutex_unlock(&mk->lock);
    return r;
}

/* What a thread saw: NULL, half made, or whole. */
static bool whole(const struct resource *r)
{
    if (!r || r->magic != MADE)
        return false;
    for (int i = 0; i < TABLE; i++)
        if (r->table[i] != (long)i * i)
            return false;
    return true;
}

struct getter {
    struct lazy *lazy;
    struct gate *gate;
    struct resource *got;
    bool was_whole;
};

static void *get_after_gate(void *arg)
{
    struct getter *g = arg;
    gate_wait(g->gate);
    g->got = lazy_get(g->lazy);
    g->was_whole = whole(g->got);
    return NULL;
}

TEST(lazy_makes_exactly_once_under_8_threads, 9, 20, "lazy_get")
{
    for (int round = 0; round < LAZY_ROUNDS; round++) {
        struct maker mk = {.lock = PTHREAD_MUTEX_INITIALIZER};
        struct lazy lazy = LAZY_INIT(make_slowly, &mk);
        struct gate gate = GATE_INIT;
        struct getter getters[LAZY_THREADS];
        pthread_t ids[LAZY_THREADS];
        atomic_init(&mk.calls, 0);
        for (int t = 0; t < LAZY_THREADS; t++) {
            getters[t] = (struct getter){&lazy, &gate, NULL, false};
            start_thread(&ids[t], get_after_gate, &getters[t]);
        }
        gate_open(&gate);   /* all 8 call lazy_get at once */
        for (int t = 0; t < LAZY_THREADS; t++)
            pthread_join(ids[t], NULL);

        int calls = atomic_load(&mk.calls);
        int bad = -1, differ = -1;
        for (int t = 0; t < LAZY_THREADS; t++) {
            if (bad < 0 && !getters[t].was_whole)
                bad = t;
            if (differ < 0 && getters[t].got != getters[0].got)
                differ = t;
        }
        struct resource *first = getters[0].got;
        bool got_null = getters[bad < 0 ? 0 : bad].got == NULL;
        for (int i = 0; i < mk.nmade; i++)
            free(mk.made[i]);

        ck_assert_msg(calls == 1, "round %d: 8 threads called lazy_get at once and "
                      "make ran %d times, expected exactly once. Checking `ready` and "
                      "then making is two steps another thread can slip between: "
                      "check again under the lock before making", round + 1, calls);
        ck_assert_msg(bad < 0, "round %d: thread %d got %s from lazy_get: every caller "
                      "must wait until make has returned, and get its result",
                      round + 1, bad, got_null ? "NULL" : "a half-made resource");
        ck_assert_msg(differ < 0, "round %d: threads 0 and %d got different values "
                      "(%p and %p)", round + 1, differ, (void *)first,
                      (void *)getters[differ].got);
    }
}

static void *make_from_ctx(void *ctx)
{
    atomic_fetch_add((atomic_int *)ctx, 1);
    return ctx;
}

TEST(lazy_objects_are_independent, 4, 5, "lazy_get")
{
    /* Each lazy makes its own value: nothing may be shared between them,
     * such as one global flag or one pthread_once_t for every lazy. */
    atomic_int made[3] = {0};
    struct lazy lazies[3] = {LAZY_INIT(make_from_ctx, &made[0]),
                             LAZY_INIT(make_from_ctx, &made[1]),
                             LAZY_INIT(make_from_ctx, &made[2])};
    for (int again = 0; again < 2; again++)
        for (int i = 0; i < 3; i++) {
            void *got = lazy_get(&lazies[i]);
            ck_assert_msg(got == &made[i], "lazy #%d returned %p, expected what its "
                          "own make returned (%p): is some state shared by every lazy "
                          "instead of kept in struct lazy?", i + 1, got,
                          (void *)&made[i]);
        }
    for (int i = 0; i < 3; i++)
        ck_assert_msg(made[i] == 1, "lazy #%d: make ran %d times over 2 calls, expected "
                      "once: the first call's result must be kept", i + 1,
                      (int)made[i]);
}

/* ---- under the kit's scheduler ------------------------------------------ */

/* make() for the schedule test: counts its calls and fills a resource. */
static void *make_counted(void *ctx)
{
    struct maker *mk = ctx;
    atomic_fetch_add(&mk->calls, 1);
    struct resource *r = calloc(1, sizeof *r);
    for (int i = 0; i < TABLE; i++)
        r->table[i] = (long)i * i;
    r->magic = MADE;
    mk->made[atomic_load(&mk->calls) - 1 < LAZY_THREADS * 4 ? atomic_load(&mk->calls) - 1 : 0] = r;
    return r;
}

static void *get_once(void *arg)
{
    struct getter *g = arg;
    g->got = lazy_get(g->lazy);
    g->was_whole = whole(g->got);
    return NULL;
}

/* Three threads call lazy_get on one lazy at once, under 90 schedules of the
 * kit's scheduler (the handout's "Schedules"): a thread may be stopped at
 * any lock, unlock and atomic load or store, wherever the seed says.  make
 * must run exactly once, and each thread must get its result, whole.  A
 * window between making and saying so, however small, is a schedule away:
 * the scheduler finds it every time, where eight real threads on two cores
 * find it now and then. */
SCHEDULE_TEST(lazy_under_schedules, 3, 20, "lazy_get", 90)
{
    enum { GETTERS = 3 };
    struct maker mk = {.lock = PTHREAD_MUTEX_INITIALIZER};
    atomic_init(&mk.calls, 0);
    struct lazy lazy = LAZY_INIT(make_counted, &mk);
    struct getter getters[GETTERS];
    pthread_t ids[GETTERS];
    for (int t = 0; t < GETTERS; t++) {
        getters[t] = (struct getter){&lazy, NULL, NULL, false};
        start_thread(&ids[t], get_once, &getters[t]);
    }
    for (int t = 0; t < GETTERS; t++)
        pthread_join(ids[t], NULL);
    int calls = atomic_load(&mk.calls), bad = -1;
    for (int t = 0; t < GETTERS && bad < 0; t++)
        if (!getters[t].was_whole || getters[t].got != getters[0].got)
            bad = t;
    for (int i = 0; i < calls && i < LAZY_THREADS * 4; i++)
        free(mk.made[i]);
    ck_assert_msg(calls == 1, "3 threads called lazy_get at once and make ran %d times, "
                  "expected exactly once: another thread got in between a check of `ready` "
                  "and the making, or between the making and `ready` becoming true", calls);
    ck_assert_msg(bad < 0, "thread %d got %s from lazy_get: every caller must get make's "
                  "one result, whole", bad, !getters[bad].got ? "NULL"
                  : getters[bad].was_whole ? "another value than thread 0" : "a half-made resource");
}
