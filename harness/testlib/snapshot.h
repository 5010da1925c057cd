/*
 * snapshot.h - the tracker's tables (track.h) read into a record
 * (record.h), for the watcher to decide on and for the file diagnose.c reads.
 */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stdbool.h>

#include "record.h"

/* Once per process, before any snapshot: find the program's address range,
 * load the unwinder, and (sample_stacks) install the handler that records
 * an interrupted thread's stack. */
void snapshot_prepare(bool sample_stacks);

/* Fill r from the tables: every thread that is live or finished holding a
 * lock, every held mutex, every condition variable waited on, every process
 * (a forked one found dead is marked so, in the tables too).  The rest of
 * the kernel's view (kstate, pipe ends) is left unknown (r->probed is 0);
 * start_ns is when the test began. */
void snapshot_take(struct record *r, long start_ns);

/* Ask the kernel about each thread of r in a wait with no deadline (or
 * every live thread, when all), and about the processes: which run another
 * program, which pipe ends each holds.  Sets r->probed. */
void snapshot_probe(struct record *r, bool all);

/* Interrupt each live thread for its call stack (if prepared to), take a
 * snapshot with every thread probed, and write it to path for `reason`. */
void snapshot_write(const char *path, enum rec_reason reason, long start_ns);

#endif
