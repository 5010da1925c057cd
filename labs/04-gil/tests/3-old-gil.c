/* 3-old-gil.c - lab 04, Part 3: the old GIL. */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "helpers.h"

static bool thread_finished(void *t) { return vm_finished(t); }

TEST(old_gil_lets_io_back_in_every_n_ticks, 6, 20, "gil_check, old_gil_take, old_gil_drop")
{
    /* Python 2: no timed waits, no drop requests.  A thread back from I/O
     * gets in only because the CPU thread releases the GIL every 100 ticks.
     * Whether it wins the moment between that release and the CPU thread's
     * immediate re-take is a race (the old GIL's known starvation), and a
     * grade must not hang on a race.  So both threads share one CPU and the
     * CPU thread runs at nice 19: the moment it lets go, the scheduler runs
     * the woken I/O thread first.  Threads inherit their creator's CPU and
     * nice value, hence the order below.  5 I/O operations of 1 ms then take
     * tens of milliseconds; the 5 s deadline is for a GIL that never lets go. */
    int cpus[2];
    two_cpus(cpus);
    pin_to(cpus[0]);
    struct vm *vm = new_vm(GIL_OLD, 0);
    struct vm_thread *io = start(vm, VM_IO_LOOP, 5, 1000);
    setpriority(PRIO_PROCESS, 0, 19);   /* Linux: 0 is the calling thread alone */
    struct vm_thread *cpu = start(vm, VM_COUNTDOWN, VM_FOREVER, 0);
    double began = now_s();
    bool done = eventually(thread_finished, io, 5.0);
    double took = now_s() - began;
    vm_stop(vm);
    struct vm_thread_stats io_stats, cpu_stats;
    vm_join(io, &io_stats);
    vm_join(cpu, &cpu_stats);
    bool asked = atomic_load(&vm->gil.drop_request);
    vm_free(vm);
    printf("5 I/O operations of 1 ms beside a CPU thread: %.0f ms; CPU thread: %ld turns\n",
           took * 1e3, cpu_stats.iterations);
    ck_assert_msg(done, "beside a CPU-bound thread, an I/O thread did %ld of its 5 "
                  "operations of 1 ms in 5 s: with the old GIL, gil_check must release "
                  "and re-acquire the GIL every check_interval ticks", io_stats.iterations);
    ck_assert_msg(!asked, "the old GIL set drop_request: Python 2's GIL has no timed "
                  "waits and no requests, the holder just lets go every N ticks");
    ck_assert_msg(cpu_stats.iterations > 0, "the CPU thread never ran");
}
