/* rlimits.h - the limits student code runs under. */
#ifndef RLIMITS_H
#define RLIMITS_H

#include <stdbool.h>
#include <sys/types.h>

/* Apply the limits to the calling process (a sandboxed child, before exec),
 * which will run as uid.  Each has a default and an environment override,
 * listed in rlimits.c. */
void apply_limits(bool sanitizer, uid_t uid);

#endif
