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

/* An unnamed file of our own (O_TMPFILE), or -1 where the file system has
 * none.  Never a named file removed at once: for that moment, student code
 * running as our own user could open it by its name. */
int lab_state_file(void)
{
    const char *dir = getenv("TMPDIR");
    return open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
}

/* ---- one walk over a lab, both ways ------------------------------------------------------ */

/* Saving puts every field in the order walk() names them, and loading gets
 * them back in that same order: one list, so the two cannot drift apart. */
struct io {
    FILE *f;
    bool load;
    bool ok;
};

static void bytes(struct io *io, void *p, size_t n)
{
    if (io->ok)
        io->ok = (io->load ? fread(p, 1, n, io->f) : fwrite(p, 1, n, io->f)) == n;
}

#define FIELD(io, x) bytes((io), &(x), sizeof(x))

/* A string as its length and bytes; NULL as the length UINT32_MAX.  Loaded
 * into memory of its own. */
static void text(struct io *io, char **s)
{
    uint32_t n = !io->load && *s ? (uint32_t)strlen(*s) : UINT32_MAX;
    FIELD(io, n);
    if (!io->load) {
        if (*s)
            bytes(io, *s, n);
        return;
    }
    *s = NULL;
    if (!io->ok || n == UINT32_MAX)
        return;
    if (!(*s = malloc((size_t)n + 1))) {
        io->ok = false;
        return;
    }
    bytes(io, *s, n);
    (*s)[n] = '\0';
}

static void walk(struct io *io, struct lab *lab)
{
    FIELD(io, lab->ntests);
    if (io->load && io->ok)
        io->ok = lab->ntests >= 0 && (lab->tests = calloc((size_t)lab->ntests + 1, sizeof *lab->tests));
    for (int i = 0; io->ok && i < lab->ntests; i++) {
        struct test *t = &lab->tests[i];
        text(io, &t->name);
        text(io, &t->look_at);
        text(io, &t->output);
        text(io, &t->note);
        FIELD(io, t->points);
        FIELD(io, t->timeout_s);
        FIELD(io, t->hidden);
        FIELD(io, t->passed);
        FIELD(io, t->seconds);
    }
    char *flag = (char *)lab->flag;   /* a constant when saved, a copy when loaded */
    text(io, &flag);
    lab->flag = flag;
    text(io, &lab->build_errors);
    text(io, &lab->flagged);
    text(io, &lab->warnings);
    text(io, &lab->review);
    FIELD(io, lab->handout_hidden_tests);
    FIELD(io, lab->handout_hidden_points);
}

/* Save or load lab through its own stream on fd (from the file's start). */
static bool carry(struct lab *lab, int fd, bool load)
{
    struct io io = {NULL, load, true};
    if (lseek(fd, 0, SEEK_SET) != 0 || !(io.f = fdopen(dup(fd), load ? "r" : "w")))
        return false;
    walk(&io, lab);
    return fclose(io.f) == 0 && io.ok;
}

bool lab_state_save(struct lab *lab, int fd) { return carry(lab, fd, false); }

bool lab_state_load(struct lab *lab, int fd) { return carry(lab, fd, true); }
