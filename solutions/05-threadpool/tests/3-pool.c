/* 3-pool.c - lab 05's hidden tests for Part 3, graded after the deadline. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>

#include "helpers.h"

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

    /* A released future still running while another worker takes the next
     * task: whatever the queue did with the first, it must not free it
     * before its run ends (the sanitizers report it if it does). */
    struct gate gate = GATE_INIT;
    ex = executor_new(2);
    ck_assert_ptr_nonnull(ex);
    struct future *held = executor_submit(ex, wait_at_gate, &gate);
    ck_assert_ptr_nonnull(held);
    ck_assert_msg(eventually(is_running, held, 5.0), "a task did not start within 5 s");
    future_release(held);   /* now only the pool owns it, and it is running */
    struct future *next = executor_submit(ex, double_it, (void *)1);
    ck_assert_ptr_nonnull(next);
    ck_assert_msg(future_result(next, 5.0, NULL, NULL) == RESULT_OK, "with one worker "
                  "blocked, the second did not run a new task within 5 s");
    future_release(next);
    gate_open(&gate);       /* the first task ends: its future must still be there */
    executor_free(ex);
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
