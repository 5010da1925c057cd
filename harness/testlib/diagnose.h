/*
 * diagnose.h - turn a stopped test's snapshot (record.h) into words:
 * a verdict (deadlock:, stuck:, still running:), one line per thread, and
 * the student's functions to look at.  Runs in the runner, after the test's
 * process is gone.
 */
#ifndef DIAGNOSE_H
#define DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>

struct diagnosis {
    char verdict[4096];    /* first in the feedback */
    char threads[6144];    /* "Threads when the test was stopped:" and a line each */
    char look_at[512];     /* "fn, fn": the student's functions the verdict names */
    bool missing_waker;    /* a condition variable nobody signalled (or whose wakeup
                              was lost): the function that should have is not named */
};

/* Read `snapshot`; student_files is the space-separated list of the
 * student's files (only their basenames matter).  False if unreadable. */
bool diagnose(const char *snapshot, const char *student_files, struct diagnosis *d);

#endif
