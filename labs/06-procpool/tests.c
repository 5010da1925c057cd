/*
 * tests.c - lab 06's visible tests.  Run them with `make grade LAB=procpool`.
 *
 * How these tests wait, without sleeping and hoping:
 *  - tasks in workers and the test talk through a "board" in shared memory
 *    (mapped before procpool_new, so every worker inherits it): a task says
 *    it started, waits at a gate the test opens, or meets the others;
 *  - every wait has a deadline, and a missed deadline is reported in words
 *    (a future still pending after its worker died, a shutdown that never
 *    returned) instead of hanging until the grader's timeout;
 *  - the one timing bound (seed 003) compares with a baseline measured in the
 *    same run, with its margin written next to it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lab_test.h"
#include "procpool.h"
#include "testkit.h"

/* ---- the board: shared memory between the test and its workers ----------- */

struct board {
    atomic_int started;     /* gate tasks that have begun */
    atomic_int last_pid;    /* the pid of the last one that began */
    atomic_int gate_open;   /* gate tasks may finish */
    atomic_int arrived;     /* tasks that reached the rendezvous */
    atomic_int fds_full;    /* crash_when_pipe_full saw its task pipe full */
    atomic_int hold_killers;   /* segfault and exit_3 wait at the gate first */
    atomic_int ran;         /* count_run tasks that ran */
};

static struct board *board;
static struct value *total;   /* the Value tasks add to, like the seed's global */
static const double unit = 0.025;   /* seed 003's second, scaled down */

/* Wait (in a worker or in the test) until *counter >= target, or time out. */
static bool wait_for(atomic_int *counter, int target, double within)
{
    double deadline = now_s() + within;
    while (atomic_load(counter) < target) {
        if (now_s() > deadline)
            return false;
        sleep_s(0.0005);
    }
    return true;
}

static int64_t get_i64(const void *arg)
{
    int64_t x;
    memcpy(&x, arg, sizeof x);
    return x;
}

static long put_i64(void *out, int64_t x)
{
    memcpy(out, &x, sizeof x);
    return sizeof x;
}

/* ---- the functions tasks call (registered before each pool) -------------- */

static long double_it(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    return put_i64(out, 2 * get_i64(arg));
}

static long whoami(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)cap;
    return put_i64(out, getpid());
}

/* Arrive, then wait (up to 3 s) until arg tasks have arrived.  Returns 1 if
 * they all met. */
static long meet(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    atomic_fetch_add(&board->arrived, 1);
    return put_i64(out, wait_for(&board->arrived, (int)get_i64(arg), 3.0));
}

/* Say we started, then wait (up to 10 s) for the test to open the gate. */
static long wait_at_gate(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)cap;
    atomic_store(&board->last_pid, getpid());
    atomic_fetch_add(&board->started, 1);
    wait_for(&board->gate_open, 1, 10.0);
    return put_i64(out, 1);
}

/* Seed 003: calculate(start, end) sleeps one unit per number, adds the sum
 * to the shared value under its lock, and returns the value it then sees. */
struct partition { int32_t start, end; };

static long calculate(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    struct partition part;
    memcpy(&part, arg, sizeof part);
    int n = part.end - part.start + 1;
    sleep_s(n * unit);
    int sum = 0;
    for (int i = 0; i < n; i++)
        sum += part.start + i;
    value_acquire(total);
    value_set(total, value_get(total) + sum);
    value_release(total);
    return put_i64(out, (int64_t)value_get(total));
}

/* Meet the other nine, then add 1 arg times, each under the lock with a
 * yield in the middle: the worst moment for another process to step in. */
static long locked_increments(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    atomic_fetch_add(&board->arrived, 1);
    wait_for(&board->arrived, 10, 3.0);
    for (int64_t i = 0; i < get_i64(arg); i++) {
        value_acquire(total);
        double seen = value_get(total);
        sched_yield();
        value_set(total, seen + 1);
        value_release(total);
    }
    return put_i64(out, 0);
}

/* Take the value's lock, half-update, and die holding it. */
static long lock_and_die(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)out, (void)cap;
    value_acquire(total);
    value_set(total, 7);
    kill(getpid(), SIGKILL);
    return -1;
}

/* x -> x*x + 1; item 0 takes 20 ms, so the chunk holding it finishes last. */
static long slow_first_square(const void *arg, size_t len, void *out, size_t cap)
{
    (void)len, (void)cap;
    int64_t x = get_i64(arg);
    if (x == 0)
        sleep_s(0.02);
    return put_i64(out, x * x + 1);
}

/* A big result from a big argument: its 8-byte words in reverse order, each
 * byte-swapped and flipped, so a lost, repeated or misplaced piece shows.
 * (Word by word: byte by byte is slow under ThreadSanitizer.) */
static long flip_reverse(const void *arg, size_t len, void *out, size_t cap)
{
    if (len > cap || len % 8 != 0)
        return -1;
    const unsigned char *in = arg;
    unsigned char *o = out;
    for (size_t i = 0, n = len / 8; i < n; i++) {
        uint64_t w;
        memcpy(&w, in + 8 * (n - 1 - i), 8);
        w = ~__builtin_bswap64(w);
        memcpy(o + 8 * i, &w, 8);
    }
    return (long)len;
}

static long checksum(const void *arg, size_t len, void *out, size_t cap)
{
    (void)cap;
    const unsigned char *in = arg;
    int64_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = sum * 31 + in[i];
    return put_i64(out, sum);
}

static long always_fail(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)out, (void)cap;
    return -1;
}

static long segfault(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)out, (void)cap;
    if (atomic_load(&board->hold_killers))
        wait_for(&board->gate_open, 1, 10.0);
    /* The default action, not a sanitizer's report: the worker just dies. */
    signal(SIGSEGV, SIG_DFL);
    int *volatile nowhere = NULL;
    *(volatile int *)nowhere = 1;
    return -1;
}

static long exit_3(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)out, (void)cap;
    if (atomic_load(&board->hold_killers))
        wait_for(&board->gate_open, 1, 10.0);
    _exit(3);
}

/* Wait (up to 5 s) until the test opens the gate and one of this worker's
 * pipes holds at least 60 KiB, which means the parent is blocked writing a
 * big task into it; then crash: CPython issue 94777's moment. */
static long crash_when_pipe_full(const void *arg, size_t len, void *out, size_t cap)
{
    double deadline = now_s() + 5.0;
    while (now_s() < deadline &&
           !(atomic_load(&board->fds_full) && atomic_load(&board->gate_open))) {
        for (int fd = 0; fd < 256; fd++) {
            int queued = 0;
            if (ioctl(fd, FIONREAD, &queued) == 0 && queued >= 60 * 1024)
                atomic_store(&board->fds_full, 1);
        }
        sleep_s(0.001);
    }
    return segfault(arg, len, out, cap);
}

static long count_run(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)cap;
    atomic_fetch_add(&board->ran, 1);
    return put_i64(out, 1);
}

static long late(const void *arg, size_t len, void *out, size_t cap)
{
    return double_it(arg, len, out, cap);
}

static void register_all(void)
{
    static const struct { const char *name; procpool_fn fn; } table[] = {
        {"double_it", double_it}, {"whoami", whoami}, {"meet", meet},
        {"wait_at_gate", wait_at_gate}, {"calculate", calculate},
        {"locked_increments", locked_increments}, {"lock_and_die", lock_and_die},
        {"slow_first_square", slow_first_square}, {"flip_reverse", flip_reverse},
        {"checksum", checksum}, {"fail", always_fail}, {"segfault", segfault},
        {"exit_3", exit_3}, {"crash_when_pipe_full", crash_when_pipe_full},
        {"count_run", count_run},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        ck_assert_int_eq(procpool_register(table[i].name, table[i].fn), 0);
    board = mmap(NULL, sizeof *board, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert(board != MAP_FAILED);
}

/* ---- helpers for the test's side ------------------------------------------- */

static struct procpool *new_pool(int nworkers)
{
    struct procpool *p = procpool_new(nworkers);
    ck_assert_msg(p != NULL, "procpool_new(%d) returned NULL (errno %d: %s)", nworkers, errno,
                  strerror(errno));
    return p;
}

static struct future *submit(struct procpool *p, const char *fn, const void *arg, size_t len)
{
    struct future *f = NULL;
    int err = procpool_submit(p, fn, arg, len, &f);
    ck_assert_msg(err == PROCPOOL_OK && f != NULL, "procpool_submit(\"%s\") returned %d (%s)%s",
                  fn, err, procpool_strerror(err), f ? "" : " and no future");
    return f;
}

static struct future *submit_i64(struct procpool *p, const char *fn, int64_t x)
{
    return submit(p, fn, &x, sizeof x);
}

/* The result of f as a number, waiting up to `within` s; fails the test
 * with `what` if there is none. */
static int64_t result_i64(struct future *f, double within, const char *what)
{
    const void *data = NULL;
    size_t len = 0;
    int status = future_result(f, within, &data, &len);
    ck_assert_msg(status == PROCPOOL_OK, "%s: expected a result, got %d (%s)", what, status,
                  procpool_strerror(status));
    ck_assert_msg(len == sizeof(int64_t) && data, "%s: expected an 8-byte result, got %zu bytes",
                  what, len);
    return get_i64(data);
}

/* The first index where a and b differ, or n.  Loops find the difference
 * and the test checks once: Check records every check that passes, and a
 * million of them would overflow its message file. */
static int first_difference(const int64_t *a, const int64_t *b, int n)
{
    int i = 0;
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

static int count_open_fds(void)
{
    return count_proc_entries("/proc/self/fd");
}

/* Shut p down on a helper thread, waiting at most `within` s.  Returns the
 * seconds it took, or -1 if it had not returned by then. */
struct shutdown_call {
    struct procpool *p;
    bool wait, cancel_futures;
    atomic_bool returned;
};

static void *shutdown_body(void *arg)
{
    struct shutdown_call *call = arg;
    procpool_shutdown(call->p, call->wait, call->cancel_futures);
    atomic_store(&call->returned, true);
    return NULL;
}

static bool has_returned(void *call) { return atomic_load(&((struct shutdown_call *)call)->returned); }

static double shutdown_within(struct procpool *p, bool wait, bool cancel_futures, double within)
{
    static struct shutdown_call call;   /* outlives us if the shutdown hangs */
    call = (struct shutdown_call){p, wait, cancel_futures, false};
    pthread_t t;
    double start = now_s();
    ck_assert_int_eq(pthread_create(&t, NULL, shutdown_body, &call), 0);
    if (!eventually(has_returned, &call, within)) {
        pthread_detach(t);
        return -1;
    }
    pthread_join(t, NULL);
    return now_s() - start;
}

/* Which descriptors are open now (0..MAX_FDS-1), to tell a pool's pipes,
 * opened later, from the rest. */
enum { MAX_FDS = 1024 };

static void open_fds(bool *open)
{
    for (int fd = 0; fd < MAX_FDS; fd++)
        open[fd] = fcntl(fd, F_GETFD) != -1;
}

/* Bytes written into pipes opened since `before` and not yet read: a pool's
 * task pipes hold what the feeder sent ahead.  (On a pipe, FIONREAD tells the
 * unread bytes through either end: the parent holds the writing end.) */
static int bytes_in_new_pipes(const bool *before)
{
    int total = 0;
    for (int fd = 0; fd < MAX_FDS; fd++) {
        struct stat st;
        int queued = 0;
        if (!before[fd] && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) &&
            ioctl(fd, FIONREAD, &queued) == 0)
            total += queued;
    }
    return total;
}

/* Wait (up to 5 s) until the pool's pipes hold at least `bytes` sent ahead.
 * Returns what they hold then; a pool that sends nothing ahead gets a note. */
static int wait_until_fed(const bool *before, int bytes)
{
    double deadline = now_s() + 5.0;
    int held;
    while ((held = bytes_in_new_pipes(before)) < bytes && now_s() < deadline)
        sleep_s(0.0005);
    if (held < bytes)
        lab_test_note("the pool's pipes held %d bytes of tasks sent ahead, not %d: the "
                      "cancels below mostly reached the pool's own queue", held, bytes);
    return held;
}

/* No worker of p may be left running or a zombie once it is shut down. */
static void check_reaped(const pid_t *pids, int n, const char *when)
{
    for (int i = 0; i < n; i++) {
        pid_t got = waitpid(pids[i], NULL, WNOHANG);
        ck_assert_msg(got != pids[i], "%s: worker %d (pid %d) was a zombie: the pool must "
                      "waitpid() every worker it forked", when, i, (int)pids[i]);
        ck_assert_msg(got == -1 && errno == ECHILD, "%s: worker %d (pid %d) was still "
                      "running after procpool_shutdown returned", when, i, (int)pids[i]);
    }
}

/* ---- Part 1 and 3: running tasks in workers ----------------------------------- */

TEST(submit_runs_task_in_a_worker_process, 6, 10,
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

TEST(seed_003_partitions_sum_to_55_in_parallel, 8, 20,
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

static bool is_settled(void *f) { return future_done(f); }

TEST(locked_increments_give_exactly_500, 8, 25,
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

/* ---- Part 2: futures ---------------------------------------------------------- */

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
    ck_assert_msg(wait_for(&board->started, 1, 5), "the gate task never started");
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
    ck_assert_msg(wait_for(&board->started, 1, 5), "the second gate task never started");
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

TEST(cancel_reaches_tasks_sent_ahead, 6, 25,
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
    ck_assert_msg(wait_for(&board->started, 1, 5), "the gate task never started");
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
    ck_assert_msg(wait_for(&board->started, W, 5), "%d gate tasks on %d workers: only %d "
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

/* ---- Part 3: map, messages and signals ------------------------------------------ */

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
    ck_assert_msg(i == N, "chunksize 1: result %d is %ld, expected %ld: results must come "
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

static void fill_pattern(unsigned char *buf, size_t len, unsigned seed)
{
    uint64_t x = 88172645463325252ull ^ seed;
    for (size_t i = 0; i + 8 <= len; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(buf + i, &x, 8);
    }
}

/* Where two buffers first differ (len if nowhere). */
static size_t first_wrong_byte(const unsigned char *got, const unsigned char *want, size_t len)
{
    size_t i = 0;
    if (memcmp(got, want, len) != 0)
        while (got[i] == want[i])
            i++;
    else
        i = len;
    return i;
}

/* `rounds` x 2 tasks of 1 MiB each way, every byte checked; then a map whose
 * chunks are 200 KiB each way. */
static void big_messages(struct procpool *p, int rounds, const char *during, const char *hint)
{
    enum { BIG = PROCPOOL_MAX_RESULT, ITEM = 100 * 1024, ITEMS = 6 };
    unsigned char *arg = malloc(BIG), *want[2] = {malloc(BIG), malloc(BIG)};
    unsigned char *items = malloc(ITEM * ITEMS), *out = malloc(ITEM * ITEMS),
                  *want_out = malloc(ITEM * ITEMS);
    for (int r = 0; r < rounds; r++) {
        struct future *f[2];
        for (int k = 0; k < 2; k++) {
            fill_pattern(arg, BIG, (unsigned)(2 * r + k));
            flip_reverse(arg, BIG, want[k], BIG);
            int err = procpool_submit(p, "flip_reverse", arg, BIG, &f[k]);
            ck_assert_msg(err == PROCPOOL_OK, "%ssubmit of a 1 MiB task returned %d (%s)%s",
                          during, err, procpool_strerror(err), hint);
        }
        for (int k = 0; k < 2; k++) {
            const void *data = NULL;
            size_t len = 0;
            int status = future_result(f[k], 5, &data, &len);
            ck_assert_msg(status == PROCPOOL_OK, "%sa 1 MiB task failed: %d (%s)%s", during,
                          status, procpool_strerror(status), hint);
            ck_assert_msg(len == BIG, "%sa 1 MiB task returned %zu bytes", during, len);
            size_t bad = first_wrong_byte(data, want[k], BIG);
            ck_assert_msg(bad == BIG, "%sa 1 MiB message came back wrong from byte %zu on: "
                          "a pipe takes at most 64 KiB at a time, so write and read in a loop "
                          "until every byte is through", during, bad);
            future_release(f[k]);
        }
    }
    fill_pattern(items, ITEM * ITEMS, 99);
    for (int i = 0; i < ITEMS; i++)
        flip_reverse(items + i * ITEM, ITEM, want_out + i * ITEM, ITEM);
    int err = procpool_map(p, "flip_reverse", items, ITEM, out, ITEM, ITEMS, 2);
    ck_assert_msg(err == PROCPOOL_OK, "%sa map of 100 KiB items returned %d (%s)%s", during,
                  err, procpool_strerror(err), hint);
    size_t bad = first_wrong_byte(out, want_out, ITEM * ITEMS);
    ck_assert_msg(bad == ITEM * ITEMS, "%sitem %zu of a map of 100 KiB items came back wrong "
                  "at byte %zu", during, bad / ITEM, bad % ITEM);
    free(arg);
    free(want[0]);
    free(want[1]);
    free(items);
    free(out);
    free(want_out);
}

TEST(big_messages_cross_pipes_intact, 6, 20, "write_all, read_all, worker_main, collect_one")
{
    register_all();
    struct procpool *p = new_pool(2);
    big_messages(p, 3, "", "");
    procpool_shutdown(p, true, false);
}

static void on_signal(int sig) { (void)sig; }

struct signaller {
    pid_t targets[3];
    atomic_bool stop;
    atomic_int sent;
};

/* Send SIGUSR1 to the workers and to the pool's own threads, over and over. */
static void *signal_everyone(void *arg)
{
    struct signaller *s = arg;
    while (!atomic_load(&s->stop)) {
        for (int i = 0; i < 3; i++)
            kill(s->targets[i], SIGUSR1);
        atomic_fetch_add(&s->sent, 1);
        sleep_s(0.0002);
    }
    return NULL;
}

TEST(signals_interrupt_pipe_io_harmlessly, 6, 30, "write_all, read_all, collector")
{
    /* A handler without SA_RESTART: a signal makes a blocked read, write or
     * poll return EINTR, or a write return early with part of its bytes
     * written.  The workers inherit the handler when they are forked. */
    register_all();
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    struct procpool *p = new_pool(2);

    /* Block SIGUSR1 in this thread and the signaller, so the signals sent to
     * the process land on the pool's helper threads. */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    static struct signaller s;
    s = (struct signaller){.targets = {getpid(), procpool_worker_pid(p, 0), procpool_worker_pid(p, 1)}};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, signal_everyone, &s), 0);

    big_messages(p, 4, "with signals arriving, ", ": a read, write or poll that fails with "
                 "EINTR must simply be tried again, and a write that a signal cut short must "
                 "go on with the rest");
    enum { N = 3000 };
    static int64_t in[N], out[N];
    for (int i = 0; i < N; i++)
        in[i] = i;
    int err = procpool_map(p, "double_it", in, 8, out, 8, N, 7);
    atomic_store(&s.stop, true);
    pthread_join(t, NULL);
    ck_assert_msg(err == PROCPOOL_OK, "with signals arriving, a map returned %d (%s): a "
                  "read or write that fails with EINTR must simply be tried again", err,
                  procpool_strerror(err));
    int i = 0;
    while (i < N && out[i] == 2 * i)
        i++;
    ck_assert_msg(i == N, "with signals arriving, map result %d was %ld", i, (long)out[i % N]);
    procpool_shutdown(p, true, false);
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
    signal(SIGUSR1, SIG_IGN);
    ck_assert_msg(s.sent > 10, "the test sent only %d rounds of signals", s.sent);
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

    f = submit_i64(p, "double_it", 50);
    ck_assert_msg(result_i64(f, 5, "double_it after the errors") == 100,
                  "the pool gave a wrong result after the errors");
    future_release(f);
    procpool_shutdown(p, true, false);
}

/* ---- broken pools ------------------------------------------------------------------ */

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

TEST(crash_or_exit_breaks_the_pool, 6, 20, "collector, collect_one, worker_ended, fail_pool")
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
    ck_assert_msg(wait_for(&board->started, 2, 5), "the two gate tasks never both started");
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

TEST(full_pipe_breaks_the_pool_without_hanging, 6, 25,
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

/* ---- cleaning up ---------------------------------------------------------------------- */

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
