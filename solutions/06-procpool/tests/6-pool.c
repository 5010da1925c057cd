/* 6-pool.c - lab 06's hidden tests for Part 6, graded after the deadline. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "lab_test.h"
#include "procpool.h"
#include "testkit.h"

static atomic_int *release_flag;   /* shared memory: workers inherit it */
static atomic_int *started;        /* started[i]: hold(i) has begun (shared too) */

static long hold(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    int i;
    memcpy(&i, arg, sizeof i);
    atomic_store(&started[i], 1);
    double deadline = now_s() + 10;
    while (!atomic_load(release_flag) && now_s() < deadline)
        sleep_s(0.001);
    memset(out, 0, 8);
    return 8;
}

static long four_bytes(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)cap;
    memset(out, 1, 4);
    return 4;
}

static long negate(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    int64_t x;
    memcpy(&x, arg, 8);
    x = -x;
    memcpy(out, &x, 8);
    return 8;
}

static void setup(void)
{
    ck_assert_int_eq(procpool_register("hold", hold), 0);
    ck_assert_int_eq(procpool_register("four_bytes", four_bytes), 0);
    ck_assert_int_eq(procpool_register("negate", negate), 0);
    release_flag = mmap(NULL, 64 * sizeof *release_flag, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert(release_flag != MAP_FAILED);
    started = release_flag + 1;
}

static void stop_without_waiting(bool cancel_futures)
{
    struct procpool *p = procpool_new(2);
    ck_assert(p != NULL);
    pid_t pids[2] = {procpool_worker_pid(p, 0), procpool_worker_pid(p, 1)};
    enum { N = 2 * PROCPOOL_DEPTH + 4 };
    struct future *f[N];
    for (int i = 0; i < N; i++) {
        atomic_store(&started[i], 0);
        ck_assert_int_eq(procpool_submit(p, "hold", &i, sizeof i, &f[i]), PROCPOOL_OK);
    }
    /* Wait until both workers hold a task: the others wait, in the pipes
     * or in the queue, not started. */
    double deadline = now_s() + 5;
    int running = 0;
    while (running < 2 && now_s() < deadline) {
        sleep_s(0.001);
        running = 0;
        for (int i = 0; i < N; i++)
            running += atomic_load(&started[i]);
    }
    ck_assert_msg(running == 2, "2 workers should each start a task; %d started", running);
    double start = now_s();
    procpool_shutdown(p, false, cancel_futures);
    double took = now_s() - start;
    ck_assert_msg(took < 2, "shutdown(wait=false) took %.1f s with tasks held for 10 s: it "
                  "must stop the workers, not wait for them", took);
    for (int i = 0; i < N; i++) {
        int status = future_result(f[i], 1, NULL, NULL);
        bool waiting = !atomic_load(&started[i]);   /* sent ahead or queued: not started */
        int want = waiting && cancel_futures ? PROCPOOL_CANCELLED : PROCPOOL_SHUT_DOWN;
        ck_assert_msg(status == want, "shutdown(wait=false, cancel_futures=%s): a %s task "
                      "should end with %s, got %d (%s)", cancel_futures ? "true" : "false",
                      waiting ? "waiting (not started)" : "running", procpool_strerror(want),
                      status, procpool_strerror(status));
        future_release(f[i]);
    }
    for (int i = 0; i < 2; i++)
        ck_assert_msg(waitpid(pids[i], NULL, WNOHANG) == -1 && errno == ECHILD,
                      "after shutdown(wait=false), worker %d was not reaped", i);
}

HIDDEN_TEST(shutdown_without_wait_stops_running_tasks, 4, 15, "procpool_shutdown, fail_pool")
{
    setup();
    stop_without_waiting(false);
    stop_without_waiting(true);
}

HIDDEN_TEST(map_edge_cases, 3, 15, "procpool_map")
{
    setup();
    struct procpool *p = procpool_new(2);
    ck_assert(p != NULL);
    int64_t in[5] = {1, 2, 3, 4, 5}, out[5] = {9, 9, 9, 9, 9};
    ck_assert_msg(procpool_map(p, "negate", in, 8, out, 8, 0, 3) == PROCPOOL_OK && out[0] == 9,
                  "a map of 0 items should succeed and write nothing");
    int status = procpool_map(p, "four_bytes", in, 8, out, 8, 5, 2);
    ck_assert_msg(status == PROCPOOL_TASK_FAILED, "a function that returns 4 bytes where map "
                  "expects 8: expected PROCPOOL_TASK_FAILED, got %d", status);
    ck_assert_msg(procpool_map(p, "negate", in, 8, out, 8, 5, 100) == PROCPOOL_OK &&
                  out[0] == -1 && out[4] == -5, "chunksize larger than n should work");
    /* 100 results of 1 MiB in one chunk would be a 100 MiB message. */
    int64_t many[100] = {0};
    void *big = malloc((size_t)100 << 20);
    status = procpool_map(p, "negate", many, 8, big, 1 << 20, 100, 100);
    free(big);
    ck_assert_msg(status == PROCPOOL_BAD_ARGUMENT, "a chunk over PROCPOOL_MAX_MESSAGE: "
                  "expected PROCPOOL_BAD_ARGUMENT, got %d", status);
    procpool_shutdown(p, true, false);
}
