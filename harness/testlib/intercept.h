/*
 * intercept.h - one layer between the code under test and every call that
 * blocks, hands over a lock, or starts or ends a thread or a process; and
 * the clients that watch those calls (track.c, the tracker) or steer them
 * (a scheduler).
 *
 * lab.mk links each test binary with -Wl,--wrap=F for each F in
 * WATCHED_CALLS, so a call to F from the student's objects, the tests or
 * spurious.c lands in __wrap_F (intercept.c), which does, for every F:
 *
 *     struct icall c = {.kind = ..., .at = the caller, the arguments};
 *     if (each client's before(&c) says INTERCEPT_CALL)    in registration order
 *         c.result = __real_F(...), c.err = errno;
 *     each client's after(&c);                             in reverse order
 *     errno = c.err; return c.result;
 *
 * Calls made inside shared libraries (libc, Check, a sanitizer's runtime)
 * are not wrapped: that is the point, only the code being graded is seen.
 * Under a sanitizer __real_F is the sanitizer's own interceptor.
 */
#ifndef INTERCEPT_H
#define INTERCEPT_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/select.h>
#include <sys/types.h>
#include <time.h>

/* What was called.  A pthread call's result is its error number (err is
 * unused); a system call's is its return value, with errno in err. */
enum icall_kind {
    IC_CREATE,          /* pthread_create, in the creator; result: 0 or an error */
    IC_BEGIN,           /* a created thread starts: in it, before its function */
    IC_END,             /* a created thread ends: in it (its function returned, or pthread_exit) */
    IC_JOIN,            /* pthread_join(thread) */
    IC_MUTEX_INIT,      /* pthread_mutex_init(object, attr) */
    IC_MUTEX_DESTROY,   /* pthread_mutex_destroy(object) */
    IC_LOCK,            /* pthread_mutex_lock(object) */
    IC_TRYLOCK,         /* pthread_mutex_trylock(object) */
    IC_TIMEDLOCK,       /* pthread_mutex_timedlock(object, deadline) */
    IC_UNLOCK,          /* pthread_mutex_unlock(object) */
    IC_COND_WAIT,       /* pthread_cond_wait(object, mutex) */
    IC_COND_TIMEDWAIT,  /* pthread_cond_timedwait(object, mutex, deadline) */
    IC_SIGNAL,          /* pthread_cond_signal(object) */
    IC_BROADCAST,       /* pthread_cond_broadcast(object) */
    IC_BARRIER_WAIT,    /* pthread_barrier_wait(object) */
    IC_SEM_WAIT,        /* sem_wait(object) */
    IC_SEM_TIMEDWAIT,   /* sem_timedwait(object, deadline) */
    IC_SLEEP,           /* nanosleep, clock_nanosleep, usleep, sleep: timeout_ns */
    IC_FORK,            /* fork(); after() runs in the parent (result: the pid) and
                           in the child (result: 0) */
    IC_READ,            /* read(fd) */
    IC_WRITE,           /* write(fd) */
    IC_POLL,            /* poll, ppoll: pfds[nfds], timeout_ns */
    IC_SELECT,          /* select, pselect: nfds, readfds, writefds, timeout_ns */
    IC_WAITPID,         /* waitpid, wait (pid -1): pid, options */
    IC_CLOSE,           /* close(fd) */
    IC_SEM_POST,        /* sem_post(object): the scheduler's point (sched_client.c) */
    IC_YIELD,           /* sched_yield(): likewise */
    IC_CLOCK,           /* clock_gettime(clock, ts): the scheduler's virtual clock */
    IC_KINDS
};

/* One call, as every client sees it.  kind, at, result and err are always
 * set; of the rest only the fields its kind names (timeout_ns: -1 if not). */
struct icall {
    enum icall_kind kind;
    void *at;                        /* the caller: a return address in its code */
    void *object;                    /* the mutex, condition variable, semaphore or barrier */
    pthread_mutex_t *mutex;          /* IC_COND_*: the mutex the wait gives up and retakes */
    const pthread_mutexattr_t *attr; /* IC_MUTEX_INIT (may be NULL) */
    const struct timespec *deadline; /* IC_TIMEDLOCK, IC_*TIMEDWAIT: absolute, on the
                                        object's own clock */
    long long timeout_ns;            /* IC_SLEEP, IC_POLL, IC_SELECT: relative; -1: none */
    pthread_t thread;                /* IC_JOIN: the one joined; IC_CREATE (after): the new one */
    void *(*start)(void *);          /* IC_CREATE, IC_BEGIN: the thread's function */
    int fd;                          /* IC_READ, IC_WRITE, IC_CLOSE */
    struct pollfd *pfds;             /* IC_POLL */
    int nfds;                        /* IC_POLL: entries of pfds; IC_SELECT: highest fd + 1 */
    fd_set *readfds, *writefds;      /* IC_SELECT (either may be NULL) */
    pid_t pid;                       /* IC_WAITPID: as waitpid's (-1: any child) */
    clockid_t clock;                 /* IC_CLOCK */
    struct timespec *now;            /* IC_CLOCK: where the reading goes */
    int options;                     /* IC_WAITPID */
    void *token[2];                  /* IC_CREATE, IC_BEGIN, IC_FORK: each client's own
                                        note for the new thread, by client (NULL at first) */
    int client;                      /* the client a hook runs for: its place now, and
                                        its slot in token */
    long result;                     /* set by the real call, or by a client that models it */
    int err;                         /* errno after a system call */
};

enum { INTERCEPT_CALL = 0, INTERCEPT_MODELLED = 1 };

/* A client: a hook before and after each kind of call it wants (NULL: none,
 * so a call of another kind costs it nothing).  Clients define them as
 * {.before = {[IC_LOCK] = my_lock, ...}, .after = {...}}.  A hook runs inside
 * the student's call, on its thread, with its locks held: it calls wrapped
 * functions only as __real_F (by name it would come back in), and keeps its
 * own state per thread or in atomics. */
struct intercept_client {
    /* Before the real call, on the calling thread.  May block it (park it
     * until the client lets it go on).  Returns INTERCEPT_CALL, or
     * INTERCEPT_MODELLED with c->result and c->err set: then the real call
     * is not made and later clients' before() is skipped; every client's
     * after() still runs. */
    int (*before[IC_KINDS])(struct icall *c);
    /* After the real (or modelled) call, with c->result and c->err. */
    void (*after[IC_KINDS])(struct icall *c);
    /* It models calls (the scheduler): it comes after every client that only
     * watches them (the tracker), whichever registered first, so that those
     * still see each call it models; so a client's place (c->client) can
     * change when another registers. */
    bool models;
};

/* Add a client.  Call it before the test starts threads: clients are read
 * without a lock.  False if two are already registered. */
bool intercept_register(const struct intercept_client *client);
/* Not a client: the runner's one question, how its test process ended.
 * Check is a static library, so the waitpid with which it reaps the test
 * (in the runner's process) comes through here too; when this is set,
 * every status a waitpid or wait reaps is handed to it.  The runner sets
 * it around a test and each test's process clears it. */
extern void (*intercept_reaped)(pid_t pid, int status);

/* The real calls, for clients and the kit's own code: inside any file linked
 * with --wrap, a wrapped function called by its own name comes back here. */
int __real_pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
int __real_pthread_join(pthread_t, void **);
int __real_pthread_mutex_lock(pthread_mutex_t *);
int __real_pthread_mutex_unlock(pthread_mutex_t *);
int __real_pthread_cond_timedwait(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
int __real_pthread_cond_broadcast(pthread_cond_t *);
int __real_nanosleep(const struct timespec *, struct timespec *);
ssize_t __real_read(int, void *, size_t);
ssize_t __real_write(int, const void *, size_t);
int __real_close(int);

#endif
