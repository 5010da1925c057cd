/* 4-barrier.c - lab 03, Part 4: the barrier. */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

TEST(barrier_holds_until_all_arrive, 4, 10, "barrier_wait")
{
    /* Two rounds of: 3 threads arrive and must stay, the test arrives last
     * and must be let through with index 3, then the 3 are released with
     * indices 0, 1 and 2. */
    enum { PARTIES = 4 };
    struct barrier b;
    ck_assert_int_eq(barrier_init(&b, PARTIES), 0);
    for (int round = 1; round <= 2; round++) {
        struct watched_call early[PARTIES - 1];
        for (int i = 0; i < PARTIES - 1; i++)
            start_call(&early[i], op_barrier, &b, 0, 0, 0);
        bool asleep = settled(early, PARTIES - 1, 3.0);
        int left = count_returned(early, PARTIES - 1);
        ck_assert_msg(left == 0, "round %d: %d thread(s) left barrier_wait when only 3 "
                      "of 4 parties had arrived", round, left);
        ck_assert_msg(asleep, "round %d: 3 threads waiting at the barrier did not go to "
                      "sleep within 3 s: wait on the condition variable, do not spin",
                      round);
        int mine = barrier_wait(&b);
        ck_assert_msg(all_returned(early, PARTIES - 1, 2.0),
                      "round %d: the 4th party arrived, but only %d of the 3 waiting "
                      "threads left within 2 s: the last arrival must wake them all "
                      "(broadcast)", round, count_returned(early, PARTIES - 1));
        ck_assert_msg(mine == PARTIES - 1, "round %d: the last thread to arrive got "
                      "index %d, expected %d (parties - 1), as in Python's "
                      "Barrier.wait()", round, mine, PARTIES - 1);
        bool index_seen[PARTIES - 1] = {false};
        for (int i = 0; i < PARTIES - 1; i++) {
            long index = early[i].result;
            ck_assert_msg(index >= 0 && index < PARTIES - 1 && !index_seen[index],
                          "round %d: the first 3 arrivals must get the indices 0, 1 "
                          "and 2, once each; one got %ld", round, index);
            index_seen[index] = true;
        }
    }
    barrier_destroy(&b);
}

enum { BARRIER_PARTIES = 5, BARRIER_ROUNDS = 300 };

struct barrier_run {
    struct barrier barrier;
    /* Plain ints, ordered only by the barrier: if it lets a thread through
     * early, ThreadSanitizer reports a race on them. */
    int data[2][BARRIER_PARTIES];
    atomic_long completed[BARRIER_PARTIES];   /* rounds each thread has left */
    atomic_long rounds_left;                  /* sum of completed[], for the watchdog */
    atomic_int bad_round, bad_reader, bad_writer, bad_value;
    atomic_int errors;
};

struct barrier_worker { struct barrier_run *run; int me; };

static void *barrier_rounds(void *arg)
{
    struct barrier_worker *w = arg;
    struct barrier_run *run = w->run;
    for (int r = 0; r < BARRIER_ROUNDS; r++) {
        run->data[r % 2][w->me] = r;
        barrier_wait(&run->barrier);
        /* Everyone wrote round r before arriving, and nobody writes this
         * half again before everyone has arrived at round r+1. */
        for (int u = 0; u < BARRIER_PARTIES; u++) {
            int seen = run->data[r % 2][u];
            if (seen != r && atomic_fetch_add(&run->errors, 1) == 0) {
                atomic_store(&run->bad_round, r);
                atomic_store(&run->bad_reader, w->me);
                atomic_store(&run->bad_writer, u);
                atomic_store(&run->bad_value, seen);
            }
        }
        atomic_store(&run->completed[w->me], r + 1);
        atomic_fetch_add(&run->rounds_left, 1);
    }
    return NULL;
}

TEST(barrier_is_reusable, 5, 20, "barrier_wait")
{
    /* The xv6 thread lab's check: 5 threads on 2 cores go through 300 rounds
     * of write-your-slot, wait, read-everyone's-slot, while a sixth thread
     * keeps waking the condition variable. */
    static struct barrier_run run;
    memset(&run, 0, sizeof run);
    ck_assert_int_eq(barrier_init(&run.barrier, BARRIER_PARTIES), 0);
    for (int r = 0; r < 2; r++)
        for (int u = 0; u < BARRIER_PARTIES; u++)
            run.data[r][u] = -1;
    struct barrier_worker workers[BARRIER_PARTIES];
    pthread_t threads[BARRIER_PARTIES];
    for (int i = 0; i < BARRIER_PARTIES; i++) {
        workers[i] = (struct barrier_worker){&run, i};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, barrier_rounds, &workers[i]), 0);
    }
    struct waker waker;
    waker_start(&waker, &run.barrier.round_over, NULL);
    bool finished = progresses_to(&run.rounds_left,
                                  (long)BARRIER_PARTIES * BARRIER_ROUNDS, 3.0);
    if (!finished) {
        long lo = BARRIER_ROUNDS, hi = 0;
        int slow = 0;
        for (int i = 0; i < BARRIER_PARTIES; i++) {
            long c = atomic_load(&run.completed[i]);
            if (c < lo)
                lo = c, slow = i;
            hi = c > hi ? c : hi;
        }
        if (lo < hi)
            ck_abort_msg("stuck: round %ld started before all threads left round %ld. "
                         "Thread %d is still in round %ld's barrier_wait while the "
                         "others have left it and wait in round %ld: a fast thread "
                         "re-entered the barrier and bumped the arrival count before "
                         "thread %d woke, so it saw that count and went back to sleep. "
                         "Keep a round (generation) counter and wait until it changes.",
                         hi, lo, slow, lo, hi, slow);
        ck_abort_msg("stuck: all %d threads wait in round %ld's barrier_wait and "
                     "nobody was let through for 3 s. Does the last arrival reset "
                     "the count and wake everyone?", BARRIER_PARTIES, lo);
    }
    for (int i = 0; i < BARRIER_PARTIES; i++)
        pthread_join(threads[i], NULL);
    waker_stop(&waker);
    ck_assert_msg(atomic_load(&run.errors) == 0, "thread %d left round %d's "
                  "barrier_wait before thread %d had arrived: that thread's slot "
                  "still held %d, not %d. No thread may leave a round until all "
                  "have arrived; after any wakeup (POSIX allows spurious ones), "
                  "check the round number again in a while loop.", run.bad_reader,
                  run.bad_round, run.bad_writer, run.bad_value, run.bad_round);
    barrier_destroy(&run.barrier);
}

/* ---- under the kit's scheduler ------------------------------------------ */

enum { SCHED_PARTIES = 3, SCHED_ROUNDS = 3 };

struct party {
    struct barrier *b;
    atomic_int *arrived;        /* arrivals in each round, by every party */
    int index[SCHED_ROUNDS];    /* what barrier_wait returned to this party */
    int early;                  /* the round it left before all had arrived, or -1 */
};

static void *take_part(void *arg)
{
    struct party *p = arg;
    for (int r = 0; r < SCHED_ROUNDS; r++) {
        atomic_fetch_add(&p->arrived[r], 1);
        p->index[r] = barrier_wait(p->b);
        if (p->early < 0 && atomic_load(&p->arrived[r]) < SCHED_PARTIES)
            p->early = r;
    }
    return NULL;
}

/* Three parties meet three times, under 60 schedules of the kit's scheduler
 * (the handout's "Schedules"): a thread may be stopped at any lock, unlock,
 * wait or broadcast, and a waiter may wake spuriously.  Nobody may leave a
 * round before all three have arrived, each round's indices must be 0, 1
 * and 2, and nobody may be left waiting: a fast party that goes straight on
 * to the next round must not strand one that has not woken yet. */
SCHEDULE_TEST(barrier_under_schedules, 3, 20, "barrier_wait", 60)
{
    struct barrier b;
    ck_assert_int_eq(barrier_init(&b, SCHED_PARTIES), 0);
    atomic_int arrived[SCHED_ROUNDS];
    for (int r = 0; r < SCHED_ROUNDS; r++)
        atomic_init(&arrived[r], 0);
    struct party parties[SCHED_PARTIES];
    pthread_t threads[SCHED_PARTIES];
    for (int i = 0; i < SCHED_PARTIES; i++) {
        parties[i] = (struct party){&b, arrived, {0}, -1};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, take_part, &parties[i]), 0);
    }
    for (int i = 0; i < SCHED_PARTIES; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < SCHED_PARTIES; i++)
        ck_assert_msg(parties[i].early < 0, "party %d left round %d of barrier_wait before "
                      "all 3 had arrived: wait in a loop until the round is over (a wakeup "
                      "may come early)", i, parties[i].early + 1);
    for (int r = 0; r < SCHED_ROUNDS; r++) {
        int seen = 0;
        for (int i = 0; i < SCHED_PARTIES; i++)
            seen |= parties[i].index[r] >= 0 && parties[i].index[r] < SCHED_PARTIES
                        ? 1 << parties[i].index[r] : 8;
        ck_assert_msg(seen == 7, "round %d: barrier_wait returned %d, %d and %d to the three "
                      "parties, expected 0, 1 and 2 in some order", r + 1, parties[0].index[r],
                      parties[1].index[r], parties[2].index[r]);
    }
    barrier_destroy(&b);
}
