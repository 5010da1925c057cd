/*
 * watch.h - what the runner asks of the tracker inside a test's own process.
 *
 * Every call the student's objects and the tests make to a function of
 * lab.mk's WATCHED_CALLS reaches intercept.c first, which hands it to the
 * tracker (track.c): so the tracker knows for each thread what it waits
 * for, since when and from where, and for each mutex who holds it.  A
 * watcher thread (watcher.c) stops the test, writing a snapshot (snapshot.c,
 * record.h), when every thread waits for good (stuck), a mutex wait can
 * never end (deadlock), or the test's time is up.  diagnose.c turns the
 * snapshot into words.
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
