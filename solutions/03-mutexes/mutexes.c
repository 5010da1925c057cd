/*
 * mutexes.c - lab 03: locks and condition variables.
 * The API and what each function must do are in mutexes.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "mutexes.h"

/* ---- Part 1: SharedCounter ------------------------------------------------ */

int counter_init(struct shared_counter *c, long initial_value)
{
    c->value = initial_value;
    return pthread_mutex_init(&c->lock, NULL);
}

void counter_incr(struct shared_counter *c, long delta)
{
    pthread_mutex_lock(&c->lock);
    /* A load, an add and a store: the lock makes the three one step that no
     * other thread can interleave with. */
    c->value += delta;
    pthread_mutex_unlock(&c->lock);
}

void counter_decr(struct shared_counter *c, long delta)
{
    pthread_mutex_lock(&c->lock);
    c->value -= delta;
    pthread_mutex_unlock(&c->lock);
}

long counter_value(struct shared_counter *c)
{
    /* Reads take the lock too: it is what makes the writers' stores visible
     * here, and an unlocked read racing a write is undefined behaviour in C. */
    pthread_mutex_lock(&c->lock);
    long value = c->value;
    pthread_mutex_unlock(&c->lock);
    return value;
}

void counter_destroy(struct shared_counter *c)
{
    pthread_mutex_destroy(&c->lock);
}

/* ---- Part 2: the bank ------------------------------------------------------ */

int bank_init(struct bank *b, int naccounts, long opening_balance)
{
    if (naccounts < 1 || opening_balance < 0)
        return EINVAL;
    b->accounts = calloc((size_t)naccounts, sizeof *b->accounts);
    if (!b->accounts)
        return ENOMEM;
    b->naccounts = naccounts;
    for (int i = 0; i < naccounts; i++) {
        pthread_mutex_init(&b->accounts[i].lock, NULL);
        b->accounts[i].balance = opening_balance;
    }
    return 0;
}

void bank_destroy(struct bank *b)
{
    for (int i = 0; i < b->naccounts; i++)
        pthread_mutex_destroy(&b->accounts[i].lock);
    free(b->accounts);
    b->accounts = NULL;
    b->naccounts = 0;
}

/* Lock two different accounts, the lower index first.  Every thread takes
 * account locks in this one global order, so no thread can hold a higher
 * lock while waiting for a lower one: a cycle of waiting threads, which is
 * what a deadlock is, cannot form. */
static void lock_pair(struct bank *b, int x, int y)
{
    int low = x < y ? x : y, high = x < y ? y : x;
    pthread_mutex_lock(&b->accounts[low].lock);
    pthread_mutex_lock(&b->accounts[high].lock);
}

static void unlock_pair(struct bank *b, int x, int y)
{
    /* Unlocking cannot deadlock: any order will do. */
    pthread_mutex_unlock(&b->accounts[x].lock);
    pthread_mutex_unlock(&b->accounts[y].lock);
}

enum transfer_status bank_transfer(struct bank *b, int from, int to, long amount)
{
    if (from < 0 || from >= b->naccounts || to < 0 || to >= b->naccounts)
        return TRANSFER_NO_SUCH_ACCOUNT;
    if (amount <= 0)
        return TRANSFER_BAD_AMOUNT;
    /* Before any lock: locking the same (default) mutex twice deadlocks the
     * thread with itself. */
    if (from == to)
        return TRANSFER_SAME_ACCOUNT;

    lock_pair(b, from, to);
    /* The check and the move under the same locks: no other transfer can
     * take the money between our "is there enough?" and our taking it. */
    enum transfer_status status = TRANSFER_INSUFFICIENT_FUNDS;
    if (b->accounts[from].balance >= amount) {
        b->accounts[from].balance -= amount;
        b->accounts[to].balance += amount;
        status = TRANSFER_OK;
    }
    unlock_pair(b, from, to);
    return status;
}

long bank_balance(struct bank *b, int account)
{
    pthread_mutex_lock(&b->accounts[account].lock);
    long balance = b->accounts[account].balance;
    pthread_mutex_unlock(&b->accounts[account].lock);
    return balance;
}

long bank_total(struct bank *b)
{
    /* Hold every account at once, taken in the same index order as
     * transfers take theirs: no transfer is half done while we add up, and
     * we cannot deadlock with one. */
    for (int i = 0; i < b->naccounts; i++)
        pthread_mutex_lock(&b->accounts[i].lock);
    long total = 0;
    for (int i = 0; i < b->naccounts; i++)
        total += b->accounts[i].balance;
    for (int i = b->naccounts - 1; i >= 0; i--)
        pthread_mutex_unlock(&b->accounts[i].lock);
    return total;
}

/* ---- Part 3: the bounded buffer ---------------------------------------------- */

int buffer_init(struct bounded_buffer *b, int capacity)
{
    if (capacity < 1)
        return EINVAL;
    b->items = malloc((size_t)capacity * sizeof *b->items);
    if (!b->items)
        return ENOMEM;
    b->capacity = capacity;
    b->head = 0;
    b->count = 0;
    b->closed = false;
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->not_empty, NULL);
    pthread_cond_init(&b->not_full, NULL);
    return 0;
}

void buffer_destroy(struct bounded_buffer *b)
{
    pthread_cond_destroy(&b->not_full);
    pthread_cond_destroy(&b->not_empty);
    pthread_mutex_destroy(&b->lock);
    free(b->items);
    b->items = NULL;
}

enum buffer_status buffer_put(struct bounded_buffer *b, long item)
{
    pthread_mutex_lock(&b->lock);
    /* while, not if: a wakeup only says "look again".  Another putter may
     * have taken the free slot first, and POSIX allows spurious wakeups. */
    while (b->count == b->capacity && !b->closed)
        pthread_cond_wait(&b->not_full, &b->lock);
    if (b->closed) {
        pthread_mutex_unlock(&b->lock);
        return BUFFER_CLOSED;
    }
    b->items[(b->head + b->count) % b->capacity] = item;
    b->count++;
    /* One new item is enough for one getter; only getters wait here. */
    pthread_cond_signal(&b->not_empty);
    pthread_mutex_unlock(&b->lock);
    return BUFFER_OK;
}

enum buffer_status buffer_get(struct bounded_buffer *b, long *item)
{
    pthread_mutex_lock(&b->lock);
    while (b->count == 0 && !b->closed)
        pthread_cond_wait(&b->not_empty, &b->lock);
    if (b->count == 0) {   /* closed, and nothing left to hand out */
        pthread_mutex_unlock(&b->lock);
        return BUFFER_CLOSED;
    }
    *item = b->items[b->head];
    b->head = (b->head + 1) % b->capacity;
    b->count--;
    pthread_cond_signal(&b->not_full);
    pthread_mutex_unlock(&b->lock);
    return BUFFER_OK;
}

void buffer_close(struct bounded_buffer *b)
{
    pthread_mutex_lock(&b->lock);
    b->closed = true;
    /* Broadcast, not signal: every waiter, on both sides, must wake and see
     * `closed`.  A signal would wake one and leave the rest asleep forever. */
    pthread_cond_broadcast(&b->not_empty);
    pthread_cond_broadcast(&b->not_full);
    pthread_mutex_unlock(&b->lock);
}

/* ---- Part 4: the barrier -------------------------------------------------------- */

int barrier_init(struct barrier *b, int parties)
{
    if (parties < 1)
        return EINVAL;
    b->parties = parties;
    b->arrived = 0;
    b->round = 0;
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->round_over, NULL);
    return 0;
}

int barrier_wait(struct barrier *b)
{
    pthread_mutex_lock(&b->lock);
    int index = b->arrived++;
    if (b->arrived == b->parties) {
        /* The last arrival ends the round and resets the count for the next. */
        b->arrived = 0;
        b->round++;
        pthread_cond_broadcast(&b->round_over);
    } else {
        /* Wait for the round number to change, not for `arrived` to reach
         * some value: a fast thread may already have re-entered for the
         * next round and bumped `arrived` before we wake and look. */
        unsigned long my_round = b->round;
        while (b->round == my_round)
            pthread_cond_wait(&b->round_over, &b->lock);
    }
    pthread_mutex_unlock(&b->lock);
    return index;
}

void barrier_destroy(struct barrier *b)
{
    pthread_cond_destroy(&b->round_over);
    pthread_mutex_destroy(&b->lock);
}
