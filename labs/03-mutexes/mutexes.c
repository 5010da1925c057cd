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
    /* TODO: set the value and initialise the mutex; return what
     * pthread_mutex_init returns. */
    NOT_IMPLEMENTED(c, initial_value);
}

void counter_incr(struct shared_counter *c, long delta)
{
    /* TODO: add delta to the value while holding c->lock (seed 001's
     * `with self._value_lock:`). */
    NOT_IMPLEMENTED(c, delta);
}

void counter_decr(struct shared_counter *c, long delta)
{
    /* TODO: subtract delta, under the lock. */
    NOT_IMPLEMENTED(c, delta);
}

long counter_value(struct shared_counter *c)
{
    /* TODO: read the value under the lock.  Why is an unlocked read not
     * good enough, even though a long is read in one instruction? */
    NOT_IMPLEMENTED(c);
}

void counter_destroy(struct shared_counter *c)
{
    /* TODO: destroy the mutex. */
    NOT_IMPLEMENTED(c);
}

/* ---- Part 2: the bank ------------------------------------------------------ */

int bank_init(struct bank *b, int naccounts, long opening_balance)
{
    /* TODO: check the arguments (EINVAL), allocate the accounts (ENOMEM),
     * and give each its own mutex and the opening balance. */
    NOT_IMPLEMENTED(b, naccounts, opening_balance);
}

void bank_destroy(struct bank *b)
{
    /* TODO: destroy every account's mutex and free the accounts. */
    NOT_IMPLEMENTED(b);
}

/* Lock two different accounts, the lower index first.  Every thread takes
 * account locks in this one global order, so no thread can hold a higher
 * lock while waiting for a lower one: a cycle of waiting threads, which is
 * what a deadlock is, cannot form. */
static void lock_pair(struct bank *b, int x, int y)
{
    /* TODO: lock accounts x and y (x != y), lower index first. */
    NOT_IMPLEMENTED(b, x, y);
}

static void unlock_pair(struct bank *b, int x, int y)
{
    /* TODO: unlock both accounts.  Does the order matter here? */
    NOT_IMPLEMENTED(b, x, y);
}

enum transfer_status bank_transfer(struct bank *b, int from, int to, long amount)
{
    /* TODO: make the checks in the order mutexes.h lists them (what happens
     * if you lock the same account twice?), then with lock_pair held check
     * the balance and move the money, and unlock_pair. */
    NOT_IMPLEMENTED(b, from, to, amount, lock_pair, unlock_pair);
}

long bank_balance(struct bank *b, int account)
{
    /* TODO: read one account's balance under its lock. */
    NOT_IMPLEMENTED(b, account);
}

long bank_total(struct bank *b)
{
    /* TODO: hold every account's lock at once (in which order?), add up
     * the balances, then release them all. */
    NOT_IMPLEMENTED(b);
}

/* ---- Part 3: the bounded buffer ---------------------------------------------- */

int buffer_init(struct bounded_buffer *b, int capacity)
{
    /* TODO: check capacity (EINVAL), allocate the ring (ENOMEM), set the
     * fields, and initialise the mutex and both condition variables. */
    NOT_IMPLEMENTED(b, capacity);
}

void buffer_destroy(struct bounded_buffer *b)
{
    /* TODO: destroy what buffer_init initialised and free the ring. */
    NOT_IMPLEMENTED(b);
}

enum buffer_status buffer_put(struct bounded_buffer *b, long item)
{
    /* TODO: under the lock, wait on not_full while the buffer is full and
     * open (a while loop: why not an if?); refuse if closed; otherwise add
     * item at the back of the ring and wake a getter. */
    NOT_IMPLEMENTED(b, item);
}

enum buffer_status buffer_get(struct bounded_buffer *b, long *item)
{
    /* TODO: under the lock, wait on not_empty while the buffer is empty and
     * open; if it is still empty it was closed; otherwise take the front
     * item and wake a putter. */
    NOT_IMPLEMENTED(b, item);
}

void buffer_close(struct bounded_buffer *b)
{
    /* TODO: mark the buffer closed and wake every waiter on both sides. */
    NOT_IMPLEMENTED(b);
}

/* ---- Part 4: the barrier -------------------------------------------------------- */

int barrier_init(struct barrier *b, int parties)
{
    /* TODO: check parties (EINVAL), set the fields, initialise the mutex
     * and the condition variable. */
    NOT_IMPLEMENTED(b, parties);
}

int barrier_wait(struct barrier *b)
{
    /* TODO: under the lock, count this arrival (its index is the count
     * before it).  The last arrival resets the count, starts a new round
     * and wakes everyone; the others wait until the round number changes.
     * Why is "wait until arrived == 0" wrong when the barrier is reused? */
    NOT_IMPLEMENTED(b);
}

void barrier_destroy(struct barrier *b)
{
    /* TODO: destroy the condition variable and the mutex. */
    NOT_IMPLEMENTED(b);
}
