/*
 * interp.c - lab 04's tiny bytecode interpreter (given).  See interp.h.
 *
 * The eval loop is a switch over opcodes, as in CPython's ceval.c before
 * computed gotos.  Everything that concerns threads goes through gil.c:
 * taking and dropping the GIL, the check at back-edges, releasing it around
 * blocking calls, and every change to a reference count.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "interp.h"
#include "testkit.h"

/* ---- bytecode ------------------------------------------------------------ */

enum opcode {
    LOAD_FAST,          /* push locals[arg] */
    STORE_FAST,         /* locals[arg] = pop() */
    LOAD_CONST,         /* push constant arg: 0 or 1, shared by every thread */
    LOAD_CONST_WIDE,    /* the same, its INCREF's read and store stretched apart */
    COMPARE_GT,         /* b = pop(), a = pop(): push True if a > b else False */
    BINARY_SUBTRACT,    /* b = pop(), a = pop(): push a new int a - b */
    POP_JUMP_IF_FALSE,  /* if pop() is False: jump to arg */
    JUMP_BACKWARD,      /* jump to arg: a back-edge, where the eval breaker is checked */
    IO_WAIT,            /* block task.io_us microseconds with the GIL released */
    CALL_NATIVE,        /* call task.native(task.native_ctx) with the GIL released */
    RETURN_NONE,
};

struct instr {
    enum opcode op;
    int arg;
};

enum { N = 0, ZERO = 0, ONE = 1 };   /* the local n; the constants 0 and 1 */

/* while n > 0: n -= 1 */
static const struct instr countdown_code[] = {
    /* 0 */ {LOAD_FAST, N}, {LOAD_CONST, ZERO}, {COMPARE_GT, 0}, {POP_JUMP_IF_FALSE, 9},
    /* 4 */ {LOAD_FAST, N}, {LOAD_CONST, ONE}, {BINARY_SUBTRACT, 0}, {STORE_FAST, N},
    /* 8 */ {JUMP_BACKWARD, 0},
    /* 9 */ {RETURN_NONE, 0},
};

/* while n > 0: io(us); n -= 1 */
static const struct instr io_loop_code[] = {
    /* 0 */ {LOAD_FAST, N}, {LOAD_CONST, ZERO}, {COMPARE_GT, 0}, {POP_JUMP_IF_FALSE, 10},
    /* 4 */ {IO_WAIT, 0},
    /* 5 */ {LOAD_FAST, N}, {LOAD_CONST, ONE}, {BINARY_SUBTRACT, 0}, {STORE_FAST, N},
    /* 9 */ {JUMP_BACKWARD, 0},
    /* 10 */ {RETURN_NONE, 0},
};

/* while n > 0: native(); n -= 1 */
static const struct instr native_loop_code[] = {
    /* 0 */ {LOAD_FAST, N}, {LOAD_CONST, ZERO}, {COMPARE_GT, 0}, {POP_JUMP_IF_FALSE, 10},
    /* 4 */ {CALL_NATIVE, 0},
    /* 5 */ {LOAD_FAST, N}, {LOAD_CONST, ONE}, {BINARY_SUBTRACT, 0}, {STORE_FAST, N},
    /* 9 */ {JUMP_BACKWARD, 0},
    /* 10 */ {RETURN_NONE, 0},
};

/* VM_SHARED_INCREFS: push 1 with a widened INCREF, n times, then return.
 * Straight-line code, no back-edge: it starts at VM_MAX_INCREFS - n. */
static const struct instr shared_increfs_code[] = {
    /* 0 */ {LOAD_CONST_WIDE, ONE}, {LOAD_CONST_WIDE, ONE}, {LOAD_CONST_WIDE, ONE},
    /* 3 */ {LOAD_CONST_WIDE, ONE}, {LOAD_CONST_WIDE, ONE}, {LOAD_CONST_WIDE, ONE},
    /* 6 */ {LOAD_CONST_WIDE, ONE}, {LOAD_CONST_WIDE, ONE},
    /* 8 */ {RETURN_NONE, 0},
};
_Static_assert(sizeof shared_increfs_code / sizeof shared_increfs_code[0] == VM_MAX_INCREFS + 1,
               "one LOAD_CONST_WIDE per INCREF, then RETURN_NONE");

static const struct instr *program_code(enum vm_program p)
{
    switch (p) {
    case VM_IO_LOOP: return io_loop_code;
    case VM_NATIVE_LOOP: return native_loop_code;
    case VM_SHARED_INCREFS: return shared_increfs_code;
    default: return countdown_code;
    }
}

/* ---- threads and their private objects ------------------------------------- */

enum { CHUNK_OBJECTS = 64, STACK_DEPTH = VM_MAX_INCREFS };

struct chunk {
    struct chunk *next;
    struct object objects[CHUNK_OBJECTS];
};

struct vm_thread {
    struct vm *vm;
    struct vm_task task;
    struct gil_thread gil_state;
    pthread_t id;
    struct vm_thread_stats stats;
    struct object *free_list;   /* this thread's freed ints, reused first */
    struct chunk *chunks;       /* everything it ever allocated */
    long live;                  /* its ints allocated and not yet freed */
    atomic_bool finished;       /* set as the thread's last act */
    double held_since;          /* timeline: when it last took the GIL */
    struct object *kept[STACK_DEPTH];   /* VM_SHARED_INCREFS: references it leaves
                                           for vm_check_refcounts to drop */
    int nkept;
};

static struct object *new_int(struct vm_thread *t, long value)
{
    struct object *o = t->free_list;
    if (o) {
        t->free_list = o->next_free;
    } else {
        struct chunk *c = calloc(1, sizeof *c);
        if (!c) {
            fprintf(stderr, "interp: out of memory\n");
            abort();
        }
        c->next = t->chunks;
        t->chunks = c;
        for (int i = CHUNK_OBJECTS - 1; i > 0; i--) {
            c->objects[i].next_free = t->free_list;
            t->free_list = &c->objects[i];
        }
        o = &c->objects[0];
    }
    o->refcnt = 1;
    o->value = value;
    o->shared = false;
    o->alive = true;
    t->live++;
    return o;
}

/* The count reached 0.  A private int goes back to its thread's free list.
 * A shared object is never really freed here -- the threads still point at
 * it -- but that it got to 0 at all means a count went wrong: in CPython
 * this would be a use-after-free.  Count it and carry on. */
static void dealloc(struct vm_thread *t, struct object *o)
{
    if (o->shared || !o->alive) {
        atomic_fetch_add_explicit(&t->vm->freed_while_referenced, 1,
                                  memory_order_relaxed);
        return;
    }
    o->alive = false;
    o->next_free = t->free_list;
    t->free_list = o;
    t->live--;
}

static inline void incref(struct vm_thread *t, struct object *o)
{
    gil_incref(&t->vm->gil, &o->refcnt);
}

static inline void decref(struct vm_thread *t, struct object *o)
{
    if (gil_decref(&t->vm->gil, &o->refcnt) == 0)
        dealloc(t, o);
}

/* o, with one more reference to it (CPython's Py_NewRef). */
static inline struct object *new_ref(struct vm_thread *t, struct object *o)
{
    incref(t, o);
    return o;
}

/* ---- the books: overlaps, waits, the timeline ------------------------------ */

/* Between taking and dropping the GIL a thread is "inside".  Relaxed
 * atomics: counting must not order the threads, or it would hide from
 * ThreadSanitizer the very races a broken GIL lets through. */
static void enter_bytecode(struct vm_thread *t)
{
    struct vm *vm = t->vm;
    if (vm->count_overlaps &&
        atomic_fetch_add_explicit(&vm->inside, 1, memory_order_relaxed) != 0)
        atomic_fetch_add_explicit(&vm->overlaps, 1, memory_order_relaxed);
}

static void leave_bytecode(struct vm_thread *t)
{
    if (t->vm->count_overlaps)
        atomic_fetch_sub_explicit(&t->vm->inside, 1, memory_order_relaxed);
}

static void record_segment(struct vm_thread *t, double start, double end,
                           enum vm_segment_kind kind)
{
    int i = t->stats.nsegments;
    if (i < t->task.trace_cap) {
        t->task.trace[i] = (struct vm_segment){start - t->vm->t0, end - t->vm->t0, kind};
        t->stats.nsegments++;
    }
}

static void record_wait(struct vm_thread *t, double waited)
{
    if (t->stats.nwaits < t->task.waits_cap)
        t->task.waits[t->stats.nwaits] = waited;
    t->stats.nwaits++;
    if (waited > t->stats.max_wait_s)
        t->stats.max_wait_s = waited;
}

/* ---- the widened window (VM_SHARED_INCREFS) ---------------------------------- */

/* Does some thread hold the GIL?  Asked by a thread running bytecode, so
 * under a GIL the answer is "this one": nobody else can be in bytecode. */
static bool gil_is_held(struct gil *g)
{
    pthread_mutex_lock(&g->mutex);
    bool held = g->locked;
    pthread_mutex_unlock(&g->mutex);
    return held;
}

/* A two-thread meeting: wait until another thread has arrived in this round
 * too, or 5 s have passed (a thread stalled that long is the machine's
 * trouble, and the books say the INCREF ran alone).  True if one arrived. */
static bool meet_in_window(struct vm *vm)
{
    struct timespec deadline = clock_in(CLOCK_MONOTONIC, 5.0);
    pthread_mutex_lock(&vm->window_lock);
    unsigned long round = vm->window_round;
    bool met = true;
    if (++vm->window_arrived == 2) {
        vm->window_arrived = 0;
        vm->window_round++;
        pthread_cond_broadcast(&vm->window_cv);
    } else {
        int rc = 0;
        while (vm->window_round == round && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&vm->window_cv, &vm->window_lock, &deadline);
        met = vm->window_round != round;
        if (!met)
            vm->window_arrived--;   /* leave, so that the next round starts from nobody */
    }
    pthread_mutex_unlock(&vm->window_lock);
    return met;
}

/* Py_INCREF(o) as a read, an add and a store, with the gap between the read
 * and the store widened to a meeting with the other thread (interp.h).
 * Relaxed atomics for the read and the store: each is one access, as in a
 * plain `++`, but the race between them is the lesson, not a bug for
 * ThreadSanitizer to report. */
static void widened_incref(struct vm_thread *t, struct object *o)
{
    struct vm *vm = t->vm;
    long count = __atomic_load_n(&o->refcnt, __ATOMIC_RELAXED);
    bool met = !gil_is_held(&vm->gil) && meet_in_window(vm);
    atomic_fetch_add_explicit(met ? &vm->windows_met : &vm->windows_alone, 1,
                              memory_order_relaxed);
    gil_incref(&vm->gil, &count);
    __atomic_store_n(&o->refcnt, count, __ATOMIC_RELAXED);
}

/* ---- the places where the GIL is involved ---------------------------------- */

/* JUMP_BACKWARD: let another thread in if the GIL says so.  With a timeline,
 * a change of switch_number across the check means this thread gave the GIL
 * away and got it back (we hold the GIL, so reading it is safe). */
static void eval_breaker(struct vm_thread *t)
{
    struct gil *g = &t->vm->gil;
    leave_bytecode(t);
    if (!t->task.trace) {
        gil_check(g, &t->gil_state);
    } else {
        unsigned long switches = g->switch_number;
        double before = now_s();
        gil_check(g, &t->gil_state);
        if (g->switch_number != switches) {
            double after = now_s();
            record_segment(t, t->held_since, before, VM_HELD_FORCED);
            record_segment(t, before, after, VM_WAITING);
            t->held_since = after;
        }
    }
    enter_bytecode(t);
}

/* IO_WAIT and CALL_NATIVE: Py_BEGIN_ALLOW_THREADS; the call;
 * Py_END_ALLOW_THREADS -- and note how long getting the GIL back took.  A
 * task with native_keeps_gil makes its native calls with the GIL held. */
static void call_without_gil(struct vm_thread *t, enum opcode op)
{
    struct gil *g = &t->vm->gil;
    if (op == CALL_NATIVE && t->task.native_keeps_gil) {
        t->task.native(t->task.native_ctx);
        t->stats.io_ops++;
        return;
    }
    if (t->task.trace)
        record_segment(t, t->held_since, now_s(), VM_HELD_VOLUNTARY);
    leave_bytecode(t);
    gil_begin_allow_threads(g, &t->gil_state);
    if (op == IO_WAIT)
        sleep_s((double)t->task.io_us * 1e-6);
    else
        t->task.native(t->task.native_ctx);
    double asked = now_s();
    gil_end_allow_threads(g, &t->gil_state);
    double got = now_s();
    enter_bytecode(t);
    record_wait(t, got - asked);
    if (t->task.trace) {
        record_segment(t, asked, got, VM_WAITING);
        t->held_since = got;
    }
    t->stats.io_ops++;
}

/* ---- the eval loop ------------------------------------------------------------ */

/* COMPARE_GT and BINARY_SUBTRACT: a new reference to `a op b`. */
static struct object *binary(struct vm_thread *t, enum opcode op, struct object *a,
                             struct object *b)
{
    struct vm *vm = t->vm;
    if (op == COMPARE_GT)
        return new_ref(t, a->value > b->value ? &vm->true_obj : &vm->false_obj);
    return new_int(t, a->value - b->value);
}

/* CPython's stack macros, on eval's own stack and stack pointer. */
#define PUSH(o) (stack[sp++] = (o))
#define POP() (stack[--sp])

static void eval(struct vm_thread *t)
{
    struct vm *vm = t->vm;
    const struct instr *code = program_code(t->task.program);
    struct object *consts[] = {&vm->zero, &vm->one};
    struct object *locals[1] = {new_int(t, t->task.n)};
    struct object *stack[STACK_DEPTH];
    int sp = 0, pc = 0;
    bool jump;
    if (t->task.program == VM_SHARED_INCREFS) {
        long n = t->task.n < 0 ? 0 : t->task.n > VM_MAX_INCREFS ? VM_MAX_INCREFS : t->task.n;
        pc = VM_MAX_INCREFS - (int)n;
    }

    for (;;) {
        const struct instr in = code[pc++];
        struct object *a, *b, *r;
        switch (in.op) {
        case LOAD_FAST:
            PUSH(new_ref(t, locals[in.arg]));
            break;
        case STORE_FAST:
            r = locals[in.arg];
            locals[in.arg] = POP();
            decref(t, r);
            break;
        case LOAD_CONST:
            PUSH(new_ref(t, consts[in.arg]));
            break;
        case LOAD_CONST_WIDE:
            r = consts[in.arg];
            widened_incref(t, r);
            PUSH(r);
            break;
        case COMPARE_GT:
        case BINARY_SUBTRACT:   /* pop both operands, push the result */
            b = POP();
            a = POP();
            r = binary(t, in.op, a, b);
            decref(t, a);
            decref(t, b);
            PUSH(r);
            break;
        case POP_JUMP_IF_FALSE:
            r = POP();
            jump = r == &vm->false_obj;
            decref(t, r);
            if (jump)
                pc = in.arg;
            break;
        case JUMP_BACKWARD:
            pc = in.arg;
            eval_breaker(t);
            if (atomic_load_explicit(&vm->stop, memory_order_relaxed))
                goto done;
            break;
        case IO_WAIT:
        case CALL_NATIVE:
            call_without_gil(t, in.op);
            break;
        case RETURN_NONE:
            goto done;
        }
    }
done:
    t->stats.iterations = t->task.n - locals[N]->value;
    if (t->task.program == VM_SHARED_INCREFS) {
        /* vm_check_refcounts drops these, once every thread has ended */
        t->stats.iterations = t->nkept = sp;
        for (int i = 0; i < sp; i++)
            t->kept[i] = stack[i];
        sp = 0;
    }
    while (sp > 0)
        decref(t, stack[--sp]);
    decref(t, locals[N]);
}

static void *thread_main(void *arg)
{
    struct vm_thread *t = arg;
    struct vm *vm = t->vm;
    double asked = now_s();
    gil_acquire(&vm->gil, &t->gil_state);
    t->held_since = now_s();
    if (t->task.trace)
        record_segment(t, asked, t->held_since, VM_WAITING);
    enter_bytecode(t);

    eval(t);

    leave_bytecode(t);
    if (t->task.trace)
        record_segment(t, t->held_since, now_s(), VM_HELD_EXIT);
    if (t->live != 0)
        atomic_fetch_add_explicit(&vm->leaked, t->live, memory_order_relaxed);
    gil_release(&vm->gil, &t->gil_state);
    atomic_store(&t->finished, true);
    return NULL;
}

/* ---- the public side ------------------------------------------------------------ */

static void init_shared(struct object *o, long value)
{
    *o = (struct object){.refcnt = 1, .value = value, .shared = true, .alive = true};
}

struct vm *vm_new(enum gil_mode mode)
{
    struct vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return NULL;
    gil_init(&vm->gil, mode);
    /* Each shared object starts with the one reference its table holds. */
    init_shared(&vm->zero, 0);
    init_shared(&vm->one, 1);
    init_shared(&vm->true_obj, 1);
    init_shared(&vm->false_obj, 0);
    atomic_init(&vm->stop, false);
    atomic_init(&vm->inside, 0);
    atomic_init(&vm->overlaps, 0);
    atomic_init(&vm->freed_while_referenced, 0);
    atomic_init(&vm->leaked, 0);
    vm->t0 = now_s();
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&vm->window_lock, NULL);
    pthread_cond_init(&vm->window_cv, &attr);
    pthread_condattr_destroy(&attr);
    atomic_init(&vm->windows_met, 0);
    atomic_init(&vm->windows_alone, 0);
    return vm;
}

void vm_free(struct vm *vm)
{
    gil_destroy(&vm->gil);
    pthread_cond_destroy(&vm->window_cv);
    pthread_mutex_destroy(&vm->window_lock);
    free(vm);
}

struct vm_thread *vm_start(struct vm *vm, const struct vm_task *task)
{
    struct vm_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->vm = vm;
    t->task = *task;
    atomic_init(&t->finished, false);
    if (pthread_create(&t->id, NULL, thread_main, t) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

void vm_join(struct vm_thread *t, struct vm_thread_stats *stats)
{
    pthread_join(t->id, NULL);
    /* Dropping them now would race with threads still running: the vm
     * keeps them for vm_check_refcounts. */
    for (int i = 0; i < t->nkept && t->vm->nkept < VM_MAX_KEPT; i++)
        t->vm->kept[t->vm->nkept++] = t->kept[i];
    if (stats)
        *stats = t->stats;
    for (struct chunk *c = t->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(t);
}

bool vm_finished(struct vm_thread *t)
{
    return atomic_load(&t->finished);
}

void vm_stop(struct vm *vm)
{
    atomic_store_explicit(&vm->stop, true, memory_order_relaxed);
}

void vm_check_refcounts(struct vm *vm, struct vm_refcheck *check)
{
    struct object *shared[] = {&vm->zero, &vm->one, &vm->true_obj, &vm->false_obj};
    /* VM_SHARED_INCREFS's references, one after another: a count the
     * threads left too low reaches 0 here while some are still held. */
    while (vm->nkept > 0) {
        struct object *o = vm->kept[--vm->nkept];
        if (gil_decref(&vm->gil, &o->refcnt) == 0)
            atomic_fetch_add_explicit(&vm->freed_while_referenced, 1, memory_order_relaxed);
    }
    check->freed_while_referenced = atomic_load(&vm->freed_while_referenced);
    check->leaked = atomic_load(&vm->leaked);
    check->drift = 0;
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++) {
        long off = shared[i]->refcnt - 1;   /* 1: the table's own reference */
        check->drift += off < 0 ? -off : off;
        if (off < 0)
            check->freed_while_referenced++;
        else if (off > 0)
            check->leaked++;
    }
}
