/* 1-sum.c - Part 1: a sum split over threads. */
#include "lab_test.h"
#include "sum.h"

TEST(sums_on_k_threads, 100, 5, "sum_on_threads, add_slice")
{
    enum { N = 100000 };
    static int v[N];
    long want = 0;
    for (int i = 0; i < N; i++)
        v[i] = i % 7, want += i % 7;
    for (int k = 1; k <= 8; k++) {
        long got = sum_on_threads(v, N, k);
        ck_assert_msg(got == want, "sum_on_threads(v, %d, %d): expected %ld, got %ld: does every "
                      "element fall in exactly one thread's slice?", N, k, want, got);
    }
}
