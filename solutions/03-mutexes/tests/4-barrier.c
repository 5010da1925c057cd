/* 4-barrier.c - lab 03's hidden tests for Part 4, graded after the deadline. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab_test.h"
#include "mutexes.h"
#include "testkit.h"

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
