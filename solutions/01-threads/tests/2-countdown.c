/* 2-countdown.c - lab 01's hidden tests for Part 2, graded after the deadline. */
#include <errno.h>
#include <stdatomic.h>

#include "lab_test.h"
#include "testkit.h"
#include "threads.h"

static void ignore_tick(int n, void *ctx) { (void)n, (void)ctx; }

HIDDEN_TEST(countdown_stopped_at_once, 3, 10, "countdown_stop, countdown_body")
{
    /* Stop may arrive before the thread has even run: the request must not
     * be lost.  A lost request costs the whole 5 s tick; the margin, a
     * quarter tick, only has to absorb a loaded machine. */
    const double interval = 5.0;
    struct countdown c;
    double start = now_s();
    ck_assert_int_eq(countdown_start(&c, 5, interval, ignore_tick, NULL), 0);
    countdown_stop(&c);
    int ticks = countdown_join(&c);
    ck_assert_msg(now_s() - start < interval / 4, "a countdown stopped right after it "
                  "started took %.2f s to end: was the stop request lost?",
                  now_s() - start);
    ck_assert_msg(ticks <= 1, "expected at most 1 tick, got %d", ticks);
}
