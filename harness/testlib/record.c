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

#include "record.h"

enum { RECORD_MAGIC = 0x6b697453, RECORD_VERSION = 1 };

/* ---- the rules ---------------------------------------------------------------- */

bool rule_waits_for_good(const struct record *r, const struct rec_thread *t, double min_age)
{
    (void)r;
    return t->use == USE_LIVE && t->wait != WAIT_RUNNING && t->wait != WAIT_SLEEP &&
           !t->timed && t->kstate == 'S' && t->age >= min_age;
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
    if (t->timed || t->kstate != 'S')
        return NULL;
    const struct rec_lock *l = rule_waited_lock(r, t);
    return l ? record_thread(r, l->holder) : NULL;
}

static bool finished(const struct rec_thread *t)
{
    return t->use == USE_FINISHED || t->use == USE_JOINED;
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
        if (finished(h)) {
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

static bool write_all(int fd, const void *buf, size_t len)
{
    for (const char *p = buf; len > 0;) {
        ssize_t n = write(fd, p, len);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool read_all(int fd, void *buf, size_t len)
{
    for (char *p = buf; len > 0;) {
        ssize_t n = read(fd, p, len);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* The fixed part, then each table up to its count. */
#define HEADER_SIZE offsetof(struct record, threads)

bool record_write(const char *path, struct record *r)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    r->magic = RECORD_MAGIC;
    r->version = RECORD_VERSION;
    bool ok = write_all(fd, r, HEADER_SIZE) &&
              write_all(fd, r->threads, (size_t)r->nthreads * sizeof r->threads[0]) &&
              write_all(fd, r->locks, (size_t)r->nlocks * sizeof r->locks[0]) &&
              write_all(fd, r->conds, (size_t)r->nconds * sizeof r->conds[0]);
    close(fd);
    return ok;
}

/* A number from the file as a sane duration: finite, not negative. */
static double seconds(double x)
{
    return isfinite(x) && x >= 0 ? x : 0;
}

static bool valid_thread(struct rec_thread *t)
{
    if (t->number < 1 || t->use >= USE_COUNT || t->wait >= WAIT_COUNT || t->timed > 1 ||
        t->nframes < 0 || t->nframes > REC_FRAMES || t->join_target < 0)
        return false;
    if (t->kstate < 'A' || t->kstate > 'Z')
        t->kstate = '?';
    t->age = seconds(t->age);
    return true;
}

static bool valid_tables(struct record *r)
{
    for (int i = 0; i < r->nthreads; i++)
        if (!valid_thread(&r->threads[i]))
            return false;
    for (int i = 0; i < r->nlocks; i++) {
        struct rec_lock *l = &r->locks[i];
        if (l->holder < 0 || l->count < 0)
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
    bool ok = read_all(fd, r, HEADER_SIZE) && r->magic == RECORD_MAGIC &&
              r->version == RECORD_VERSION &&
              r->reason >= REASON_STUCK && r->reason <= REASON_FAILED &&
              r->nthreads >= 0 && r->nthreads <= REC_THREADS &&
              r->nlocks >= 0 && r->nlocks <= REC_LOCKS &&
              r->nconds >= 0 && r->nconds <= REC_CONDS &&
              read_all(fd, r->threads, (size_t)r->nthreads * sizeof r->threads[0]) &&
              read_all(fd, r->locks, (size_t)r->nlocks * sizeof r->locks[0]) &&
              read_all(fd, r->conds, (size_t)r->nconds * sizeof r->conds[0]) &&
              valid_tables(r);
    close(fd);
    if (!ok) {
        memset(r, 0, HEADER_SIZE);
        return false;
    }
    r->elapsed = seconds(r->elapsed);
    r->clock_early = seconds(r->clock_early);
    r->untracked = r->untracked != 0;
    return true;
}
