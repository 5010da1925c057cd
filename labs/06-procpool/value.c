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
    /* TODO: EINVAL unless typecode is 'i' or 'd'.  mmap one struct value,
     * MAP_SHARED | MAP_ANONYMOUS (why not MAP_PRIVATE?), and set the number
     * to 0.  Initialise the mutex with attributes that make it
     * PTHREAD_PROCESS_SHARED, PTHREAD_MUTEX_ROBUST and PTHREAD_MUTEX_RECURSIVE
     * (Python's RLock).  On failure unmap and return NULL with errno set. */
    NOT_IMPLEMENTED(typecode);
}

void value_free(struct value *v)
{
    /* TODO: destroy the mutex and munmap the value. */
    NOT_IMPLEMENTED(v);
}

int value_acquire(struct value *v)
{
    /* TODO: lock the mutex.  EOWNERDEAD means its owner died holding it:
     * the lock is now yours; call pthread_mutex_consistent so that it stays
     * usable, and return EOWNERDEAD.  Otherwise return what the lock
     * returned. */
    NOT_IMPLEMENTED(v);
}

void value_release(struct value *v)
{
    /* TODO: unlock the mutex. */
    NOT_IMPLEMENTED(v);
}

double value_get(struct value *v)
{
    /* TODO: read the number under the lock (value_acquire/value_release),
     * as an int or a double depending on the typecode. */
    NOT_IMPLEMENTED(v);
}

void value_set(struct value *v, double x)
{
    /* TODO: store x under the lock; an 'i' value keeps (int)x. */
    NOT_IMPLEMENTED(v, x);
}

pthread_mutex_t *value_get_lock(struct value *v)
{
    return &v->lock;
}
