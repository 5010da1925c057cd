/* 2-value.c - lab 06's hidden tests for Part 2, graded after the deadline. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "lab_test.h"
#include "procpool.h"
#include "testkit.h"

static struct value *sum;

static long add_quarters(const void *arg, size_t len, void *out, size_t cap)
{
    (void)arg, (void)len, (void)out, (void)cap;
    for (int i = 0; i < 100; i++) {
        value_acquire(sum);
        value_set(sum, value_get(sum) + 0.25);
        value_release(sum);
    }
    return 0;
}

HIDDEN_TEST(double_value_adds_up, 3, 15, "value_new, value_get, value_set")
{
    ck_assert_int_eq(procpool_register("add_quarters", add_quarters), 0);
    errno = 0;
    ck_assert_msg(value_new('x') == NULL && errno == EINVAL, "value_new('x') must fail with EINVAL");
    struct value *i = value_new('i');
    ck_assert(i != NULL);
    value_set(i, 2.7);
    ck_assert_msg(value_get(i) == 2, "an 'i' value set to 2.7 should read 2, got %g", value_get(i));
    value_free(i);

    sum = value_new('d');
    ck_assert(sum != NULL);
    struct procpool *p = procpool_new(4);
    ck_assert(p != NULL);
    struct future *f[4];
    for (int k = 0; k < 4; k++)
        ck_assert_int_eq(procpool_submit(p, "add_quarters", NULL, 0, &f[k]), PROCPOOL_OK);
    for (int k = 0; k < 4; k++) {
        ck_assert_int_eq(future_result(f[k], 10, NULL, NULL), PROCPOOL_OK);
        future_release(f[k]);
    }
    procpool_shutdown(p, true, false);
    ck_assert_msg(value_get(sum) == 100.0, "4 workers x 100 locked additions of 0.25 to a 'd' "
                  "value gave %g, expected 100", value_get(sum));
    value_free(sum);
}
