/* 2-waiting.c - lab 05's hidden tests for Part 2, graded after the deadline. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>

#include "helpers.h"

HIDDEN_TEST(as_completed_of_nothing_and_wait_timeout_zero, 2, 5, "as_completed, futures_wait")
{
    struct as_completed *it = as_completed(NULL, 0, NO_TIMEOUT);
    ck_assert_ptr_nonnull(it);
    struct future *f = (struct future *)1;
    ck_assert_msg(as_completed_next(it, &f) == RESULT_OK && f == NULL,
                  "as_completed over no futures should end at once");
    as_completed_free(it);

    struct executor *ex = executor_new(1);
    ck_assert_ptr_nonnull(ex);
    struct future *fs[1] = {executor_submit(ex, double_it, (void *)3)};
    ck_assert_ptr_nonnull(fs[0]);
    ck_assert_int_eq(future_result(fs[0], 5.0, NULL, NULL), RESULT_OK);
    struct future *done[1], *not_done[1];
    size_t nd = 0, nn = 0;
    ck_assert_int_eq(futures_wait(fs, 1, 0, FIRST_COMPLETED, done, &nd, not_done, &nn), 0);
    ck_assert_msg(nd == 1 && nn == 0, "wait(timeout=0) on a finished future: expected it done");
    future_release(fs[0]);
    executor_free(ex);
}

HIDDEN_TEST(as_completed_yields_a_done_future_past_its_deadline, 3, 30,
            "as_completed_next, wait_for_announcements, notify_waiter")
{
    /* CPython yields finished futures before it looks at the deadline.  Here
     * a future becomes done on another thread while this one spins on
     * future_done(); the moment it is done, two iterators whose deadline has
     * already passed must yield it, not time out.  A future's state turns
     * final a moment before its watchers hear of it; FILLERS more watchers
     * on the same future stretch that moment, whichever order they are told
     * in (the two iterators are the first and the last to watch).  A correct
     * iterator passes every round whatever the timing; one that only looks
     * at what it has been told times out in most rounds; one that only takes
     * each done future's lock times out when the finishing thread is held up
     * between the state and its lock (a loaded machine does that). */
    enum { FILLERS = 1000, ROUNDS = 30 };
    static struct as_completed *fillers[FILLERS];
    for (int round = 0; round < ROUNDS; round++) {
        struct future *f = future_new(double_it, (void *)21);
        ck_assert_ptr_nonnull(f);
        struct as_completed *first = as_completed(&f, 1, 0);   /* deadline: now */
        for (int i = 0; i < FILLERS; i++)
            ck_assert_ptr_nonnull(fillers[i] = as_completed(&f, 1, NO_TIMEOUT));
        struct as_completed *last = as_completed(&f, 1, 0);
        ck_assert(first && last);
        pthread_t t;
        ck_assert_int_eq(pthread_create(&t, NULL, run_future, f), 0);
        for (unsigned spins = 1; !future_done(f); spins++)
            if (spins % 4096 == 0)
                sched_yield();   /* one core: let the finishing thread run */
        struct future *a = NULL, *b = NULL;
        int ra = as_completed_next(first, &a);
        int rb = as_completed_next(last, &b);
        pthread_join(t, NULL);
        ck_assert_msg(ra == RESULT_OK && a == f && rb == RESULT_OK && b == f,
                      "round %d: future_done() said the future was done, but "
                      "as_completed_next with a passed deadline returned %s and %s: a "
                      "future that is done must be yielded before the deadline counts (as "
                      "CPython does); its watchers may not have been told yet (its state turns "
                      "final before future_run takes its lock to tell them), so wait for the "
                      "announcements sure to come: a done future whose state word lost its "
                      "LISTENED bit", round + 1,
                      ra == RESULT_OK ? "RESULT_OK" : "RESULT_TIMEOUT",
                      rb == RESULT_OK ? "RESULT_OK" : "RESULT_TIMEOUT");
        for (int i = FILLERS - 1; i >= 0; i--)
            as_completed_free(fillers[i]);
        as_completed_free(first);
        as_completed_free(last);
        future_release(f);
    }
}
