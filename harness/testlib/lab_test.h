/*
 * lab_test.h - declare a graded test in one line.
 *
 *     TEST(join_returns_result, 4, 2.0, "thread_start, thread_join") {
 *         ck_assert_msg(got == 42, "expected thread_join to hand back 42, got %ld", got);
 *     }
 *
 * The arguments are: a name, the points it is worth, a timeout in seconds and
 * the functions a student should look at when it fails.  HIDDEN_TEST is the
 * same for the instructor's hidden tests (not in a student's copy), graded
 * after publication.
 *
 * Every test runs in its own forked process (Check's fork mode), so a crash,
 * a hang or an exit() costs that test alone.  Inside a test use Check's
 * ck_assert_msg() and friends; say what was expected and what happened.
 */
#ifndef LAB_TEST_H
#define LAB_TEST_H

#include <check.h>
#include <stdbool.h>

struct lab_test {
    const char *name;
    int points;
    double timeout_s;
    const char *look_at;
    bool hidden;
    const char *file;
    int line;
    const TTest *ttest;
    struct lab_test *next;
};

void lab_test_register(struct lab_test *test);

/* Attach a note to this test's result, shown even when it passes: say what
 * could not be measured here, e.g. speed-up on a machine with one core. */
void lab_test_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lab_test_begin(const char *name);   /* runs in the test's own process */
void lab_test_end(void);                 /* reached only if the body returned */

#define LAB_TEST_DEFINE(name_, points_, timeout_, look_at_, hidden_)          \
    static void name_##_body(void);                                           \
    START_TEST(name_##_check)                                                 \
    {                                                                         \
        lab_test_begin(#name_);                                               \
        name_##_body();                                                       \
        lab_test_end();                                                       \
    }                                                                         \
    END_TEST                                                                  \
    __attribute__((constructor)) static void name_##_register(void)           \
    {                                                                         \
        static struct lab_test test = {#name_, points_, timeout_, look_at_,   \
                                       hidden_, __FILE__, __LINE__, 0, 0};    \
        test.ttest = name_##_check;                                           \
        lab_test_register(&test);                                             \
    }                                                                         \
    static void name_##_body(void)

/* ck_assert_int_eq for enum values: says "future_result(f, 0, NULL, NULL)
 * returned RESULT_TIMEOUT, expected RESULT_OK", not "== 3, RESULT_OK == 0".
 * name_of turns a value into its name. */
#define ck_assert_named_eq(got, want, name_of)                                  \
    do {                                                                        \
        long got_ = (long)(got), want_ = (long)(want);                          \
        ck_assert_msg(got_ == want_, "%s returned %s, expected %s", #got,       \
                      name_of(got_), name_of(want_));                           \
    } while (0)

/* A schedule test: its body runs once per schedule of a fixed list seeded
 * by its name (scheduler.h), `schedules` runs in all, each under the
 * kit's scheduler: one thread at a time, switching only at synchronisation
 * calls and atomic operations, as the seed decides.  So the body's verdict
 * is the same in every grading, and a failing schedule can be replayed
 * (`make replay ... SEED=`).  The body sets up what it tests afresh each
 * time, starts its threads, joins them and checks the outcome. */
void sched_explore(const char *test, int schedules, void (*body)(void));
/* In a schedule test's body: wait until every other thread waits or has
 * ended (the threads it started are all blocked, say), deterministically. */
void sched_settle(void);
#define LAB_SCHEDULE_TEST(name, points, timeout_s, look_at, schedules, hidden) \
    static void name##_schedule(void);                                       \
    LAB_TEST_DEFINE(name, points, timeout_s, look_at, hidden)                \
    {                                                                        \
        sched_explore(#name, schedules, name##_schedule);                    \
    }                                                                        \
    static void name##_schedule(void)
#define SCHEDULE_TEST(name, points, timeout_s, look_at, schedules) \
    LAB_SCHEDULE_TEST(name, points, timeout_s, look_at, schedules, false)
#define HIDDEN_SCHEDULE_TEST(name, points, timeout_s, look_at, schedules) \
    LAB_SCHEDULE_TEST(name, points, timeout_s, look_at, schedules, true)

#define TEST(name, points, timeout_s, look_at) \
    LAB_TEST_DEFINE(name, points, timeout_s, look_at, false)
#define HIDDEN_TEST(name, points, timeout_s, look_at) \
    LAB_TEST_DEFINE(name, points, timeout_s, look_at, true)

#endif
