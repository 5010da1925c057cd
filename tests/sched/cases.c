/*
 * cases.c - small concurrent programs for the scheduler's own tests, built
 * as a student's file is (with sched_atomic.h forced in).  Each body is one
 * run; it reports a wrong outcome with fail().
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "cases.h"

/* ---- a lost update: load, then store ------------------------------------------- */
static atomic_int x;

static void *add_one(void *arg)
{
    (void)arg;
    int seen = atomic_load(&x);
    atomic_store(&x, seen + 1);
    return NULL;
}

void case_lost_update(void)
{
    pthread_t a, b;
    atomic_store(&x, 0);
    pthread_create(&a, NULL, add_one, NULL);
    pthread_create(&b, NULL, add_one, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    if (atomic_load(&x) != 2)
        fail("lost update: x = %d", atomic_load(&x));
}

/* ---- a lock-order inversion --------------------------------------------------- */
static pthread_mutex_t ma = PTHREAD_MUTEX_INITIALIZER, mb = PTHREAD_MUTEX_INITIALIZER;

static void *a_then_b(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&ma);
    pthread_mutex_lock(&mb);
    pthread_mutex_unlock(&mb);
    pthread_mutex_unlock(&ma);
    return NULL;
}

static void *b_then_a(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mb);
    pthread_mutex_lock(&ma);
    pthread_mutex_unlock(&ma);
    pthread_mutex_unlock(&mb);
    return NULL;
}

void case_inversion(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, a_then_b, NULL);
    pthread_create(&b, NULL, b_then_a, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
}

/* ---- a lost wakeup: `if` and a flag set without the lock ----------------------- */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_bool ready;

static void *setter(void *arg)
{
    (void)arg;
    atomic_store(&ready, true);
    pthread_cond_signal(&cv);
    return NULL;
}

void case_lost_wakeup(void)
{
    pthread_t s;
    atomic_store(&ready, false);
    pthread_create(&s, NULL, setter, NULL);
    pthread_mutex_lock(&lock);
    if (!atomic_load(&ready))
        pthread_cond_wait(&cv, &lock);
    pthread_mutex_unlock(&lock);
    pthread_join(s, NULL);
}

/* ---- correct: a bounded buffer of one slot, two putters, one getter ------------- */
static int slot, full;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;

static void *putter(void *arg)
{
    pthread_mutex_lock(&lock);
    while (full)
        pthread_cond_wait(&not_full, &lock);
    slot = (int)(long)arg;
    full = 1;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&lock);
    return NULL;
}

void case_buffer(void)
{
    pthread_t p1, p2;
    full = 0;
    pthread_create(&p1, NULL, putter, (void *)1L);
    pthread_create(&p2, NULL, putter, (void *)2L);
    int sum = 0;
    for (int i = 0; i < 2; i++) {
        pthread_mutex_lock(&lock);
        while (!full)
            pthread_cond_wait(&not_empty, &lock);
        sum += slot;
        full = 0;
        pthread_cond_broadcast(&not_full);
        pthread_mutex_unlock(&lock);
    }
    pthread_join(p1, NULL);
    pthread_join(p2, NULL);
    if (sum != 3)
        fail("buffer: sum %d", sum);
}

/* ---- time: a 10 s timed wait nobody signals times out at once, virtually -------- */
void case_timeout(void)
{
    struct timespec t0, t1, deadline;
    clock_gettime(CLOCK_REALTIME, &t0);
    deadline = t0;
    deadline.tv_sec += 10;
    pthread_mutex_lock(&lock);
    int rc = pthread_cond_timedwait(&cv, &lock, &deadline);
    pthread_mutex_unlock(&lock);
    clock_gettime(CLOCK_REALTIME, &t1);
    if (rc != ETIMEDOUT || t1.tv_sec - t0.tv_sec < 10)
        fail("timeout: rc %d after %ld s", rc, (long)(t1.tv_sec - t0.tv_sec));
}

/* ---- a spin-wait that must end: the spinner gives way ------------------------------ */
static atomic_int flag;

static void *raise_flag(void *arg)
{
    (void)arg;
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
    atomic_store(&flag, 1);
    return NULL;
}

void case_spin(void)
{
    pthread_t r;
    atomic_store(&flag, 0);
    pthread_create(&r, NULL, raise_flag, NULL);
    while (!atomic_load(&flag))
        ;
    pthread_join(r, NULL);
}

/* ---- a spin-wait on two flags that must end: the spinner gives way ----------------- */
static atomic_int other_flag;

void case_spin_two(void)
{
    pthread_t r;
    atomic_store(&flag, 0);
    atomic_store(&other_flag, 0);
    pthread_create(&r, NULL, raise_flag, NULL);
    while (!atomic_load(&other_flag) && !atomic_load(&flag))
        ;
    pthread_join(r, NULL);
}

/* ---- a spin-wait that never ends ---------------------------------------------------- */
void case_spin_forever(void)
{
    atomic_store(&flag, 0);
    while (!atomic_load(&flag))
        sched_yield();
}
