/*
 * track.h - the tracker's tables: for each thread what it waits for, since
 * when and from where; for each mutex who holds it; for each condition
 * variable who waits on it and when it was last signalled; for each process
 * of the test, its pid and who forked it.  track.c keeps them up to date as
 * the first client of the interception layer (intercept.h); snapshot.c
 * reads them into a record (record.h).
 *
 * The tables live in one MAP_SHARED mapping made before the test's code
 * runs, so that every process the test forks writes into the same tables
 * and the watcher, in the test's own process, sees them all.  A private
 * mutex's key carries its process (the same address is another mutex in a
 * forked child); a process-shared one's does not.
 *
 * Every field a traced thread writes is an atomic, written relaxed: under
 * ThreadSanitizer (which sees these atomics) anything stronger would order
 * the student's threads and could hide a race.  Pointers into the program's
 * memory are kept scrambled (track_key): LeakSanitizer takes any word that
 * looks like a pointer as a reference, and ours would keep a leaked block
 * "reachable".
 */
#ifndef TRACK_H
#define TRACK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "record.h"

#define RELAXED memory_order_relaxed

struct slot {                     /* a thread */
    _Atomic int use;              /* enum rec_use */
    _Atomic int proc;             /* its process: an index into procs[] */
    _Atomic int number;           /* as the report names it: 1 is the test */
    _Atomic pid_t tid;
    _Atomic unsigned long handle; /* its pthread_t, set by creator and thread alike */
    void *_Atomic start;          /* the function it runs; NULL for the test */
    void *_Atomic created_at;     /* the pthread_create call */
    _Atomic int wait;             /* enum rec_wait */
    _Atomic int timed;            /* the wait has a deadline */
    _Atomic uintptr_t object;     /* the key of the mutex, condvar, semaphore, barrier */
    _Atomic uintptr_t aux;        /* a condvar wait's mutex's key */
    _Atomic int join_target;      /* the number of the thread joined */
    void *_Atomic at;             /* who made the call (a return address) */
    _Atomic long since_ns;
    _Atomic unsigned long progress;   /* bumped at every call and return */
    _Atomic int child;            /* WAIT_CHILD: waitpid's pid */
    _Atomic int nfds;             /* WAIT_READ .. WAIT_SELECT: how many descriptors */
    _Atomic int fds[REC_WAIT_FDS];    /* the first REC_WAIT_FDS of them ... */
    _Atomic unsigned char fd_dirs[REC_WAIT_FDS];   /* ... and which way: FD_IN | FD_OUT */
    /* Filled in by the thread itself when interrupted for a snapshot. */
    void *frames[REC_FRAMES];
    void *pc;
    int nframes;
    _Atomic int sampled;
};

struct lockrec {                  /* a mutex */
    _Atomic uintptr_t key;
    _Atomic int holder;           /* a thread's number, 0 when free */
    _Atomic int count;            /* recursive mutexes */
    void *_Atomic at;
    _Atomic long since_ns;
    _Atomic int shared, robust;   /* made process-shared or robust */
    void *_Atomic made_at;        /* a shared one's pthread_mutex_init call */
};

struct procrec {                  /* a process: [0] the test's, then each it forks */
    _Atomic int state;            /* enum rec_proc_state */
    _Atomic pid_t pid;
    _Atomic int parent;           /* the index of the process that forked it */
    void *_Atomic forked_at;      /* the fork() call */
};

struct condrec {                  /* a condition variable */
    _Atomic uintptr_t key;
    _Atomic int waiters;
    _Atomic int last_kind;        /* enum rec_signal */
    void *_Atomic last_at;
    _Atomic int last_waiters;     /* how many waited when it was last woken */
    _Atomic long last_ns;
    _Atomic long wakes;
};

struct fdrec {                    /* a descriptor: who last wrote to it */
    _Atomic int writer;           /* a thread's number, 0 for none (or closed since) */
    void *_Atomic at;             /* the write() call */
};

struct tables {
    _Atomic int nslots, next_number, nprocs;
    _Atomic int untracked;        /* a thread or process we cannot see: never call it stuck */
    _Atomic int nshared;          /* process-shared mutexes made so far */
    void *_Atomic wrong_clock_at; /* a timed wait that ended on the wrong clock */
    _Atomic long wrong_clock_early_ns;
    struct slot slots[REC_THREADS];
    struct lockrec locks[REC_LOCKS];
    struct condrec conds[REC_CONDS];
    struct procrec procs[REC_PROCS];
    struct fdrec fds[REC_PROCS][REC_FD_WRITERS];   /* by process, then descriptor */
};

extern struct tables *tables;     /* NULL until track_start */
extern _Thread_local struct slot *me;   /* the calling thread's, or NULL */

/* In the test's process, before its threads: make the tables, track the
 * calling thread as thread 1, and register the tracker with intercept.h.
 * False if the tables could not be made (then nothing is tracked). */
bool track_start(void);

/* A key for an address: scrambled, never 0 for a non-NULL pointer. */
uintptr_t track_key(const void *p);

/* Slots in use so far (some may be free again). */
int track_slot_count(void);

/* Does thread `number` hold a mutex?  Then its slot is evidence. */
bool track_holds_a_lock(int number);

long track_now_ns(void);

#endif
