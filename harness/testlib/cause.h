/*
 * cause.h - what a failed test probably follows from, and where to look.
 *
 * One bug often fails several tests.  The runner tells each failure of a
 * pass to cause_follows() in the order the tests run; a failure that an
 * earlier one of the same pass already explains (the same sanitizer
 * report, the same verdict over the same functions, or a check whose words
 * name a function the earlier failure named) gets that test's name, so its
 * feedback can start with "probably the same cause as <test>".
 */
#ifndef CAUSE_H
#define CAUSE_H

#include <stdbool.h>
#include <stddef.h>

enum cause_kind { CAUSE_CHECK, CAUSE_VERDICT, CAUSE_REPORT };

struct failure {
    const char *test;
    enum cause_kind kind;
    const char *signature;   /* CAUSE_REPORT: the report's; CAUSE_VERDICT: its first word */
    const char *words;       /* the failure's own words: the check's, the verdict, the headline */
    const char *derived;     /* "a, b": functions where it happened (stacks, report frames) */
    const char *declared;    /* "a, b": the test's declaration */
    bool missing_waker;      /* nobody signalled what threads wait for: the function that
                                should have is not among the derived; the declared lead */
};

/* Once, before any: the student's files (kit paths, space-separated), whose
 * function definitions are read from the source to know their names and files. */
void cause_prepare(const char *student_files);

/* The earlier failed test of this pass that f probably follows from, or
 * NULL; then f is remembered for the tests after it. */
const char *cause_follows(const struct failure *f);

/* Where to look, each function with its own file, the likeliest first:
 * "buffer_put, buffer_get in labs/03-mutexes/mutexes.c". */
void cause_look_at(const struct failure *f, char *out, size_t size);

#endif
