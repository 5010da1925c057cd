/* 2-bank.c - lab 03, Part 2: the bank. */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

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
        /* Two problems at once: the first in the enum's order is the answer. */
        {3, 3, 0, TRANSFER_NO_SUCH_ACCOUNT, "the accounts are checked first"},
        {1, 1, -5, TRANSFER_BAD_AMOUNT, "the amount is checked before the accounts "
                                        "are compared"},
        {1, 1, 1000, TRANSFER_SAME_ACCOUNT, "a transfer to the same account is refused "
                                            "before the funds are looked at"},
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
    struct watched_call c;
    start_call(&c, op_transfer, &b, 1, 1, 10);
    ck_assert_msg(all_returned(&c, 1, 2.0), "transfer(1 -> 1, 10) did not "
                  "return within 2 s: it locked account 1's mutex twice and now "
                  "waits for itself forever. Refuse from == to before taking any lock.");
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

TEST(opposite_transfers_do_not_deadlock, 5, 15, "bank_transfer, lock_pair")
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
        int from = (int)(xorshift32(&m->seed) % (uint32_t)m->naccounts);
        int to = (from + 1 + (int)(xorshift32(&m->seed) % (uint32_t)(m->naccounts - 1))) %
                 m->naccounts;
        long amount = 1 + (long)(xorshift32(&m->seed) % MAX_AMOUNT);
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

TEST(total_conserved_under_random_transfers, 4, 15, "bank_transfer")
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

    struct watched_call other, mine;
    start_call(&other, op_transfer, &b, 0, 1, 10);
    bool other_done = all_returned(&other, 1, 2.0);
    if (!other_done)
        pthread_mutex_unlock(&b.accounts[2].lock);   /* let it finish, then report */
    ck_assert_msg(other_done, "transfer(0 -> 1) waited while the test held only "
                  "account 2's lock: a transfer must lock just its own two accounts, "
                  "so that transfers between other accounts run at the same time");
    ck_assert_msg(other.result == TRANSFER_OK, "transfer(0 -> 1, 10): expected "
                  "TRANSFER_OK, got %s", transfer_name(other.result));

    start_call(&mine, op_transfer, &b, 2, 3, 10);
    bool waited = settled(&mine, 1, 3.0) && !atomic_load(&mine.returned);
    pthread_mutex_unlock(&b.accounts[2].lock);
    ck_assert_msg(waited, "transfer(2 -> 3) %s while the test held account 2's lock: "
                  "it must lock the two accounts' own mutexes, b->accounts[from].lock "
                  "and b->accounts[to].lock", atomic_load(&mine.returned)
                  ? "completed" : "did not go to sleep");
    ck_assert_msg(all_returned(&mine, 1, 2.0), "transfer(2 -> 3) did not "
                  "return within 2 s of account 2's lock being released");
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

/* ---- under the kit's scheduler ------------------------------------------ */

struct one_transfer {
    struct bank *bank;
    int from, to;
    long amount;
    long status;
};

static void *transfer_once(void *arg)
{
    struct one_transfer *t = arg;
    t->status = bank_transfer(t->bank, t->from, t->to, t->amount);
    return NULL;
}

/* Three accounts of 50.  Two threads each try to move account 0's whole 50
 * (to 1 and to 2) while the test adds up the bank three times, under 120
 * schedules of the kit's scheduler (the handout's "Schedules"): a thread
 * may be stopped at any lock or unlock.  Exactly one transfer can succeed;
 * no balance may go below 0; every total is 150.  Checking the funds under
 * one holding of the locks and moving under another lets both through in
 * some schedule; adding up one account at a time sees a transfer half done
 * in another. */
SCHEDULE_TEST(bank_under_schedules, 4, 20, "bank_transfer, bank_total", 120)
{
    struct bank b;
    ck_assert_int_eq(bank_init(&b, 3, 50), 0);
    struct one_transfer t[2] = {{&b, 0, 1, 50, -1}, {&b, 0, 2, 50, -1}};
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, transfer_once, &t[i]), 0);
    long total[3];
    for (int i = 0; i < 3; i++)
        total[i] = bank_total(&b);
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    long balance[3] = {bank_balance(&b, 0), bank_balance(&b, 1), bank_balance(&b, 2)};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(total[i] == 150, "bank_total returned %ld while two transfers ran, "
                      "expected 150: a total must hold every account at once, so that no "
                      "transfer is half done while it adds up", total[i]);
    ck_assert_msg(!(t[0].status == TRANSFER_OK && t[1].status == TRANSFER_OK), "account 0 "
                  "held 50 and two threads each moved 50 out of it: both transfers returned "
                  "TRANSFER_OK, and account 0 now holds %ld. The check for funds and the move "
                  "must happen under one holding of the locks", balance[0]);
    ck_assert_msg(t[0].status == TRANSFER_OK || t[1].status == TRANSFER_OK, "account 0 held "
                  "50 and two threads each tried to move 50 out of it: neither transfer "
                  "succeeded (%s, %s)", transfer_name(t[0].status), transfer_name(t[1].status));
    ck_assert_msg(balance[0] == 0 && balance[1] + balance[2] == 150, "after one of two "
                  "transfers of account 0's 50 went through, the balances are %ld, %ld, %ld",
                  balance[0], balance[1], balance[2]);
    bank_destroy(&b);
}
