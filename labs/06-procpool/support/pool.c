/*
 * pool.c - lab 06's given parts of the pool (you do not edit them).  See
 * pool.h; what you write is in procpool.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pool.h"

/* ---- Status messages ------------------------------------------------------ */

const char *procpool_strerror(int status)
{
    switch (status) {
    case PROCPOOL_OK: return "ok";
    case PROCPOOL_BROKEN: return "broken pool: a worker process died";
    case PROCPOOL_NO_FUNCTION: return "the worker has no function by that name";
    case PROCPOOL_TASK_FAILED: return "the task's function failed";
    case PROCPOOL_CANCELLED: return "cancelled";
    case PROCPOOL_TIMEOUT: return "timed out";
    case PROCPOOL_SHUT_DOWN: return "the pool was shut down";
    case PROCPOOL_BAD_ARGUMENT: return "bad argument";
    case PROCPOOL_NO_MEMORY: return "out of memory";
    }
    return "unknown status";
}

/* ---- The function table (Part 1) ------------------------------------------ */

enum { MAX_FUNCTIONS = 64, MAX_NAME = 48 };

static struct {
    char name[MAX_NAME];
    procpool_fn fn;
} functions[MAX_FUNCTIONS];
static int nfunctions;
static pthread_mutex_t functions_lock = PTHREAD_MUTEX_INITIALIZER;

int procpool_register(const char *name, procpool_fn fn)
{
    if (!fn || strlen(name) >= MAX_NAME)
        return -1;
    pthread_mutex_lock(&functions_lock);
    int result = 0, i = 0;
    while (i < nfunctions && strcmp(functions[i].name, name) != 0)
        i++;
    if (i < nfunctions)
        result = functions[i].fn == fn ? 0 : -1;
    else if (nfunctions == MAX_FUNCTIONS)
        result = -1;
    else {
        strcpy(functions[i].name, name);
        functions[i].fn = fn;
        nfunctions++;
    }
    pthread_mutex_unlock(&functions_lock);
    return result;
}

int function_index(const char *name)
{
    pthread_mutex_lock(&functions_lock);
    int i = 0;
    while (i < nfunctions && strcmp(functions[i].name, name) != 0)
        i++;
    int index = i < nfunctions ? i : -1;
    pthread_mutex_unlock(&functions_lock);
    return index;
}

procpool_fn function_at(uint32_t index)
{
    return index < (uint32_t)nfunctions ? functions[index].fn : NULL;
}

/* ---- Small helpers --------------------------------------------------------- */

void job_free(struct job *job)
{
    if (job->future)
        future_release(job->future);
    free(job->message);
    free(job);
}

void sent_push(struct worker *w, struct future *f)
{
    w->sent[(w->first_sent + w->nsent++) % PROCPOOL_DEPTH] = f;
}

struct future *sent_pop(struct worker *w)
{
    struct future *f = w->sent[w->first_sent];
    w->first_sent = (w->first_sent + 1) % PROCPOOL_DEPTH;
    w->nsent--;
    return f;
}

atomic_int *map_start_words(int nworkers)
{
    void *words = mmap(NULL, (size_t)nworkers * START_STRIDE * sizeof(atomic_int),
                       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return words == MAP_FAILED ? NULL : words;
}

void unmap_start_words(atomic_int *words, int nworkers)
{
    munmap(words, (size_t)nworkers * START_STRIDE * sizeof(atomic_int));
}

struct worker *least_busy_worker(struct procpool *p)
{
    struct worker *best = NULL;
    for (int i = 0; i < p->nworkers; i++) {
        struct worker *w = &p->workers[i];
        if (!w->ended && w->task_fd >= 0 && w->nsent < PROCPOOL_DEPTH &&
            (!best || w->nsent < best->nsent))
            best = w;
    }
    return best;
}

unsigned char *reserve(struct buffer *b, size_t n)
{
    if (n > b->cap || !b->data) {
        size_t cap = n < 4096 ? 4096 : n;
        unsigned char *data = realloc(b->data, cap);
        if (!data)
            return NULL;
        b->data = data;
        b->cap = cap;
    }
    return b->data;
}

pid_t procpool_worker_pid(struct procpool *p, int i)
{
    return p->workers[i].pid;
}

void abandon_workers(struct procpool *p, int started)
{
    for (int i = 0; i < started; i++) {
        struct worker *w = &p->workers[i];
        kill(w->pid, SIGKILL);
        if (w->task_fd >= 0)
            close(w->task_fd);
        close(w->result_fd);
        while (waitpid(w->pid, NULL, 0) == -1 && errno == EINTR)
            ;
    }
}
