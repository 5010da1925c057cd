/* 1-futures.c - lab 05, Part 1: the future, run by a pool.
 * Run with `make grade LAB=threadpool`. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

struct where {
    pthread_t ran_on;
    intptr_t input;
};

static void *note_thread_and_double(void *arg, struct task_error *error)
{
    (void)error;
    struct where *w = arg;
    w->ran_on = pthread_self();
    return (void *)(w->input * 2);
}

TEST(submit_runs_task_and_result_returns_its_value, 3, 5,
     "executor_submit, future_run, future_result")
{
    enum { N = 20 };
    struct executor *ex = new_pool(3);
    struct where w[N];
    struct future *fs[N];
    for (int i = 0; i < N; i++) {
        w[i] = (struct where){.input = i};
        fs[i] = submit(ex, note_thread_and_double, &w[i]);
    }
    for (int i = 0; i < N; i++) {
        void *value = NULL;
        int rc = future_result(fs[i], 5.0, &value, NULL);
        ck_assert_msg(rc == RESULT_OK, "task %d: expected future_result to return RESULT_OK, "
                      "got %s", i, status_name(rc));
        ck_assert_msg((intptr_t)value == 2 * i, "task %d: expected the value %d, got %ld", i,
                      2 * i, (long)(intptr_t)value);
        ck_assert_msg(!pthread_equal(w[i].ran_on, pthread_self()), "task %d ran on the "
                      "caller's thread: submit must queue it for a worker", i);
        ck_assert_msg(future_state(fs[i]) == FUTURE_FINISHED && future_done(fs[i]),
                      "task %d returned its value but its future is %s", i,
                      state_name(future_state(fs[i])));
        future_release(fs[i]);
    }
    executor_free(ex);
}

TEST(future_states_go_pending_running_finished, 3, 5,
     "future_run, future_state, future_done, future_running, future_cancelled")
{
    struct gate g = GATE_INIT;
    struct executor *ex = new_pool(1);
    struct future *a = submit(ex, wait_at_gate, &g);
    struct future *b = submit(ex, double_it, (void *)21);

    ck_assert_msg(eventually(is_running, a, 3.0), "a task waiting at a gate should be "
                  "RUNNING, but its future stayed %s for 3 s", state_name(future_state(a)));
    ck_assert_msg(future_state(b) == FUTURE_PENDING && !future_done(b) && !future_running(b)
                  && !future_cancelled(b), "with the only worker busy, a queued task should be "
                  "PENDING (not done, running or cancelled); it is %s", state_name(future_state(b)));
    ck_assert_msg(!future_done(a) && !future_cancelled(a), "a running future is neither done "
                  "nor cancelled");
    int rc = future_result(b, 0, NULL, NULL);
    ck_assert_msg(rc == RESULT_TIMEOUT, "result(timeout=0) of a pending future should time out "
                  "at once, got %s", status_name(rc));

    gate_open(&g);
    void *va = NULL, *vb = NULL;
    ck_assert_named_eq(future_result(a, 5.0, &va, NULL), RESULT_OK, status_name);
    ck_assert_named_eq(future_result(b, 5.0, &vb, NULL), RESULT_OK, status_name);
    ck_assert_msg(va == (void *)7 && vb == (void *)42, "expected the values 7 and 42, got %p "
                  "and %p", va, vb);
    for (int i = 0; i < 2; i++) {
        struct future *f = i ? b : a;
        ck_assert_msg(future_state(f) == FUTURE_FINISHED && future_done(f) &&
                      !future_running(f) && !future_cancelled(f), "a future whose result was "
                      "returned should be FINISHED (done, not running), it is %s",
                      state_name(future_state(f)));
    }
    future_release(a);
    future_release(b);
    executor_free(ex);
}

TEST(result_hands_back_the_task_error, 3, 5, "future_run, future_result, future_exception")
{
    struct executor *ex = new_pool(2);
    struct future *bad = submit(ex, fail_with_edom, NULL);
    struct future *good = submit(ex, double_it, (void *)5);

    void *value = (void *)1;
    struct task_error error = {0, NULL};
    int rc = future_result(bad, 5.0, &value, &error);
    ck_assert_msg(rc == RESULT_ERROR, "a task that reported an error: expected future_result "
                  "to return RESULT_ERROR (Python raises the exception), got %s",
                  status_name(rc));
    ck_assert_msg(error.code == EDOM && error.message && !strcmp(error.message, "no such number"),
                  "expected the task's error (code %d, \"no such number\"), got code %d and "
                  "message %s", EDOM, error.code, error.message ? error.message : "NULL");
    ck_assert_msg(future_state(bad) == FUTURE_FINISHED, "a task that failed is FINISHED, not %s",
                  state_name(future_state(bad)));

    error = (struct task_error){0, NULL};
    rc = future_exception(bad, 5.0, &error);
    ck_assert_msg(rc == RESULT_OK && error.code == EDOM, "future_exception of a failed task: "
                  "expected RESULT_OK and code %d, got %s and code %d", EDOM, status_name(rc),
                  error.code);
    error = (struct task_error){-1, "stale"};
    rc = future_exception(good, 5.0, &error);
    ck_assert_msg(rc == RESULT_OK && error.code == 0, "future_exception of a task that "
                  "succeeded: expected RESULT_OK and code 0 (Python returns None), got %s and "
                  "code %d", status_name(rc), error.code);
    ck_assert_named_eq(future_result(good, 5.0, &value, NULL), RESULT_OK, status_name);
    ck_assert_msg(value == (void *)10, "expected 10, got %p", value);
    future_release(bad);
    future_release(good);
    executor_free(ex);
}

TEST(result_times_out, 3, 5, "future_result, future_exception, wait_done")
{
    struct gate g = GATE_INIT;
    struct executor *ex = new_pool(1);
    struct future *f = submit(ex, wait_at_gate, &g);

    printf("waiting 50 ms for a task that cannot finish yet...\n");
    double start = now_s();
    int rc = future_result(f, 0.05, NULL, NULL);
    double took = now_s() - start;
    ck_assert_msg(rc == RESULT_TIMEOUT, "expected result(timeout=0.05) of a blocked task to "
                  "return RESULT_TIMEOUT, got %s", status_name(rc));
    /* Exact lower bound: a correct timed wait never returns early.  The upper
     * bound only catches a wait that ignores its deadline (that one hangs). */
    ck_assert_msg(took >= 0.05 - 0.001, "result(timeout=0.05) gave up after %.1f ms: wait "
                  "until an absolute deadline on the clock the condition variable uses, and "
                  "wait again after a spurious wakeup", took * 1e3);
    struct task_error error;
    rc = future_exception(f, 0.05, &error);
    ck_assert_msg(rc == RESULT_TIMEOUT, "expected exception(timeout=0.05) of a blocked task to "
                  "return RESULT_TIMEOUT, got %s", status_name(rc));

    gate_open(&g);
    void *value = NULL;
    rc = future_result(f, 5.0, &value, NULL);
    ck_assert_msg(rc == RESULT_OK && value == (void *)7, "after timing out once, the future "
                  "should still deliver its value: got %s and %p", status_name(rc), value);
    ck_assert_named_eq(future_result(f, 0, NULL, NULL), RESULT_OK, status_name);
    future_release(f);
    executor_free(ex);
}

TEST(cancel_succeeds_only_while_pending, 3, 5, "future_cancel, future_run, worker_main")
{
    struct gate g = GATE_INIT;
    atomic_int runs = 0;
    struct executor *ex = new_pool(1);
    struct future *running = submit(ex, wait_at_gate, &g);
    struct future *queued = submit(ex, count_run, &runs);
    struct future *later = submit(ex, double_it, (void *)4);
    ck_assert_msg(eventually(is_running, running, 3.0), "the first task never started");

    ck_assert_msg(!future_cancel(running), "cancel() of a RUNNING future must fail (return "
                  "false): it is too late");
    ck_assert_msg(future_state(running) == FUTURE_RUNNING, "a failed cancel changed the state "
                  "to %s", state_name(future_state(running)));
    ck_assert_msg(future_cancel(queued), "cancel() of a PENDING future must succeed");
    ck_assert_msg(future_cancelled(queued) && future_done(queued) &&
                  future_state(queued) == FUTURE_CANCELLED, "after a successful cancel the "
                  "future should be CANCELLED and done, it is %s",
                  state_name(future_state(queued)));
    ck_assert_msg(future_cancel(queued), "cancelling an already cancelled future returns true");
    int rc = future_result(queued, 0, NULL, NULL);
    ck_assert_msg(rc == RESULT_CANCELLED, "result() of a cancelled future: expected "
                  "RESULT_CANCELLED, got %s", status_name(rc));
    struct task_error error;
    rc = future_exception(queued, 0, &error);
    ck_assert_msg(rc == RESULT_CANCELLED, "exception() of a cancelled future: expected "
                  "RESULT_CANCELLED, got %s", status_name(rc));

    gate_open(&g);
    ck_assert_named_eq(future_result(later, 5.0, NULL, NULL), RESULT_OK, status_name);
    ck_assert_msg(runs == 0, "the cancelled task ran anyway: a worker must skip a future that "
                  "was cancelled while queued");
    ck_assert_msg(!future_cancel(running) && !future_cancel(later), "cancel() of a FINISHED "
                  "future must fail");
    ck_assert_msg(future_state(later) == FUTURE_FINISHED, "a failed cancel changed a finished "
                  "future to %s", state_name(future_state(later)));
    future_release(running);
    future_release(queued);
    future_release(later);
    executor_free(ex);
}

struct result_waiter {
    struct future *f;
    _Atomic pid_t tid;
    int rc;
    void *value;
    double returned_at;
    pthread_t thread;
};

static void *wait_for_result(void *arg)
{
    struct result_waiter *w = arg;
    atomic_store(&w->tid, gettid());
    w->rc = future_result(w->f, 4.0, &w->value, NULL);
    w->returned_at = now_s();
    return NULL;
}

static int waiter_tid(void *w, int i)
{
    return (int)atomic_load(&((struct result_waiter *)w)[i].tid);
}

TEST(result_wakes_every_waiter, 3, 10, "future_result, future_run, announce_done")
{
    struct gate g = GATE_INIT;
    struct executor *ex = new_pool(1);
    struct future *f = submit(ex, wait_at_gate, &g);
    struct result_waiter w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct result_waiter){.f = f};
        ck_assert_int_eq(pthread_create(&w[i].thread, NULL, wait_for_result, &w[i]), 0);
    }
    /* Finish the task only once all 4 threads sleep inside future_result:
     * then one wakeup cannot do for all of them. */
    threads_asleep(waiter_tid, w, 4, 10, 3.0);
    double opened = now_s();
    gate_open(&g);
    int woken = 0;
    double slowest = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(w[i].thread, NULL);
        ck_assert_msg(w[i].rc == RESULT_OK && w[i].value == (void *)7, "waiter %d got %s "
                      "instead of the value 7", i + 1, status_name(w[i].rc));
        double after = w[i].returned_at - opened;
        slowest = after > slowest ? after : slowest;
        /* A woken waiter returns within microseconds; one left asleep only
         * returns at its 4 s timeout.  2 s sits safely in between. */
        woken += after < 2.0;
    }
    ck_assert_msg(woken == 4, "4 threads waited for the same future; when it finished only "
                  "%d of them woke up, the last one %.1f s later, at its timeout: wake every "
                  "waiter (pthread_cond_broadcast, not pthread_cond_signal)", woken, slowest);
    future_release(f);
    executor_free(ex);
}

struct noted_gate {
    struct gate gate;
    pthread_t ran_on;
};

static void *note_thread_then_wait(void *arg, struct task_error *error)
{
    (void)error;
    struct noted_gate *n = arg;
    n->ran_on = pthread_self();
    gate_wait(&n->gate);
    return NULL;
}

TEST(done_callbacks_run_in_order, 3, 5, "future_add_done_callback, run_callbacks, future_cancel")
{
    struct noted_gate w = {.gate = GATE_INIT};
    struct callback_log log = CALLBACK_LOG_INIT;
    struct tagged tags[3] = {{&log, 1}, {&log, 2}, {&log, 3}};
    struct executor *ex = new_pool(1);
    struct future *f = submit(ex, note_thread_then_wait, &w);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(future_add_done_callback(f, log_callback, &tags[i]), 0);
    ck_assert_msg(logged(&log) == 0, "a callback ran before its future was done");

    gate_open(&w.gate);
    ck_assert_msg(eventually(three_logged, &log, 3.0), "3 callbacks were added to a future "
                  "that then finished, but only %d ran", logged(&log));
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(log.ids[i] == i + 1, "callbacks ran in the order %d, %d, %d: they "
                      "must run in the order they were added (1, 2, 3)", log.ids[0],
                      log.ids[1], log.ids[2]);
        ck_assert_msg(pthread_equal(log.threads[i], w.ran_on), "callback %d ran on another "
                      "thread than the one that finished the future", i + 1);
    }

    /* Already done: at once, on the caller's thread, before add returns. */
    struct tagged now = {&log, 4};
    ck_assert_int_eq(future_add_done_callback(f, log_callback, &now), 0);
    ck_assert_msg(logged(&log) == 4 && log.ids[3] == 4 && pthread_equal(log.threads[3],
                  pthread_self()), "a callback added to a future that is already done must "
                  "run at once, on the caller's thread, before add_done_callback returns");

    /* Cancelling completes a future too: its callbacks run in the cancelling thread. */
    struct gate g2 = GATE_INIT;
    struct future *busy = submit(ex, wait_at_gate, &g2);
    struct future *queued = submit(ex, double_it, NULL);
    struct tagged on_cancel = {&log, 5};
    ck_assert_int_eq(future_add_done_callback(queued, log_callback, &on_cancel), 0);
    ck_assert_msg(future_cancel(queued), "cancel of a queued future failed");
    ck_assert_msg(logged(&log) == 5 && log.ids[4] == 5 && pthread_equal(log.threads[4],
                  pthread_self()), "cancel() must run the future's callbacks on the cancelling "
                  "thread before it returns");
    gate_open(&g2);
    future_release(busy);
    future_release(queued);
    future_release(f);
    executor_free(ex);
}

/* ---- under the kit's scheduler ------------------------------------------ */

static void *retain_it(void *f)
{
    future_retain(f);
    return NULL;
}

static void *release_one(void *f)
{
    future_release(f);
    return NULL;
}

static void release_it(void *f)
{
    future_release(f);
}

/* Run fn(f) on two threads at once, and join them. */
static void on_two_threads(void *(*fn)(void *), struct future *f)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, fn, f), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
}

/* A future's owners under 120 schedules of the kit's scheduler (the
 * handout's "Schedules"), where a thread may be stopped at any atomic
 * operation: two threads take a reference at once, and later two threads
 * let go of one at once, while the test keeps its own; then the test lets
 * go of the last reference, and that must free the future: not before (a
 * lost increment frees it under its owners' feet), not never (a lost
 * decrement).  A count read and then written back, as two atomic
 * operations, loses an update in some schedule. */
SCHEDULE_TEST(owners_under_schedules, 3, 20, "future_retain, future_release", 120)
{
    struct future *f = future_new(double_it, (void *)(intptr_t)1);
    ck_assert_msg(f != NULL, "future_new returned NULL");
    on_two_threads(retain_it, f);      /* 3 owners: the test and two more */
    future_release(f);
    future_release(f);                 /* the two let go, one at a time */
    ck_assert_msg(!comes_back_at(f, sizeof *f), "two threads called future_retain at once "
                  "on a future the test held, then the test released it twice, and the "
                  "future was freed though the test still held it: the count of owners "
                  "lost an increment. Each retain must be one atomic read-modify-write "
                  "(atomic_fetch_add), never a load then a store or an exchange");
    future_retain(f);
    future_retain(f);                  /* 3 owners again, one at a time */
    on_two_threads(release_one, f);    /* two let go at once */
    ck_assert_msg(!comes_back_at(f, sizeof *f), "the test retained a future twice, two threads "
                  "released it at once, and it was freed though the test still held it");
    ck_assert_msg(frees(release_it, f, sizeof *f), "the test retained a future twice and two "
                  "threads released it at once; the test's own future_release, the last "
                  "owner's, did not free it: the count of owners lost a decrement. Each "
                  "release must be one atomic read-modify-write (atomic_fetch_sub) whose "
                  "result says who was last");
}

/* One thread runs a future while the test waits for its result, with no
 * timeout, three times over, under 150 schedules: a thread may be stopped
 * at any lock, wait, signal or atomic operation.  The test must get each
 * result.  A waiter that says "I am listening" after the worker has looked
 * for listeners sleeps through the result: for good, here, and the
 * scheduler says who waits where.  (With a timeout, such a waiter would
 * look again at its deadline and find the result: late, but no test could
 * tell.) */
SCHEDULE_TEST(result_under_schedules, 3, 20, "future_result, future_run, wait_done", 150)
{
    for (int i = 1; i <= 3; i++) {
        struct future *f = future_new(double_it, (void *)(intptr_t)i);
        ck_assert_msg(f != NULL, "future_new returned NULL");
        pthread_t runner;
        ck_assert_int_eq(pthread_create(&runner, NULL, run_future, f), 0);
        void *value = NULL;
        int rc = future_result(f, NO_TIMEOUT, &value, NULL);
        pthread_join(runner, NULL);
        ck_assert_msg(rc == RESULT_OK && (intptr_t)value == 2 * i, "the test waited in "
                      "future_result while another thread ran the future, and got %s%s, "
                      "expected RESULT_OK with %d", status_name(rc), rc == RESULT_OK ? " with "
                      "another value" : "", 2 * i);
        future_release(f);
    }
}
