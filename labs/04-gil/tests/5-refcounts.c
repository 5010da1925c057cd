/* 5-refcounts.c - lab 04, Part 5: reference counts. */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "helpers.h"

/* Two threads each make VM_MAX_INCREFS widened INCREFs of the shared
 * constant 1 (support/interp.h): each reads the count, meets the other
 * thread's read unless its thread holds the GIL, then stores what it read
 * plus one.  vm_check_refcounts drops their references afterwards, one at
 * a time.  *met: the INCREFs that met the other thread's read. */
static void widened_increfs(enum gil_mode mode, struct vm_refcheck *check, long *met)
{
    struct vm *vm = new_vm(mode, 0);
    struct vm_thread *t[2];
    for (int i = 0; i < 2; i++)
        t[i] = start(vm, VM_SHARED_INCREFS, VM_MAX_INCREFS, 0);
    for (int i = 0; i < 2; i++)
        vm_join(t[i], NULL);
    vm_check_refcounts(vm, check);
    *met = atomic_load(&vm->windows_met);
    vm_free(vm);
}

TEST(seed_000_refcounts_need_the_gil, 6, 30,
     "gil_init, new_gil_take, old_gil_take, gil_incref")
{
    /* Seed 000: "problems source: reference counting".  Exact, not likely:
     * the widened window makes the two reads meet every time there is no
     * GIL, so each of the 8 meetings loses one update; dropping the 16
     * references then takes the count to 0 while 7 are still held, and it
     * ends 8 too low.  With a GIL the holder never waits in the window:
     * nothing is lost. */
    const int k = VM_MAX_INCREFS;
    const enum gil_mode modes[] = {GIL_NEW, GIL_OLD};
    const char *mode_names[] = {"new GIL", "old GIL"};
    for (int m = 0; m < 2; m++) {
        struct vm_refcheck c;
        long met;
        widened_increfs(modes[m], &c, &met);
        ck_assert_msg(met == 0 && c.drift == 0 && c.freed_while_referenced == 0 &&
                      c.leaked == 0, "%s: 2 threads each made %d INCREFs of the shared 1 with "
                      "the read and the store stretched apart; %ld met the other thread's read, "
                      "and the count ended off by %ld (%ld times below its references, %ld "
                      "above).  Under a GIL the thread in the window holds it, so the other "
                      "cannot run bytecode: take sets locked and keeps everyone else out",
                      mode_names[m], k, met, c.drift, c.freed_while_referenced, c.leaked);
    }
    struct vm_refcheck c;
    long met;
    widened_increfs(GIL_NONE_UNSAFE, &c, &met);
    ck_assert_msg(met == 2 * k, "no GIL: only %ld of the %d widened INCREFs met the other "
                  "thread's read (within 5 s each).  Without a GIL both threads run bytecode "
                  "at once: in GIL_NONE_UNSAFE gil_acquire returns at once and `locked` stays "
                  "false (gil_init)", met, 2 * k);
    ck_assert_msg(c.drift == k && c.freed_while_referenced == 2 && c.leaked == 0,
                  "no GIL: all %d INCREFs met in the window, so exactly %d updates are lost: "
                  "expected the count to reach 0 while 7 references were still held and end "
                  "%d too low (off by %d, below its references 2 times), got off by %ld, "
                  "below %ld times, above %ld times.  gil_incref must add exactly 1 and "
                  "gil_decref subtract exactly 1", 2 * k, k, k, k, c.drift,
                  c.freed_while_referenced, c.leaked);
}

TEST(refcounts_stay_exact, 8, 20, "gil_incref, gil_decref, new_gil_take, old_gil_take")
{
    /* 4 countdowns of 5000 turns and an I/O loop share the constants 0 and
     * 1 and the singletons True and False: 120000 updates to 4 shared
     * counts.  With a GIL they are serialised; without one they must be
     * atomic.  (Lost updates are a race: ThreadSanitizer's pass reports them
     * even when the plain pass is lucky.) */
    const enum gil_mode modes[] = {GIL_NEW, GIL_OLD, GIL_NONE_ATOMIC};
    const char *mode_names[] = {"new GIL", "old GIL", "no GIL, atomic refcounts"};
    for (int m = 0; m < 3; m++) {
        struct vm *vm = new_vm(modes[m], 0.0005);
        struct vm_thread *t[5];
        for (int i = 0; i < 4; i++)
            t[i] = start(vm, VM_COUNTDOWN, 5000, 0);
        t[4] = start(vm, VM_IO_LOOP, 20, 100);
        struct vm_thread_stats stats[5];
        for (int i = 0; i < 5; i++)
            vm_join(t[i], &stats[i]);
        struct vm_refcheck check;
        vm_check_refcounts(vm, &check);
        vm_free(vm);
        for (int i = 0; i < 5; i++)
            ck_assert_msg(stats[i].iterations == (i < 4 ? 5000 : 20), "%s: thread %d "
                          "counted down %ld of its %d turns", mode_names[m], i,
                          stats[i].iterations, i < 4 ? 5000 : 20);
        ck_assert_msg(check.freed_while_referenced == 0 && check.leaked == 0 &&
                      check.drift == 0, "%s: reference counts went wrong: %ld objects "
                      "freed while still referenced, %ld leaked, shared counts off by %ld "
                      "in total.  gil_decref must return the count its own decrement left "
                      "(0 exactly once per object); without a GIL both updates must be "
                      "atomic read-modify-writes", mode_names[m], check.freed_while_referenced,
                      check.leaked, check.drift);
    }
}
