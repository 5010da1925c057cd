/* 3-workers.c - lab 01's hidden tests for Part 3, graded after the deadline. */
#include <errno.h>
#include <stdatomic.h>

#include "lab_test.h"
#include "testkit.h"
#include "threads.h"

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
