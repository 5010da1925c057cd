/*
 * sched_int.h - what the scheduler's own files share (not for tests):
 *   sched.c        the threads, the baton and the step: who runs, and the record
 *   sched_model.c  the objects (mutexes, condition variables, ...), who is
 *                  blocked on what, and the virtual clock
 *   sched_pct.c    the strategy: PCT's priorities and change points, the seed
 *   sched_calls.c  each controlled pthread call, built from the three above
 *   sched_explore.c  a test's list of schedules, and replay
 *   sched_client.c   the interception layer's calls, handed to sched_calls.c
 * Only the thread holding the baton touches this state, so none of it needs
 * a lock; the baton's hand-over (a futex word) orders it.  These files are
 * compiled without any sanitizer, so ThreadSanitizer never sees the baton
 * and cannot take the scheduler's hand-overs for the program's own
 * synchronisation (which would hide its races).
 */
#ifndef SCHED_INT_H
#define SCHED_INT_H

#include <stdatomic.h>
#include <stdint.h>

#include "scheduler.h"

/* Why a thread cannot run now, in the model. */
enum wait_kind { W_NONE, W_COND, W_JOIN, W_SEM, W_BARRIER, W_SLEEP, W_END };
enum life { L_FREE, L_LIVE, L_DONE };
/* How a condition wait ended. */
enum { WOKE_NO, WOKE_SIGNAL, WOKE_TIMEOUT, WOKE_SPURIOUS };
#define NO_WAIT UINT32_MAX
/* A thread that keeps loading what it loaded a moment ago, unchanged, is
 * spinning: how many recent loads count, and how many repeats make a spin. */
enum { SCHED_LOOKS = 4, SCHED_SPIN_REPEATS = 2 };
/* Virtual time a step takes (and a clock reading): a microsecond. */
enum { SCHED_STEP_NS = 1000 };

struct sthread {
    int id;
    _Atomic uint32_t go;         /* the baton: 1 when this thread may run */
    int life;
    pthread_t handle;
    void *(*fn)(void *);
    void *arg;
    /* What it does next, as a step not yet taken, and the objects' addresses. */
    struct sched_step next;
    void *next_obj, *next_obj2;
    /* The model: why it cannot run, and until when. */
    int wait;
    long long until;             /* virtual ns, -1 for no deadline */
    int woke;                    /* a condition wait: WOKE_* */
    int join_target;
    int joined;                  /* a join has taken it: its handle may be reused */
    int woken_by;                /* who signalled it */
    int spurious_at;             /* a condition wait: the step it ends spuriously, or -1 */
    unsigned long round;         /* a barrier's round when it arrived */
    uint32_t wait_from;          /* the step at which it began to wait, or NO_WAIT */
    /* The strategy's view. */
    long long prio;
    long long unspun_prio;       /* its priority before it began to spin, or 0 */
    int spinning;                /* its last points look like a spin-wait */
    int repeats;                 /* loads in a row of something it had just seen */
    const volatile void *looked[SCHED_LOOKS];   /* what it loaded since it last acted */
    uint32_t looked_version[SCHED_LOOKS];
};

/* An object of the model, found by address. */
struct sobject {
    const volatile void *addr;   /* NULL: a free entry */
    int number;                  /* 1-based, in order of first use in this run */
    int kind;                    /* 'm', 'c', 'a', 's', 'b' */
    int holder;                  /* a mutex: holding thread's id, -1 when free */
    int count;                   /* a recursive mutex's depth; a barrier's arrivals */
    int type;                    /* a mutex's PTHREAD_MUTEX_*; a barrier's parties */
    int clock;                   /* a condition variable's clock */
    uint32_t version;            /* an atomic: bumped by every store */
    unsigned long round;         /* a barrier: rounds completed */
};

struct run {
    int on;
    int nthreads;
    struct sthread threads[SCHED_MAX_THREADS];
    int current;                 /* the thread holding the baton */
    int last;                    /* the thread that took the last step */
    long long now;               /* the virtual clock, ns since the run began */
    struct timespec base_real, base_mono;
    int budget;
    /* The strategy (sched_pct.c). */
    int depth;
    int horizon;                 /* k: the choices change points are drawn from */
    int choices;                 /* steps so far where two or more threads could go */
    uint32_t seed;
    uint64_t rng;
    int change[8];               /* the steps at which priorities change */
    int nchange;
    int spurious;                /* this run wakes some condition waits spuriously */
    long long low;               /* the lowest priority given so far */
    /* Replay: the recorded run to follow, if any. */
    const struct sched_step *expect;
    int nexpect;
};

extern struct run sched_run;
extern struct sched_record *sched_rec;

/* sched.c */
struct sthread *sched_self(void);
/* Announce the calling thread's next operation and wait until the strategy
 * picks it; returns with the baton.  The operation is then the caller's to
 * perform, and to log with sched_log. */
void sched_point(struct sthread *t, int op, void *obj, void *obj2, void *at, const char *file,
                 int line);
/* Take the step just performed by t into the record; returns its number. */
int sched_log(struct sthread *t, int flags, int other);
/* A run of schedule `token` (the index-th of its test's list), with the
 * calling thread as thread 0; and its end, once every thread has finished. */
void sched_begin(const char *token, int index);
void sched_end(void);
/* Stop the run: the scheduler's own verdict, failing the test. */
_Noreturn void sched_stop(int verdict);
/* The calling thread gives the baton to whoever runs next, without waiting
 * (its thread is ending). */
void sched_leave(struct sthread *t);

/* sched_model.c */
struct sobject *model_object(const volatile void *addr, int kind);
bool model_enabled(const struct sthread *t);
void model_wake_joiners(int id);
/* The earliest deadline among waiting threads, or -1. */
long long model_next_deadline(void);
/* Wake every thread whose deadline is the virtual time now. */
void model_fire_deadlines(void);
long long model_virtual(clockid_t clock, const struct timespec *abs);
void model_reset(void);
/* Each mutex's holder into the record (sched_rec->holder). */
void model_record_holders(void);
/* The threads waiting on condition variable c (any, for NULL), in order. */
int model_cond_waiters(const struct sobject *c, int *ids, int max);

/* sched_pct.c */
void pct_begin(const char *token);
bool pct_parse(const char *token, int *depth, int *horizon, uint32_t *seed);
void pct_token(char *out, size_t size, int depth, int horizon, uint32_t seed);
long long pct_new_priority(void);
/* Before step `step`: lower the running thread's priority if it is a change
 * point; returns true if one was. */
bool pct_change_point(struct sthread *t, int step);
void pct_lower(struct sthread *t);
/* t has stopped spinning: back to the priority it had before. */
void pct_restore(struct sthread *t);
/* A condition wait begins at step `step`: the step it will end spuriously
 * at, if no wakeup comes first, or -1: in half the runs one wait in four
 * ends within four steps (the windows these bugs need are that short). */
int pct_spurious(int step);
uint32_t pct_random(uint32_t bound);

#endif
