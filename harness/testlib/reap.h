/* reap.h - kill and reap whatever a test left behind. */
#ifndef REAP_H
#define REAP_H

/* Kill (SIGKILL) and reap every child of the calling process until none is
 * left.  Call it as a child subreaper (PR_SET_CHILD_SUBREAPER): then orphans
 * anywhere below have become our children and are caught too. */
void reap_all_children(void);

#endif
