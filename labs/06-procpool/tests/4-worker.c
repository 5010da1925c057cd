/* 4-worker.c - lab 06, Part 4: the worker (tasks in its own process, unknown
 * and failing functions). */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

TEST(submit_runs_task_in_a_worker_process, 5, 10,
     "procpool_new, start_worker, worker_main, feeder, collector, procpool_submit")
{
    register_all();
    errno = 0;
    ck_assert_msg(procpool_new(0) == NULL && errno == EINVAL,
                  "expected procpool_new(0) to fail with EINVAL");
    ck_assert_msg(procpool_new(PROCPOOL_MAX_WORKERS + 1) == NULL && errno == EINVAL,
                  "expected procpool_new(%d) to fail with EINVAL", PROCPOOL_MAX_WORKERS + 1);

    struct procpool *p = new_pool(1);
    pid_t worker = procpool_worker_pid(p, 0);
    struct future *f = submit_i64(p, "double_it", 21);
    ck_assert_msg(result_i64(f, 5, "double_it(21)") == 42, "expected double_it(21) = 42");
    ck_assert_msg(future_done(f) && future_state(f) == FUTURE_FINISHED,
                  "after its result, expected the future to be done and FINISHED, state %d",
                  (int)future_state(f));
    future_release(f);

    f = submit_i64(p, "whoami", 0);
    int64_t ran_in = result_i64(f, 5, "whoami()");
    future_release(f);
    ck_assert_msg(ran_in != getpid(), "the task ran in the test's own process: it must run "
                  "in a forked worker");
    ck_assert_msg(ran_in == worker, "the task ran in process %ld, but the pool's only worker "
                  "is %d", (long)ran_in, (int)worker);
    procpool_shutdown(p, true, false);
}

TEST(unknown_function_is_a_clear_error, 5, 10, "worker_main, procpool_submit, procpool_map")
{
    register_all();
    struct procpool *p = new_pool(1);
    /* Registered after the fork: the parent knows it, the worker does not.
     * Python says "Can't get attribute 'late' on <module '__main__'>". */
    ck_assert_int_eq(procpool_register("late", late), 0);
    struct future *f = submit_i64(p, "late", 1);
    int status = future_result(f, 5, NULL, NULL);
    future_release(f);
    ck_assert_msg(status == PROCPOOL_NO_FUNCTION, "a function registered after procpool_new "
                  "is unknown to the worker: expected PROCPOOL_NO_FUNCTION, got %d (%s)%s",
                  status, procpool_strerror(status), status == PROCPOOL_BROKEN ?
                  ": did the worker call a function it does not have, and crash?" : "");

    f = submit_i64(p, "fail", 1);
    status = future_result(f, 5, NULL, NULL);
    future_release(f);
    ck_assert_msg(status == PROCPOOL_TASK_FAILED, "a function that returns -1: expected "
                  "PROCPOOL_TASK_FAILED, got %d (%s)", status, procpool_strerror(status));
    int64_t xs[4] = {1, 2, 3, 4}, ys[4];
    status = procpool_map(p, "fail", xs, 8, ys, 8, 4, 2);
    ck_assert_msg(status == PROCPOOL_TASK_FAILED, "map of a failing function: expected "
                  "PROCPOOL_TASK_FAILED, got %d (%s)", status, procpool_strerror(status));

    f = (struct future *)&f;
    status = procpool_submit(p, "never_registered", xs, 8, &f);
    ck_assert_msg(status == PROCPOOL_NO_FUNCTION && f == NULL, "submit of a name nobody "
                  "registered: expected PROCPOOL_NO_FUNCTION and no future, got %d", status);
    status = procpool_map(p, "never_registered", xs, 8, ys, 8, 4, 1);
    ck_assert_msg(status == PROCPOOL_NO_FUNCTION, "map of a name nobody registered: expected "
                  "PROCPOOL_NO_FUNCTION, got %d", status);
    /* A real buffer, so that a submit that takes it anyway fails here, in
     * words, and not by reading past the end of a small one. */
    unsigned char *huge = calloc(1, (size_t)PROCPOOL_MAX_MESSAGE + 1);
    ck_assert(huge != NULL);
    f = (struct future *)&f;
    status = procpool_submit(p, "double_it", huge, (size_t)PROCPOOL_MAX_MESSAGE + 1, &f);
    free(huge);
    if (status == PROCPOOL_OK && f) {
        future_result(f, 10, NULL, NULL);
        future_release(f);
    }
    ck_assert_msg(status == PROCPOOL_BAD_ARGUMENT && f == NULL, "procpool_submit of an "
                  "argument of PROCPOOL_MAX_MESSAGE + 1 bytes: expected PROCPOOL_BAD_ARGUMENT "
                  "and no future, got %d (%s)", status, procpool_strerror(status));

    f = submit_i64(p, "double_it", 50);
    ck_assert_msg(result_i64(f, 5, "double_it after the errors") == 100,
                  "the pool gave a wrong result after the errors");
    future_release(f);
    procpool_shutdown(p, true, false);
}
