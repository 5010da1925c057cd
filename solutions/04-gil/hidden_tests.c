/* hidden_tests.c - lab 04's hidden tests, graded after the deadline. */
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
    ck_assert_msg(overlaps == 0, "%ld times two threads ran bytecode at once", overlaps);
    ck_assert_msg(check.drift == 0 && check.leaked == 0 && check.freed_while_referenced == 0,
                  "reference counts went wrong (drift %ld)", check.drift);
}

HIDDEN_TEST(switch_interval_can_change_while_threads_run, 3, 10,
            "gil_set_switch_interval, new_gil_take")
{
    /* Two CPU threads start with a 1 ms interval; 50 ms later it becomes
     * 50 ms.  The waiter's wait in progress ends within 1 ms, every later
     * wait lasts 50 ms, so the next 150 ms hold at most 150/50 + 3 switches.
     * The setter runs while waiters read the interval: ThreadSanitizer's
     * pass checks that both sides use the mutex. */
    struct vm *vm = vm_new(GIL_NEW);
    ck_assert(vm != NULL);
    ck_assert(gil_set_switch_interval(&vm->gil, 0.001) == 0);
    struct vm_task task = {.program = VM_COUNTDOWN, .n = VM_FOREVER};
    struct vm_thread *a = vm_start(vm, &task), *b = vm_start(vm, &task);
    ck_assert(a && b);
    sleep_s(0.05);
    ck_assert(gil_set_switch_interval(&vm->gil, 0.05) == 0);
    double changed_at = now_s();
    pthread_mutex_lock(&vm->gil.mutex);
    unsigned long before = vm->gil.switch_number;
    pthread_mutex_unlock(&vm->gil.mutex);
    sleep_s(0.15);
    pthread_mutex_lock(&vm->gil.mutex);
    unsigned long after = vm->gil.switch_number;
    pthread_mutex_unlock(&vm->gil.mutex);
    double elapsed = now_s() - changed_at;
    vm_stop(vm);
    vm_join(a, NULL);
    vm_join(b, NULL);
    double got = gil_get_switch_interval(&vm->gil);
    vm_free(vm);
    ck_assert_msg(got == 0.05, "gil_get_switch_interval returned %g after setting 0.05", got);
    ck_assert_msg(after - before <= elapsed / 0.05 + 3, "after the interval went from 1 ms "
                  "to 50 ms, %lu switches happened in %.0f ms (at most %.0f possible): "
                  "read the interval afresh for every timed wait", after - before,
                  elapsed * 1e3, elapsed / 0.05 + 3);
}
