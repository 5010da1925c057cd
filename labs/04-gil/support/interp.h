/*
 * interp.h - lab 04's tiny bytecode interpreter (given: you do not edit it).
 *
 * It runs a few programs, each a loop around seed 001's countdown:
 *
 *   VM_COUNTDOWN     while n > 0: n -= 1                  (CPU-bound)
 *   VM_IO_LOOP       while n > 0: io(us); n -= 1          (blocks, GIL released)
 *   VM_NATIVE_LOOP   while n > 0: native(); n -= 1        (C work, GIL released)
 *
 * compiled to CPython-like bytecode (LOAD_FAST, LOAD_CONST, COMPARE_OP,
 * POP_JUMP_IF_FALSE, BINARY_OP, STORE_FAST, JUMP_BACKWARD) over
 * reference-counted int objects.  The constants 0 and 1 and the singletons
 * True and False are shared by every thread, as in CPython, so their
 * reference counts are where threads collide.
 *
 * Like CPython the interpreter
 *   - takes the GIL when a thread starts and drops it when the thread ends;
 *   - calls gil_check() at every loop back-edge (the "eval breaker");
 *   - wraps every blocking operation and native call in
 *     gil_begin_allow_threads() / gil_end_allow_threads();
 *   - does every INCREF and DECREF through gil_incref() / gil_decref().
 * It also keeps the books the tests and the bench read: how often two
 * threads ran bytecode at once, how long threads waited for the GIL, which
 * objects were freed while still referenced or leaked, and a timeline.
 */
#ifndef INTERP_H
#define INTERP_H

#include <stdatomic.h>
#include <stdbool.h>

#include "gil.h"

struct object {
    long refcnt;              /* only ever touched through gil_incref/gil_decref */
    long value;
    bool shared;              /* a constant or a singleton: every thread uses it */
    bool alive;               /* false once freed (private objects only) */
    struct object *next_free;
};

enum vm_program { VM_COUNTDOWN, VM_IO_LOOP, VM_NATIVE_LOOP };

/* One entry of the GIL timeline: [start, end] in seconds since vm_new. */
enum vm_segment_kind {
    VM_HELD_FORCED,      /* held the GIL, then gave it up at an eval-loop check */
    VM_HELD_VOLUNTARY,   /* held the GIL, then released it for I/O or a native call */
    VM_HELD_EXIT,        /* held the GIL until the thread ended */
    VM_WAITING,          /* wanted the GIL and waited for it */
};

struct vm_segment {
    double start, end;
    enum vm_segment_kind kind;
};

/* What one interpreter thread runs.  Zero-initialise, then fill in. */
struct vm_task {
    enum vm_program program;
    long n;                      /* loop turns; VM_FOREVER runs until vm_stop() */
    long io_us;                  /* VM_IO_LOOP: microseconds each I/O blocks */
    void (*native)(void *ctx);   /* VM_NATIVE_LOOP: the C function to call */
    void *native_ctx;
    double *waits;               /* optional: each wait for the GIL after I/O, s */
    int waits_cap;
    struct vm_segment *trace;    /* optional: this thread's GIL timeline */
    int trace_cap;
};

#define VM_FOREVER (1L << 62)

/* What vm_join reports about a thread. */
struct vm_thread_stats {
    long iterations;    /* loop turns completed */
    long io_ops;        /* I/O operations and native calls completed */
    int nwaits;         /* waits for the GIL after I/O or a native call */
    double max_wait_s;  /* the longest of them */
    int nsegments;      /* timeline entries recorded (at most trace_cap) */
};

/* Reference counts after all threads have ended (vm_check_refcounts). */
struct vm_refcheck {
    long freed_while_referenced;   /* objects freed, or whose count fell below
                                      their references: dangling pointers */
    long leaked;                   /* objects never freed, or counted too high */
    long drift;                    /* sum of |count - true references| */
};

struct vm {
    struct gil gil;
    struct object zero, one;           /* the constants 0 and 1 */
    struct object true_obj, false_obj; /* True and False */
    atomic_bool stop;                  /* vm_stop(): leave at the next back-edge */
    bool count_overlaps;               /* set before starting threads */
    atomic_int inside;                 /* threads running bytecode right now */
    atomic_long overlaps;              /* times a thread found another inside */
    atomic_long freed_while_referenced;
    atomic_long leaked;
    double t0;                         /* the timeline's zero (now_s()) */
};

struct vm_thread;

/* A new interpreter with its GIL in the given mode (gil_init). */
struct vm *vm_new(enum gil_mode mode);
/* Free it (gil_destroy); every thread must have been joined. */
void vm_free(struct vm *vm);

/* Start a thread running task (copied).  NULL if the thread cannot start. */
struct vm_thread *vm_start(struct vm *vm, const struct vm_task *task);
/* Wait for the thread to end, fill *stats (if not NULL), free the thread. */
void vm_join(struct vm_thread *t, struct vm_thread_stats *stats);
/* Has the thread ended (it no longer holds or wants the GIL)?  Never blocks. */
bool vm_finished(struct vm_thread *t);
/* Ask every thread to leave its loop at its next back-edge. */
void vm_stop(struct vm *vm);

/* Compare every shared object's count with its true references, and add
 * what the threads found.  Call only once every thread has been joined. */
void vm_check_refcounts(struct vm *vm, struct vm_refcheck *check);

#endif
