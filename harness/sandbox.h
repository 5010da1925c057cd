/* sandbox.h - run an untrusted test program and always get control back. */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stddef.h>

struct sandbox_result {
    char *records;      /* everything written to the record channel (fd 3) */
    size_t records_len;
    int exit_status;    /* as from waitpid(); -1 if we had to kill it */
    int timed_out;      /* the whole run hit its deadline */
    double seconds;
};

/* Call once, early: makes orphans of the programs we run our children, so
 * sandbox_run() can find and kill anything a test left behind. */
void sandbox_init(void);

/* Run argv with the record channel on fd 3, stdin from /dev/null, stdout and
 * stderr into log_path, under resource limits, in its own process group.
 * Kill everything it started once it exits or deadline_s passes. */
int sandbox_run(char *const argv[], const char *log_path, double deadline_s,
                struct sandbox_result *result);

#endif
