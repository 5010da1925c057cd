/* sandbox.h - run an untrusted test program and always get control back. */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

struct sandbox_result {
    char *records;      /* everything written to the record channel (fd 3) */
    size_t records_len;
    int exit_status;    /* as from waitpid(); -1 if we had to kill it */
    int timed_out;      /* the whole run hit its deadline */
    double seconds;
};

/* Call once, before any run: makes orphans of the programs we run our
 * children, so sandbox_run() can find and kill anything a test left behind,
 * and finds out what isolation this machine allows, for test programs in the
 * absolute folder build writing under out (both, and the working folder, the
 * kit's, must be reachable by the user they run as).  Returns a one-line
 * description. */
const char *sandbox_init(const char *build, const char *out);

/* In a process forked after sandbox_init to grade beside others: a uid of
 * its own for student code (sandbox_run kills every process of its uid at
 * the end of a run, which must not reach a neighbour's), and the orphans of
 * the programs it runs re-parented to it, not to its parent. */
void sandbox_own_process(void);

/* Make dir usable by the user student code runs as. */
void sandbox_share_dir(const char *dir);

/* Run argv in workdir with the record channel on fd 3, stdin from /dev/null,
 * stdout and stderr into log_path, under resource limits (the address-space
 * limit only when !sanitizer), in its own process group, without network and
 * as an unprivileged user where the machine allows.  Kill everything it
 * started once it exits or deadline_s passes. */
int sandbox_run(char *const argv[], const char *workdir, const char *log_path,
                double deadline_s, bool sanitizer, struct sandbox_result *result);

#endif
