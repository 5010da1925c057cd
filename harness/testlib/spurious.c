/* spurious.c - condition waits that return early one time in three. */
#include <sched.h>
#include <stdint.h>

#include "spurious.h"

/* The real waits: this file is built with spurious.h forced in, too. */
#undef pthread_cond_wait
#undef pthread_cond_timedwait

/* Per-thread xorshift: no shared state, so no new synchronisation. */
static _Thread_local uint32_t state;

static int wake_early(void)
{
    if (!state)
        state = (uint32_t)(uintptr_t)&state | 1u;
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state % 3 == 0;
}

/* A spurious wakeup still gives up and retakes the mutex, as a real one does. */
static int return_early(pthread_mutex_t *mutex)
{
    pthread_mutex_unlock(mutex);
    sched_yield();
    pthread_mutex_lock(mutex);
    return 0;
}

int spurious_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex)
{
    return wake_early() ? return_early(mutex) : pthread_cond_wait(cond, mutex);
}

int spurious_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                            const struct timespec *deadline)
{
    return wake_early() ? return_early(mutex) : pthread_cond_timedwait(cond, mutex, deadline);
}
