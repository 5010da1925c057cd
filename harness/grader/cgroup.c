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
 *
 * It also reads the CPU quota the grader itself runs under, which says how
 * many labs it may grade side by side (grade.c).
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

/* ---- the CPU this process may use ---------------------------------------------------- */

/* One control group folder's CPU cap, in CPUs, or 0 for none: cgroup v2's
 * cpu.max ("max 100000" is none), v1's CFS quota (-1 is none). */
static double cap_in(const char *dir, bool v2)
{
    char path[4400];
    double quota = 0, period = 0;
    snprintf(path, sizeof path, "%s/%s", dir, v2 ? "cpu.max" : "cpu.cfs_quota_us");
    FILE *f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%lf", &quota) != 1 || (v2 && fscanf(f, "%lf", &period) != 1))
            quota = 0;
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/cpu.cfs_period_us", dir);
    if (!v2 && quota > 0 && (f = fopen(path, "r"))) {
        if (fscanf(f, "%lf", &period) != 1)
            period = 0;
        fclose(f);
    }
    return quota > 0 && period > 0 ? quota / period : 0;
}

/* The smallest cap from the process's own group (/proc/self/cgroup) up to
 * the root of the hierarchy it sees, v2's or v1's cpu controller's. */
double cgroup_cpu_quota(void)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[4096], group[4096] = "", dir[4200];
    bool v2 = false;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *controllers = strchr(line, ':'), *where = controllers ? strchr(controllers + 1, ':') : NULL;
        if (!where)
            continue;
        *where++ = '\0';
        char list[4096];
        snprintf(list, sizeof list, ",%s,", controllers + 1);
        if (strstr(list, ",cpu,"))
            snprintf(group, sizeof group, "%s", where), v2 = false;
        else if (!strcmp(controllers + 1, "") && !*group)
            snprintf(group, sizeof group, "%s", where), v2 = true;
    }
    if (f)
        fclose(f);
    const char *root = !v2 ? "/sys/fs/cgroup/cpu"
                     : access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "/sys/fs/cgroup"
                     : "/sys/fs/cgroup/unified";
    double least = 0;
    for (;;) {
        snprintf(dir, sizeof dir, "%s%s", root, group);
        double cap = cap_in(dir, v2);
        if (cap > 0 && (least == 0 || cap < least))
            least = cap;
        char *slash = strrchr(group, '/');
        if (!slash || !group[1])
            break;   /* the root was just read */
        slash[slash == group] = '\0';   /* "/a/b" -> "/a", "/a" -> "/" */
    }
    return least;
}
