/* 3-meter.c - lab 02's hidden tests for Part 3, graded after the deadline. */
#include <errno.h>
#include <string.h>

#include "lab_test.h"
#include "races.h"
#include "testkit.h"

HIDDEN_TEST(meter_with_nothing_to_count, 2, 5, "measure_lost_updates")
{
    struct lost_updates m;
    memset(&m, 0x55, sizeof m);
    ck_assert_int_eq(measure_lost_updates(4, 0, &m), 0);
    ck_assert_msg(m.expected == 0 && m.final == 0 && m.lost == 0,
                  "0 increments: expected 0 expected, 0 final, 0 lost; got %ld, %ld, %ld",
                  m.expected, m.final, m.lost);
    ck_assert_msg(m.percent_lost == 0.0, "0 of 0 updates lost is 0%%, got %f "
                  "(a division by zero?)", m.percent_lost);
    ck_assert_msg(measure_lost_updates(0, 10, &m) == EINVAL,
                  "0 threads: expected EINVAL from the racy counter");
}
