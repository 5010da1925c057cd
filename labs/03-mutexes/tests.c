/*
 * tests.c - lab 03's visible tests.  Run them with `make grade LAB=mutexes`.
 *
 * How these tests avoid sleeping and hoping:
 *  - threads start together at a gate the test opens;
 *  - "is it blocked?" is asked of the kernel: a call under test runs on its
 *    own thread, and the test waits until /proc says that thread is asleep
 *    (state S) in ten polls in a row.  Only then does it act (put, close,
 *    arrive), so the waiter is really inside pthread_cond_wait;
 *  - "did it wake?" has a deadline of 2 s, for an event that takes
 *    microseconds;
 *  - races are amplified with more threads than cores, many iterations and
 *    extra wakeups, and the ThreadSanitizer pass turns a missing lock into a
 *    certain failure instead of a likely one.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab_test.h"
#include "mutexes.h"
#include "testkit.h"

/* ---- a start line: threads spin at it, then all run at the same instant -- */

/* A gate wakes its threads one by one, and a thread that needs 20 us for its
 * work may be done before the next one is even scheduled: no overlap, no
 * race to see.  At a start line the threads are all awake, yielding, when
 * the test releases them, so the ones on the two cores start together. */
struct start_line {
    atomic_int ready;
    atomic_bool go;
};

static void start_line_wait(struct start_line *s)
{
    atomic_fetch_add(&s->ready, 1);
    while (!atomic_load(&s->go))
        sched_yield();
}

static void start_line_release(struct start_line *s, int threads)
{
    while (atomic_load(&s->ready) < threads)
        sched_yield();
    atomic_store(&s->go, true);
}

/* ---- one call to the code under test, on a thread the test can watch ------ */

struct call {
    pthread_t thread;
    long (*op)(struct call *);
    void *target;           /* the bank, buffer or barrier */
    long arg, arg2, arg3;
    long result;            /* what op returned: read after `returned` */
    long out;               /* an item that get handed out */
    atomic_int tid;         /* the thread's kernel id, once it runs */
    atomic_bool returned;
};

static void *run_call(void *p)
{
    struct call *c = p;
    atomic_store(&c->tid, (int)gettid());
    c->result = c->op(c);
    atomic_store(&c->returned, true);
    return NULL;
}

static void start_call(struct call *c, long (*op)(struct call *), void *target,
                       long arg, long arg2, long arg3)
{
    memset(c, 0, sizeof *c);
    c->op = op;
    c->target = target;
    c->arg = arg, c->arg2 = arg2, c->arg3 = arg3;
    atomic_init(&c->tid, 0);
    atomic_init(&c->returned, false);
    ck_assert_int_eq(pthread_create(&c->thread, NULL, run_call, c), 0);
}

static void join_calls(struct call *calls, int n)
{
    for (int i = 0; i < n; i++)
        pthread_join(calls[i].thread, NULL);
}

static long op_transfer(struct call *c)
{
    return bank_transfer(c->target, (int)c->arg, (int)c->arg2, c->arg3);
}

static long op_put(struct call *c) { return buffer_put(c->target, c->arg); }

static long op_get(struct call *c)
{
    long item = -1;
    enum buffer_status status = buffer_get(c->target, &item);
    c->out = item;
    return status;
}

static long op_barrier(struct call *c) { return barrier_wait(c->target); }

static int count_returned(struct call *calls, int n)
{
    int returned = 0;
    for (int i = 0; i < n; i++)
        returned += atomic_load(&calls[i].returned);
    return returned;
}

/* The state letter of one of this process's threads, from /proc:
 * 'R' running or runnable, 'S' asleep (blocked in the kernel, as in
 * pthread_cond_wait or a contended mutex), '?' if it cannot be read. */
static char thread_state(int tid)
{
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return '?';
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    /* "tid (name) S ...": the state follows the last ')', since a name may hold ')' */
    char *end_of_name = strrchr(stat, ')');
    return end_of_name && end_of_name[1] == ' ' ? end_of_name[2] : '?';
}

/* Wait until every call that has not returned is asleep, and has been in
 * ten polls in a row 1 ms apart.  A thread waiting for a mutex sleeps for
 * the microseconds the holder keeps it; ten milliseconds of unbroken sleep
 * means it is waiting on a condition variable.  A thread that is runnable
 * but not scheduled (a loaded machine) shows 'R' and does not count.
 * Returns false if that does not happen within `within` seconds. */
static bool settled(struct call *calls, int n, double within)
{
    double deadline = now_s() + within;
    for (int streak = 0; streak < 10;) {
        if (now_s() > deadline)
            return false;
        bool all_asleep = true;
        for (int i = 0; i < n && all_asleep; i++) {
            if (atomic_load(&calls[i].returned))
                continue;
            int tid = atomic_load(&calls[i].tid);
            all_asleep = tid != 0 && thread_state(tid) == 'S';
        }
        streak = all_asleep ? streak + 1 : 0;
        sleep_s(0.001);
    }
    return true;
}

struct calls { struct call *calls; int n, want; };

static bool enough_returned(void *p)
{
    struct calls *c = p;
    return count_returned(c->calls, c->n) >= c->want;
}

/* Wait (up to `within` s) until at least `want` of the calls have returned. */
static bool returned_within(struct call *calls, int n, int want, double within)
{
    struct calls c = {calls, n, want};
    return eventually(enough_returned, &c, within);
}

/* ---- extra wakeups, which POSIX allows at any time ------------------------ */

/* A thread that broadcasts condition variables it does not own, every
 * 0.2 ms.  Correct code must not care: pthread_cond_wait may return
 * without a signal ("spurious wakeup"), so every wait sits in a while loop
 * that checks its condition again. */
struct waker {
    pthread_t thread;
    pthread_cond_t *cvs[2];
    int ncvs;
    atomic_bool stop;
};

static void *wake_spuriously(void *p)
{
    struct waker *w = p;
    while (!atomic_load(&w->stop)) {
        for (int i = 0; i < w->ncvs; i++)
            pthread_cond_broadcast(w->cvs[i]);
        sleep_s(0.0002);
    }
    return NULL;
}

static void waker_start(struct waker *w, pthread_cond_t *a, pthread_cond_t *b)
{
    w->cvs[0] = a, w->cvs[1] = b;
    w->ncvs = b ? 2 : 1;
    atomic_init(&w->stop, false);
    ck_assert_int_eq(pthread_create(&w->thread, NULL, wake_spuriously, w), 0);
}

static void waker_stop(struct waker *w)
{
    atomic_store(&w->stop, true);
    pthread_join(w->thread, NULL);
}

/* ---- progress: fail with a diagnosis instead of hanging until the timeout - */

struct progress { atomic_long *done; long goal; };

/* Wait until *done reaches goal.  Returns false if it stood still for
 * `stall_s` seconds: work that takes microseconds a step does not pause for
 * seconds unless every thread is stuck. */
static bool progresses_to(atomic_long *done, long goal, double stall_s)
{
    long last = -1;
    double last_change = now_s();
    for (;;) {
        long now = atomic_load(done);
        if (now >= goal)
            return true;
        if (now != last) {
            last = now;
            last_change = now_s();
        } else if (now_s() - last_change > stall_s) {
            return false;
        }
        sleep_s(0.001);
    }
}

static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;   /* xorshift32: each thread its own, no shared state */
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static const char *transfer_name(long status)
{
    switch (status) {
    case TRANSFER_OK: return "TRANSFER_OK";
    case TRANSFER_NO_SUCH_ACCOUNT: return "TRANSFER_NO_SUCH_ACCOUNT";
    case TRANSFER_BAD_AMOUNT: return "TRANSFER_BAD_AMOUNT";
    case TRANSFER_SAME_ACCOUNT: return "TRANSFER_SAME_ACCOUNT";
    case TRANSFER_INSUFFICIENT_FUNDS: return "TRANSFER_INSUFFICIENT_FUNDS";
    default: return "a status that is not in the enum";
    }
}

static const char *buffer_name(long status)
{
    switch (status) {
    case BUFFER_OK: return "BUFFER_OK";
    case BUFFER_CLOSED: return "BUFFER_CLOSED";
    default: return "a status that is not in the enum";
    }
}

/* ===========================================================================
 * Part 1: SharedCounter
 * ======================================================================== */

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
    struct start_line start = {0, false};
    for (int i = 0; i < n; i++) {
        jobs[i] = (struct counter_job){c, deltas[i], &start, NULL};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, hammer_counter, &jobs[i]), 0);
    }
    start_line_release(&start, n);
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
}

TEST(counter_exact_under_8_threads, 8, 10, "counter_incr, counter_decr")
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
    struct start_line start = {0, false};
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

/* ===========================================================================
 * Part 2: the bank
 * ======================================================================== */

/* Check every balance against want[]; say which transfer left them wrong. */
static void expect_balances(struct bank *b, const long *want, int n, const char *after)
{
    for (int i = 0; i < n; i++) {
        long got = bank_balance(b, i);
        ck_assert_msg(got == want[i], "after %s, expected account %d to hold %ld, "
                      "got %ld", after, i, want[i], got);
    }
}

TEST(transfer_moves_money, 3, 5, "bank_init, bank_transfer, bank_balance, bank_total")
{
    struct bank b;
    ck_assert_int_eq(bank_init(&b, 3, 100), 0);
    static const long opening[] = {100, 100, 100}, moved[] = {70, 130, 100};
    expect_balances(&b, opening, 3, "bank_init(3 accounts, 100 each)");

    long s = bank_transfer(&b, 0, 1, 30);
    ck_assert_msg(s == TRANSFER_OK, "transfer(0 -> 1, 30) from an account holding "
                  "100: expected TRANSFER_OK, got %s", transfer_name(s));
    expect_balances(&b, moved, 3, "transfer(0 -> 1, 30)");
    ck_assert_msg(bank_total(&b) == 300, "expected bank_total 300, got %ld",
                  bank_total(&b));

    static const struct { int from, to; long amount; long want; const char *why; } bad[] = {
        {0, 3, 10, TRANSFER_NO_SUCH_ACCOUNT, "account 3 of 3 does not exist"},
        {-1, 0, 10, TRANSFER_NO_SUCH_ACCOUNT, "account -1 does not exist"},
        {0, 1, 0, TRANSFER_BAD_AMOUNT, "an amount of 0"},
        {0, 1, -50, TRANSFER_BAD_AMOUNT, "a negative amount would move money "
                                         "backwards, out of account 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = bank_transfer(&b, bad[i].from, bad[i].to, bad[i].amount);
        ck_assert_msg(s == bad[i].want, "transfer(%d -> %d, %ld): expected %s (%s), "
                      "got %s", bad[i].from, bad[i].to, bad[i].amount,
                      transfer_name(bad[i].want), bad[i].why, transfer_name(s));
        expect_balances(&b, moved, 3, "a refused transfer");
    }
    bank_destroy(&b);
}

TEST(insufficient_funds_move_nothing, 4, 5, "bank_transfer")
{
    struct bank b;
    ck_assert_int_eq(bank_init(&b, 2, 100), 0);
    long s = bank_transfer(&b, 0, 1, 150);
    ck_assert_msg(s == TRANSFER_INSUFFICIENT_FUNDS, "transfer(0 -> 1, 150) from an "
                  "account holding 100: expected TRANSFER_INSUFFICIENT_FUNDS, got %s, "
                  "and account 0 now holds %ld: money was created out of nothing",
                  transfer_name(s), bank_balance(&b, 0));
    static const long unchanged[] = {100, 100}, emptied[] = {0, 200};
    expect_balances(&b, unchanged, 2, "a refused transfer(0 -> 1, 150)");

    s = bank_transfer(&b, 0, 1, 100);
    ck_assert_msg(s == TRANSFER_OK, "transfer(0 -> 1, 100) of exactly the whole "
                  "balance: expected TRANSFER_OK, got %s", transfer_name(s));
    expect_balances(&b, emptied, 2, "transfer(0 -> 1, 100)");
    s = bank_transfer(&b, 0, 1, 1);
    ck_assert_msg(s == TRANSFER_INSUFFICIENT_FUNDS, "transfer(0 -> 1, 1) from an "
                  "empty account: expected TRANSFER_INSUFFICIENT_FUNDS, got %s",
                  transfer_name(s));
    expect_balances(&b, emptied, 2, "a refused transfer from an empty account");
    bank_destroy(&b);
}

TEST(self_transfer_is_refused, 4, 10, "bank_transfer, lock_pair")
{
    struct bank b;
    ck_assert_int_eq(bank_init(&b, 3, 100), 0);
    struct call c;
    start_call(&c, op_transfer, &b, 1, 1, 10);
    ck_assert_msg(returned_within(&c, 1, 1, 2.0), "transfer(1 -> 1, 10) did not "
                  "return within 2 s: it locked account 1's mutex twice and now "
                  "waits for itself forever. Refuse from == to before taking any lock.");
    join_calls(&c, 1);
    ck_assert_msg(c.result == TRANSFER_SAME_ACCOUNT, "transfer(1 -> 1, 10): expected "
                  "TRANSFER_SAME_ACCOUNT, got %s", transfer_name(c.result));
    static const long unchanged[] = {100, 100, 100};
    expect_balances(&b, unchanged, 3, "a refused transfer(1 -> 1, 10)");
    bank_destroy(&b);
}

enum { MOVERS = 8, MOVES_EACH = 3000 };

struct mover {
    struct bank *bank;
    int from, to;
    long ok;                /* transfers that returned TRANSFER_OK */
    struct gate *start;
    atomic_long *moves_done;
};

static void *move_ones(void *p)
{
    struct mover *m = p;
    gate_wait(m->start);
    for (int i = 0; i < MOVES_EACH; i++) {
        if (bank_transfer(m->bank, m->from, m->to, 1) == TRANSFER_OK)
            m->ok++;
        atomic_fetch_add(m->moves_done, 1);
    }
    return NULL;
}

TEST(opposite_transfers_do_not_deadlock, 7, 15, "bank_transfer, lock_pair")
{
    /* Half the threads move money 0 -> 1, half 1 -> 0, as fast as they can.
     * If each transfer locks `from` then `to`, one thread holds 0 and waits
     * for 1 while another holds 1 and waits for 0.  ThreadSanitizer reports
     * that lock-order inversion even on a run that happens not to hang. */
    struct bank b;
    ck_assert_int_eq(bank_init(&b, 2, 1000), 0);
    struct gate start = GATE_INIT;
    atomic_long moves_done = 0;
    struct mover movers[MOVERS];
    pthread_t threads[MOVERS];
    for (int i = 0; i < MOVERS; i++) {
        movers[i] = (struct mover){&b, i % 2, 1 - i % 2, 0, &start, &moves_done};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, move_ones, &movers[i]), 0);
    }
    gate_open(&start);
    bool finished = progresses_to(&moves_done, (long)MOVERS * MOVES_EACH, 2.0);
    ck_assert_msg(finished, "deadlock: after %ld of %d transfers, none completed for "
                  "2 s while 4 threads moved money 0 -> 1 and 4 moved it 1 -> 0. One "
                  "holds account 0's lock waiting for account 1's, another holds 1 "
                  "waiting for 0. Lock the two accounts in one fixed order (lower "
                  "index first), whichever way the money goes.",
                  atomic_load(&moves_done), MOVERS * MOVES_EACH);
    long net_into_1 = 0;
    for (int i = 0; i < MOVERS; i++) {
        pthread_join(threads[i], NULL);
        net_into_1 += movers[i].from == 0 ? movers[i].ok : -movers[i].ok;
    }
    long a = bank_balance(&b, 0), c = bank_balance(&b, 1);
    ck_assert_msg(a + c == 2000, "2000 in the bank before, %ld + %ld = %ld after: "
                  "money was %s", a, c, a + c, a + c > 2000 ? "created" : "lost");
    ck_assert_msg(c == 1000 + net_into_1, "account 1 holds %ld, but the transfers "
                  "that returned TRANSFER_OK moved it to %ld", c, 1000 + net_into_1);
    bank_destroy(&b);
}

enum { MAX_ACCOUNTS = 8 };

struct random_mover {
    struct bank *bank;
    int naccounts;
    uint32_t seed;
    struct gate *start;
    atomic_long *done;          /* transfers made by all movers: the watchdog's */
    long net[MAX_ACCOUNTS];     /* what OK transfers moved in and out */
    long unexpected;            /* a status other than OK or INSUFFICIENT_FUNDS */
    long refused;
};

enum { RANDOM_TRANSFERS = 3000, MAX_AMOUNT = 150 };

static void *random_transfers(void *p)
{
    struct random_mover *m = p;
    gate_wait(m->start);
    for (int i = 0; i < RANDOM_TRANSFERS; i++) {
        int from = (int)(next_random(&m->seed) % (uint32_t)m->naccounts);
        int to = (from + 1 + (int)(next_random(&m->seed) % (uint32_t)(m->naccounts - 1))) %
                 m->naccounts;
        long amount = 1 + (long)(next_random(&m->seed) % MAX_AMOUNT);
        long s = bank_transfer(m->bank, from, to, amount);
        if (s == TRANSFER_OK) {
            m->net[from] -= amount;
            m->net[to] += amount;
        } else if (s == TRANSFER_INSUFFICIENT_FUNDS) {
            m->refused++;
        } else if (m->unexpected < 0) {
            m->unexpected = s;
        }
        atomic_fetch_add(m->done, 1);
    }
    return NULL;
}

static void start_random_movers(struct random_mover *movers, pthread_t *threads, int n,
                                struct bank *b, int naccounts, struct gate *start,
                                atomic_long *done)
{
    for (int i = 0; i < n; i++) {
        memset(&movers[i], 0, sizeof movers[i]);
        movers[i].bank = b;
        movers[i].naccounts = naccounts;
        movers[i].seed = 2463534242u + 7919u * (uint32_t)i;
        movers[i].start = start;
        movers[i].done = done;
        movers[i].unexpected = -1;
        ck_assert_int_eq(pthread_create(&threads[i], NULL, random_transfers, &movers[i]), 0);
    }
}

TEST(total_conserved_under_random_transfers, 5, 15, "bank_transfer")
{
    /* 8 threads, 6 accounts of 100, random amounts up to 150: many transfers
     * are refused, and two threads often drain the same account at once. */
    enum { THREADS = 8, ACCOUNTS = 6, OPENING = 100 };
    struct bank b;
    ck_assert_int_eq(bank_init(&b, ACCOUNTS, OPENING), 0);
    struct gate start = GATE_INIT;
    struct random_mover movers[THREADS];
    pthread_t threads[THREADS];
    atomic_long done = 0;
    start_random_movers(movers, threads, THREADS, &b, ACCOUNTS, &start, &done);
    gate_open(&start);
    ck_assert_msg(progresses_to(&done, (long)THREADS * RANDOM_TRANSFERS, 2.0),
                  "deadlock: after %ld of %d random transfers none completed for 2 s. "
                  "Two transfers between the same accounts in opposite directions "
                  "each hold one lock and wait for the other: lock the lower index "
                  "first", atomic_load(&done), THREADS * RANDOM_TRANSFERS);
    long net[ACCOUNTS] = {0}, refused = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        ck_assert_msg(movers[i].unexpected < 0, "a transfer between two different, "
                      "existing accounts of a positive amount returned %s",
                      transfer_name(movers[i].unexpected));
        for (int a = 0; a < ACCOUNTS; a++)
            net[a] += movers[i].net[a];
        refused += movers[i].refused;
    }
    long total = 0;
    for (int a = 0; a < ACCOUNTS; a++) {
        long got = bank_balance(&b, a);
        total += got;
        ck_assert_msg(got >= 0, "account %d ended at %ld: two transfers both saw "
                      "enough money and both took it. Check the balance after "
                      "locking, under the same locks as the move.", a, got);
        ck_assert_msg(got == OPENING + net[a], "account %d holds %ld, but the "
                      "transfers that returned TRANSFER_OK add up to %ld: an update "
                      "was lost, or a transfer said OK without moving the money (or "
                      "moved it and said it had not)", a, got, OPENING + net[a]);
    }
    ck_assert_msg(total == ACCOUNTS * OPENING, "the bank held %d before %d random "
                  "transfers and %ld after", ACCOUNTS * OPENING, THREADS * RANDOM_TRANSFERS,
                  total);
    ck_assert_msg(refused > 0, "expected some transfers to be refused for "
                  "insufficient funds, none were");
    bank_destroy(&b);
}

TEST(transfer_locks_only_its_own_accounts, 4, 10, "bank_transfer, lock_pair")
{
    /* The test holds account 2's lock itself.  A transfer 0 -> 1 must not
     * care (a lock per account, not one for the whole bank), and a transfer
     * 2 -> 3 must wait for it (it locks the accounts it touches). */
    struct bank b;
    ck_assert_int_eq(bank_init(&b, 4, 100), 0);
    pthread_mutex_lock(&b.accounts[2].lock);

    struct call other, mine;
    start_call(&other, op_transfer, &b, 0, 1, 10);
    bool other_done = returned_within(&other, 1, 1, 2.0);
    if (!other_done)
        pthread_mutex_unlock(&b.accounts[2].lock);   /* let it finish, then report */
    ck_assert_msg(other_done, "transfer(0 -> 1) waited while the test held only "
                  "account 2's lock: a transfer must lock just its own two accounts, "
                  "so that transfers between other accounts run at the same time");
    join_calls(&other, 1);
    ck_assert_msg(other.result == TRANSFER_OK, "transfer(0 -> 1, 10): expected "
                  "TRANSFER_OK, got %s", transfer_name(other.result));

    start_call(&mine, op_transfer, &b, 2, 3, 10);
    bool waited = settled(&mine, 1, 3.0) && !atomic_load(&mine.returned);
    pthread_mutex_unlock(&b.accounts[2].lock);
    ck_assert_msg(waited, "transfer(2 -> 3) %s while the test held account 2's lock: "
                  "it must lock the two accounts' own mutexes, b->accounts[from].lock "
                  "and b->accounts[to].lock", atomic_load(&mine.returned)
                  ? "completed" : "did not go to sleep");
    ck_assert_msg(returned_within(&mine, 1, 1, 2.0), "transfer(2 -> 3) did not "
                  "return within 2 s of account 2's lock being released");
    join_calls(&mine, 1);
    ck_assert_msg(mine.result == TRANSFER_OK, "transfer(2 -> 3, 10): expected "
                  "TRANSFER_OK, got %s", transfer_name(mine.result));
    static const long want[] = {90, 110, 90, 110};
    expect_balances(&b, want, 4, "transfer(0 -> 1, 10) and transfer(2 -> 3, 10)");
    bank_destroy(&b);
}

struct auditor {
    struct bank *bank;
    long want, goal;            /* the right total; transfers to wait for */
    atomic_long *done;
    long totals, wrong, first_wrong;
    atomic_bool finished;
};

static void *audit(void *p)
{
    struct auditor *a = p;
    do {
        long t = bank_total(a->bank);
        if (t != a->want && !a->wrong++)
            a->first_wrong = t;
        a->totals++;
    } while (atomic_load(a->done) < a->goal);
    atomic_store(&a->finished, true);
    return NULL;
}

static bool audit_finished(void *a) { return atomic_load(&((struct auditor *)a)->finished); }

TEST(total_is_a_consistent_snapshot, 3, 15, "bank_total")
{
    /* While 4 threads move money among 8 accounts, an auditor thread calls
     * bank_total again and again: every total must be 800.  Adding up
     * account by account without holding them all sees a transfer's money
     * twice, or not at all. */
    enum { THREADS = 4, ACCOUNTS = 8, OPENING = 100 };
    struct bank b;
    ck_assert_int_eq(bank_init(&b, ACCOUNTS, OPENING), 0);
    struct gate start = GATE_INIT;
    atomic_long done = 0;
    struct random_mover movers[THREADS];
    pthread_t threads[THREADS], auditor_thread;
    struct auditor auditor = {&b, ACCOUNTS * OPENING, (long)THREADS * RANDOM_TRANSFERS,
                              &done, 0, 0, 0, false};
    start_random_movers(movers, threads, THREADS, &b, ACCOUNTS, &start, &done);
    ck_assert_int_eq(pthread_create(&auditor_thread, NULL, audit, &auditor), 0);
    gate_open(&start);
    ck_assert_msg(progresses_to(&done, auditor.goal, 2.0) &&
                  eventually(audit_finished, &auditor, 2.0),
                  "deadlock: transfers and bank_total stopped for 2 s (%ld of %ld "
                  "transfers done). bank_total must take the account locks in the "
                  "same order as transfers do", atomic_load(&done), auditor.goal);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    pthread_join(auditor_thread, NULL);
    ck_assert_msg(!auditor.wrong, "%ld of %ld calls to bank_total during transfers "
                  "returned a wrong total (the first: %ld, not %d): hold every "
                  "account's lock while adding up, taken in the same order as "
                  "transfers take them", auditor.wrong, auditor.totals,
                  auditor.first_wrong, ACCOUNTS * OPENING);
    ck_assert_msg(bank_total(&b) == ACCOUNTS * OPENING, "expected a total of %d, got %ld",
                  ACCOUNTS * OPENING, bank_total(&b));
    bank_destroy(&b);
}

/* ===========================================================================
 * Part 3: the bounded buffer
 * ======================================================================== */

/* buffer_get that must succeed at once (the buffer holds an item). */
static long must_get(struct bounded_buffer *b, const char *when)
{
    long item = -1;
    long s = buffer_get(b, &item);
    ck_assert_msg(s == BUFFER_OK, "%s: expected buffer_get to return BUFFER_OK, got %s",
                  when, buffer_name(s));
    return item;
}

TEST(buffer_is_fifo, 3, 5, "buffer_init, buffer_put, buffer_get")
{
    struct bounded_buffer b;
    ck_assert_int_eq(buffer_init(&b, 3), 0);
    for (long i = 1; i <= 3; i++)
        ck_assert_msg(buffer_put(&b, i) == BUFFER_OK, "put(%ld) into a buffer of "
                      "capacity 3 holding %ld items: expected BUFFER_OK", i, i - 1);
    long got = must_get(&b, "after put(1), put(2), put(3)");
    ck_assert_msg(got == 1, "after put(1), put(2), put(3), get() returned %ld: "
                  "items must come out in the order they went in (1 first)", got);
    ck_assert_named_eq(buffer_put(&b, 4), BUFFER_OK, buffer_name);
    for (long want = 2; want <= 4; want++) {
        got = must_get(&b, "reading back 2, 3, 4");
        ck_assert_msg(got == want, "expected get() to return %ld, got %ld: a "
                      "ring buffer takes from head and puts at (head + count) %% "
                      "capacity", want, got);
    }
    for (long i = 0; i < 20; i++) {   /* round and round the ring */
        ck_assert_named_eq(buffer_put(&b, 10 * i), BUFFER_OK, buffer_name);
        ck_assert_named_eq(buffer_put(&b, 10 * i + 1), BUFFER_OK, buffer_name);
        long first = must_get(&b, "going round the ring");
        long second = must_get(&b, "going round the ring");
        ck_assert_msg(first == 10 * i && second == 10 * i + 1, "after put(%ld), "
                      "put(%ld), got %ld then %ld: wrong order once the ring wrapped",
                      10 * i, 10 * i + 1, first, second);
    }
    buffer_destroy(&b);
}

TEST(get_waits_for_put, 3, 10, "buffer_get, buffer_put")
{
    struct bounded_buffer b;
    ck_assert_int_eq(buffer_init(&b, 2), 0);
    struct call getter;
    start_call(&getter, op_get, &b, 0, 0, 0);
    bool asleep = settled(&getter, 1, 3.0);
    ck_assert_msg(!atomic_load(&getter.returned), "get() on an empty buffer "
                  "returned %s (item %ld) instead of waiting for an item",
                  buffer_name(getter.result), getter.out);
    ck_assert_msg(asleep, "get() on an empty buffer never went to sleep within 3 s: "
                  "it must wait on b->not_empty with pthread_cond_wait, not spin");
    ck_assert_named_eq(buffer_put(&b, 42), BUFFER_OK, buffer_name);
    ck_assert_msg(returned_within(&getter, 1, 1, 2.0), "a get() waiting on an empty "
                  "buffer was not woken by put(42) within 2 s: a lost wakeup. put "
                  "must signal not_empty after adding an item");
    join_calls(&getter, 1);
    ck_assert_msg(getter.result == BUFFER_OK && getter.out == 42, "the waiting get() "
                  "returned %s with item %ld, expected BUFFER_OK with 42",
                  buffer_name(getter.result), getter.out);
    buffer_destroy(&b);
}

TEST(put_waits_for_get, 3, 10, "buffer_put, buffer_get")
{
    struct bounded_buffer b;
    ck_assert_int_eq(buffer_init(&b, 2), 0);
    ck_assert_named_eq(buffer_put(&b, 1), BUFFER_OK, buffer_name);
    ck_assert_named_eq(buffer_put(&b, 2), BUFFER_OK, buffer_name);
    struct call putter;
    start_call(&putter, op_put, &b, 3, 0, 0);
    bool asleep = settled(&putter, 1, 3.0);
    ck_assert_msg(!atomic_load(&putter.returned), "put(3) into a full buffer of "
                  "capacity 2 returned %s instead of waiting for a free slot",
                  buffer_name(putter.result));
    ck_assert_msg(asleep, "put() into a full buffer never went to sleep within 3 s: "
                  "it must wait on b->not_full with pthread_cond_wait, not spin");
    long got = must_get(&b, "taking from a full buffer");
    ck_assert_msg(got == 1, "expected get() to return 1, got %ld", got);
    ck_assert_msg(returned_within(&putter, 1, 1, 2.0), "a put() waiting on a full "
                  "buffer was not woken by get() within 2 s: a lost wakeup. get "
                  "must signal not_full after taking an item");
    join_calls(&putter, 1);
    ck_assert_msg(putter.result == BUFFER_OK, "the waiting put(3) returned %s, "
                  "expected BUFFER_OK", buffer_name(putter.result));
    ck_assert_msg(must_get(&b, "reading back") == 2 && must_get(&b, "reading back") == 3,
                  "after the waiting put(3), expected to read 2 then 3");
    buffer_destroy(&b);
}

TEST(woken_waiters_check_again, 7, 10, "buffer_get, buffer_put")
{
    /* POSIX lets pthread_cond_wait return without any signal, so a waiter
     * must check its condition again after every wakeup.  The test makes
     * that happen on purpose: 4 getters sleep on an empty buffer, one item
     * is put, and then the test wakes all of them.  One gets the item; the
     * other three must find the buffer empty and go back to sleep. */
    enum { GETTERS = 4, PUTTERS = 3 };
    struct bounded_buffer b;
    ck_assert_int_eq(buffer_init(&b, 4), 0);
    struct call getters[GETTERS];
    for (int i = 0; i < GETTERS; i++)
        start_call(&getters[i], op_get, &b, 0, 0, 0);
    ck_assert_msg(settled(getters, GETTERS, 3.0) && !count_returned(getters, GETTERS),
                  "4 getters on an empty buffer did not all go to sleep within 3 s "
                  "(%d returned)", count_returned(getters, GETTERS));
    ck_assert_named_eq(buffer_put(&b, 7), BUFFER_OK, buffer_name);
    pthread_mutex_lock(&b.lock);
    pthread_cond_broadcast(&b.not_empty);   /* the "spurious" wakeup */
    pthread_mutex_unlock(&b.lock);
    ck_assert_msg(returned_within(getters, GETTERS, 1, 2.0), "after put(7), no "
                  "waiting getter returned within 2 s");
    settled(getters, GETTERS, 3.0);
    int n = count_returned(getters, GETTERS);
    ck_assert_msg(n == 1, "%d of 4 getters returned after one put(7) and one wakeup "
                  "of them all: only one can have the item. The others must check "
                  "the buffer again and go back to waiting: `while (count == 0 && "
                  "!closed) wait`, not `if`.", n);
    for (int i = 0; i < GETTERS; i++)
        if (atomic_load(&getters[i].returned))
            ck_assert_msg(getters[i].result == BUFFER_OK && getters[i].out == 7,
                          "the getter that returned got %s with item %ld, expected "
                          "BUFFER_OK with 7", buffer_name(getters[i].result),
                          getters[i].out);
    buffer_close(&b);
    ck_assert_msg(returned_within(getters, GETTERS, GETTERS, 2.0), "after close(), "
                  "%d of 3 waiting getters returned", count_returned(getters, GETTERS) - 1);
    join_calls(getters, GETTERS);
    buffer_destroy(&b);

    /* The same on the other side: 3 putters wait on a full buffer of
     * capacity 1, one slot frees up, all three are woken. */
    ck_assert_int_eq(buffer_init(&b, 1), 0);
    ck_assert_named_eq(buffer_put(&b, 100), BUFFER_OK, buffer_name);
    struct call putters[PUTTERS];
    for (int i = 0; i < PUTTERS; i++)
        start_call(&putters[i], op_put, &b, i + 1, 0, 0);
    ck_assert_msg(settled(putters, PUTTERS, 3.0) && !count_returned(putters, PUTTERS),
                  "3 putters on a full buffer did not all go to sleep within 3 s "
                  "(%d returned)", count_returned(putters, PUTTERS));
    ck_assert_int_eq(must_get(&b, "taking from a full buffer"), 100);
    pthread_mutex_lock(&b.lock);
    pthread_cond_broadcast(&b.not_full);
    pthread_mutex_unlock(&b.lock);
    ck_assert_msg(returned_within(putters, PUTTERS, 1, 2.0), "after a get() freed a "
                  "slot, no waiting putter returned within 2 s");
    settled(putters, PUTTERS, 3.0);
    n = count_returned(putters, PUTTERS);
    pthread_mutex_lock(&b.lock);
    int count = b.count;
    pthread_mutex_unlock(&b.lock);
    ck_assert_msg(n == 1 && count == 1, "%d of 3 putters returned after one slot "
                  "freed up and a wakeup of them all, leaving %d items in a buffer of "
                  "capacity 1: the others must check again and go back to waiting "
                  "(`while`, not `if`)", n, count);
    buffer_close(&b);
    ck_assert_msg(returned_within(putters, PUTTERS, PUTTERS, 2.0), "after close(), "
                  "not every waiting putter returned");
    join_calls(putters, PUTTERS);
    buffer_destroy(&b);
}

TEST(close_wakes_every_waiter, 6, 10, "buffer_close")
{
    enum { GETTERS = 4, PUTTERS = 3 };
    struct bounded_buffer b;
    ck_assert_int_eq(buffer_init(&b, 2), 0);
    struct call getters[GETTERS];
    for (int i = 0; i < GETTERS; i++)
        start_call(&getters[i], op_get, &b, 0, 0, 0);
    ck_assert_msg(settled(getters, GETTERS, 3.0) && !count_returned(getters, GETTERS),
                  "4 getters on an empty buffer did not all go to sleep within 3 s");
    buffer_close(&b);
    bool all = returned_within(getters, GETTERS, GETTERS, 2.0);
    ck_assert_msg(all, "only %d of 4 getters waiting on an empty buffer returned "
                  "within 2 s of close(): a waiter was never woken after close(). "
                  "close must wake every waiter (pthread_cond_broadcast), not one "
                  "(signal)", count_returned(getters, GETTERS));
    join_calls(getters, GETTERS);
    for (int i = 0; i < GETTERS; i++)
        ck_assert_msg(getters[i].result == BUFFER_CLOSED, "a getter woken by close() "
                      "on an empty buffer returned %s, expected BUFFER_CLOSED",
                      buffer_name(getters[i].result));
    long s = buffer_put(&b, 9);
    ck_assert_msg(s == BUFFER_CLOSED, "put into a closed buffer returned %s, expected "
                  "BUFFER_CLOSED", buffer_name(s));
    buffer_destroy(&b);

    ck_assert_int_eq(buffer_init(&b, 1), 0);
    ck_assert_named_eq(buffer_put(&b, 5), BUFFER_OK, buffer_name);
    struct call putters[PUTTERS];
    for (int i = 0; i < PUTTERS; i++)
        start_call(&putters[i], op_put, &b, i + 1, 0, 0);
    ck_assert_msg(settled(putters, PUTTERS, 3.0) && !count_returned(putters, PUTTERS),
                  "3 putters on a full buffer did not all go to sleep within 3 s");
    buffer_close(&b);
    all = returned_within(putters, PUTTERS, PUTTERS, 2.0);
    ck_assert_msg(all, "only %d of 3 putters waiting on a full buffer returned "
                  "within 2 s of close(): a waiter was never woken after close(). "
                  "close must wake the putters too (broadcast not_full)",
                  count_returned(putters, PUTTERS));
    join_calls(putters, PUTTERS);
    for (int i = 0; i < PUTTERS; i++)
        ck_assert_msg(putters[i].result == BUFFER_CLOSED, "a putter woken by close() "
                      "returned %s, expected BUFFER_CLOSED", buffer_name(putters[i].result));
    ck_assert_msg(must_get(&b, "a closed buffer still holding 5") == 5,
                  "a closed buffer must still hand out the item it held");
    buffer_destroy(&b);
}

TEST(closed_buffer_drains_then_says_closed, 3, 5, "buffer_get, buffer_close")
{
    struct bounded_buffer b;
    ck_assert_int_eq(buffer_init(&b, 4), 0);
    for (long i = 1; i <= 3; i++)
        ck_assert_named_eq(buffer_put(&b, i), BUFFER_OK, buffer_name);
    buffer_close(&b);
    long s = buffer_put(&b, 4);
    ck_assert_msg(s == BUFFER_CLOSED, "put(4) into a closed buffer with free slots "
                  "returned %s, expected BUFFER_CLOSED", buffer_name(s));
    for (long want = 1; want <= 3; want++) {
        long item = -1;
        s = buffer_get(&b, &item);
        ck_assert_msg(s == BUFFER_OK && item == want, "get() %ld of 3 from a closed "
                      "buffer still holding items returned %s (item %ld), expected "
                      "BUFFER_OK with %ld: closing stops puts, not gets, like Python's "
                      "Queue.shutdown()", want, buffer_name(s), item, want);
    }
    for (int i = 0; i < 2; i++) {
        long item = -1;
        s = buffer_get(&b, &item);
        ck_assert_msg(s == BUFFER_CLOSED, "get() from a closed, empty buffer returned "
                      "%s, expected BUFFER_CLOSED (every time, not only once)",
                      buffer_name(s));
    }
    buffer_destroy(&b);
}

enum { PRODUCERS = 4, CONSUMERS = 4, ITEMS_EACH = 3000 };

struct pipeline {
    struct bounded_buffer buffer;
    struct gate start;
    atomic_long moved;                  /* puts and gets done, for the watchdog */
    atomic_int producers_done;
    atomic_long consumers_done;
    atomic_bool close_called;
    atomic_int early_closed;            /* got BUFFER_CLOSED before close() */
    atomic_int refused_puts;
    atomic_int out_of_order, out_of_range;
    atomic_uchar seen[PRODUCERS * ITEMS_EACH];
};

struct pipe_end { struct pipeline *p; int index; };

static void *produce(void *arg)
{
    struct pipe_end *e = arg;
    struct pipeline *p = e->p;
    gate_wait(&p->start);
    for (long i = 0; i < ITEMS_EACH; i++) {
        if (buffer_put(&p->buffer, (long)e->index * ITEMS_EACH + i) != BUFFER_OK)
            atomic_fetch_add(&p->refused_puts, 1);
        atomic_fetch_add(&p->moved, 1);
    }
    atomic_fetch_add(&p->producers_done, 1);
    return NULL;
}

static void *consume(void *arg)
{
    struct pipe_end *e = arg;
    struct pipeline *p = e->p;
    long last[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++)
        last[i] = -1;
    gate_wait(&p->start);
    long item;
    while (buffer_get(&p->buffer, &item) == BUFFER_OK) {
        atomic_fetch_add(&p->moved, 1);
        if (item < 0 || item >= PRODUCERS * ITEMS_EACH) {
            atomic_fetch_add(&p->out_of_range, 1);
            continue;
        }
        atomic_fetch_add(&p->seen[item], 1);
        /* FIFO: one consumer sees each producer's items in increasing order. */
        int from = (int)(item / ITEMS_EACH);
        if (item <= last[from])
            atomic_fetch_add(&p->out_of_order, 1);
        last[from] = item;
    }
    if (!atomic_load(&p->close_called))
        atomic_fetch_add(&p->early_closed, 1);
    atomic_fetch_add(&p->consumers_done, 1);
    return NULL;
}

TEST(every_item_arrives_exactly_once, 5, 20, "buffer_put, buffer_get, buffer_close")
{
    /* 4 producers and 4 consumers through a buffer of 4 slots, on 2 cores,
     * while a fifth thread keeps waking both condition variables. */
    static struct pipeline p;   /* static: the seen[] array is 12 KB */
    memset(&p, 0, sizeof p);
    p.start = (struct gate)GATE_INIT;
    ck_assert_int_eq(buffer_init(&p.buffer, 4), 0);
    pthread_t producers[PRODUCERS], consumers[CONSUMERS];
    struct pipe_end ends[PRODUCERS + CONSUMERS];
    for (int i = 0; i < PRODUCERS; i++) {
        ends[i] = (struct pipe_end){&p, i};
        ck_assert_int_eq(pthread_create(&producers[i], NULL, produce, &ends[i]), 0);
    }
    for (int i = 0; i < CONSUMERS; i++) {
        ends[PRODUCERS + i] = (struct pipe_end){&p, i};
        ck_assert_int_eq(pthread_create(&consumers[i], NULL, consume,
                                        &ends[PRODUCERS + i]), 0);
    }
    struct waker waker;
    waker_start(&waker, &p.buffer.not_empty, &p.buffer.not_full);
    gate_open(&p.start);

    /* Every item is put once and got once: 2 moves an item. */
    const long all_puts = (long)PRODUCERS * ITEMS_EACH;
    bool flowed = progresses_to(&p.moved, 2 * all_puts, 2.0);
    ck_assert_msg(atomic_load(&p.early_closed) == 0, "%d consumers got BUFFER_CLOSED "
                  "before close() was called: after a wakeup (POSIX allows spurious "
                  "ones) get must check the buffer again in a while loop",
                  atomic_load(&p.early_closed));
    ck_assert_msg(flowed, "items stopped moving for 2 s (%ld puts and gets of %ld "
                  "done): producers and consumers are all waiting. A lost wakeup? "
                  "put must signal not_empty, get must signal not_full",
                  atomic_load(&p.moved), 2 * all_puts);
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(producers[i], NULL);
    atomic_store(&p.close_called, true);
    buffer_close(&p.buffer);
    waker_stop(&waker);   /* from here on, only close() can wake a consumer */
    ck_assert_msg(progresses_to(&p.consumers_done, CONSUMERS, 2.0), "after close(), "
                  "only %ld of 4 consumers returned within 2 s: close must wake every "
                  "waiting getter (broadcast)", atomic_load(&p.consumers_done));
    for (int i = 0; i < CONSUMERS; i++)
        pthread_join(consumers[i], NULL);

    ck_assert_msg(atomic_load(&p.refused_puts) == 0, "%d puts into an open buffer "
                  "returned BUFFER_CLOSED", atomic_load(&p.refused_puts));
    ck_assert_msg(atomic_load(&p.out_of_range) == 0, "consumers got %d items that "
                  "no producer put: a get took from an empty slot",
                  atomic_load(&p.out_of_range));
    for (long i = 0; i < all_puts; i++)
        ck_assert_msg(p.seen[i] == 1, "item %ld (producer %ld's item %ld) arrived %d "
                      "times, expected exactly once: %s", i, i / ITEMS_EACH,
                      i % ITEMS_EACH, (int)p.seen[i], p.seen[i] ? "it was handed out "
                      "twice" : "it was lost, overwritten in the ring or never put");
    ck_assert_msg(atomic_load(&p.out_of_order) == 0, "%d times a consumer got a "
                  "producer's item before an earlier one: the buffer must be FIFO",
                  atomic_load(&p.out_of_order));
    buffer_destroy(&p.buffer);
}

/* CPU seconds that one thread has used. */
static double thread_cpu_s(pthread_t thread)
{
    clockid_t clock;
    struct timespec ts;
    if (pthread_getcpuclockid(thread, &clock) != 0 || clock_gettime(clock, &ts) != 0)
        return -1;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *wait_at_gate(void *g)
{
    gate_wait(g);
    return NULL;
}

TEST(blocked_waiters_use_no_cpu, 4, 10, "buffer_get, buffer_put")
{
    /* Two getters wait on an empty buffer and two putters on a full one,
     * for a 200 ms window, beside a baseline thread waiting at a gate (a
     * plain pthread_cond_wait).  A waiting thread uses no CPU; one that
     * busy-waits (a loop that unlocks, yields and locks again) uses its
     * whole share of a core: at least a third of the window, 67 ms, even
     * with a CPU hog on every core.  Allowed: the baseline + 10 ms each. */
    const double window = 0.2, allowance = 0.01;
    struct bounded_buffer empty, full;
    ck_assert_int_eq(buffer_init(&empty, 1), 0);
    ck_assert_int_eq(buffer_init(&full, 1), 0);
    ck_assert_named_eq(buffer_put(&full, 1), BUFFER_OK, buffer_name);
    struct gate gate = GATE_INIT;
    pthread_t baseline;
    ck_assert_int_eq(pthread_create(&baseline, NULL, wait_at_gate, &gate), 0);
    struct call waiters[4];
    start_call(&waiters[0], op_get, &empty, 0, 0, 0);
    start_call(&waiters[1], op_get, &empty, 0, 0, 0);
    start_call(&waiters[2], op_put, &full, 2, 0, 0);
    start_call(&waiters[3], op_put, &full, 3, 0, 0);
    settled(waiters, 4, 1.0);   /* a spinning waiter never settles: measure anyway */
    ck_assert_msg(count_returned(waiters, 4) == 0, "a get on an empty buffer or a "
                  "put on a full one returned instead of waiting");

    double before[4], after[4];
    double base_before = thread_cpu_s(baseline);
    for (int i = 0; i < 4; i++)
        before[i] = thread_cpu_s(waiters[i].thread);
    sleep_s(window);   /* the measurement window, not a wait for anything */
    double base_used = thread_cpu_s(baseline) - base_before;
    for (int i = 0; i < 4; i++)
        after[i] = thread_cpu_s(waiters[i].thread);

    for (int i = 0; i < 4; i++) {
        double used = after[i] - before[i];
        ck_assert_msg(used <= base_used + allowance, "a %s blocked on %s buffer used "
                      "%.0f ms of CPU in %.0f ms (a thread blocked on a condition "
                      "variable used %.1f ms): it is busy-waiting. Sleep in "
                      "pthread_cond_wait until woken.", i < 2 ? "get()" : "put()",
                      i < 2 ? "an empty" : "a full", used * 1e3, window * 1e3,
                      base_used * 1e3);
    }
    gate_open(&gate);
    pthread_join(baseline, NULL);
    buffer_close(&empty);
    buffer_close(&full);
    ck_assert_msg(returned_within(waiters, 4, 4, 2.0), "after close(), only %d of the "
                  "4 waiting calls returned within 2 s: close must wake every waiter",
                  count_returned(waiters, 4));
    join_calls(waiters, 4);
    buffer_destroy(&empty);
    buffer_destroy(&full);
}

/* ===========================================================================
 * Part 4: the barrier
 * ======================================================================== */

TEST(barrier_holds_until_all_arrive, 4, 10, "barrier_wait")
{
    /* Two rounds of: 3 threads arrive and must stay, the test arrives last
     * and must be let through with index 3, then the 3 are released with
     * indices 0, 1 and 2. */
    enum { PARTIES = 4 };
    struct barrier b;
    ck_assert_int_eq(barrier_init(&b, PARTIES), 0);
    for (int round = 1; round <= 2; round++) {
        struct call early[PARTIES - 1];
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
        ck_assert_msg(returned_within(early, PARTIES - 1, PARTIES - 1, 2.0),
                      "round %d: the 4th party arrived, but only %d of the 3 waiting "
                      "threads left within 2 s: the last arrival must wake them all "
                      "(broadcast)", round, count_returned(early, PARTIES - 1));
        join_calls(early, PARTIES - 1);
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

TEST(barrier_is_reusable, 8, 20, "barrier_wait")
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
