/*
 * 1-threads.c - lab 01, Part 1: a thread you can start, query and join.
 * Run the lab's tests with `make grade LAB=threads`.
 *
 * Timing rules used in every file of this folder (the handout's "How it is
 * graded" says more):
 *  - nothing sleeps and hopes: threads are held at gates the test opens;
 *  - a lower bound on time is exact (a correct wait never ends early);
 *  - an upper bound is only used where a wrong design is slower by a large
 *    factor, and its margin is stated next to it.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lab_test.h"
#include "testkit.h"
#include "threads.h"

struct where { pthread_t ran_on; intptr_t input; };

static void *note_thread_and_double(void *arg)
{
    struct where *w = arg;
    w->ran_on = pthread_self();
    return (void *)(w->input * 2);
}

TEST(start_runs_body_on_new_thread, 8, 5, "thread_start, thread_entry, thread_join")
{
    struct thread t;
    struct where w = {.input = 21};
    int err = thread_start(&t, note_thread_and_double, &w);
    ck_assert_msg(err == 0, "expected thread_start to return 0, got %d", err);
    void *result = thread_join(&t);
    ck_assert_msg(!pthread_equal(w.ran_on, pthread_self()),
                  "the body ran on the test's own thread: thread_start must "
                  "create a new thread with pthread_create, not call body directly");
    ck_assert_msg((intptr_t)result == 42,
                  "expected thread_join to return what the body returned (42), got %ld",
                  (long)(intptr_t)result);
}

static void *square_in_place(void *arg)
{
    long *v = arg;
    *v = *v * *v;
    return v;
}

TEST(start_passes_each_thread_its_argument, 8, 5, "thread_start, thread_join")
{
    enum { N = 32 };
    struct thread t[N];
    long values[N];
    for (int i = 0; i < N; i++) {
        values[i] = i;
        ck_assert_int_eq(thread_start(&t[i], square_in_place, &values[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        void *r = thread_join(&t[i]);
        ck_assert_msg(r == &values[i], "thread %d: expected thread_join to return "
                      "its own body's result %p, got %p", i, (void *)&values[i], r);
        ck_assert_msg(values[i] == (long)i * i, "thread %d: expected its argument "
                      "to become %ld, got %ld: did each thread get its own arg?",
                      i, (long)i * i, values[i]);
    }
}

static void *wait_at_gate(void *arg)
{
    gate_wait(arg);
    return (void *)7;
}

static bool has_finished(void *t) { return !thread_is_alive(t); }

TEST(is_alive_until_body_returns, 10, 5, "thread_is_alive, thread_entry")
{
    struct gate g = GATE_INIT;
    struct thread t;
    ck_assert_int_eq(thread_start(&t, wait_at_gate, &g), 0);
    ck_assert_msg(thread_is_alive(&t), "expected is_alive to be true while the "
                  "body waits at a gate, got false");
    gate_open(&g);
    ck_assert_msg(eventually(has_finished, &t, 3.0),
                  "expected is_alive to become false once the body returned "
                  "(without anyone joining), but it stayed true for 3 s");
    ck_assert_msg(thread_join(&t) == (void *)7, "thread_join lost the body's result");
}

TEST(is_alive_right_after_start, 5, 10, "thread_start, thread_is_alive")
{
    /* Amplified: 200 threads, each checked the instant thread_start returns,
     * before it is likely to have been scheduled.  Python's start() makes the
     * same promise: is_alive() is True as soon as start() returns. */
    enum { N = 200 };
    static struct thread t[N];
    struct gate g = GATE_INIT;
    int dead = -1;
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(thread_start(&t[i], wait_at_gate, &g), 0);
        if (dead < 0 && !thread_is_alive(&t[i]))
            dead = i;
    }
    gate_open(&g);
    for (int i = 0; i < N; i++)
        thread_join(&t[i]);
    ck_assert_msg(dead < 0, "thread %d was not alive right after thread_start "
                  "returned: mark it alive before pthread_create, not inside the "
                  "new thread, which may not have run yet", dead);
}
