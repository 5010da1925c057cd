/*
 * sanitizer.h - read a sanitizer's report (ThreadSanitizer, AddressSanitizer,
 * LeakSanitizer) into a one-line headline that names the student's code, and
 * a signature that tells one bug's reports apart from another's.
 */
#ifndef SANITIZER_H
#define SANITIZER_H

#include <stdbool.h>
#include <stddef.h>

struct san_report {
    char tool[32];          /* "ThreadSanitizer" */
    char kind[128];         /* "data race", "heap-use-after-free", ... */
    char headline[1024];    /* "data race: counter_incr (mutexes.c:23, holding c->lock) and ..." */
    char signature[512];    /* kind and the two top frames: same bug, same signature */
    char look_at[256];      /* the student's functions it names, "a, b" */
};

/* A report of an error left by test `name` in `outdir` (name.san.<pid>). */
bool san_find(const char *outdir, const char *name, char *path, size_t size);

/* Parse the report at `path`; student_files as in diagnose(). */
bool san_read(const char *path, const char *student_files, struct san_report *r);

/* What the kind of error means, in a sentence. */
const char *san_advice(const char *kind);

#endif
