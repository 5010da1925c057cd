/* 6-pool.c - lab 06, Part 6: the pool (map, shutdown). */
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

TEST(map_matches_chunksize_1_in_input_order, 5, 20, "procpool_map, job_new, worker_main")
{
    register_all();
    enum { N = 1000 };
    static int64_t in[N], want[N], first[N], got[N];
    for (int i = 0; i < N; i++) {
        in[i] = i;
        want[i] = (int64_t)i * i + 1;
    }
    struct procpool *p = new_pool(3);
    ck_assert_msg(procpool_map(p, "slow_first_square", in, 8, got, 8, N, 0) ==
                  PROCPOOL_BAD_ARGUMENT, "chunksize 0 must be PROCPOOL_BAD_ARGUMENT");
    ck_assert_msg(procpool_map(p, "slow_first_square", in, 8, got, 8, N, -3) ==
                  PROCPOOL_BAD_ARGUMENT, "chunksize -3 must be PROCPOOL_BAD_ARGUMENT");

    int err = procpool_map(p, "slow_first_square", in, 8, first, 8, N, 1);
    ck_assert_msg(err == PROCPOOL_OK, "map with chunksize 1 returned %d (%s)", err,
                  procpool_strerror(err));
    int i = first_difference(first, want, N);
    ck_assert_msg(i == N, "procpool_map with chunksize 1: result %d is %ld, expected %ld: results must come "
                  "back in input order, whichever task finishes first", i,
                  (long)first[i % N], (long)want[i % N]);

    /* Item 0 is slow, so its chunk finishes after later ones. */
    static const int chunksizes[] = {3, 10, 64, 999, 1000, 5000};
    for (size_t c = 0; c < sizeof chunksizes / sizeof chunksizes[0]; c++) {
        memset(got, 0, sizeof got);
        err = procpool_map(p, "slow_first_square", in, 8, got, 8, N, chunksizes[c]);
        ck_assert_msg(err == PROCPOOL_OK, "map with chunksize %d returned %d (%s)",
                      chunksizes[c], err, procpool_strerror(err));
        i = first_difference(got, first, N);
        ck_assert_msg(i == N, "chunksize %d: result %d is %ld, but chunksize 1 gave %ld: "
                      "results must come back in input order, whichever chunk finishes "
                      "first", chunksizes[c], i, (long)got[i % N], (long)first[i % N]);
    }
    procpool_shutdown(p, true, false);
}

/* ---- apply from threads ---------------------------------------------------- */

/* A caller thread's procpool_apply of gate_then_tenfold(arg): its status in
 * result, its value in out. */
static long apply_tenfold(struct watched_call *c)
{
    int64_t x = c->arg, y = 0;
    size_t len = 0;
    long status = procpool_apply(c->target, "gate_then_tenfold", &x, sizeof x, &y, sizeof y, &len);
    c->out = len == sizeof y ? y : -1;
    return status;
}

/* The other thread: 10 applies of double_it, each checked; returns how many
 * gave the right answer. */
static long apply_ten(struct watched_call *c)
{
    long right = 0;
    for (int64_t x = 1; x <= 10; x++) {
        int64_t y = 0;
        size_t len = 0;
        int status = procpool_apply(c->target, "double_it", &x, sizeof x, &y, sizeof y, &len);
        right += status == PROCPOOL_OK && len == sizeof y && y == 2 * x;
    }
    return right;
}

TEST(apply_blocks_only_its_caller, 5, 30, "procpool_apply, procpool_submit, future_result")
{
    /* Seed 001, recipe 12.9, method 1: threads call pool.apply(work, args)
     * and wait, while the rest of the program keeps running.  Two threads
     * apply a task that waits at a gate; each must stay blocked, asleep,
     * until the gate opens, then get its own result.  Meanwhile a third
     * thread's 10 applies run on the third worker: an apply that holds the
     * pool while it waits would stop them.  (They get 8 s, a hundred times
     * what they need on a loaded machine, and the gate tasks wait up to 10.) */
    register_all();
    struct procpool *p = new_pool(3);
    int64_t x = 5, y = 0;
    size_t len = 99;
    int status = procpool_apply(p, "double_it", &x, sizeof x, &y, sizeof y, &len);
    ck_assert_msg(status == PROCPOOL_OK && len == sizeof y && y == 10, "procpool_apply("
                  "\"double_it\", 5): expected PROCPOOL_OK, 8 bytes, 10; got %d (%s), %zu bytes, "
                  "%ld", status, procpool_strerror(status), len, (long)y);
    int32_t small = 0;
    status = procpool_apply(p, "double_it", &x, sizeof x, &small, sizeof small, &len);
    ck_assert_msg(status == PROCPOOL_BAD_ARGUMENT && len == sizeof y && small == 0, "an 8-byte "
                  "result with room for 4: expected PROCPOOL_BAD_ARGUMENT, the length 8 and "
                  "nothing copied; got %d (%s), length %zu", status, procpool_strerror(status),
                  len);
    status = procpool_apply(p, "never_registered", &x, sizeof x, &y, sizeof y, NULL);
    ck_assert_msg(status == PROCPOOL_NO_FUNCTION, "apply of a name nobody registered: "
                  "expected PROCPOOL_NO_FUNCTION, got %d (%s)", status, procpool_strerror(status));
    status = procpool_apply(p, "fail", &x, sizeof x, &y, sizeof y, NULL);
    ck_assert_msg(status == PROCPOOL_TASK_FAILED, "apply of a failing task: expected "
                  "PROCPOOL_TASK_FAILED, got %d (%s)", status, procpool_strerror(status));

    struct watched_call callers[2], other;
    for (int i = 0; i < 2; i++)
        start_call(&callers[i], apply_tenfold, p, i + 1, 0, 0);
    bool both_running = count_reaches(&board->started, 2, 5.0);
    if (both_running)
        start_call(&other, apply_ten, p, 0, 0, 0);
    bool other_done = both_running && returned_within(&other, 1, 1, 8.0);
    bool asleep = settled(callers, 2, 5.0);
    int early = count_returned(callers, 2);
    atomic_store(&board->gate_open, 1);
    join_calls(callers, 2);
    if (both_running)
        join_calls(&other, 1);
    ck_assert_msg(both_running, "2 threads called procpool_apply, and within 5 s only %d of "
                  "their tasks started in a worker", atomic_load(&board->started));
    ck_assert_msg(early == 0, "%d of the 2 procpool_apply calls returned while their tasks "
                  "were still waiting at the gate: apply blocks until the result is back",
                  early);
    ck_assert_msg(other_done && other.result == 10, "while 2 threads waited in procpool_apply, "
                  "a third thread's 10 applies on the idle worker %s: an apply must wait for "
                  "its own future only, holding no lock the pool needs",
                  other_done ? "gave wrong answers" : "did not finish within 8 s");
    ck_assert_msg(asleep, "the 2 threads waiting in procpool_apply were not asleep (blocked in "
                  "the kernel): wait on the future's condition variable, not in a polling loop");
    for (int i = 0; i < 2; i++)
        ck_assert_msg(callers[i].result == PROCPOOL_OK && callers[i].out == 10 * (i + 1),
                      "the thread that applied gate_then_tenfold(%d) got %ld (%s) and the value "
                      "%ld; expected PROCPOOL_OK and %d: each caller gets its own task's result",
                      i + 1, callers[i].result, procpool_strerror((int)callers[i].result),
                      callers[i].out, 10 * (i + 1));
    procpool_shutdown(p, true, false);
}

TEST(task_side_effects_stay_in_the_worker, 3, 10,
     "procpool_apply, procpool_new, start_worker, worker_main")
{
    /* Recipe 12.8 (seed 001): "Functions submitted for work should not
     * maintain persistent state or have side effects."  C cannot stop a
     * task from changing its process's globals, but fork and pipes keep the
     * change in the worker: the parent's memory is never touched, and the
     * worker sees the parent's globals as they were when it was forked. */
    register_all();
    process_global = 7;
    struct procpool *p = new_pool(1);
    process_global = 9;   /* after the fork: the worker's copy still says 7 */
    int64_t x = 42, seen = -1;
    int status = procpool_apply(p, "swap_global", &x, sizeof x, &seen, sizeof seen, NULL);
    ck_assert_msg(status == PROCPOOL_OK, "procpool_apply(\"swap_global\", 42) returned %d (%s)",
                  status, procpool_strerror(status));
    ck_assert_msg(process_global == 9, "a task set its process's global to 42 and the "
                  "parent's became %ld: a task must run in a forked worker, whose memory is a "
                  "copy of its own, never in the caller", (long)process_global);
    ck_assert_msg(seen == 7, "the task saw the global at %ld: it was 7 when procpool_new "
                  "forked the worker, and 9 only afterwards in the parent.  Fork every "
                  "worker in procpool_new", (long)seen);
    procpool_shutdown(p, true, false);
}

/* ---- cleaning up --------------------------------------------------------- */

static bool is_unmapped(void *addr)
{
    long page = sysconf(_SC_PAGESIZE);
    void *start = (void *)((uintptr_t)addr & ~(uintptr_t)(page - 1));
    return msync(start, (size_t)page, MS_ASYNC) == -1 && errno == ENOMEM;
}

TEST(shutdown_reaps_children_closes_fds_unmaps, 5, 20,
     "procpool_shutdown, worker_ended, feeder, value_free")
{
    register_all();
    int fds_before = count_open_fds();
    struct value *v = value_new('i');
    ck_assert_msg(v != NULL, "value_new('i') returned NULL");
    struct procpool *p = new_pool(3);
    pid_t pids[3];
    for (int i = 0; i < 3; i++)
        pids[i] = procpool_worker_pid(p, i);
    int64_t xs[30], ys[30];
    for (int i = 0; i < 30; i++)
        xs[i] = i;
    ck_assert_int_eq(procpool_map(p, "double_it", xs, 8, ys, 8, 30, 4), PROCPOOL_OK);
    ck_assert_msg(shutdown_within(p, true, false, 5) >= 0, "procpool_shutdown never returned: "
                  "does every worker read end-of-file once its task pipe is closed?");
    check_reaped(pids, 3, "after shutdown");
    int fds_after = count_open_fds();
    ck_assert_msg(fds_after == fds_before, "%d file descriptors were open before the pool and "
                  "%d after its shutdown: close every pipe end", fds_before, fds_after);
    value_free(v);
    ck_assert_msg(is_unmapped(v), "after value_free the Value's memory is still mapped: munmap it");

    /* The same after a crash. */
    p = new_pool(2);
    pids[0] = procpool_worker_pid(p, 0);
    pids[1] = procpool_worker_pid(p, 1);
    struct future *f = submit_i64(p, "segfault", 0);
    future_result(f, 5, NULL, NULL);
    future_release(f);
    ck_assert_msg(shutdown_within(p, true, false, 5) >= 0, "shutdown never returned after a crash");
    check_reaped(pids, 2, "after a crash and shutdown");
    fds_after = count_open_fds();
    ck_assert_msg(fds_after == fds_before, "after a crash and shutdown %d descriptors were "
                  "open, %d before the pool", fds_after, fds_before);
}
