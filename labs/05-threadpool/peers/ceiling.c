/*
 * ceiling.c - what this machine allows: futures handed from one thread to
 * another and back, with nothing a real pool needs.  compare.sh builds and
 * runs it beside the pools, so the ratios can be read against it.
 *
 *   ceiling N [RUNS]    prints "ceiling_tasks_per_s R", the median of RUNS (1)
 *
 * The workload is the benchmark's: allocate a batch of 4096 small futures,
 * hand them to the other thread, then wait for each result and free it.
 * What it leaves out is everything that makes a pool correct: a lock (there
 * is one submitting thread, so it needs none), sleeping (the worker spins
 * forever, so no fence has to pair a submit with a sleeper), a second
 * worker, cancellation, timeouts and shutdown.  What is left is the cost of
 * the cache lines that must cross between the cores: each future goes over
 * and comes back.  A pool pays that and more, so this is a ceiling for any
 * pool that runs each task on another thread than the one submitting it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "median.h"

enum { BATCH = 4096 };

struct ideal_future {
    atomic_bool done;
    void *(*fn)(void *);
    void *arg;
    void *value;
};

static struct ideal_future *handed[BATCH];   /* a ring of BATCH slots */
static atomic_long nhanded;                  /* slots written so far; -1: stop */

static void *noop(void *arg) { return arg; }

static void *worker(void *unused)
{
    (void)unused;
    for (long taken = 0;; taken++) {
        long n;
        while ((n = atomic_load_explicit(&nhanded, memory_order_acquire)) == taken)
            ;   /* spin: nobody ever sleeps here */
        if (n < 0)
            return NULL;
        struct ideal_future *f = handed[taken % BATCH];
        f->value = f->fn(f->arg);
        atomic_store_explicit(&f->done, true, memory_order_release);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Submit BATCH, then wait for each and free it, until ntasks have run. */
static double run(long ntasks, long *sent)
{
    static struct ideal_future *batch[BATCH];
    double start = now_s();
    long done = 0;
    for (; done < ntasks; done += BATCH) {
        for (int i = 0; i < BATCH; i++) {
            struct ideal_future *f = malloc(sizeof *f);
            if (!f)
                abort();
            *f = (struct ideal_future){.fn = noop};
            atomic_init(&f->done, false);
            batch[i] = handed[*sent % BATCH] = f;   /* the worker is done with this slot */
            atomic_store_explicit(&nhanded, ++*sent, memory_order_release);
        }
        for (int i = 0; i < BATCH; i++) {
            while (!atomic_load_explicit(&batch[i]->done, memory_order_acquire))
                ;
            free(batch[i]);
        }
    }
    return (double)done / (now_s() - start);
}

int main(int argc, char **argv)
{
    long ntasks = argc > 1 ? atol(argv[1]) : 1000000;
    int runs = argc > 2 ? atoi(argv[2]) : 1;
    pthread_t thread;
    if (runs < 1 || runs > 99 || pthread_create(&thread, NULL, worker, NULL) != 0)
        return 1;
    long sent = 0;
    run(ntasks / 10, &sent);   /* warm-up */
    double rates[99];
    for (int i = 0; i < runs; i++)
        rates[i] = run(ntasks, &sent);
    atomic_store_explicit(&nhanded, -1, memory_order_release);
    pthread_join(thread, NULL);
    printf("ceiling_tasks_per_s %.0f\n", median_rate(rates, runs));
    return 0;
}
