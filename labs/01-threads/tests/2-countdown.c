/* 2-countdown.c - lab 01, Part 2: a countdown that stops promptly. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lab_test.h"
#include "testkit.h"
#include "threads.h"

struct tick_log {
    pthread_mutex_t lock;
    pthread_cond_t ticked;
    int count;
    int n[64];
    double at[64];
};

static void log_tick(int n, void *ctx)
{
    struct tick_log *log = ctx;
    pthread_mutex_lock(&log->lock);
    if (log->count < 64) {
        log->n[log->count] = n;
        log->at[log->count] = now_s();
    }
    log->count++;
    pthread_cond_broadcast(&log->ticked);
    pthread_mutex_unlock(&log->lock);
}

#define TICK_LOG_INIT {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {0}, {0}}

TEST(countdown_ticks_in_order_one_interval_apart, 7, 5,
     "countdown_body, countdown_start, countdown_join")
{
    const double interval = 0.03;
    double took = 0, bound = 0;
    /* Every try must tick in order and never early; only the upper bound,
     * which load can only push up, is judged on the best of three tries. */
    for (int try = 0; try < 3 && (try == 0 || took > bound); try++) {
        struct tick_log log = TICK_LOG_INIT;
        struct countdown c;

        /* Baseline from this run: how late a plain 30 ms sleep wakes on this
         * machine right now, taken just before and just after the countdown
         * (the larger counts: one sample can miss a burst of load that the
         * countdown met).  The upper bound allows 4 such delays plus 100 ms,
         * so a loaded machine passes while waiting twice as long per tick
         * (another 120 ms) does not. */
        double before = now_s();
        sleep_s(interval);
        double lateness = now_s() - before - interval;

        double start = now_s();
        ck_assert_int_eq(countdown_start(&c, 4, interval, log_tick, &log), 0);
        int ticks = countdown_join(&c);
        took = now_s() - start;

        before = now_s();
        sleep_s(interval);
        lateness = fmax(lateness, now_s() - before - interval);
        bound = 4 * interval + 4 * lateness + 0.1;

        ck_assert_msg(log.count == 4, "expected 4 ticks (4, 3, 2, 1), got %d", log.count);
        ck_assert_msg(ticks == 4, "expected countdown_join to return 4 ticks, got %d", ticks);
        for (int i = 0; i < 4; i++) {
            ck_assert_msg(log.n[i] == 4 - i, "tick %d: expected T-minus %d, got %d",
                          i + 1, 4 - i, log.n[i]);
            double due = start + i * interval;
            ck_assert_msg(log.at[i] >= due - 0.001, "tick %d came %.1f ms early: "
                          "wait for the whole interval, also after a spurious wakeup",
                          i + 1, (due - log.at[i]) * 1e3);
        }
        ck_assert_msg(took >= 4 * interval - 0.001, "expected the countdown to last "
                      "4 intervals (it waits after the last tick too), it took %.0f ms",
                      took * 1e3);
    }
    ck_assert_msg(took <= bound, "expected about %.0f ms for 4 ticks, took %.0f ms "
                  "(in each of 3 tries)", 4 * interval * 1e3, took * 1e3);
}

static bool ticked_once(void *log)
{
    struct tick_log *l = log;
    pthread_mutex_lock(&l->lock);
    bool yes = l->count > 0;
    pthread_mutex_unlock(&l->lock);
    return yes;
}

TEST(countdown_stops_promptly, 15, 10, "countdown_stop, countdown_body")
{
    /* One tick is 3 s; a stopped countdown must end within a quarter of it.
     * Sleeping through the tick takes the whole 3 s, waiting on the
     * condition variable takes microseconds: the margin only has to absorb
     * a loaded machine, and at a quarter tick it does, even at load 20. */
    const double interval = 3.0;
    struct tick_log log = TICK_LOG_INIT;
    struct countdown c;
    ck_assert_int_eq(countdown_start(&c, 10, interval, log_tick, &log), 0);
    ck_assert_msg(eventually(ticked_once, &log, 3.0),
                  "the countdown made no tick within 3 s of starting");
    double asked = now_s();
    countdown_stop(&c);
    double stop_returned = now_s();
    int ticks = countdown_join(&c);
    double took = now_s() - asked;

    ck_assert_msg(stop_returned - asked < interval / 4, "countdown_stop blocked for "
                  "%.2f s: it should only ask, and return at once", stop_returned - asked);
    ck_assert_msg(took < interval / 4, "expected the countdown to stop within %.2f s "
                  "of being asked, it took %.2f s: wait on the condition variable "
                  "instead of sleeping, and signal it in countdown_stop", interval / 4, took);
    ck_assert_msg(ticks == 1, "expected exactly 1 tick before the stop, got %d", ticks);
}

/* ---- under the kit's scheduler ------------------------------------------ */

/* Under 60 schedules of the kit's scheduler (the handout's "Schedules"),
 * on its virtual clock, where a thread may be stopped at any lock, unlock,
 * wait or signal and a timed wait may end early (a spurious wakeup):
 *  1. three ticks one second apart, never early: a wait that ends early
 *     must wait again for the time that is left;
 *  2. a countdown of 100 ticks, stopped while it waits for its next tick:
 *     it ends at once, not at that tick.
 * Time is the scheduler's, so "at once" and "one second" are exact. */
SCHEDULE_TEST(countdown_under_schedules, 3, 20, "countdown_body, countdown_stop", 60)
{
    struct tick_log log = TICK_LOG_INIT;
    struct countdown c;
    ck_assert_int_eq(countdown_start(&c, 3, 1.0, log_tick, &log), 0);
    int ticks = countdown_join(&c);
    ck_assert_msg(ticks == 3 && log.count == 3, "a countdown from 3 ticked %d times (%d "
                  "logged), expected 3", ticks, log.count);
    for (int i = 1; i < 3; i++)
        ck_assert_msg(log.at[i] - log.at[i - 1] >= 1.0 - 1e-3, "ticks %d and %d came %.3f s "
                      "apart, expected at least the interval, 1 s: a wait that ends early (POSIX "
                      "allows it) must wait again for the rest of the interval: `while`, not `if`",
                      log.n[i - 1], log.n[i], log.at[i] - log.at[i - 1]);

    struct tick_log log2 = TICK_LOG_INIT;
    ck_assert_int_eq(countdown_start(&c, 100, 1.0, log_tick, &log2), 0);
    sched_settle();   /* it waits for its next tick */
    double stopped = now_s();
    countdown_stop(&c);
    countdown_join(&c);
    double took = now_s() - stopped;
    ck_assert_msg(took < 0.5, "a countdown stopped while it waited for its next tick ended "
                  "%.3f s later, at that tick: countdown_stop must wake it (signal the "
                  "condition variable it waits on)", took);
}
