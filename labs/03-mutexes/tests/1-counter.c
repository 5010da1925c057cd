/* 1-counter.c - lab 03, Part 1: SharedCounter.
 * Run the lab's tests with `make grade LAB=mutexes`. */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

TEST(counter_counts_like_seed_001, 2, 5,
     "counter_init, counter_incr, counter_decr, counter_value")
{
    struct shared_counter c;
    ck_assert_int_eq(counter_init(&c, 10), 0);
    ck_assert_msg(counter_value(&c) == 10, "expected a new SharedCounter(10) to "
                  "hold 10, got %ld", counter_value(&c));
    counter_incr(&c, 5);
    ck_assert_msg(counter_value(&c) == 15, "expected 15 after incr(5), got %ld",
                  counter_value(&c));
    counter_decr(&c, 3);
    ck_assert_msg(counter_value(&c) == 12, "expected 12 after decr(3), got %ld",
                  counter_value(&c));
    counter_decr(&c, 20);
    ck_assert_msg(counter_value(&c) == -8, "expected -8 after decr(20) (a counter "
                  "may go below zero), got %ld", counter_value(&c));
    counter_incr(&c, 1);
    ck_assert_msg(counter_value(&c) == -7, "expected -7 after incr(1), got %ld",
                  counter_value(&c));
    counter_destroy(&c);
}

enum { COUNTS_PER_THREAD = 20000 };

struct counter_job {
    struct shared_counter *counter;
    long delta;             /* > 0: incr(delta); < 0: decr(-delta) */
    struct start_line *start;
    atomic_int *finished;
};

static void *hammer_counter(void *p)
{
    struct counter_job *job = p;
    start_line_wait(job->start);
    for (int i = 0; i < COUNTS_PER_THREAD; i++) {
        if (job->delta > 0)
            counter_incr(job->counter, job->delta);
        else
            counter_decr(job->counter, -job->delta);
    }
    if (job->finished)
        atomic_fetch_add(job->finished, 1);
    return NULL;
}

/* Run n threads, thread i adding deltas[i] COUNTS_PER_THREAD times. */
static void run_counter_threads(struct shared_counter *c, const long *deltas, int n)
{
    pthread_t threads[8];
    struct counter_job jobs[8];
    struct start_line start = START_LINE_INIT;
    for (int i = 0; i < n; i++) {
        jobs[i] = (struct counter_job){c, deltas[i], &start, NULL};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, hammer_counter, &jobs[i]), 0);
    }
    start_line_release(&start, n);
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
}

TEST(counter_exact_under_8_threads, 6, 10, "counter_incr, counter_decr")
{
    /* Seed 002's program: foo() does x += 1 and bar() does x -= 1, the same
     * number of times, so x must end where it started.  Here 4 threads of
     * each, then 8 threads adding 3, on 2 cores.  Without the lock,
     * ThreadSanitizer reports the race every time; the plain build loses
     * updates only while two of our threads run on the two cores at once,
     * which on a busy machine happens now and then, so the rounds repeat
     * for at least 0.1 s (a round takes about a millisecond without the
     * lock, about 10 ms with it). */
    static const long up_and_down[] = {1, -1, 1, -1, 1, -1, 1, -1};
    static const long all_up[] = {3, 3, 3, 3, 3, 3, 3, 3};
    struct shared_counter c;
    ck_assert_int_eq(counter_init(&c, 0), 0);
    long want = 0;
    double until = now_s() + 0.1;
    for (int round = 1; round == 1 || now_s() < until; round++) {
        run_counter_threads(&c, up_and_down, 8);
        long got = counter_value(&c);
        ck_assert_msg(got == want, "seed 002, round %d: 4 threads did incr(1) and 4 "
                      "did decr(1), %d times each, so the counter should be back at "
                      "%ld; it is %ld. Updates were lost: two threads were inside the "
                      "critical section (value += delta) at once. Hold c->lock around "
                      "every change.", round, COUNTS_PER_THREAD, want, got);
        run_counter_threads(&c, all_up, 8);
        want += 8L * COUNTS_PER_THREAD * 3;
        got = counter_value(&c);
        ck_assert_msg(got == want, "round %d: 8 threads each did incr(3) %d times: "
                      "expected %ld, got %ld (%ld lost). Two threads were inside the "
                      "critical section at once: hold c->lock around every change.",
                      round, COUNTS_PER_THREAD, want, got, want - got);
    }
    counter_destroy(&c);
}

TEST(counter_value_reads_under_lock, 4, 10, "counter_value")
{
    /* While 4 threads only add, every value read must lie between the
     * previous read and the final total.  An unlocked read can also pass
     * that here (a long is read in one instruction on this machine), which
     * is why the ThreadSanitizer pass matters: it reports the race. */
    static const long ones[] = {1, 1, 1, 1};
    pthread_t threads[4];
    struct counter_job jobs[4];
    struct start_line start = START_LINE_INIT;
    atomic_int finished = 0;
    struct shared_counter c;
    ck_assert_int_eq(counter_init(&c, 0), 0);
    for (int i = 0; i < 4; i++) {
        jobs[i] = (struct counter_job){&c, ones[i], &start, &finished};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, hammer_counter, &jobs[i]), 0);
    }
    const long total = 4L * COUNTS_PER_THREAD;
    long last = 0, reads = 0, bad = 0, bad_after = 0;
    start_line_release(&start, 4);
    do {
        long v = counter_value(&c);
        if ((v < last || v > total) && !bad)
            bad = v, bad_after = last;
        last = v > last ? v : last;
        reads++;
    } while (atomic_load(&finished) < 4);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);

    ck_assert_msg(!bad, "counter_value returned %ld after %ld, while threads only "
                  "added up to %ld: it read a stale or torn value. Read under c->lock.",
                  bad, bad_after, total);
    ck_assert_msg(counter_value(&c) == total, "expected %ld after 4 threads did "
                  "incr(1) %d times, got %ld", total, COUNTS_PER_THREAD, counter_value(&c));
    ck_assert_msg(reads > 0, "the reader never ran");
    counter_destroy(&c);
}
