/*
 * watch.h - the thread tracker inside a test's own process (watch.c).
 *
 * Every pthread call the student's objects and the tests make reaches
 * watch.c first (lab.mk links them with the linker's --wrap), so the tracker
 * knows for each thread what it waits for, since when and from where, and
 * for each mutex who holds it.  A watcher thread stops the test, writing a
 * snapshot of all of it, when every thread waits for good (stuck) or when
 * the test's time is up.  diagnose.c turns the snapshot into words.
 */
#ifndef WATCH_H
#define WATCH_H

#include <stdbool.h>

enum watch_stop { WATCH_RUNNING = 0, WATCH_STUCK = 1, WATCH_TIMEOUT = 2, WATCH_FAILED = 3 };

/* In the test's process: track the calling thread as "the test", and start
 * the watcher.  At `timeout_s`, or as soon as every thread waits with no
 * deadline, it writes the snapshot to `snapshot_path`, stores why in
 * *stopped (shared with the runner) and ends the process.  sample_stacks:
 * interrupt each thread for its full call stack (not under sanitizers, whose
 * runtimes defer and police signal handlers). */
void watch_start(const char *snapshot_path, double timeout_s, volatile int *stopped,
                 bool sample_stacks);

/* A check of the test failed: write the snapshot now (reason "failed"), so
 * the runner can tell whether threads were left waiting for good. */
void watch_failing(void);

/* In the runner, before any test: load what watch_start needs once. */
void watch_prepare(void);

#endif
