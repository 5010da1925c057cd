/*
 * snapshot.c - the tracker's tables read into a record, and written.
 *
 * In the plain pass each live thread is interrupted with a signal and
 * records its own stack; the sanitizer passes get no stacks, only each
 * call's own site: their runtimes defer signal handlers and police what
 * runs inside one.
 */
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "intercept.h"
#include "procfs.h"
#include "snapshot.h"
#include "track.h"

static bool sampling;

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
        s->nframes = backtrace(s->frames, REC_FRAMES);
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
static uint64_t rel(void *p, bool is_return)
{
    uintptr_t a = (uintptr_t)p;
    if (a < exe_low || a >= exe_high)
        return 0;
    return a - exe_base - (is_return ? 1 : 0);
}

void snapshot_prepare(bool sample_stacks)
{
    void *warm[4];
    backtrace(warm, 4);   /* loads the unwinder before a handler needs it */
    dl_iterate_phdr(find_exe, NULL);
    sampling = sample_stacks;
    if (!sampling)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sample;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(sample_signal(), &sa, NULL);
}

static void take_thread(struct rec_thread *t, struct slot *s, long now)
{
    memset(t, 0, sizeof *t);
    t->number = atomic_load_explicit(&s->number, RELAXED);
    t->use = (uint8_t)atomic_load_explicit(&s->use, RELAXED);
    t->wait = (uint8_t)atomic_load_explicit(&s->wait, RELAXED);
    t->timed = (uint8_t)(atomic_load_explicit(&s->timed, RELAXED) != 0);
    t->kstate = '?';
    t->tid = atomic_load_explicit(&s->tid, RELAXED);
    t->join_target = atomic_load_explicit(&s->join_target, RELAXED);
    t->age = (double)(now - atomic_load_explicit(&s->since_ns, RELAXED)) * 1e-9;
    t->at = rel(atomic_load_explicit(&s->at, RELAXED), true);
    t->start = rel(atomic_load_explicit(&s->start, RELAXED), false);
    t->created_at = rel(atomic_load_explicit(&s->created_at, RELAXED), true);
    t->object = atomic_load_explicit(&s->object, RELAXED);
    t->aux = atomic_load_explicit(&s->aux, RELAXED);
    t->progress = atomic_load_explicit(&s->progress, RELAXED);
    t->proc = atomic_load_explicit(&s->proc, RELAXED);
    t->child = atomic_load_explicit(&s->child, RELAXED);
    if (t->wait >= WAIT_READ && t->wait <= WAIT_SELECT) {
        t->nfds = atomic_load_explicit(&s->nfds, RELAXED);
        for (int i = 0; i < t->nfds && i < REC_WAIT_FDS; i++) {
            t->fds[i] = atomic_load_explicit(&s->fds[i], RELAXED);
            t->fd_dirs[i] = atomic_load_explicit(&s->fd_dirs[i], RELAXED);
        }
    }
}

/* The stack a live thread recorded when interrupted, if it did. */
static void take_stack(struct rec_thread *t, struct slot *s)
{
    if (t->use != USE_LIVE || !atomic_load_explicit(&s->sampled, memory_order_acquire))
        return;
    if (s->pc)
        t->frames[t->nframes++] = rel(s->pc, false);
    for (int f = 0; f < s->nframes && t->nframes < REC_FRAMES; f++)
        if (s->frames[f] != s->pc)
            t->frames[t->nframes++] = rel(s->frames[f], true);
}

static void take_locks(struct record *r, long now)
{
    for (size_t i = 0; i < REC_LOCKS && r->nlocks < REC_LOCKS; i++) {
        struct lockrec *l = &tables->locks[i];
        uintptr_t key = atomic_load_explicit(&l->key, RELAXED);
        int holder = atomic_load_explicit(&l->holder, RELAXED);
        if (!key || !holder)
            continue;
        r->locks[r->nlocks++] = (struct rec_lock){
            key, holder, atomic_load_explicit(&l->count, RELAXED),
            rel(atomic_load_explicit(&l->at, RELAXED), true),
            (double)(now - atomic_load_explicit(&l->since_ns, RELAXED)) * 1e-9,
            (uint8_t)atomic_load_explicit(&l->shared, RELAXED),
            (uint8_t)atomic_load_explicit(&l->robust, RELAXED),
            rel(atomic_load_explicit(&l->made_at, RELAXED), true)};
    }
}

static void take_conds(struct record *r, long now)
{
    for (size_t i = 0; i < REC_CONDS && r->nconds < REC_CONDS; i++) {
        struct condrec *c = &tables->conds[i];
        uintptr_t key = atomic_load_explicit(&c->key, RELAXED);
        if (!key || atomic_load_explicit(&c->waiters, RELAXED) <= 0)
            continue;
        long last = atomic_load_explicit(&c->last_ns, RELAXED);
        r->conds[r->nconds++] = (struct rec_cond){
            key, atomic_load_explicit(&c->waiters, RELAXED),
            atomic_load_explicit(&c->last_kind, RELAXED),
            atomic_load_explicit(&c->last_waiters, RELAXED),
            atomic_load_explicit(&c->wakes, RELAXED),
            rel(atomic_load_explicit(&c->last_at, RELAXED), true),
            last ? (double)(now - last) * 1e-9 : -1.0};
    }
}

static bool holds_in(const struct record *r, int number)
{
    for (int i = 0; i < r->nlocks; i++)
        if (r->locks[i].holder == number)
            return true;
    return false;
}

/* The processes, each forked one checked for death: then its threads have
 * finished with it, whatever their slots say (nothing ran their ends). */
static void take_procs(struct record *r)
{
    int n = atomic_load_explicit(&tables->nprocs, RELAXED);
    r->nprocs = n < REC_PROCS ? n : REC_PROCS;
    for (int i = 0; i < r->nprocs; i++) {
        struct procrec *p = &tables->procs[i];
        int state = atomic_load_explicit(&p->state, RELAXED);
        pid_t pid = atomic_load_explicit(&p->pid, RELAXED);
        if (i > 0 && pid > 0 && state != PROC_DEAD && procfs_dead(pid)) {
            state = PROC_DEAD;
            atomic_store_explicit(&p->state, PROC_DEAD, RELAXED);
        }
        r->procs[i] = (struct rec_proc){pid, i ? atomic_load_explicit(&p->parent, RELAXED) : -1,
                                        (uint8_t)state,
                                        rel(atomic_load_explicit(&p->forked_at, RELAXED), true)};
    }
}

/* As snapshot_take; slot_of (if not NULL) gets the slot of each thread. */
static void take(struct record *r, long start_ns, int *slot_of)
{
    long now = track_now_ns();
    memset(r, 0, offsetof(struct record, threads));
    r->elapsed = (double)(now - start_ns) * 1e-9;
    r->untracked = atomic_load_explicit(&tables->untracked, RELAXED);
    void *clock_at = atomic_load_explicit(&tables->wrong_clock_at, RELAXED);
    if (clock_at) {
        r->clock_at = rel(clock_at, true);
        r->clock_early = (double)atomic_load_explicit(&tables->wrong_clock_early_ns, RELAXED) * 1e-9;
    }
    take_procs(r);
    take_locks(r, now);
    take_conds(r, now);
    int n = track_slot_count();
    for (int i = 0; i < n && r->nthreads < REC_THREADS; i++) {
        struct slot *s = &tables->slots[i];
        int use = atomic_load_explicit(&s->use, RELAXED);
        if (use == USE_FREE ||
            (use == USE_JOINED && !holds_in(r, atomic_load_explicit(&s->number, RELAXED))))
            continue;
        if (slot_of)
            slot_of[r->nthreads] = i;
        struct rec_thread *t = &r->threads[r->nthreads++];
        take_thread(t, s, now);
        if (t->proc < 0 || t->proc >= r->nprocs)
            t->proc = 0;
        if (r->procs[t->proc].state == PROC_DEAD && t->use != USE_JOINED)
            t->use = USE_FINISHED;
    }
}

void snapshot_take(struct record *r, long start_ns)
{
    take(r, start_ns, NULL);
}

/* A thread that wrote to a pipe end is named even if it was joined since. */
static void take_writer(struct record *r, int number)
{
    for (int i = 0; i < r->nthreads; i++)
        if (r->threads[i].number == number)
            return;
    int n = track_slot_count();
    for (int i = 0; i < n && r->nthreads < REC_THREADS; i++)
        if (atomic_load_explicit(&tables->slots[i].number, RELAXED) == number &&
            atomic_load_explicit(&tables->slots[i].use, RELAXED) != USE_FREE) {
            take_thread(&r->threads[r->nthreads++], &tables->slots[i], track_now_ns());
            return;
        }
}

/* The pipe ends of every live process, and whether a process the tracker
 * cannot see could wake one: a forked child that runs another program, or
 * a child it did not see forked. */
static void probe_processes(struct record *r)
{
    pid_t pids[REC_PROCS];
    r->nfds = 0;
    for (int i = 0; i < r->nprocs; i++) {
        struct rec_proc *p = &r->procs[i];
        pids[i] = p->pid;
        if (p->state == PROC_LIVE && i > 0 && !procfs_runs_us(p->pid))
            p->state = PROC_FOREIGN;
        if (p->state == PROC_FOREIGN || p->state == PROC_STARTING)
            r->untracked = 1;
        if (p->state == PROC_LIVE)
            r->nfds += procfs_pipes(p->pid, i, r->fds + r->nfds, REC_FDS - r->nfds);
    }
    for (int i = 0; i < r->nfds; i++) {   /* who last wrote to each */
        struct rec_fd *f = &r->fds[i];
        if (f->fd >= REC_FD_WRITERS)
            continue;
        struct fdrec *w = &tables->fds[f->proc][f->fd];
        f->writer = atomic_load_explicit(&w->writer, RELAXED);
        f->write_at = f->writer ? rel(atomic_load_explicit(&w->at, RELAXED), true) : 0;
        if (f->writer)
            take_writer(r, f->writer);
    }
    if (procfs_stranger_child(pids, r->nprocs))
        r->untracked = 1;
}

void snapshot_probe(struct record *r, bool all)
{
    r->probed = 1;
    bool any = false;
    for (int i = 0; i < r->nthreads; i++) {
        struct rec_thread *t = &r->threads[i];
        bool waits = t->wait != WAIT_RUNNING && t->wait != WAIT_SLEEP && !t->timed;
        if (t->use == USE_LIVE && (all || waits)) {
            t->kstate = procfs_thread_state(r->procs[t->proc].pid, t->tid);
            any |= t->wait >= WAIT_READ;
        }
    }
    if (all || any || r->nprocs > 1)
        probe_processes(r);
}

/* The pid of slot i's process while it lives, else 0. */
static pid_t live_pid(int i)
{
    int proc = atomic_load_explicit(&tables->slots[i].proc, RELAXED);
    if (atomic_load_explicit(&tables->slots[i].use, RELAXED) != USE_LIVE || proc < 0 ||
        proc >= REC_PROCS || atomic_load_explicit(&tables->procs[proc].state, RELAXED) == PROC_DEAD)
        return 0;
    return atomic_load_explicit(&tables->procs[proc].pid, RELAXED);
}

/* Ask every live thread where it is; wait a little for the answers. */
static void sample_stacks(void)
{
    int n = track_slot_count();
    for (int i = 0; i < n; i++)
        atomic_store_explicit(&tables->slots[i].sampled, 0, RELAXED);
    for (int i = 0; i < n; i++)
        if (live_pid(i) > 0)
            syscall(SYS_tgkill, live_pid(i), atomic_load_explicit(&tables->slots[i].tid, RELAXED),
                    sample_signal());
    for (int tries = 0; tries < 40; tries++) {
        bool all = true;
        for (int i = 0; i < n; i++)
            if (live_pid(i) > 0 &&
                !atomic_load_explicit(&tables->slots[i].sampled, memory_order_acquire))
                all = false;
        if (all)
            break;
        struct timespec ms5 = {0, 5000000};
        __real_nanosleep(&ms5, NULL);
    }
}

void snapshot_write(const char *path, enum rec_reason reason, long start_ns)
{
    /* One at a time: a failing check and the watcher may both get here. */
    static pthread_mutex_t one = PTHREAD_MUTEX_INITIALIZER;
    static struct record r;   /* ~1 MB: not on a thread's stack */
    static int slot_of[REC_THREADS];
    __real_pthread_mutex_lock(&one);
    /* The kernel's view first: a thread interrupted for its stack is awake
     * for a moment after. */
    take(&r, start_ns, slot_of);
    snapshot_probe(&r, true);
    if (sampling) {
        sample_stacks();
        for (int i = 0; i < r.nthreads; i++)
            take_stack(&r.threads[i], &tables->slots[slot_of[i]]);
    }
    r.reason = reason;
    record_write(path, &r);
    __real_pthread_mutex_unlock(&one);
}
