/* sum.h - a sum split over threads: the kit's smallest lab (tests/new-lab). */
#ifndef SUM_H
#define SUM_H

#include "todo.h"

enum { SUM_MAX_THREADS = 16 };

/* The sum of v[0], ..., v[n - 1], added by k threads (1 <= k <= 16), each
 * a contiguous slice. */
long sum_on_threads(const int *v, int n, int k);

#endif
