/* 1-futures.c - lab 05's hidden tests for Part 1, graded after the deadline. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>

#include "helpers.h"

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
