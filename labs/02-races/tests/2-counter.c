/* 2-counter.c - lab 02, Part 2: the seed's counter, three ways. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "races.h"

typedef int (*count_fn)(const struct counter_run *run, long *total);

static void expect_total(count_fn count, const char *name, int nthreads,
                         long iterations, const long *deltas, const char *hint)
{
    long want = 0;
    for (int t = 0; t < nthreads; t++)
        want += deltas[t] * iterations;
    struct counter_run run = {nthreads, iterations, deltas};
    long total = -424242;
    int err = count(&run, &total);
    ck_assert_msg(err == 0, "%s with %d threads: expected 0, returned %d", name,
                  nthreads, err);
    ck_assert_msg(total == want, "%s: %d threads x %ld updates should end at %ld, "
                  "ended at %ld (%ld off): %s", name, nthreads, iterations, want, total,
                  want - total, hint);
}

static const long seed_deltas[] = {1, -1};
static const long alternating[] = {1, -1, 1, -1, 1, -1, 1, -1};
static const long all_ones[] = {1, 1, 1, 1, 1, 1, 1, 1};
static const long one_to_eight[] = {1, 2, 3, 4, 5, 6, 7, 8};

TEST(atomic_counter_is_exact, 12, 20, "count_atomic, count_shared, add_atomically")
{
    const char *hint = "updates were lost, so the read, the add and the write were "
                       "not one indivisible step: use atomic_fetch_add on the shared "
                       "total, not a load and a store, and not a plain +=";
    expect_total(count_atomic, "count_atomic", 2, COUNT_ITERATIONS, seed_deltas, hint);
    expect_total(count_atomic, "count_atomic", 8, COUNT_ITERATIONS, all_ones, hint);
    expect_total(count_atomic, "count_atomic", 8, 1000, one_to_eight,
                 "each thread must add its own delta, deltas[t]");
}

TEST(confined_counter_is_exact, 12, 20, "count_confined, add_privately")
{
    const char *hint = "each thread must count only in its own counter, and the "
                       "counters are added up after every thread has been joined";
    expect_total(count_confined, "count_confined", 2, COUNT_ITERATIONS, seed_deltas, hint);
    expect_total(count_confined, "count_confined", 8, COUNT_ITERATIONS, alternating, hint);
    expect_total(count_confined, "count_confined", 8, 1000, one_to_eight, hint);
}

TEST(racy_counter_stays_honest, 5, 10, "count_racy, count_shared, add_racily")
{
    /* Alone, the racy counter has no one to lose updates to: exact. */
    static const long three[] = {3};
    expect_total(count_racy, "count_racy", 1, 100000, three,
                 "with a single thread nothing can be lost: add deltas[t] to the "
                 "shared total once per iteration");

    /* Together, updates may or may not be lost; the total can never gain. */
    struct counter_run run = {4, 100000, all_ones};
    long total = -1;
    int err = count_racy(&run, &total);
    ck_assert_msg(err == 0, "count_racy with 4 threads: expected 0, returned %d", err);
    ck_assert_msg(total >= 1 && total <= 400000, "4 threads x 100000 racy increments "
                  "ended at %ld: lost updates can only make it smaller than 400000, "
                  "and the last store writes at least 1", total);
    /* The ThreadSanitizer pass fails this test if the total is a plain long:
     * the race must be on purpose and well defined (relaxed atomics). */
}
