/* hidden_tests.c - lab 05's hidden tests, graded after the deadline. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>

#include "lab_test.h"
#include "testkit.h"
#include "threadpool.h"

static void *double_it(void *arg, struct task_error *error)
{
    (void)error;
    return (void *)((intptr_t)arg * 2);
}

/* A callback that uses its own future: result() and add_done_callback()
 * must work inside it, so no lock may be held while callbacks run. */
struct reentry {
    atomic_int calls;
    atomic_int inner;
    void *value;
};

static void inner_callback(struct future *f, void *ctx)
{
    (void)f;
    atomic_fetch_add(&((struct reentry *)ctx)->inner, 1);
}

static void reentrant_callback(struct future *f, void *ctx)
{
    struct reentry *r = ctx;
    future_result(f, 1.0, &r->value, NULL);
    future_add_done_callback(f, inner_callback, r);
    atomic_fetch_add(&r->calls, 1);
}

HIDDEN_TEST(callback_can_use_its_future, 2, 10,
            "run_callbacks, future_run, future_add_done_callback")
{
    struct executor *ex = executor_new(2);
    ck_assert_ptr_nonnull(ex);
    struct reentry r[20];
    struct future *fs[20];
    for (int i = 0; i < 20; i++) {
        r[i] = (struct reentry){0, 0, NULL};
        fs[i] = executor_submit(ex, double_it, (void *)(intptr_t)i);
        ck_assert_ptr_nonnull(fs[i]);
        ck_assert_int_eq(future_add_done_callback(fs[i], reentrant_callback, &r[i]), 0);
    }
    executor_free(ex);   /* waits for every task, and so for every callback */
    for (int i = 0; i < 20; i++) {
        ck_assert_msg(r[i].calls == 1 && r[i].inner == 1 && r[i].value == (void *)(intptr_t)(2 * i),
                      "future %d: a callback that calls result() and add_done_callback() on "
                      "its own future did not complete (calls %d, inner %d): run callbacks "
                      "with no lock held", i, (int)r[i].calls, (int)r[i].inner);
        future_release(fs[i]);
    }
}

static void *count_run(void *arg, struct task_error *error)
{
    (void)error;
    atomic_fetch_add((atomic_int *)arg, 1);
    return NULL;
}

HIDDEN_TEST(released_futures_still_run, 2, 10, "future_release, worker_main, executor_free")
{
    atomic_int runs = 0;
    struct executor *ex = executor_new(3);
    ck_assert_ptr_nonnull(ex);
    for (int i = 0; i < 200; i++) {
        struct future *f = executor_submit(ex, count_run, &runs);
        ck_assert_ptr_nonnull(f);
        future_release(f);   /* fire and forget: the queue keeps it alive */
    }
    executor_free(ex);
    ck_assert_msg(runs == 200, "200 tasks whose futures were released at once: %d ran "
                  "(expected all, before executor_free returned)", (int)runs);
}

struct shutdown_call {
    struct executor *ex;
    pthread_t thread;
};

static void *shut_down(void *arg)
{
    executor_shutdown(((struct shutdown_call *)arg)->ex, true, false);
    return NULL;
}

HIDDEN_TEST(shutdown_from_two_threads, 1, 10, "executor_shutdown")
{
    struct executor *ex = executor_new(4);
    ck_assert_ptr_nonnull(ex);
    for (int i = 0; i < 8; i++) {
        struct future *f = executor_submit(ex, double_it, (void *)1);
        ck_assert_ptr_nonnull(f);
        future_release(f);
    }
    struct shutdown_call calls[2] = {{ex, 0}, {ex, 0}};
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&calls[i].thread, NULL, shut_down, &calls[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(calls[i].thread, NULL);
    executor_shutdown(ex, true, true);
    executor_free(ex);   /* a worker joined twice would crash or hang here */
}

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

static void *run_future(void *f)
{
    future_run(f);
    return NULL;
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
     * at what it has been told times out in most rounds. */
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
                      "CPython does); its watchers may not have been told yet, so wait for "
                      "the announcement (its lock) before giving up", round + 1,
                      ra == RESULT_OK ? "RESULT_OK" : "RESULT_TIMEOUT",
                      rb == RESULT_OK ? "RESULT_OK" : "RESULT_TIMEOUT");
        for (int i = FILLERS - 1; i >= 0; i--)
            as_completed_free(fillers[i]);
        as_completed_free(first);
        as_completed_free(last);
        future_release(f);
    }
}
