/* 3-buffer.c - lab 03, Part 3: the bounded buffer. */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

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

TEST(get_waits_for_put, 3, 10, "buffer_put, buffer_get")
{
    struct bounded_buffer b;
    ck_assert_int_eq(buffer_init(&b, 2), 0);
    struct watched_call getter;
    start_call(&getter, op_get, &b, 0, 0, 0);
    bool asleep = settled(&getter, 1, 3.0);
    ck_assert_msg(!atomic_load(&getter.returned), "get() on an empty buffer "
                  "returned %s (item %ld) instead of waiting for an item",
                  buffer_name(getter.result), getter.out);
    ck_assert_msg(asleep, "get() on an empty buffer never went to sleep within 3 s: "
                  "it must wait on b->not_empty with pthread_cond_wait, not spin");
    ck_assert_named_eq(buffer_put(&b, 42), BUFFER_OK, buffer_name);
    ck_assert_msg(all_returned(&getter, 1, 2.0), "a get() waiting on an empty "
                  "buffer was not woken by put(42) within 2 s: a lost wakeup. put "
                  "must signal not_empty after adding an item");
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
    struct watched_call putter;
    start_call(&putter, op_put, &b, 3, 0, 0);
    bool asleep = settled(&putter, 1, 3.0);
    ck_assert_msg(!atomic_load(&putter.returned), "put(3) into a full buffer of "
                  "capacity 2 returned %s instead of waiting for a free slot",
                  buffer_name(putter.result));
    ck_assert_msg(asleep, "put() into a full buffer never went to sleep within 3 s: "
                  "it must wait on b->not_full with pthread_cond_wait, not spin");
    long got = must_get(&b, "taking from a full buffer");
    ck_assert_msg(got == 1, "expected get() to return 1, got %ld", got);
    ck_assert_msg(all_returned(&putter, 1, 2.0), "a put() waiting on a full "
                  "buffer was not woken by get() within 2 s: a lost wakeup. get "
                  "must signal not_full after taking an item");
    ck_assert_msg(putter.result == BUFFER_OK, "the waiting put(3) returned %s, "
                  "expected BUFFER_OK", buffer_name(putter.result));
    ck_assert_msg(must_get(&b, "reading back") == 2 && must_get(&b, "reading back") == 3,
                  "after the waiting put(3), expected to read 2 then 3");
    buffer_destroy(&b);
}

/* The waiters of the two tests below: 4 getters on an empty buffer, then 3
 * putters on a full one. */
enum { GETTERS = 4, PUTTERS = 3 };

/* n calls of op on b, each on its own thread (call i gets i + 1: the item a
 * putter puts); true once all of them sleep (within 3 s), none returned. */
static bool all_asleep(struct watched_call *calls, int n, long (*op)(struct watched_call *),
                       struct bounded_buffer *b)
{
    for (int i = 0; i < n; i++)
        start_call(&calls[i], op, b, i + 1, 0, 0);
    return settled(calls, n, 3.0) && !count_returned(calls, n);
}

TEST(woken_waiters_check_again, 5, 10, "buffer_get, buffer_put")
{
    /* POSIX lets pthread_cond_wait return without any signal, so a waiter
     * must check its condition again after every wakeup.  The test makes
     * that happen on purpose: 4 getters sleep on an empty buffer, one item
     * is put, and then the test wakes all of them.  One gets the item; the
     * other three must find the buffer empty and go back to sleep. */
    struct bounded_buffer b;
    ck_assert_int_eq(buffer_init(&b, 4), 0);
    struct watched_call getters[GETTERS];
    ck_assert_msg(all_asleep(getters, GETTERS, op_get, &b), "4 getters on an empty buffer "
                  "did not all go to sleep within 3 s (%d returned)",
                  count_returned(getters, GETTERS));
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
    ck_assert_msg(all_returned(getters, GETTERS, 2.0), "after close(), "
                  "%d of 3 waiting getters returned", count_returned(getters, GETTERS) - 1);
    buffer_destroy(&b);

    /* The same on the other side: 3 putters wait on a full buffer of
     * capacity 1, one slot frees up, all three are woken. */
    ck_assert_int_eq(buffer_init(&b, 1), 0);
    ck_assert_named_eq(buffer_put(&b, 100), BUFFER_OK, buffer_name);
    struct watched_call putters[PUTTERS];
    ck_assert_msg(all_asleep(putters, PUTTERS, op_put, &b), "3 putters on a full buffer did "
                  "not all go to sleep within 3 s (%d returned)", count_returned(putters, PUTTERS));
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
    ck_assert_msg(all_returned(putters, PUTTERS, 2.0), "after close(), "
                  "not every waiting putter returned");
    buffer_destroy(&b);
}

TEST(close_wakes_every_waiter, 6, 10, "buffer_close")
{
    struct bounded_buffer b;
    ck_assert_int_eq(buffer_init(&b, 2), 0);
    struct watched_call getters[GETTERS];
    ck_assert_msg(all_asleep(getters, GETTERS, op_get, &b), "4 getters on an empty buffer "
                  "did not all go to sleep within 3 s");
    buffer_close(&b);
    bool all = all_returned(getters, GETTERS, 2.0);
    ck_assert_msg(all, "only %d of 4 getters waiting on an empty buffer returned "
                  "within 2 s of close(): a waiter was never woken after close(). "
                  "close must wake every waiter (pthread_cond_broadcast), not one "
                  "(signal)", count_returned(getters, GETTERS));
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
    struct watched_call putters[PUTTERS];
    ck_assert_msg(all_asleep(putters, PUTTERS, op_put, &b), "3 putters on a full buffer did "
                  "not all go to sleep within 3 s");
    buffer_close(&b);
    all = all_returned(putters, PUTTERS, 2.0);
    ck_assert_msg(all, "only %d of 3 putters waiting on a full buffer returned "
                  "within 2 s of close(): a waiter was never woken after close(). "
                  "close must wake the putters too (broadcast not_full)",
                  count_returned(putters, PUTTERS));
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

TEST(every_item_arrives_exactly_once, 4, 20, "buffer_put, buffer_get, buffer_close")
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
    struct watched_call waiters[4];
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
    ck_assert_msg(all_returned(waiters, 4, 2.0), "after close(), only %d of the "
                  "4 waiting calls returned within 2 s: close must wake every waiter",
                  count_returned(waiters, 4));
    buffer_destroy(&empty);
    buffer_destroy(&full);
}

/* ---- under the kit's scheduler ------------------------------------------ */

/* A thread of the schedule test: one put, or one get. */
struct one_move {
    struct bounded_buffer *b;
    long item;
    long status;
};

static void *put_one(void *arg)
{
    struct one_move *m = arg;
    m->status = buffer_put(m->b, m->item);
    return NULL;
}

static void *get_one(void *arg)
{
    struct one_move *m = arg;
    m->status = buffer_get(m->b, &m->item);
    return NULL;
}

/* Two threads that each make one move on b; the test makes the other moves. */
static void start_two(pthread_t *t, struct one_move *m, struct bounded_buffer *b,
                      void *(*move)(void *), long first)
{
    for (int i = 0; i < 2; i++) {
        m[i] = (struct one_move){b, first + i, -1};
        ck_assert_int_eq(pthread_create(&t[i], NULL, move, &m[i]), 0);
    }
}

/* Under 40 schedules of the kit's scheduler (the handout's "Schedules"),
 * where a thread may be stopped at any lock, unlock, wait or signal and a
 * waiter may wake spuriously:
 *  1. a full buffer of 2 slots, two putters waiting, and the test getting
 *     all 4 items: each get must let a waiting putter know;
 *  2. an empty buffer, two getters waiting, and the test putting 2 items:
 *     each put must let a waiting getter know.
 * A wakeup sent only when the buffer was full (or empty) leaves the second
 * waiter asleep in some schedule; the scheduler then says who waits where,
 * and the schedule replays. */
SCHEDULE_TEST(buffer_under_schedules, 4, 20, "buffer_put, buffer_get", 40)
{
    struct bounded_buffer b;
    struct one_move m[2];
    pthread_t t[2];
    ck_assert_int_eq(buffer_init(&b, 2), 0);
    ck_assert_named_eq(buffer_put(&b, 1), BUFFER_OK, buffer_name);
    ck_assert_named_eq(buffer_put(&b, 2), BUFFER_OK, buffer_name);
    start_two(t, m, &b, put_one, 3);
    sched_settle();   /* both putters wait */
    bool seen[5] = {false};
    for (int i = 0; i < 4; i++) {
        long item = -1;
        ck_assert_named_eq(buffer_get(&b, &item), BUFFER_OK, buffer_name);
        ck_assert_msg(item >= 1 && item <= 4 && !seen[item], "a full buffer held 1, 2 and two "
                      "putters added 3 and 4; get %d returned %ld: %s", i + 1, item,
                      item >= 1 && item <= 4 ? "an item came out twice" : "nobody put that");
        seen[item] = true;
        ck_assert_msg(i > 1 || item == i + 1, "a full buffer held 1, 2; get %d returned %ld, "
                      "expected %d: first in, first out", i + 1, item, i + 1);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(m[i].status == BUFFER_OK, "a putter's put(%ld) returned %s",
                      m[i].item, buffer_name(m[i].status));
    }

    start_two(t, m, &b, get_one, 0);
    sched_settle();   /* both getters wait */
    ck_assert_named_eq(buffer_put(&b, 5), BUFFER_OK, buffer_name);
    ck_assert_named_eq(buffer_put(&b, 6), BUFFER_OK, buffer_name);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    ck_assert_msg(m[0].status == BUFFER_OK && m[1].status == BUFFER_OK &&
                  m[0].item + m[1].item == 11 && m[0].item != m[1].item, "two getters on an "
                  "empty buffer, then put(5) and put(6): they returned %s with %ld and %s with %ld",
                  buffer_name(m[0].status), m[0].item, buffer_name(m[1].status), m[1].item);
    buffer_destroy(&b);
}
