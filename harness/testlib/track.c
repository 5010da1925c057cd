/*
 * track.c - the tracker: keeps the tables of track.h up to date from every
 * intercepted call (it is intercept.h's first client).
 *
 * The cost on an uncontended lock is a hash lookup and a few relaxed
 * stores.  Nothing here takes a lock: a lock of ours would order every
 * thread that calls in, for ThreadSanitizer too.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "intercept.h"
#include "track.h"

struct tables *tables;
_Thread_local struct slot *me;
static int my_proc;   /* the calling process's index in procs[]: 0 in the test's */

long track_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

uintptr_t track_key(const void *p)
{
    return p ? (uintptr_t)p ^ (uintptr_t)0xA5A5A5A5A5A5A5A5u : 0;
}

int track_slot_count(void)
{
    int n = tables ? atomic_load_explicit(&tables->nslots, RELAXED) : 0;
    return n < REC_THREADS ? n : REC_THREADS;
}

/* The calling thread's record, or NULL (and a note) for one we did not start. */
static struct slot *self_slot(void)
{
    struct slot *s = me;
    if (!s && tables)
        atomic_store_explicit(&tables->untracked, 1, RELAXED);
    return s;
}

static void block(struct slot *s, int wait, uintptr_t object, void *at, int timed)
{
    atomic_store_explicit(&s->object, object, RELAXED);
    atomic_store_explicit(&s->at, at, RELAXED);
    atomic_store_explicit(&s->timed, timed, RELAXED);
    atomic_store_explicit(&s->since_ns, track_now_ns(), RELAXED);
    atomic_fetch_add_explicit(&s->progress, 1, RELAXED);
    atomic_store_explicit(&s->wait, wait, RELAXED);
}

static void unblock(struct slot *s)
{
    atomic_store_explicit(&s->wait, WAIT_RUNNING, RELAXED);
    atomic_fetch_add_explicit(&s->progress, 1, RELAXED);
}

/* ---- mutexes and condition variables, by key ------------------------------------ */

/* Open addressing keyed by key; a full table stops recording new keys. */
#define TABLE_FIND(table, size, key_, insert)                                   \
    do {                                                                        \
        uintptr_t want = (key_);                                                \
        uintptr_t h = (want >> 4) * 0x9E3779B97F4A7C15u;                        \
        for (size_t i = 0, j = h % (size); i < 64; i++, j = (j + 1) % (size)) { \
            uintptr_t k = atomic_load_explicit(&(table)[j].key, RELAXED);       \
            if (k == want)                                                      \
                return &(table)[j];                                             \
            if (k == 0) {                                                       \
                if (!(insert))                                                  \
                    return NULL;                                                \
                uintptr_t expected = 0;                                         \
                if (atomic_compare_exchange_strong_explicit(&(table)[j].key,    \
                        &expected, want, RELAXED, RELAXED) ||                   \
                    expected == want)                                           \
                    return &(table)[j];                                         \
            }                                                                   \
        }                                                                       \
        return NULL;                                                            \
    } while (0)

static struct lockrec *lock_rec(uintptr_t key, int insert) { TABLE_FIND(tables->locks, REC_LOCKS, key, insert); }
static struct condrec *cond_rec(uintptr_t key, int insert) { TABLE_FIND(tables->conds, REC_CONDS, key, insert); }

/* An object private to this process: its key carries the process (bits 48
 * and up, above any user-space address). */
static inline uintptr_t private_key(const void *p)
{
    return track_key(p) ^ ((uintptr_t)(my_proc + 1) << 48);
}

/* A mutex's key: the same in every process if it was made process-shared. */
static inline uintptr_t lock_key(const void *m)
{
    if (__builtin_expect(atomic_load_explicit(&tables->nshared, RELAXED) != 0, 0)) {
        struct lockrec *r = lock_rec(track_key(m), 0);
        if (r && atomic_load_explicit(&r->shared, RELAXED))
            return track_key(m);
    }
    return private_key(m);
}

static void took(uintptr_t key, struct slot *s, void *at)
{
    struct lockrec *r = lock_rec(key, 1);
    if (!r)
        return;
    if (atomic_load_explicit(&r->holder, RELAXED) == atomic_load_explicit(&s->number, RELAXED)) {
        atomic_fetch_add_explicit(&r->count, 1, RELAXED);
        return;
    }
    atomic_store_explicit(&r->at, at, RELAXED);
    atomic_store_explicit(&r->since_ns, track_now_ns(), RELAXED);
    atomic_store_explicit(&r->count, 1, RELAXED);
    atomic_store_explicit(&r->holder, atomic_load_explicit(&s->number, RELAXED), RELAXED);
}

static void released(uintptr_t key)
{
    struct lockrec *r = lock_rec(key, 0);
    if (r && atomic_load_explicit(&r->holder, RELAXED) &&
        atomic_fetch_sub_explicit(&r->count, 1, RELAXED) <= 1)
        atomic_store_explicit(&r->holder, 0, RELAXED);
}

/* A fresh or destroyed mutex is held by nobody, whatever was there before. */
static void forget(uintptr_t key)
{
    struct lockrec *r = lock_rec(key, 0);
    if (r)
        atomic_store_explicit(&r->holder, 0, RELAXED);
}

bool track_holds_a_lock(int number)
{
    for (size_t i = 0; i < REC_LOCKS; i++)
        if (atomic_load_explicit(&tables->locks[i].key, RELAXED) &&
            atomic_load_explicit(&tables->locks[i].holder, RELAXED) == number)
            return true;
    return false;
}

/* A timed wait that timed out while its deadline is still ahead on
 * CLOCK_MONOTONIC, and is a monotonic-sized number (far below the realtime
 * clock's): the condition variable is on CLOCK_REALTIME (the default) but
 * the deadline was computed on CLOCK_MONOTONIC, so every wait ends at once.
 * Noted once, for the report; it looks like a spurious wakeup otherwise. */
static void check_clock(const struct timespec *deadline, void *at)
{
    struct timespec mono, real;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_REALTIME, &real);
    long d = (long)deadline->tv_sec * 1000000000L + deadline->tv_nsec;
    long m = (long)mono.tv_sec * 1000000000L + mono.tv_nsec;
    long r = (long)real.tv_sec * 1000000000L + real.tv_nsec;
    if (d > m && d < r / 2 && !atomic_load_explicit(&tables->wrong_clock_at, RELAXED)) {
        atomic_store_explicit(&tables->wrong_clock_early_ns, d - m, RELAXED);
        atomic_store_explicit(&tables->wrong_clock_at, at, RELAXED);
    }
}

static void woke(uintptr_t key, int kind, void *at)
{
    struct slot *s = self_slot();
    struct condrec *r = s ? cond_rec(key, 1) : NULL;
    if (!r)
        return;
    atomic_fetch_add_explicit(&s->progress, 1, RELAXED);
    atomic_store_explicit(&r->last_waiters, atomic_load_explicit(&r->waiters, RELAXED), RELAXED);
    atomic_store_explicit(&r->last_at, at, RELAXED);
    atomic_store_explicit(&r->last_ns, track_now_ns(), RELAXED);
    atomic_store_explicit(&r->last_kind, kind, RELAXED);
    atomic_fetch_add_explicit(&r->wakes, 1, RELAXED);
}

/* ---- threads ---------------------------------------------------------------------- */

/* A record for a new thread: a fresh one, or a joined thread's that is not
 * evidence (holds no lock).  Claimed with atomics, not a lock. */
static struct slot *new_slot(int proc)
{
    struct slot *s = NULL;
    int i = atomic_fetch_add_explicit(&tables->nslots, 1, RELAXED);
    if (i < REC_THREADS) {
        s = &tables->slots[i];
    } else {
        for (i = 1; i < REC_THREADS && !s; i++) {
            int joined = USE_JOINED;
            if (!track_holds_a_lock(atomic_load_explicit(&tables->slots[i].number, RELAXED)) &&
                atomic_compare_exchange_strong_explicit(&tables->slots[i].use, &joined, USE_FREE,
                                                        RELAXED, RELAXED))
                s = &tables->slots[i];
        }
    }
    if (s) {
        atomic_store_explicit(&s->tid, 0, RELAXED);
        atomic_store_explicit(&s->wait, WAIT_RUNNING, RELAXED);
        atomic_store_explicit(&s->timed, 0, RELAXED);
        atomic_store_explicit(&s->object, 0, RELAXED);
        atomic_store_explicit(&s->aux, 0, RELAXED);
        atomic_store_explicit(&s->at, NULL, RELAXED);
        atomic_store_explicit(&s->join_target, 0, RELAXED);
        atomic_store_explicit(&s->handle, 0, RELAXED);
        atomic_store_explicit(&s->sampled, 0, RELAXED);
        atomic_store_explicit(&s->proc, proc, RELAXED);
        atomic_store_explicit(&s->number,
                              atomic_fetch_add_explicit(&tables->next_number, 1, RELAXED) + 1,
                              RELAXED);
        atomic_store_explicit(&s->use, USE_STARTING, RELAXED);
    }
    return s;
}

/* The calling thread is s from now on. */
static void become(struct slot *s)
{
    me = s;
    atomic_store_explicit(&s->handle, (unsigned long)pthread_self(), RELAXED);
    atomic_store_explicit(&s->tid, (pid_t)syscall(SYS_gettid), RELAXED);
    atomic_store_explicit(&s->use, USE_LIVE, RELAXED);
}

static int number_of(pthread_t t)
{
    for (int i = track_slot_count() - 1; i >= 0; i--) {
        struct slot *s = &tables->slots[i];
        int use = atomic_load_explicit(&s->use, RELAXED);
        if (use != USE_FREE && use != USE_JOINED &&
            atomic_load_explicit(&s->handle, RELAXED) == (unsigned long)t)
            return atomic_load_explicit(&s->number, RELAXED);
    }
    return 0;
}

/* ---- the client: a hook for each kind of call ------------------------------------- */

/* A thread about to start, and who starts it. */
static int on_create(struct icall *c)
{
    struct slot *parent = self_slot();
    struct slot *s = parent ? new_slot(my_proc) : NULL;
    if (!s && parent)
        atomic_store_explicit(&tables->untracked, 1, RELAXED);
    c->token[c->client] = s;
    if (s) {
        atomic_store_explicit(&s->start, (void *)c->start, RELAXED);
        atomic_store_explicit(&s->created_at, c->at, RELAXED);
        atomic_fetch_add_explicit(&parent->progress, 1, RELAXED);
    }
    return INTERCEPT_CALL;
}

static void created(struct icall *c)
{
    struct slot *s = c->token[c->client];
    if (!s)
        return;
    if (c->result == 0)
        atomic_store_explicit(&s->handle, (unsigned long)c->thread, RELAXED);
    else
        atomic_store_explicit(&s->use, USE_JOINED, RELAXED);
}

static int on_begin(struct icall *c)
{
    if (c->token[c->client])
        become(c->token[c->client]);
    return INTERCEPT_CALL;
}

static int on_end(struct icall *c)
{
    (void)c;
    if (me) {
        atomic_fetch_add_explicit(&me->progress, 1, RELAXED);
        atomic_store_explicit(&me->use, USE_FINISHED, RELAXED);
    }
    return INTERCEPT_CALL;
}

static int on_join(struct icall *c)
{
    struct slot *s = self_slot();
    if (s) {
        atomic_store_explicit(&s->join_target, number_of(c->thread), RELAXED);
        block(s, WAIT_JOIN, 0, c->at, 0);
    }
    return INTERCEPT_CALL;
}

static void joined(struct icall *c)
{
    struct slot *s = me;
    if (!s)
        return;
    unblock(s);
    int target = atomic_load_explicit(&s->join_target, RELAXED);
    if (c->result != 0 || !target)
        return;
    for (int i = 0; i < track_slot_count(); i++)
        if (atomic_load_explicit(&tables->slots[i].number, RELAXED) == target)
            atomic_store_explicit(&tables->slots[i].use, USE_JOINED, RELAXED);
}

/* A fresh or destroyed mutex is held by nobody.  One made process-shared
 * (or robust, which glibc makes shared too) gets a key without a process. */
static int on_fresh_mutex(struct icall *c)
{
    int pshared = PTHREAD_PROCESS_PRIVATE, robust = PTHREAD_MUTEX_STALLED;
    if (c->kind == IC_MUTEX_INIT && c->attr) {
        pthread_mutexattr_getpshared(c->attr, &pshared);
        pthread_mutexattr_getrobust(c->attr, &robust);
    }
    struct lockrec *r;
    if (pshared == PTHREAD_PROCESS_SHARED || robust == PTHREAD_MUTEX_ROBUST) {
        if ((r = lock_rec(track_key(c->object), 1))) {
            atomic_store_explicit(&r->holder, 0, RELAXED);
            atomic_store_explicit(&r->robust, robust == PTHREAD_MUTEX_ROBUST, RELAXED);
            atomic_store_explicit(&r->made_at, c->at, RELAXED);
            if (!atomic_exchange_explicit(&r->shared, 1, RELAXED))
                atomic_fetch_add_explicit(&tables->nshared, 1, RELAXED);
        }
        return INTERCEPT_CALL;
    }
    forget(lock_key(c->object));
    return INTERCEPT_CALL;
}

/* Always the real lock, never a trylock first: ThreadSanitizer learns lock
 * order only from blocking locks, so a trylock that succeeds would hide a
 * lock-order inversion from it.  A wait noted here for an uncontended lock
 * is harmless: the watcher only counts threads asleep in the kernel, steady
 * for a while. */
static int on_lock(struct icall *c)
{
    struct slot *s = self_slot();
    if (s)
        block(s, WAIT_MUTEX, lock_key(c->object), c->at, c->kind == IC_TIMEDLOCK);
    return INTERCEPT_CALL;
}

static void locked(struct icall *c)
{
    struct slot *s = me;
    if (!s)
        return;
    /* A lock's key is the one its wait noted: computed once a lock. */
    uintptr_t key = c->kind == IC_TRYLOCK ? lock_key(c->object)
                                          : atomic_load_explicit(&s->object, RELAXED);
    if (c->kind != IC_TRYLOCK)
        unblock(s);
    if (c->result == 0 || c->result == EOWNERDEAD)
        took(key, s, c->at);
}

static int on_unlock(struct icall *c)
{
    if (self_slot())
        released(lock_key(c->object));
    return INTERCEPT_CALL;
}

/* The wait gives the mutex up, and takes it back after. */
static int on_cond_wait(struct icall *c)
{
    struct slot *s = self_slot();
    if (!s)
        return INTERCEPT_CALL;
    struct condrec *r = cond_rec(private_key(c->object), 1);
    if (r)
        atomic_fetch_add_explicit(&r->waiters, 1, RELAXED);
    uintptr_t mutex = lock_key(c->mutex);
    atomic_store_explicit(&s->aux, mutex, RELAXED);
    released(mutex);
    block(s, WAIT_COND, private_key(c->object), c->at, c->kind == IC_COND_TIMEDWAIT);
    return INTERCEPT_CALL;
}

static void cond_waited(struct icall *c)
{
    struct slot *s = me;
    if (!s)
        return;
    struct condrec *r = cond_rec(private_key(c->object), 0);
    unblock(s);
    if (r)
        atomic_fetch_sub_explicit(&r->waiters, 1, RELAXED);
    took(lock_key(c->mutex), s, c->at);
    if (c->result == ETIMEDOUT && c->deadline)
        check_clock(c->deadline, c->at);
}

static int on_signal(struct icall *c)
{
    woke(private_key(c->object), c->kind == IC_SIGNAL ? SIGNAL_ONE : SIGNAL_ALL, c->at);
    return INTERCEPT_CALL;
}

/* Barriers, semaphores and sleeps: note the wait, call, un-note. */
static int on_wait(struct icall *c)
{
    struct slot *s = self_slot();
    if (!s)
        return INTERCEPT_CALL;
    if (c->kind == IC_SLEEP)
        block(s, WAIT_SLEEP, 0, c->at, 1);
    else if (c->kind == IC_BARRIER_WAIT)
        block(s, WAIT_BARRIER, track_key(c->object), c->at, 0);
    else
        block(s, WAIT_SEM, track_key(c->object), c->at, c->kind == IC_SEM_TIMEDWAIT);
    return INTERCEPT_CALL;
}

static void waited(struct icall *c)
{
    (void)c;
    if (me)
        unblock(me);
}

/* Note the descriptors a thread is about to wait on, and which way. */
static int note_fds(struct slot *s, struct icall *c)
{
    int n = 0;
    if (c->kind == IC_READ || c->kind == IC_WRITE) {
        atomic_store_explicit(&s->fds[0], c->fd, RELAXED);
        atomic_store_explicit(&s->fd_dirs[0], c->kind == IC_READ ? FD_IN : FD_OUT, RELAXED);
        return 1;
    }
    if (c->kind == IC_POLL) {
        for (; n < c->nfds; n++) {
            short e = c->pfds[n].events;
            if (n < REC_WAIT_FDS) {
                atomic_store_explicit(&s->fds[n], c->pfds[n].fd < 0 ? 0 : c->pfds[n].fd, RELAXED);
                atomic_store_explicit(&s->fd_dirs[n], c->pfds[n].fd < 0 ? 0 :
                    (e & (POLLIN | POLLPRI) ? FD_IN : 0) | (e & POLLOUT ? FD_OUT : 0), RELAXED);
            }
        }
        return n;
    }
    for (int fd = 0; fd < c->nfds && fd < FD_SETSIZE; fd++) {   /* IC_SELECT */
        int dir = (c->readfds && FD_ISSET(fd, c->readfds) ? FD_IN : 0) |
                  (c->writefds && FD_ISSET(fd, c->writefds) ? FD_OUT : 0);
        if (dir && n < REC_WAIT_FDS) {
            atomic_store_explicit(&s->fds[n], fd, RELAXED);
            atomic_store_explicit(&s->fd_dirs[n], (unsigned char)dir, RELAXED);
        }
        n += dir != 0;
    }
    return n;
}

static int on_fd_wait(struct icall *c)
{
    struct slot *s = self_slot();
    if (!s)
        return INTERCEPT_CALL;
    atomic_store_explicit(&s->nfds, note_fds(s, c), RELAXED);
    if (c->kind == IC_WRITE && c->fd >= 0 && c->fd < REC_FD_WRITERS) {
        struct fdrec *f = &tables->fds[my_proc][c->fd];
        atomic_store_explicit(&f->at, c->at, RELAXED);
        atomic_store_explicit(&f->writer, atomic_load_explicit(&s->number, RELAXED), RELAXED);
    }
    int wait = c->kind == IC_READ ? WAIT_READ : c->kind == IC_WRITE ? WAIT_WRITE
               : c->kind == IC_POLL ? WAIT_POLL : WAIT_SELECT;
    block(s, wait, 0, c->at, c->timeout_ns >= 0);
    return INTERCEPT_CALL;
}

/* A closed descriptor's number is free for another file: forget its writer. */
static int on_close(struct icall *c)
{
    if (me && c->fd >= 0 && c->fd < REC_FD_WRITERS)
        atomic_store_explicit(&tables->fds[my_proc][c->fd].writer, 0, RELAXED);
    return INTERCEPT_CALL;
}

static int on_waitpid(struct icall *c)
{
    struct slot *s = self_slot();
    if (s) {
        atomic_store_explicit(&s->child, c->pid, RELAXED);
        block(s, WAIT_CHILD, 0, c->at, (c->options & WNOHANG) != 0);
    }
    return INTERCEPT_CALL;
}

/* Before a fork: a record for the child process and its one thread, made
 * here so that the watcher knows of it before it runs (it is starting). */
static int on_fork(struct icall *c)
{
    c->token[c->client] = NULL;
    struct slot *parent = self_slot();
    if (!parent)
        return INTERCEPT_CALL;
    int p = atomic_fetch_add_explicit(&tables->nprocs, 1, RELAXED);
    struct slot *s = p < REC_PROCS ? new_slot(p) : NULL;
    if (!s) {   /* a process we cannot see may wake ours */
        atomic_store_explicit(&tables->untracked, 1, RELAXED);
        return INTERCEPT_CALL;
    }
    struct procrec *pr = &tables->procs[p];
    atomic_store_explicit(&pr->parent, my_proc, RELAXED);
    atomic_store_explicit(&pr->forked_at, c->at, RELAXED);
    atomic_store_explicit(&pr->pid, 0, RELAXED);
    atomic_store_explicit(&pr->state, PROC_STARTING, RELAXED);
    atomic_store_explicit(&s->created_at, c->at, RELAXED);
    atomic_fetch_add_explicit(&parent->progress, 1, RELAXED);
    c->token[c->client] = s;
    return INTERCEPT_CALL;
}

/* After it, in both processes: the child becomes its records. */
static void forked(struct icall *c)
{
    struct slot *s = c->token[c->client];
    if (!s)
        return;
    struct procrec *pr = &tables->procs[atomic_load_explicit(&s->proc, RELAXED)];
    if (c->result == 0) {
        my_proc = atomic_load_explicit(&s->proc, RELAXED);
        atomic_store_explicit(&pr->pid, getpid(), RELAXED);
        atomic_store_explicit(&pr->state, PROC_LIVE, RELAXED);
        become(s);
    } else if (c->result > 0) {
        atomic_store_explicit(&pr->pid, (pid_t)c->result, RELAXED);
    } else {
        atomic_store_explicit(&pr->state, PROC_DEAD, RELAXED);
        atomic_store_explicit(&s->use, USE_JOINED, RELAXED);
    }
}

static const struct intercept_client tracker = {
    .before = {[IC_CREATE] = on_create, [IC_BEGIN] = on_begin, [IC_END] = on_end,
               [IC_JOIN] = on_join, [IC_MUTEX_INIT] = on_fresh_mutex,
               [IC_MUTEX_DESTROY] = on_fresh_mutex, [IC_LOCK] = on_lock,
               [IC_TIMEDLOCK] = on_lock, [IC_UNLOCK] = on_unlock,
               [IC_COND_WAIT] = on_cond_wait, [IC_COND_TIMEDWAIT] = on_cond_wait,
               [IC_SIGNAL] = on_signal, [IC_BROADCAST] = on_signal,
               [IC_BARRIER_WAIT] = on_wait, [IC_SEM_WAIT] = on_wait,
               [IC_SEM_TIMEDWAIT] = on_wait, [IC_SLEEP] = on_wait, [IC_FORK] = on_fork,
               [IC_READ] = on_fd_wait, [IC_WRITE] = on_fd_wait, [IC_POLL] = on_fd_wait,
               [IC_SELECT] = on_fd_wait, [IC_WAITPID] = on_waitpid, [IC_CLOSE] = on_close},
    .after = {[IC_CREATE] = created, [IC_JOIN] = joined, [IC_LOCK] = locked,
              [IC_TIMEDLOCK] = locked, [IC_TRYLOCK] = locked, [IC_COND_WAIT] = cond_waited,
              [IC_COND_TIMEDWAIT] = cond_waited, [IC_BARRIER_WAIT] = waited,
              [IC_SEM_WAIT] = waited, [IC_SEM_TIMEDWAIT] = waited, [IC_SLEEP] = waited,
              [IC_FORK] = forked, [IC_READ] = waited, [IC_WRITE] = waited,
              [IC_POLL] = waited, [IC_SELECT] = waited, [IC_WAITPID] = waited},
};

bool track_start(void)
{
    /* Shared: every process the test forks writes into the same tables. */
    struct tables *t = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (t == MAP_FAILED || !intercept_register(&tracker))
        return false;
    tables = t;
    my_proc = 0;
    atomic_store_explicit(&t->nprocs, 1, RELAXED);
    atomic_store_explicit(&t->procs[0].pid, getpid(), RELAXED);
    atomic_store_explicit(&t->procs[0].parent, -1, RELAXED);
    atomic_store_explicit(&t->procs[0].state, PROC_LIVE, RELAXED);
    become(new_slot(0));
    return true;
}
