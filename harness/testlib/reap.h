/* reap.h - kill and reap whatever a test left behind. */
#ifndef REAP_H
#define REAP_H

/* Kill (SIGKILL) and reap every child of the calling process until none is
 * left.  Call it as a child subreaper (PR_SET_CHILD_SUBREAPER): then orphans
 * anywhere below have become our children and are caught too. */
void reap_all_children(void);

/* Call fn(pid, text, ctx) for every process, with the start (up to 1 KiB)
 * of its /proc/PID/FILE ("stat", "status"); returns the sum of what fn
 * returned.  A process that ends meanwhile is passed over. */
int procs_each(const char *file, int (*fn)(int pid, const char *text, void *ctx), void *ctx);

#endif
