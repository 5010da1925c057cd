/*
 * pool.h - lab 06's given parts of the pool (you do not edit them): the
 * function table, what crosses the pipes, the pool's data, and the small
 * helpers procpool.c uses.  pool.c defines the functions.
 *
 * Who talks to whom:
 *
 *   submit/map --> queue --> feeder thread --> task pipe i ---> worker i
 *   future <-------------- collector thread <-- result pipe i <-- worker i
 */
#ifndef POOL_H
#define POOL_H

#include <stdint.h>

#include "procpool.h"

/* ---- The function table (Part 1) ------------------------------------------ */

/* In the parent: the index a task carries for name, or -1 if none. */
int function_index(const char *name);

/* In a worker: the function at index, or NULL if this worker has none there
 * (it was registered after the worker was forked).  No lock: the worker has
 * one thread, and the table is its own copy. */
procpool_fn function_at(uint32_t index);

/* ---- What crosses the pipes ------------------------------------------------ */

struct task_header {      /* parent -> worker, then count * in_size bytes */
    uint32_t function;    /* index in the function table */
    uint32_t count;       /* items: 1 for a submit, a chunk for map */
    uint32_t in_size;     /* argument bytes per item */
    uint32_t out_size;    /* room for each item's result */
};

struct result_header {    /* worker -> parent, then len bytes of results */
    int32_t status;       /* PROCPOOL_OK or why the task failed */
    uint32_t len;
};

enum { WORKER_FAILED = 70 };   /* a worker's exit status when its pipes fail */

/* ---- The pool's data --------------------------------------------------------- */

struct job {                  /* a task encoded as bytes, not yet sent */
    struct job *next;         /* in the pool's queue */
    struct future *future;    /* the pool's reference */
    size_t len;
    unsigned char *message;   /* a task_header, then the arguments */
};

struct worker {
    pid_t pid;
    int task_fd;              /* our end of its task pipe; -1 once the feeder closed it */
    int result_fd;            /* our end of its result pipe; only the collector uses it */
    bool ended;               /* its result pipe ended: never signal its pid again */
    struct future *sent[PROCPOOL_DEPTH];   /* sent, not answered yet: a ring, oldest first */
    int first_sent, nsent;
    atomic_int *start;        /* its start words (shared with it), one per slot of sent[] */
};

struct procpool {
    pthread_mutex_t lock;     /* guards everything below but the pids and result_fds */
    pthread_cond_t changed_cv;   /* the feeder waits here for work, room or the end */
    struct job *queue_head, *queue_tail;   /* jobs no worker has been sent yet */
    bool shutting_down;       /* no new jobs; the feeder ends once the queue is empty */
    int failed;               /* 0, or why every job fails: BROKEN or SHUT_DOWN */
    int nworkers;
    struct worker *workers;
    atomic_int *starts;       /* every worker's start words, in one shared mapping */
    pthread_t feeder, collector;
};

/* ---- Small helpers ------------------------------------------------------------ */

/* Free a job, releasing the pool's reference to its future if it still has
 * one; copes with a half-made job (NULL future or message). */
void job_free(struct job *job);

/* A worker answers tasks in the order they were sent, so the future of its
 * next result is always the oldest in its ring.  sent_push adds the newest;
 * sent_pop takes the oldest (there must be one). */
void sent_push(struct worker *w, struct future *f);
struct future *sent_pop(struct worker *w);

/* The start words: a worker's k-th task uses word k % PROCPOOL_DEPTH of its
 * own, which is also where the feeder's k-th sent_push puts the task's
 * future.  They live in one MAP_SHARED mapping made before the fork, so that
 * the pool and every worker see the same words; each worker's words have a
 * cache line to themselves (START_STRIDE words apart), so that a worker
 * claiming its next task does not take the line from another. */
enum { START_STRIDE = (PROCPOOL_DEPTH * sizeof(atomic_int) + 63) / 64 * 64 / sizeof(atomic_int) };

/* nworkers * START_STRIDE shared words, or NULL (errno set). */
atomic_int *map_start_words(int nworkers);
void unmap_start_words(atomic_int *words, int nworkers);

/* The live worker with room for one more task and the fewest in flight, or
 * NULL if none has room. */
struct worker *least_busy_worker(struct procpool *p);

/* A worker's buffers, reused from task to task. */
struct buffer {
    unsigned char *data;
    size_t cap;
};

/* Room for n bytes in b; NULL if out of memory. */
unsigned char *reserve(struct buffer *b, size_t n);

/* Undo a procpool_new that failed after starting some workers: kill, close
 * and reap workers 0 .. started-1. */
void abandon_workers(struct procpool *p, int started);

#endif
