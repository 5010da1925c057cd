/* 2-bank.c - lab 03's hidden tests for Part 2, graded after the deadline. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab_test.h"
#include "mutexes.h"
#include "testkit.h"

/* ---- the bank: bad set-ups, and self-transfers among real ones ----------- */

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
            xorshift32(&j->seed);
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
    ck_assert_msg(progresses_to(&done, JOBS * 3000L, 2.0), "transfers stopped for 2 s while two "
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
