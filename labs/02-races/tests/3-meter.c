/* 3-meter.c - lab 02, Part 3: the lost-update meter. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "races.h"

static void expect_consistent(const struct lost_updates *m, int nthreads, long iterations)
{
    long expected = (long)nthreads * iterations;
    ck_assert_msg(m->expected == expected, "%d threads x %ld increments: expected "
                  "`expected` to be %ld, got %ld", nthreads, iterations, expected,
                  m->expected);
    ck_assert_msg(m->final + m->lost == m->expected, "%d threads x %ld: final (%ld) + "
                  "lost (%ld) should equal expected (%ld): the figures do not add up",
                  nthreads, iterations, m->final, m->lost, m->expected);
    ck_assert_msg(m->lost >= 0 && m->final <= expected, "%d threads x %ld: lost = %ld, "
                  "final = %ld: racing increments can lose updates, never invent them",
                  nthreads, iterations, m->lost, m->final);
    double percent = expected ? 100.0 * (double)m->lost / (double)expected : 0.0;
    double off = m->percent_lost - percent;
    ck_assert_msg(off > -1e-9 && off < 1e-9, "%d threads x %ld: %ld of "
                  "%ld lost is %.6f%%, got percent_lost = %.6f", nthreads, iterations,
                  m->lost, expected, percent, m->percent_lost);
}

TEST(lost_update_meter_adds_up, 7, 10, "measure_lost_updates")
{
    struct lost_updates alone, together;
    ck_assert_int_eq(measure_lost_updates(1, 100000, &alone), 0);
    expect_consistent(&alone, 1, 100000);
    ck_assert_msg(alone.lost == 0, "one thread alone lost %ld updates: with nobody to "
                  "race, the racy counter must be exact", alone.lost);

    ck_assert_int_eq(measure_lost_updates(4, 100000, &together), 0);
    printf("4 threads x 100000: final %ld, lost %ld (%.1f%%)\n", together.final,
           together.lost, together.percent_lost);
    expect_consistent(&together, 4, 100000);
}
