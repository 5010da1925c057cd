/* 4-eval-loop.c - lab 04, Part 4: the eval loop's side (blocking calls
 * release the GIL). */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "helpers.h"

/* A native call that waits (up to 2 s) until all the others are in theirs. */
static void meet_everyone(void *ctx)
{
    rendezvous_meet(ctx);
}

/* Four threads, each one 100 ms blocking I/O: seconds from start to join. */
static double four_blocking_calls(enum gil_mode mode)
{
    struct vm *vm = new_vm(mode, 0);
    double began = now_s();
    struct vm_thread *t[4];
    for (int i = 0; i < 4; i++)
        t[i] = start(vm, VM_IO_LOOP, 1, 100000);
    for (int i = 0; i < 4; i++)
        vm_join(t[i], NULL);
    double took = now_s() - began;
    vm_free(vm);
    return took;
}

TEST(blocking_io_runs_without_the_gil, 10, 20,
     "gil_begin_allow_threads, gil_end_allow_threads")
{
    /* Baseline: how late a 100 ms sleep ends on this machine right now,
     * taken just before and just after each try (the larger counts: one
     * sample can miss a burst of load the try met).  The bound, 250 ms plus
     * twice that, sits between 100 ms (in parallel) and 400 ms (one after
     * another); three tries absorb stalls, which a serial GIL never passes. */
    const enum gil_mode modes[] = {GIL_NEW, GIL_OLD};
    const char *mode_names[] = {"new GIL", "old GIL"};
    for (int m = 0; m < 2; m++) {
        double took = 0, bound = 0;
        for (int try = 0; try < 3 && (try == 0 || took > bound); try++) {
            double before = now_s();
            sleep_s(0.1);
            double lateness = now_s() - before - 0.1;
            took = four_blocking_calls(modes[m]);
            before = now_s();
            sleep_s(0.1);
            lateness = fmax(lateness, now_s() - before - 0.1);
            bound = 0.25 + 2 * lateness;
        }
        ck_assert_msg(took <= bound, "%s: 4 threads that each block for "
                      "100 ms took %.0f ms; with the GIL released while blocked they "
                      "overlap and take about 100 ms, one after another 400 ms.  "
                      "Py_BEGIN_ALLOW_THREADS releases the GIL", mode_names[m], took * 1e3);
    }

    /* Native calls: three threads each wait inside a native call until all
     * three are inside theirs.  Possible only if none holds the GIL there. */
    struct rendezvous r = RENDEZVOUS_INIT(3, 2);
    struct vm *vm = new_vm(GIL_NEW, 0);
    struct vm_task native = {.program = VM_NATIVE_LOOP, .n = 1, .native = meet_everyone,
                             .native_ctx = &r};
    struct vm_thread *t[3];
    for (int i = 0; i < 3; i++) {
        t[i] = vm_start(vm, &native);
        ck_assert(t[i] != NULL);
    }
    for (int i = 0; i < 3; i++)
        vm_join(t[i], NULL);
    vm_free(vm);
    ck_assert_msg(r.met == 3, "3 threads each made a native call that waits for the other "
                  "two to be in theirs; only %d met within 2 s: a native call must run "
                  "with the GIL released (gil_begin_allow_threads)", r.met);
}
