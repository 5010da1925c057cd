/*
 * diagnose.h - turn a stopped test's thread snapshot (watch.c) into words:
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
};

/* Read `snapshot`; student_files is the space-separated list of the
 * student's files (only their basenames matter).  False if unreadable. */
bool diagnose(const char *snapshot, const char *student_files, struct diagnosis *d);

/* The first argument of the call to `call` on line `line` of `file`, without
 * a leading '&' (e.g. "b->lock" from "pthread_mutex_lock(&b->lock);").
 * Relative paths are taken from the kit's root.  False if not found. */
bool call_argument(const char *file, int line, const char *call, char *out, size_t size);

/* Is `file` (a path from debug information) one of the kit's tests?  A
 * test source sits directly in a folder named tests/ (labs/NN/tests/, and
 * the hidden tests' twin of it); a student's file sits directly in its lab's
 * folder, wherever that is. */
bool is_test_source(const char *file);

/* How feedback names a source file: "tests/2-bank.c" for a test, so the
 * student finds it in the lab's tests/ folder; the bare name otherwise. */
const char *source_name(const char *file);

#endif
