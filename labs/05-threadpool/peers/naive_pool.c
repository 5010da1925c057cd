/*
 * naive_pool.c - the futures pool a student writes first, on the benchmark's
 * workload: compare.sh builds and runs it beside the reference.
 *
 *   naive_pool N WORKERS [RUNS]    prints "naive_tasks_per_s R", best of RUNS (1)
 *
 * One mutex and one condition variable for the queue; submit signals on every
 * task; a worker that finds the queue empty sleeps at once (no spinning); each
 * future has its own mutex and condition variable, set up when it is made,
 * and result() waits on them.  The workload is the reference's: submit a
 * batch of 4096 no-op tasks, then take each result and free the future,
 * until N tasks have run.  Only what that workload needs is here: no
 * cancel, no callbacks, no timeouts, no errors.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { BATCH = 4096 };

struct future {
    pthread_mutex_t lock;
    pthread_cond_t done_cv;
    bool done;
    void *(*fn)(void *);
    void *arg, *value;
    struct future *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_ready = PTHREAD_COND_INITIALIZER;
static struct future *head, *tail;
static bool stopping;

static void *noop(void *arg) { return arg; }

static void *worker(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (!head && !stopping)
            pthread_cond_wait(&work_ready, &lock);
        struct future *f = head;
        if (!f)
            break;
        head = f->next;
        if (!head)
            tail = NULL;
        pthread_mutex_unlock(&lock);
        void *value = f->fn(f->arg);
        pthread_mutex_lock(&f->lock);
        f->value = value;
        f->done = true;
        pthread_cond_broadcast(&f->done_cv);
        pthread_mutex_unlock(&f->lock);
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

static struct future *submit(void *(*fn)(void *), void *arg)
{
    struct future *f = malloc(sizeof *f);
    if (!f)
        abort();
    *f = (struct future){.fn = fn, .arg = arg};
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->done_cv, NULL);
    pthread_mutex_lock(&lock);
    if (tail)
        tail->next = f;
    else
        head = f;
    tail = f;
    pthread_cond_signal(&work_ready);   /* one signal per task */
    pthread_mutex_unlock(&lock);
    return f;
}

/* result(): wait, take the value, free the future (the bench's release). */
static void *result(struct future *f)
{
    pthread_mutex_lock(&f->lock);
    while (!f->done)
        pthread_cond_wait(&f->done_cv, &f->lock);
    void *value = f->value;
    pthread_mutex_unlock(&f->lock);
    pthread_cond_destroy(&f->done_cv);
    pthread_mutex_destroy(&f->lock);
    free(f);
    return value;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double run(long ntasks)
{
    static struct future *fs[BATCH];
    double start = now_s();
    long done = 0;
    for (; done < ntasks; done += BATCH) {
        for (int i = 0; i < BATCH; i++)
            fs[i] = submit(noop, NULL);
        for (int i = 0; i < BATCH; i++)
            result(fs[i]);
    }
    return (double)done / (now_s() - start);
}

int main(int argc, char **argv)
{
    long ntasks = argc > 1 ? atol(argv[1]) : 1000000;
    int workers = argc > 2 ? atoi(argv[2]) : 2;
    int runs = argc > 3 ? atoi(argv[3]) : 1;
    pthread_t threads[64];
    if (workers < 1 || workers > 64)
        return 2;
    for (int i = 0; i < workers; i++)
        if (pthread_create(&threads[i], NULL, worker, NULL) != 0)
            return 1;
    run(ntasks / 10);   /* warm-up, as the reference's bench does */
    double best = 0;
    for (int i = 0; i < runs; i++) {
        double rate = run(ntasks);
        best = rate > best ? rate : best;
    }
    pthread_mutex_lock(&lock);
    stopping = true;
    pthread_cond_broadcast(&work_ready);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < workers; i++)
        pthread_join(threads[i], NULL);
    printf("naive_tasks_per_s %.0f\n", best);
    return 0;
}
