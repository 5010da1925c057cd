/* 2-value.c - lab 06, Part 2: the Value (seed 003, locked increments, a dead
 * owner, the lock in value_get and value_set). */
#include <dlfcn.h>
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

/* One try of seed 003 on a warm 3-worker pool: the 1-process baseline,
 * (1,10) on one worker, then the map of 3 partitions.  Checks the sums;
 * returns the two wall times. */
static void seed_003_once(struct procpool *p, double *t1, double *t3)
{
    value_set(total, 0);
    struct partition all = {1, 10};
    double start = now_s();
    struct future *f = submit(p, "calculate", &all, sizeof all);
    int64_t alone = result_i64(f, 10, "calculate(1, 10) on one worker");
    *t1 = now_s() - start;
    future_release(f);
    ck_assert_msg(alone == 55, "one worker summing 1..10 into the Value saw %ld, expected 55",
                  (long)alone);
    ck_assert_msg(value_get(total) == 55, "the worker added 55 to the Value, but the test "
                  "reads %g: is the Value mapped MAP_SHARED?", value_get(total));

    value_set(total, 0);
    struct partition parts[3] = {{1, 3}, {4, 6}, {7, 10}};
    int64_t results[3] = {0};
    start = now_s();
    int err = procpool_map(p, "calculate", parts, sizeof parts[0], results, sizeof results[0],
                           3, 1);
    *t3 = now_s() - start;
    ck_assert_msg(err == PROCPOOL_OK, "procpool_map returned %d (%s)", err, procpool_strerror(err));
    ck_assert_msg(value_get(total) == 55, "3 workers summed (1,3), (4,6), (7,10) into the Value; "
                  "expected 55, the test reads %g%s", value_get(total),
                  value_get(total) == 0 ? ": is it mapped MAP_SHARED?" : "");
    static const int own[3] = {6, 15, 34};
    int64_t last = 0;
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(results[i] >= own[i] && results[i] <= 55, "partition %d returned %ld: "
                      "expected the Value after adding its own %d, between %d and 55",
                      i, (long)results[i], own[i], own[i]);
        last = results[i] > last ? results[i] : last;
    }
    ck_assert_msg(last == 55, "the last partition to finish should see 55, the largest result "
                  "was %ld", (long)last);
    /* Exact lower bound: nothing beats the longest task (4 units). */
    ck_assert_msg(*t3 >= 4 * unit - 0.001, "the map took %.0f ms, less than its longest task "
                  "(%.0f ms): did it wait for the results?", *t3 * 1e3, 4 * unit * 1e3);
}

TEST(seed_003_partitions_sum_to_55_in_parallel, 5, 20,
     "procpool_map, value_new, value_acquire, value_get, value_set")
{
    /* Seed 003: partitions (1,3), (4,6), (7,10) on 3 processes took 4.03 s;
     * (1,10) on one took 10 s.  Here a second is 25 ms. */
    register_all();
    total = value_new('i');
    ck_assert_msg(total != NULL, "value_new('i') returned NULL (errno %d)", errno);
    struct procpool *p = new_pool(3);
    int64_t warm[3], pids[3];
    ck_assert_int_eq(procpool_map(p, "whoami", warm, 8, pids, 8, 3, 1), PROCPOOL_OK);

    /* Upper bound: 4 units, plus 2 units of margin, plus whatever the
     * baseline took beyond its 10 units on this machine right now.  Two
     * workers at a time would need 7 units, one at a time 10.  The load on a
     * shared machine comes in bursts that the baseline may miss, so the
     * best of 3 tries counts. */
    double t1 = 0, t3 = 0, best_excess = 1e9, best_t1 = 0, best_t3 = 0;
    for (int attempt = 0; attempt < 3 && best_excess > 0; attempt++) {
        seed_003_once(p, &t1, &t3);
        double overhead = t1 > 10 * unit ? t1 - 10 * unit : 0;
        double excess = t3 - (6 * unit + overhead);
        if (excess < best_excess) {
            best_excess = excess;
            best_t1 = t1;
            best_t3 = t3;
        }
    }
    procpool_shutdown(p, true, false);
    value_free(total);
    ck_assert_msg(best_excess <= 0, "3 partitions on 3 workers took %.0f ms; one worker took "
                  "%.0f ms for all 10 units, so expected about %.0f ms (seed 003: 4.03 s "
                  "against 10 s), best of 3 tries: do the workers run in parallel?",
                  best_t3 * 1e3, best_t1 * 1e3, 4 * unit * 1e3);
}

/* glibc quietly makes every robust mutex process-shared, so a missing
 * PTHREAD_PROCESS_SHARED cannot be seen by behaviour here; POSIX still
 * requires it (other systems do not forgive it).  So the test watches the
 * call: this definition stands in for the library's, records the request,
 * and passes it on. */
static atomic_int pshared_requested = -1;

int pthread_mutexattr_setpshared(pthread_mutexattr_t *attr, int pshared)
{
    atomic_store(&pshared_requested, pshared);
    int (*real)(pthread_mutexattr_t *, int) =
        (int (*)(pthread_mutexattr_t *, int))dlsym(RTLD_NEXT, "pthread_mutexattr_setpshared");
    return real ? real(attr, pshared) : EINVAL;
}

TEST(locked_increments_give_exactly_500, 5, 25,
     "value_new, value_acquire, value_release, value_get, value_set")
{
    register_all();
    atomic_store(&pshared_requested, -1);
    total = value_new('i');
    ck_assert_msg(total != NULL, "value_new('i') returned NULL (errno %d)", errno);
    ck_assert_msg(atomic_load(&pshared_requested) == PTHREAD_PROCESS_SHARED,
                  "value_new never set PTHREAD_PROCESS_SHARED on the mutex's attributes: "
                  "a mutex used by several processes must be process-shared");

    /* 10 processes meet, then each adds 1, 50 times, under the lock. */
    struct procpool *p = new_pool(10);
    struct future *f[10];
    for (int i = 0; i < 10; i++)
        f[i] = submit_i64(p, "locked_increments", 50);
    int finished = 0;
    for (int i = 0; i < 10; i++)
        finished += eventually(is_settled, f[i], 10.0);
    ck_assert_msg(finished == 10, "after 10 s only %d of 10 workers had finished their 50 "
                  "increments: a worker waiting for the lock was never woken", finished);
    for (int i = 0; i < 10; i++) {
        result_i64(f[i], 0, "locked_increments");
        future_release(f[i]);
    }
    procpool_shutdown(p, true, false);
    double got = value_get(total);
    value_free(total);
    ck_assert_msg(got == 500, "10 processes x 50 locked increments gave %g, expected exactly "
                  "500%s", got, got == 0 ? ": the workers' increments never reached the "
                  "test's memory (MAP_SHARED?)" : ": updates were lost, so the lock did not "
                  "keep them apart across processes");
}

struct acquire_call {
    struct value *v;
    int result;
    double seen;
    atomic_bool returned;
};

/* Take the lock, read the value, let go: all on one thread, as POSIX wants. */
static void *acquire_body(void *arg)
{
    struct acquire_call *call = arg;
    call->result = value_acquire(call->v);
    call->seen = value_get(call->v);
    value_release(call->v);
    atomic_store(&call->returned, true);
    return NULL;
}

static bool acquired(void *call) { return atomic_load(&((struct acquire_call *)call)->returned); }

TEST(dead_owner_does_not_deadlock_the_value, 6, 15, "value_new, value_acquire")
{
    register_all();
    total = value_new('i');
    ck_assert_msg(total != NULL, "value_new('i') returned NULL (errno %d)", errno);
    struct procpool *p = new_pool(1);
    struct future *f = submit_i64(p, "lock_and_die", 0);
    int status = future_result(f, 5, NULL, NULL);
    future_release(f);
    procpool_shutdown(p, true, false);
    ck_assert_msg(status == PROCPOOL_BROKEN, "a worker killed itself holding the Value's lock: "
                  "expected its future to fail with a broken pool, got %d (%s)", status,
                  procpool_strerror(status));

    /* On a thread, so that a lock held forever shows as a message. */
    static struct acquire_call call;
    call = (struct acquire_call){total, -1, 0, false};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, acquire_body, &call), 0);
    ck_assert_msg(eventually(acquired, &call, 3.0), "value_acquire was still blocked 3 s after "
                  "the lock's owner died: make the mutex robust (PTHREAD_MUTEX_ROBUST)");
    pthread_join(t, NULL);
    ck_assert_msg(call.result == EOWNERDEAD, "expected value_acquire to return EOWNERDEAD "
                  "after its owner died, got %d", call.result);
    ck_assert_msg(call.seen == 7, "expected the dead worker's half-update (7), got %g",
                  call.seen);
    ck_assert_msg(value_acquire(total) == 0, "the next value_acquire should return 0: did "
                  "value_acquire mark the mutex consistent (pthread_mutex_consistent)?");
    value_release(total);
    value_free(total);
}

static long set_to_arg(struct watched_call *c)
{
    value_set(c->target, (double)c->arg);
    return 0;
}

static long get_it(struct watched_call *c)
{
    return (long)value_get(c->target);
}

/* A call on another thread while this one holds the Value's lock: it must
 * wait (asleep, not returned) until the lock is released.  Returns false,
 * with why in words, if it returned while the lock was held. */
static bool waits_for_the_lock(struct watched_call *c, const char *what, char *why, size_t size)
{
    if (!settled(c, 1, 5.0)) {
        snprintf(why, size, "%s neither returned nor went to sleep within 5 s while another "
                 "thread held the Value's lock", what);
        return false;
    }
    if (atomic_load(&c->returned)) {
        snprintf(why, size, "%s returned while another thread held the Value's lock: "
                 "value_get and value_set must each take the Value's lock (procpool.h), so "
                 "that a single read or write never sees half of another process's update",
                 what);
        return false;
    }
    return true;
}

TEST(value_get_and_set_take_the_lock, 4, 10, "value_get, value_set")
{
    struct value *v = value_new('i');
    ck_assert_msg(v != NULL, "value_new('i') returned NULL (errno %d)", errno);
    char why[512];
    struct watched_call call;

    ck_assert_int_eq(value_acquire(v), 0);
    start_call(&call, set_to_arg, v, 5, 0, 0);
    bool waited = waits_for_the_lock(&call, "value_set(v, 5)", why, sizeof why);
    value_set(v, 1);   /* the lock is re-entrant: its holder may set */
    value_release(v);
    join_calls(&call, 1);
    ck_assert_msg(waited, "%s", why);
    ck_assert_msg(value_get(v) == 5, "value_set(v, 5) waited for the lock, then the Value "
                  "read %g, expected 5", value_get(v));

    ck_assert_int_eq(value_acquire(v), 0);
    value_set(v, 7);
    start_call(&call, get_it, v, 0, 0, 0);
    waited = waits_for_the_lock(&call, "value_get(v)", why, sizeof why);
    value_set(v, 8);   /* what a get that waited must read */
    value_release(v);
    join_calls(&call, 1);
    ck_assert_msg(waited, "%s", why);
    ck_assert_msg(call.result == 8, "value_get(v) waited for the lock, then returned %ld; "
                  "the Value was 8 when the lock was released", call.result);
    value_free(v);
}
