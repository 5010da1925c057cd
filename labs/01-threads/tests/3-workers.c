/* 3-workers.c - lab 01, Part 3: tasks on K workers, timed. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lab_test.h"
#include "testkit.h"
#include "threads.h"

/* Many tasks, so that a claim of the next index that is not one atomic step
 * (a load, then a store) is caught in almost every run, not in some. */
enum { TASKS = 20000 };

struct task_log {
    atomic_int runs[TASKS];
    pthread_mutex_t lock;
    pthread_t seen[64];
    int distinct;
};

static void count_run(int i, void *ctx)
{
    struct task_log *log = ctx;
    atomic_fetch_add(&log->runs[i], 1);
    pthread_mutex_lock(&log->lock);
    bool known = false;
    for (int k = 0; k < log->distinct && !known; k++)
        known = pthread_equal(log->seen[k], pthread_self());
    if (!known && log->distinct < 64)
        log->seen[log->distinct++] = pthread_self();
    pthread_mutex_unlock(&log->lock);
}

TEST(each_task_runs_once_on_at_most_k_threads, 5, 10, "run_on_threads, worker")
{
    static const int ks[] = {1, 2, 3, 8};
    for (int k = 0; k < 4; k++) {
        static struct task_log log;
        memset(&log, 0, sizeof log);
        pthread_mutex_init(&log.lock, NULL);
        struct run_times times;
        int err = run_on_threads(TASKS, ks[k], count_run, &log, &times);
        ck_assert_msg(err == 0, "run_on_threads(%d tasks, %d workers) returned %d",
                      TASKS, ks[k], err);
        for (int i = 0; i < TASKS; i++)
            ck_assert_msg(log.runs[i] == 1, "with %d workers, task %d ran %d times, "
                          "expected exactly once", ks[k], i, (int)log.runs[i]);
        ck_assert_msg(log.distinct <= ks[k], "with %d workers, tasks ran on %d "
                      "different threads", ks[k], log.distinct);
        ck_assert_msg(!pthread_equal(log.seen[0], pthread_self()),
                      "tasks ran on the caller's thread, not on workers");
    }
}

/* Each task waits (up to 2 s) until all tasks are running at once. */
static void meet_everyone(int i, void *ctx)
{
    (void)i;
    rendezvous_meet(ctx);
}

TEST(k_workers_run_at_the_same_time, 10, 20, "run_on_threads")
{
    for (int k = 2; k <= 6; k += 2) {
        struct rendezvous r = RENDEZVOUS_INIT(k, 2);
        struct run_times times;
        ck_assert_int_eq(run_on_threads(k, k, meet_everyone, &r, &times), 0);
        ck_assert_msg(r.met == k, "with %d workers and %d tasks that each wait for "
                      "all the others, only %d met: were the workers run one after "
                      "another (joined right after starting)?", k, k, r.met);
    }
}

/* Seed 003: timings [1, 2, 2, 1] (seconds there, units here) on K workers. */
static const int seed_timings[] = {1, 2, 2, 1};
static const double unit = 0.05;

static void sleep_units(int i, void *ctx)
{
    (void)ctx;
    sleep_s(seed_timings[i] * unit);
}

/* The baseline: K plain threads sleeping the best schedule for K workers,
 * worked out by hand (no pool involved).  Run right beside the student's
 * pool, it meets the same machine load. */
static const int best_schedule[4][4][3] = {
    {{1, 2, 2}, {0}},                     /* K=1: 1,2,2,1 -> the 4th below */
    {{1, 2}, {2, 1}},                     /* K=2: 3 units each */
    {{1, 1}, {2}, {2}},                   /* K=3: 2 units */
    {{1}, {2}, {2}, {1}},                 /* K=4: 2 units */
};

static void *sleep_schedule(void *arg)
{
    const int *units = arg;
    for (int i = 0; i < 3 && units[i]; i++)
        sleep_s(units[i] * unit);
    return NULL;
}

static double baseline_wall(int k)
{
    pthread_t t[4];
    double start = now_s();
    for (int i = 0; i < k; i++)
        pthread_create(&t[i], NULL, sleep_schedule, (void *)best_schedule[k - 1][i]);
    for (int i = 0; i < k; i++)
        pthread_join(t[i], NULL);
    if (k == 1)
        sleep_s(unit);   /* K=1's 4th task, which the 3-slot table has no room for */
    return now_s() - start;
}

TEST(io_wall_times_match_seed_003, 12, 20, "run_on_threads, worker")
{
    /* Seed 003 measured 6.01, 3.01, 2.01 and 2.01 s for 1..4 workers; our unit
     * is 50 ms.  The pool is compared with a baseline run beside it: K threads
     * sleeping the best schedule.  Each wrong design is at least one unit
     * slower than the best, so the margin is half a unit.  Load only ever adds
     * time, so each side gets up to 3 tries and the fastest of each counts. */
    static const int expected_units[] = {6, 3, 2, 2};
    for (int k = 1; k <= 4; k++) {
        double want = expected_units[k - 1] * unit, best = 1e9, baseline = 1e9;
        for (int attempt = 0; attempt == 0 || (attempt < 3 && best > baseline + unit / 2);
             attempt++) {
            struct run_times times;
            double b = baseline_wall(k);
            if (b < baseline)
                baseline = b;
            ck_assert_int_eq(run_on_threads(4, k, sleep_units, NULL, &times), 0);
            ck_assert_msg(times.wall_s >= want - 0.002, "with %d worker%s, expected a "
                          "wall time of %d units (%.0f ms) as in seed 003, measured "
                          "only %.0f ms: were all tasks run?", k, k > 1 ? "s" : "",
                          expected_units[k - 1], want * 1e3, times.wall_s * 1e3);
            if (times.wall_s < best)
                best = times.wall_s;
        }
        ck_assert_msg(best <= baseline + unit / 2, "with %d worker%s, expected a wall "
                      "time of %d units (%.0f ms) as in seed 003; the best schedule "
                      "took %.0f ms here and your pool %.0f ms at best in 3 tries",
                      k, k > 1 ? "s" : "", expected_units[k - 1], want * 1e3,
                      baseline * 1e3, best * 1e3);
    }
}

static void spin_20ms_of_cpu(int i, void *ctx)
{
    (void)i, (void)ctx;
    struct timespec ts;
    double start;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    start = ts.tv_sec + ts.tv_nsec * 1e-9;
    do
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    while (ts.tv_sec + ts.tv_nsec * 1e-9 - start < 0.02);
}

TEST(cpu_time_counts_every_thread, 4, 10, "run_on_threads")
{
    struct run_times io, cpu;
    ck_assert_int_eq(run_on_threads(4, 4, sleep_units, NULL, &io), 0);
    ck_assert_msg(io.cpu_s < io.wall_s / 2, "sleeping tasks use almost no CPU, yet "
                  "cpu_s = %.3f s for a wall time of %.3f s: is cpu_s wall time?",
                  io.cpu_s, io.wall_s);
    ck_assert_int_eq(run_on_threads(4, 2, spin_20ms_of_cpu, NULL, &cpu), 0);
    ck_assert_msg(cpu.cpu_s >= 0.08 * 0.95, "4 tasks each used 20 ms of CPU, so "
                  "expected cpu_s >= 80 ms, got %.1f ms: use CLOCK_PROCESS_CPUTIME_ID, "
                  "which counts every thread", cpu.cpu_s * 1e3);
}

/* ---- under the kit's scheduler ------------------------------------------ */

static void count_the_task(int index, void *ctx)
{
    atomic_fetch_add(&((atomic_int *)ctx)[index], 1);
}

/* Six tasks on three workers, under 60 schedules of the kit's scheduler
 * (the handout's "Schedules"): a worker may be stopped at any atomic
 * operation, and at its start and end.  Each task must run exactly once.
 * A worker that takes the next index with a load and then a store, two
 * atomic operations, can take the same index as another in some schedule. */
SCHEDULE_TEST(workers_under_schedules, 3, 20, "run_on_threads, worker", 60)
{
    enum { TASKS = 6 };
    atomic_int runs[TASKS];
    for (int i = 0; i < TASKS; i++)
        atomic_init(&runs[i], 0);
    struct run_times times;
    ck_assert_int_eq(run_on_threads(TASKS, 3, count_the_task, runs, &times), 0);
    for (int i = 0; i < TASKS; i++)
        ck_assert_msg(atomic_load(&runs[i]) == 1, "6 tasks on 3 workers: task %d ran %d times, "
                      "expected once: two workers took the same task. Taking the next task "
                      "must be one atomic read-modify-write (atomic_fetch_add), not a load and "
                      "then a store", i, atomic_load(&runs[i]));
}
