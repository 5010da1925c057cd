/* hidden_tests.c - lab 01's hidden tests, graded after the deadline. */
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

static void nothing(int i, void *ctx) { (void)i, (void)ctx; }

HIDDEN_TEST(run_on_threads_checks_arguments, 3, 5, "run_on_threads")
{
    struct run_times t;
    ck_assert_msg(run_on_threads(0, 3, nothing, NULL, &t) == 0,
                  "zero tasks is not an error");
    ck_assert_msg(run_on_threads(-1, 3, nothing, NULL, &t) == EINVAL,
                  "expected EINVAL for ntasks < 0");
    ck_assert_msg(run_on_threads(5, 0, nothing, NULL, &t) == EINVAL,
                  "expected EINVAL for nworkers < 1");
}

static void count(int i, void *ctx) { atomic_fetch_add(&((atomic_int *)ctx)[i], 1); }

HIDDEN_TEST(more_workers_than_tasks, 4, 5, "run_on_threads, worker")
{
    atomic_int runs[3] = {0};
    struct run_times t;
    ck_assert_int_eq(run_on_threads(3, 8, count, runs, &t), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_msg(runs[i] == 1, "3 tasks on 8 workers: task %d ran %d times",
                      i, (int)runs[i]);
}
