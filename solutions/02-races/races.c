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
    struct adder *a = arg;
    for (long i = 0; i < a->shared->iterations; i++) {
        long seen = atomic_load_explicit(&a->shared->total, memory_order_relaxed);
        atomic_store_explicit(&a->shared->total, seen + a->delta, memory_order_relaxed);
    }
    return NULL;
}

/* The read, the add and the write as one indivisible step: nothing can land
 * in between.  Relaxed is enough: the total orders no other memory, and
 * pthread_join makes the final value visible to whoever joins. */
static void *add_atomically(void *arg)
{
    struct adder *a = arg;
    for (long i = 0; i < a->shared->iterations; i++)
        atomic_fetch_add_explicit(&a->shared->total, a->delta, memory_order_relaxed);
    return NULL;
}

/* Run body on run->nthreads threads that all add to one shared total. */
static int count_shared(const struct counter_run *run, void *(*body)(void *), long *total)
{
    int err = check_run(run);
    if (err)
        return err;
    struct shared_total shared = {.iterations = run->iterations};
    struct adder adders[MAX_COUNTER_THREADS];
    atomic_init(&shared.total, 0);
    for (int t = 0; t < run->nthreads; t++)
        adders[t] = (struct adder){&shared, run->deltas[t]};
    err = run_together(run->nthreads, body, adders, sizeof adders[0]);
    *total = atomic_load(&shared.total);
    return err;
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
    struct confined_counter *c = arg;
    for (long i = 0; i < c->iterations; i++)
        c->count += c->delta;
    return NULL;
}

int count_confined(const struct counter_run *run, long *total)
{
    int err = check_run(run);
    if (err)
        return err;
    struct confined_counter counters[MAX_COUNTER_THREADS];
    for (int t = 0; t < run->nthreads; t++)
        counters[t] = (struct confined_counter){.delta = run->deltas[t],
                                                .iterations = run->iterations};
    err = run_together(run->nthreads, add_privately, counters, sizeof counters[0]);
    /* Every thread has been joined: its count is final and visible to us. */
    long sum = 0;
    for (int t = 0; t < run->nthreads; t++)
        sum += counters[t].count;
    *total = sum;
    return err;
}

/* ---- Part 3: the lost-update meter ------------------------------------------- */

int measure_lost_updates(int nthreads, long iterations, struct lost_updates *out)
{
    long ones[MAX_COUNTER_THREADS];
    for (int t = 0; t < MAX_COUNTER_THREADS; t++)
        ones[t] = 1;
    struct counter_run run = {nthreads, iterations, ones};
    long final;
    int err = count_racy(&run, &final);
    if (err)
        return err;
    /* Every quantity comes from the same run, so they always add up. */
    out->expected = (long)nthreads * iterations;
    out->final = final;
    out->lost = out->expected - final;
    out->percent_lost = out->expected ? 100.0 * (double)out->lost / (double)out->expected : 0.0;
    return 0;
}

/* ---- Part 4: check-then-act ------------------------------------------------- */

/* Double-checked: the fast path is one acquire load.  The slow path checks
 * again under the lock, because another thread may have made the value
 * between our first look and our getting the lock. */
void *lazy_get(struct lazy *l)
{
    if (atomic_load_explicit(&l->ready, memory_order_acquire))
        return l->value;
    pthread_mutex_lock(&l->lock);
    if (!atomic_load_explicit(&l->ready, memory_order_relaxed)) {
        l->value = l->make(l->ctx);
        /* Release: whoever sees ready == true also sees value and everything
         * make wrote into it. */
        atomic_store_explicit(&l->ready, true, memory_order_release);
    }
    pthread_mutex_unlock(&l->lock);
    return l->value;
}

/* ---- Part 5: publication ------------------------------------------------------ */

void publish(struct publication *p, const long *words)
{
    /* A loop rather than memcpy: gcc inlines a fixed-size memcpy as code
     * ThreadSanitizer does not see, and these writes are the ones it must
     * check against the readers'. */
    for (int i = 0; i < PUBLISHED_WORDS; i++)
        p->words[i] = words[i];
    /* Release: no write above may be seen after this one.  A reader that
     * sees published == true sees every word. */
    atomic_store_explicit(&p->published, true, memory_order_release);
}

bool try_read_published(struct publication *p, long *copy)
{
    /* Acquire pairs with publish's release: no read below may happen
     * before this one, so the words read are the ones published. */
    if (!atomic_load_explicit(&p->published, memory_order_acquire))
        return false;
    for (int i = 0; i < PUBLISHED_WORDS; i++)
        copy[i] = p->words[i];
    return true;
}
