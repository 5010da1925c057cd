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
    /* TODO: add v[from], ..., v[to - 1] into sum. */
    NOT_IMPLEMENTED(arg);
}

long sum_on_threads(const int *v, int n, int k)
{
    /* TODO: give each of k threads the slice [n * i / k, n * (i + 1) / k),
     * start them with pthread_create on add_slice, join them all, and add
     * up their sums. */
    NOT_IMPLEMENTED(v, n, k, add_slice);
}
