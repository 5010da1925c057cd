/*
 * sched_atomic.h - every atomic operation of the code under test is a point
 * where the scheduler may switch threads.  lab.mk forces this header into
 * the student's files and the lab's given code (-include), in every pass and
 * with either compiler, so a schedule has the same points in each pass and
 * replays in any of them.
 *
 * C11's <stdatomic.h> functions are macros that end in the compilers'
 * builtins (gcc: __atomic_*, clang: __c11_atomic_*); the macros below wrap
 * those builtins, and the __sync_* ones, in a call to sched_atomic first.
 * A macro is not expanded again inside its own expansion, so each still
 * ends in the builtin itself.  The object's address is evaluated once.
 *
 * The limit: an operator on an _Atomic object (x++, x = 1, reading x) is
 * atomic but no point: the compiler emits it with no call to wrap.  Write
 * atomic_fetch_add(&x, 1), atomic_store(&x, 1), atomic_load(&x).  Plain
 * (non-atomic) accesses are never points: a race on them is
 * ThreadSanitizer's to find.
 */
#ifndef SCHED_ATOMIC_H
#define SCHED_ATOMIC_H

#include <stdatomic.h>

/* The scheduler's hook (sched_calls.c); the kinds are sched_record.h's
 * OP_LOAD, OP_STORE and OP_RMW. */
void sched_atomic(volatile const void *p, int kind, const char *fn, const char *file, int line);
#define SCHED_ATOMIC_LOAD 19
#define SCHED_ATOMIC_STORE 20
#define SCHED_ATOMIC_RMW 21

#define SCHED_ATOMIC_(kind, p, builtin, ...)                                 \
    __extension__({                                                           \
        __auto_type sched_p_ = (p);                                           \
        sched_atomic(sched_p_, kind, __func__, __FILE__, __LINE__);           \
        builtin(sched_p_, __VA_ARGS__);                                       \
    })

#define __atomic_load_n(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_LOAD, p, __atomic_load_n, __VA_ARGS__)
#define __atomic_load(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_LOAD, p, __atomic_load, __VA_ARGS__)
#define __c11_atomic_load(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_LOAD, p, __c11_atomic_load, __VA_ARGS__)
#define __atomic_store_n(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_STORE, p, __atomic_store_n, __VA_ARGS__)
#define __atomic_store(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_STORE, p, __atomic_store, __VA_ARGS__)
#define __atomic_clear(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_STORE, p, __atomic_clear, __VA_ARGS__)
#define __c11_atomic_store(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_STORE, p, __c11_atomic_store, __VA_ARGS__)
#define __sync_lock_release(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_STORE, p, __sync_lock_release, __VA_ARGS__)
#define __atomic_exchange_n(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_exchange_n, __VA_ARGS__)
#define __atomic_exchange(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_exchange, __VA_ARGS__)
#define __atomic_compare_exchange_n(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_compare_exchange_n, __VA_ARGS__)
#define __atomic_compare_exchange(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_compare_exchange, __VA_ARGS__)
#define __atomic_test_and_set(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_test_and_set, __VA_ARGS__)
#define __atomic_fetch_add(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_fetch_add, __VA_ARGS__)
#define __atomic_fetch_sub(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_fetch_sub, __VA_ARGS__)
#define __atomic_fetch_and(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_fetch_and, __VA_ARGS__)
#define __atomic_fetch_or(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_fetch_or, __VA_ARGS__)
#define __atomic_fetch_xor(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_fetch_xor, __VA_ARGS__)
#define __atomic_fetch_nand(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_fetch_nand, __VA_ARGS__)
#define __atomic_add_fetch(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_add_fetch, __VA_ARGS__)
#define __atomic_sub_fetch(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_sub_fetch, __VA_ARGS__)
#define __atomic_and_fetch(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_and_fetch, __VA_ARGS__)
#define __atomic_or_fetch(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_or_fetch, __VA_ARGS__)
#define __atomic_xor_fetch(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_xor_fetch, __VA_ARGS__)
#define __atomic_nand_fetch(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __atomic_nand_fetch, __VA_ARGS__)
#define __c11_atomic_exchange(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __c11_atomic_exchange, __VA_ARGS__)
#define __c11_atomic_compare_exchange_strong(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __c11_atomic_compare_exchange_strong, __VA_ARGS__)
#define __c11_atomic_compare_exchange_weak(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __c11_atomic_compare_exchange_weak, __VA_ARGS__)
#define __c11_atomic_fetch_add(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __c11_atomic_fetch_add, __VA_ARGS__)
#define __c11_atomic_fetch_sub(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __c11_atomic_fetch_sub, __VA_ARGS__)
#define __c11_atomic_fetch_and(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __c11_atomic_fetch_and, __VA_ARGS__)
#define __c11_atomic_fetch_or(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __c11_atomic_fetch_or, __VA_ARGS__)
#define __c11_atomic_fetch_xor(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __c11_atomic_fetch_xor, __VA_ARGS__)
#define __c11_atomic_fetch_nand(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __c11_atomic_fetch_nand, __VA_ARGS__)
#define __c11_atomic_fetch_max(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __c11_atomic_fetch_max, __VA_ARGS__)
#define __c11_atomic_fetch_min(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __c11_atomic_fetch_min, __VA_ARGS__)
#define __sync_fetch_and_add(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_fetch_and_add, __VA_ARGS__)
#define __sync_fetch_and_sub(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_fetch_and_sub, __VA_ARGS__)
#define __sync_fetch_and_or(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_fetch_and_or, __VA_ARGS__)
#define __sync_fetch_and_and(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_fetch_and_and, __VA_ARGS__)
#define __sync_fetch_and_xor(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_fetch_and_xor, __VA_ARGS__)
#define __sync_fetch_and_nand(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_fetch_and_nand, __VA_ARGS__)
#define __sync_add_and_fetch(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_add_and_fetch, __VA_ARGS__)
#define __sync_sub_and_fetch(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_sub_and_fetch, __VA_ARGS__)
#define __sync_or_and_fetch(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_or_and_fetch, __VA_ARGS__)
#define __sync_and_and_fetch(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_and_and_fetch, __VA_ARGS__)
#define __sync_xor_and_fetch(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_xor_and_fetch, __VA_ARGS__)
#define __sync_nand_and_fetch(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_nand_and_fetch, __VA_ARGS__)
#define __sync_bool_compare_and_swap(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_bool_compare_and_swap, __VA_ARGS__)
#define __sync_val_compare_and_swap(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_val_compare_and_swap, __VA_ARGS__)
#define __sync_lock_test_and_set(p, ...) SCHED_ATOMIC_(SCHED_ATOMIC_RMW, p, __sync_lock_test_and_set, __VA_ARGS__)

#endif
