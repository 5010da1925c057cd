/*
 * helpers.h - what lab 04's test files share: a VM with its threads, spin
 * loops, medians and CPU pinning.
 *
 * How timing is judged in these tests (the machine has 2 cores and is shared):
 *  - what the algorithm guarantees exactly is asserted exactly: a waiter never
 *    gets the GIL before one interval, two CPU threads cannot switch more
 *    than once an interval, a thread that drops on request cannot return
 *    before another has taken the GIL;
 *  - how quickly things happen depends on how soon the OS runs a woken
 *    thread, which on a loaded machine can be tens of milliseconds.  Those
 *    bounds use a baseline measured in the same run, a median or the best of
 *    a few tries, and their margin is written next to them.
 */
#ifndef GIL_TEST_HELPERS_H
#define GIL_TEST_HELPERS_H

#include <sched.h>
#include <stdlib.h>

#include "interp.h"
#include "lab_test.h"
#include "testkit.h"

static inline struct vm *new_vm(enum gil_mode mode, double interval_s)
{
    struct vm *vm = vm_new(mode);
    ck_assert_msg(vm != NULL, "vm_new failed: out of memory?");
    if (interval_s > 0)
        ck_assert_msg(gil_set_switch_interval(&vm->gil, interval_s) == 0,
                      "gil_set_switch_interval(%g) refused a valid interval", interval_s);
    return vm;
}

static inline struct vm_thread *start(struct vm *vm, enum vm_program program, long n, long io_us)
{
    struct vm_task task = {.program = program, .n = n, .io_us = io_us};
    struct vm_thread *t = vm_start(vm, &task);
    ck_assert_msg(t != NULL, "could not start an interpreter thread");
    return t;
}

/* What the tests judge of a run, read once its threads are joined: the
 * times a thread started running bytecode while another still was (if
 * count_overlaps was set), and the GIL's changes of holder. */
struct vm_counts {
    long overlaps;
    unsigned long switches;
};

/* vm's counts; then vm is freed. */
static inline struct vm_counts free_vm(struct vm *vm)
{
    struct vm_counts n = {atomic_load(&vm->overlaps), vm->gil.switch_number};
    vm_free(vm);
    return n;
}

/* switch_number, read under the GIL's own mutex while threads still run. */
static inline unsigned long switches_now(struct gil *g)
{
    pthread_mutex_lock(&g->mutex);
    unsigned long n = g->switch_number;
    pthread_mutex_unlock(&g->mutex);
    return n;
}

static inline void spin_for(double seconds)
{
    double until = now_s() + seconds;
    while (now_s() < until)
        ;
}

static inline int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline double median(const double *v, int n)
{
    double sorted[64];
    memcpy(sorted, v, (size_t)n * sizeof *v);
    qsort(sorted, (size_t)n, sizeof *sorted, by_value);
    return sorted[n / 2];
}

/* The first two CPUs this process may run on, or -1. */
static inline void two_cpus(int cpu[2])
{
    cpu_set_t allowed;
    cpu[0] = cpu[1] = -1;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return;
    for (int i = 0, found = 0; i < CPU_SETSIZE && found < 2; i++)
        if (CPU_ISSET(i, &allowed))
            cpu[found++] = i;
}

static inline void pin_to(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
}

#endif
