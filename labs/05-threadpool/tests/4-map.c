/* 4-map.c - lab 05, Part 4: map. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* Task i finishes only after task i+1 has: they finish in reverse order. */
struct relay {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int finished_from;   /* tasks >= this have finished */
};

static struct relay relay = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 4};

static void *finish_after_next(void *arg, struct task_error *error)
{
    (void)error;
    intptr_t i = (intptr_t)arg;
    struct timespec deadline = clock_in(CLOCK_REALTIME, 2.0);
    pthread_mutex_lock(&relay.lock);
    while (relay.finished_from != i + 1 &&
           pthread_cond_timedwait(&relay.cv, &relay.lock, &deadline) == 0)
        ;
    relay.finished_from = (int)i;
    pthread_cond_broadcast(&relay.cv);
    pthread_mutex_unlock(&relay.lock);
    return (void *)(i * 10);
}

TEST(map_returns_results_in_input_order, 3, 10, "executor_map")
{
    struct executor *ex = new_pool(4);
    void *args[4] = {(void *)0, (void *)1, (void *)2, (void *)3};
    void *results[4] = {0};
    size_t completed = 99;
    int rc = executor_map(ex, finish_after_next, args, 4, 5.0, results, NULL, &completed);
    ck_assert_msg(rc == RESULT_OK && completed == 4, "expected map to return RESULT_OK with 4 "
                  "results, got %s with %zu", status_name(rc), completed);
    for (int i = 0; i < 4; i++)
        ck_assert_msg(results[i] == (void *)(intptr_t)(i * 10), "executor_map: the 4 calls "
                      "finished in reverse order; results must still be in input order: "
                      "expected results[%d] = %d, got %ld", i, i * 10, (long)(intptr_t)results[i]);
    rc = executor_map(ex, finish_after_next, args, 0, 5.0, results, NULL, &completed);
    ck_assert_msg(rc == RESULT_OK && completed == 0, "map over no items: expected RESULT_OK "
                  "and 0 results, got %s and %zu", status_name(rc), completed);
    executor_free(ex);
}

/* For the map error test, on 2 workers: call 1 fails once call 2 is running.
 * Calls 2 and 3 then wait at a gate until map has returned, so calls 4 and 5
 * are still queued when map sees the error, and only map's cancelling keeps
 * them from running once the gate opens.  The worker that ran call 1 is free
 * at once, though, and may start call 4 while map is still cancelling (if
 * map cancelled call 3 first): as in Python, a call already running cannot
 * be cancelled.  So only a call that starts after map returned counts. */
struct map_error_case {
    struct gate after_map;
    atomic_int started2;
    atomic_int map_returned;
    atomic_int late_runs;   /* calls 4 and 5 that started after map returned */
};

static struct map_error_case mec = {GATE_INIT, 0, 0, 0};

static void *map_error_task(void *arg, struct task_error *error)
{
    intptr_t i = (intptr_t)arg;
    if (i == 1) {
        double deadline = now_s() + 2.0;
        while (!atomic_load(&mec.started2) && now_s() < deadline)
            sleep_s(0.0005);
        return task_fail(error, ERANGE, "call 1 failed");
    }
    if (i == 2)
        atomic_store(&mec.started2, 1);
    if (i == 2 || i == 3)
        gate_wait(&mec.after_map);
    if (i >= 4 && atomic_load(&mec.map_returned))
        atomic_fetch_add(&mec.late_runs, 1);
    return (void *)i;
}

TEST(map_error_or_timeout_cancels_the_rest, 3, 10, "executor_map, future_cancel")
{
    struct executor *ex = new_pool(2);
    void *args[6] = {(void *)0, (void *)1, (void *)2, (void *)3, (void *)4, (void *)5};
    void *results[6] = {0};
    struct task_error error = {0, NULL};
    size_t completed = 99;
    int rc = executor_map(ex, map_error_task, args, 6, 5.0, results, &error, &completed);
    atomic_store(&mec.map_returned, 1);
    gate_open(&mec.after_map);
    executor_shutdown(ex, true, false);
    ck_assert_msg(rc == RESULT_ERROR && error.code == ERANGE, "call 1 of 6 failed: expected "
                  "map to return RESULT_ERROR with its code %d, got %s and code %d", ERANGE,
                  status_name(rc), error.code);
    ck_assert_msg(completed == 1 && results[0] == (void *)0, "expected 1 result before the "
                  "failed call, got %zu", completed);
    ck_assert_msg(mec.late_runs == 0, "after call 1 failed, %d of the 2 calls still queued "
                  "started after map returned: map must cancel every call it has not "
                  "returned", (int)mec.late_runs);
    executor_free(ex);

    /* Timeout: the first call is stuck, so map gives up and cancels the rest. */
    struct gate g = GATE_INIT;
    atomic_int runs = 0;
    ex = new_pool(1);
    struct future *blocker = submit(ex, wait_at_gate, &g);
    void *counters[3] = {&runs, &runs, &runs};
    double start = now_s();
    rc = executor_map(ex, count_run, counters, 3, 0.05, results, NULL, &completed);
    double took = now_s() - start;
    gate_open(&g);
    executor_shutdown(ex, true, false);
    ck_assert_msg(rc == RESULT_TIMEOUT && completed == 0, "map(timeout=0.05) behind a stuck "
                  "task: expected RESULT_TIMEOUT and 0 results, got %s and %zu",
                  status_name(rc), completed);
    ck_assert_msg(took >= 0.05 - 0.001, "map(timeout=0.05) gave up after %.1f ms", took * 1e3);
    ck_assert_msg(runs == 0, "%d calls ran after map timed out: a timeout cancels the rest",
                  (int)runs);
    future_release(blocker);
    executor_free(ex);
}
