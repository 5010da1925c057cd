/* cgroup.h - a control group per run of student code, where allowed. */
#ifndef CGROUP_H
#define CGROUP_H

#include <stdbool.h>

struct cgroup {
    char dir[2][512];   /* v1: the cpu and the pids group; v2: one group */
    int count;
};

/* Make a group with at most max_tasks processes and threads.  False when
 * this machine does not allow it (not root, no cpu or pids controller). */
bool cgroup_create(struct cgroup *cg, const char *name, long max_tasks);

/* Move the calling process into the group (call in the child, before exec). */
bool cgroup_enter(const struct cgroup *cg);

/* Kill everything left in the group and remove it. */
void cgroup_destroy(struct cgroup *cg);

/* The CPUs the control groups around this process let it use (Docker's
 * --cpus, a platform's "half a CPU", systemd's CPUQuota=), or 0 for no cap. */
double cgroup_cpu_quota(void);

#endif
