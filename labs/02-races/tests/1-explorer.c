/* 1-explorer.c - lab 02, Part 1: the interleaving explorer.
 * Run the lab's tests with `make grade LAB=races`. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "races.h"

/* Seed 002 in miniature: thread 0 runs x += 1, thread 1 runs x -= 1. */
static const struct program incr_vs_decr = {.nthreads = 2, .updates = 1, .delta = {1, -1}};

static void expect_schedule(const struct program *p, const char *what,
                            const char *schedule, long want)
{
    long got = 12345;
    int err = run_schedule(p, schedule, &got);
    ck_assert_msg(err == 0, "%s, schedule \"%s\": expected run_schedule to return 0, "
                  "got %d", what, schedule, err);
    ck_assert_msg(got == want, "%s, schedule \"%s\": expected x to end at %ld, got %ld. "
                  "Each step is one of load (r = x), add (r = r + delta) and store "
                  "(x = r): the add changes only the thread's register, and only the "
                  "store writes x", what, schedule, want, got);
}

TEST(schedule_runs_one_interleaving, 8, 5, "run_schedule, step")
{
    const char *seed = "x += 1 against x -= 1";
    expect_schedule(&incr_vs_decr, seed, "000111", 0);
    expect_schedule(&incr_vs_decr, seed, "111000", 0);
    /* Both load 0; the decrement stores -1 first, then the increment
     * overwrites it with 1: the decrement is lost. */
    expect_schedule(&incr_vs_decr, seed, "001110", 1);
    expect_schedule(&incr_vs_decr, seed, "010101", -1);
    expect_schedule(&incr_vs_decr, seed, "001011", -1);

    struct program three = {.nthreads = 3, .updates = 1, .delta = {1, 10, 100}, .x0 = 5};
    const char *what3 = "x0 = 5; threads add 1, 10 and 100";
    expect_schedule(&three, what3, "000111222", 116);
    expect_schedule(&three, what3, "012012012", 105);
    expect_schedule(&three, what3, "210210210", 6);

    struct program twice = {.nthreads = 2, .updates = 2, .delta = {1, 1}};
    const char *what2 = "two threads each run x += 1 twice";
    expect_schedule(&twice, what2, "000000111111", 4);
    expect_schedule(&twice, what2, "000001111110", 2);
}

/* How many schedules there would be if each x += d were one step: the
 * interleavings of nthreads sequences of `updates` steps each. */
static long indivisible_schedules(const struct program *p)
{
    long ways = 1;
    int placed = 0;
    for (int t = 0; t < p->nthreads; t++)
        for (int k = 1; k <= p->updates; k++)
            ways = ways * ++placed / k;   /* exact: a running binomial product */
    return ways;
}

/* Check one explorer result against the known outcomes of a program. */
static void expect_outcomes(const struct program *p, const char *what, long schedules,
                            int count, const long *values, const long *ways,
                            const char *const *witnesses)
{
    struct outcomes out;
    memset(&out, 0x55, sizeof out);   /* garbage, as an uninitialised struct would hold */
    int err = explore_interleavings(p, &out);
    ck_assert_msg(err == 0, "%s: expected explore_interleavings to return 0, got %d",
                  what, err);
    if (out.schedules == indivisible_schedules(p) && schedules != out.schedules)
        ck_abort_msg("%s: only %ld schedule(s) explored, expected %ld: was each x += d "
                     "run as one step?  It is three (load, add, store), and another "
                     "thread may run between any two of them", what, out.schedules,
                     schedules);
    ck_assert_msg(out.schedules == schedules, "%s: expected %ld schedules (every "
                  "interleaving exactly once), explored %ld", what, schedules,
                  out.schedules);
    ck_assert_msg(out.count == count, "%s: expected %d distinct final values, got %d",
                  what, count, out.count);
    for (int i = 0; i < count; i++) {
        ck_assert_msg(out.value[i] == values[i], "%s: expected final value #%d (in "
                      "ascending order) to be %ld, got %ld", what, i + 1, values[i],
                      out.value[i]);
        ck_assert_msg(out.ways[i] == ways[i], "%s: expected %ld schedules to end at "
                      "%ld, counted %ld", what, ways[i], values[i], out.ways[i]);
        if (witnesses)
            ck_assert_msg(strcmp(out.witness[i], witnesses[i]) == 0, "%s: the "
                          "alphabetically first schedule ending at %ld is \"%s\", the "
                          "witness was \"%s\": explore thread 0 first, then 1, ...",
                          what, values[i], witnesses[i], out.witness[i]);
    }
}

TEST(explorer_finds_minus_one_zero_and_one, 10, 5,
     "explore_interleavings, explore, step")
{
    /* Of the 20 interleavings, only the 2 serial ones end at 0; in the other
     * 18 whoever stores last wins, and the other thread's update is lost. */
    static const long values[] = {-1, 0, 1}, ways[] = {9, 2, 9};
    static const char *const witnesses[] = {"001011", "000111", "001110"};
    expect_outcomes(&incr_vs_decr, "x += 1 against x -= 1", 20, 3, values, ways,
                    witnesses);
}

TEST(explorer_counts_every_interleaving_once, 6, 10, "explore_interleavings, explore")
{
    /* 12 steps, 6 per thread: C(12, 6) = 924 schedules.  Two increments per
     * thread can end at 2, and 702 of the 924 schedules do. */
    struct program twice = {.nthreads = 2, .updates = 2, .delta = {1, 1}};
    static const long v2[] = {2, 3, 4}, w2[] = {702, 216, 6};
    expect_outcomes(&twice, "two threads each running x += 1 twice", 924, 3, v2, w2,
                    NULL);

    /* 9 steps, 3 per thread: 9! / (3! 3! 3!) = 1680 schedules. */
    struct program three = {.nthreads = 3, .updates = 1, .delta = {1, 10, 100}, .x0 = 5};
    static const long v3[] = {6, 15, 16, 105, 106, 115, 116};
    static const long w3[] = {468, 468, 90, 468, 90, 90, 6};
    static const char *const s3[] = {"001112220", "001012221", "000112221",
                                     "001120122", "000112122", "001011222",
                                     "000111222"};
    expect_outcomes(&three, "x0 = 5; three threads add 1, 10 and 100", 1680, 7, v3, w3,
                    s3);
}
