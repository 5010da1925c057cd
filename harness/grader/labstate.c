/*
 * labstate.c - a lab's grading, carried from the process that graded it to
 * the one that reports.  The grader grades labs side by side, each in a
 * process of its own (grade.c); what that process found about its lab
 * crosses back through an unnamed file, written once and read once by the
 * same binary.
 *
 * No test program can reach the file: it has no name, and its descriptor is
 * close-on-exec, so the programs the lab's process starts never hold it.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labstate.h"

/* An unnamed file of our own, or -1: O_TMPFILE where the file system has
 * it, else a named one removed at once. */
int lab_state_file(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char path[4096];
    snprintf(path, sizeof path, "%s/grade-lab-XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* ---- writing -------------------------------------------------------------------------- */

static void put(FILE *f, const void *p, size_t n) { fwrite(p, 1, n, f); }

/* A string as its length and bytes; NULL as the length UINT32_MAX. */
static void put_str(FILE *f, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;
    put(f, &n, sizeof n);
    if (s)
        put(f, s, n);
}

bool lab_state_save(const struct lab *lab, int fd)
{
    FILE *f = fdopen(dup(fd), "w");
    if (!f)
        return false;
    put(f, &lab->ntests, sizeof lab->ntests);
    for (int i = 0; i < lab->ntests; i++) {
        const struct test *t = &lab->tests[i];
        put_str(f, t->name);
        put_str(f, t->look_at);
        put_str(f, t->output);
        put_str(f, t->note);
        put(f, &t->points, sizeof t->points);
        put(f, &t->timeout_s, sizeof t->timeout_s);
        put(f, &t->hidden, sizeof t->hidden);
        put(f, &t->passed, sizeof t->passed);
        put(f, &t->seconds, sizeof t->seconds);
    }
    put_str(f, lab->build_errors);
    put_str(f, lab->flag);
    put_str(f, lab->flagged);
    put_str(f, lab->warnings);
    put_str(f, lab->review);
    put(f, &lab->handout_hidden_tests, sizeof lab->handout_hidden_tests);
    put(f, &lab->handout_hidden_points, sizeof lab->handout_hidden_points);
    bool ok = !ferror(f);
    return fclose(f) == 0 && ok;
}

/* ---- reading -------------------------------------------------------------------------- */

static bool get(FILE *f, void *p, size_t n) { return fread(p, 1, n, f) == n; }

/* A string put_str wrote, in memory of its own (NULL stays NULL). */
static bool get_str(FILE *f, char **s)
{
    uint32_t n;
    *s = NULL;
    if (!get(f, &n, sizeof n))
        return false;
    if (n == UINT32_MAX)
        return true;
    if (!(*s = malloc((size_t)n + 1)) || !get(f, *s, n))
        return false;
    (*s)[n] = '\0';
    return true;
}

bool lab_state_load(struct lab *lab, int fd)
{
    if (lseek(fd, 0, SEEK_SET) != 0)
        return false;
    FILE *f = fdopen(dup(fd), "r");
    if (!f)
        return false;
    bool ok = get(f, &lab->ntests, sizeof lab->ntests) && lab->ntests >= 0 &&
              (lab->tests = calloc((size_t)lab->ntests + 1, sizeof *lab->tests));
    for (int i = 0; ok && i < lab->ntests; i++) {
        struct test *t = &lab->tests[i];
        ok = get_str(f, &t->name) && get_str(f, &t->look_at) && get_str(f, &t->output) &&
             get_str(f, &t->note) && get(f, &t->points, sizeof t->points) &&
             get(f, &t->timeout_s, sizeof t->timeout_s) && get(f, &t->hidden, sizeof t->hidden) &&
             get(f, &t->passed, sizeof t->passed) && get(f, &t->seconds, sizeof t->seconds);
    }
    char *flag = NULL;
    ok = ok && get_str(f, &lab->build_errors) && get_str(f, &flag) && get_str(f, &lab->flagged) &&
         get_str(f, &lab->warnings) && get_str(f, &lab->review) &&
         get(f, &lab->handout_hidden_tests, sizeof lab->handout_hidden_tests) &&
         get(f, &lab->handout_hidden_points, sizeof lab->handout_hidden_points);
    lab->flag = flag;
    fclose(f);
    return ok;
}
