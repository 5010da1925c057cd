/*
 * sched_model.c - the scheduler's model of blocking: which objects a run has
 * met (numbered in order of first use), who holds each mutex, and whether a
 * thread's pending operation could proceed now.  A thread whose operation
 * would block is not chosen, so no controlled thread ever really blocks in
 * a pthread call: it makes the real call only once the model knows it
 * cannot block, and ThreadSanitizer still sees that real call.
 *
 * Time is virtual: nanoseconds since the run began, moved on a microsecond
 * by every step and every clock reading, and by the scheduler to the next
 * deadline when nothing else can run.  So a timed wait times out at the same
 * step in every run, on a loaded machine or an idle one, and a thread that
 * runs on (a GIL's holder) lets time pass for those who wait.
 *
 * What a mutex, condition variable or barrier was initialised with is read
 * from glibc's own fields (its type, its clock, its count) the first time a
 * run meets it, so objects set up before the run, or statically, need no
 * wrapped init call.
 */
#include <errno.h>
#include <string.h>

#include "sched_int.h"

enum { TABLE = 2 * SCHED_MAX_OBJECTS };
static struct sobject table[TABLE];
static int count;

/* Addresses in the record are scrambled: LeakSanitizer would take them as
 * references and miss a leak. */
static uintptr_t scramble(const volatile void *p)
{
    return (uintptr_t)p ^ (uintptr_t)0x5A5A5A5A5A5A5A5Au;
}

void model_reset(void)
{
    memset(table, 0, sizeof table);
    count = 0;
}

void model_record_holders(void)
{
    for (int i = 0; i < TABLE; i++)
        if (table[i].addr && table[i].kind == 'm')
            sched_rec->holder[table[i].number - 1] = (uint16_t)(table[i].holder + 1);
}

/* What glibc says about an object the run has just met. */
static void first_look(struct sobject *o)
{
    o->holder = -1;
    if (o->kind == 'm') {
        const pthread_mutex_t *m = (const pthread_mutex_t *)o->addr;
        o->type = m->__data.__kind & 3;   /* PTHREAD_MUTEX_KIND_MASK_NP */
    } else if (o->kind == 'c') {
        const pthread_cond_t *c = (const pthread_cond_t *)o->addr;
        /* __wrefs bit 1: the clock (0 CLOCK_REALTIME, 1 CLOCK_MONOTONIC). */
        o->clock = (c->__data.__wrefs >> 1) & 1 ? CLOCK_MONOTONIC : CLOCK_REALTIME;
    } else if (o->kind == 'b') {
        o->type = (int)((const unsigned *)o->addr)[2];   /* struct pthread_barrier's count */
    }
}

struct sobject *model_object(const volatile void *addr, int kind)
{
    uintptr_t h = ((uintptr_t)addr >> 3) * 0x9E3779B97F4A7C15u;
    for (size_t i = 0, j = h % TABLE; i < TABLE; i++, j = (j + 1) % TABLE) {
        struct sobject *o = &table[j];
        if (o->addr == addr) {
            if (kind && o->kind == '?') {
                o->kind = kind;
                first_look(o);
                sched_rec->objects[o->number - 1].kind = (uint8_t)kind;
            }
            return o;
        }
        if (o->addr)
            continue;
        if (count == SCHED_MAX_OBJECTS)
            sched_stop(SV_TOO_MANY);
        o->addr = addr;
        o->number = ++count;
        o->kind = kind ? kind : '?';
        first_look(o);
        sched_rec->objects[count - 1] = (struct sched_object_info){
            scramble(addr), (uint8_t)o->kind, (uint32_t)sched_rec->nsteps};
        sched_rec->nobjects = count;
        return o;
    }
    sched_stop(SV_TOO_MANY);
}

/* The mutex a thread's pending lock or relock is for. */
static struct sobject *pending_mutex(const struct sthread *t)
{
    return model_object(t->next.op == OP_WOKEN ? t->next_obj2 : t->next_obj, 'm');
}

static bool mutex_free_for(const struct sobject *m, const struct sthread *t)
{
    return m->holder < 0 || (m->holder == t->id && m->type == PTHREAD_MUTEX_RECURSIVE);
}

static bool timed_out(const struct sthread *t)
{
    return t->until >= 0 && sched_run.now >= t->until;
}

static bool all_others_done(const struct sthread *t)
{
    for (int i = 0; i < sched_run.nthreads; i++)
        if (&sched_run.threads[i] != t && sched_run.threads[i].life == L_LIVE)
            return false;
    return true;
}

/* Does every other thread wait (in the model), spin, or has it ended? */
static bool all_others_settled(const struct sthread *t)
{
    for (int i = 0; i < sched_run.nthreads; i++) {
        const struct sthread *o = &sched_run.threads[i];
        if (o != t && o->life == L_LIVE && !o->spinning && model_enabled(o))
            return false;
    }
    return true;
}

bool model_enabled(const struct sthread *t)
{
    switch (t->next.op) {
    case OP_LOCK:
        return mutex_free_for(pending_mutex(t), t) || timed_out(t);
    case OP_WOKEN:
        return t->woke != WOKE_NO && mutex_free_for(pending_mutex(t), t);
    case OP_JOIN:
        return sched_run.threads[t->join_target].life == L_DONE;
    case OP_SEM_WAIT: {
        int value = 0;
        sem_getvalue((sem_t *)t->next_obj, &value);
        return value > 0 || timed_out(t);
    }
    case OP_BARRIER_DONE:
        return model_object(t->next_obj, 'b')->round != t->round;
    case OP_SLEPT:
        return timed_out(t);
    case OP_END:
        return all_others_done(t);
    case OP_SETTLE:
        return all_others_settled(t);
    default:
        return true;
    }
}

/* Does t wait for a deadline (and nothing else has ended its wait)? */
static bool waits_for_deadline(const struct sthread *t)
{
    if (t->life != L_LIVE || t->until < 0 || t->next.op == OP_BARRIER_DONE)
        return false;
    if (t->next.op == OP_WOKEN)
        return t->woke == WOKE_NO;
    return t->next.op == OP_LOCK || t->next.op == OP_SEM_WAIT || t->next.op == OP_SLEPT;
}

long long model_next_deadline(void)
{
    long long next = -1;
    for (int i = 0; i < sched_run.nthreads; i++) {
        const struct sthread *t = &sched_run.threads[i];
        if (waits_for_deadline(t) && !model_enabled(t) && (next < 0 || t->until < next))
            next = t->until;
    }
    return next;
}

void model_fire_deadlines(void)
{
    for (int i = 0; i < sched_run.nthreads; i++) {
        struct sthread *t = &sched_run.threads[i];
        if (t->life == L_LIVE && t->next.op == OP_WOKEN && t->woke == WOKE_NO && timed_out(t))
            t->woke = WOKE_TIMEOUT;
    }
}

int model_cond_waiters(const struct sobject *c, int *ids, int max)
{
    int n = 0;
    for (int i = 0; i < sched_run.nthreads && n < max; i++) {
        const struct sthread *t = &sched_run.threads[i];
        if (t->life == L_LIVE && t->next.op == OP_WOKEN && t->woke == WOKE_NO &&
            (!c || t->next_obj == c->addr))
            ids[n++] = i;
    }
    return n;
}

long long model_virtual(clockid_t clock, const struct timespec *abs)
{
    const struct timespec *base =
        clock == CLOCK_REALTIME ? &sched_run.base_real : &sched_run.base_mono;
    return (long long)(abs->tv_sec - base->tv_sec) * 1000000000LL + (abs->tv_nsec - base->tv_nsec);
}

int sched_clock_gettime(clockid_t clock, struct timespec *ts)
{
    const struct timespec *base =
        clock == CLOCK_REALTIME ? &sched_run.base_real : &sched_run.base_mono;
    sched_run.now += SCHED_STEP_NS;   /* a reading takes time: a loop on the clock ends */
    long long ns = base->tv_nsec + sched_run.now;
    ts->tv_sec = base->tv_sec + (time_t)(ns / 1000000000LL);
    ts->tv_nsec = (long)(ns % 1000000000LL);
    return 0;
}
