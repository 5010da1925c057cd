/* rlimits.h - the resource limits student code runs under. */
#ifndef RLIMITS_H
#define RLIMITS_H

/* Apply the limits to the calling process (a sandboxed child, before exec).
 * Each has a default and an environment override, listed in rlimits.c. */
void apply_limits(void);

#endif
