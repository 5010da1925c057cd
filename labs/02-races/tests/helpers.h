/*
 * helpers.h - what lab 02's test files share.
 *
 * How these tests stay honest about races:
 *  - the interleaving explorer is deterministic, so it is graded exactly;
 *  - no test needs a race to happen: the racy counter and the meter are
 *    graded on what must hold whatever the interleaving;
 *  - a bug that loses a race only sometimes is amplified (more threads than
 *    cores, every thread released at once from a gate, yields inside the
 *    window), and the ThreadSanitizer pass turns an unordered access into a
 *    certain failure, however the threads happened to run.
 */
#ifndef RACES_TEST_HELPERS_H
#define RACES_TEST_HELPERS_H

#include <errno.h>

#include "lab_test.h"
#include "testkit.h"

/* ThreadSanitizer runs code 5-15x slower; it also finds unordered accesses
 * without needing many repetitions, so its pass runs smaller workloads. */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifdef UNDER_TSAN
enum { COUNT_ITERATIONS = 100000, LAZY_ROUNDS = 8, PUBLISH_ROUNDS = 30 };
#else
enum { COUNT_ITERATIONS = 1000000, LAZY_ROUNDS = 20, PUBLISH_ROUNDS = 100 };
#endif

/* pthread_create, tried again for up to 2 s while the machine is out of
 * threads for the moment (EAGAIN): other programs come and go. */
static inline void start_thread(pthread_t *id, void *(*body)(void *), void *arg)
{
    int err;
    for (int tries = 0; (err = pthread_create(id, NULL, body, arg)) == EAGAIN && tries < 200;
         tries++)
        sleep_s(0.01);
    ck_assert_msg(err == 0, "the test could not start a thread (error %d): the machine "
                  "is out of threads", err);
}

#endif
