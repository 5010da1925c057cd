/*
 * bench.c - lab 04's timing driver: what a GIL does to threads, measured on
 * your GIL.  `bench FILE` writes seven gnuplot data blocks (select with
 * index); 0-4 are medians and spreads of interleaved rounds
 * (harness/testlib/benchkit.h):
 *
 *   0  countdown   threads, then new old none_atomic processes   time / new GIL on 1 thread
 *   1  convoy      interval_s, then 0, 1, 2 CPU threads          I/O ops/s
 *   2  sweep       interval_s, then 1, 2, 4, 8 threads           time / same threads at 5 ms
 *   3  price       1 (thread), then new old none_atomic none_plain   CPU time / new GIL's
 *   4  release     threads, then I/O, native released, native held   time / same calls, 1 thread
 *
 * Blocks 0, 2, 3 and 4 are ratios to a yardstick measured in the same round,
 * so that a machine whose speed changes from one moment to the next (this
 * virtual machine's does, by up to 2x) moves both sides of each ratio alike.
 *   5  timeline    panel row start_ms end_ms kind            2 CPU + 1 I/O thread, one run
 *   6  corruption  threads freed_while_referenced leaked drift widened turns
 *                  no GIL, plain counts: free-running countdowns (widened 0), one run
 *                  each, and the tests' widened window (widened 1), exact every run
 *
 * and prints a summary beside the published figures.  PLOTS_QUICK=1 makes
 * every measurement short (a few seconds in all).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchkit.h"
#include "interp.h"
#include "testkit.h"

static bool quick;

static const char *mode_name(enum gil_mode m)
{
    static const char *names[] = {"new GIL", "old GIL", "no GIL (atomic)", "no GIL (plain)"};
    return names[m];
}

/* ---- running interpreter threads -------------------------------------------- */

/* An interpreter under `mode`, with its switch interval set unless it is 0;
 * one that cannot be set up ends the bench. */
static struct vm *new_vm(enum gil_mode mode, double interval)
{
    struct vm *vm = vm_new(mode);
    if (!vm || (interval > 0 && gil_set_switch_interval(&vm->gil, interval) != 0)) {
        fprintf(stderr, "bench: cannot set up an interpreter\n");
        exit(1);
    }
    return vm;
}

/* `threads` threads (at most 16) of vm running `task`, started and joined;
 * seconds from start to join.  One that cannot start ends the bench. */
static double run_threads(struct vm *vm, const struct vm_task *task, int threads)
{
    struct vm_thread *t[16];
    double began = now_s();
    for (int i = 0; i < threads; i++)
        if (!(t[i] = vm_start(vm, task))) {
            fprintf(stderr, "bench: cannot start a thread\n");
            exit(1);
        }
    for (int i = 0; i < threads; i++)
        vm_join(t[i], NULL);
    return now_s() - began;
}

/* `threads` countdowns sharing `work` loop turns; seconds from start to join. */
static double countdown(enum gil_mode mode, double interval, int threads, long work,
                        struct vm_refcheck *check)
{
    struct vm *vm = new_vm(mode, interval);
    struct vm_task task = {.program = VM_COUNTDOWN, .n = work / threads};
    double took = run_threads(vm, &task, threads);
    if (check)
        vm_check_refcounts(vm, check);
    vm_free(vm);
    return took;
}

/* The same work split over processes, each with its own interpreter and
 * GIL - multiprocessing's way round the GIL. */
static double countdown_in_processes(int processes, long work)
{
    double began = now_s();
    for (int i = 0; i < processes; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("bench: fork");
            exit(1);
        }
        if (pid == 0) {
            countdown(GIL_NEW, 0, 1, work / processes, NULL);
            _exit(0);
        }
    }
    for (int i = 0; i < processes; i++)
        wait(NULL);
    return now_s() - began;
}

/* I/O operations per second of one thread doing `io_us` blocking calls,
 * beside `cpu_threads` countdowns, over `seconds`. */
static double io_rate(double interval, int cpu_threads, long io_us, double seconds)
{
    struct vm *vm = new_vm(GIL_NEW, interval);
    struct vm_thread *cpu[2];
    for (int i = 0; i < cpu_threads; i++) {
        struct vm_task task = {.program = VM_COUNTDOWN, .n = VM_FOREVER};
        cpu[i] = vm_start(vm, &task);
    }
    struct vm_task io_task = {.program = VM_IO_LOOP, .n = VM_FOREVER, .io_us = io_us};
    struct vm_thread *io = vm_start(vm, &io_task);
    sleep_s(seconds);
    vm_stop(vm);
    struct vm_thread_stats stats;
    vm_join(io, &stats);
    for (int i = 0; i < cpu_threads; i++)
        vm_join(cpu[i], NULL);
    vm_free(vm);
    /* Per second of the window asked for, not of the time the window really
     * took: beside a CPU thread the I/O thread makes a few dozen calls, so
     * the rate moves in steps of one call per window, and dividing the same
     * count by times that differ by a few microseconds would make two runs
     * that counted alike look different.  A late wake-up stretches the
     * window by a fraction of a millisecond: under 1 % of it. */
    return (double)stats.io_ops / seconds;
}

/* A native call: fixed arithmetic (about 1 ms), the C work of seed 001's
 * recipe 12.9, method 2.  Long enough that a thread's calls outlast the
 * hand-overs of the GIL between them. */
static void native_work(void *ctx)
{
    (void)ctx;
    volatile unsigned long sum = 0;
    for (unsigned long i = 0; i < 1000000; i++)
        sum += i;
    (void)sum;   /* volatile: the loop cannot be folded away */
}

enum call_kind { IO_CALLS, NATIVE_RELEASED, NATIVE_HELD };

/* `threads` threads, each making `calls` calls of one kind under the new GIL:
 * 1 ms blocking I/O, or native calls with the GIL released or held.
 * Seconds from start to join. */
static double calls_on_threads(enum call_kind kind, int threads, long calls)
{
    struct vm *vm = new_vm(GIL_NEW, 0);
    struct vm_task task = {.program = kind == IO_CALLS ? VM_IO_LOOP : VM_NATIVE_LOOP,
                           .n = calls, .io_us = 1000, .native = native_work,
                           .native_keeps_gil = kind == NATIVE_HELD};
    double took = run_threads(vm, &task, threads);
    vm_free(vm);
    return took;
}

/* ---- the charts, one round at a time (harness/testlib/benchkit.h) --------------------------- */

static const int countdown_threads[] = {1, 2, 4};
static const int sweep_threads[] = {1, 2, 4, 8};
static const int release_threads[] = {1, 2, 4};

static struct bench_table countdown_table = {
    .title = "1. CPU-bound countdown, fixed work: time / new GIL on 1 thread, same round",
    .x_name = "threads",
    .names = {"new GIL", "old GIL", "no GIL (atomic)", "processes"}, .format = "%.2f"};
static struct bench_table convoy_table = {
    .title = "2. Convoy: I/O ops/s of one I/O thread (100 us calls)", .x_name = "interval",
    .names = {"0 CPU threads", "1 CPU thread", "2 CPU threads"}, .format = "%.0f"};
static struct bench_table sweep_table = {
    .title = "3. Switch-interval sweep, fixed work: time / same threads at 5 ms, same round",
    .x_name = "interval",
    .names = {"1 thread", "2 threads", "4 threads", "8 threads"}, .format = "%.2f"};
/* one row, x = 1 thread; a series per mode, in enum gil_mode's order */
static struct bench_table price_table = {
    .title = "4. One thread, CPU time / new GIL's, same round", .x_name = "threads",
    .names = {"new GIL", "old GIL", "no GIL (atomic)", "no GIL (plain)"}, .format = "%.2f"};
static struct bench_table release_table = {
    .title = "5. Calls that release the GIL (new GIL), each thread the same calls: time / 1 "
             "thread, same round",
    .x_name = "threads",
    .names = {"I/O (1 ms calls)", "native, GIL released", "native, GIL held"},
    .format = "%.2f"};

static void round_countdown(long work)
{
    /* A warm-up first: a process's first countdown is slower (page faults,
     * cold caches), and each pass is a new process. */
    countdown(GIL_NEW, 0, 1, work, NULL);
    double one = countdown(GIL_NEW, 0, 1, work, NULL);   /* the round's yardstick */
    for (int i = 0; i < 3; i++)
        for (int m = 0; m < 4; m++) {
            double t = i == 0 && m == GIL_NEW ? one
                       : m < 3 ? countdown((enum gil_mode)m, 0, countdown_threads[i], work, NULL)
                               : countdown_in_processes(countdown_threads[i], work);
            bench_add(&countdown_table, m, countdown_threads[i], t / one);
        }
}

static void round_convoy(const double *intervals, int n, long io_us)
{
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < 3; c++) {
            /* Alone the I/O thread makes thousands of calls in the window;
             * beside CPU threads it makes about one per interval, so then
             * the window spans at least 5 intervals. */
            double seconds = quick ? 0.1 : 0.06;
            if (c > 0 && seconds < 5 * intervals[i])
                seconds = 5 * intervals[i];
            bench_add(&convoy_table, c, intervals[i], io_rate(intervals[i], c, io_us, seconds));
        }
    }
}

static void round_sweep(const double *intervals, int n, long work)
{
    for (int k = 0; k < 4; k++) {
        double t[8], at_5ms = countdown(GIL_NEW, 5e-3, sweep_threads[k], work, NULL);
        for (int i = 0; i < n; i++)
            t[i] = intervals[i] == 5e-3 ? at_5ms
                                        : countdown(GIL_NEW, intervals[i], sweep_threads[k], work, NULL);
        for (int i = 0; i < n; i++)
            bench_add(&sweep_table, k, intervals[i], t[i] / at_5ms);
    }
}

/* One thread's CPU seconds (not wall time: a loaded machine stretches wall
 * time, not the CPU a single thread needs); best of `tries` within the round,
 * because this is cheap. */
static void round_price(long work, int tries)
{
    double best[4];
    for (int m = 0; m < 4; m++) {
        best[m] = 1e30;
        for (int t = 0; t < tries; t++) {
            double before = cpu_s();
            countdown((enum gil_mode)m, 0, 1, work, NULL);
            double used = cpu_s() - before;
            best[m] = used < best[m] ? used : best[m];
        }
    }
    for (int m = 0; m < 4; m++)
        bench_add(&price_table, m, 1, best[m] / best[GIL_NEW]);
}

/* Seeds 000 and 004: I/O releases the GIL, so I/O-bound threads overlap
 * under it; seed 001 (recipe 12.9, method 2): so do native calls that
 * release it, and those that keep it run one at a time.  Each kind's K = 1
 * is its yardstick in the same round. */
static void round_release(long calls)
{
    for (int kind = 0; kind < 3; kind++) {
        double one = calls_on_threads((enum call_kind)kind, 1, calls);
        for (int i = 0; i < 3; i++) {
            double t = i == 0 ? one
                              : calls_on_threads((enum call_kind)kind, release_threads[i], calls);
            bench_add(&release_table, kind, release_threads[i], t / one);
        }
    }
}

static void chart_timeline(FILE *out, double seconds)
{
    enum { CAP = 8192 };
    static struct vm_segment trace[3][CAP];
    fprintf(out, "# timeline: 2 CPU threads + 1 I/O thread (1 ms calls), %.0f ms\n"
                 "# panel(0 new, 1 old) row(0 CPU 1, 1 CPU 2, 2 I/O) start_ms end_ms "
                 "kind(0 forced, 1 voluntary, 2 exit, 3 waiting)\n", seconds * 1e3);
    printf("6. GIL timeline, 2 CPU threads + 1 I/O thread doing 1 ms calls, %.0f ms:\n",
           seconds * 1e3);
    for (int panel = 0; panel < 2; panel++) {
        struct vm *vm = new_vm(panel == 0 ? GIL_NEW : GIL_OLD, 0);
        struct vm_thread *t[3];
        for (int i = 0; i < 3; i++) {
            struct vm_task task = {.program = i < 2 ? VM_COUNTDOWN : VM_IO_LOOP,
                                   .n = VM_FOREVER, .io_us = 1000,
                                   .trace = trace[i], .trace_cap = CAP};
            t[i] = vm_start(vm, &task);
        }
        sleep_s(seconds);
        vm_stop(vm);
        struct vm_thread_stats stats[3];
        for (int i = 0; i < 3; i++)
            vm_join(t[i], &stats[i]);
        int forced = 0, voluntary = 0;
        for (int i = 0; i < 3; i++)
            for (int s = 0; s < stats[i].nsegments; s++) {
                struct vm_segment *seg = &trace[i][s];
                fprintf(out, "%d %d %.3f %.3f %d\n", panel, i, seg->start * 1e3,
                        seg->end * 1e3, (int)seg->kind);
                forced += seg->kind == VM_HELD_FORCED;
                voluntary += seg->kind == VM_HELD_VOLUNTARY;
            }
        printf("   %s: %lu switches, %d forced drops, %d voluntary (I/O) drops, "
               "I/O thread: %ld calls, longest wait for the GIL %.1f ms\n",
               mode_name(vm->gil.mode), vm->gil.switch_number, forced, voluntary,
               stats[2].io_ops, stats[2].max_wait_s * 1e3);
        vm_free(vm);
    }
    fprintf(out, "\n\n");
}

/* The tests' widened window (support/interp.h): 2 threads, VM_MAX_INCREFS
 * INCREFs each; exact in every run.  *met: INCREFs that met in the window. */
static void widened_increfs(enum gil_mode mode, struct vm_refcheck *c, long *met)
{
    struct vm *vm = new_vm(mode, 0);
    struct vm_task task = {.program = VM_SHARED_INCREFS, .n = VM_MAX_INCREFS};
    run_threads(vm, &task, 2);
    vm_check_refcounts(vm, c);
    *met = atomic_load(&vm->windows_met);
    vm_free(vm);
}

static void chart_corruption(FILE *out, long work)
{
    static const int threads[] = {1, 2, 4};
    fprintf(out, "# corruption: no GIL and plain reference counts\n"
                 "# threads freed_while_referenced leaked drift widened turns\n");
    printf("7. No GIL, plain reference counts (wrong on purpose):\n");
    struct vm_refcheck w, g;
    long met, met_gil;
    widened_increfs(GIL_NONE_UNSAFE, &w, &met);
    widened_increfs(GIL_NEW, &g, &met_gil);
    fprintf(out, "2 %ld %ld %ld 1 %d\n", w.freed_while_referenced, w.leaked, w.drift,
            VM_MAX_INCREFS);
    printf("   the tests' widened window, 2 threads x %d INCREFs of the shared 1 (the same "
           "every run):\n"
           "     no GIL : %ld of %d met in the window, %ld updates lost; the count hit 0 "
           "while in use, and ended %ld too low\n"
           "     new GIL: %ld met, counts off by %ld\n",
           VM_MAX_INCREFS, met, 2 * VM_MAX_INCREFS, w.drift, w.drift, met_gil, g.drift);
    printf("   free-running countdowns, %ld turns per thread (a matter of luck):\n", work);
    long caught = 0;
    for (int i = 0; i < 3; i++) {
        struct vm_refcheck c;
        countdown(GIL_NONE_UNSAFE, 0, threads[i], work * threads[i], &c);
        fprintf(out, "%d %ld %ld %ld 0 %ld\n", threads[i], c.freed_while_referenced, c.leaked,
                c.drift, work);
        printf("     %d thread%s: a shared count hit 0 while in use %ld times, %ld leaked, "
               "shared counts off by %ld\n", threads[i], threads[i] > 1 ? "s" : " ",
               c.freed_while_referenced, c.leaked, c.drift);
        caught += threads[i] > 1 ? c.drift + c.freed_while_referenced : 0;
    }
    if (caught == 0)
        printf("     (nothing caught in this run: two cores must update the same count in "
               "the same few nanoseconds,\n      and %ld turns are too few for that to be "
               "likely; 0 here means not seen, not safe)\n", work);
    struct vm_refcheck atomic;
    countdown(GIL_NONE_ATOMIC, 0, 4, work * 4, &atomic);
    printf("     atomic counts, 4 threads: off by %ld\n", atomic.drift);
    fprintf(out, "\n\n");
}

int main(int argc, char **argv)
{
    struct bench_run run = bench_start(argc, argv, BENCH_ROUNDS, 1, NULL, NULL);
    FILE *out = run.out;
    quick = run.quick;
    static const double all_intervals[] = {1e-6, 1e-5, 1e-4, 1e-3, 5e-3, 1e-2, 1e-1};
    static const double quick_intervals[] = {1e-6, 1e-4, 5e-3, 1e-2};
    const double *intervals = quick ? quick_intervals : all_intervals;
    int nintervals = quick ? 4 : 7;
    long work = quick ? 600000 : 2000000;

    fprintf(out, "# lab 04: %d cores%s\n", usable_cores(), quick ? " (quick run)" : "");
    printf("Lab 04 on %d cores%s\n\n", usable_cores(), quick ? " (PLOTS_QUICK: short runs)" : "");

    for (int r = 0; r < run.rounds; r++) {   /* every chart's points once a round */
        bench_round(r);
        round_countdown(work / 2);   /* 1 million turns: 21 rounds must fit in a minute or two */
        round_convoy(intervals, nintervals, 100);
        round_sweep(intervals, nintervals, work / 2);
        round_price(work / 2, 3);
        round_release(quick ? 5 : 20);   /* calls per thread: 20 to 40 ms each */
    }
    bench_write(out, &countdown_table);
    bench_write(out, &convoy_table);
    bench_write(out, &sweep_table);
    bench_write(out, &price_table);
    bench_write(out, &release_table);
    bench_print(&countdown_table);
    bench_print(&convoy_table);
    bench_print(&sweep_table);
    bench_print(&price_table);
    bench_print(&release_table);
    /* A picture of one run and a count of one run each: no rounds, so only
     * the pass whose data file is kept draws them (harness/testlib/benchkit.h). */
    if (run.last_pass) {
        chart_timeline(out, 0.06);
        chart_corruption(out, quick ? 100000 : 2000000);
    }

    struct bench_table *c = &countdown_table, *w = &sweep_table, *p = &price_table,
                       *r = &release_table;
    double t1 = bench_median(c, GIL_NEW, 1);
    printf("\nBeside the published figures (medians):\n"
           "  new GIL, 2 and 4 threads vs 1:  %.2fx, %.2fx   (CPython 3.11: 1.00x, 1.02x)\n"
           "  2 processes vs 1 thread:        %.2fx faster  (CPython 3.11: 1.9x)\n"
           "  old GIL, 2 threads vs 1:        %.2fx slower  (Beazley 2009: 1.8x)\n"
           "  8 threads, 1 us vs 5 ms:        %.1fx slower  (quoted, no source: about 13x)\n"
           "  atomic refcounts, one thread:   %+.0f%%       (PEP 703: 5-10%%, with "
           "biased counting)\n"
           "  native calls, 2 threads:        %.2fx as fast with the GIL released as held "
           "(seed 001, 12.9 method 2; ideal: min(2, cores))\n"
           "  4 I/O threads vs 1:             %.2fx the time  (seeds 000, 004: I/O releases "
           "the GIL; 1.00: they overlap fully)\n\n",
           bench_median(c, GIL_NEW, 2) / t1, bench_median(c, GIL_NEW, 4) / t1,
           t1 / bench_median(c, 3, 2), bench_median(c, GIL_OLD, 2) / bench_median(c, GIL_OLD, 1),
           bench_median(w, 3, 1e-6) / bench_median(w, 3, 5e-3),
           100 * (bench_median(p, GIL_NONE_ATOMIC, 1) / bench_median(p, GIL_NEW, 1) - 1),
           bench_median(r, NATIVE_HELD, 2) / bench_median(r, NATIVE_RELEASED, 2),
           bench_median(r, IO_CALLS, 4));
    bench_end(out);
    return fclose(out) != 0;
}
