/*
 * diagnose.c - a stopped test's record (record.h) in words.
 *
 * The record is read back with record_read(), which checks every field: the
 * test's own process wrote it.  The same rules that stopped the test
 * (record.c) decide the verdict here.  Addresses become `function
 * (file:line)` through addr2line from binutils, which comes with gcc on
 * Debian (harness/scripts/deps.sh checks): one run for the whole record.
 * Each thread is placed at its innermost frame in the student's files;
 * failing that, in the test's own file.  Locks and condition variables are
 * named by the argument of the call on the source line that took or waited
 * on them ("b->not_empty"), or by a letter when that source is not readable.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagnose.h"
#include "places.h"
#include "record.h"

/* Every text here is cut to a fixed size on purpose: feedback is bounded. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

static struct record rec;                /* ~1 MB */
static struct {                          /* what diagnose() works out for each thread */
    char where[256];                     /* "fn (file:line)" */
    char fn[96];                         /* fn, when in the student's files */
} placed[REC_THREADS];
static char lock_names[REC_LOCKS][128];  /* named when first needed */
static char cond_names[REC_CONDS][128];
static int letters;
/* A failed check: only threads that had waited this long (with no deadline)
 * count as stuck; a helper waiting a moment for the test is not news. */
static double min_age;
enum { FAILED_MIN_AGE_S = 1 };

/* A name for an object from the source line of `site`, else "mutex A". */
static void name_object(uint64_t site, const char *call, const char *kind, char *out, size_t size)
{
    const struct resolved *r = places_find(site);
    char arg[120];
    if (r && r->depth && call_argument(r->chain[0].file, r->chain[0].line, call, arg, sizeof arg)) {
        snprintf(out, size, "%s", arg);
        return;
    }
    snprintf(out, size, "%s %c", kind, 'A' + letters++ % 26);
}

/* A held lock's name: by a waiter's call if one waits for it, else its holder's. */
static const char *lock_name(const struct rec_lock *l)
{
    char *name = lock_names[l - rec.locks];
    if (*name)
        return name;
    uint64_t site = l->at;
    for (int k = 0; k < rec.nthreads; k++)
        if (rec.threads[k].wait == WAIT_MUTEX && rec.threads[k].object == l->key)
            site = rec.threads[k].at;
    name_object(site, "pthread_mutex_lock", "mutex", name, sizeof lock_names[0]);
    return name;
}

/* A condition variable's name, by a waiter's call. */
static const char *cond_name(const struct rec_cond *c)
{
    char *name = cond_names[c - rec.conds];
    if (*name)
        return name;
    uint64_t site = 0;
    const char *call = "pthread_cond_wait";
    for (int k = 0; k < rec.nthreads && !site; k++)
        if (rec.threads[k].wait == WAIT_COND && rec.threads[k].object == c->key) {
            site = rec.threads[k].at;
            call = rec.threads[k].timed ? "pthread_cond_timedwait" : "pthread_cond_wait";
        }
    name_object(site, call, "condition variable", name, sizeof cond_names[0]);
    return name;
}

static const struct rec_cond *cond_of(uint64_t key)
{
    for (int i = 0; i < rec.nconds; i++)
        if (rec.conds[i].key == key)
            return &rec.conds[i];
    return NULL;
}

/* The lock as the waiting thread's own line spells it, else its name. */
static const char *waited_name(const struct rec_thread *t, const struct rec_lock *l, char *out,
                               size_t size)
{
    const struct resolved *r = places_find(t->at);
    if (r && r->depth && call_argument(r->chain[0].file, r->chain[0].line, "pthread_mutex_lock",
                                       out, size))
        return out;
    return lock_name(l);
}

/* ---- words ---------------------------------------------------------------------- */

/* Append printf-style to a fixed buffer. */
static void add(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

static void add_look_at(struct diagnosis *d, const char *fn)
{
    if (!fn || !*fn)
        return;
    char padded[128];
    snprintf(padded, sizeof padded, ", %s,", fn);
    char have[600];
    snprintf(have, sizeof have, ", %s,", d->look_at);
    if (strstr(have, padded))
        return;
    add(d->look_at, sizeof d->look_at, "%s%s", *d->look_at ? ", " : "", fn);
}

/* A process as the feedback names it: "the test's process", "child 2 (pid 812)". */
static const char *proc_label(int proc, char *buf, size_t size)
{
    if (proc <= 0 || proc >= rec.nprocs)
        return "the test's process";
    snprintf(buf, size, "child %d (pid %d)", proc, rec.procs[proc].pid);
    return buf;
}

static const char *thread_label(const struct rec_thread *t, char *buf, size_t size)
{
    char proc[64];
    if (t->number == 1)
        return "thread 1 (the test)";
    if (t->proc > 0 && !t->start)   /* the thread that forked, in the child */
        return proc_label(t->proc, buf, size);
    const struct resolved *r = places_find(t->start);
    if (r && r->depth)   /* the outermost of an inline chain is the function itself */
        snprintf(buf, size, "thread %d (%s)", t->number, r->chain[r->depth - 1].fn);
    else
        snprintf(buf, size, "thread %d", t->number);
    if (t->proc > 0)
        add(buf, size, " in %s", proc_label(t->proc, proc, sizeof proc));
    return buf;
}

static const char *where(const struct rec_thread *t) { return placed[t - rec.threads].where; }
static const char *where_fn(const struct rec_thread *t) { return placed[t - rec.threads].fn; }

/* ---- descriptors and children ------------------------------------------------------- */

static const char *const fd_calls[WAIT_COUNT] = {
    [WAIT_READ] = "read()", [WAIT_WRITE] = "write()", [WAIT_POLL] = "poll()",
    [WAIT_SELECT] = "select()",
};

static bool is_fd_wait(const struct rec_thread *t)
{
    return t->wait >= WAIT_READ && t->wait <= WAIT_SELECT;
}

/* The descriptor's name in the student's call, when the source says more
 * than a helper's parameter: "task_fd" for read_all(task_fd, ...) calling
 * read(fd, ...).  Needs the sampled stack. */
static bool fd_name(const struct rec_thread *t, char *out, size_t size)
{
    const char *call = t->wait == WAIT_READ ? "read" : t->wait == WAIT_WRITE ? "write" : NULL;
    int steps = 0;   /* one step out, as sanitizer.c names a helper's mutex */
    for (int i = 0; call && i < t->nframes; i++) {
        const struct resolved *r = places_find(t->frames[i]);
        for (int d = 0; r && d < r->depth; d++) {   /* inlined callers too */
            const struct place *pl = &r->chain[d];
            if (!places_is_students(pl->file))
                continue;
            if (!call_argument(pl->file, pl->line, call, out, size))
                return false;
            if (steps++ || strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789_") != strlen(out))
                return true;
            call = pl->fn;   /* perhaps a parameter: what did its caller pass? */
        }
    }
    return false;
}

/* Who holds the other end of pipe end e, waited on by t: "child 2 itself
 * (fd 6) and the test's process (fd 9)".  How many holders there are. */
static int holders(const struct rec_thread *t, const struct rec_fd *e, char *buf, size_t size)
{
    char who[96];
    int n = 0;
    for (int i = 0; i < rec.nfds; i++) {
        const struct rec_fd *f = &rec.fds[i];
        if (f->inode != e->inode || f->end == e->end)
            continue;
        add(buf, size, "%s%s%s (fd %d)", n++ ? " and in " : "",
            proc_label(f->proc, who, sizeof who), f->proc == t->proc ? " itself" : "", f->fd);
    }
    return n;
}

/* One descriptor a thread waits on, in words. */
static void fd_words(char *buf, size_t size, const struct rec_thread *t, int k)
{
    const struct rec_fd *e = record_fd(&rec, t->proc, t->fds[k]);
    char name[64];
    add(buf, size, "fd %d", t->fds[k]);
    if (t->nfds == 1 && fd_name(t, name, sizeof name))
        add(buf, size, " (%s)", name);
    if (!e) {
        add(buf, size, ", not a pipe");
        return;
    }
    add(buf, size, ", a pipe whose %s end is open in ", e->end == END_READ ? "write" : "read");
    if (!holders(t, e, buf, size))
        add(buf, size, "no process of the test");
}

/* "waits in poll() in collector (procpool.c:611) on fd 7, a pipe whose ..." */
static void fd_wait_words(char *buf, size_t size, const struct rec_thread *t)
{
    add(buf, size, "waits in %s in %s on ", fd_calls[t->wait], where(t));
    int shown = 0;
    for (int k = 0; k < t->nfds && k < REC_WAIT_FDS; k++) {
        if (!t->fd_dirs[k])
            continue;
        if (shown++ == 4) {
            add(buf, size, "; and %d more", t->nfds - k);
            break;
        }
        if (shown > 1)
            add(buf, size, "; ");
        fd_words(buf, size, t, k);
    }
}

static void child_wait_words(char *buf, size_t size, const struct rec_thread *t)
{
    char who[64];
    for (int i = 1; t->child > 0 && i < rec.nprocs; i++)
        if (rec.procs[i].pid == t->child) {
            add(buf, size, "waits in waitpid() in %s for %s", where(t),
                proc_label(i, who, sizeof who));
            return;
        }
    add(buf, size, "waits in waitpid() in %s for %s", where(t),
        t->child > 0 ? "a child" : "any child");
}

/* The fork() that made t's process, as "start_worker (procpool.c:354)"; fn
 * gets its function if it is the student's. */
static void forked_where(const struct rec_thread *t, char *out, size_t size, char *fn, size_t fn_size)
{
    places_where(rec.procs[t->proc].forked_at, out, size, fn, fn_size);
}

/* A process that waits to read a pipe whose write end it holds itself can
 * never see it end: the missing close after a fork.  Says so, once. */
static bool self_pipe_hint(struct diagnosis *d, char *hint, size_t size)
{
    char label[128], place[256], fn[96] = "";
    for (int i = 0; i < rec.nthreads; i++) {
        const struct rec_thread *t = &rec.threads[i];
        if (!is_fd_wait(t) || !rule_waits_for_good(&rec, t, min_age))
            continue;
        for (int k = 0; k < t->nfds && k < REC_WAIT_FDS; k++) {
            const struct rec_fd *e = record_fd(&rec, t->proc, t->fds[k]);
            for (int j = 0; e && e->end == END_READ && j < rec.nfds; j++) {
                const struct rec_fd *f = &rec.fds[j];
                if (f->inode != e->inode || f->end != END_WRITE || f->proc != t->proc)
                    continue;
                snprintf(hint, size, "\n%s holds the write end (fd %d) of the pipe it waits "
                         "to read (fd %d), so that pipe never ends: a pipe reads end-of-file only "
                         "once every copy of its write end is closed, in every process, and a "
                         "forked child starts with a copy of every descriptor.",
                         thread_label(t, label, sizeof label), f->fd, t->fds[k]);
                if (t->proc > 0) {
                    forked_where(t, place, sizeof place, fn, sizeof fn);
                    add(hint, size, " Does %s, which forked it, close the ends a child does "
                        "not use?", place);
                } else {
                    add(hint, size, " Is a close missing once nothing more is to be written?");
                }
                add_look_at(d, *fn ? fn : where_fn(t));
                return true;
            }
        }
    }
    return false;
}

/* The function a thread runs, if it is the student's: "feeder". */
static void start_fn(const struct rec_thread *t, char *fn, size_t size)
{
    const struct resolved *r = places_find(t->start);
    const struct place *pl = r && r->depth ? &r->chain[r->depth - 1] : NULL;
    if (pl && places_is_students(pl->file))
        snprintf(fn, size, "%s", pl->fn);
}

/* A reader waits for a pipe whose write end another process keeps: name the
 * thread that last wrote to that end, the one that should have closed it. */
static bool writer_hint(struct diagnosis *d, const struct rec_thread *t, const struct rec_fd *e,
                        bool finished_only, char *hint, size_t size)
{
    char label[128], wlabel[128], who[64], place[256], fn[96] = "";
    for (int j = 0; j < rec.nfds; j++) {
        const struct rec_fd *f = &rec.fds[j];
        const struct rec_thread *w = f->writer ? record_thread(&rec, f->writer) : NULL;
        if (f->inode != e->inode || f->end != END_WRITE || f->proc == t->proc || !w ||
            (finished_only && w->use == USE_LIVE))
            continue;
        places_where(f->write_at, place, sizeof place, NULL, 0);
        snprintf(hint, size, "\n%s waits to read fd %d, whose write end %s still holds (fd %d); "
                 "%s last wrote to it, in %s, and ", thread_label(t, label, sizeof label),
                 e->fd, proc_label(f->proc, who, sizeof who), f->fd,
                 thread_label(w, wlabel, sizeof wlabel), place);
        if (w->use == USE_LIVE)
            add(hint, size, "now waits in %s", where(w));
        else
            add(hint, size, "has finished");
        add(hint, size, ". A reader sees end-of-file only once every copy of the write end "
            "is closed: should that end have been closed once there was nothing more to send?");
        start_fn(w, fn, sizeof fn);
        add_look_at(d, *fn ? fn : where_fn(w));
        return true;
    }
    return false;
}

/* Processes waiting on one another's pipes, with nothing else left: the
 * likeliest cause first (a pipe end its own reader keeps, or the writer
 * that never closed its end), else the shape of it. */
static void pipes_hint(struct diagnosis *d, char *hint, size_t size)
{
    if (self_pipe_hint(d, hint, size))
        return;
    int procs = 0;
    bool seen[REC_PROCS] = {false};
    for (int pass = 0; pass < 2; pass++)   /* a writer that finished first */
        for (int i = 0; i < rec.nthreads; i++) {
            const struct rec_thread *t = &rec.threads[i];
            if (!(is_fd_wait(t) || t->wait == WAIT_CHILD) || !rule_waits_for_good(&rec, t, min_age))
                continue;
            procs += !seen[t->proc];
            seen[t->proc] = true;
            for (int k = 0; is_fd_wait(t) && k < t->nfds && k < REC_WAIT_FDS; k++) {
                const struct rec_fd *e = record_fd(&rec, t->proc, t->fds[k]);
                if (e && e->end == END_READ && writer_hint(d, t, e, pass == 0, hint, size))
                    return;
            }
        }
    if (procs > 1)
        snprintf(hint, size, "\nThese processes wait for one another: each waits for a pipe "
                 "end or a child that only the others could write, close or end. Which of them "
                 "should have closed its end once it had nothing more to send?");
}

static void self_deadlock(struct diagnosis *d, const struct rec_thread *t)
{
    char label[128], taken[256], fn[96] = "";
    const struct rec_lock *l = rule_waited_lock(&rec, t);
    places_where(l->at, taken, sizeof taken, fn, sizeof fn);
    snprintf(d->verdict, sizeof d->verdict,
             "deadlock: %s waits for %s, which it holds itself: it locked it in %s "
             "and never unlocked it, and now locks it again in %s, so it waits for "
             "itself forever. Is an unlock missing, or the same lock taken twice?",
             thread_label(t, label, sizeof label), lock_name(l), taken, where(t));
    add_look_at(d, fn);
    add_look_at(d, where_fn(t));
}

static void finished_holder(struct diagnosis *d, const struct rec_thread *t,
                            const struct rec_thread *h)
{
    char label[128], label2[128], taken[256], fn[96] = "", made_fn[96] = "", made[256];
    const struct rec_lock *l = rule_waited_lock(&rec, t);
    places_where(l->at, taken, sizeof taken, fn, sizeof fn);
    if (!record_died(&rec, h)) {
        snprintf(d->verdict, sizeof d->verdict,
                 "deadlock: %s waits for %s in %s, but %s locked it in %s and finished "
                 "without unlocking it: nobody can unlock it now. Is an unlock missing "
                 "on some path?",
                 thread_label(t, label, sizeof label), lock_name(l), where(t),
                 thread_label(h, label2, sizeof label2), taken);
        add_look_at(d, fn);
        add_look_at(d, where_fn(t));
        return;
    }
    places_where(l->made_at, made, sizeof made, made_fn, sizeof made_fn);
    snprintf(d->verdict, sizeof d->verdict,
             "deadlock: %s waits for %s in %s, but %s locked it in %s and died holding it: "
             "nobody can unlock it now, so make the mutex robust (pthread_mutexattr_setrobust "
             "with PTHREAD_MUTEX_ROBUST, where it is made%s%s): then the next locker gets "
             "EOWNERDEAD instead of waiting forever.",
             thread_label(t, label, sizeof label), lock_name(l), where(t),
             thread_label(h, label2, sizeof label2), taken, l->made_at ? ", in " : "",
             l->made_at ? made : "");
    add_look_at(d, made_fn);
    add_look_at(d, where_fn(t));
}

static void cycle(struct diagnosis *d, const struct deadlock *dl)
{
    char label[128], label2[128], place[256], fn[96], nm[128];
    snprintf(d->verdict, sizeof d->verdict, "deadlock: a cycle of threads each "
             "waiting for a lock the next one holds:");
    for (int k = 0; k < dl->n; k++) {
        const struct rec_thread *t = &rec.threads[dl->chain[k]];
        const struct rec_thread *next = &rec.threads[dl->chain[(k + 1) % dl->n]];
        const struct rec_lock *l = rule_waited_lock(&rec, t);
        fn[0] = '\0';
        places_where(l->at, place, sizeof place, fn, sizeof fn);
        add(d->verdict, sizeof d->verdict, "\n  %s waits for %s in %s; %s holds it, locked in %s",
            thread_label(t, label, sizeof label), waited_name(t, l, nm, sizeof nm), where(t),
            thread_label(next, label2, sizeof label2), place);
        add_look_at(d, where_fn(t));
        add_look_at(d, fn);
    }
    add(d->verdict, sizeof d->verdict, "\nThe same locks are taken in opposite "
        "orders: take them in one fixed order everywhere.");
}

/* A mutex wait that can never end (rule_deadlock), in words. */
static bool deadlock_verdict(struct diagnosis *d)
{
    struct deadlock dl;
    if (!rule_deadlock(&rec, &dl) || !rule_waits_for_good(&rec, &rec.threads[dl.chain[0]], min_age))
        return false;
    const struct rec_thread *t = &rec.threads[dl.chain[0]];
    if (dl.kind == DEADLOCK_SELF)
        self_deadlock(d, t);
    else if (dl.kind == DEADLOCK_FINISHED_HOLDER)
        finished_holder(d, t, &rec.threads[dl.chain[1]]);
    else
        cycle(d, &dl);
    return true;
}

/* How the last wakeup of a condition variable went, and what that means. */
static void last_wakeup(struct diagnosis *d, const struct rec_cond *cv)
{
    char place[256], fn[96] = "";
    if (cv->last_kind == SIGNAL_NEVER) {
        d->missing_waker = true;
        add(d->verdict, sizeof d->verdict, "; it was never signalled or broadcast: "
            "whoever changes what they wait for must signal (a lost wakeup); a wait "
            "for time to pass needs a deadline (pthread_cond_timedwait).");
        return;
    }
    places_where(cv->last_at, place, sizeof place, fn, sizeof fn);
    add(d->verdict, sizeof d->verdict, "; last %s in %s, when %d thread%s waiting",
        cv->last_kind == SIGNAL_ONE ? "signalled" : "broadcast", place, cv->last_waiters,
        cv->last_waiters == 1 ? " was" : "s were");
    if (cv->last_kind == SIGNAL_ONE && cv->last_waiters > 1)
        add(d->verdict, sizeof d->verdict, ": a signal wakes one waiter; "
            "pthread_cond_broadcast wakes them all.");
    else if (cv->last_waiters == 0 && (d->missing_waker = true))
        add(d->verdict, sizeof d->verdict, ": that wakeup was lost, nobody waited yet. "
            "Wait in a loop on the condition, checked under the lock.");
    else
        add(d->verdict, sizeof d->verdict, "; nothing has woken them since.");
    add_look_at(d, fn);
}

/* Each condition variable threads wait on for good: who, where, and its last wakeup. */
static void stuck_conds(struct diagnosis *d)
{
    char label[128];
    for (int c = 0; c < rec.nconds; c++) {
        const struct rec_cond *cv = &rec.conds[c];
        int shown = 0;
        for (int i = 0; i < rec.nthreads; i++) {
            const struct rec_thread *t = &rec.threads[i];
            if (t->wait != WAIT_COND || t->object != cv->key || !rule_waits_for_good(&rec, t, min_age))
                continue;
            if (!shown)
                add(d->verdict, sizeof d->verdict, "\n  %s: ", cond_name(cv));
            add(d->verdict, sizeof d->verdict, "%s%s waits in %s", shown++ ? ", " : "",
                thread_label(t, label, sizeof label), where(t));
            add_look_at(d, where_fn(t));
        }
        if (shown)
            last_wakeup(d, cv);
    }
}

/* A mutex wait for good, in words: who holds it. */
static void mutex_wait_line(struct diagnosis *d, const struct rec_thread *t, const char *label)
{
    char holder[128];
    const struct rec_lock *l = rule_waited_lock(&rec, t);
    const struct rec_thread *h = l ? record_thread(&rec, l->holder) : NULL;
    if (h && h->proc != t->proc)
        add(d->verdict, sizeof d->verdict, "\n  %s waits for %s (held by %s) in %s", label,
            lock_name(l), thread_label(h, holder, sizeof holder), where(t));
    else if (l)
        add(d->verdict, sizeof d->verdict, "\n  %s waits for %s (held by thread %d) in %s",
            label, lock_name(l), l->holder, where(t));
    else
        add(d->verdict, sizeof d->verdict, "\n  %s waits for a mutex that no thread of "
            "this process holds (a process that died holding it?) in %s", label, where(t));
}

/* Every other wait for good: joins, mutexes, semaphores, barriers,
 * descriptors, children. */
static void stuck_others(struct diagnosis *d)
{
    char buf[128];
    for (int i = 0; i < rec.nthreads; i++) {
        const struct rec_thread *t = &rec.threads[i];
        if (!rule_waits_for_good(&rec, t, min_age) || t->wait == WAIT_COND)
            continue;
        const char *label = thread_label(t, buf, sizeof buf);
        if (t->wait == WAIT_JOIN) {
            add(d->verdict, sizeof d->verdict, "\n  %s waits in pthread_join for thread %d, in %s",
                label, t->join_target, where(t));
        } else if (t->wait == WAIT_MUTEX) {
            mutex_wait_line(d, t, label);
        } else if (is_fd_wait(t) || t->wait == WAIT_CHILD) {
            add(d->verdict, sizeof d->verdict, "\n  %s ", label);
            if (t->wait == WAIT_CHILD)
                child_wait_words(d->verdict, sizeof d->verdict, t);
            else
                fd_wait_words(d->verdict, sizeof d->verdict, t);
        } else {
            add(d->verdict, sizeof d->verdict, "\n  %s waits on a %s in %s", label,
                t->wait == WAIT_SEM ? "semaphore" : "barrier", where(t));
        }
        add_look_at(d, where_fn(t));
    }
}

static void stuck_verdict(struct diagnosis *d)
{
    char hint[1024] = "";
    snprintf(d->verdict, sizeof d->verdict, min_age > 0
             ? "stuck: when the test gave up, these threads had waited over %d s for "
               "something nobody was left to do:"
             : "stuck: every thread waits, and none is left that could wake the others.",
             FAILED_MIN_AGE_S);
    pipes_hint(d, hint, sizeof hint);   /* its function first in "Look at" */
    stuck_conds(d);
    stuck_others(d);
    add(d->verdict, sizeof d->verdict, "%s", hint);
}

static void running_verdict(struct diagnosis *d)
{
    char label[128];
    snprintf(d->verdict, sizeof d->verdict, "still running: timed out after %.3g s, and no "
             "thread is stuck for good:", rec.elapsed);
    int shown = 0;
    for (int pass = 0; pass < 2; pass++)   /* the ones that never block first */
        for (int i = 0; i < rec.nthreads; i++) {
            const struct rec_thread *t = &rec.threads[i];
            bool running = t->wait == WAIT_RUNNING;
            if (t->use != USE_LIVE || running != (pass == 0) ||
                (!running && !t->timed && t->wait != WAIT_SLEEP))
                continue;
            if (running)
                add(d->verdict, sizeof d->verdict, "\n  %s is running in %s, not waiting: a busy "
                    "loop, or a wait for something that never happens?",
                    thread_label(t, label, sizeof label), where(t));
            else
                add(d->verdict, sizeof d->verdict, "\n  %s %s with a deadline in %s, and keeps "
                    "coming back to it", thread_label(t, label, sizeof label),
                    t->wait == WAIT_SLEEP ? "sleeps" : "waits", where(t));
            add_look_at(d, where_fn(t));
            shown++;
        }
    if (!shown)
        add(d->verdict, sizeof d->verdict, " each thread waits, but one may still be woken "
            "from outside (another process, or a thread the kit does not see)");
}

/* ---- one line a thread -------------------------------------------------------------- */

static void wait_words(char *buf, size_t size, const struct rec_thread *t)
{
    char place[256], nm[128];
    if (t->wait == WAIT_RUNNING) {
        add(buf, size, "running in %s", where(t));
    } else if (t->wait == WAIT_MUTEX) {
        const struct rec_lock *l = rule_waited_lock(&rec, t);
        const struct rec_thread *h = l ? record_thread(&rec, l->holder) : NULL;
        if (h && h->proc != t->proc) {
            char holder[128];
            places_where(l->at, place, sizeof place, NULL, 0);
            add(buf, size, "waits for %s in %s, for %.2f s; %s holds it, locked in %s",
                waited_name(t, l, nm, sizeof nm), where(t), t->age,
                thread_label(h, holder, sizeof holder), place);
        } else if (l) {
            places_where(l->at, place, sizeof place, NULL, 0);
            add(buf, size, "waits for %s in %s, for %.2f s; thread %d holds it, locked in %s",
                waited_name(t, l, nm, sizeof nm), where(t), t->age, l->holder, place);
        } else {
            add(buf, size, "waits for a mutex in %s", where(t));
        }
    } else if (t->wait == WAIT_COND) {
        const struct rec_cond *c = cond_of(t->object);
        add(buf, size, "waits on %s%s in %s, for %.2f s", c ? cond_name(c) : "a condition variable",
            t->timed ? " with a deadline" : "", where(t), t->age);
    } else if (t->wait == WAIT_JOIN) {
        add(buf, size, "waits in pthread_join for thread %d, in %s, for %.2f s", t->join_target,
            where(t), t->age);
    } else if (is_fd_wait(t)) {
        add(buf, size, "waits in %s%s in %s, for %.2f s", fd_calls[t->wait],
            t->timed ? " with a deadline" : "", where(t), t->age);
    } else if (t->wait == WAIT_CHILD) {
        add(buf, size, "waits in waitpid() in %s, for %.2f s", where(t), t->age);
    } else {
        add(buf, size, "%s in %s, for %.2f s", t->wait == WAIT_SLEEP ? "sleeps"
            : t->wait == WAIT_SEM ? "waits on a semaphore" : "waits at a barrier", where(t), t->age);
    }
}

static void thread_lines(struct diagnosis *d)
{
    char label[128], place[256];
    snprintf(d->threads, sizeof d->threads, "Threads when the test %s (after %.2f s):",
             min_age > 0 ? "gave up" : "was stopped", rec.elapsed);
    int shown = 0;
    for (int i = 0; i < rec.nthreads; i++) {
        const struct rec_thread *t = &rec.threads[i];
        bool live = t->use == USE_LIVE || t->use == USE_STARTING;
        int held = 0;
        for (int k = 0; k < rec.nlocks; k++)
            held += rec.locks[k].holder == t->number;
        if (!live && !held)
            continue;
        if (shown++ == 12) {
            add(d->threads, sizeof d->threads, "\n  [... more threads in the snapshot]");
            break;
        }
        add(d->threads, sizeof d->threads, "\n  %s", thread_label(t, label, sizeof label));
        if (t->proc > 0 && !t->start) {
            forked_where(t, place, sizeof place, NULL, 0);
            add(d->threads, sizeof d->threads, ", forked in %s", place);
        }
        add(d->threads, sizeof d->threads, ": ");
        if (live)
            wait_words(d->threads, sizeof d->threads, t);
        else
            add(d->threads, sizeof d->threads, record_died(&rec, t) ? "died" : "finished");
        for (int k = 0; k < rec.nlocks; k++)
            if (rec.locks[k].holder == t->number) {
                places_where(rec.locks[k].at, place, sizeof place, NULL, 0);
                add(d->threads, sizeof d->threads, "; holds %s (locked in %s)",
                    lock_name(&rec.locks[k]), place);
            }
    }
}

/* A timed wait that ended long before its deadline: the wrong clock. */
static void wrong_clock(struct diagnosis *d)
{
    char place[256], fn[96] = "";
    places_where(rec.clock_at, place, sizeof place, fn, sizeof fn);
    char note[1024];
    snprintf(note, sizeof note, "wrong clock: the timed wait in %s gave up %.3g s before its "
             "deadline. The deadline was computed on CLOCK_MONOTONIC, but the condition "
             "variable measures it on CLOCK_REALTIME (the default), where that moment is long "
             "past, so every such wait ends at once. Create it with a pthread_condattr_t set "
             "by pthread_condattr_setclock(&attr, CLOCK_MONOTONIC).", place, rec.clock_early);
    if (*d->verdict)
        add(note, sizeof note, "\n%s", d->verdict);
    snprintf(d->verdict, sizeof d->verdict, "%s", note);
    char rest[sizeof d->look_at];
    snprintf(rest, sizeof rest, "%s", d->look_at);
    d->look_at[0] = '\0';
    add_look_at(d, fn);
    if (*rest)
        add(d->look_at, sizeof d->look_at, "%s%s", *d->look_at ? ", " : "", rest);
}

/* ---- the whole ------------------------------------------------------------------------ */

/* A failed check: were threads left waiting for good when it gave up?  Only
 * when the process was stuck but for the check: a thread still running or
 * sleeping means the waits may be the test's own design (helpers parked
 * while it measures something). */
static bool left_waiting(void)
{
    bool any = false;
    for (int i = 0; i < rec.nthreads; i++) {
        const struct rec_thread *t = &rec.threads[i];
        bool good = rule_waits_for_good(&rec, t, min_age);
        if (t->number != 1 && t->use == USE_LIVE && !good)
            return false;
        any |= good;
    }
    return any;
}

/* Resolve every address the record names, and place each thread: its
 * sampled stack if it has one, else the call it waits in. */
static void place_threads(void)
{
    for (int i = 0; i < rec.nthreads; i++) {
        const struct rec_thread *t = &rec.threads[i];
        places_add(t->at);
        places_add(t->start);
        places_add(t->created_at);
        for (int k = 0; k < t->nframes; k++)
            places_add(t->frames[k]);
    }
    for (int i = 0; i < rec.nlocks; i++) {
        places_add(rec.locks[i].at);
        places_add(rec.locks[i].made_at);
    }
    for (int i = 0; i < rec.nprocs; i++)
        places_add(rec.procs[i].forked_at);
    for (int i = 0; i < rec.nfds; i++)
        places_add(rec.fds[i].write_at);
    for (int i = 0; i < rec.nconds; i++)
        places_add(rec.conds[i].last_at);
    places_add(rec.clock_at);
    places_resolve();
    for (int i = 0; i < rec.nthreads; i++) {
        const struct rec_thread *t = &rec.threads[i];
        const struct place *pl = t->nframes ? places_best(t->frames, t->nframes) : NULL;
        if (!pl && t->wait != WAIT_RUNNING)
            pl = places_best(&t->at, 1);
        placed[i].fn[0] = '\0';
        if (pl) {
            places_describe(pl, placed[i].where, sizeof placed[i].where);
            if (places_is_students(pl->file))
                snprintf(placed[i].fn, sizeof placed[i].fn, "%s", pl->fn);
        } else {
            snprintf(placed[i].where, sizeof placed[i].where, "code outside the lab's files");
        }
    }
}

bool diagnose(const char *snapshot, const char *student_files, struct diagnosis *d)
{
    memset(d, 0, sizeof *d);
    letters = 0;
    places_reset(student_files);
    if (!record_read(snapshot, &rec))
        return false;
    memset(lock_names, 0, (size_t)rec.nlocks * sizeof lock_names[0]);
    memset(cond_names, 0, (size_t)rec.nconds * sizeof cond_names[0]);
    min_age = rec.reason == REASON_FAILED ? FAILED_MIN_AGE_S : 0;
    if (rec.reason == REASON_FAILED && !left_waiting()) {
        if (rec.clock_at) {   /* nothing was left waiting, but a wait ended early */
            places_add(rec.clock_at);
            places_resolve();
            wrong_clock(d);
        }
        return true;   /* else the check's own words suffice */
    }
    place_threads();
    if (!deadlock_verdict(d)) {
        if (rec.reason == REASON_STUCK || min_age > 0)
            stuck_verdict(d);
        else
            running_verdict(d);
    }
    if (rec.clock_at)
        wrong_clock(d);
    thread_lines(d);
    return true;
}
