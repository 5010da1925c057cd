/* 2-counter.c - lab 02's hidden tests for Part 2, graded after the deadline. */
#include <errno.h>
#include <string.h>

#include "lab_test.h"
#include "races.h"
#include "testkit.h"

HIDDEN_TEST(counters_reject_bad_runs, 3, 10, "count_racy, count_atomic, count_confined")
{
    static const long ones[MAX_COUNTER_THREADS + 1] = {1};
    int (*const counts[])(const struct counter_run *, long *) = {count_racy, count_atomic,
                                                                count_confined};
    static const char *const names[] = {"count_racy", "count_atomic", "count_confined"};
    for (int c = 0; c < 3; c++) {
        struct counter_run none = {0, 10, ones}, many = {MAX_COUNTER_THREADS + 1, 10, ones},
                           negative = {2, -1, ones}, zero = {3, 0, ones};
        long total = 77;
        ck_assert_msg(counts[c](&none, &total) == EINVAL, "%s: 0 threads: expected "
                      "EINVAL", names[c]);
        ck_assert_msg(counts[c](&many, &total) == EINVAL, "%s: %d threads: expected "
                      "EINVAL", names[c], MAX_COUNTER_THREADS + 1);
        ck_assert_msg(counts[c](&negative, &total) == EINVAL, "%s: -1 iterations: "
                      "expected EINVAL", names[c]);
        ck_assert_msg(counts[c](&zero, &total) == 0 && total == 0, "%s: 0 iterations "
                      "should count to 0, got %ld", names[c], total);
    }
}
