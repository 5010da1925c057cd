/* 1-explorer.c - lab 02's hidden tests for Part 1, graded after the deadline. */
#include <errno.h>
#include <string.h>

#include "lab_test.h"
#include "races.h"
#include "testkit.h"

HIDDEN_TEST(run_schedule_rejects_what_is_not_a_schedule, 3, 5,
            "run_schedule, explore_interleavings")
{
    const struct program p = {.nthreads = 2, .updates = 1, .delta = {1, -1}};
    static const char *const wrong[] = {
        "00011",     /* thread 1 still has a step left */
        "0001110",   /* thread 0 named a fourth time */
        "001111",    /* right length, but thread 1 four times */
        "000122",    /* there is no thread 2 */
        "000 111",
        "",
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        long x = 99;
        int err = run_schedule(&p, wrong[i], &x);
        ck_assert_msg(err == EINVAL, "schedule \"%s\" is not a complete schedule of two "
                      "threads with 3 steps each: expected EINVAL, got %d", wrong[i], err);
    }
    struct program bad[] = {
        {.nthreads = 0, .updates = 1},
        {.nthreads = SIM_MAX_THREADS + 1, .updates = 1},
        {.nthreads = 2, .updates = 0},
        {.nthreads = 4, .updates = 2},           /* 24 steps > SIM_MAX_STEPS */
        {.nthreads = 1, .updates = 1 << 30},     /* must not overflow into "valid" */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct outcomes out;
        long x;
        ck_assert_msg(explore_interleavings(&bad[i], &out) == EINVAL, "expected EINVAL "
                      "from explore_interleavings for nthreads = %d, updates = %d",
                      bad[i].nthreads, bad[i].updates);
        ck_assert_msg(run_schedule(&bad[i], "000", &x) == EINVAL, "expected EINVAL "
                      "from run_schedule for nthreads = %d, updates = %d",
                      bad[i].nthreads, bad[i].updates);
    }
}

HIDDEN_TEST(explorer_handles_four_threads, 2, 10, "explore_interleavings, explore")
{
    /* 12! / (3!)^4 = 369600 schedules; most lose all but one update. */
    const struct program p = {.nthreads = 4, .updates = 1, .delta = {1, 1, 1, 1}};
    static const long values[] = {1, 2, 3, 4}, ways[] = {291600, 74952, 3024, 24};
    struct outcomes out;
    ck_assert_int_eq(explore_interleavings(&p, &out), 0);
    ck_assert_msg(out.schedules == 369600, "expected 369600 schedules, got %ld",
                  out.schedules);
    ck_assert_msg(out.count == 4, "expected final values 1..4, got %d values", out.count);
    for (int i = 0; i < 4; i++)
        ck_assert_msg(out.value[i] == values[i] && out.ways[i] == ways[i],
                      "expected %ld schedules ending at %ld, got %ld ending at %ld",
                      ways[i], values[i], out.ways[i], out.value[i]);
}
