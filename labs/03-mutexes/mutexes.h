/*
 * mutexes.h - lab 03: locks and condition variables.
 *
 * Seed 001's SharedCounter, a bank that moves money between accounts with a
 * lock per account, a bounded buffer (Python's queue.Queue(maxsize)), and a
 * reusable barrier (threading.Barrier), in C with pthreads.  You implement
 * mutexes.c; this header is given and is the same one the grader compiles
 * against.  The structs are public on purpose: the tests look inside them
 * (they hold an account's lock, and wake your condition variables at odd
 * times, as POSIX allows).
 */
#ifndef MUTEXES_H
#define MUTEXES_H

#include <pthread.h>
#include <stdbool.h>

#include "todo.h"   /* NOT_IMPLEMENTED(): how the skeleton's bodies fail */

/* ---- Part 1: seed 001's SharedCounter ------------------------------------
 *
 *   class SharedCounter:                          struct shared_counter c;
 *       def __init__(self, initial_value=0):      counter_init(&c, 0);
 *           self._value = initial_value
 *           self._value_lock = threading.Lock()
 *       def incr(self, delta=1):                  counter_incr(&c, 1);
 *           with self._value_lock:
 *               self._value += delta
 *       def decr(self, delta=1):                  counter_decr(&c, 1);
 *           with self._value_lock:
 *               self._value -= delta
 *       (reading the value)                       counter_value(&c)
 */
struct shared_counter {
    pthread_mutex_t lock;
    long value;             /* guarded by lock: read and written only while held */
};

/* Returns 0, or the error number from pthread_mutex_init. */
int counter_init(struct shared_counter *c, long initial_value);
void counter_incr(struct shared_counter *c, long delta);
void counter_decr(struct shared_counter *c, long delta);
long counter_value(struct shared_counter *c);
void counter_destroy(struct shared_counter *c);

/* ---- Part 2: a bank with a lock per account -------------------------------
 *
 *   def transfer(accounts, src, dst, amount):     bank_transfer(&bank, src, dst, amount)
 *       with accounts[src].lock, accounts[dst].lock:    ...in one fixed order!
 *           if accounts[src].balance < amount:
 *               raise InsufficientFunds           returns TRANSFER_INSUFFICIENT_FUNDS
 *           accounts[src].balance -= amount
 *           accounts[dst].balance += amount
 *
 * Transfers between different pairs of accounts run at the same time; the
 * money in the bank is conserved whatever the threads do; and no two
 * transfers can deadlock, because every thread takes account locks in the
 * same order. */
enum transfer_status {
    TRANSFER_OK = 0,
    TRANSFER_NO_SUCH_ACCOUNT,     /* from or to is not in 0 .. naccounts-1 */
    TRANSFER_BAD_AMOUNT,          /* amount <= 0 */
    TRANSFER_SAME_ACCOUNT,        /* from == to: refused, nothing locked */
    TRANSFER_INSUFFICIENT_FUNDS,  /* from holds less than amount: nothing moved */
};

struct account {
    pthread_mutex_t lock;
    long balance;           /* guarded by lock; never negative */
};

struct bank {
    int naccounts;
    struct account *accounts;   /* naccounts of them */
};

/* Open naccounts accounts holding opening_balance each.  Returns 0, EINVAL
 * (naccounts < 1 or opening_balance < 0) or ENOMEM. */
int bank_init(struct bank *b, int naccounts, long opening_balance);
void bank_destroy(struct bank *b);

/* Move amount from account `from` to account `to`, atomically: no thread
 * ever sees the money in both accounts or in neither.  The checks are made
 * in the order the enum lists them; any status but TRANSFER_OK means
 * nothing moved. */
enum transfer_status bank_transfer(struct bank *b, int from, int to, long amount);

/* One account's balance (account must exist). */
long bank_balance(struct bank *b, int account);

/* The sum of all balances as one consistent snapshot: the total a moment
 * when no transfer was half done, even while transfers run. */
long bank_total(struct bank *b);

/* ---- Part 3: a bounded buffer (Python's queue.Queue(maxsize=capacity)) ---
 *
 *   q = queue.Queue(maxsize=4)                    buffer_init(&q, 4);
 *   q.put(item)     # blocks while full           buffer_put(&q, item)
 *   item = q.get()  # blocks while empty          buffer_get(&q, &item)
 *   q.shutdown()    # Python 3.13                 buffer_close(&q);
 *   except queue.ShutDown: ...                    ... == BUFFER_CLOSED
 *
 * One mutex guards everything; putters wait on not_full, getters on
 * not_empty.  Items come out in the order they went in. */
enum buffer_status {
    BUFFER_OK = 0,
    BUFFER_CLOSED,          /* put: closed, item not added; get: closed and empty */
};

struct bounded_buffer {
    pthread_mutex_t lock;
    pthread_cond_t not_empty;   /* getters wait here for an item or close */
    pthread_cond_t not_full;    /* putters wait here for a free slot or close */
    long *items;                /* a ring of capacity slots */
    int capacity;
    int head;                   /* slot of the oldest item */
    int count;                  /* items in the buffer: 0 .. capacity */
    bool closed;
};

/* Returns 0, EINVAL (capacity < 1) or ENOMEM. */
int buffer_init(struct bounded_buffer *b, int capacity);
void buffer_destroy(struct bounded_buffer *b);

/* Add item at the back, waiting while the buffer is full.  Returns
 * BUFFER_CLOSED, without adding it, if the buffer is or becomes closed. */
enum buffer_status buffer_put(struct bounded_buffer *b, long item);

/* Take the front item into *item, waiting while the buffer is empty.  A
 * closed buffer still hands out what it holds; once it is closed AND empty,
 * returns BUFFER_CLOSED. */
enum buffer_status buffer_get(struct bounded_buffer *b, long *item);

/* Close the buffer and wake every thread waiting in put or get. */
void buffer_close(struct bounded_buffer *b);

/* ---- Part 4: a reusable barrier (threading.Barrier) -----------------------
 *
 *   b = threading.Barrier(parties)                barrier_init(&b, parties);
 *   for step in range(steps):                     for (...) {
 *       work(step)                                    work(step);
 *       i = b.wait()                                  int i = barrier_wait(&b);
 *                                                 }
 *
 * No thread leaves round r until all parties have arrived in round r, and a
 * fast thread that goes straight on to round r+1 must not disturb threads
 * that have not yet woken from round r. */
struct barrier {
    pthread_mutex_t lock;
    pthread_cond_t round_over;  /* broadcast when the last thread arrives */
    int parties;                /* threads that must arrive each round */
    int arrived;                /* threads that have arrived in this round */
    unsigned long round;        /* rounds completed so far */
};

/* Returns 0, or EINVAL when parties < 1. */
int barrier_init(struct barrier *b, int parties);

/* Wait until all parties have arrived.  Returns this thread's arrival index
 * in the round, 0 .. parties-1, as Python's wait() does: the last thread to
 * arrive, the one that ends the round, gets parties-1. */
int barrier_wait(struct barrier *b);
void barrier_destroy(struct barrier *b);

#endif
