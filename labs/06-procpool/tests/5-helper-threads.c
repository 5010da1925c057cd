/* 5-helper-threads.c - lab 06, Part 5: the helper threads (workers at once,
 * broken pools). */
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

TEST(workers_run_at_the_same_time, 5, 10, "procpool_new, feeder")
{
    /* 4 tasks that each wait for all 4 to arrive: on 4 workers they meet,
     * unless the pool runs them one after another. */
    register_all();
    struct procpool *p = new_pool(4);
    struct future *f[4];
    for (int i = 0; i < 4; i++)
        f[i] = submit_i64(p, "meet", 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_msg(result_i64(f[i], 8, "meet()") == 1, "4 tasks on 4 workers each waited "
                      "(3 s) for all 4 to arrive, but task %d gave up (%d arrived in all): "
                      "does every worker get a task, and run it at once?", i,
                      atomic_load(&board->arrived));
        future_release(f[i]);
    }
    procpool_shutdown(p, true, false);
}

/* ---- broken pools -------------------------------------------------------- */

/* Submit the killer (held at the gate), then more tasks than the worker can
 * be sent, then open the gate: all fail with a broken pool, and so does
 * everything after. */
static void check_breaks(const char *killer, const char *how)
{
    atomic_store(&board->hold_killers, 1);
    atomic_store(&board->gate_open, 0);
    struct procpool *p = new_pool(1);
    enum { N = PROCPOOL_DEPTH + 4 };
    struct future *k = submit_i64(p, killer, 0), *f[N];
    for (int i = 0; i < N; i++)
        f[i] = submit_i64(p, "double_it", i);
    atomic_store(&board->gate_open, 1);
    int status = future_result(k, 5, NULL, NULL);
    ck_assert_msg(status != PROCPOOL_TIMEOUT, "5 s after its worker %s, the task's future "
                  "was still not settled: a worker's death must break the pool", how);
    ck_assert_msg(status == PROCPOOL_BROKEN, "when a worker %s, expected its future to fail "
                  "with PROCPOOL_BROKEN, got %d (%s)", how, status, procpool_strerror(status));
    for (int i = 0; i < N; i++) {
        status = future_result(f[i], 5, NULL, NULL);
        ck_assert_msg(status == PROCPOOL_BROKEN, "when a worker %s, expected every task "
                      "after it (%s) to fail with PROCPOOL_BROKEN; task %d got %d (%s)", how,
                      i < PROCPOOL_DEPTH - 1 ? "sent" : "still queued", i, status,
                      procpool_strerror(status));
        future_release(f[i]);
    }
    future_release(k);
    struct future *later = NULL;
    status = procpool_submit(p, "double_it", &status, sizeof status, &later);
    ck_assert_msg(status == PROCPOOL_BROKEN && !later, "after a worker %s, expected submit "
                  "to fail with PROCPOOL_BROKEN, got %d (%s)", how, status,
                  procpool_strerror(status));
    int64_t xs[2] = {1, 2}, ys[2];
    status = procpool_map(p, "double_it", xs, 8, ys, 8, 2, 1);
    ck_assert_msg(status == PROCPOOL_BROKEN, "after a worker %s, expected map to fail with "
                  "PROCPOOL_BROKEN, got %d (%s)", how, status, procpool_strerror(status));
    ck_assert_msg(shutdown_within(p, true, false, 5) >= 0, "after a worker %s, "
                  "procpool_shutdown did not return within 5 s", how);
}

TEST(crash_or_exit_breaks_the_pool, 5, 20, "collector, collect_one, worker_ended, fail_pool")
{
    register_all();
    check_breaks("segfault", "crashed (segfault)");
    check_breaks("exit_3", "called _exit(3)");
}

static bool pool_is_broken(void *p)
{
    struct future *f = NULL;
    int64_t x = 1;
    int status = procpool_submit(p, "double_it", &x, sizeof x, &f);
    if (f) {
        status = future_result(f, 5, NULL, NULL);
        future_release(f);
    }
    return status == PROCPOOL_BROKEN;
}

TEST(kill_9_breaks_the_pool, 5, 25, "collector, worker_ended, fail_pool, feeder")
{
    register_all();
    /* Two workers held at the gate; kill -9 one of them. */
    struct procpool *p = new_pool(2);
    pid_t pids[2] = {procpool_worker_pid(p, 0), procpool_worker_pid(p, 1)};
    struct future *f[2] = {submit_i64(p, "wait_at_gate", 0), submit_i64(p, "wait_at_gate", 0)};
    ck_assert_msg(count_reaches(&board->started, 2, 5), "the two gate tasks never both started");
    pid_t victim = atomic_load(&board->last_pid);
    ck_assert_msg(victim == pids[0] || victim == pids[1], "a gate task ran in process %d, "
                  "which is none of the pool's workers (%d, %d)", (int)victim, (int)pids[0],
                  (int)pids[1]);
    kill(victim, SIGKILL);
    for (int i = 0; i < 2; i++) {
        int status = future_result(f[i], 5, NULL, NULL);
        ck_assert_msg(status == PROCPOOL_BROKEN, "after kill -9 of one worker, expected both "
                      "running tasks to fail with PROCPOOL_BROKEN; task %d got %d (%s)", i,
                      status, procpool_strerror(status));
        future_release(f[i]);
    }
    /* The survivor still waits at the gate (for 10 s): a broken pool must
     * stop it rather than wait for it, as Python's terminate_broken does. */
    double took = shutdown_within(p, true, false, 5);
    ck_assert_msg(took >= 0 && took < 3, "shutdown of a broken pool took %s: kill the "
                  "workers still running when the pool breaks", took < 0 ? "over 5 s" : "over 3 s");
    check_reaped(pids, 2, "after kill -9");

    /* kill -9 of an idle worker breaks the pool too. */
    p = new_pool(1);
    kill(procpool_worker_pid(p, 0), SIGKILL);
    ck_assert_msg(eventually(pool_is_broken, p, 3), "3 s after an idle worker was killed, "
                  "the pool still did not report PROCPOOL_BROKEN");
    ck_assert_msg(shutdown_within(p, true, false, 5) >= 0, "shutdown hung after kill -9");
}

/* If SIGPIPE reaches this program, say why it is about to die, then die. */
static void explain_sigpipe(int sig)
{
    static const char why[] = "SIGPIPE: the pool wrote to a pipe whose worker had died, and "
                              "the signal kills the program.  Block SIGPIPE in the thread "
                              "that writes (pthread_sigmask), so that write() fails with "
                              "EPIPE instead.\n";
    ssize_t ignored = write(STDERR_FILENO, why, sizeof why - 1);
    (void)ignored;
    signal(sig, SIG_DFL);
    raise(sig);
}

TEST(full_pipe_breaks_the_pool_without_hanging, 5, 25,
     "start_worker, feeder, write_all, fail_pool, procpool_shutdown")
{
    /* CPython issue 94777: a worker dies while the parent is blocked writing
     * a big task into its full pipe.  Python 3.9 to 3.11 hang here forever. */
    register_all();
    signal(SIGPIPE, explain_sigpipe);
    struct procpool *p = new_pool(1);
    size_t big = 4 << 20;
    unsigned char *arg = calloc(1, big);
    struct future *crash = submit_i64(p, "crash_when_pipe_full", 0);
    struct future *huge = submit(p, "checksum", arg, big);
    struct future *small = submit_i64(p, "double_it", 1);
    atomic_store(&board->gate_open, 1);   /* all submitted: the worker may die */
    free(arg);
    int status = future_result(crash, 8, NULL, NULL);
    ck_assert_msg(status != PROCPOOL_TIMEOUT, "8 s after the worker crashed, while the pool "
                  "wrote a 4 MiB task into its full pipe, its future was still not settled: "
                  "the pool hangs, as in CPython issue 94777.  Does the worker's death show "
                  "as end-of-file on its result pipe (the parent must close its copy of the "
                  "worker's end)?");
    ck_assert_msg(status == PROCPOOL_BROKEN, "the worker crashed while the pool wrote a 4 MiB "
                  "task into its full pipe: expected PROCPOOL_BROKEN, got %d (%s)", status,
                  procpool_strerror(status));
    ck_assert_msg(atomic_load(&board->fds_full), "the worker never saw its task pipe full: "
                  "was the 4 MiB task sent to it while it ran the first one (PROCPOOL_DEPTH)?");
    status = future_result(huge, 5, NULL, NULL);
    ck_assert_msg(status == PROCPOOL_BROKEN, "the 4 MiB task being written when its worker "
                  "died: expected PROCPOOL_BROKEN, got %d (%s)", status, procpool_strerror(status));
    status = future_result(small, 5, NULL, NULL);
    ck_assert_msg(status == PROCPOOL_BROKEN, "a task queued behind it: expected "
                  "PROCPOOL_BROKEN, got %d (%s)", status, procpool_strerror(status));
    future_release(crash);
    future_release(huge);
    future_release(small);
    ck_assert_msg(shutdown_within(p, true, false, 5) >= 0, "procpool_shutdown never returned: "
                  "the feeder is stuck writing into the dead worker's full pipe (CPython issue "
                  "94777).  Close the parent's copy of the read end, so the write fails with "
                  "EPIPE, and never retry EPIPE");
}
