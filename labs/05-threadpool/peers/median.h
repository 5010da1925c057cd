/*
 * median.h - what each contender compare.sh runs prints for its RUNS: the
 * median rate.  The C peers here include it, and so does bench.c for
 * `bench --compare`, the reference's own entry.
 */
#ifndef PEERS_MEDIAN_H
#define PEERS_MEDIAN_H

#include <stdlib.h>

static inline int by_rate(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of rates[0..runs-1] (the upper middle one of an even count),
 * sorting them. */
static inline double median_rate(double *rates, int runs)
{
    qsort(rates, (size_t)runs, sizeof *rates, by_rate);
    return rates[runs / 2];
}

#endif
