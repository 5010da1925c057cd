/*
 * sched.c - the scheduler's core: which thread holds the baton, the step,
 * and the record of every step (sched_record.h).
 *
 * Each controlled thread is a real thread that waits on its own futex word
 * (the baton) at every point: an intercepted call or an atomic operation.
 * A thread at a point announces what it will do next (its pending
 * operation), and the strategy picks, among the threads whose pending
 * operation can proceed in the model, the one that takes the next step; the
 * others stay parked.  So exactly one thread runs at a time, and the
 * sequence of steps is a function of the seed and of the code.
 *
 * The baton is raw futex system calls and the state below is plain memory
 * in an object compiled without sanitizers: ThreadSanitizer sees neither,
 * so it still judges the program by its own synchronisation alone.
 */
#include <check.h>
#include <errno.h>
#include <linux/futex.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sched_int.h"

struct run sched_run;
struct sched_record *sched_rec;
static struct sched_record fallback;   /* before sched_prepare, or without a runner */
static _Thread_local struct sthread *self;
static _Thread_local bool aside;

/* ---- the baton ----------------------------------------------------------- */

static void futex_wake(_Atomic uint32_t *word)
{
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Park until this thread's baton is set. */
static void await_baton(struct sthread *t)
{
    while (!atomic_load(&t->go))
        syscall(SYS_futex, &t->go, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static void give_baton(struct sthread *to)
{
    sched_run.current = to->id;
    atomic_store(&to->go, 1);
    futex_wake(&to->go);
}

struct sthread *sched_self(void)
{
    return self;
}

bool sched_controls(void)
{
    struct sthread *t = self;
    return sched_run.on && t && t->life == L_LIVE && !aside;
}

void sched_aside(bool on)
{
    aside = on;
}

/* ---- addresses as the record keeps them ------------------------------------ */

static uintptr_t exe_base;

static int find_base(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    exe_base = info->dlpi_addr;
    return 1;   /* the first object is the program itself */
}

/* As addr2line wants it: relative to the program (a PIE), one byte back
 * into the call when it is a return address. */
static uintptr_t relative(const void *p, bool is_return)
{
    if (!p)
        return 0;
    if (!exe_base)
        dl_iterate_phdr(find_base, NULL);
    return (uintptr_t)p - exe_base - (is_return ? 1 : 0);
}

/* ---- choosing -------------------------------------------------------------- */

/* The threads that could take the next step (the model says their pending
 * operation can proceed), split into those spinning and the rest. */
static int enabled_threads(struct sthread **best, struct sthread **spinner)
{
    int n = 0;
    *best = *spinner = NULL;
    for (int i = 0; i < sched_run.nthreads; i++) {
        struct sthread *t = &sched_run.threads[i];
        if (t->life != L_LIVE)
            continue;
        if (!model_enabled(t)) {
            if (t->wait_from == NO_WAIT)
                t->wait_from = (uint32_t)sched_rec->nsteps;
            continue;
        }
        n++;
        struct sthread **slot = t->spinning ? spinner : best;
        if (!*slot || t->prio > (*slot)->prio)
            *slot = t;
    }
    return n;
}

/* Nothing can run and time is about to jump: a timed wait with a spurious
 * wakeup drawn ends it now, spuriously, before its deadline.  True if one did. */
static bool spurious_before_deadline(void)
{
    for (int i = 0; i < sched_run.nthreads; i++) {
        struct sthread *t = &sched_run.threads[i];
        if (t->life == L_LIVE && t->next.op == OP_WOKEN && t->woke == WOKE_NO &&
            t->until >= 0 && t->spurious_at >= 0) {
            t->woke = WOKE_SPURIOUS;
            t->spurious_at = -1;
            return true;
        }
    }
    return false;
}

/* Which thread takes the next step: the highest priority among those that
 * can proceed and are not spinning; when none, the virtual clock moves to
 * the next deadline; then a spinning one; when nothing at all can proceed,
 * the run is over (a deadlock, or threads that nobody will wake).  A step
 * where two or more threads could go is a choice: PCT's change points are
 * counted in choices (a change where only one thread can run changes
 * nothing), and *flags says whether one fell here. */
static struct sthread *choose(int *flags)
{
    for (;;) {
        model_fire_deadlines();
        struct sthread *best, *spinner;
        int n = enabled_threads(&best, &spinner);
        if (n >= 2 && !(*flags & SF_CHANGE)) {
            sched_rec->choices = ++sched_run.choices;
            if (pct_change_point(&sched_run.threads[sched_run.last], sched_run.choices)) {
                *flags |= SF_CHANGE;
                n = enabled_threads(&best, &spinner);
            }
        }
        if (best)
            return best;
        long long next = model_next_deadline();
        if (next >= 0) {
            /* A spurious wakeup due for a timed wait comes before its deadline. */
            if (spurious_before_deadline())
                continue;
            if (next > sched_run.now)
                sched_run.now = next;
            model_fire_deadlines();
            continue;
        }
        if (spinner)
            return spinner;
        sched_stop(SV_STUCK);
    }
}

/* Spurious wakeups the strategy drew for waits now due (pct_spurious): a
 * waiter with no deadline takes one only while another thread can run:
 * POSIX allows spurious wakeups but promises none, so one must not rescue a
 * program that is stuck without it.  A timed waiter takes one any time (it
 * would wake at its deadline anyway): early, which it must be ready for. */
static void spurious_wakeups(int step)
{
    struct sthread *best, *spinner;
    int others = -1;
    for (int i = 0; i < sched_run.nthreads; i++) {
        struct sthread *t = &sched_run.threads[i];
        if (t->life != L_LIVE || t->next.op != OP_WOKEN || t->woke != WOKE_NO ||
            t->spurious_at < 0 || step < t->spurious_at)
            continue;
        if (others < 0)
            others = enabled_threads(&best, &spinner) > 0;
        if (others || t->until >= 0) {
            t->woke = WOKE_SPURIOUS;
            t->spurious_at = -1;
        }
    }
}

void sched_point(struct sthread *t, int op, void *obj, void *obj2, void *at, const char *file,
                 int line)
{
    memset(&t->next, 0, sizeof t->next);
    t->next.thread = (uint8_t)t->id;
    t->next.op = (uint8_t)op;
    t->next.at = relative(at, true);
    t->next.file = file;
    t->next.line = line;
    t->next_obj = obj;
    t->next_obj2 = obj2;
    t->next.obj = obj ? (uint16_t)model_object(obj, 0)->number : 0;
    t->next.obj2 = obj2 ? (uint16_t)model_object(obj2, 0)->number : 0;
    spurious_wakeups(sched_rec->nsteps);
    int flags = 0;
    struct sthread *last = &sched_run.threads[sched_run.last];
    struct sthread *next = choose(&flags);
    next->next.flags |= (uint8_t)flags;
    /* A switch away from a thread that could have gone on: the scheduler's choice. */
    if (next != last && last->life == L_LIVE && model_enabled(last))
        next->next.flags |= SF_CHOSEN;
    if (next != t) {
        atomic_store(&t->go, 0);
        give_baton(next);
        await_baton(t);
    }
}

void sched_leave(struct sthread *t)
{
    (void)t;
    int flags = 0;
    struct sthread *next = choose(&flags);
    next->next.flags |= (uint8_t)flags;
    give_baton(next);
}

/* ---- the record ------------------------------------------------------------- */

/* Does step s of a replay differ from the recorded run?  Compared on what
 * the schedule is made of (who, doing what, to which object), not on code
 * addresses, which any edit moves. */
static bool diverges(const struct sched_step *s, int n)
{
    if (!sched_run.expect || n >= sched_run.nexpect)
        return false;   /* past the recorded failure: the code no longer fails there */
    const struct sched_step *e = &sched_run.expect[n];
    return e->thread != s->thread || e->op != s->op || e->obj != s->obj;
}

int sched_log(struct sthread *t, int flags, int other)
{
    int n = sched_rec->nsteps;
    if (n >= SCHED_MAX_STEPS)
        sched_stop(SV_BUDGET);
    struct sched_step *s = &sched_rec->steps[n];
    *s = t->next;
    s->flags |= (uint8_t)flags;
    s->other = (uint8_t)other;
    sched_run.now += SCHED_STEP_NS;   /* a step takes time: a waiter's deadline comes */
    s->clock_us = (uint32_t)(sched_run.now / 1000);
    s->since = t->wait_from < (uint32_t)n ? t->wait_from : (uint32_t)n;
    t->wait_from = NO_WAIT;
    if (sched_rec->diverged_at < 0 && diverges(s, n))
        sched_rec->diverged_at = n;
    sched_rec->nsteps = n + 1;
    sched_run.last = t->id;
    if (n + 1 >= sched_run.budget)
        sched_stop(SV_BUDGET);
    return n;
}

/* Each thread's pending operation, whether it can proceed, and who holds
 * each mutex: what the runner needs to say why the run stopped. */
static void record_state(void)
{
    for (int i = 0; i < sched_run.nthreads; i++) {
        struct sthread *t = &sched_run.threads[i];
        struct sched_step *p = &sched_rec->pending[i];
        *p = t->next;
        p->since = t->wait_from == NO_WAIT ? (uint32_t)sched_rec->nsteps : t->wait_from;
        /* A pending relock: who woke it (SCHED_NOBODY: nobody yet). */
        p->other = t->next.op == OP_JOIN ? (uint8_t)t->join_target
                   : t->next.op != OP_WOKEN || t->woke == WOKE_NO ? SCHED_NOBODY
                   : t->woken_by != SCHED_NOBODY ? (uint8_t)t->woken_by : SCHED_NOBODY - 1;
        sched_rec->blocked[i] = t->life == L_LIVE ? !model_enabled(t) : 2;
    }
    model_record_holders();
}

_Noreturn void sched_stop(int verdict)
{
    sched_rec->verdict = verdict;
    sched_rec->verdict_step = sched_rec->nsteps;
    record_state();
    sched_run.on = 0;   /* whatever runs from here on runs free */
    ck_abort_msg("the schedule was stopped: %d", verdict);
    abort();
}

/* ---- the shared record, for the runner -------------------------------------- */

void sched_prepare(void)
{
    void *p = mmap(NULL, sizeof *sched_rec, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    sched_rec = p == MAP_FAILED ? &fallback : p;
    sched_clear();
}

void sched_clear(void)
{
    if (!sched_rec)
        sched_rec = &fallback;
    sched_rec->token[0] = '\0';
    sched_rec->nsteps = sched_rec->nthreads = sched_rec->nobjects = sched_rec->choices = 0;
    sched_rec->verdict = SV_NONE;
    sched_rec->diverged_at = -1;
    sched_rec->failed = 0;
}

const struct sched_record *sched_record(void)
{
    return sched_rec;
}

void sched_note_failure(const char *file, int line)
{
    if (!sched_rec || !sched_run.on || sched_rec->failed)
        return;
    sched_rec->failed = 1;
    sched_rec->failed_file = file;
    sched_rec->failed_line = line;
    sched_rec->failed_thread = self ? self->id : -1;
    sched_rec->verdict_step = sched_rec->nsteps;
    record_state();
}

/* ---- a run --------------------------------------------------------------------- */

/* Start a run of schedule `token` with the calling thread as thread 0. */
void sched_begin(const char *token, int index)
{
    sched_clear();
    snprintf(sched_rec->token, sizeof sched_rec->token, "%s", token);
    sched_rec->index = index;
    memset(&sched_run.threads, 0, sizeof sched_run.threads);
    model_reset();
    sched_run.nthreads = 1;
    sched_run.current = sched_run.last = 0;
    sched_run.now = 0;
    sched_run.choices = 0;
    clock_gettime(CLOCK_REALTIME, &sched_run.base_real);
    clock_gettime(CLOCK_MONOTONIC, &sched_run.base_mono);
    if (sched_run.budget <= 0)
        sched_run.budget = SCHED_DEFAULT_BUDGET;
    pct_begin(token);
    struct sthread *t = &sched_run.threads[0];
    t->id = 0;
    t->life = L_LIVE;
    t->handle = pthread_self();
    t->until = -1;
    t->wait_from = NO_WAIT;
    t->prio = pct_new_priority();
    atomic_store(&t->go, 1);
    sched_rec->nthreads = 1;
    self = t;
    sched_run.on = 1;
}

/* End the run: thread 0 waits until every other thread has finished. */
void sched_end(void)
{
    struct sthread *t = self;
    t->wait = W_END;
    sched_point(t, OP_END, NULL, NULL, __builtin_return_address(0), NULL, 0);
    sched_log(t, 0, 0);
    t->wait = W_NONE;
    t->life = L_DONE;
    sched_run.on = 0;
    self = NULL;
    sched_run.budget = 0;
}

/* The thread's last step: it ends, its joiners may proceed, and the baton
 * goes on without it. */
void sched_thread_end(void)
{
    struct sthread *t = self;
    if (!t || t->life != L_LIVE || !sched_run.on)
        return;
    sched_point(t, OP_EXIT, NULL, NULL, NULL, NULL, 0);
    sched_log(t, 0, SCHED_NOBODY);
    t->life = L_DONE;
    self = NULL;
    sched_leave(t);
}

/* In a new thread, before its function: wait to be chosen for its start. */
void sched_thread_begin(struct sthread *t)
{
    self = t;
    await_baton(t);
    sched_log(t, 0, SCHED_NOBODY);
}

struct sthread *sched_create_begin(void *(*fn)(void *), void *at)
{
    struct sthread *t = self;
    sched_point(t, OP_CREATE, NULL, NULL, at, NULL, 0);
    if (sched_run.nthreads == SCHED_MAX_THREADS)
        sched_stop(SV_TOO_MANY);
    struct sthread *c = &sched_run.threads[sched_run.nthreads];
    memset(c, 0, sizeof *c);
    c->id = sched_run.nthreads;
    c->life = L_LIVE;
    c->until = -1;
    c->prio = pct_new_priority();
    c->next.thread = (uint8_t)c->id;
    c->next.op = OP_START;
    c->next.at = relative((void *)fn, false);
    c->wait_from = NO_WAIT;
    sched_rec->threads[c->id] = (struct sched_thread_info){relative((void *)fn, false),
                                                           relative(at, true), t->id};
    return c;
}

void sched_create_end(struct sthread *c, int err, pthread_t handle)
{
    struct sthread *t = self;
    if (err) {   /* no thread: it never counted */
        c->life = L_FREE;
        sched_log(t, SF_FAILED, SCHED_NOBODY);
        return;
    }
    c->handle = handle;
    sched_rec->nthreads = ++sched_run.nthreads;
    sched_log(t, 0, c->id);
}

void sched_budget(int steps)
{
    sched_run.budget = steps > SCHED_MAX_STEPS ? SCHED_MAX_STEPS : steps;
}
