/*
 * scheduler.h - the controlled scheduler: one thread of a schedule test runs at a
 * time, and at every synchronisation call and every C11 atomic operation of
 * the code under test a seeded strategy (PCT, sched_pct.c) picks which
 * thread goes next.  Blocking is modelled (sched_model.c): a thread that
 * would block is parked and another runs, so a deadlock or a lost wakeup is
 * known at once and exactly; timed waits and sleeps run on a virtual clock.
 * The same seed gives the same schedule, in every pass: that is what makes a
 * failure replayable (`make replay ... SEED=`).
 *
 * Three users:
 *  - a test: SCHEDULE_TEST (lab_test.h) runs its body once per schedule of
 *    a fixed list, through sched_explore;
 *  - the interception layer (intercept.h), whose second client the
 *    scheduler is (sched_client.c): while sched_controls() is true for the
 *    calling thread, each intercepted call goes to sched_<call> below; and
 *    the atomic shim (sched_atomic.h), which calls sched_atomic before each
 *    atomic operation;
 *  - the runner: sched_prepare, sched_replay, and the record
 *    (sched_record.h).
 */
#ifndef SCHEDULER_H
#define SCHEDULER_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <time.h>

#include "sched_record.h"

/* ---- for tests ----------------------------------------------------------- */

/* Run body once per schedule: `schedules` of them, from the test's fixed
 * list (seeded by its name), or only the one being replayed.  A failing
 * check in any run ends the test there, with that run's schedule in the
 * record.  Each run starts with the calling thread as thread 0 and ends when
 * body returns and every thread it started has finished. */
void sched_explore(const char *test, int schedules, void (*body)(void));

/* The calling thread waits until every other thread of the run waits (on
 * a lock, a condition variable, a join...) or has ended: a test sets up a
 * state ("both putters are waiting") before the part the scheduler explores.
 * Outside a run, it returns at once. */
void sched_settle(void);

/* This run's step budget (default SCHED_DEFAULT_BUDGET): past it the run
 * stops with `still running:`.  Call at the start of a body. */
void sched_budget(int steps);
enum { SCHED_DEFAULT_BUDGET = 4000 };

/* ---- for the interception layer ----------------------------------------- */

/* Is a schedule run on, and the calling thread one of its threads (and
 * not aside)? */
bool sched_controls(void);

/* The calling thread steps aside (true) while the kit's own machinery runs
 * (Check recording a passing check), then back (false): its calls meanwhile
 * are real, and no steps. */
void sched_aside(bool aside);

/* A thread's start and end (the interception layer's IC_CREATE, IC_BEGIN,
 * IC_END): the creator announces the new thread and gets its record, then
 * says whether pthread_create made it; the new thread waits in
 * sched_thread_begin to be chosen, and its last step is sched_thread_end. */
struct sthread;
struct sthread *sched_create_begin(void *(*fn)(void *), void *at);
void sched_create_end(struct sthread *t, int err, pthread_t handle);
void sched_thread_begin(struct sthread *t);
void sched_thread_end(void);

/* The controlled calls: same contract as the real ones; `at` is the
 * caller's return address (where the timeline says the call was). */
/* A join: wait (in the model) until thread t has ended; the caller joins. */
void sched_join_wait(pthread_t t, void *at);
int sched_mutex_lock(pthread_mutex_t *m, void *at);
int sched_mutex_trylock(pthread_mutex_t *m, void *at);
int sched_mutex_timedlock(pthread_mutex_t *m, const struct timespec *deadline, void *at);
int sched_mutex_unlock(pthread_mutex_t *m, void *at);
int sched_cond_wait(pthread_cond_t *c, pthread_mutex_t *m, void *at);
int sched_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *deadline,
                         void *at);
int sched_cond_signal(pthread_cond_t *c, void *at);
int sched_cond_broadcast(pthread_cond_t *c, void *at);
int sched_barrier_wait(pthread_barrier_t *b, void *at);
int sched_sem_wait(sem_t *s, const struct timespec *deadline, void *at);
int sched_sem_post(sem_t *s, void *at);
/* A sleep of `ns` nanoseconds on the virtual clock (nanosleep, usleep, ...). */
int sched_sleep(long long ns, void *at);
int sched_yield_now(void *at);
/* The virtual clock, for clock_gettime from a controlled thread. */
int sched_clock_gettime(clockid_t clock, struct timespec *ts);
/* fork() from a controlled thread: the step, then the real fork; the child
 * runs on its own, uncontrolled. */
int sched_fork(void *at);

/* Before every atomic operation of the code under test (sched_atomic.h):
 * a point where another thread may run.  kind: OP_LOAD, OP_STORE, OP_RMW. */
void sched_atomic(volatile const void *p, int kind, const char *fn, const char *file, int line);

/* Become the interception layer's second client (sched_client.c); false if
 * it has no room. */
bool sched_attach(void);

/* ---- for the runner --------------------------------------------------------- */

/* Before any test forks: map the record shared with the tests' processes. */
void sched_prepare(void);

/* Replay one schedule instead of a test's list.  expect: a recorded run of
 * it (sched_save), to tell where the code stopped following it, or NULL. */
void sched_replay(const char *token, const char *expect);

/* This program is a sanitizer's pass: run the first SCHED_SANITIZER_RUNS
 * schedules of each test's list.  A test that failed the plain pass never
 * runs in the sanitizers' (the grader's rule), so there the schedules only
 * look for races and memory errors in interleavings the plain pass has
 * already judged, and a thread's start and end cost ten times as much. */
void sched_sanitizer_pass(bool on);
enum { SCHED_SANITIZER_RUNS = 3 };

/* Clear the record before a test. */
void sched_clear(void);

/* A check failed at file:line: note it in the record (the runner's wrapper
 * of Check's failure calls this). */
void sched_note_failure(const char *file, int line);

/* Write the record's steps to `path`, for sched_replay's `expect`. */
bool sched_save(const char *path);

#endif
