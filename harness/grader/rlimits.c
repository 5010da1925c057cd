/*
 * rlimits.c - the limits student code runs under.
 *
 * They are generous for correct code and stop runaway code: a fork bomb, a
 * memory hog, a disk flood, a descriptor leak, a spin that outlives its
 * timeout.  Each can be tuned through the environment, for example
 *     GRADE_LIMIT_NPROC=512 make grade
 * README.md ("Resource limits") lists them with their defaults.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rlimits.h"

static rlim_t setting(const char *env, rlim_t fallback)
{
    const char *v = getenv(env);
    return v && *v ? (rlim_t)strtoull(v, NULL, 10) : fallback;
}

static void limit(int resource, rlim_t n)
{
    struct rlimit r = {n, n};
    setrlimit(resource, &r);
}

/* Processes owned by uid right now.  RLIMIT_NPROC counts all of a user's
 * processes, desktop included, so the limit is this many plus a margin. */
static rlim_t processes_of(uid_t uid)
{
    rlim_t n = 0;
    DIR *proc = opendir("/proc");
    for (struct dirent *e; proc && (e = readdir(proc));) {
        char path[300], line[256];
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        while (f && fgets(line, sizeof line, f)) {
            unsigned real;
            if (sscanf(line, "Uid: %u", &real) == 1) {
                n += real == uid;
                break;
            }
        }
        if (f)
            fclose(f);
    }
    if (proc)
        closedir(proc);
    return n;
}

void apply_limits(bool sanitizer, uid_t uid)
{
    limit(RLIMIT_CORE, 0);                                           /* no core dumps */
    limit(RLIMIT_CPU, setting("GRADE_LIMIT_CPU", 120));              /* s per process */
    limit(RLIMIT_FSIZE, setting("GRADE_LIMIT_FSIZE", 64u << 20));    /* bytes a file */
    limit(RLIMIT_NOFILE, setting("GRADE_LIMIT_NOFILE", 256));
    limit(RLIMIT_NPROC, processes_of(uid) + setting("GRADE_LIMIT_NPROC", 512));
    /* Sanitizers reserve terabytes of address space for shadow memory, so the
     * address-space limit applies to the plain pass only.  Only tests that
     * passed the plain pass run under a sanitizer, so a memory hog has
     * already been stopped there. */
    if (!sanitizer)
        limit(RLIMIT_AS, setting("GRADE_LIMIT_AS", 4ull << 30));
}
