/* 5-seeds.c - lab 05, Part 5: the seeds' examples on your pool, in units of
 * 30 ms. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* Start k workers and let them go idle before a timed run.  Python's pool
 * starts threads lazily too, but on a loaded machine a new thread may wait
 * longer than a time unit for its first slice (and longer still under
 * ThreadSanitizer), and the seeds time sleeps, not thread creation. */
static void warm_up(struct executor *ex, int k)
{
    struct rendezvous r = RENDEZVOUS_INIT(k, 2);
    struct future *fs[8];
    for (int i = 0; i < k; i++)
        fs[i] = submit(ex, meet_everyone, &r);
    for (int i = 0; i < k; i++) {
        future_result(fs[i], 10.0, NULL, NULL);
        future_release(fs[i]);
    }
    struct pool_probe all_idle = {ex, k};
    eventually(idle_count_is, &all_idle, 3.0);
}

/* A seed's sleep that clocks itself.  On a loaded machine a sleeping thread
 * can wake a whole unit late (a sanitizer pass with another grading beside
 * it did exactly that), and then a correct pool really does finish tasks out
 * of the seed's order.  So the checks below judge the pool by this run's own
 * clock: order by when the tasks really started and ended, and wall time
 * against the seed's schedule replayed with the durations the tasks measured,
 * which already contain every late wake-up. */
struct timed_sleep {
    int units;
    double started, ended;   /* now_s() around the sleep */
};

static void *timed_sleep_and_double(void *arg, struct task_error *error)
{
    (void)error;
    struct timed_sleep *t = arg;
    t->started = now_s();
    sleep_s(t->units * UNIT);
    t->ended = now_s();
    return (void *)(intptr_t)(t->units * 2);
}

/* The seed's schedule in units, and the same schedule replayed with what the
 * tasks measured: the wall time a prompt pool would have taken in this run. */
static double ideal_units(const struct timed_sleep *tasks, int n, int workers)
{
    double units[10];
    for (int i = 0; i < n; i++)
        units[i] = tasks[i].units;
    return prompt_pool_time(units, n, workers);
}

static double replayed_wall_time(const struct timed_sleep *tasks, int n, int workers)
{
    double measured[10];
    for (int i = 0; i < n; i++)
        measured[i] = tasks[i].ended - tasks[i].started;
    return prompt_pool_time(measured, n, workers);
}

/* Timed runs are attempted up to 3 times and pass if one attempt meets every
 * check.  A correct pool misses a bound only when the machine stalls it
 * between two tasks (a burst of load during that attempt); a wrong one is off
 * by a whole unit or more every time, so retrying never lets it through. */
enum { ATTEMPTS = 3 };

typedef bool (*timed_run)(char *why, size_t size);

static void run_timed(timed_run attempt)
{
    char why[1024] = "";
    for (int i = 0; i < ATTEMPTS; i++) {
        if (attempt(why, sizeof why))
            return;
        printf("attempt %d: %s\n", i + 1, why);
    }
    ck_abort_msg("%s (in each of %d attempts)", why, ATTEMPTS);
}

#define CHECK(cond, ...) \
    do { if (!(cond)) { snprintf(why, size, __VA_ARGS__); return false; } } while (0)

/* Upper bounds on wall time: the replayed schedule, plus half a unit and a
 * few short sleeps' worth of this run's lateness (sleep_lateness) for the
 * pool's hand-offs and the caller's own wake-up.  Lower bounds are exact: a
 * correct pool is never early. */
#define WALL_TIME_OK(took, tasks, n, workers, late)                              \
    ((took) >= ideal_units(tasks, n, workers) * UNIT - 0.002 &&                  \
     (took) <= replayed_wall_time(tasks, n, workers) + UNIT / 2 + 3 * (late))

static bool seed_004_map_once(char *why, size_t size)
{
    double late = sleep_lateness();
    struct executor *ex = new_pool(4);
    warm_up(ex, 3);
    struct timed_sleep tasks[3] = {{.units = 3}, {.units = 2}, {.units = 1}};
    void *args[3] = {&tasks[0], &tasks[1], &tasks[2]};
    void *results[3] = {0};
    double start = now_s();
    int rc = executor_map(ex, timed_sleep_and_double, args, 3, NO_TIMEOUT, results, NULL,
                          NULL);
    double took = now_s() - start;
    executor_free(ex);
    CHECK(rc == RESULT_OK, "map returned %s", status_name(rc));
    CHECK(results[0] == (void *)6 && results[1] == (void *)4 && results[2] == (void *)2,
          "executor_map returned [%ld, %ld, %ld], expected [6, 4, 2] as in seed 004",
          (long)(intptr_t)results[0], (long)(intptr_t)results[1], (long)(intptr_t)results[2]);
    CHECK(WALL_TIME_OK(took, tasks, 3, 4, late),
          "expected about 3 units (%.0f ms; %.0f ms with the sleeps' measured lateness): the "
          "three calls run at once, so the longest sets the time; took %.0f ms",
          3 * UNIT * 1e3, replayed_wall_time(tasks, 3, 4) * 1e3, took * 1e3);
    return true;
}

TEST(seed_004_map_sleep_and_double, 2, 15, "executor_map, executor_submit")
{
    /* Seed 004: map(sleep_and_double, [3, 2, 1]) on 4 workers gave [6, 4, 2]
     * in 3.00 s. */
    run_timed(seed_004_map_once);
}

/* as_completed must yield each future after every one that ended clearly
 * before it.  Half a unit of slack, because a task's clock stops just before
 * its worker marks the future finished, and ties may come out either way. */
static bool yielded_in_finish_order(const struct timed_sleep *tasks, const int *order, int n,
                                    char *why, size_t size)
{
    for (int k = 1; k < n; k++) {
        const struct timed_sleep *earlier = &tasks[order[k - 1]], *later = &tasks[order[k]];
        CHECK(later->ended >= earlier->ended - UNIT / 2, "as_completed yielded the %d-unit "
              "task that ended at %.0f ms after the %d-unit task that ended at %.0f ms: "
              "yield futures in the order they finish", later->units,
              (later->ended - tasks[0].started) * 1e3, earlier->units,
              (earlier->ended - tasks[0].started) * 1e3);
    }
    return true;
}

/* What as_completed yielded, in order. */
struct yields {
    int order[10];        /* order[k]: the task whose future came k-th */
    long got[10];         /* got[k]: its result (if asked for) */
    double start, took;   /* the first submit; from there to the last yield */
};

/* Seeds 000 and 004: sleeps of units[0..n) (n at most 10) submitted to a
 * fresh pool of `workers`, read through as_completed (5 s) as they finish,
 * their results too if got_results.  Returns how many futures came. */
static int as_completed_run(const int *units, int n, int workers, bool got_results,
                            struct timed_sleep *tasks, struct yields *r)
{
    struct executor *ex = new_pool(workers);
    warm_up(ex, workers);
    struct future *fs[10];
    r->start = now_s();
    for (int i = 0; i < n; i++) {
        tasks[i] = (struct timed_sleep){.units = units[i]};
        fs[i] = submit(ex, timed_sleep_and_double, &tasks[i]);
    }
    struct as_completed *it = as_completed(fs, n, 5.0);
    int yielded = 0;
    struct future *f;
    while (it && yielded < n && as_completed_next(it, &f) == RESULT_OK && f) {
        int i = 0;
        while (i < n - 1 && fs[i] != f)
            i++;
        void *value = NULL;
        if (got_results)
            future_result(f, 0, &value, NULL);
        r->got[yielded] = (long)(intptr_t)value;
        r->order[yielded++] = i;
    }
    r->took = now_s() - r->start;
    as_completed_free(it);
    for (int i = 0; i < n; i++)
        future_release(fs[i]);
    executor_free(ex);
    return yielded;
}

static bool seed_004_as_completed_once(char *why, size_t size)
{
    static const int units[5] = {5, 4, 3, 2, 1};
    double late = sleep_lateness();
    struct timed_sleep tasks[5];
    struct yields r;
    int n = as_completed_run(units, 5, 5, true, tasks, &r);
    const int *order = r.order;
    const long *got = r.got;
    double took = r.took;
    CHECK(n == 5, "as_completed yielded only %d of 5 futures", n);
    bool each_once = true;
    for (int k = 0; k < 5; k++)
        for (int j = 0; j < k; j++)
            each_once &= order[j] != order[k];
    for (int k = 0; k < 5; k++)
        each_once &= got[k] == 2 * tasks[order[k]].units;
    CHECK(each_once, "expected [2, 4, 6, 8, 10] as in seed 004, got [%ld, %ld, %ld, %ld, "
          "%ld]: each future once, with its own result, in the order they finish", got[0],
          got[1], got[2], got[3], got[4]);
    if (!yielded_in_finish_order(tasks, order, 5, why, size)) {
        size_t used = strlen(why);
        snprintf(why + used, size - used, " (expected [2, 4, 6, 8, 10] as in seed 004, got "
                 "[%ld, %ld, %ld, %ld, %ld])", got[0], got[1], got[2], got[3], got[4]);
        return false;
    }
    CHECK(WALL_TIME_OK(took, tasks, 5, 5, late), "expected about 5 units (%.0f ms; %.0f ms "
          "with the sleeps' measured lateness), took %.0f ms", 5 * UNIT * 1e3,
          replayed_wall_time(tasks, 5, 5) * 1e3, took * 1e3);
    return true;
}

TEST(seed_004_as_completed_doubles, 2, 15, "as_completed, as_completed_next, executor_submit")
{
    /* Seed 004: five futures sleeping 5, 4, 3, 2, 1 s on 5 workers, read
     * through as_completed, gave [2, 4, 6, 8, 10] in 5.00 s. */
    run_timed(seed_004_as_completed_once);
}

/* Seed 000's output shows its random.randint(1, 5) draws: 5 1 3 2 1 2 2 1 3 5. */
static const int seed000_units[10] = {5, 1, 3, 2, 1, 2, 2, 1, 3, 5};

static bool seed_000_once(char *why, size_t size)
{
    double late = sleep_lateness();
    struct timed_sleep tasks[10];
    struct yields r;
    int n = as_completed_run(seed000_units, 10, 3, false, tasks, &r);
    const int *order = r.order;
    double start = r.start, took = r.took;
    for (int k = 0; k < n; k++)
        printf("Finished sleeping for %d units\n", seed000_units[order[k]]);
    CHECK(n == 10, "as_completed yielded %d of the 10 futures", n);
    /* First in, first out: no task starts clearly before one submitted
     * earlier (half a unit covers two workers taking tasks at once). */
    for (int i = 0; i < 10; i++)
        for (int j = i + 1; j < 10; j++)
            CHECK(tasks[j].started >= tasks[i].started - UNIT / 2, "task %d started at "
                  "%.0f ms, before task %d (submitted earlier) at %.0f ms: a free worker must "
                  "take the oldest queued task, first in, first out", j,
                  (tasks[j].started - start) * 1e3, i, (tasks[i].started - start) * 1e3);
    if (!yielded_in_finish_order(tasks, order, 10, why, size))
        return false;
    CHECK(WALL_TIME_OK(took, tasks, 10, 3, late), "expected %.0f units (%.0f ms; %.0f ms with "
          "the sleeps' measured lateness) for 10 sleeps on 3 workers, took %.0f ms",
          ideal_units(tasks, 10, 3), ideal_units(tasks, 10, 3) * UNIT * 1e3,
          replayed_wall_time(tasks, 10, 3) * 1e3, took * 1e3);
    return true;
}

TEST(seed_000_ten_random_sleeps_on_3_workers, 2, 20,
     "as_completed, as_completed_next, executor_submit, worker_main")
{
    /* Seed 000: 10 tasks sleeping random.randint(1, 5) s on 3 workers, read
     * through as_completed: each worker takes the next task when it is free,
     * so the run takes 11 units. */
    run_timed(seed_000_once);
}

/* One of seed 003's runs: map over [1, 2, 2, 1] units on a pool of k workers. */
struct seed_003_run {
    struct executor *ex;
    struct gate *start;
    struct timed_sleep tasks[4];
    int rc;
    void *results[4];
    double took;
};

static void *run_seed_003_map(void *arg)
{
    struct seed_003_run *run = arg;
    static const int units[4] = {1, 2, 2, 1};
    void *args[4];
    for (int i = 0; i < 4; i++) {
        run->tasks[i] = (struct timed_sleep){.units = units[i]};
        args[i] = &run->tasks[i];
    }
    gate_wait(run->start);
    double start = now_s();
    run->rc = executor_map(run->ex, timed_sleep_and_double, args, 4, NO_TIMEOUT, run->results,
                           NULL, NULL);
    run->took = now_s() - start;
    return NULL;
}

static bool seed_003_once(char *why, size_t size)
{
    /* The four pools (1 to 4 workers) run side by side: they only sleep, so
     * they do not slow each other down, and the test takes 6 units, not 13. */
    double late = sleep_lateness();
    struct gate start = GATE_INIT;
    struct seed_003_run runs[4];
    pthread_t threads[4];
    for (int k = 1; k <= 4; k++) {
        runs[k - 1] = (struct seed_003_run){.ex = new_pool(k), .start = &start};
        warm_up(runs[k - 1].ex, k);
        pthread_create(&threads[k - 1], NULL, run_seed_003_map, &runs[k - 1]);
    }
    gate_open(&start);
    for (int k = 1; k <= 4; k++) {
        pthread_join(threads[k - 1], NULL);
        executor_free(runs[k - 1].ex);
    }
    for (int k = 1; k <= 4; k++) {
        struct seed_003_run *run = &runs[k - 1];
        CHECK(run->rc == RESULT_OK, "with %d workers, map returned %s", k,
              status_name(run->rc));
        CHECK(run->results[0] == (void *)2 && run->results[1] == (void *)4 &&
              run->results[2] == (void *)4 && run->results[3] == (void *)2,
              "with %d workers: expected executor_map to return [2, 4, 4, 2], in input order", k);
        CHECK(WALL_TIME_OK(run->took, run->tasks, 4, k, late), "with %d worker%s, expected a "
              "wall time of %.0f units (%.0f ms; %.0f ms with the sleeps' measured lateness) "
              "as in seed 003, measured %.0f ms", k, k > 1 ? "s" : "",
              ideal_units(run->tasks, 4, k), ideal_units(run->tasks, 4, k) * UNIT * 1e3,
              replayed_wall_time(run->tasks, 4, k) * 1e3, run->took * 1e3);
    }
    return true;
}

TEST(seed_003_wall_times_on_1_to_4_workers, 2, 20, "executor_map, enqueue, worker_main")
{
    /* Seed 003 measured 6.01, 3.01, 2.01 and 2.01 s for ex.map over sleeps of
     * [1, 2, 2, 1] s on 1 to 4 workers. */
    run_timed(seed_003_once);
}
