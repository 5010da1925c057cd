/*
 * intercept.c - every __wrap_F: the calls the code under test makes, handed
 * to the clients (intercept.h) around the real call.
 *
 * Each wrapper fills a struct icall, asks the clients, makes the real call
 * unless one of them modelled it, and tells the clients how it ended.  It
 * decides nothing itself.  Inside this file every wrapped function must be
 * called as __real_F: --wrap rewrites this file's own references too.
 */
#include <errno.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "intercept.h"

_Noreturn void __real_pthread_exit(void *);
int __real_pthread_mutex_trylock(pthread_mutex_t *);
int __real_pthread_mutex_timedlock(pthread_mutex_t *, const struct timespec *);
int __real_pthread_mutex_init(pthread_mutex_t *, const pthread_mutexattr_t *);
int __real_pthread_mutex_destroy(pthread_mutex_t *);
int __real_pthread_cond_wait(pthread_cond_t *, pthread_mutex_t *);
int __real_pthread_cond_signal(pthread_cond_t *);
int __real_pthread_barrier_wait(pthread_barrier_t *);
int __real_sem_wait(sem_t *);
int __real_sem_timedwait(sem_t *, const struct timespec *);
int __real_clock_nanosleep(clockid_t, int, const struct timespec *, struct timespec *);
int __real_usleep(useconds_t);
unsigned __real_sleep(unsigned);
pid_t __real_fork(void);
int __real_poll(struct pollfd *, nfds_t, int);
int __real_ppoll(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
int __real_select(int, fd_set *, fd_set *, fd_set *, struct timeval *);
int __real_pselect(int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *);
pid_t __real_waitpid(pid_t, int *, int);
pid_t __real_wait(int *);
int __real_sem_post(sem_t *);
int __real_sched_yield(void);
int __real_clock_gettime(clockid_t, struct timespec *);

enum { MAX_CLIENTS = 2 };
static const struct intercept_client *clients[MAX_CLIENTS];
static int nclients;

bool intercept_register(const struct intercept_client *client)
{
    for (int i = 0; i < nclients; i++)
        if (clients[i] == client)   /* a second test in one process: already there */
            return true;
    if (nclients == MAX_CLIENTS)
        return false;
    /* A client that only watches goes before any that models calls, so it
     * still sees their before() (a modelled call skips the clients after). */
    int at = nclients;
    while (!client->models && at > 0 && clients[at - 1]->models) {
        clients[at] = clients[at - 1];
        at--;
    }
    clients[at] = client;
    nclients++;
    return true;
}

/* The fields every call has; the rest are its kind's to set.  No
 * initialiser for the whole struct: clearing it costs more than the lock. */
static inline void icall_init(struct icall *c, enum icall_kind kind, void *at, void *object)
{
    c->kind = kind;
    c->at = at;
    c->object = object;
    c->timeout_ns = -1;
    c->result = 0;
    c->err = 0;
}

/* Each client's before(), in order, until one models the call; c->client
 * tells each hook whose it is.  Written out for the two slots: this runs on
 * every lock of every test. */
static inline int before(struct icall *c)
{
    const struct intercept_client *first = clients[0], *second = clients[1];
    c->client = 0;
    if (first && first->before[c->kind] && first->before[c->kind](c) == INTERCEPT_MODELLED)
        return INTERCEPT_MODELLED;
    c->client = 1;
    if (second && second->before[c->kind] && second->before[c->kind](c) == INTERCEPT_MODELLED)
        return INTERCEPT_MODELLED;
    return INTERCEPT_CALL;
}

/* Each client's after(), in reverse order: the first to see a call starting
 * is the last to see it end. */
static inline void after(struct icall *c)
{
    const struct intercept_client *first = clients[0], *second = clients[1];
    c->client = 1;
    if (second && second->after[c->kind])
        second->after[c->kind](c);
    c->client = 0;
    if (first && first->after[c->kind])
        first->after[c->kind](c);
}

/* The shape of every call that returns an error number (pthread_*). */
#define PTHREAD_CALL(c, real)                           \
    do {                                                \
        if (before(&(c)) == INTERCEPT_CALL)             \
            (c).result = (real);                        \
        after(&(c));                                    \
        return (int)(c).result;                         \
    } while (0)

/* The shape of every call that sets errno; errno survives the clients. */
#define ERRNO_CALL(type, c, real)                       \
    do {                                                \
        if (before(&(c)) == INTERCEPT_CALL) {           \
            (c).result = (long)(real);                  \
            (c).err = errno;                            \
        }                                               \
        after(&(c));                                    \
        errno = (c).err;                                \
        return (type)(c).result;                        \
    } while (0)

#define CALLER __builtin_return_address(0)

/* The whole wrapper of a pthread call on one object that tells the clients
 * nothing more: int F(T *object). */
#define PTHREAD_WRAPPER(F, T, KIND)                     \
    int __wrap_##F(T *object)                           \
    {                                                   \
        struct icall c;                                 \
        icall_init(&c, KIND, CALLER, object);           \
        PTHREAD_CALL(c, __real_##F(object));            \
    }

/* ---- threads ---------------------------------------------------------------- */

struct start {
    void *(*fn)(void *);
    void *arg;
    void *token[MAX_CLIENTS];
};

/* The first frame of every created thread: IC_BEGIN, its function, IC_END. */
static void *trampoline(void *arg)
{
    struct start s = *(struct start *)arg;
    free(arg);   /* no copy of ours may keep the program's memory alive */
    struct icall c;
    icall_init(&c, IC_BEGIN, NULL, NULL);
    c.start = s.fn;
    c.token[0] = s.token[0];
    c.token[1] = s.token[1];
    before(&c);
    after(&c);
    void *result = s.fn(s.arg);
    struct icall end;
    icall_init(&end, IC_END, NULL, NULL);
    before(&end);
    after(&end);
    return result;
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
                          void *arg)
{
    struct start *s = nclients ? malloc(sizeof *s) : NULL;
    if (!s)
        return __real_pthread_create(t, attr, fn, arg);
    struct icall c;
    icall_init(&c, IC_CREATE, CALLER, NULL);
    c.token[0] = c.token[1] = NULL;
    c.start = fn;
    if (before(&c) == INTERCEPT_CALL) {
        *s = (struct start){fn, arg, {c.token[0], c.token[1]}};
        c.result = __real_pthread_create(t, attr, trampoline, s);
        if (c.result == 0)
            c.thread = *t;
        else
            free(s);
    } else {
        free(s);
    }
    after(&c);
    return (int)c.result;
}

_Noreturn void __wrap_pthread_exit(void *result)
{
    struct icall c;
    icall_init(&c, IC_END, NULL, NULL);
    before(&c);
    after(&c);
    __real_pthread_exit(result);
}

int __wrap_pthread_join(pthread_t t, void **result)
{
    struct icall c;
    icall_init(&c, IC_JOIN, CALLER, NULL);
    c.thread = t;
    PTHREAD_CALL(c, __real_pthread_join(t, result));
}

/* ---- mutexes ------------------------------------------------------------------- */

int __wrap_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
    struct icall c;
    icall_init(&c, IC_MUTEX_INIT, CALLER, m);
    c.attr = attr;
    PTHREAD_CALL(c, __real_pthread_mutex_init(m, attr));
}

int __wrap_pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *deadline)
{
    struct icall c;
    icall_init(&c, IC_TIMEDLOCK, CALLER, m);
    c.deadline = deadline;
    PTHREAD_CALL(c, __real_pthread_mutex_timedlock(m, deadline));
}

PTHREAD_WRAPPER(pthread_mutex_destroy, pthread_mutex_t, IC_MUTEX_DESTROY)
PTHREAD_WRAPPER(pthread_mutex_lock, pthread_mutex_t, IC_LOCK)
PTHREAD_WRAPPER(pthread_mutex_trylock, pthread_mutex_t, IC_TRYLOCK)
PTHREAD_WRAPPER(pthread_mutex_unlock, pthread_mutex_t, IC_UNLOCK)

/* ---- condition variables, barriers, semaphores ---------------------------------- */

int __wrap_pthread_cond_wait(pthread_cond_t *cv, pthread_mutex_t *m)
{
    struct icall c;
    icall_init(&c, IC_COND_WAIT, CALLER, cv);
    c.mutex = m;
    PTHREAD_CALL(c, __real_pthread_cond_wait(cv, m));
}

int __wrap_pthread_cond_timedwait(pthread_cond_t *cv, pthread_mutex_t *m,
                                  const struct timespec *deadline)
{
    struct icall c;
    icall_init(&c, IC_COND_TIMEDWAIT, CALLER, cv);
    c.mutex = m;
    c.deadline = deadline;
    PTHREAD_CALL(c, __real_pthread_cond_timedwait(cv, m, deadline));
}

PTHREAD_WRAPPER(pthread_cond_signal, pthread_cond_t, IC_SIGNAL)
PTHREAD_WRAPPER(pthread_cond_broadcast, pthread_cond_t, IC_BROADCAST)
PTHREAD_WRAPPER(pthread_barrier_wait, pthread_barrier_t, IC_BARRIER_WAIT)

int __wrap_sem_wait(sem_t *sem)
{
    struct icall c;
    icall_init(&c, IC_SEM_WAIT, CALLER, sem);
    ERRNO_CALL(int, c, __real_sem_wait(sem));
}

int __wrap_sem_timedwait(sem_t *sem, const struct timespec *deadline)
{
    struct icall c;
    icall_init(&c, IC_SEM_TIMEDWAIT, CALLER, sem);
    c.deadline = deadline;
    ERRNO_CALL(int, c, __real_sem_timedwait(sem, deadline));
}

/* ---- sleeps ------------------------------------------------------------------------ */

static long long ns_of(const struct timespec *ts)
{
    return ts ? (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec : -1;
}

int __wrap_nanosleep(const struct timespec *d, struct timespec *left)
{
    struct icall c;
    icall_init(&c, IC_SLEEP, CALLER, NULL);
    c.timeout_ns = ns_of(d);
    ERRNO_CALL(int, c, __real_nanosleep(d, left));
}

int __wrap_clock_nanosleep(clockid_t clock, int flags, const struct timespec *d,
                           struct timespec *left)
{
    long long ns = ns_of(d);
    if (d && (flags & TIMER_ABSTIME)) {   /* a deadline: how far it is now */
        struct timespec now;
        clock_gettime(clock, &now);
        ns -= ns_of(&now);
        ns = ns < 0 ? 0 : ns;
    }
    struct icall c;
    icall_init(&c, IC_SLEEP, CALLER, NULL);
    c.timeout_ns = ns;
    PTHREAD_CALL(c, __real_clock_nanosleep(clock, flags, d, left));
}

int __wrap_usleep(useconds_t us)
{
    struct icall c;
    icall_init(&c, IC_SLEEP, CALLER, NULL);
    c.timeout_ns = (long long)us * 1000;
    ERRNO_CALL(int, c, __real_usleep(us));
}

unsigned __wrap_sleep(unsigned s)
{
    struct icall c;
    icall_init(&c, IC_SLEEP, CALLER, NULL);
    c.timeout_ns = (long long)s * 1000000000LL;
    ERRNO_CALL(unsigned, c, __real_sleep(s));
}

/* ---- processes ---------------------------------------------------------------------- */

pid_t __wrap_fork(void)
{
    struct icall c;
    icall_init(&c, IC_FORK, CALLER, NULL);
    ERRNO_CALL(pid_t, c, __real_fork());
}

/* ---- descriptors and children ------------------------------------------------------ */

ssize_t __wrap_read(int fd, void *buf, size_t len)
{
    struct icall c;
    icall_init(&c, IC_READ, CALLER, NULL);
    c.fd = fd;
    ERRNO_CALL(ssize_t, c, __real_read(fd, buf, len));
}

ssize_t __wrap_write(int fd, const void *buf, size_t len)
{
    struct icall c;
    icall_init(&c, IC_WRITE, CALLER, NULL);
    c.fd = fd;
    ERRNO_CALL(ssize_t, c, __real_write(fd, buf, len));
}

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    struct icall c;
    icall_init(&c, IC_POLL, CALLER, NULL);
    c.pfds = fds;
    c.nfds = (int)n;
    c.timeout_ns = timeout_ms < 0 ? -1 : (long long)timeout_ms * 1000000;
    ERRNO_CALL(int, c, __real_poll(fds, n, timeout_ms));
}

int __wrap_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
                 const sigset_t *mask)
{
    struct icall c;
    icall_init(&c, IC_POLL, CALLER, NULL);
    c.pfds = fds;
    c.nfds = (int)n;
    c.timeout_ns = ns_of(timeout);
    ERRNO_CALL(int, c, __real_ppoll(fds, n, timeout, mask));
}

int __wrap_select(int n, fd_set *in, fd_set *out, fd_set *errors, struct timeval *timeout)
{
    struct icall c;
    icall_init(&c, IC_SELECT, CALLER, NULL);
    c.nfds = n;
    c.readfds = in;
    c.writefds = out;
    if (timeout)
        c.timeout_ns = (long long)timeout->tv_sec * 1000000000LL + timeout->tv_usec * 1000LL;
    ERRNO_CALL(int, c, __real_select(n, in, out, errors, timeout));
}

int __wrap_pselect(int n, fd_set *in, fd_set *out, fd_set *errors,
                   const struct timespec *timeout, const sigset_t *mask)
{
    struct icall c;
    icall_init(&c, IC_SELECT, CALLER, NULL);
    c.nfds = n;
    c.readfds = in;
    c.writefds = out;
    c.timeout_ns = ns_of(timeout);
    ERRNO_CALL(int, c, __real_pselect(n, in, out, errors, timeout, mask));
}

void (*intercept_reaped)(pid_t pid, int status);

/* A waitpid's or wait's result, after telling intercept_reaped (if set)
 * what it reaped; errno is left as the call left it. */
static pid_t reaped(pid_t result, const int *status)
{
    void (*tell)(pid_t, int) = intercept_reaped;
    if (tell && result > 0 && status)
        tell(result, *status);
    return result;
}

pid_t __wrap_waitpid(pid_t pid, int *status, int options)
{
    struct icall c;
    icall_init(&c, IC_WAITPID, CALLER, NULL);
    c.pid = pid;
    c.options = options;
    ERRNO_CALL(pid_t, c, reaped(__real_waitpid(pid, status, options), status));
}

pid_t __wrap_wait(int *status)
{
    struct icall c;
    icall_init(&c, IC_WAITPID, CALLER, NULL);
    c.pid = -1;
    c.options = 0;
    ERRNO_CALL(pid_t, c, reaped(__real_wait(status), status));
}

int __wrap_close(int fd)
{
    struct icall c;
    icall_init(&c, IC_CLOSE, CALLER, NULL);
    c.fd = fd;
    ERRNO_CALL(int, c, __real_close(fd));
}

/* ---- the scheduler's own points (sched_client.c) ------------------------------------ */

int __wrap_sem_post(sem_t *sem)
{
    struct icall c;
    icall_init(&c, IC_SEM_POST, CALLER, sem);
    ERRNO_CALL(int, c, __real_sem_post(sem));
}

int __wrap_sched_yield(void)
{
    struct icall c;
    icall_init(&c, IC_YIELD, CALLER, NULL);
    ERRNO_CALL(int, c, __real_sched_yield());
}

int __wrap_clock_gettime(clockid_t clock, struct timespec *now)
{
    struct icall c;
    icall_init(&c, IC_CLOCK, CALLER, NULL);
    c.clock = clock;
    c.now = now;
    ERRNO_CALL(int, c, __real_clock_gettime(clock, now));
}
