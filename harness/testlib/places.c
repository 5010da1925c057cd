/*
 * places.c - addresses and source lines as feedback names them: `function
 * (file:line)`, the student's files first, then the test's.
 *
 * Addresses become places through addr2line from binutils, which comes with
 * gcc on Debian (harness/scripts/deps.sh checks): one run for all the
 * addresses a diagnosis, or a schedule's timeline, needs.  Source lines are
 * read to name what a call was given ("b->not_empty"), and the student's
 * files to find where each of their functions is defined.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "places.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"   /* bounded feedback, cut on purpose */
#endif

#ifndef KIT_ROOT
#define KIT_ROOT "."
#endif

enum { MAX_ADDRS = 4096 };

static struct resolved addrs[MAX_ADDRS];
static int naddrs;
static const char *students = "";

void places_reset(const char *student_files)
{
    naddrs = 0;
    students = student_files;
}


void places_add(uint64_t a)
{
    if (!a || naddrs == MAX_ADDRS)
        return;
    for (int i = 0; i < naddrs; i++)
        if (addrs[i].addr == a)
            return;
    memset(&addrs[naddrs], 0, sizeof addrs[naddrs]);   /* the runner diagnoses many tests */
    addrs[naddrs++].addr = a;
}

static struct resolved *find(uint64_t a)
{
    for (int i = 0; a && i < naddrs; i++)
        if (addrs[i].addr == a)
            return &addrs[i];
    return NULL;
}

const struct resolved *places_find(uint64_t a)
{
    return find(a);
}

/* One addr2line's output: "-a" prints each address first, then function and
 * file:line pairs, innermost inline first (-i). */
static void read_places(FILE *p)
{
    char line[1024], fn[1024];
    struct resolved *cur = NULL;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "0x", 2) == 0) {
            cur = find(strtoull(line, NULL, 16));
            continue;
        }
        snprintf(fn, sizeof fn, "%s", line);
        if (!fgets(line, sizeof line, p))
            break;
        line[strcspn(line, "\n")] = '\0';
        if (!cur || cur->depth == PLACE_CHAIN)
            continue;
        struct place *pl = &cur->chain[cur->depth++];
        snprintf(pl->fn, sizeof pl->fn, "%s", fn);
        char *colon = strrchr(line, ':');
        pl->line = colon ? atoi(colon + 1) : 0;
        if (colon)
            *colon = '\0';
        snprintf(pl->file, sizeof pl->file, "%s", line);
    }
}

void places_resolve(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || naddrs == 0)
        return;
    exe[n] = '\0';
    size_t cap = 64 + strlen(exe) + (size_t)naddrs * 20;
    char *cmd = malloc(cap);
    size_t used = (size_t)snprintf(cmd, cap, "addr2line -a -f -i -e '%s'", exe);
    for (int i = 0; i < naddrs; i++)
        used += (size_t)snprintf(cmd + used, cap - used, " %llx", (unsigned long long)addrs[i].addr);
    snprintf(cmd + used, cap - used, " 2>/dev/null");
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p)
        return;
    read_places(p);
    pclose(p);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

bool places_is_students(const char *file)
{
    if (is_test_source(file))
        return false;
    const char *b = base_name(file);
    size_t len = strlen(b);
    for (const char *p = students; len && (p = strstr(p, b)); p += len) {
        bool starts = p == students || p[-1] == ' ' || p[-1] == '/';
        bool ends = p[len] == '\0' || p[len] == ' ';
        if (starts && ends)
            return true;
    }
    return false;
}

bool is_test_source(const char *file)
{
    const char *b = base_name(file);
    size_t folder = strlen("tests/");
    return (size_t)(b - file) >= folder && strncmp(b - folder, "tests/", folder) == 0 &&
           (b - file == (ptrdiff_t)folder || b[-folder - 1] == '/');
}

const char *source_name(const char *file)
{
    return is_test_source(file) ? base_name(file) - strlen("tests/") : base_name(file);
}

void places_describe(const struct place *pl, char *out, size_t size)
{
    if (is_test_source(pl->file))
        snprintf(out, size, "the test's %s (%s:%d)", pl->fn, source_name(pl->file), pl->line);
    else
        snprintf(out, size, "%s (%s:%d)", pl->fn, base_name(pl->file), pl->line);
}

/* The innermost place among `n` addresses that passes `want`. */
static const struct place *first_place(const uint64_t *a, int n, bool (*want)(const char *))
{
    for (int i = 0; i < n; i++) {
        const struct resolved *r = places_find(a[i]);
        for (int d = 0; r && d < r->depth; d++)
            if (r->chain[d].line > 0 && want(r->chain[d].file))
                return &r->chain[d];
    }
    return NULL;
}

/* Where an address (or a stack) is, in the student's files first. */
const struct place *places_best(const uint64_t *a, int n)
{
    const struct place *pl = first_place(a, n, places_is_students);
    return pl ? pl : first_place(a, n, is_test_source);
}

const struct place *places_at(uint64_t a)
{
    const struct place *pl = places_best(&a, 1);
    const struct resolved *r = pl ? NULL : places_find(a);
    return pl ? pl : r && r->depth ? &r->chain[0] : NULL;
}

void places_where(uint64_t a, char *out, size_t size, char *fn, size_t fn_size)
{
    const struct place *pl = places_at(a);
    if (pl) {
        places_describe(pl, out, size);
        if (fn && places_is_students(pl->file))
            snprintf(fn, fn_size, "%s", pl->fn);
    } else {
        snprintf(out, size, "an unknown place");
    }
}

/* ---- the source ------------------------------------------------------------------- */

size_t argument_length(const char *p)
{
    size_t len = 0;
    int depth = 0;
    while (p[len] && !(depth == 0 && (p[len] == ',' || p[len] == ')'))) {
        depth += p[len] == '(' || p[len] == '[';
        depth -= p[len] == ')' || p[len] == ']';
        len++;
    }
    while (len && isspace((unsigned char)p[len - 1]))
        len--;
    return len;
}

FILE *places_open(const char *file)
{
    char path[4096];
    if (file[0] == '/')
        snprintf(path, sizeof path, "%s", file);
    else
        snprintf(path, sizeof path, "%s/%s", KIT_ROOT, file);
    return fopen(path, "r");
}

bool call_argument(const char *file, int line, const char *call, char *out, size_t size)
{
    FILE *f = places_open(file);
    if (!f)
        return false;
    char text[1024];
    bool found = false;
    for (int n = 1; fgets(text, sizeof text, f); n++) {
        if (n < line)
            continue;
        char *p = strstr(text, call);
        if (p && p[strlen(call)] == '(') {
            p += strlen(call) + 1;
            while (*p == ' ' || *p == '&')
                p++;
            size_t len = argument_length(p);
            if (len && len < size) {
                snprintf(out, size, "%.*s", (int)len, p);
                found = true;
            }
        }
        break;
    }
    fclose(f);
    return found;
}

