/*
 * rlimits.c - the resource limits student code runs under.
 *
 * Each limit can be tuned by an instructor through the environment, e.g.
 * GRADE_LIMIT_NOFILE=512 make grade.  They are generous for correct code and
 * only stop runaway code: a fork bomb, a disk flood, a descriptor leak.
 */
#include <stdlib.h>
#include <sys/resource.h>

#include "rlimits.h"

static void limit(int resource, const char *env, rlim_t fallback)
{
    const char *v = getenv(env);
    rlim_t n = v && *v ? (rlim_t)strtoull(v, NULL, 10) : fallback;
    struct rlimit r = {n, n};
    setrlimit(resource, &r);
}

void apply_limits(void)
{
    limit(RLIMIT_CORE, "GRADE_LIMIT_CORE", 0);                  /* no core dumps */
    limit(RLIMIT_CPU, "GRADE_LIMIT_CPU", 300);                  /* seconds, per process */
    limit(RLIMIT_FSIZE, "GRADE_LIMIT_FSIZE", 64u << 20);        /* bytes per file */
    limit(RLIMIT_NOFILE, "GRADE_LIMIT_NOFILE", 256);
}
