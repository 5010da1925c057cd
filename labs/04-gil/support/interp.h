/*
 * interp.h - lab 04's tiny bytecode interpreter (given: you do not edit it).
 *
 * It runs a few programs, each but the last a loop around the CPU-bound
 * countdown of David Beazley's GIL talks, `while n > 0: n -= 1` (seed 000
 * links his GIL visualisation; seed 001's countdown is the same loop with a
 * print and a sleep in it):
 *
 *   VM_COUNTDOWN       while n > 0: n -= 1                (CPU-bound)
 *   VM_IO_LOOP         while n > 0: io(us); n -= 1        (blocks, GIL released)
 *   VM_NATIVE_LOOP     while n > 0: native(); n -= 1      (C work, GIL released
 *                                                          unless the task says not)
 *   VM_SHARED_INCREFS  n INCREFs of the shared constant 1, each with its read
 *                      and its store stretched apart (a widened window)
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
 *   - does every INCREF and DECREF through gil_incref() / gil_decref()
 *     (VM_SHARED_INCREFS's widened INCREF does its add there, on a copy).
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
    long refcnt;              /* touched through gil_incref/gil_decref, and by
                                 VM_SHARED_INCREFS's widened INCREF */
    long value;
    bool shared;              /* a constant or a singleton: every thread uses it */
    bool alive;               /* false once freed (private objects only) */
    struct object *next_free;
};

enum vm_program { VM_COUNTDOWN, VM_IO_LOOP, VM_NATIVE_LOOP, VM_SHARED_INCREFS };

/* VM_SHARED_INCREFS: seed 000's claim, that reference counts are why the GIL
 * exists, made certain instead of likely.  A plain `++` is a read, an add and
 * a store; two threads lose an update only when both read before either
 * stores, a window of nanoseconds.  This program widens it: each of its n
 * INCREFs (at most VM_MAX_INCREFS) reads the count, then waits until another
 * thread running the same program has read it too, then stores what it read
 * plus one (the add is gil_incref on a copy).  A thread that holds the GIL
 * does not wait (`locked`: nobody else can be running bytecode), so under a
 * GIL the window is harmless; without one two threads always meet in it, and
 * each meeting loses exactly one update.  The program has no back-edge, so a
 * thread never calls gil_check in it: with a GIL it keeps the GIL for all n.
 * Its references are not dropped by the thread but by vm_check_refcounts,
 * once every thread has ended, so that no other update can race.  Meant for two threads,
 * and not for GIL_NONE_ATOMIC: an atomic update has no gap between its read
 * and its store to widen. */
enum { VM_MAX_INCREFS = 8, VM_MAX_KEPT = 8 * VM_MAX_INCREFS };

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
    bool native_keeps_gil;       /* VM_NATIVE_LOOP: call it with the GIL held, as a C
                                    extension does that never says
                                    Py_BEGIN_ALLOW_THREADS (the tests' baseline) */
    double *waits;               /* optional: each wait for the GIL after I/O, s */
    int waits_cap;
    struct vm_segment *trace;    /* optional: this thread's GIL timeline */
    int trace_cap;
};

#define VM_FOREVER (1L << 62)

/* What vm_join reports about a thread. */
struct vm_thread_stats {
    long iterations;    /* loop turns completed (VM_SHARED_INCREFS: INCREFs done) */
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

    /* VM_SHARED_INCREFS: where two threads' widened INCREFs meet, and how
     * each INCREF went: another thread's read met it in the window, or it
     * ran alone (its thread held the GIL, or nobody came within 5 s). */
    pthread_mutex_t window_lock;
    pthread_cond_t window_cv;
    int window_arrived;                /* threads that have read, this round */
    unsigned long window_round;        /* meetings so far */
    atomic_long windows_met;
    atomic_long windows_alone;
    struct object *kept[VM_MAX_KEPT];  /* their references, from vm_join, for */
    int nkept;                         /* vm_check_refcounts to drop */
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
