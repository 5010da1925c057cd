/*
 * sanitizer.c - a sanitizer's report, read for a student.
 *
 * A report is a header line ("WARNING: ThreadSanitizer: data race (pid=1)"),
 * then sections: an indented heading ("  Write of size 8 at ... by thread T3
 * (mutexes: write M9):") and its stack, one "    #N function file:line
 * (module+0x...)" line a frame.  The headline names each stack by its
 * innermost frame in the student's files (else the test's, else any frame
 * outside the kit and the sanitizer's runtime), and a race's two accesses
 * with the locks they held, named from the source line that created or
 * first locked each mutex.  The SUMMARY line is not used: it names the
 * innermost frame whatever it is, which can be the kit's own wrapper.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "places.h"
#include "sanitizer.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"   /* bounded feedback, cut on purpose */
#endif

enum { SECTIONS = 16, FRAMES = 24 };

struct frame {
    char fn[128];
    char file[512];
    int line;
};

struct section {
    char heading[512];
    struct frame frames[FRAMES];
    int nframes;
};

static struct section sections[SECTIONS];
static int nsections;

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static bool in_list(const char *file, const char *list)
{
    const char *b = base_name(file);
    size_t len = strlen(b);
    for (const char *p = list; len && (p = strstr(p, b)); p += len)
        if ((p == list || p[-1] == ' ' || p[-1] == '/') && (p[len] == '\0' || p[len] == ' '))
            return true;
    return false;
}


/* One of the student's files (a test may not share a student file's name). */
static bool is_students(const char *file, const char *students)
{
    return !is_test_source(file) && in_list(file, students);
}

/* The kit's harness and the sanitizer's runtime are never the place to look. */
static bool is_kit(const struct frame *f)
{
    return strstr(f->file, "harness/") || strstr(f->file, "libsanitizer") || f->line == 0;
}

static const struct frame *best_frame(const struct section *s, const char *students)
{
    for (int i = 0; i < s->nframes; i++)
        if (is_students(s->frames[i].file, students))
            return &s->frames[i];
    for (int i = 0; i < s->nframes; i++)
        if (is_test_source(s->frames[i].file))
            return &s->frames[i];
    for (int i = 0; i < s->nframes; i++)
        if (!is_kit(&s->frames[i]))
            return &s->frames[i];
    return NULL;
}

static void describe(const struct frame *f, char *out, size_t size, const char *extra)
{
    if (!f)
        snprintf(out, size, "an unknown place");
    else
        snprintf(out, size, "%s (%s:%d%s)", f->fn, source_name(f->file), f->line, extra);
}

/* "    #2 counter_init /tmp/x/mutexes.c:15:3 (tests-tsan+0x4af8)" */
static void parse_frame(const char *line, struct frame *f)
{
    memset(f, 0, sizeof *f);
    const char *p = strchr(line, '#');
    p = p ? strchr(p, ' ') : NULL;
    if (!p)
        return;
    while (*p == ' ')
        p++;
    if (strncmp(p, "0x", 2) == 0 && strstr(p, " in ")) {   /* ASan: "#0 0x4f in fn file:line" */
        p = strstr(p, " in ") + 4;
    }
    size_t n = strcspn(p, " ");
    snprintf(f->fn, sizeof f->fn, "%.*s", (int)n, p);
    p += n;
    while (*p == ' ')
        p++;
    n = strcspn(p, " \n");
    char loc[512];
    snprintf(loc, sizeof loc, "%.*s", (int)n, p);
    /* file:line or file:line:column */
    char *colon = strrchr(loc, ':');
    if (colon && strchr(loc, ':') != colon) {
        char *prev = colon - 1;
        while (prev > loc && *prev != ':')
            prev--;
        if (*prev == ':' && atoi(colon + 1) > 0 && atoi(prev + 1) > 0) {
            *colon = '\0';
            colon = prev;
        }
    }
    if (colon && atoi(colon + 1) > 0) {
        f->line = atoi(colon + 1);
        *colon = '\0';
        snprintf(f->file, sizeof f->file, "%s", loc);
    }
}

static void parse(FILE *in, char *header, size_t hsize, char *summary, size_t ssize)
{
    char line[2048];
    nsections = 0;
    struct section *cur = NULL;
    header[0] = summary[0] = '\0';
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\n")] = '\0';
        const char *start = strncmp(line, "WARNING: ", 9) == 0 ? line + 9
                            : strstr(line, "ERROR: ") ? strstr(line, "ERROR: ") + 7 : NULL;
        if (!*header && start && strstr(start, "Sanitizer: ")) {
            snprintf(header, hsize, "%s", start);
        } else if (strncmp(line, "SUMMARY: ", 9) == 0) {
            snprintf(summary, ssize, "%s", line + 9);
        } else if (strncmp(line, "    #", 5) == 0) {
            if (cur && cur->nframes < FRAMES)
                parse_frame(line, &cur->frames[cur->nframes++]);
        } else if (line[0] && line[strlen(line) - 1] == ':' && nsections < SECTIONS) {
            cur = &sections[nsections++];
            memset(cur, 0, sizeof *cur);
            snprintf(cur->heading, sizeof cur->heading, "%s", line);
        } else if (!line[0]) {
            cur = NULL;
        }
    }
}

/* A mutex by the call that created it (or first locked it): "c->lock". */
static void mutex_name(const char *id, const char *students, char *out, size_t size)
{
    char want[64];
    snprintf(want, sizeof want, "Mutex %s ", id);
    for (int i = 0; i < nsections; i++) {
        if (!strstr(sections[i].heading, want))
            continue;
        const struct frame *f = best_frame(&sections[i], students);
        static const char *const calls[] = {"pthread_mutex_init", "pthread_mutex_lock",
                                            "pthread_mutex_trylock", "pthread_mutex_timedlock"};
        for (size_t c = 0; f && c < sizeof calls / sizeof calls[0]; c++)
            if (call_argument(f->file, f->line, calls[c], out, size)) {
                /* A helper's parameter ("m" in my_init(pthread_mutex_t *m)) says
                 * little: take the argument its caller passed, if it is ours. */
                const struct frame *out_one = f + 1;
                char outer[128];
                if (strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
                        strlen(out) && out_one < sections[i].frames + sections[i].nframes &&
                    is_students(out_one->file, students) &&
                    call_argument(out_one->file, out_one->line, f->fn, outer, sizeof outer))
                    snprintf(out, size, "%s", outer);
                return;
            }
        if (f) {
            snprintf(out, size, "the mutex made in %s", f->fn);
            return;
        }
    }
    snprintf(out, size, "a lock");
}

/* ", holding a and b" or ", no lock", from "(mutexes: write M9, read M10)". */
static void locks_held(const char *heading, const char *students, char *out, size_t size)
{
    const char *m = strstr(heading, "(mutexes:");
    if (!m) {
        snprintf(out, size, ", no lock");
        return;
    }
    snprintf(out, size, ", holding ");
    int n = 0;
    for (const char *p = m; (p = strchr(p + 1, 'M')) && p < strchr(m, ')');) {
        if (p[1] < '0' || p[1] > '9')
            continue;
        char id[16], name[128];
        snprintf(id, sizeof id, "%.*s", (int)strspn(p + 1, "0123456789") + 1, p);
        mutex_name(id, students, name, sizeof name);
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", n++ ? " and " : "", name);
    }
}

static void add_look(struct san_report *r, const struct frame *f, const char *students)
{
    if (!f || !is_students(f->file, students) || strstr(r->look_at, f->fn))
        return;
    size_t used = strlen(r->look_at);
    snprintf(r->look_at + used, sizeof r->look_at - used, "%s%s", used ? ", " : "", f->fn);
}

bool san_read(const char *path, const char *students, struct san_report *r)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char header[512], summary[512];
    parse(f, header, sizeof header, summary, sizeof summary);
    fclose(f);
    memset(r, 0, sizeof *r);

    /* "ThreadSanitizer: data race (pid=1)", "AddressSanitizer: heap-use-after-free on ..." */
    const char *colon = strstr(header, ": ");
    snprintf(r->tool, sizeof r->tool, "%.*s", colon ? (int)(colon - header) : 0, header);
    if (!*r->tool)
        snprintf(r->tool, sizeof r->tool, "a sanitizer");
    const char *kind = colon ? colon + 2 : "an error";
    size_t n = strcspn(kind, "(");
    if (strstr(kind, " on address"))
        n = (size_t)(strstr(kind, " on address") - kind);
    while (n && kind[n - 1] == ' ')
        n--;
    snprintf(r->kind, sizeof r->kind, "%.*s", (int)n, kind);
    if (strstr(r->kind, "detected memory leaks") && strstr(summary, "leaked"))
        snprintf(r->kind, sizeof r->kind, "%s", strchr(summary, ' ') ? strchr(summary, ' ') + 1 : summary);

    /* A race's two accesses are its first two sections with a size. */
    const struct section *access[2] = {NULL, NULL};
    for (int i = 0, k = 0; i < nsections && k < 2; i++)
        if (strstr(sections[i].heading, " of size "))
            access[k++] = &sections[i];
    const struct frame *top[2] = {NULL, NULL};
    if (strstr(r->kind, "data race") && access[1]) {
        char where[2][768], held[2][300];
        for (int k = 0; k < 2; k++) {
            top[k] = best_frame(access[k], students);
            locks_held(access[k]->heading, students, held[k], sizeof held[k]);
            describe(top[k], where[k], sizeof where[k], held[k]);
            add_look(r, top[k], students);
        }
        snprintf(r->headline, sizeof r->headline, "%s: %s and %s", r->kind, where[0], where[1]);
        /* One access unlocked, one locked: the unlocked one is the bug, whatever
         * it raced with this time, so it alone is the race's signature. */
        bool locked0 = strstr(held[0], "holding"), locked1 = strstr(held[1], "holding");
        if (locked0 != locked1) {
            top[0] = locked0 ? top[1] : top[0];
            top[1] = NULL;
        }
    } else {
        const struct section *first = nsections ? &sections[0] : NULL;
        top[0] = first ? best_frame(first, students) : NULL;
        /* the next frame out: the second of the "two top frames" */
        for (int i = 0; first && top[0] && i + 1 < first->nframes; i++)
            if (&first->frames[i] == top[0])
                top[1] = &first->frames[i + 1];
        char where[768];
        describe(top[0], where, sizeof where, "");
        snprintf(r->headline, sizeof r->headline, "%s in %s", r->kind, where);
        /* An inversion has two sides, and the bug may be on either: name each
         * place that takes a lock while holding another. */
        if (strstr(r->kind, "lock-order-inversion")) {
            snprintf(r->headline, sizeof r->headline, "%s: the locks are taken in opposite "
                     "orders by", r->kind);
            char seen[768] = "";
            for (int i = 0, n = 0; i < nsections; i++) {
                const struct frame *f = strstr(sections[i].heading, "acquired here")
                                        ? best_frame(&sections[i], students) : NULL;
                describe(f, where, sizeof where, "");
                if (!f || strstr(seen, where))
                    continue;
                size_t used = strlen(r->headline);
                snprintf(r->headline + used, sizeof r->headline - used, "%s %s",
                         n++ ? " and" : "", where);
                used = strlen(seen);
                snprintf(seen + used, sizeof seen - used, "%s;", where);
            }
        }
        for (int i = 0; i < nsections; i++)
            add_look(r, best_frame(&sections[i], students), students);
    }
    snprintf(r->signature, sizeof r->signature, "%s|%s:%d|%s:%d", r->kind,
             top[0] ? top[0]->fn : "", top[0] ? top[0]->line : 0,
             top[1] ? top[1]->fn : "", top[1] ? top[1]->line : 0);
    return true;
}

static bool holds_error(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, "ERROR: ") || strstr(line, "WARNING: ThreadSanitizer") ||
                strncmp(line, "SUMMARY: ", 9) == 0;
    if (f)
        fclose(f);
    return found;
}

bool san_find(const char *outdir, const char *name, char *path, size_t size)
{
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s.san.", name);
    DIR *dir = opendir(outdir);
    if (!dir)
        return false;
    bool found = false;
    for (struct dirent *e; !found && (e = readdir(dir));) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            snprintf(path, size, "%s/%s", outdir, e->d_name);
            found = holds_error(path);
        }
    }
    closedir(dir);
    return found;
}

const char *san_advice(const char *kind)
{
    if (strstr(kind, "data race"))
        return "two threads touched the same memory at once, at least one "
               "writing, with no lock or atomic ordering them";
    if (strstr(kind, "lock-order-inversion"))
        return "two locks are taken in opposite orders on different paths: "
               "a deadlock waiting to happen; always take them in one fixed order";
    if (strstr(kind, "thread leak"))
        return "a thread was still there (finished or not) when the test's process ended: "
               "join every thread you start";
    if (strstr(kind, "leak"))
        return "memory allocated during the test was never freed";
    if (strstr(kind, "use-after-free"))
        return "memory was used after it was freed";
    if (strstr(kind, "unlock of an unlocked mutex") || strstr(kind, "destroy of a locked mutex"))
        return "a mutex was used in a way POSIX leaves undefined";
    return "see the report below";
}
