/*
 * procfs.h - what the kernel says about the test's processes (/proc): the
 * state of a thread, whether a process still runs our program, and which
 * pipe ends it holds.  The test's own process and the ones it forks are
 * readable there (same user, dumpable).
 */
#ifndef PROCFS_H
#define PROCFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "record.h"

/* A thread's state letter ('S': asleep in a wait, 'R' running, 'Z' a
 * zombie, ...), or '?' if it cannot be read (gone). */
char procfs_thread_state(pid_t pid, pid_t tid);

/* Is process pid gone, or a zombie (dead, not yet waited for)? */
bool procfs_dead(pid_t pid);

/* Does process pid still run this program (it has not exec'd another)? */
bool procfs_runs_us(pid_t pid);

/* The pipe ends process pid (procs[proc] of a record) holds: up to room of
 * them into out.  Returns how many. */
int procfs_pipes(pid_t pid, int proc, struct rec_fd *out, int room);

/* Has any of the n processes in pids a child that is not among them? */
bool procfs_stranger_child(const pid_t *pids, int n);

#endif
