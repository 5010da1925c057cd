/*
 * races.c - lab 02, parts 2-5: the seed's counter made exact without a lock,
 * the lost-update meter, check-then-act made safe, and safe publication.
 * The API and what each function must do are in races.h.
 */
#include <errno.h>
#include <time.h>

#include "races.h"

/* ---- Given: start N threads together, then join them all ------------------
 *
 * Threads are created one by one, so without a start line the first ones
 * could finish before the last one exists and there would be nothing to race.
 * Every thread waits at the line until all are created, then runs. */

struct start_line {
    pthread_mutex_t lock;
    pthread_cond_t opened_cv;
    bool opened;
};

struct runner {
    struct start_line *line;
    void *(*body)(void *);
    void *arg;
};

static void *wait_then_run(void *arg)
{
    struct runner *r = arg;
    pthread_mutex_lock(&r->line->lock);
    while (!r->line->opened)
        pthread_cond_wait(&r->line->opened_cv, &r->line->lock);
    pthread_mutex_unlock(&r->line->lock);
    return r->body(r->arg);
}

/* pthread_create, tried again for up to 2 s while the system is out of
 * threads for the moment (EAGAIN): on a shared machine, others come and go. */
static int create_thread(pthread_t *id, void *(*body)(void *), void *arg)
{
    int err;
    for (int tries = 0; (err = pthread_create(id, NULL, body, arg)) == EAGAIN && tries < 200;
         tries++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    return err;
}

/* Run body(args + i * arg_size) on nthreads threads, all started together,
 * and join them.  Returns 0 or pthread_create's error (after joining the
 * threads that did start: none outlives the call). */
static int run_together(int nthreads, void *(*body)(void *), void *args, size_t arg_size)
{
    struct start_line line = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    struct runner runners[MAX_COUNTER_THREADS];
    pthread_t ids[MAX_COUNTER_THREADS];
    int started = 0, err = 0;
    while (started < nthreads && !err) {
        runners[started] = (struct runner){&line, body, (char *)args + (size_t)started * arg_size};
        if (!(err = create_thread(&ids[started], wait_then_run, &runners[started])))
            started++;
    }
    pthread_mutex_lock(&line.lock);
    line.opened = true;
    pthread_cond_broadcast(&line.opened_cv);
    pthread_mutex_unlock(&line.lock);
    for (int i = 0; i < started; i++)
        pthread_join(ids[i], NULL);
    return err;
}

static int check_run(const struct counter_run *run)
{
    if (run->nthreads < 1 || run->nthreads > MAX_COUNTER_THREADS || run->iterations < 0)
        return EINVAL;
    return 0;
}

/* ---- Part 2: the seed's counter ------------------------------------------- */

/* One total shared by every thread, for the racy and the atomic versions. */
struct shared_total {
    atomic_long total;
    long iterations;
};

/* What each thread of the racy and the atomic versions is given. */
struct adder {
    struct shared_total *shared;
    long delta;
};

/* x += delta as the seed's Python runs it: read, add, write back.  Another
 * thread's write that lands between our read and our write is overwritten:
 * a lost update.  Relaxed atomics make each access indivisible (no data race,
 * no torn values, no loop folded away) but do nothing for the whole. */
static void *add_racily(void *arg)
{
    /* TODO: iterations times, load the shared total (atomic_load_explicit,
     * memory_order_relaxed), then store what you read plus a->delta
     * (atomic_store_explicit, relaxed): two steps, on purpose. */
    NOT_IMPLEMENTED(arg);
}

/* The read, the add and the write as one indivisible step: nothing can land
 * in between.  Relaxed is enough: the total orders no other memory, and
 * pthread_join makes the final value visible to whoever joins. */
static void *add_atomically(void *arg)
{
    /* TODO: iterations times, add a->delta to the shared total in one
     * indivisible step (atomic_fetch_add_explicit).  Which memory order is
     * enough, and why? */
    NOT_IMPLEMENTED(arg);
}

/* Run body on run->nthreads threads that all add to one shared total. */
static int count_shared(const struct counter_run *run, void *(*body)(void *), long *total)
{
    /* TODO: check the run (check_run), set up one struct shared_total and one
     * struct adder per thread (its delta is run->deltas[t]), run body on every
     * thread with run_together, then store the total in *total.  Return
     * run_together's result. */
    NOT_IMPLEMENTED(run, body, total, check_run, run_together);
}

int count_racy(const struct counter_run *run, long *total)
{
    return count_shared(run, add_racily, total);
}

int count_atomic(const struct counter_run *run, long *total)
{
    return count_shared(run, add_atomically, total);
}

/* Each confined thread's own counter, alone on its cache line so that one
 * thread's writes do not keep evicting its neighbour's (false sharing). */
struct confined_counter {
    _Alignas(64) long count;
    long delta;
    long iterations;
};

/* Only this thread touches c until it is joined: no atomics needed. */
static void *add_privately(void *arg)
{
    /* TODO: iterations times, add c->delta to c->count.  Plain code: why is
     * no atomic needed here? */
    NOT_IMPLEMENTED(arg);
}

int count_confined(const struct counter_run *run, long *total)
{
    /* TODO: check the run, give each thread its own struct confined_counter,
     * run add_privately on every thread with run_together, then (after the
     * join, not before) add the counts up into *total. */
    NOT_IMPLEMENTED(run, total, add_privately);
}

/* ---- Part 3: the lost-update meter ------------------------------------------- */

int measure_lost_updates(int nthreads, long iterations, struct lost_updates *out)
{
    /* TODO: run count_racy with nthreads threads that each add +1 iterations
     * times (pass on its error), then fill *out from that one run: expected,
     * final, lost = expected - final, and percent_lost (0 if expected is 0). */
    NOT_IMPLEMENTED(nthreads, iterations, out);
}

/* ---- Part 4: check-then-act ------------------------------------------------- */

/* Double-checked: the fast path is one acquire load.  The slow path checks
 * again under the lock, because another thread may have made the value
 * between our first look and our getting the lock. */
void *lazy_get(struct lazy *l)
{
    /* TODO: if l->ready (acquire load), return l->value.  Otherwise take
     * l->lock and check ready AGAIN: another thread may have made the value
     * while you waited for the lock.  If it is still not ready, call
     * l->make(l->ctx), keep the result in l->value, then set ready with a
     * release store.  Unlock and return l->value. */
    NOT_IMPLEMENTED(l);
}

/* ---- Part 5: publication ------------------------------------------------------ */

void publish(struct publication *p, const long *words)
{
    /* TODO: copy the words into p->words, then set p->published with a
     * release store (in that order: why?). */
    NOT_IMPLEMENTED(p, words);
}

bool try_read_published(struct publication *p, long *copy)
{
    /* TODO: load p->published with acquire; if it is false, return false
     * without touching copy.  Otherwise copy p->words into copy and return
     * true. */
    NOT_IMPLEMENTED(p, copy);
}
