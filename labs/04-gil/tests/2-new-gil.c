/* 2-new-gil.c - lab 04, Part 2: the new GIL (mutual exclusion, fairness, the
 * switch interval, forced switching, releasing wakes a waiter). */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "helpers.h"

/* ---- mutual exclusion ---------------------------------------------------- */

static void spin_100us_without_gil(void *ctx)
{
    (void)ctx;
    spin_for(100e-6);
}

TEST(one_thread_runs_bytecode_at_a_time, 6, 15, "gil_acquire, gil_release, gil_check, "
     "new_gil_take, new_gil_drop, old_gil_take, old_gil_drop")
{
    /* 3 CPU threads, an I/O thread and a native caller: more threads than
     * cores, hand-offs of every kind.  The interpreter counts any moment a
     * thread took the GIL while another was still running bytecode. */
    const enum gil_mode modes[] = {GIL_NEW, GIL_OLD};
    const char *mode_names[] = {"new GIL (1 ms interval)", "old GIL (100 ticks)"};
    for (int m = 0; m < 2; m++) {
        struct vm *vm = new_vm(modes[m], 0.001);
        vm->count_overlaps = true;
        struct vm_thread *t[5];
        for (int i = 0; i < 3; i++)
            t[i] = start(vm, VM_COUNTDOWN, VM_FOREVER, 0);
        t[3] = start(vm, VM_IO_LOOP, VM_FOREVER, 200);
        struct vm_task native = {.program = VM_NATIVE_LOOP, .n = VM_FOREVER,
                                 .native = spin_100us_without_gil};
        t[4] = vm_start(vm, &native);
        ck_assert(t[4] != NULL);
        sleep_s(0.06);
        vm_stop(vm);
        for (int i = 0; i < 5; i++)
            vm_join(t[i], NULL);
        struct vm_counts n = free_vm(vm);
        ck_assert_msg(n.overlaps == 0, "%s: %ld times a thread started running bytecode "
                      "while another still was: two threads held the GIL at once.  "
                      "%s must take it only when locked is false, and re-check locked "
                      "after every wait (a wait can end with the GIL still taken)",
                      mode_names[m], n.overlaps, m == 0 ? "new_gil_take" : "old_gil_take");
        ck_assert_msg(n.switches >= 5, "%s: the GIL changed hands only %lu times in 60 ms "
                      "among 5 threads, of which 2 release it for every I/O or native call",
                      mode_names[m], n.switches);
    }
}

/* ---- fairness ------------------------------------------------------------ */

TEST(two_cpu_threads_share_the_gil, 10, 10, "new_gil_take, new_gil_drop, gil_check")
{
    /* With a 2 ms interval the two threads should trade the GIL every few
     * milliseconds and split the work about 50/50.  The test runs until 20
     * switches and 200 ms have passed, or at most 2 s: on a loaded machine a
     * switch can take tens of milliseconds, and a turn cut short by the OS
     * (the holder preempted, the waiter woken late) weighs less among 20
     * turns than among the 6 this once waited for (a reference under
     * ThreadSanitizer, beside another lab's grading, did 96% and 4% in 7).
     * We ask only that each thread did 10% of the work: a GIL that never
     * makes its holder let go gives the other thread 0%. */
    struct vm *vm = new_vm(GIL_NEW, 0.002);
    double began = now_s();
    struct vm_thread *a = start(vm, VM_COUNTDOWN, VM_FOREVER, 0);
    struct vm_thread *b = start(vm, VM_COUNTDOWN, VM_FOREVER, 0);
    while (now_s() - began < 2.0 &&
           (now_s() - began < 0.2 || switches_now(&vm->gil) < 20))
        sleep_s(0.005);
    double ran = now_s() - began;
    vm_stop(vm);
    struct vm_thread_stats sa, sb;
    vm_join(a, &sa);
    vm_join(b, &sb);
    unsigned long switches = free_vm(vm).switches;
    double total = (double)(sa.iterations + sb.iterations);
    ck_assert_msg(total > 0, "neither thread ran a single loop turn in %.0f ms", ran * 1e3);
    double share_a = sa.iterations / total, share_b = sb.iterations / total;
    ck_assert_msg(share_a >= 0.1 && share_b >= 0.1, "two CPU-bound threads should share "
                  "the GIL about 50/50; in %.0f ms they did %.0f%% and %.0f%% of the work, "
                  "with %lu switches.  The starved one: did it time out after one interval "
                  "and set drop_request, and did gil_check make the holder let go?",
                  ran * 1e3, 100 * share_a, 100 * share_b, switches);
}

/* ---- the switch interval ------------------------------------------------- */

struct switch_run {
    double interval, ran;
    unsigned long during;   /* switches while both ran: not the first take */
};

/* Two CPU threads at `interval`, for at least `least` seconds and until
 * `wanted` switches have happened, but at most `most` seconds. */
static struct switch_run switches_over(double interval, double least, unsigned long wanted,
                                       double most)
{
    struct switch_run run = {.interval = interval};
    struct vm *vm = new_vm(GIL_NEW, interval);
    double began = now_s();
    struct vm_thread *a = start(vm, VM_COUNTDOWN, VM_FOREVER, 0);
    struct vm_thread *b = start(vm, VM_COUNTDOWN, VM_FOREVER, 0);
    unsigned long so_far;
    do {
        sleep_s(0.005);
        /* Counted before stopping: the hand-over at the stop is not the
         * interval's doing, and a GIL that switches at every back-edge may
         * never let the last thread leave. */
        so_far = switches_now(&vm->gil);
        run.ran = now_s() - began;
        run.during = so_far > 0 ? so_far - 1 : 0;
    } while (run.ran < most && (run.ran < least || run.during < wanted));
    double limit = run.ran / interval + 2;
    ck_assert_msg(run.during <= limit, "with a %g ms interval, two CPU threads switched "
                  "%lu times in %.0f ms; at most %.0f are possible if every waiter waits a "
                  "full interval.  Is drop_request cleared once a thread has taken the GIL (in new_gil_take)?",
                  interval * 1e3, run.during, run.ran * 1e3, limit);
    vm_stop(vm);
    vm_join(a, NULL);
    vm_join(b, NULL);
    vm_free(vm);
    return run;
}

TEST(switch_interval_is_honoured, 10, 15,
     "new_gil_take, new_gil_drop, gil_set_switch_interval")
{
    /* Upper bound, exact, at both intervals: after a switch the new waiter
     * waits a whole interval before asking, so over T there are at most
     * T/interval + 1 switches (+1 slack).
     * Lower bound, only at 10 ms: each switch also waits for the OS to run
     * two woken threads.  When both share a core that takes a scheduler tick
     * (4 ms here) or more: we measured 4 ms periods at a 1 ms interval on a
     * quiet machine and 12-70 ms periods at 10 ms on a loaded one.  So we ask
     * for 4 switches (T/interval is 20 or more) within 1 s: a waiter that
     * never asks, or an interval misread by a factor of 100, gives none. */
    struct switch_run fast = switches_over(0.001, 0.10, 0, 0.10);
    struct switch_run slow = switches_over(0.010, 0.20, 4, 1.0);
    printf("1 ms: %lu switches in %.0f ms (T/interval %.0f, at most %.0f allowed); "
           "10 ms: %lu in %.0f ms (T/interval %.0f, at most %.0f)\n", fast.during,
           fast.ran * 1e3, fast.ran / 0.001, fast.ran / 0.001 + 2, slow.during,
           slow.ran * 1e3, slow.ran / 0.010, slow.ran / 0.010 + 2);
    ck_assert_msg(slow.during >= 4, "with a 10 ms interval, two CPU threads switched only "
                  "%lu times in %.0f ms (T/interval is %.0f): does a waiter set drop_request "
                  "when its timed wait of one interval expires, and is the interval the one "
                  "set?", slow.during, slow.ran * 1e3, slow.ran / 0.010);
}

/* ---- forced switching ---------------------------------------------------- */

/* The test's main thread plays the interpreter: it holds the GIL and calls
 * gil_check between short bursts of work.  A second thread asks for the GIL
 * ROUNDS times.  Before each request it does the same thing without a GIL -
 * a timed wait of one interval, then a hand-off through a condition
 * variable - which measures how quickly this machine delivers a hand-off
 * right now: the baseline the GIL's waits are compared with. */
enum { ROUNDS = 7 };

struct asker {
    struct gil *gil;
    double interval;
    int cpu;
    atomic_int rounds_done;   /* advanced by the holder */
    atomic_int times_held;    /* by the asker */
    atomic_bool give_up;
    atomic_bool model_asked;
    pthread_mutex_t model_lock;
    pthread_cond_t model_granted_cv;
    bool model_granted;
    double gil_wait[ROUNDS], model_wait[ROUNDS];
};

static void model_hand_off(struct asker *a, int r)
{
    double began = now_s();
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long long ns = until.tv_nsec + (long long)(a->interval * 1e9);
    until.tv_sec += (time_t)(ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    pthread_mutex_lock(&a->model_lock);
    while (pthread_cond_timedwait(&a->model_granted_cv, &a->model_lock, &until) != ETIMEDOUT)
        ;
    atomic_store(&a->model_asked, true);
    while (!a->model_granted && !atomic_load(&a->give_up))
        pthread_cond_wait(&a->model_granted_cv, &a->model_lock);
    a->model_granted = false;
    pthread_mutex_unlock(&a->model_lock);
    a->model_wait[r] = now_s() - began;
}

static void *ask_for_the_gil(void *arg)
{
    struct asker *a = arg;
    struct gil_thread me = {0};
    pin_to(a->cpu);
    for (int r = 0; r < ROUNDS && !atomic_load(&a->give_up); r++) {
        model_hand_off(a, r);
        double began = now_s();
        gil_acquire(a->gil, &me);
        a->gil_wait[r] = now_s() - began;
        atomic_fetch_add(&a->times_held, 1);
        gil_release(a->gil, &me);
        /* The next request must find the holder holding the GIL again. */
        while (atomic_load(&a->rounds_done) <= r && !atomic_load(&a->give_up))
            sleep_s(0.0002);
    }
    return NULL;
}

TEST(forced_switching_hands_over_within_two_intervals, 10, 15,
     "new_gil_drop, new_gil_take, gil_check")
{
    const double interval = 0.010;
    int cpu[2];
    two_cpus(cpu);
    /* Holder and asker on different CPUs, as on any multicore: the holder
     * could then take the GIL straight back before the woken asker runs,
     * which is the bug forced switching exists to prevent.  (Sharing a CPU,
     * the OS often runs the woken thread first and hides the bug.) */
    cpu_set_t old_affinity;
    pthread_getaffinity_np(pthread_self(), sizeof old_affinity, &old_affinity);
    pin_to(cpu[0]);

    struct gil g;
    gil_init(&g, GIL_NEW);
    ck_assert(gil_set_switch_interval(&g, interval) == 0);
    struct gil_thread holder = {0};
    gil_acquire(&g, &holder);

    struct asker a = {.gil = &g, .interval = interval, .cpu = cpu[1],
                      .model_lock = PTHREAD_MUTEX_INITIALIZER,
                      .model_granted_cv = PTHREAD_COND_INITIALIZER};
    pthread_t asker_thread;
    ck_assert(pthread_create(&asker_thread, NULL, ask_for_the_gil, &a) == 0);

    int took_straight_back = 0, rounds = 0;
    double deadline = now_s() + 3.0;
    /* Correct code never takes the GIL straight back; a few times is proof. */
    while (rounds < ROUNDS && took_straight_back < 3 && now_s() < deadline) {
        spin_for(0.0005);   /* a burst of bytecode */
        if (atomic_load(&a.model_asked)) {
            atomic_store(&a.model_asked, false);
            pthread_mutex_lock(&a.model_lock);
            a.model_granted = true;
            pthread_cond_broadcast(&a.model_granted_cv);
            pthread_mutex_unlock(&a.model_lock);
        }
        bool requested = atomic_load(&g.drop_request);
        int held_before = atomic_load(&a.times_held);
        gil_check(&g, &holder);
        if (requested && atomic_load(&a.times_held) == held_before)
            took_straight_back++;
        else if (atomic_load(&a.times_held) > held_before)
            atomic_store(&a.rounds_done, ++rounds);
    }
    atomic_store(&a.give_up, true);
    pthread_mutex_lock(&a.model_lock);
    pthread_cond_broadcast(&a.model_granted_cv);
    pthread_mutex_unlock(&a.model_lock);
    gil_release(&g, &holder);
    pthread_join(asker_thread, NULL);
    gil_destroy(&g);
    pthread_setaffinity_np(pthread_self(), sizeof old_affinity, &old_affinity);

    if (cpu[1] < 0)
        printf("only one CPU: the holder and the asker share it, so taking the GIL "
               "straight back may go unnoticed here\n");
    ck_assert_msg(took_straight_back == 0, "%d times gil_check dropped the GIL on request "
                  "and took it straight back before the waiting thread had it (the waiter "
                  "got it in %d of %d rounds).  On a multicore the dropper wins that race: "
                  "after dropping on request, wait (on switched) until another thread has "
                  "taken the GIL - CPython's FORCE_SWITCHING", took_straight_back, rounds,
                  ROUNDS);
    ck_assert_msg(rounds == ROUNDS, "the waiting thread got the GIL in only %d of %d "
                  "rounds within 3 s: a waiter must set drop_request when its timed wait "
                  "of one interval expires, and gil_check must then release and re-acquire",
                  rounds, ROUNDS);
    double fastest = a.gil_wait[0];
    for (int r = 1; r < ROUNDS; r++)
        fastest = a.gil_wait[r] < fastest ? a.gil_wait[r] : fastest;
    ck_assert_msg(fastest >= interval * 0.95, "the waiter got the GIL after %.2f ms, "
                  "before one interval (%.0f ms) had passed: it must wait a whole interval "
                  "before asking the holder to drop", fastest * 1e3, interval * 1e3);
    double gil_fastest = a.gil_wait[0], model_fastest = a.model_wait[0];
    for (int r = 1; r < ROUNDS; r++) {
        gil_fastest = a.gil_wait[r] < gil_fastest ? a.gil_wait[r] : gil_fastest;
        model_fastest = a.model_wait[r] < model_fastest ? a.model_wait[r] : model_fastest;
    }
    printf("median wait for the GIL %.2f ms (fastest %.2f); bare hand-off after one "
           "interval %.2f ms (fastest %.2f)\n", median(a.gil_wait, ROUNDS) * 1e3,
           gil_fastest * 1e3, median(a.model_wait, ROUNDS) * 1e3, model_fastest * 1e3);
    /* The baseline already contains one interval and this run's wake-up
     * delays; forced switching may cost at most one more interval.  Load
     * only ever adds time, and in bursts, so the fastest of 7 rounds is
     * compared with the fastest bare hand-off: a design that really waits
     * longer is slower in every round, the fastest included. */
    ck_assert_msg(gil_fastest <= model_fastest + interval, "the waiter needed %.1f ms "
                  "to get the GIL even in its fastest of %d rounds; a bare hand-off after "
                  "one interval takes %.1f ms on this machine right now, so expected at "
                  "most %.1f ms (about two intervals)", gil_fastest * 1e3, ROUNDS,
                  model_fastest * 1e3, (model_fastest + interval) * 1e3);
}

/* ---- releasing wakes a waiter -------------------------------------------- */

struct waiter {
    struct gil *gil;
    double got_at;
};

static void *take_and_leave(void *arg)
{
    struct waiter *w = arg;
    struct gil_thread me = {0};
    gil_acquire(w->gil, &me);
    w->got_at = now_s();
    gil_release(w->gil, &me);
    return NULL;
}

static bool drop_requested(void *g)
{
    return atomic_load(&((struct gil *)g)->drop_request);
}

TEST(releasing_wakes_a_waiter_at_once, 8, 10, "new_gil_drop, new_gil_take")
{
    /* The holder waits until the waiter has set drop_request: the waiter
     * has then entered its next timed wait of one interval (50 ms), since
     * both happen under the mutex.  The holder releases; a signalled waiter
     * wakes in well under a millisecond, an unsignalled one sleeps out its
     * 50 ms.  Best of 3, against half an interval: one slow wake-up on a
     * loaded machine does not fail the test. */
    const double interval = 0.05;
    double best = 1e9;
    for (int round = 0; round < 3; round++) {
        struct gil g;
        gil_init(&g, GIL_NEW);
        ck_assert(gil_set_switch_interval(&g, interval) == 0);
        struct gil_thread holder = {0};
        gil_acquire(&g, &holder);
        struct waiter w = {.gil = &g};
        pthread_t waiter_thread;
        ck_assert(pthread_create(&waiter_thread, NULL, take_and_leave, &w) == 0);
        bool asked = eventually(drop_requested, &g, 2.0);
        double released_at = now_s();
        gil_release(&g, &holder);
        pthread_join(waiter_thread, NULL);
        gil_destroy(&g);
        ck_assert_msg(asked, "a thread waiting for the GIL never set drop_request within "
                      "2 s (interval 50 ms)");
        double hand_off = w.got_at - released_at;
        best = hand_off < best ? hand_off : best;
    }
    ck_assert_msg(best < interval / 2, "after the holder released the GIL, the waiting "
                  "thread took %.1f ms to get it (best of 3), about the rest of its timed "
                  "wait: releasing must signal the condition variable waiters sleep on",
                  best * 1e3);
}

/* ---- under the kit's scheduler ------------------------------------------ */

/* Three interpreter threads count down 12 loop turns each on the new GIL,
 * under 60 schedules of the kit's scheduler (the handout's "Schedules"): a
 * thread may be stopped at any lock, unlock, wait, signal and atomic
 * operation, and a waiter may wake spuriously.  Time is the scheduler's
 * (a microsecond a step) and the switch interval 20 us, so waiters time out
 * and ask for the GIL every few loop turns.  Never may two
 * threads run bytecode at once, and every thread must finish.  A waiter
 * that takes the GIL because it was woken, without looking again whether it
 * is free, runs beside its holder in some schedule.  Then forced switching,
 * on the same clock (below). */
SCHEDULE_TEST(gil_hand_off_under_schedules, 4, 20, "new_gil_take, new_gil_drop, gil_check", 60)
{
    struct vm *vm = new_vm(GIL_NEW, 20e-6);
    vm->count_overlaps = true;
    struct vm_thread *t[3];
    for (int i = 0; i < 3; i++)
        t[i] = start(vm, VM_COUNTDOWN, 12, 0);
    long turns[3];
    for (int i = 0; i < 3; i++) {
        struct vm_thread_stats stats;
        vm_join(t[i], &stats);
        turns[i] = stats.iterations;
    }
    struct vm_counts n = free_vm(vm);
    ck_assert_msg(n.overlaps == 0, "%ld times a thread started running bytecode while "
                  "another still was: two threads held the GIL at once. A wakeup only says "
                  "\"look again\": take the GIL only when locked is false, re-checked after "
                  "every wait", n.overlaps);
    for (int i = 0; i < 3; i++)
        ck_assert_msg(turns[i] == 12, "thread %d ran %ld of its 12 loop turns", i, turns[i]);
    ck_assert_msg(n.switches >= 3, "the GIL went to a different thread %lu times while 3 "
                  "threads ran, expected at least 3", n.switches);

    /* Then one CPU thread and one I/O thread: each time the I/O thread wants
     * the GIL back, it waits one interval, asks, and the holder drops at its
     * next check and waits until the I/O thread has it (forced switching).
     * So no wait may reach 1.5 intervals: a holder that returns from its
     * drop before anyone took the GIL takes it straight back, and the I/O
     * thread waits another whole interval. */
    vm = new_vm(GIL_NEW, 200e-6);   /* long beside a step (1 us): the waits are intervals */
    double waits[8];
    struct vm_task io = {.program = VM_IO_LOOP, .n = 4, .io_us = 50, .waits = waits, .waits_cap = 8};
    struct vm_thread *cpu = start(vm, VM_COUNTDOWN, 60, 0), *iot = vm_start(vm, &io);
    ck_assert(iot != NULL);
    struct vm_thread_stats stats;
    vm_join(iot, &stats);
    vm_join(cpu, NULL);
    vm_free(vm);
    for (int i = 0; i < stats.nwaits && i < 8; i++)
        ck_assert_msg(waits[i] < 1.5 * 200e-6, "an I/O thread waited %.0f us to get the GIL back "
                      "from a CPU thread, with a 200 us switch interval: the holder must drop it "
                      "at its next check once asked, and not return before the I/O thread has "
                      "it (wait for the switch in a loop: a wakeup may come early)", waits[i] * 1e6);
}
