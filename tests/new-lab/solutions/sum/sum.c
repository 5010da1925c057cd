/* sum.c - a sum split over threads. */
#include <pthread.h>

#include "sum.h"

struct slice {
    const int *v;
    int from, to;
    long sum;
};

/* A thread's body: add up its slice into s->sum. */
static void *add_slice(void *arg)
{
    struct slice *s = arg;
    for (int i = s->from; i < s->to; i++)
        s->sum += s->v[i];
    return NULL;
}

long sum_on_threads(const int *v, int n, int k)
{
    pthread_t threads[SUM_MAX_THREADS];
    struct slice slices[SUM_MAX_THREADS];
    long total = 0;
    for (int i = 0; i < k; i++) {
        slices[i] = (struct slice){v, (int)((long)n * i / k), (int)((long)n * (i + 1) / k), 0};
        pthread_create(&threads[i], NULL, add_slice, &slices[i]);
    }
    for (int i = 0; i < k; i++) {
        pthread_join(threads[i], NULL);
        total += slices[i].sum;
    }
    return total;
}
