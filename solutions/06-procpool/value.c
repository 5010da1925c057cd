/*
 * value.c - lab 06: multiprocessing.Value, a number in shared memory.
 * The API and what each function must do are in procpool.h (Part 4).
 */
#include <errno.h>
#include <sys/mman.h>

#include "procpool.h"

/* The whole struct lives in one shared mapping: the lock and the number are
 * the same bytes in every process forked after value_new. */
struct value {
    pthread_mutex_t lock;   /* process-shared, robust, recursive */
    char typecode;          /* 'i' or 'd' */
    union {
        int i;
        double d;
    } number;               /* guarded by lock */
};

struct value *value_new(char typecode)
{
    if (typecode != 'i' && typecode != 'd') {
        errno = EINVAL;
        return NULL;
    }
    /* MAP_SHARED: a write by any process is seen by all.  MAP_PRIVATE would
     * give each forked worker its own copy-on-write copy. */
    struct value *v = mmap(NULL, sizeof *v, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (v == MAP_FAILED)
        return NULL;
    v->typecode = typecode;
    if (typecode == 'i')
        v->number.i = 0;
    else
        v->number.d = 0.0;

    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    /* Shared: waiters in other processes must be woken too. */
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    /* Robust: if a worker dies holding it, the next locker is told
     * (EOWNERDEAD) instead of waiting forever. */
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    /* Recursive, like Python's RLock: value_get inside value_acquire. */
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    int err = pthread_mutex_init(&v->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    if (err) {
        munmap(v, sizeof *v);
        errno = err;
        return NULL;
    }
    return v;
}

void value_free(struct value *v)
{
    pthread_mutex_destroy(&v->lock);
    munmap(v, sizeof *v);
}

int value_acquire(struct value *v)
{
    int err = pthread_mutex_lock(&v->lock);
    if (err == EOWNERDEAD) {
        /* Its owner died inside the critical section.  We hold the lock now;
         * marking it consistent keeps it usable for everyone after us. */
        pthread_mutex_consistent(&v->lock);
        return EOWNERDEAD;
    }
    return err;
}

void value_release(struct value *v)
{
    pthread_mutex_unlock(&v->lock);
}

double value_get(struct value *v)
{
    value_acquire(v);
    double x = v->typecode == 'i' ? v->number.i : v->number.d;
    value_release(v);
    return x;
}

void value_set(struct value *v, double x)
{
    value_acquire(v);
    if (v->typecode == 'i')
        v->number.i = (int)x;
    else
        v->number.d = x;
    value_release(v);
}

pthread_mutex_t *value_get_lock(struct value *v)
{
    return &v->lock;
}
