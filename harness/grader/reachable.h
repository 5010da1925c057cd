/* reachable.h - let the student's uid through folders closed to it. */
#ifndef REACHABLE_H
#define REACHABLE_H

#include <stdbool.h>
#include <sys/types.h>

/* Find, for each absolute folder in paths (NULL-ended), the folders above it
 * that uid:gid may not enter.  Returns how many: 0 when every path is open
 * already, -1 when there are more than reachable.c can cover. */
int reachable_plan(const char *const paths[], uid_t uid, gid_t gid);

/* Root only, in a process about to become uid: open the way planned, in a
 * mount namespace of this process's own.  False if this machine refuses
 * (no mount namespace, no tmpfs, or mounts it cannot make private). */
bool reachable_make(void);

#endif
