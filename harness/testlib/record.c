/*
 * record.c - the rules both the watcher and the diagnosis apply to a record
 * (record.h), and the record's file: written by the test's process, read
 * back by the runner, which trusts none of it until checked.
 */
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "intercept.h"
#include "record.h"

enum { RECORD_MAGIC = 0x6b697453, RECORD_VERSION = 2 };

/* ---- the rules ---------------------------------------------------------------- */

const struct rec_fd *record_fd(const struct record *r, int proc, int fd)
{
    for (int i = 0; i < r->nfds; i++)
        if (r->fds[i].proc == proc && r->fds[i].fd == fd)
            return &r->fds[i];
    return NULL;
}

bool record_died(const struct record *r, const struct rec_thread *t)
{
    return t->proc >= 0 && t->proc < r->nprocs && r->procs[t->proc].state == PROC_DEAD;
}

/* Is the other end of pipe end `e` open somewhere in the test's processes? */
static bool other_end_inside(const struct record *r, const struct rec_fd *e)
{
    for (int i = 0; i < r->nfds; i++)
        if (r->fds[i].inode == e->inode && r->fds[i].end != e->end)
            return true;
    return false;
}

/* Every descriptor t waits on is a pipe whose other end only the test's
 * processes hold (a pipe from elsewhere may be written from elsewhere). */
static bool fds_for_good(const struct record *r, const struct rec_thread *t)
{
    if (t->nfds < 1 || t->nfds > REC_WAIT_FDS)
        return false;
    for (int i = 0; i < t->nfds; i++) {
        if (!t->fd_dirs[i])
            continue;   /* polled for errors only */
        const struct rec_fd *e = record_fd(r, t->proc, t->fds[i]);
        if (!e || !other_end_inside(r, e))
            return false;
    }
    return true;
}

/* A child the tracker sees, alive: waitpid(-1) needs one, and no other. */
static bool child_for_good(const struct record *r, const struct rec_thread *t)
{
    int live = 0;
    for (int i = 1; i < r->nprocs; i++) {
        const struct rec_proc *p = &r->procs[i];
        if (p->parent != t->proc || p->state == PROC_DEAD)
            continue;
        if (p->state != PROC_LIVE)
            return false;
        live += t->child <= 0 || p->pid == t->child;
    }
    return live > 0;
}

bool rule_waits_for_good(const struct record *r, const struct rec_thread *t, double min_age)
{
    if (t->use != USE_LIVE || t->wait == WAIT_RUNNING || t->wait == WAIT_SLEEP || t->timed ||
        (r->probed && t->kstate != 'S') || t->age < min_age)
        return false;
    if (t->wait >= WAIT_READ && t->wait <= WAIT_SELECT)
        return !r->probed || fds_for_good(r, t);
    if (t->wait == WAIT_CHILD)
        return !r->probed || child_for_good(r, t);
    return true;
}

bool rule_all_stuck(const struct record *r)
{
    if (r->untracked)
        return false;
    int live = 0;
    for (int i = 0; i < r->nthreads; i++) {
        const struct rec_thread *t = &r->threads[i];
        if (t->use == USE_STARTING)
            return false;
        if (t->use != USE_LIVE)
            continue;
        live++;
        if (!rule_waits_for_good(r, t, 0))
            return false;
    }
    return live > 0;
}

const struct rec_thread *record_thread(const struct record *r, int number)
{
    for (int i = 0; i < r->nthreads; i++)
        if (r->threads[i].number == number)
            return &r->threads[i];
    return NULL;
}

const struct rec_lock *rule_waited_lock(const struct record *r, const struct rec_thread *t)
{
    if (t->use != USE_LIVE || t->wait != WAIT_MUTEX)
        return NULL;
    for (int i = 0; i < r->nlocks; i++)
        if (r->locks[i].key == t->object && r->locks[i].holder)
            return &r->locks[i];
    return NULL;
}

/* Asleep in a mutex wait with no deadline: the only waits a deadlock is made of. */
static const struct rec_thread *asleep_holder(const struct record *r, const struct rec_thread *t)
{
    if (t->timed || (r->probed && t->kstate != 'S'))
        return NULL;
    const struct rec_lock *l = rule_waited_lock(r, t);
    return l ? record_thread(r, l->holder) : NULL;
}

static bool finished(const struct rec_thread *t)
{
    return t->use == USE_FINISHED || t->use == USE_JOINED;
}

/* The kernel hands a robust mutex on when its owner's process dies
 * (EOWNERDEAD): that wait ends. */
static bool handed_on(const struct record *r, const struct rec_thread *t, const struct rec_thread *h)
{
    const struct rec_lock *l = rule_waited_lock(r, t);
    return l && l->robust && record_died(r, h);
}

/* From t, follow "waits for a lock held by" until it comes back to t. */
static bool cycle_from(const struct record *r, int start, struct deadlock *d)
{
    d->n = 0;
    for (int i = start; d->n < REC_DEPTH;) {
        const struct rec_thread *h = asleep_holder(r, &r->threads[i]);
        if (!h)
            return false;
        d->chain[d->n++] = i;
        int next = (int)(h - r->threads);
        if (next == start)
            return true;
        for (int k = 1; k < d->n; k++)
            if (d->chain[k] == next)
                return false;   /* a cycle without start: found from its members */
        i = next;
    }
    return false;
}

bool rule_deadlock(const struct record *r, struct deadlock *d)
{
    memset(d, 0, sizeof *d);
    for (int i = 0; i < r->nthreads; i++) {
        const struct rec_thread *t = &r->threads[i];
        const struct rec_thread *h = asleep_holder(r, t);
        if (!h)
            continue;
        d->chain[0] = i;
        d->chain[1] = (int)(h - r->threads);
        if (h == t) {
            d->kind = DEADLOCK_SELF;
            d->n = 1;
            return true;
        }
        if (finished(h) && !handed_on(r, t, h)) {
            d->kind = DEADLOCK_FINISHED_HOLDER;
            d->n = 2;
            return true;
        }
        if (cycle_from(r, i, d)) {
            d->kind = DEADLOCK_CYCLE;
            return true;
        }
    }
    memset(d, 0, sizeof *d);
    return false;
}

/* ---- the file ------------------------------------------------------------------- */

enum direction { IN, OUT };

/* All len bytes of buf read from fd (IN) or written to it (OUT); false at an
 * error or the end of the file. */
static bool move_all(int fd, void *buf, size_t len, enum direction d)
{
    for (char *p = buf; len > 0;) {
        ssize_t n = d == OUT ? __real_write(fd, p, len) : __real_read(fd, p, len);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* The file: the fixed part, then each table up to its count. */
#define HEADER_SIZE offsetof(struct record, threads)

/* The tables, after the fixed part, each up to its count. */
static bool move_tables(int fd, struct record *r, enum direction d)
{
    return move_all(fd, r->threads, (size_t)r->nthreads * sizeof r->threads[0], d) &&
           move_all(fd, r->locks, (size_t)r->nlocks * sizeof r->locks[0], d) &&
           move_all(fd, r->conds, (size_t)r->nconds * sizeof r->conds[0], d) &&
           move_all(fd, r->procs, (size_t)r->nprocs * sizeof r->procs[0], d) &&
           move_all(fd, r->fds, (size_t)r->nfds * sizeof r->fds[0], d);
}

bool record_write(const char *path, struct record *r)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    r->magic = RECORD_MAGIC;
    r->version = RECORD_VERSION;
    bool ok = move_all(fd, r, HEADER_SIZE, OUT) && move_tables(fd, r, OUT);
    __real_close(fd);
    return ok;
}

/* A number from the file as a sane duration: finite, not negative. */
static double seconds(double x)
{
    return isfinite(x) && x >= 0 ? x : 0;
}

static bool valid_thread(const struct record *r, struct rec_thread *t)
{
    if (t->number < 1 || t->use >= USE_COUNT || t->wait >= WAIT_COUNT || t->timed > 1 ||
        t->nframes < 0 || t->nframes > REC_FRAMES || t->join_target < 0 ||
        t->proc < 0 || t->proc >= r->nprocs || t->nfds < 0)
        return false;
    for (int i = 0; i < t->nfds && i < REC_WAIT_FDS; i++)
        if (t->fds[i] < 0 || t->fd_dirs[i] > (FD_IN | FD_OUT))
            return false;
    if (t->kstate < 'A' || t->kstate > 'Z')
        t->kstate = '?';
    t->age = seconds(t->age);
    return true;
}

static bool valid_procs(const struct record *r)
{
    for (int i = 0; i < r->nprocs; i++) {
        const struct rec_proc *p = &r->procs[i];
        if (p->pid < 0 || p->state >= PROC_STATES || p->parent < -1 || p->parent >= i ||
            (i == 0) != (p->parent == -1))
            return false;
    }
    for (int i = 0; i < r->nfds; i++) {
        const struct rec_fd *f = &r->fds[i];
        if (f->proc < 0 || f->proc >= r->nprocs || f->fd < 0 || f->end > END_WRITE ||
            f->writer < 0)
            return false;
    }
    return true;
}

static bool valid_tables(struct record *r)
{
    if (r->nprocs < 1 || !valid_procs(r))
        return false;
    for (int i = 0; i < r->nthreads; i++)
        if (!valid_thread(r, &r->threads[i]))
            return false;
    for (int i = 0; i < r->nlocks; i++) {
        struct rec_lock *l = &r->locks[i];
        if (l->holder < 0 || l->count < 0 || l->shared > 1 || l->robust > 1)
            return false;
        l->age = seconds(l->age);
    }
    for (int i = 0; i < r->nconds; i++) {
        struct rec_cond *c = &r->conds[i];
        if (c->waiters < 0 || c->last_waiters < 0 || c->wakes < 0 ||
            c->last_kind < SIGNAL_NEVER || c->last_kind > SIGNAL_ALL)
            return false;
        c->last_age = c->last_kind == SIGNAL_NEVER ? -1 : seconds(c->last_age);
    }
    return true;
}

bool record_read(const char *path, struct record *r)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = move_all(fd, r, HEADER_SIZE, IN) && r->magic == RECORD_MAGIC &&
              r->version == RECORD_VERSION && r->probed == 1 &&
              r->reason >= REASON_STUCK && r->reason <= REASON_FAILED &&
              r->nthreads >= 0 && r->nthreads <= REC_THREADS &&
              r->nlocks >= 0 && r->nlocks <= REC_LOCKS &&
              r->nconds >= 0 && r->nconds <= REC_CONDS &&
              r->nprocs >= 0 && r->nprocs <= REC_PROCS && r->nfds >= 0 && r->nfds <= REC_FDS &&
              move_tables(fd, r, IN) &&
              valid_tables(r);
    __real_close(fd);
    if (!ok) {
        memset(r, 0, HEADER_SIZE);
        return false;
    }
    r->elapsed = seconds(r->elapsed);
    r->clock_early = seconds(r->clock_early);
    r->untracked = r->untracked != 0;
    return true;
}
