/*
 * watch.c - what every thread of a test is doing: the kit's side of the
 * forensics report (diagnose.c reads what this writes).
 *
 * lab.mk links every test binary with -Wl,--wrap=F for each pthread call F
 * below, so a call to F from the student's objects, the tests or spurious.c
 * lands in __wrap_F here, which notes it and calls the real F (__real_F; under
 * a sanitizer that is the sanitizer's own interceptor, so the two compose).
 * Calls from inside shared libraries are not wrapped: that is the point, we
 * watch the code being graded.  The cost on an uncontended lock is a
 * trylock, a hash lookup and a few relaxed stores.
 *
 * Inside watch.c every wrapped function must be called as __real_F: --wrap
 * rewrites this file's own references too.
 */
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "scheduler.h"
#include "watch.h"

/* Under a schedule test, the scheduler takes the call instead (scheduler.h). */
#define SCHED_TAKES(call)           \
    do {                            \
        if (sched_controls())       \
            return call;            \
    } while (0)
#define AT __builtin_return_address(0)

/* The real functions, reached through the wrap. */
int __real_pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
int __real_pthread_join(pthread_t, void **);
_Noreturn void __real_pthread_exit(void *);
int __real_pthread_mutex_lock(pthread_mutex_t *);
int __real_pthread_mutex_trylock(pthread_mutex_t *);
int __real_pthread_mutex_timedlock(pthread_mutex_t *, const struct timespec *);
int __real_pthread_mutex_unlock(pthread_mutex_t *);
int __real_pthread_mutex_init(pthread_mutex_t *, const pthread_mutexattr_t *);
int __real_pthread_mutex_destroy(pthread_mutex_t *);
int __real_pthread_cond_wait(pthread_cond_t *, pthread_mutex_t *);
int __real_pthread_cond_timedwait(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
int __real_pthread_cond_signal(pthread_cond_t *);
int __real_pthread_cond_broadcast(pthread_cond_t *);
int __real_pthread_barrier_wait(pthread_barrier_t *);
int __real_sem_wait(sem_t *);
int __real_sem_timedwait(sem_t *, const struct timespec *);
int __real_nanosleep(const struct timespec *, struct timespec *);
int __real_clock_nanosleep(clockid_t, int, const struct timespec *, struct timespec *);
int __real_usleep(useconds_t);
unsigned __real_sleep(unsigned);
pid_t __real_fork(void);

/* What a thread is in.  The order matters: waits from W_MUTEX on. */
enum wait { W_RUNNING, W_MUTEX, W_COND, W_JOIN, W_SEM, W_BARRIER, W_SLEEP };
enum use { S_FREE, S_STARTING, S_LIVE, S_FINISHED, S_JOINED };
enum { SLOTS = 1024, FRAMES = 32, LOCKS = 8192, CONDS = 2048 };

struct slot {
    _Atomic int use;             /* enum use */
    _Atomic int number;          /* as the report names it: 1 is the test */
    _Atomic pid_t tid;
    _Atomic unsigned long handle;   /* its pthread_t, set by parent and child alike */
    void *(*fn)(void *);         /* what it runs, and on what: from creator to */
    void *arg;                   /* thread only, ordered by pthread_create itself */
    void *_Atomic start;         /* fn, for the report; NULL for the test */
    void *_Atomic created_at;    /* the pthread_create call */
    _Atomic int wait;            /* enum wait */
    _Atomic int timed;           /* the wait has a deadline */
    void *_Atomic object;        /* the mutex, condvar, semaphore, barrier */
    void *_Atomic aux;           /* a condvar wait's mutex */
    _Atomic int join_target;     /* the number of the thread joined */
    void *_Atomic at;            /* who made the call (a return address) */
    _Atomic long since_ns;
    _Atomic unsigned long progress;   /* bumped at every call and return */
    /* Filled in by the thread itself when interrupted for a snapshot. */
    void *frames[FRAMES];
    void *pc;
    int nframes;
    _Atomic int sampled;
};

struct lockrec {
    void *_Atomic key;
    _Atomic int holder;          /* a thread's number, 0 when free */
    _Atomic int count;           /* recursive mutexes */
    void *_Atomic at;
    _Atomic long since_ns;
};

struct condrec {
    void *_Atomic key;
    _Atomic int waiters;
    _Atomic int last_kind;       /* 0 never, 1 signal, 2 broadcast */
    void *_Atomic last_at;
    _Atomic int last_waiters;    /* how many waited when it was last woken */
    _Atomic long last_ns;
    _Atomic long wakes;
};

static struct slot slots[SLOTS];
static struct lockrec locks[LOCKS];
static struct condrec conds[CONDS];
static _Atomic int nslots, next_number;
static _Atomic int untracked;       /* a thread we cannot see: never call it stuck */
static _Atomic int forked;          /* another process may wake ours */
static _Atomic int started;
static _Thread_local struct slot *me;

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cv;   /* on CLOCK_MONOTONIC: ends the watcher's naps early */
static bool watch_ending;
static pthread_t watcher_thread;
static pid_t watched_pid;   /* a forked child has no watcher to end */
static const char *snapshot;
static double deadline_s;
static volatile int *stop_flag;
static bool sampling;
static long start_ns;

/* Relaxed everywhere a traced thread goes: under ThreadSanitizer (which
 * sees this file's atomics) anything stronger would order the student's
 * threads and could hide a race.  Only the stack sampling, which never runs
 * under a sanitizer, uses acquire and release. */
#define RELAXED memory_order_relaxed

/* Pointers into the program's memory are kept scrambled: LeakSanitizer
 * takes any word that looks like a pointer as a reference, and ours would
 * keep a leaked block "reachable".  hide() is its own inverse. */
static void *hide(const void *p)
{
    return p ? (void *)((uintptr_t)p ^ (uintptr_t)0xA5A5A5A5A5A5A5A5u) : NULL;
}

static long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* The calling thread's record, or NULL (and a note) for one we did not start. */
static struct slot *self_slot(void)
{
    struct slot *s = me;
    if (!s && atomic_load_explicit(&started, RELAXED))
        atomic_store_explicit(&untracked, 1, RELAXED);
    return s;
}

static void block(struct slot *s, int wait, void *object, void *at, int timed)
{
    atomic_store_explicit(&s->object, hide(object), RELAXED);
    atomic_store_explicit(&s->at, at, RELAXED);
    atomic_store_explicit(&s->timed, timed, RELAXED);
    atomic_store_explicit(&s->since_ns, now_ns(), RELAXED);
    atomic_fetch_add_explicit(&s->progress, 1, RELAXED);
    atomic_store_explicit(&s->wait, wait, RELAXED);
}

static void unblock(struct slot *s)
{
    atomic_store_explicit(&s->wait, W_RUNNING, RELAXED);
    atomic_fetch_add_explicit(&s->progress, 1, RELAXED);
}

/* Open addressing keyed by address; a full table stops recording new keys. */
#define TABLE_FIND(table, size, key_, insert)                                   \
    do {                                                                        \
        void *want = hide(key_);                                                \
        uintptr_t h = ((uintptr_t)(key_) >> 4) * 0x9E3779B97F4A7C15u;          \
        for (size_t i = 0, j = h % (size); i < 64; i++, j = (j + 1) % (size)) { \
            void *k = atomic_load_explicit(&(table)[j].key, RELAXED);           \
            if (k == want)                                                      \
                return &(table)[j];                                             \
            if (k == NULL) {                                                    \
                if (!(insert))                                                  \
                    return NULL;                                                \
                void *expected = NULL;                                          \
                if (atomic_compare_exchange_strong_explicit(&(table)[j].key,    \
                        &expected, want, RELAXED, RELAXED) ||                   \
                    expected == want)                                           \
                    return &(table)[j];                                         \
            }                                                                   \
        }                                                                       \
        return NULL;                                                            \
    } while (0)

static struct lockrec *lock_rec(void *m, int insert) { TABLE_FIND(locks, LOCKS, m, insert); }
static struct condrec *cond_rec(void *c, int insert) { TABLE_FIND(conds, CONDS, c, insert); }

static void took(pthread_mutex_t *m, struct slot *s, void *at)
{
    struct lockrec *r = lock_rec(m, 1);
    if (!r)
        return;
    if (atomic_load_explicit(&r->holder, RELAXED) == atomic_load_explicit(&s->number, RELAXED)) {
        atomic_fetch_add_explicit(&r->count, 1, RELAXED);
        return;
    }
    atomic_store_explicit(&r->at, at, RELAXED);
    atomic_store_explicit(&r->since_ns, now_ns(), RELAXED);
    atomic_store_explicit(&r->count, 1, RELAXED);
    atomic_store_explicit(&r->holder, atomic_load_explicit(&s->number, RELAXED), RELAXED);
}

static void released(pthread_mutex_t *m)
{
    struct lockrec *r = lock_rec(m, 0);
    if (r && atomic_load_explicit(&r->holder, RELAXED) &&
        atomic_fetch_sub_explicit(&r->count, 1, RELAXED) <= 1)
        atomic_store_explicit(&r->holder, 0, RELAXED);
}

/* Does a finished thread still hold a mutex?  Then its slot is evidence. */
static bool holds_a_lock(int number)
{
    for (size_t i = 0; i < LOCKS; i++)
        if (atomic_load_explicit(&locks[i].key, RELAXED) &&
            atomic_load_explicit(&locks[i].holder, RELAXED) == number)
            return true;
    return false;
}

static int slot_count(void)
{
    int n = atomic_load_explicit(&nslots, RELAXED);
    return n < SLOTS ? n : SLOTS;
}

/* A record for a new thread: a fresh one, or a joined thread's that is not
 * evidence (holds no lock).  Claimed with atomics, not a lock: a lock here
 * would order every thread that starts threads, for ThreadSanitizer too. */
static struct slot *new_slot(void)
{
    struct slot *s = NULL;
    int i = atomic_fetch_add_explicit(&nslots, 1, RELAXED);
    if (i < SLOTS) {
        s = &slots[i];
    } else {
        for (i = 1; i < SLOTS && !s; i++) {
            int joined = S_JOINED;
            if (!holds_a_lock(atomic_load_explicit(&slots[i].number, RELAXED)) &&
                atomic_compare_exchange_strong_explicit(&slots[i].use, &joined, S_FREE,
                                                        RELAXED, RELAXED))
                s = &slots[i];
        }
    }
    if (s) {
        atomic_store_explicit(&s->tid, 0, RELAXED);
        atomic_store_explicit(&s->wait, W_RUNNING, RELAXED);
        atomic_store_explicit(&s->timed, 0, RELAXED);
        atomic_store_explicit(&s->object, NULL, RELAXED);
        atomic_store_explicit(&s->aux, NULL, RELAXED);
        atomic_store_explicit(&s->at, NULL, RELAXED);
        atomic_store_explicit(&s->join_target, 0, RELAXED);
        atomic_store_explicit(&s->handle, 0, RELAXED);
        atomic_store_explicit(&s->sampled, 0, RELAXED);
        atomic_store_explicit(&s->number, atomic_fetch_add_explicit(&next_number, 1, RELAXED) + 1,
                              RELAXED);
        atomic_store_explicit(&s->use, S_STARTING, RELAXED);
    }
    return s;
}

static void finish(struct slot *s)
{
    atomic_fetch_add_explicit(&s->progress, 1, RELAXED);
    atomic_store_explicit(&s->use, S_FINISHED, RELAXED);
}

static void *trampoline(void *arg)
{
    struct slot *s = arg;
    me = s;
    atomic_store_explicit(&s->handle, (unsigned long)pthread_self(), RELAXED);
    atomic_store_explicit(&s->tid, (pid_t)syscall(SYS_gettid), RELAXED);
    atomic_store_explicit(&s->use, S_LIVE, RELAXED);
    void *arg_ = s->arg;
    s->arg = NULL;   /* no reference of ours may keep the program's memory alive */
    void *result = s->fn(arg_);
    finish(s);
    return result;
}

/* ---- the wrapped calls -------------------------------------------------- */

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr,
                          void *(*fn)(void *), void *arg)
{
    SCHED_TAKES(sched_create(t, attr, fn, arg, AT));
    struct slot *parent = self_slot();
    struct slot *s = parent ? new_slot() : NULL;
    if (!s) {
        if (parent)
            atomic_store_explicit(&untracked, 1, RELAXED);
        return __real_pthread_create(t, attr, fn, arg);
    }
    s->fn = fn;
    s->arg = arg;
    atomic_store_explicit(&s->start, (void *)fn, RELAXED);
    atomic_store_explicit(&s->created_at, __builtin_return_address(0), RELAXED);
    atomic_fetch_add_explicit(&parent->progress, 1, RELAXED);
    int err = __real_pthread_create(t, attr, trampoline, s);
    if (!err)
        atomic_store_explicit(&s->handle, (unsigned long)*t, RELAXED);
    if (err)
        atomic_store_explicit(&s->use, S_JOINED, RELAXED);
    return err;
}

static int number_of(pthread_t t)
{
    for (int i = slot_count() - 1; i >= 0; i--) {
        int use = atomic_load_explicit(&slots[i].use, RELAXED);
        if (use != S_FREE && use != S_JOINED &&
            atomic_load_explicit(&slots[i].handle, RELAXED) == (unsigned long)t)
            return atomic_load_explicit(&slots[i].number, RELAXED);
    }
    return 0;
}

int __wrap_pthread_join(pthread_t t, void **result)
{
    SCHED_TAKES(sched_join(t, result, AT));
    struct slot *s = self_slot();
    if (!s)
        return __real_pthread_join(t, result);
    int target = number_of(t);
    atomic_store_explicit(&s->join_target, target, RELAXED);
    block(s, W_JOIN, NULL, __builtin_return_address(0), 0);
    int err = __real_pthread_join(t, result);
    unblock(s);
    if (err == 0 && target)
        for (int i = 0; i < slot_count(); i++)
            if (atomic_load_explicit(&slots[i].number, RELAXED) == target)
                atomic_store_explicit(&slots[i].use, S_JOINED, RELAXED);
    return err;
}

_Noreturn void __wrap_pthread_exit(void *result)
{
    if (sched_controls())
        sched_exit(result);
    if (me)
        finish(me);
    __real_pthread_exit(result);
}

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
    SCHED_TAKES(sched_mutex_lock(m, AT));
    struct slot *s = self_slot();
    if (!s)
        return __real_pthread_mutex_lock(m);
    void *at = __builtin_return_address(0);
    /* Always the real lock, never a trylock first: ThreadSanitizer learns
     * lock order only from blocking locks (a trylock cannot deadlock), so a
     * trylock that succeeds would hide a lock-order inversion from it.  A
     * wait noted here for an uncontended lock is harmless: the watcher only
     * counts threads asleep in the kernel, steady for STEADY_NS. */
    block(s, W_MUTEX, m, at, 0);
    int err = __real_pthread_mutex_lock(m);
    unblock(s);
    if (err == 0 || err == EOWNERDEAD)
        took(m, s, at);
    return err;
}

int __wrap_pthread_mutex_trylock(pthread_mutex_t *m)
{
    SCHED_TAKES(sched_mutex_trylock(m, AT));
    struct slot *s = self_slot();
    int err = __real_pthread_mutex_trylock(m);
    if (s && (err == 0 || err == EOWNERDEAD))
        took(m, s, __builtin_return_address(0));
    return err;
}

int __wrap_pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *deadline)
{
    SCHED_TAKES(sched_mutex_timedlock(m, deadline, AT));
    struct slot *s = self_slot();
    if (!s)
        return __real_pthread_mutex_timedlock(m, deadline);
    void *at = __builtin_return_address(0);
    block(s, W_MUTEX, m, at, 1);
    int err = __real_pthread_mutex_timedlock(m, deadline);
    unblock(s);
    if (err == 0 || err == EOWNERDEAD)
        took(m, s, at);
    return err;
}

int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
    SCHED_TAKES(sched_mutex_unlock(m, AT));
    if (self_slot())
        released(m);
    return __real_pthread_mutex_unlock(m);
}

/* A fresh or destroyed mutex is held by nobody, whatever was there before. */
static void forget(pthread_mutex_t *m)
{
    struct lockrec *r = lock_rec(m, 0);
    if (r)
        atomic_store_explicit(&r->holder, 0, RELAXED);
}

int __wrap_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
    forget(m);
    return __real_pthread_mutex_init(m, attr);
}

int __wrap_pthread_mutex_destroy(pthread_mutex_t *m)
{
    forget(m);
    return __real_pthread_mutex_destroy(m);
}

/* A timed wait that timed out while its deadline is still ahead on
 * CLOCK_MONOTONIC, and is a monotonic-sized number (far below the realtime
 * clock's): the condition variable is on CLOCK_REALTIME (the default) but
 * the deadline was computed on CLOCK_MONOTONIC, so every wait ends at once.
 * Noted once, for the report; it looks like a spurious wakeup otherwise. */
static void *_Atomic wrong_clock_at;
static _Atomic long wrong_clock_early_ns;

static void check_clock(const struct timespec *deadline, void *at)
{
    struct timespec mono, real;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_REALTIME, &real);
    long d = (long)deadline->tv_sec * 1000000000L + deadline->tv_nsec;
    long m = (long)mono.tv_sec * 1000000000L + mono.tv_nsec;
    long r = (long)real.tv_sec * 1000000000L + real.tv_nsec;
    if (d > m && d < r / 2 && !atomic_load_explicit(&wrong_clock_at, RELAXED)) {
        atomic_store_explicit(&wrong_clock_early_ns, d - m, RELAXED);
        atomic_store_explicit(&wrong_clock_at, at, RELAXED);
    }
}

static int cond_wait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *deadline,
                     void *at)
{
    struct slot *s = self_slot();
    if (!s)
        return deadline ? __real_pthread_cond_timedwait(c, m, deadline)
                        : __real_pthread_cond_wait(c, m);
    struct condrec *r = cond_rec(c, 1);
    if (r)
        atomic_fetch_add_explicit(&r->waiters, 1, RELAXED);
    atomic_store_explicit(&s->aux, hide(m), RELAXED);
    released(m);   /* the wait gives the mutex up, and takes it back below */
    block(s, W_COND, c, at, deadline != NULL);
    int err = deadline ? __real_pthread_cond_timedwait(c, m, deadline)
                       : __real_pthread_cond_wait(c, m);
    unblock(s);
    if (r)
        atomic_fetch_sub_explicit(&r->waiters, 1, RELAXED);
    took(m, s, at);
    if (err == ETIMEDOUT)
        check_clock(deadline, at);
    return err;
}

int __wrap_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    SCHED_TAKES(sched_cond_wait(c, m, AT));
    return cond_wait(c, m, NULL, __builtin_return_address(0));
}

int __wrap_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                  const struct timespec *deadline)
{
    SCHED_TAKES(sched_cond_timedwait(c, m, deadline, AT));
    return cond_wait(c, m, deadline, __builtin_return_address(0));
}

static void woke(pthread_cond_t *c, int kind, void *at)
{
    struct slot *s = self_slot();
    struct condrec *r = s ? cond_rec(c, 1) : NULL;
    if (!r)
        return;
    atomic_fetch_add_explicit(&s->progress, 1, RELAXED);
    atomic_store_explicit(&r->last_waiters, atomic_load_explicit(&r->waiters, RELAXED), RELAXED);
    atomic_store_explicit(&r->last_at, at, RELAXED);
    atomic_store_explicit(&r->last_ns, now_ns(), RELAXED);
    atomic_store_explicit(&r->last_kind, kind, RELAXED);
    atomic_fetch_add_explicit(&r->wakes, 1, RELAXED);
}

int __wrap_pthread_cond_signal(pthread_cond_t *c)
{
    SCHED_TAKES(sched_cond_signal(c, AT));
    woke(c, 1, __builtin_return_address(0));
    return __real_pthread_cond_signal(c);
}

int __wrap_pthread_cond_broadcast(pthread_cond_t *c)
{
    SCHED_TAKES(sched_cond_broadcast(c, AT));
    woke(c, 2, __builtin_return_address(0));
    return __real_pthread_cond_broadcast(c);
}

/* One shape for every other blocking call: note, call, un-note. */
#define WRAPPED_WAIT(kind, object, timed, call)                \
    do {                                                       \
        struct slot *s = self_slot();                          \
        if (!s)                                                \
            return call;                                       \
        block(s, kind, object, __builtin_return_address(0), timed); \
        __typeof__(call) ret_ = call;                          \
        int saved_ = errno;                                    \
        unblock(s);                                            \
        errno = saved_;                                        \
        return ret_;                                           \
    } while (0)

int __wrap_pthread_barrier_wait(pthread_barrier_t *b)
{
    SCHED_TAKES(sched_barrier_wait(b, AT));
    WRAPPED_WAIT(W_BARRIER, b, 0, __real_pthread_barrier_wait(b));
}

int __wrap_sem_wait(sem_t *sem)
{
    SCHED_TAKES(sched_sem_wait(sem, NULL, AT));
    WRAPPED_WAIT(W_SEM, sem, 0, __real_sem_wait(sem));
}

int __wrap_sem_timedwait(sem_t *sem, const struct timespec *deadline)
{
    SCHED_TAKES(sched_sem_wait(sem, deadline, AT));
    WRAPPED_WAIT(W_SEM, sem, 1, __real_sem_timedwait(sem, deadline));
}

int __wrap_nanosleep(const struct timespec *d, struct timespec *left)
{
    SCHED_TAKES(sched_sleep((long long)d->tv_sec * 1000000000LL + d->tv_nsec, AT));
    WRAPPED_WAIT(W_SLEEP, NULL, 1, __real_nanosleep(d, left));
}

int __wrap_clock_nanosleep(clockid_t clock, int flags, const struct timespec *d,
                           struct timespec *left)
{
    SCHED_TAKES(flags & TIMER_ABSTIME ? sched_sleep_until(clock, d, AT)
                                      : sched_sleep((long long)d->tv_sec * 1000000000LL + d->tv_nsec, AT));
    WRAPPED_WAIT(W_SLEEP, NULL, 1, __real_clock_nanosleep(clock, flags, d, left));
}

int __wrap_usleep(useconds_t us)
{
    SCHED_TAKES(sched_sleep((long long)us * 1000, AT));
    WRAPPED_WAIT(W_SLEEP, NULL, 1, __real_usleep(us));
}

unsigned __wrap_sleep(unsigned s_)
{
    SCHED_TAKES((unsigned)sched_sleep((long long)s_ * 1000000000LL, AT));
    WRAPPED_WAIT(W_SLEEP, NULL, 1, __real_sleep(s_));
}

pid_t __wrap_fork(void)
{
    SCHED_TAKES(sched_fork(AT));
    if (atomic_load_explicit(&started, RELAXED))   /* not Check forking the test */
        atomic_store_explicit(&forked, 1, RELAXED);   /* a process we cannot see may wake us */
    return __real_fork();
}

/* ---- the watcher ---------------------------------------------------------- */

static int sample_signal(void) { return SIGRTMAX; }

/* Runs in the interrupted thread: where it is, and how it got there. */
static void on_sample(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)info;
    int saved = errno;
    struct slot *s = me;
    if (s) {
#if defined(__x86_64__)
        s->pc = (void *)((ucontext_t *)context)->uc_mcontext.gregs[REG_RIP];
#else
        (void)context;
#endif
        s->nframes = backtrace(s->frames, FRAMES);
        atomic_store_explicit(&s->sampled, 1, memory_order_release);
    }
    errno = saved;
}

/* The main program's loaded range: only its addresses mean anything to addr2line. */
static uintptr_t exe_base, exe_low, exe_high;

static int find_exe(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    exe_base = info->dlpi_addr;
    exe_low = UINTPTR_MAX;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_LOAD) {
            uintptr_t lo = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
            uintptr_t hi = lo + info->dlpi_phdr[i].p_memsz;
            exe_low = lo < exe_low ? lo : exe_low;
            exe_high = hi > exe_high ? hi : exe_high;
        }
    return 1;   /* the first object is the program itself */
}

/* As addr2line wants it: relative to the program, 0 when elsewhere.  A
 * return address is one past its call, so step back into the call. */
static uintptr_t rel(void *p, bool is_return)
{
    uintptr_t a = (uintptr_t)p;
    if (a < exe_low || a >= exe_high)
        return 0;
    return a - exe_base - (is_return ? 1 : 0);
}

/* Kernel's view: 'S' (asleep in a wait) for a thread truly blocked. */
static char kernel_state(pid_t tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return '?';
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return '?';
    buf[n] = '\0';
    char *end = strrchr(buf, ')');
    return end && end[1] == ' ' ? end[2] : '?';
}

static unsigned long total_progress(void)
{
    unsigned long sum = (unsigned long)atomic_load_explicit(&next_number, RELAXED);
    for (int i = 0; i < slot_count(); i++)
        sum += atomic_load_explicit(&slots[i].progress, RELAXED);
    return sum;
}

/* Is every thread in a wait with no deadline, really asleep in it? */
static bool all_wait_for_good(void)
{
    if (atomic_load_explicit(&untracked, RELAXED) || atomic_load_explicit(&forked, RELAXED))
        return false;
    int n = slot_count(), live = 0;
    for (int i = 0; i < n; i++) {
        struct slot *s = &slots[i];
        int use = atomic_load_explicit(&s->use, RELAXED);
        if (use == S_STARTING)
            return false;
        if (use != S_LIVE)
            continue;
        live++;
        int wait = atomic_load_explicit(&s->wait, RELAXED);
        if (wait == W_RUNNING || wait == W_SLEEP || atomic_load_explicit(&s->timed, RELAXED) ||
            kernel_state(atomic_load_explicit(&s->tid, RELAXED)) != 'S')
            return false;
    }
    return live > 0;
}

static struct slot *slot_numbered(int number)
{
    for (int i = 0; i < slot_count(); i++)
        if (atomic_load_explicit(&slots[i].number, RELAXED) == number)
            return &slots[i];
    return NULL;
}

static bool asleep_on_mutex(struct slot *s)
{
    return atomic_load_explicit(&s->use, RELAXED) == S_LIVE &&
           atomic_load_explicit(&s->wait, RELAXED) == W_MUTEX &&
           !atomic_load_explicit(&s->timed, RELAXED) &&
           kernel_state(atomic_load_explicit(&s->tid, RELAXED)) == 'S';
}

/* A mutex wait no other thread can end, whatever they do: a cycle of
 * threads each waiting for a lock the next holds, a thread waiting for a
 * lock it holds, or for one a finished thread holds.  Returns the summed
 * progress of the threads involved (to see it hold still), or 0 for none. */
static unsigned long mutex_deadlock(void)
{
    for (int i = 0; i < slot_count(); i++) {
        struct slot *start = &slots[i], *s = start;
        unsigned long progress = 1;
        for (int steps = 0; steps < 64 && asleep_on_mutex(s); steps++) {
            progress += atomic_load_explicit(&s->progress, RELAXED);
            struct lockrec *r = lock_rec(hide(atomic_load_explicit(&s->object, RELAXED)), 0);
            int holder = r ? atomic_load_explicit(&r->holder, RELAXED) : 0;
            struct slot *h = holder ? slot_numbered(holder) : NULL;
            if (!h)
                break;
            int use = atomic_load_explicit(&h->use, RELAXED);
            if (h == start || use == S_FINISHED || use == S_JOINED)
                return progress;
            s = h;
        }
    }
    return 0;
}

static const char *const wait_names[] = {"running", "mutex", "cond", "join", "sem", "barrier", "sleep"};
static const char *const use_names[] = {"free", "starting", "live", "finished", "joined"};

static void write_snapshot(int why)
{
    dl_iterate_phdr(find_exe, NULL);
    int n = slot_count();
    if (sampling) {   /* ask every live thread where it is; wait a little */
        for (int i = 0; i < n; i++)
            if (atomic_load_explicit(&slots[i].use, RELAXED) == S_LIVE)
                syscall(SYS_tgkill, getpid(), atomic_load_explicit(&slots[i].tid, RELAXED),
                        sample_signal());
        for (int tries = 0; tries < 40; tries++) {
            bool all = true;
            for (int i = 0; i < n; i++)
                if (atomic_load_explicit(&slots[i].use, RELAXED) == S_LIVE &&
                    !atomic_load_explicit(&slots[i].sampled, memory_order_acquire))
                    all = false;
            if (all)
                break;
            struct timespec ms5 = {0, 5000000};
            __real_nanosleep(&ms5, NULL);
        }
    }
    int fd = open(snapshot, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    long now = now_ns();
    dprintf(fd, "reason %s\nelapsed %.3f\n",
            why == WATCH_STUCK ? "stuck" : why == WATCH_FAILED ? "failed" : "timeout",
            (double)(now - start_ns) * 1e-9);
    for (int i = 0; i < n; i++) {
        struct slot *s = &slots[i];
        int use = atomic_load_explicit(&s->use, RELAXED);
        int number = atomic_load_explicit(&s->number, RELAXED);
        if (use == S_FREE || (use == S_JOINED && !holds_a_lock(number)))
            continue;
        int wait = atomic_load_explicit(&s->wait, RELAXED);
        dprintf(fd, "thread %d %s %s %d %.3f %lx %lx %lx %p %p %d", number,
                use_names[use], wait_names[wait], atomic_load_explicit(&s->timed, RELAXED),
                (double)(now - atomic_load_explicit(&s->since_ns, RELAXED)) * 1e-9,
                (unsigned long)rel(atomic_load_explicit(&s->at, RELAXED), true),
                (unsigned long)rel(atomic_load_explicit(&s->start, RELAXED), false),
                (unsigned long)rel(atomic_load_explicit(&s->created_at, RELAXED), true),
                hide(atomic_load_explicit(&s->object, RELAXED)),
                hide(atomic_load_explicit(&s->aux, RELAXED)),
                atomic_load_explicit(&s->join_target, RELAXED));
        if (use == S_LIVE && atomic_load_explicit(&s->sampled, memory_order_acquire)) {
            if (s->pc)
                dprintf(fd, " %lx", (unsigned long)rel(s->pc, false));
            for (int f = 0; f < s->nframes; f++)
                if (s->frames[f] != s->pc)
                    dprintf(fd, " %lx", (unsigned long)rel(s->frames[f], true));
        }
        dprintf(fd, "\n");
    }
    void *clock_at = atomic_load_explicit(&wrong_clock_at, RELAXED);
    if (clock_at)
        dprintf(fd, "clock %lx %.3f\n", (unsigned long)rel(clock_at, true),
                (double)atomic_load_explicit(&wrong_clock_early_ns, RELAXED) * 1e-9);
    for (size_t i = 0; i < LOCKS; i++) {
        struct lockrec *r = &locks[i];
        void *key = hide(atomic_load_explicit(&r->key, RELAXED));
        int holder = atomic_load_explicit(&r->holder, RELAXED);
        if (key && holder)
            dprintf(fd, "lock %p %d %lx %.3f\n", key, holder,
                    (unsigned long)rel(atomic_load_explicit(&r->at, RELAXED), true),
                    (double)(now - atomic_load_explicit(&r->since_ns, RELAXED)) * 1e-9);
    }
    for (size_t i = 0; i < CONDS; i++) {
        struct condrec *r = &conds[i];
        void *key = hide(atomic_load_explicit(&r->key, RELAXED));
        if (key && atomic_load_explicit(&r->waiters, RELAXED) > 0) {
            long last = atomic_load_explicit(&r->last_ns, RELAXED);
            dprintf(fd, "cond %p %d %d %lx %d %ld %.3f\n", key,
                    atomic_load_explicit(&r->waiters, RELAXED),
                    atomic_load_explicit(&r->last_kind, RELAXED),
                    (unsigned long)rel(atomic_load_explicit(&r->last_at, RELAXED), true),
                    atomic_load_explicit(&r->last_waiters, RELAXED),
                    atomic_load_explicit(&r->wakes, RELAXED),
                    last ? (double)(now - last) * 1e-9 : -1.0);
        }
    }
    close(fd);
}

/* Poll often enough to answer within a second; call a state stuck only once
 * it has held, unchanged, for STEADY_NS: a thread between noting a wait and
 * entering it is not asleep in the kernel, and a woken one makes progress. */
enum { POLL_NS = 50000000, STEADY_NS = 250000000 };

static void *watcher(void *arg)
{
    (void)arg;
    long steady_since = 0;
    unsigned long seen = 0, deadlocked;
    for (;;) {
        long now = now_ns() + POLL_NS;
        struct timespec until = {now / 1000000000L, now % 1000000000L};
        __real_pthread_mutex_lock(&watch_lock);
        while (!watch_ending &&
               __real_pthread_cond_timedwait(&watch_cv, &watch_lock, &until) == 0)
            ;
        bool ending = watch_ending;
        __real_pthread_mutex_unlock(&watch_lock);
        if (ending)
            return NULL;
        now = now_ns();
        int why = WATCH_RUNNING;
        if ((double)(now - start_ns) * 1e-9 >= deadline_s) {
            why = WATCH_TIMEOUT;
        } else if ((deadlocked = mutex_deadlock()) || all_wait_for_good()) {
            unsigned long progress = deadlocked ? deadlocked : total_progress();
            if (!steady_since || progress != seen) {
                steady_since = now;
                seen = progress;
            } else if (now - steady_since >= STEADY_NS) {
                why = WATCH_STUCK;
            }
        } else {
            steady_since = 0;
        }
        if (why != WATCH_RUNNING) {
            write_snapshot(why);
            *stop_flag = why;
            _exit(70);   /* the runner reads why from *stop_flag, not from this */
        }
    }
    return NULL;
}

void watch_failing(void)
{
    if (getpid() == watched_pid)
        write_snapshot(WATCH_FAILED);
}

/* At exit: end the watcher, so the process ends as it would without one
 * (ThreadSanitizer, for one, waits a second at exit while threads remain). */
static void watch_end(void)
{
    if (getpid() != watched_pid)
        return;
    __real_pthread_mutex_lock(&watch_lock);
    watch_ending = true;
    __real_pthread_cond_broadcast(&watch_cv);
    __real_pthread_mutex_unlock(&watch_lock);
    __real_pthread_join(watcher_thread, NULL);
}

void watch_start(const char *snapshot_path, double timeout_s, volatile int *stopped,
                 bool sample_stacks)
{
    snapshot = snapshot_path;
    deadline_s = timeout_s;
    stop_flag = stopped;
    sampling = sample_stacks;
    start_ns = now_ns();
    struct slot *s = &slots[atomic_fetch_add_explicit(&nslots, 1, RELAXED)];
    atomic_store_explicit(&s->number, atomic_fetch_add_explicit(&next_number, 1, RELAXED) + 1,
                          RELAXED);
    atomic_store_explicit(&s->handle, (unsigned long)pthread_self(), RELAXED);
    atomic_store_explicit(&s->tid, (pid_t)syscall(SYS_gettid), RELAXED);
    atomic_store_explicit(&s->use, S_LIVE, RELAXED);
    me = s;
    if (sampling) {
        watch_prepare();   /* the unwinder must be loaded before a handler uses it */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sample;
        sa.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(sample_signal(), &sa, NULL);
    }
    atomic_store_explicit(&started, 1, RELAXED);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&watch_cv, &attr);
    pthread_condattr_destroy(&attr);
    watched_pid = getpid();
    if (__real_pthread_create(&watcher_thread, NULL, watcher, NULL) == 0)
        atexit(watch_end);
    else
        atomic_store_explicit(&untracked, 1, RELAXED);   /* nothing watches: never stop early */
}

void watch_prepare(void)
{
    void *warm[4];
    backtrace(warm, 4);   /* loads the unwinder once, before the tests fork */
}
