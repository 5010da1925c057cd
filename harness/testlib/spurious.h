/*
 * spurious.h - condition waits that sometimes return early, as POSIX allows.
 *
 * The kit's own tests build the reference with this header forced in
 * (-include) and check it still scores full marks: correct code waits in
 * a loop that re-checks its condition, and must never be failed for a
 * wakeup that POSIX permits.
 */
#ifndef SPURIOUS_H
#define SPURIOUS_H

#include <pthread.h>
#include <time.h>

int spurious_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex);
int spurious_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                            const struct timespec *deadline);

#define pthread_cond_wait spurious_cond_wait
#define pthread_cond_timedwait spurious_cond_timedwait

#endif
