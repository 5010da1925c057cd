/*
 * bench.c - lab 03's timing driver: what a lock costs as threads are added.
 *
 *   bench FILE     writes two data blocks (gnuplot `index 0` and `index 1`):
 *     0: threads, then mutex spinlock atomic shards: million increments/s
 *     1: threads, then global_lock per_account_locks: million transfers/s
 *
 * "mutex" is your counter_incr and "per_account_locks" your bank_transfer;
 * the spinlock, atomic and sharded counters are given here to compare with,
 * and "global_lock" is your bank_transfer under one bank-wide mutex.
 *
 * Each point runs the threads for a fixed time and counts what they got
 * done, once a round; the chart shows the median of the rounds and their
 * spread (harness/testlib/benchkit.h).
 *
 * PLOTS_QUICK=1 shortens the run (used by the kit's own tests).
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchkit.h"
#include "mutexes.h"
#include "testkit.h"

enum { MAX_THREADS = 8, BATCH = 64, ACCOUNTS = 64 };
static const int thread_counts[] = {1, 2, 3, 4, 6, 8};
enum { NPOINTS = sizeof thread_counts / sizeof thread_counts[0] };

static double run_s;     /* how long one measurement runs */

/* ---- the counters compared with yours ----------------------------------- */

/* A test-and-test-and-set spinlock: waiters spin on a plain load (which
 * stays in their own cache) and try the atomic exchange only when the lock
 * looks free.  No sched_yield: with more threads than cores, a waiter burns
 * its whole time slice while the holder sits preempted. */
static atomic_bool spin_held;
static long spin_value;

static void spin_incr(void)
{
    for (;;) {
        if (!atomic_exchange_explicit(&spin_held, true, memory_order_acquire))
            break;
        while (atomic_load_explicit(&spin_held, memory_order_relaxed))
            ;
    }
    spin_value++;
    atomic_store_explicit(&spin_held, false, memory_order_release);
}

static atomic_long atomic_value;

/* Per-thread shards, each on its own 64-byte cache line so that no two
 * threads ever write the same line; the total is their sum. */
struct shard {
    _Alignas(64) atomic_long value;
};
static struct shard shards[MAX_THREADS];

static struct shared_counter mutex_counter;

enum counter_kind { MUTEX, SPINLOCK, ATOMIC, SHARDS, NKINDS };
static const char *const kind_names[NKINDS] = {"mutex", "spinlock", "atomic", "shards"};

/* ---- your bank, with and without one lock around it ---------------------- */

/* "One global lock" is your own bank_transfer called under a single
 * bank-wide mutex: the same work, but only one transfer at a time, which is
 * what one lock for the whole bank means.  It also costs one more
 * (uncontended) lock and unlock per transfer, which shows at 1 thread. */
static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bank bank;

static void global_transfer(int from, int to, long amount)
{
    pthread_mutex_lock(&global_lock);
    bank_transfer(&bank, from, to, amount);
    pthread_mutex_unlock(&global_lock);
}

/* ---- running threads for a fixed time ------------------------------------ */

struct worker {
    pthread_t thread;
    int index;
    int kind;               /* a counter_kind, or NKINDS + 0/1 for the banks */
    long done;              /* operations completed */
    uint32_t seed;
};

static atomic_int ready;
static atomic_bool go, stop;

static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static void one_batch(struct worker *w)
{
    switch (w->kind) {
    case MUTEX:
        for (int i = 0; i < BATCH; i++)
            counter_incr(&mutex_counter, 1);
        break;
    case SPINLOCK:
        for (int i = 0; i < BATCH; i++)
            spin_incr();
        break;
    case ATOMIC:
        for (int i = 0; i < BATCH; i++)
            atomic_fetch_add_explicit(&atomic_value, 1, memory_order_relaxed);
        break;
    case SHARDS: {
        /* Only this thread writes its shard: a plain load and store do, no
         * locked instruction needed.  (Relaxed atomics keep the compiler
         * from folding the loop into one add of 64.) */
        atomic_long *mine = &shards[w->index].value;
        for (int i = 0; i < BATCH; i++)
            atomic_store_explicit(mine, atomic_load_explicit(mine, memory_order_relaxed) + 1,
                                  memory_order_relaxed);
        break;
    }
    default:
        for (int i = 0; i < BATCH; i++) {
            int from = (int)(next_random(&w->seed) % ACCOUNTS);
            int to = (from + 1 + (int)(next_random(&w->seed) % (ACCOUNTS - 1))) % ACCOUNTS;
            long amount = 1 + (long)(next_random(&w->seed) % 10);
            if (w->kind == NKINDS)
                global_transfer(from, to, amount);
            else
                bank_transfer(&bank, from, to, amount);
        }
    }
    w->done += BATCH;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    atomic_fetch_add(&ready, 1);
    while (!atomic_load(&go))   /* start together, not as woken one by one */
        sched_yield();
    while (!atomic_load_explicit(&stop, memory_order_relaxed))
        one_batch(w);
    return NULL;
}

/* Run `threads` threads doing `kind` for run_s; return operations per second. */
static double measure(int kind, int threads, long *ops_out)
{
    struct worker workers[MAX_THREADS];
    atomic_store(&ready, 0);
    atomic_store(&go, false);
    atomic_store(&stop, false);
    for (int i = 0; i < threads; i++) {
        workers[i] = (struct worker){.index = i, .kind = kind,
                                     .seed = 2463534242u + 7919u * (uint32_t)i};
        if (pthread_create(&workers[i].thread, NULL, work, &workers[i]) != 0) {
            perror("pthread_create");
            exit(1);
        }
    }
    while (atomic_load(&ready) < threads)
        sched_yield();
    double start = now_s();
    atomic_store(&go, true);
    sleep_s(run_s);
    atomic_store(&stop, true);
    long ops = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(workers[i].thread, NULL);
        ops += workers[i].done;
    }
    double wall = now_s() - start;
    *ops_out = ops;
    return (double)ops / wall;
}

static long sum_of_shards(void)
{
    long total = 0;
    for (int i = 0; i < MAX_THREADS; i++)
        total += atomic_load(&shards[i].value);
    return total;
}

int main(int argc, char **argv)
{
    struct bench_run run = bench_start(argc, argv, BENCH_ROUNDS, 2, NULL, NULL);
    FILE *out = run.out;
    run_s = run.quick ? 0.02 : 0.04;
    if (counter_init(&mutex_counter, 0) != 0 || bank_init(&bank, ACCOUNTS, 1000) != 0) {
        fprintf(stderr, "counter_init or bank_init failed\n");
        return 1;
    }
    fprintf(out, "# lab 03: %d cores; runs of %.0f ms\n", usable_cores(), run_s * 1e3);
    static struct bench_table counters = {
        .title = "a shared counter: million increments/s", .x_name = "threads",
        .names = {"mutex", "spinlock", "atomic", "shards"}, .format = "%.1f"};
    static struct bench_table banks = {
        .title = "bank transfers, 64 accounts: million transfers/s", .x_name = "threads",
        .names = {"one global lock", "a lock per account"}, .format = "%.2f"};
    long counted[NKINDS] = {0}, transfers = 0;
    for (int r = 0; r < run.rounds; r++) {   /* every point once a round: see benchkit.h */
        bench_round(r);
        for (int p = 0; p < NPOINTS; p++)
            for (int k = 0; k < NKINDS + 2; k++) {
                long ops;
                double rate = measure(k, thread_counts[p], &ops);
                *(k < NKINDS ? &counted[k] : &transfers) += ops;
                if (k < NKINDS)
                    bench_add(&counters, k, thread_counts[p], rate / 1e6);
                else
                    bench_add(&banks, k - NKINDS, thread_counts[p], rate / 1e6);
            }
    }
    bench_write(out, &counters);
    bench_write(out, &banks);
    bench_print(&counters);
    bench_print(&banks);
    int last = thread_counts[NPOINTS - 1];
    printf("at %d threads: shards do %.0fx the mutex's increments; per-account locks do "
           "%.1fx the global lock's transfers\n\n", last,
           bench_median(&counters, SHARDS, last) / bench_median(&counters, MUTEX, last),
           bench_median(&banks, 1, last) / bench_median(&banks, 0, last));
    bench_end(out);

    /* Every increment was counted by its thread: the counters must agree. */
    int status = 0;
    long got[NKINDS] = {counter_value(&mutex_counter), spin_value,
                        atomic_load(&atomic_value), sum_of_shards()};
    for (int k = 0; k < NKINDS; k++)
        if (got[k] != counted[k]) {
            fprintf(stderr, "the %s counter holds %ld after %ld increments: updates "
                    "were lost\n", kind_names[k], got[k], counted[k]);
            status = 1;
        }
    if (bank_total(&bank) != 1000L * ACCOUNTS) {
        fprintf(stderr, "the bank holds %ld, not %ld, after %ld transfers\n",
                bank_total(&bank), 1000L * ACCOUNTS, transfers);
        status = 1;
    }
    counter_destroy(&mutex_counter);
    bank_destroy(&bank);
    return fclose(out) != 0 || status;
}
