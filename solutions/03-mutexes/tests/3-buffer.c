/* 3-buffer.c - lab 03's hidden tests for Part 3, graded after the deadline. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab_test.h"
#include "mutexes.h"
#include "testkit.h"

/* ---- the buffer: closed while putters wait on a one-slot buffer ---------- */

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

/* Putter i's thread for threads_asleep: -1 once it is out of buffer_put. */
static int putter_tid(void *c, int i)
{
    struct closing *closing = c;
    return atomic_load(&closing->putter_done[i]) ? -1 : atomic_load(&closing->putter_tid[i]);
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
    ck_assert_msg(progresses_to(&c.taken, TAKE_BEFORE_CLOSE, 2.0), "items stopped moving "
                  "through a one-slot buffer after %ld (6 putters, 2 getters)",
                  atomic_load(&c.taken));
    ck_assert_msg(threads_asleep(putter_tid, &c, PUTTERS, 10, 3.0), "with the getters "
                  "paused, the putters did not all go to sleep on the full buffer within 3 s");
    buffer_close(&c.buffer);
    gate_open(&c.reopen);
    ck_assert_msg(progresses_to(&c.putters_done, PUTTERS, 2.0), "after close(), only %ld of "
                  "6 putters returned: putters waiting on a full buffer must be woken "
                  "too", atomic_load(&c.putters_done));
    ck_assert_msg(progresses_to(&c.getters_done, 2, 2.0), "after close(), only %ld of 2 "
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
