/* 1-setting-up.c - lab 04, Part 1: setting up (the switch interval's setter).
 * Run with `make grade LAB=gil`. */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "helpers.h"

TEST(switch_interval_setter_validates, 8, 5,
     "gil_init, gil_set_switch_interval, gil_get_switch_interval, gil_set_check_interval")
{
    struct gil g;
    gil_init(&g, GIL_NEW);
    double got = gil_get_switch_interval(&g);
    ck_assert_msg(fabs(got - 0.005) < 1e-12, "a new GIL's switch interval should be "
                  "5 ms (0.005 s, CPython's default), got %g s", got);
    ck_assert_msg(atomic_load(&g.check_interval) == 100, "a new GIL's check interval "
                  "should be 100 ticks (Python 2's default), got %d",
                  atomic_load(&g.check_interval));

    ck_assert_msg(gil_set_switch_interval(&g, 0.001) == 0,
                  "gil_set_switch_interval(0.001) should succeed and return 0");
    got = gil_get_switch_interval(&g);
    ck_assert_msg(fabs(got - 0.001) < 1e-12, "after setting 0.001 s, "
                  "gil_get_switch_interval returned %g s", got);

    const double bad[] = {0.0, -0.0, -0.005, -INFINITY, NAN};
    const char *names[] = {"0", "-0.0", "-0.005", "-inf", "NaN"};
    for (int i = 0; i < 5; i++) {
        int rc = gil_set_switch_interval(&g, bad[i]);
        ck_assert_msg(rc == EINVAL, "gil_set_switch_interval(%s) returned %d, expected "
                      "EINVAL (%d): like sys.setswitchinterval, refuse any value that is "
                      "not > 0 (a NaN compares false with everything)", names[i], rc, EINVAL);
        got = gil_get_switch_interval(&g);
        ck_assert_msg(fabs(got - 0.001) < 1e-12, "a refused gil_set_switch_interval(%s) "
                      "changed the interval to %g s: leave it unchanged", names[i], got);
    }

    ck_assert_msg(gil_set_check_interval(&g, 0) == EINVAL &&
                  gil_set_check_interval(&g, -3) == EINVAL,
                  "gil_set_check_interval should refuse ticks < 1 with EINVAL");
    ck_assert_msg(gil_set_check_interval(&g, 7) == 0 && atomic_load(&g.check_interval) == 7,
                  "gil_set_check_interval(7) should succeed and set check_interval to 7");
    gil_destroy(&g);
}
