/*
 * cgroup.c - a control group per run of student code, where the machine
 * allows it (root, with the cpu and pids controllers; cgroup v1 or v2).
 *
 * Why: CPU time is shared fairly between groups, not processes.  A fork bomb
 * of 500 spinning processes in one submission then gets one submission's
 * share of the CPU, and another submission graded beside it keeps its own,
 * so its timing tests are not starved.  pids.max caps that submission's
 * processes and threads alone.  Where cgroups are not available, the
 * per-user process limit in rlimits.c is the fallback.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "testkit.h"

static const char *v1_cpu = "/sys/fs/cgroup/cpu", *v1_pids = "/sys/fs/cgroup/pids";
static const char *v2_root = "/sys/fs/cgroup";

static bool write_file(const char *dir, const char *file, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

static bool has_file(const char *dir, const char *file)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return access(path, F_OK) == 0;
}

/* v2 needs cpu and pids enabled for the root's children. */
static bool v2_usable(void)
{
    char path[600], line[256] = "";
    snprintf(path, sizeof path, "%s/cgroup.subtree_control", v2_root);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char *ok = fgets(line, sizeof line, f);
    fclose(f);
    return ok && strstr(line, "cpu") && strstr(line, "pids");
}

bool cgroup_create(struct cgroup *cg, const char *name, long max_tasks)
{
    char max[32];
    memset(cg, 0, sizeof *cg);
    if (geteuid() != 0)
        return false;
    snprintf(max, sizeof max, "%ld", max_tasks);
    if (has_file(v1_cpu, "cpu.shares") && has_file(v1_pids, "cgroup.procs")) {
        snprintf(cg->dir[0], sizeof cg->dir[0], "%s/%s", v1_cpu, name);
        snprintf(cg->dir[1], sizeof cg->dir[1], "%s/%s", v1_pids, name);
        cg->count = 2;
        if (mkdir(cg->dir[0], 0755) == 0 && mkdir(cg->dir[1], 0755) == 0 &&
            write_file(cg->dir[1], "pids.max", max))
            return true;
    } else if (v2_usable()) {
        snprintf(cg->dir[0], sizeof cg->dir[0], "%s/%s", v2_root, name);
        cg->count = 1;
        if (mkdir(cg->dir[0], 0755) == 0 && write_file(cg->dir[0], "pids.max", max))
            return true;
    }
    cgroup_destroy(cg);
    return false;
}

bool cgroup_enter(const struct cgroup *cg)
{
    for (int i = 0; i < cg->count; i++)
        if (!write_file(cg->dir[i], "cgroup.procs", "0"))
            return false;
    return true;
}

/* Kill whatever is still inside, then remove the groups. */
void cgroup_destroy(struct cgroup *cg)
{
    for (int i = 0; i < cg->count; i++) {
        for (int tries = 0; tries < 200 && rmdir(cg->dir[i]) != 0 && errno == EBUSY; tries++) {
            char path[600];
            snprintf(path, sizeof path, "%s/cgroup.procs", cg->dir[i]);
            FILE *f = fopen(path, "r");
            for (int pid; f && fscanf(f, "%d", &pid) == 1;)
                kill(pid, SIGKILL);
            if (f)
                fclose(f);
            sleep_s(0.005);
        }
    }
    cg->count = 0;
}
