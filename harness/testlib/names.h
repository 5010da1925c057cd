/*
 * names.h - the --only and --passes lists: comma-separated names.  Shared
 * by the grader (grade.c) and the test programs (runner.c), which must agree
 * on what a list means; header-only so that each side compiles its own copy
 * from this one source, and neither links the other.
 */
#ifndef NAMES_H
#define NAMES_H

#include <stdbool.h>
#include <string.h>

/* Is name one of the comma-separated names in list?  A whole name only:
 * "test_a" is not in "test_ab". */
static inline bool name_in_list(const char *name, const char *list)
{
    size_t len = strlen(name);
    for (const char *p = list; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
            return true;
    }
    return false;
}

#endif
