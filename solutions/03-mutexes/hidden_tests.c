/* hidden_tests.c - lab 03's hidden tests, graded after the deadline. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab_test.h"
#include "mutexes.h"
#include "testkit.h"

/* Wait until *count reaches goal; false if it stood still for stall_s. */
static bool reaches(atomic_long *count, long goal, double stall_s)
{
    long last = -1;
    double since = now_s();
    for (long now; (now = atomic_load(count)) < goal; sleep_s(0.001)) {
        if (now != last)
            last = now, since = now_s();
        else if (now_s() - since > stall_s)
            return false;
    }
    return true;
}

/* ---- the bank: bad set-ups, and self-transfers among real ones ------------ */

struct bank_job {
    struct bank *bank;
    bool self;              /* only ever transfer account 0 to itself */
    uint32_t seed;
    long net[3];
    long self_not_refused;  /* self-transfers that did not say SAME_ACCOUNT */
    atomic_long *done;      /* transfers tried by all jobs */
};

static void *bank_job(void *p)
{
    struct bank_job *j = p;
    for (int i = 0; i < 3000; i++) {
        if (j->self) {
            if (bank_transfer(j->bank, 0, 0, 5) != TRANSFER_SAME_ACCOUNT)
                j->self_not_refused++;
        } else {
            j->seed ^= j->seed << 13, j->seed ^= j->seed >> 17, j->seed ^= j->seed << 5;
            int from = (int)(j->seed % 3), to = (from + 1 + (int)(j->seed / 3 % 2)) % 3;
            long amount = 1 + (long)(j->seed / 6 % 40);
            if (bank_transfer(j->bank, from, to, amount) == TRANSFER_OK)
                j->net[from] -= amount, j->net[to] += amount;
        }
        atomic_fetch_add(j->done, 1);
    }
    return NULL;
}

HIDDEN_TEST(hidden_bank_edge_cases, 3, 15, "bank_init, bank_transfer")
{
    struct bank b;
    ck_assert_msg(bank_init(&b, 0, 100) == EINVAL, "bank_init with 0 accounts: "
                  "expected EINVAL");
    ck_assert_msg(bank_init(&b, 3, -1) == EINVAL, "bank_init with a negative opening "
                  "balance: expected EINVAL");
    ck_assert_int_eq(bank_init(&b, 3, 50), 0);

    /* Two threads keep transferring account 0 to itself while four move
     * money among all three accounts: the self-transfers must be refused
     * every time, must not block, and must not disturb the others. */
    enum { JOBS = 6 };
    struct bank_job jobs[JOBS];
    pthread_t threads[JOBS];
    atomic_long done = 0;
    for (int i = 0; i < JOBS; i++) {
        jobs[i] = (struct bank_job){.bank = &b, .self = i < 2,
                                    .seed = 88675123u + 97u * (uint32_t)i, .done = &done};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, bank_job, &jobs[i]), 0);
    }
    ck_assert_msg(reaches(&done, JOBS * 3000L, 2.0), "transfers stopped for 2 s while two "
                  "threads transferred account 0 to itself: a self-transfer must be "
                  "refused before any lock is taken");
    long net[3] = {0};
    for (int i = 0; i < JOBS; i++) {
        pthread_join(threads[i], NULL);
        ck_assert_msg(jobs[i].self_not_refused == 0, "%ld self-transfers were not "
                      "refused with TRANSFER_SAME_ACCOUNT", jobs[i].self_not_refused);
        for (int a = 0; a < 3; a++)
            net[a] += jobs[i].net[a];
    }
    for (int a = 0; a < 3; a++)
        ck_assert_msg(bank_balance(&b, a) == 50 + net[a], "account %d holds %ld, the "
                      "transfers that returned OK say %ld", a, bank_balance(&b, a),
                      50 + net[a]);
    ck_assert_msg(bank_total(&b) == 150, "expected a total of 150, got %ld",
                  bank_total(&b));
    bank_destroy(&b);
}

/* ---- the buffer: closed while putters wait on a one-slot buffer ----------- */

enum { PUTTERS = 6, PUTS_EACH = 200, TAKE_BEFORE_CLOSE = 300 };

struct closing {
    struct bounded_buffer buffer;
    struct gate reopen;                 /* getters pause here after 300 items */
    atomic_long tickets;                /* gets allowed before the pause */
    atomic_uchar put_ok[PUTTERS * PUTS_EACH];
    atomic_uchar got[PUTTERS * PUTS_EACH];
    atomic_int putter_tid[PUTTERS];
    atomic_bool putter_done[PUTTERS];
    atomic_long taken, putters_done, getters_done, strays;
};

struct closing_end { struct closing *c; int index; };

static void *closing_putter(void *p)
{
    struct closing_end *e = p;
    atomic_store(&e->c->putter_tid[e->index], (int)gettid());
    for (int i = 0; i < PUTS_EACH; i++) {
        int item = e->index * PUTS_EACH + i;
        if (buffer_put(&e->c->buffer, item) == BUFFER_OK)
            atomic_store(&e->c->put_ok[item], 1);
    }
    atomic_store(&e->c->putter_done[e->index], true);
    atomic_fetch_add(&e->c->putters_done, 1);
    return NULL;
}

static void *closing_getter(void *p)
{
    struct closing *c = ((struct closing_end *)p)->c;
    long item;
    for (;;) {
        /* After 300 gets in all, wait until the test has closed the buffer:
         * every putter is then stuck on the full slot, whatever the timing. */
        if (atomic_fetch_add(&c->tickets, 1) >= TAKE_BEFORE_CLOSE)
            gate_wait(&c->reopen);
        if (buffer_get(&c->buffer, &item) != BUFFER_OK)
            break;
        if (item < 0 || item >= PUTTERS * PUTS_EACH)
            atomic_fetch_add(&c->strays, 1);
        else
            atomic_fetch_add(&c->got[item], 1);
        atomic_fetch_add(&c->taken, 1);
    }
    atomic_fetch_add(&c->getters_done, 1);
    return NULL;
}

/* True once every putter still in buffer_put has been asleep for 10 polls
 * 1 ms apart (blocked on the full buffer), within `within` seconds. */
static bool putters_asleep(struct closing *c, double within)
{
    double deadline = now_s() + within;
    for (int streak = 0; streak < 10; sleep_s(0.001)) {
        if (now_s() > deadline)
            return false;
        bool all = true;
        for (int i = 0; i < PUTTERS && all; i++) {
            int tid = atomic_load(&c->putter_tid[i]);
            all = atomic_load(&c->putter_done[i]) || (tid && thread_is_asleep(tid));
        }
        streak = all ? streak + 1 : 0;
    }
    return true;
}

HIDDEN_TEST(hidden_close_while_putters_wait, 4, 15, "buffer_close, buffer_put, buffer_get")
{
    /* 6 putters and 2 getters share one slot.  After 300 items the getters
     * pause, the putters fill the slot and block, and the test closes the
     * buffer.  Every put that returned OK must arrive exactly once, no put
     * that returned CLOSED may arrive, and every blocked putter must come
     * back. */
    static struct closing c;
    memset(&c, 0, sizeof c);
    c.reopen = (struct gate)GATE_INIT;
    ck_assert_msg(buffer_init(&c.buffer, 0) == EINVAL, "buffer_init with capacity 0: "
                  "expected EINVAL");
    ck_assert_int_eq(buffer_init(&c.buffer, 1), 0);
    pthread_t threads[PUTTERS + 2];
    struct closing_end ends[PUTTERS + 2];
    for (int i = 0; i < PUTTERS + 2; i++) {
        ends[i] = (struct closing_end){&c, i};
        ck_assert_int_eq(pthread_create(&threads[i], NULL,
                                        i < PUTTERS ? closing_putter : closing_getter,
                                        &ends[i]), 0);
    }
    ck_assert_msg(reaches(&c.taken, TAKE_BEFORE_CLOSE, 2.0), "items stopped moving "
                  "through a one-slot buffer after %ld (6 putters, 2 getters)",
                  atomic_load(&c.taken));
    ck_assert_msg(putters_asleep(&c, 3.0), "with the getters paused, the putters did "
                  "not all go to sleep on the full buffer within 3 s");
    buffer_close(&c.buffer);
    gate_open(&c.reopen);
    ck_assert_msg(reaches(&c.putters_done, PUTTERS, 2.0), "after close(), only %ld of "
                  "6 putters returned: putters waiting on a full buffer must be woken "
                  "too", atomic_load(&c.putters_done));
    ck_assert_msg(reaches(&c.getters_done, 2, 2.0), "after close(), only %ld of 2 "
                  "getters returned", atomic_load(&c.getters_done));
    for (int i = 0; i < PUTTERS + 2; i++)
        pthread_join(threads[i], NULL);
    ck_assert_msg(c.strays == 0, "getters got %ld items nobody put", (long)c.strays);
    int refused = 0;
    for (int i = 0; i < PUTTERS * PUTS_EACH; i++) {
        refused += !c.put_ok[i];
        ck_assert_msg(c.got[i] == c.put_ok[i], "item %d: put returned %s but it "
                      "arrived %d times", i, c.put_ok[i] ? "BUFFER_OK" : "BUFFER_CLOSED",
                      (int)c.got[i]);
    }
    ck_assert_msg(refused > 0, "expected the puts made after close() to be refused");
    buffer_destroy(&c.buffer);
}

/* ---- the barrier: one party, and two threads in lock-step ---------------- */

struct pair { struct barrier *b; int index[500]; };

static void *partner(void *p)
{
    struct pair *pair = p;
    for (int r = 0; r < 500; r++)
        pair->index[r] = barrier_wait(pair->b);
    return NULL;
}

static void *single_party(void *p)
{
    struct barrier *b = p;
    intptr_t bad = 0;
    for (int i = 0; i < 100; i++)
        if (barrier_wait(b) != 0)
            bad++;
    return (void *)bad;
}

HIDDEN_TEST(hidden_barrier_edge_cases, 3, 10, "barrier_init, barrier_wait")
{
    struct barrier b;
    ck_assert_msg(barrier_init(&b, 0) == EINVAL && barrier_init(&b, -1) == EINVAL,
                  "barrier_init with 0 or -1 parties: expected EINVAL");
    ck_assert_int_eq(barrier_init(&b, 1), 0);
    pthread_t t;
    void *bad;
    ck_assert_int_eq(pthread_create(&t, NULL, single_party, &b), 0);
    pthread_join(t, &bad);   /* the timeout catches a barrier of 1 that waits */
    ck_assert_msg(bad == 0, "a barrier of 1 party: %ld of 100 waits did not return "
                  "index 0", (long)(intptr_t)bad);
    barrier_destroy(&b);

    ck_assert_int_eq(barrier_init(&b, 2), 0);
    static struct pair pair;
    pair.b = &b;
    ck_assert_int_eq(pthread_create(&t, NULL, partner, &pair), 0);
    int mine[500];
    for (int r = 0; r < 500; r++)
        mine[r] = barrier_wait(&b);
    pthread_join(t, NULL);
    for (int r = 0; r < 500; r++)
        ck_assert_msg(mine[r] + pair.index[r] == 1 && mine[r] * pair.index[r] == 0,
                      "round %d of a 2-party barrier: indices %d and %d, expected 0 "
                      "and 1", r, mine[r], pair.index[r]);
    barrier_destroy(&b);
}
