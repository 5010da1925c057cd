/*
 * watcher.c - when to stop a test: the watcher thread's policy.
 *
 * Every POLL_NS it reads the tracker's tables into a record (snapshot.c) and
 * applies the rules of record.h.  It stops the test, writing a snapshot,
 * (1) when every thread waits for good (stuck) or a mutex wait can never end
 * (deadlock), once that has held, unchanged, for STEADY_NS: a thread between
 * noting a wait and entering it is not asleep in the kernel yet, and a
 * woken one makes progress; (2) at the test's timeout.
 */
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "intercept.h"
#include "snapshot.h"
#include "track.h"
#include "watch.h"

enum { POLL_NS = 50000000, STEADY_NS = 250000000 };

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cv;   /* on CLOCK_MONOTONIC: ends the watcher's naps early */
static bool watch_ending;
static pthread_t watcher_thread;
static pid_t watched_pid;         /* a forked child has no watcher to end */
static const char *snapshot;
static double deadline_s;
static volatile int *stop_flag;
static long start_ns;
static struct record now_rec;     /* ~1 MB: the watcher's view, each poll */

/* Sleep until the next poll; false once the test is ending. */
static bool nap(void)
{
    long until_ns = track_now_ns() + POLL_NS;
    struct timespec until = {until_ns / 1000000000L, until_ns % 1000000000L};
    __real_pthread_mutex_lock(&watch_lock);
    while (!watch_ending &&
           __real_pthread_cond_timedwait(&watch_cv, &watch_lock, &until) == 0)
        ;
    bool ending = watch_ending;
    __real_pthread_mutex_unlock(&watch_lock);
    return !ending;
}

/* Could the rules fire, assuming the best of what only the kernel knows?
 * Cheap: no system call.  Only then is the kernel asked. */
static bool worth_probing(struct record *r)
{
    struct deadlock d;
    return rule_all_stuck(r) || rule_deadlock(r, &d);
}

/* The progress of the threads a verdict rests on, or 0 for no verdict: a
 * verdict stands only while this holds still. */
static unsigned long verdict_progress(struct record *r)
{
    if (!worth_probing(r))
        return 0;
    snapshot_probe(r, false);
    struct deadlock d;
    unsigned long sum = 1;
    if (rule_deadlock(r, &d)) {   /* others may run on: only the chain counts */
        for (int k = 0; k < d.n; k++)
            sum += r->threads[d.chain[k]].progress;
        return sum;
    }
    if (!rule_all_stuck(r))
        return 0;
    for (int i = 0; i < r->nthreads; i++)
        sum += r->threads[i].progress;
    return sum + (unsigned long)atomic_load_explicit(&tables->next_number, RELAXED);
}

static void *watcher(void *arg)
{
    (void)arg;
    long steady_since = 0;
    unsigned long seen = 0;
    while (nap()) {
        long now = track_now_ns();
        int why = WATCH_RUNNING;
        if ((double)(now - start_ns) * 1e-9 >= deadline_s) {
            why = WATCH_TIMEOUT;
        } else {
            snapshot_take(&now_rec, start_ns);
            unsigned long progress = verdict_progress(&now_rec);
            if (!progress)
                steady_since = 0;
            else if (!steady_since || progress != seen)
                steady_since = now, seen = progress;
            else if (now - steady_since >= STEADY_NS)
                why = WATCH_STUCK;
        }
        if (why != WATCH_RUNNING) {
            snapshot_write(snapshot, why == WATCH_STUCK ? REASON_STUCK : REASON_TIMEOUT, start_ns);
            *stop_flag = why;
            /* The runner reads why from *stop_flag, not from the status.  The
             * system call itself, not _exit(): ThreadSanitizer's _exit would
             * report the threads we stop as leaked, hiding the verdict. */
            syscall(SYS_exit_group, 70);
        }
    }
    return NULL;
}

void watch_failing(void)
{
    if (tables && getpid() == watched_pid)
        snapshot_write(snapshot, REASON_FAILED, start_ns);
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
    start_ns = track_now_ns();
    snapshot_prepare(sample_stacks);
    if (!track_start())
        return;   /* nothing tracked: the test runs to its timeout, as Check's */
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&watch_cv, &attr);
    pthread_condattr_destroy(&attr);
    watched_pid = getpid();
    if (__real_pthread_create(&watcher_thread, NULL, watcher, NULL) == 0)
        atexit(watch_end);
    else
        atomic_store_explicit(&tables->untracked, 1, RELAXED);   /* never stop early */
}

void watch_prepare(void)
{
    snapshot_prepare(false);   /* loads the unwinder once, before the tests fork */
}
