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

TEST(map_matches_chunksize_1_in_input_order, 7, 20, "procpool_map, job_new, worker_main")
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
