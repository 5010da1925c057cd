/* 2-new-gil.c - lab 04's hidden tests for Part 2, graded after the deadline. */
#include <errno.h>

#include "interp.h"
#include "lab_test.h"
#include "testkit.h"

HIDDEN_TEST(switches_count_changes_of_holder, 3, 5,
            "note_new_holder, new_gil_take, old_gil_take")
{
    /* One OS thread, two identities: A takes and drops the GIL three times,
     * then B once, then A again.  Only a change of holder is a switch. */
    const enum gil_mode modes[] = {GIL_NEW, GIL_OLD};
    for (int m = 0; m < 2; m++) {
        struct gil g;
        gil_init(&g, modes[m]);
        struct gil_thread a = {0}, b = {0};
        for (int i = 0; i < 3; i++) {
            gil_acquire(&g, &a);
            gil_release(&g, &a);
        }
        unsigned long after_a = g.switch_number;
        gil_acquire(&g, &b);
        gil_release(&g, &b);
        gil_acquire(&g, &a);
        gil_release(&g, &a);
        unsigned long after_aba = g.switch_number;
        gil_destroy(&g);
        ck_assert_msg(after_a == 1 && after_aba == 3, "%s GIL: A took it 3 times, then "
                      "B, then A: expected switch_number 1 after A's takes and 3 at the "
                      "end, got %lu and %lu.  Count a switch only when the taker is not "
                      "last_holder", m == 0 ? "new" : "old", after_a, after_aba);
    }
}

HIDDEN_TEST(many_short_lived_threads, 4, 20, "gil_acquire, gil_release, new_gil_drop")
{
    /* 24 threads come and go with a 0.2 ms interval: requests, forced
     * switches and exits overlap all the time.  The last thread out drops
     * the GIL with nobody waiting, which must not wait for a switch. */
    struct vm *vm = vm_new(GIL_NEW);
    ck_assert(vm != NULL);
    ck_assert(gil_set_switch_interval(&vm->gil, 0.0002) == 0);
    vm->count_overlaps = true;
    struct vm_thread *t[24];
    struct vm_task task = {.program = VM_COUNTDOWN, .n = 3000};
    for (int i = 0; i < 24; i++) {
        t[i] = vm_start(vm, &task);
        ck_assert(t[i] != NULL);
    }
    long done = 0;
    for (int i = 0; i < 24; i++) {
        struct vm_thread_stats stats;
        vm_join(t[i], &stats);
        done += stats.iterations;
    }
    struct vm_refcheck check;
    vm_check_refcounts(vm, &check);
    long overlaps = atomic_load(&vm->overlaps);
    vm_free(vm);
    ck_assert_msg(done == 24 * 3000, "24 threads of 3000 turns did %ld turns", done);
    ck_assert_msg(overlaps == 0, "%ld times two threads ran bytecode at once: new_gil_take "
                  "let a thread in while another held the GIL", overlaps);
    ck_assert_msg(check.drift == 0 && check.leaked == 0 && check.freed_while_referenced == 0,
                  "reference counts went wrong (drift %ld)", check.drift);
}
