/*
 * record.h - what the kit knows about a test's threads when it stops one:
 * one record, shared by the tracker and the diagnosis.
 *
 * snapshot.c fills a struct record from the tracker's tables (and from
 * /proc); the watcher (watcher.c) decides on it with the rules below; the
 * snapshot file is the record written as it is; diagnose.c reads it back
 * with record_read(), which checks every field (the file is written by the
 * test's own process, which runs student code), and puts the same rules into
 * words.  Enums are stored as their values; addresses are relative to the
 * test program (what addr2line wants), or 0 outside it.
 */
#ifndef RECORD_H
#define RECORD_H

#include <stdbool.h>
#include <stdint.h>

/* The limits, for the tracker's tables and the record alike. */
enum {
    REC_THREADS = 1024,     /* threads in one test, every process's together */
    REC_LOCKS = 8192,       /* mutexes tracked (a hash table's worth) */
    REC_CONDS = 2048,       /* condition variables tracked */
    REC_PROCS = 64,         /* processes: the test's and those it forks */
    REC_FDS = 1024,         /* pipe descriptors of those processes, in a snapshot */
    REC_FRAMES = 32,        /* a sampled stack */
    REC_WAIT_FDS = 64,      /* descriptors of one poll() or select() kept */
    REC_DEPTH = 64,         /* longest chain of mutex waits followed */
    REC_FD_WRITERS = 256,   /* descriptors per process whose last writer is noted */
};

enum rec_use { USE_FREE, USE_STARTING, USE_LIVE, USE_FINISHED, USE_JOINED, USE_COUNT };

/* What a thread is in.  WAIT_RUNNING: none of the calls below. */
enum rec_wait {
    WAIT_RUNNING, WAIT_MUTEX, WAIT_COND, WAIT_JOIN, WAIT_SEM, WAIT_BARRIER, WAIT_SLEEP,
    WAIT_READ, WAIT_WRITE, WAIT_POLL, WAIT_SELECT,   /* on descriptors: fds[] */
    WAIT_CHILD,                                      /* waitpid: child */
    WAIT_COUNT
};

/* Which way a descriptor wait goes: for something to read, or room to write. */
enum { FD_IN = 1, FD_OUT = 2 };

enum rec_proc_state { PROC_STARTING, PROC_LIVE, PROC_DEAD, PROC_FOREIGN, PROC_STATES };
enum rec_end { END_READ, END_WRITE };

enum rec_reason { REASON_STUCK = 1, REASON_TIMEOUT = 2, REASON_FAILED = 3 };
enum rec_signal { SIGNAL_NEVER, SIGNAL_ONE, SIGNAL_ALL };

struct rec_thread {
    int32_t number;          /* as the feedback names it: 1 is the test */
    int32_t proc;            /* its process: an index into procs[] */
    uint8_t use;             /* enum rec_use */
    uint8_t wait;            /* enum rec_wait */
    uint8_t timed;           /* the wait has a deadline */
    char kstate;             /* the kernel's state of it ('S': asleep), '?' unknown */
    int32_t tid;
    int32_t join_target;     /* WAIT_JOIN: the number of the thread joined, 0 unknown */
    double age;              /* seconds in its current wait */
    uint64_t at;             /* the call it waits in (a return address) */
    uint64_t start;          /* the function it runs; 0 for the test */
    uint64_t created_at;     /* the pthread_create call */
    uint64_t object;         /* what it waits for: a key, compared, never followed */
    uint64_t aux;            /* WAIT_COND: the key of the mutex it gave up */
    uint64_t progress;       /* calls it has made and returned from: to see it hold still */
    int32_t child;           /* WAIT_CHILD: waitpid's pid argument */
    int32_t nfds;            /* WAIT_READ .. WAIT_SELECT: descriptors it waits on (all of
                                them; the first REC_WAIT_FDS are kept) */
    int32_t fds[REC_WAIT_FDS];
    uint8_t fd_dirs[REC_WAIT_FDS];   /* FD_IN | FD_OUT */
    int32_t nframes;         /* its sampled stack, innermost first; 0 when not sampled */
    uint64_t frames[REC_FRAMES];
};

struct rec_lock {            /* a mutex that is held */
    uint64_t key;
    int32_t holder;          /* a thread's number */
    int32_t count;           /* a recursive mutex's depth */
    uint64_t at;             /* where it was locked */
    double age;              /* since when, in seconds */
    uint8_t shared;          /* process-shared (or robust): the same lock in every process */
    uint8_t robust;          /* its owner's death is reported to the next locker */
    uint64_t made_at;        /* a shared one's pthread_mutex_init call */
};

struct rec_proc {            /* the test's process (procs[0]) and each it forked */
    int32_t pid;
    int32_t parent;          /* the index of the process that forked it; -1 for the test's */
    uint8_t state;           /* enum rec_proc_state; FOREIGN: it runs another program */
    uint64_t forked_at;      /* the fork() call */
};

struct rec_fd {              /* a pipe end open in one of the test's processes */
    int32_t proc;
    int32_t fd;
    uint64_t inode;          /* the pipe's: both ends share it */
    uint8_t end;             /* enum rec_end */
    int32_t writer;          /* the thread that last wrote to it (since it was opened), or 0 */
    uint64_t write_at;       /* that write() call */
};

struct rec_cond {            /* a condition variable someone waits on */
    uint64_t key;
    int32_t waiters;
    int32_t last_kind;       /* enum rec_signal */
    int32_t last_waiters;    /* how many waited at that signal or broadcast */
    int64_t wakes;
    uint64_t last_at;
    double last_age;         /* seconds since it, or -1 */
};

struct record {
    uint32_t magic, version;
    int32_t reason;          /* enum rec_reason */
    double elapsed;          /* seconds since the test started */
    uint64_t clock_at;       /* a timed wait on the wrong clock, or 0 */
    double clock_early;      /* how early it ended, in seconds */
    int32_t untracked;       /* a thread or process the tracker cannot see exists */
    int32_t probed;          /* the kernel was asked: kstate, procs' states, fds.  Until
                                then the rules assume the best of what only it knows */
    int32_t nthreads, nlocks, nconds, nprocs, nfds;
    struct rec_thread threads[REC_THREADS];
    struct rec_lock locks[REC_LOCKS];
    struct rec_cond conds[REC_CONDS];
    struct rec_proc procs[REC_PROCS];
    struct rec_fd fds[REC_FDS];   /* only when probed */
};

/* ---- the rules: the watcher stops a test by them, the diagnosis words them */

/* A wait that can end only if another thread does something: t is live, in
 * a wait with no deadline that is not a sleep, asleep in the kernel, and has
 * waited at least min_age seconds.  A wait on descriptors also needs each to
 * be a pipe whose other end is open in the test's processes only; a wait
 * for a child, a child the tracker sees. */
bool rule_waits_for_good(const struct record *r, const struct rec_thread *t, double min_age);

/* Is every live thread waiting for good (and is there one), with nothing
 * the tracker cannot see that could wake them? */
bool rule_all_stuck(const struct record *r);

/* A mutex wait no other thread can end, whatever they do. */
enum deadlock_kind { DEADLOCK_NONE, DEADLOCK_SELF, DEADLOCK_FINISHED_HOLDER, DEADLOCK_CYCLE };
struct deadlock {
    enum deadlock_kind kind;
    int n;                      /* threads in chain: 1 for SELF, 2 for FINISHED_HOLDER */
    int chain[REC_DEPTH];       /* indexes into r->threads: each waits for a lock the
                                   next holds (the last's is held by the first, in a cycle) */
};

/* Find the first: a cycle of threads each waiting for a lock the next
 * holds, a thread waiting for a lock it holds itself, or for one a finished
 * thread holds.  Only threads asleep in a mutex wait with no deadline count. */
bool rule_deadlock(const struct record *r, struct deadlock *d);

/* The lock a thread waits for, if it waits for one that is held. */
const struct rec_lock *rule_waited_lock(const struct record *r, const struct rec_thread *t);

/* The thread numbered `number`, or NULL. */
const struct rec_thread *record_thread(const struct record *r, int number);

/* The pipe end open as `fd` in process `proc`, or NULL if it is not a pipe. */
const struct rec_fd *record_fd(const struct record *r, int proc, int fd);

/* Has thread t's process died (its threads finished with it)? */
bool record_died(const struct record *r, const struct rec_thread *t);

/* ---- the file ------------------------------------------------------------ */

/* Write r to `path` (header and the used part of each table), stamping its
 * magic and version.  False on failure. */
bool record_write(const char *path, struct record *r);

/* Read a record written by record_write; check every count, enum and
 * index, and end every string.  False, with *r cleared, if anything is off. */
bool record_read(const char *path, struct record *r);

#endif
