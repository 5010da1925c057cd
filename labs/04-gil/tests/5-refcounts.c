/* 5-refcounts.c - lab 04, Part 5: reference counts. */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "helpers.h"

TEST(refcounts_stay_exact, 10, 20, "gil_incref, gil_decref, new_gil_take, old_gil_take")
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
