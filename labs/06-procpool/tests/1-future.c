/* 1-future.c - lab 06, Part 1: the future (states, cancel, timeouts, tasks
 * sent ahead).  Run with `make grade LAB=procpool`. */
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
/* This file's own atomic operations are points where the kit's scheduler may
 * switch threads, as the student's are: the schedule test below plays a
 * worker, whose claim of a start word must be one. */
#include "sched_atomic.h"

static bool is_running(void *f) { return future_state(f) == FUTURE_RUNNING; }

TEST(future_cancel_timeout_and_states, 5, 15,
     "future_result, future_cancel, future_state, future_set_sent, feeder, procpool_shutdown")
{
    register_all();
    static bool before[MAX_FDS];
    open_fds(before);
    struct procpool *p = new_pool(1);
    /* One worker held at a gate: up to PROCPOOL_DEPTH - 1 tasks can be sent
     * ahead into its pipe, the rest wait in the pool's queue.  None of them
     * has started, so all are PENDING. */
    enum { N = PROCPOOL_DEPTH + 2 };
    struct future *gate = submit_i64(p, "wait_at_gate", 0);
    ck_assert_msg(count_reaches(&board->started, 1, 5), "the gate task never started");
    struct future *f[N];
    for (int i = 0; i < N; i++)
        f[i] = submit_i64(p, "double_it", i);

    int sent = wait_until_fed(before, 8);
    ck_assert_msg(future_state(f[0]) == FUTURE_PENDING, "the first task behind the gate "
                  "waits, not started, in its worker's pipe (which holds %d bytes of tasks "
                  "sent ahead), so it is PENDING, but its state is %d: a future is RUNNING "
                  "only once a worker has started it", sent, (int)future_state(f[0]));
    ck_assert_msg(eventually(is_running, gate, 3) && !future_done(gate),
                  "the task at the gate should be RUNNING and not done");
    double start = now_s();
    int status = future_result(gate, 0.05, NULL, NULL);
    double waited = now_s() - start;
    ck_assert_msg(status == PROCPOOL_TIMEOUT, "result(timeout=0.05) on a task held at a gate: "
                  "expected PROCPOOL_TIMEOUT, got %d (%s)", status, procpool_strerror(status));
    ck_assert_msg(waited >= 0.049, "result(timeout=0.05) returned after %.1f ms", waited * 1e3);
    ck_assert_msg(!future_cancel(gate), "cancel() succeeded on a RUNNING task: only a "
                  "PENDING one can be cancelled");

    struct future *last = f[N - 1];
    ck_assert_msg(future_state(last) == FUTURE_PENDING, "with its worker busy and %d tasks "
                  "already sent, the last task should still be PENDING, state %d",
                  PROCPOOL_DEPTH, (int)future_state(last));
    ck_assert_msg(future_cancel(last), "cancel() of a PENDING future returned false");
    ck_assert_msg(future_state(last) == FUTURE_CANCELLED && future_done(last) &&
                  future_cancel(last), "after cancel(), expected CANCELLED, done, and "
                  "cancel() true again");
    status = future_result(last, 1, NULL, NULL);
    ck_assert_msg(status == PROCPOOL_CANCELLED, "result() of a cancelled future: expected "
                  "PROCPOOL_CANCELLED, got %d (%s)", status, procpool_strerror(status));

    atomic_store(&board->gate_open, 1);
    ck_assert_msg(result_i64(gate, 5, "the gate task") == 1, "the gate task returned a wrong value");
    for (int i = 0; i < N - 1; i++)
        ck_assert_msg(result_i64(f[i], 5, "double_it") == 2 * i, "double_it(%d) was wrong", i);

    /* shutdown(wait=True, cancel_futures=True): queued tasks are cancelled,
     * sent ones still finish. */
    atomic_store(&board->gate_open, 0);
    atomic_store(&board->started, 0);
    struct future *gate2 = submit_i64(p, "wait_at_gate", 0);
    ck_assert_msg(count_reaches(&board->started, 1, 5), "the second gate task never started");
    struct future *g[N];
    for (int i = 0; i < N; i++)
        g[i] = submit_i64(p, "double_it", i);
    wait_until_fed(before, 8);
    static struct shutdown_call call;
    call = (struct shutdown_call){p, true, true, false};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, shutdown_body, &call), 0);
    ck_assert_msg(eventually(is_settled, g[N - 1], 3), "shutdown(cancel_futures=true) did not "
                  "cancel a queued task");
    ck_assert_msg(!has_returned(&call), "shutdown(wait=true) returned while a task still ran");
    atomic_store(&board->gate_open, 1);
    pthread_join(t, NULL);
    ck_assert_msg(future_state(g[N - 1]) == FUTURE_CANCELLED && future_state(g[N - 2]) ==
                  FUTURE_CANCELLED, "shutdown(cancel_futures=true): expected the queued tasks "
                  "CANCELLED");
    ck_assert_msg(result_i64(gate2, 0, "the second gate task") == 1, "the running task must "
                  "still finish");

    future_release(gate);
    future_release(gate2);
    for (int i = 0; i < N; i++) {
        future_release(f[i]);
        future_release(g[i]);
    }
}

/* Every one of fs[0..n) is CANCELLED; `what` says where they waited. */
static void check_all_cancelled(struct future **fs, int n, const char *what, int sent)
{
    for (int i = 0; i < n; i++)
        ck_assert_msg(future_state(fs[i]) == FUTURE_CANCELLED, "%s: task %d of %d had not "
                      "started (its worker was held at a gate, and the pipes held %d bytes "
                      "of tasks sent ahead), yet it is %s, not CANCELLED: a task no worker "
                      "has started can be cancelled however far ahead it was sent; the "
                      "worker must skip it", what, i + 1, n, sent,
                      future_state(fs[i]) == FUTURE_RUNNING ? "RUNNING" : "still pending");
}

struct all_settled {
    struct future **fs;
    int n;
};

static bool are_all_settled(void *arg)
{
    struct all_settled *all = arg;
    for (int i = 0; i < all->n; i++)
        if (!future_done(all->fs[i]))
            return false;
    return true;
}

TEST(cancel_reaches_tasks_sent_ahead, 4, 25,
     "future_cancel, future_set_sent, worker_main, feeder, procpool_shutdown")
{
    /* The case: tasks queued behind busy workers, many already in
     * the workers' pipes.  None has started, so every one can be
     * cancelled, by future_cancel and by shutdown(cancel_futures=true);
     * CPython 3.13 cancels all but the max_workers + 1 it has marked
     * RUNNING ahead of time. */
    register_all();
    static bool before[MAX_FDS];
    open_fds(before);

    /* future_cancel: one worker held at a gate, 2 * PROCPOOL_DEPTH tasks. */
    enum { N = 2 * PROCPOOL_DEPTH };
    struct procpool *p = new_pool(1);
    struct future *gate = submit_i64(p, "wait_at_gate", 0);
    ck_assert_msg(count_reaches(&board->started, 1, 5), "the gate task never started");
    struct future *f[N];
    for (int i = 0; i < N; i++)
        f[i] = submit_i64(p, "count_run", i);
    int sent = wait_until_fed(before, (PROCPOOL_DEPTH - 1) * 8);
    for (int i = 0; i < N; i++)
        ck_assert_msg(future_cancel(f[i]), "future_cancel of task %d of %d returned false: "
                      "it had not started (its worker is held at a gate; the pipe holds %d "
                      "bytes of tasks sent ahead): only a started task is too late to "
                      "cancel", i + 1, N, sent);
    check_all_cancelled(f, N, "future_cancel", sent);
    atomic_store(&board->gate_open, 1);
    ck_assert_msg(result_i64(gate, 5, "the gate task") == 1, "the gate task returned a wrong "
                  "value");
    struct future *after = submit_i64(p, "double_it", 21);
    ck_assert_msg(result_i64(after, 5, "a task after the cancelled ones") == 42, "a task "
                  "submitted after the cancelled ones got another's answer: a worker that "
                  "skips a task must still answer it, in order");
    ck_assert_msg(atomic_load(&board->ran) == 0, "%d cancelled tasks ran anyway: the worker "
                  "must check, before it starts a task, whether it was cancelled",
                  (int)atomic_load(&board->ran));
    future_release(gate);
    future_release(after);
    for (int i = 0; i < N; i++)
        future_release(f[i]);
    procpool_shutdown(p, true, false);

    /* shutdown(cancel_futures=true): 3 workers held at gates, 6 * DEPTH tasks. */
    enum { W = 3, M = 6 * PROCPOOL_DEPTH };
    atomic_store(&board->gate_open, 0);
    atomic_store(&board->started, 0);
    p = new_pool(W);
    struct future *gates[W], *g[M];
    for (int i = 0; i < W; i++)
        gates[i] = submit_i64(p, "wait_at_gate", i);
    ck_assert_msg(count_reaches(&board->started, W, 5), "%d gate tasks on %d workers: only %d "
                  "started", W, W, (int)atomic_load(&board->started));
    for (int i = 0; i < M; i++)
        g[i] = submit_i64(p, "count_run", i);
    sent = wait_until_fed(before, W * (PROCPOOL_DEPTH - 1) * 8);
    static struct shutdown_call call;
    call = (struct shutdown_call){p, true, true, false};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, shutdown_body, &call), 0);
    struct all_settled all = {g, M};
    eventually(are_all_settled, &all, 5);   /* one deadline for all of them */
    bool early = has_returned(&call);
    atomic_store(&board->gate_open, 1);
    pthread_join(t, NULL);
    check_all_cancelled(g, M, "shutdown(cancel_futures=true)", sent);
    ck_assert_msg(!early, "shutdown(wait=true) returned while the gate tasks still ran");
    for (int i = 0; i < W; i++) {
        ck_assert_msg(result_i64(gates[i], 0, "a gate task") == 1, "a running task must "
                      "still finish");
        future_release(gates[i]);
    }
    ck_assert_msg(atomic_load(&board->ran) == 0, "%d tasks cancelled by shutdown ran anyway",
                  (int)atomic_load(&board->ran));
    for (int i = 0; i < M; i++)
        future_release(g[i]);
}

/* ---- under the kit's scheduler ------------------------------------------ */

/* The pool's side of one task, played by a thread: the feeder marks the
 * future sent (its start word shared with the worker); the worker claims
 * the word and runs the task, or finds it cancelled and skips it; then the
 * collector settles the future with the worker's answer, and the pool lets
 * go of its reference.  Between the sending and the claim, the thread tells
 * the test it has sent, and waits for the test to say it will cancel now,
 * so that the claim and the cancel race from the same moment. */
struct pool_side {
    struct future *f;
    atomic_int start;      /* the start word, as the worker shares it */
    bool ran;              /* the worker claimed the word and ran the task */
    pthread_mutex_t lock;  /* the handshake: sent, then go */
    pthread_cond_t changed;
    bool sent, go;
};

static void *feed_run_and_collect(void *arg)
{
    struct pool_side *p = arg;
    bool sent = future_set_sent(p->f, &p->start);
    pthread_mutex_lock(&p->lock);
    p->sent = true;
    pthread_cond_signal(&p->changed);
    while (!p->go)
        pthread_cond_wait(&p->changed, &p->lock);
    pthread_mutex_unlock(&p->lock);
    if (sent) {
        int waiting = START_WAITING;
        p->ran = atomic_compare_exchange_strong(&p->start, &waiting, START_STARTED);
        long *answer = malloc(sizeof *answer);
        *answer = 42;
        future_finish(p->f, p->ran ? PROCPOOL_OK : PROCPOOL_CANCELLED, answer, sizeof *answer);
    }
    future_release(p->f);
    return NULL;
}

/* A task's future, sent ahead to a worker by the pool's helper threads (one
 * thread plays the feeder, the worker and the collector, as above) while the
 * test cancels it and then waits for it; under 240 schedules of the kit's
 * scheduler (the handout's "Schedules"), where a thread may be stopped at
 * any lock, wait, signal and atomic operation.  Either the cancel wins the
 * start word (the task never runs, the result is PROCPOOL_CANCELLED) or the
 * worker does (cancel returns false, the result is the task's 42): never
 * both.  A cancel that reads the start word, then writes it, lets the
 * worker claim it in between in some schedule. */
SCHEDULE_TEST(cancel_under_schedules, 3, 20, "future_cancel, future_set_sent, future_finish", 240)
{
    struct pool_side side = {.f = future_new(), .lock = PTHREAD_MUTEX_INITIALIZER,
                             .changed = PTHREAD_COND_INITIALIZER};
    ck_assert_msg(side.f != NULL, "future_new returned NULL");
    atomic_init(&side.start, START_WAITING);
    future_retain(side.f);   /* the pool's reference */
    pthread_t pool;
    ck_assert_int_eq(pthread_create(&pool, NULL, feed_run_and_collect, &side), 0);
    pthread_mutex_lock(&side.lock);
    while (!side.sent)
        pthread_cond_wait(&side.changed, &side.lock);
    side.go = true;
    pthread_cond_signal(&side.changed);
    pthread_mutex_unlock(&side.lock);
    bool cancelled = future_cancel(side.f);
    const void *data = NULL;
    int status = future_result(side.f, -1, &data, NULL);
    pthread_join(pool, NULL);
    ck_assert_msg(!(cancelled && side.ran), "future_cancel returned true, yet the worker had "
                  "claimed the start word and run the task: cancel and the worker must race "
                  "for the word with one compare-and-swap each, so that one of them wins");
    ck_assert_msg(cancelled || side.ran, "future_cancel returned false, yet the task never ran "
                  "(it was cancelled): false means too late, the task runs or has finished");
    ck_assert_msg(cancelled ? status == PROCPOOL_CANCELLED
                            : status == PROCPOOL_OK && data && *(const long *)data == 42,
                  "after future_cancel returned %s, future_result returned %d (%s)%s",
                  cancelled ? "true" : "false", status, procpool_strerror(status),
                  cancelled ? ", expected PROCPOOL_CANCELLED" : ", expected PROCPOOL_OK with 42");
    future_release(side.f);
}
