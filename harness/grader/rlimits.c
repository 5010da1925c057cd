/*
 * rlimits.c - the limits student code runs under.
 *
 * They are generous for correct code and stop runaway code: a fork bomb, a
 * memory hog, a disk flood, a descriptor leak, a spin that outlives its
 * timeout.  Each can be tuned through the environment, for example
 *     GRADE_LIMIT_NPROC=512 make grade
 * README.md ("Resource limits") lists them with their defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "reap.h"
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

/* 1 if /proc/PID/status says the process is uid's. */
static int owned_by(int pid, const char *status, void *uid)
{
    (void)pid;
    const char *line = strstr(status, "\nUid:");
    unsigned real;
    return line && sscanf(line + 1, "Uid: %u", &real) == 1 && real == *(uid_t *)uid;
}

/* Processes owned by uid right now.  RLIMIT_NPROC counts all of a user's
 * processes, desktop included, so the limit is this many plus a margin. */
static rlim_t processes_of(uid_t uid)
{
    return (rlim_t)procs_each("status", owned_by, &uid);
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
