/*
 * helpers.h - what lab 06's test files share: the board (shared memory
 * between a test and its workers), the functions tasks call, and the test's
 * side: a pool, a submit and a result that must work, descriptors, pipes,
 * a shutdown with a deadline.  Defined in helpers.c.
 *
 * How these tests wait, without sleeping and hoping:
 *  - tasks in workers and the test talk through the board (mapped before
 *    procpool_new, so every worker inherits it): a task says it started,
 *    waits at a gate the test opens, or meets the others;
 *  - every wait has a deadline, and a missed deadline is reported in words
 *    (a future still pending after its worker died, a shutdown that never
 *    returned) instead of hanging until the grader's timeout;
 *  - the one timing bound (seed 003) compares with a baseline measured in the
 *    same run, with its margin written next to it.
 */
#ifndef PROCPOOL_TEST_HELPERS_H
#define PROCPOOL_TEST_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lab_test.h"
#include "procpool.h"
#include "testkit.h"

struct board {
    atomic_int started;     /* gate tasks that have begun */
    atomic_int last_pid;    /* the pid of the last one that began */
    atomic_int gate_open;   /* gate tasks may finish */
    atomic_int arrived;     /* tasks that reached the rendezvous */
    atomic_int fds_full;    /* crash_when_pipe_full saw its task pipe full */
    atomic_int hold_killers;   /* segfault and exit_3 wait at the gate first */
    atomic_int ran;         /* count_run tasks that ran */
};

extern struct board *board;
extern struct value *total;   /* the Value tasks add to, like the seed's global */
static const double unit = 0.025;   /* seed 003's second, scaled down */

/* Seed 003: calculate(start, end) adds start..end to the Value. */
struct partition { int32_t start, end; };

/* Which descriptors are open now (0..MAX_FDS-1). */
enum { MAX_FDS = 1024 };

int64_t get_i64(const void *arg);
long put_i64(void *out, int64_t x);
long double_it(const void *arg, size_t len, void *out, size_t cap);
long whoami(const void *arg, size_t len, void *out, size_t cap);
long meet(const void *arg, size_t len, void *out, size_t cap);
long wait_at_gate(const void *arg, size_t len, void *out, size_t cap);
long calculate(const void *arg, size_t len, void *out, size_t cap);
long locked_increments(const void *arg, size_t len, void *out, size_t cap);
long lock_and_die(const void *arg, size_t len, void *out, size_t cap);
long slow_first_square(const void *arg, size_t len, void *out, size_t cap);
long flip_reverse(const void *arg, size_t len, void *out, size_t cap);
long checksum(const void *arg, size_t len, void *out, size_t cap);
long always_fail(const void *arg, size_t len, void *out, size_t cap);
long segfault(const void *arg, size_t len, void *out, size_t cap);
long exit_3(const void *arg, size_t len, void *out, size_t cap);
long crash_when_pipe_full(const void *arg, size_t len, void *out, size_t cap);
long count_run(const void *arg, size_t len, void *out, size_t cap);
long late(const void *arg, size_t len, void *out, size_t cap);
long gate_then_tenfold(const void *arg, size_t len, void *out, size_t cap);
extern int64_t process_global;   /* what swap_global changes, in its own process */
long swap_global(const void *arg, size_t len, void *out, size_t cap);
void register_all(void);
struct procpool *new_pool(int nworkers);
struct future *submit(struct procpool *p, const char *fn, const void *arg, size_t len);
struct future *submit_i64(struct procpool *p, const char *fn, int64_t x);
int64_t result_i64(struct future *f, double within, const char *what);
int first_difference(const int64_t *a, const int64_t *b, int n);
int count_open_fds(void);
bool is_settled(void *f);
/* procpool_shutdown on a thread of its own: shutdown_within's, or a test's. */
struct shutdown_call {
    struct procpool *p;
    bool wait, cancel_futures;
    atomic_bool returned;
};
void *shutdown_body(void *arg);
bool has_returned(void *call);
double shutdown_within(struct procpool *p, bool wait, bool cancel_futures, double within);
void open_fds(bool *open);
int wait_until_fed(const bool *before, int bytes);
void check_reaped(const pid_t *pids, int n, const char *when);

#endif
