/*
 * bench.c - lab 04's timing driver: what a GIL does to threads, measured on
 * your GIL.  `bench FILE` writes six gnuplot data blocks (select with index):
 *
 *   0  countdown   threads  new old none_atomic processes    seconds, fixed work
 *   1  convoy      interval_s  ops0 ops1 ops2                I/O ops/s beside 0-2 CPU threads
 *   2  sweep       interval_s  t1 t2 t4 t8                   seconds, fixed work
 *   3  price       label  seconds                            one thread, each mode
 *   4  timeline    panel row start_ms end_ms kind            2 CPU + 1 I/O thread
 *   5  corruption  threads freed_while_referenced leaked drift   no GIL, plain counts
 *   6  load        load_average_before load_average_after      (other work disturbs timings)
 *
 * and prints a summary beside the published figures.  PLOTS_QUICK=1 makes
 * every measurement short (a few seconds in all).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interp.h"
#include "testkit.h"

static bool quick;

/* The 1-minute load average: other programs' work disturbs every wall-clock
 * figure here, so the chart says how busy the machine was. */
static double load_average(void)
{
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1;
        fclose(f);
    }
    return load;
}

static const char *mode_name(enum gil_mode m)
{
    static const char *names[] = {"new GIL", "old GIL", "no GIL (atomic)", "no GIL (plain)"};
    return names[m];
}

/* ---- running interpreter threads -------------------------------------------- */

/* `threads` countdowns sharing `work` loop turns; seconds from start to join. */
static double countdown(enum gil_mode mode, double interval, int threads, long work,
                        struct vm_refcheck *check)
{
    struct vm *vm = vm_new(mode);
    struct vm_thread *t[16];
    if (!vm || (interval > 0 && gil_set_switch_interval(&vm->gil, interval) != 0)) {
        fprintf(stderr, "bench: cannot set up an interpreter\n");
        exit(1);
    }
    double began = now_s();
    for (int i = 0; i < threads; i++) {
        struct vm_task task = {.program = VM_COUNTDOWN, .n = work / threads};
        if (!(t[i] = vm_start(vm, &task))) {
            fprintf(stderr, "bench: cannot start a thread\n");
            exit(1);
        }
    }
    for (int i = 0; i < threads; i++)
        vm_join(t[i], NULL);
    double took = now_s() - began;
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
    struct vm *vm = vm_new(GIL_NEW);
    gil_set_switch_interval(&vm->gil, interval);
    struct vm_thread *cpu[2];
    for (int i = 0; i < cpu_threads; i++) {
        struct vm_task task = {.program = VM_COUNTDOWN, .n = VM_FOREVER};
        cpu[i] = vm_start(vm, &task);
    }
    struct vm_task io_task = {.program = VM_IO_LOOP, .n = VM_FOREVER, .io_us = io_us};
    struct vm_thread *io = vm_start(vm, &io_task);
    double began = now_s();
    sleep_s(seconds);
    vm_stop(vm);
    struct vm_thread_stats stats;
    vm_join(io, &stats);
    double took = now_s() - began;
    for (int i = 0; i < cpu_threads; i++)
        vm_join(cpu[i], NULL);
    vm_free(vm);
    return (double)stats.io_ops / took;
}

/* ---- the charts ----------------------------------------------------------------- */

/* Every cell is the best of `runs`, and the runs are interleaved - round
 * after round over all cells - so a burst of load from elsewhere slows one
 * round of everything rather than every run of one cell. */
static void chart_countdown(FILE *out, long work, int runs, double t[4][3])
{
    static const int threads[] = {1, 2, 4};
    for (int m = 0; m < 4; m++)
        for (int i = 0; i < 3; i++)
            t[m][i] = 1e30;
    for (int r = 0; r < runs; r++)
        for (int i = 0; i < 3; i++)
            for (int m = 0; m < 4; m++) {
                double s = m < 3 ? countdown((enum gil_mode)m, 0, threads[i], work, NULL)
                                 : countdown_in_processes(threads[i], work);
                t[m][i] = s < t[m][i] ? s : t[m][i];
            }
    fprintf(out, "# countdown: %ld turns split over threads (best of %d)\n"
                 "# threads new_gil old_gil no_gil_atomic processes  (seconds)\n", work, runs);
    printf("1. CPU-bound countdown, %ld turns in all (seconds, best of %d):\n"
           "   threads   new GIL   old GIL   no GIL (atomic)   processes\n", work, runs);
    for (int i = 0; i < 3; i++) {
        fprintf(out, "%d %.4f %.4f %.4f %.4f\n", threads[i], t[0][i], t[1][i], t[2][i],
                t[3][i]);
        printf("   %7d   %7.3f   %7.3f   %15.3f   %9.3f\n", threads[i], t[0][i], t[1][i],
               t[2][i], t[3][i]);
    }
    fprintf(out, "\n\n");
}

static void chart_convoy(FILE *out, const double *intervals, int n, long io_us)
{
    fprintf(out, "# convoy: I/O ops/s of one thread doing %ld us blocking calls\n"
                 "# interval_s beside_0_cpu beside_1_cpu beside_2_cpu\n", io_us);
    printf("2. Convoy effect: I/O ops/s of one I/O thread (%ld us calls) beside 0, 1, 2 "
           "CPU threads:\n   interval      0 CPU     1 CPU     2 CPU\n", io_us);
    for (int i = 0; i < n; i++) {
        double seconds = quick ? 0.1 : 0.3;
        if (seconds < 5 * intervals[i])
            seconds = 5 * intervals[i];
        double r[3];
        for (int c = 0; c < 3; c++)
            r[c] = io_rate(intervals[i], c, io_us, seconds);
        fprintf(out, "%g %.1f %.1f %.1f\n", intervals[i], r[0], r[1], r[2]);
        printf("   %7.0e  %9.0f %9.0f %9.0f\n", intervals[i], r[0], r[1], r[2]);
    }
    fprintf(out, "\n\n");
}

static void chart_sweep(FILE *out, const double *intervals, int n, long work, int runs,
                        double *eight_at_1us, double *eight_at_5ms)
{
    static const int threads[] = {1, 2, 4, 8};
    double t[8][4];
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 4; k++)
            t[i][k] = 1e30;
    for (int r = 0; r < runs; r++)   /* interleaved, as in chart 1 */
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 4; k++) {
                double s = countdown(GIL_NEW, intervals[i], threads[k], work, NULL);
                t[i][k] = s < t[i][k] ? s : t[i][k];
            }
    fprintf(out, "# sweep: %ld turns split over threads, new GIL, best of %d\n"
                 "# interval_s t1 t2 t4 t8  (seconds)\n", work, runs);
    printf("3. Switch-interval sweep, %ld turns in all (seconds, best of %d):\n"
           "   interval        1 thr     2 thr     4 thr     8 thr\n", work, runs);
    for (int i = 0; i < n; i++) {
        fprintf(out, "%g %.4f %.4f %.4f %.4f\n", intervals[i], t[i][0], t[i][1], t[i][2],
                t[i][3]);
        printf("   %7.0e    %9.3f %9.3f %9.3f %9.3f\n", intervals[i], t[i][0], t[i][1],
               t[i][2], t[i][3]);
        if (intervals[i] == 1e-6)
            *eight_at_1us = t[i][3];
        if (intervals[i] == 5e-3)
            *eight_at_5ms = t[i][3];
    }
    fprintf(out, "\n\n");
}

/* One thread's CPU seconds (not wall time: a loaded machine stretches wall
 * time, not the CPU a single thread needs). */
static double best_cpu_of(int runs, enum gil_mode mode, long work)
{
    double best = 1e30;
    for (int r = 0; r < runs; r++) {
        double before = cpu_s();
        countdown(mode, 0, 1, work, NULL);
        double used = cpu_s() - before;
        best = used < best ? used : best;
    }
    return best;
}

static void chart_price(FILE *out, long work, int runs, double *gil, double *atomic)
{
    fprintf(out, "# price: one thread, %ld turns, CPU seconds, best of %d\n"
                 "# label cpu_seconds\n", work, runs);
    printf("4. One thread, %ld turns (CPU seconds, best of %d):\n", work, runs);
    double t[4];
    /* Interleaved rounds, so a burst of load hits every mode alike. */
    for (int m = 0; m < 4; m++)
        t[m] = 1e30;
    for (int r = 0; r < runs; r++)
        for (int m = 0; m < 4; m++) {
            double used = best_cpu_of(1, (enum gil_mode)m, work);
            t[m] = used < t[m] ? used : t[m];
        }
    for (int m = 0; m < 4; m++) {
        fprintf(out, "\"%s\" %.4f\n", mode_name((enum gil_mode)m), t[m]);
        printf("   %-16s %.3f s  (%+.0f%%)\n", mode_name((enum gil_mode)m), t[m],
               100 * (t[m] / t[0] - 1));
    }
    *gil = t[GIL_NEW];
    *atomic = t[GIL_NONE_ATOMIC];
    fprintf(out, "\n\n");
}

static void chart_timeline(FILE *out, double seconds)
{
    enum { CAP = 8192 };
    static struct vm_segment trace[3][CAP];
    fprintf(out, "# timeline: 2 CPU threads + 1 I/O thread (1 ms calls), %.0f ms\n"
                 "# panel(0 new, 1 old) row(0 CPU 1, 1 CPU 2, 2 I/O) start_ms end_ms "
                 "kind(0 forced, 1 voluntary, 2 exit, 3 waiting)\n", seconds * 1e3);
    printf("5. GIL timeline, 2 CPU threads + 1 I/O thread doing 1 ms calls, %.0f ms:\n",
           seconds * 1e3);
    for (int panel = 0; panel < 2; panel++) {
        struct vm *vm = vm_new(panel == 0 ? GIL_NEW : GIL_OLD);
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

static void chart_corruption(FILE *out, long work)
{
    static const int threads[] = {1, 2, 4};
    fprintf(out, "# corruption: no GIL and plain reference counts, %ld turns per thread\n"
                 "# threads freed_while_referenced leaked drift\n", work);
    printf("6. No GIL, plain reference counts (wrong on purpose), %ld turns per thread:\n",
           work);
    for (int i = 0; i < 3; i++) {
        struct vm_refcheck c;
        countdown(GIL_NONE_UNSAFE, 0, threads[i], work * threads[i], &c);
        fprintf(out, "%d %ld %ld %ld\n", threads[i], c.freed_while_referenced, c.leaked,
                c.drift);
        printf("   %d thread%s: %ld freed while still referenced, %ld leaked, shared "
               "counts off by %ld\n", threads[i], threads[i] > 1 ? "s" : " ",
               c.freed_while_referenced, c.leaked, c.drift);
    }
    struct vm_refcheck atomic;
    countdown(GIL_NONE_ATOMIC, 0, 4, work * 4, &atomic);
    printf("   (atomic counts, 4 threads: off by %ld)\n", atomic.drift);
    fprintf(out, "\n\n");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATAFILE\n", argv[0]);
        return 2;
    }
    const char *q = getenv("PLOTS_QUICK");
    quick = q && *q == '1';
    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    static const double all_intervals[] = {1e-6, 1e-5, 1e-4, 1e-3, 5e-3, 1e-2, 1e-1};
    static const double quick_intervals[] = {1e-6, 1e-4, 5e-3, 1e-2};
    const double *intervals = quick ? quick_intervals : all_intervals;
    int nintervals = quick ? 4 : 7;
    /* Many short runs, best of each: on a shared machine the quietest run
     * is the closest to what the code itself costs. */
    long work = quick ? 600000 : 2000000;
    int runs = quick ? 1 : 7;
    double load_before = load_average();

    fprintf(out, "# lab 04: %d cores%s\n", usable_cores(), quick ? " (quick run)" : "");
    printf("Lab 04 on %d cores%s\n\n", usable_cores(), quick ? " (PLOTS_QUICK: short runs)" : "");

    double t[4][3], eight_1us = 0, eight_5ms = 1, gil = 1, atomic = 1;
    chart_countdown(out, work, runs, t);
    chart_convoy(out, intervals, nintervals, 100);
    chart_sweep(out, intervals, nintervals, work / 2, quick ? 1 : 5, &eight_1us, &eight_5ms);
    chart_price(out, work / 2, quick ? 1 : 15, &gil, &atomic);   /* cheap: more rounds */
    chart_timeline(out, 0.06);
    chart_corruption(out, quick ? 100000 : 2000000);
    double load_after = load_average();
    fprintf(out, "# load average before and after\n%.2f %.2f\n", load_before, load_after);

    printf("\nLoad average %.2f before, %.2f after%s\n", load_before, load_after,
           load_before > 1.5 || load_after > 1.5 ? ": other programs were running, so "
           "wall-clock figures are disturbed" : "");
    printf("\nBeside the published figures:\n"
           "  new GIL, 2 and 4 threads vs 1:  %.2fx, %.2fx   (CPython 3.11: 1.00x, 1.02x)\n"
           "  2 processes vs 1 thread:        %.2fx faster  (CPython 3.11: 1.9x)\n"
           "  old GIL, 2 threads vs 1:        %.2fx slower  (Beazley 2009: 1.8x)\n"
           "  8 threads, 1 us vs 5 ms:        %.1fx slower  (published: about 13x)\n"
           "  atomic refcounts, one thread:   %+.0f%%       (PEP 703: 5-10%%, with "
           "biased counting)\n",
           t[0][1] / t[0][0], t[0][2] / t[0][0], t[0][0] / t[3][1], t[1][1] / t[1][0],
           eight_1us / eight_5ms, 100 * (atomic / gil - 1));
    return fclose(out) != 0;
}
