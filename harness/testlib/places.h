/*
 * places.h - addresses and source lines in the words of feedback: where a
 * thread is (`buffer_get (mutexes.c:189)`), what a call was given
 * (`b->not_empty`), which file defines a function.  Used by the diagnosis
 * (diagnose.c), the sanitizer reports (sanitizer.c), "Look at" (cause.c) and
 * a schedule's timeline (timeline.c), in the runner.  One table of
 * addresses, which the diagnosis and the timeline each reset and fill for
 * a test, one after the other.
 */
#ifndef PLACES_H
#define PLACES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { PLACE_CHAIN = 4 };

struct place {               /* a source line and its function */
    char fn[96];
    char file[256];
    int line;
};

struct resolved {            /* one address: its inline chain, innermost first */
    uint64_t addr;
    struct place chain[PLACE_CHAIN];
    int depth;
};

/* Forget every address; student_files (space-separated paths, only their
 * basenames matter) are the files places_best() prefers. */
void places_reset(const char *student_files);

/* Note an address of the test program (relative, as addr2line wants it). */
void places_add(uint64_t addr);

/* Resolve every address noted since the reset: one addr2line run. */
void places_resolve(void);

/* A resolved address, or NULL. */
const struct resolved *places_find(uint64_t addr);

/* Is `file` (a path from debug information) one of the student's files? */
bool places_is_students(const char *file);

/* The innermost place among n addresses in the student's files, else in
 * the test's; NULL if none. */
const struct place *places_best(const uint64_t *addrs, int n);

/* places_best for one address, else its innermost place; NULL if it was
 * not resolved. */
const struct place *places_at(uint64_t addr);

/* "fn (file:line)", or "the test's fn (tests/f.c:line)". */
void places_describe(const struct place *pl, char *out, size_t size);

/* Where an address is, described; fn (if not NULL) gets its function when
 * that is the student's.  "an unknown place" if it cannot be resolved. */
void places_where(uint64_t addr, char *out, size_t size, char *fn, size_t fn_size);

/* A source file for reading: a path from debug information as it is, a
 * relative one (a kit path, "labs/03-mutexes/mutexes.c") from the kit's
 * root.  NULL if it cannot be opened. */
FILE *places_open(const char *file);

/* The first argument of the call to `call` on line `line` of `file`, without
 * a leading '&' (e.g. "b->lock" from "pthread_mutex_lock(&b->lock);").
 * Relative paths are taken from the kit's root.  False if not found. */
bool call_argument(const char *file, int line, const char *call, char *out, size_t size);

/* The length of the argument text starting at p, up to the ',' or ')'
 * that ends it (not one inside parentheses or brackets), without trailing
 * blanks. */
size_t argument_length(const char *p);

/* Is `file` (a path from debug information) one of the kit's tests?  A
 * test source sits directly in a folder named tests/ (labs/NN/tests/, and
 * the hidden tests' twin of it); a student's file sits directly in its lab's
 * folder, wherever that is. */
bool is_test_source(const char *file);

/* How feedback names a source file: "tests/2-bank.c" for a test, so the
 * student finds it in the lab's tests/ folder; the bare name otherwise. */
const char *source_name(const char *file);

#endif
