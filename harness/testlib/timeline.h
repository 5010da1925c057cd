/*
 * timeline.h - a schedule run's record (sched_record.h) in words, in the
 * runner, after the test's process is gone: the scheduler's verdict when it
 * stopped the run, the numbered timeline of its steps (a thread's long runs
 * collapsed), the feedback's excerpt of it, and the data of its chart
 * (harness/scripts/timeline.gp).
 */
#ifndef TIMELINE_H
#define TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sched_record.h"

/* Resolve the record's code addresses and name its threads and objects;
 * student_files as for diagnose().  Call before the others. */
void timeline_load(const struct sched_record *r, const char *student_files);

/* The scheduler's own verdict (deadlock:, stuck:, still running:) and the
 * student's functions it names; false when the run did not end in one. */
bool timeline_verdict(char *out, size_t size, char *look_at, size_t look_size);

/* The last steps before the failure, at most `lines` lines, collapsed. */
void timeline_excerpt(char *out, size_t size, int lines);

/* Every step, collapsed, with a header: make replay's listing. */
void timeline_print(FILE *f);

/* The chart's data: a block each for steps, locks held, waits, choices and
 * the failure; threads' names as a header line.  False if unwritable. */
bool timeline_chart(const char *path);

#endif
