/*
 * cause.c - which earlier failure explains a failure, and the functions to
 * look at, each with its own file.  Runs in the runner, which runs one
 * pass's tests in order: the memory of earlier failures is that pass's.
 *
 * The student's functions are found in their files' source: a definition
 * starts in column 0 with its return type, and the name stands right before
 * the first '('.  Those names are what a check's words are searched for.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cause.h"
#include "places.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"   /* bounded feedback, cut on purpose */
#endif

enum { FUNCTIONS = 512, FAILURES = 256, NAMES = 512 };

static struct {
    char name[64];
    char file[256];              /* as the student's files list spells it */
} functions[FUNCTIONS];
static int nfunctions;

static struct {
    char test[128];
    enum cause_kind kind;
    char signature[512];
    char names[NAMES];           /* ",a,b,": named in its words or where it happened */
} failures[FAILURES];
static int nfailures;

/* The function a line of C defines, if it starts one: "static int f(" -> f. */
static bool defines(const char *line, char *name, size_t size)
{
    if (!isalpha((unsigned char)line[0]) && line[0] != '_')
        return false;
    if (!strncmp(line, "typedef", 7))
        return false;
    const char *paren = strchr(line, '(');
    const char *end = line + strcspn(line, "\n");
    if (!paren || (end > line && end[-1] == ';') || strchr(line, '='))
        return false;
    const char *p = paren;
    while (p > line && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
        p--;
    if (p == paren || (size_t)(paren - p) >= size)
        return false;
    snprintf(name, size, "%.*s", (int)(paren - p), p);
    return true;
}

static void read_definitions(const char *file)
{
    char line[1024], name[64];
    FILE *f = places_open(file);
    while (f && fgets(line, sizeof line, f) && nfunctions < FUNCTIONS)
        if (defines(line, name, sizeof name)) {
            snprintf(functions[nfunctions].name, sizeof functions[0].name, "%s", name);
            snprintf(functions[nfunctions++].file, sizeof functions[0].file, "%s", file);
        }
    if (f)
        fclose(f);
}

void cause_prepare(const char *student_files)
{
    char file[256];
    nfunctions = nfailures = 0;
    for (const char *p = student_files; *p;) {
        size_t n = strcspn(p, " ");
        if (n && n < sizeof file) {
            snprintf(file, sizeof file, "%.*s", (int)n, p);
            read_definitions(file);
        }
        p += n + (p[n] == ' ');
    }
}

/* ---- names ------------------------------------------------------------------------ */

static bool word_at(const char *text, const char *at, size_t len)
{
    bool starts = at == text || !(isalnum((unsigned char)at[-1]) || at[-1] == '_');
    bool ends = !(isalnum((unsigned char)at[len]) || at[len] == '_');
    return starts && ends;
}

/* Does text name function `name`, as a whole word? */
static bool names(const char *text, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = text; len && (p = strstr(p, name)); p += len)
        if (word_at(text, p, len))
            return true;
    return false;
}

/* Is name in the ",a,b," list? */
static bool listed(const char *list, const char *name)
{
    char padded[84];
    snprintf(padded, sizeof padded, ",%s,", name);
    return strstr(list, padded) != NULL;
}

/* Append name to a ",a,b," list unless it is there. */
static void note(char *list, size_t size, const char *name)
{
    if (listed(list, name))
        return;
    size_t used = strlen(list);
    snprintf(list + used, size - used, "%s%s,", used ? "" : ",", name);
}

/* The next name of a list (",a,b," or "a, b") from p into name; NULL at its end. */
static const char *next_name(const char *p, char *name, size_t size)
{
    p += strspn(p, ", ");
    size_t n = strcspn(p, ", ");
    if (!n)
        return NULL;
    snprintf(name, size, "%.*s", (int)(n < size ? n : size - 1), p);
    return p + n;
}

/* Every student function in a "a, b" list, into ",a,b,". */
static void note_list(char *list, size_t size, const char *functions_)
{
    char name[80];
    for (const char *p = functions_ ? functions_ : ""; (p = next_name(p, name, sizeof name));)
        note(list, size, name);
}

/* The student's functions the words name, into ",a,b,". */
static void note_named(char *list, size_t size, const char *words)
{
    for (int i = 0; words && i < nfunctions; i++)
        if (names(words, functions[i].name))
            note(list, size, functions[i].name);
}

/* Do two ",a,b," lists share a name? */
static bool overlap(const char *a, const char *b)
{
    char name[80];
    for (const char *p = a; (p = next_name(p, name, sizeof name));)
        if (listed(b, name))
            return true;
    return false;
}

/* ---- the earlier failure -------------------------------------------------------------- */

const char *cause_follows(const struct failure *f)
{
    char named[NAMES] = "", all[NAMES] = "", derived[NAMES] = "";
    note_named(named, sizeof named, f->words);
    note_list(derived, sizeof derived, f->derived);
    snprintf(all, sizeof all, "%s", named);
    note_list(all, sizeof all, f->derived);
    const char *earlier = NULL;
    for (int i = 0; i < nfailures && !earlier; i++) {
        bool same_kind = failures[i].kind == f->kind &&
                         !strcmp(failures[i].signature, f->signature ? f->signature : "");
        if ((f->kind == CAUSE_REPORT && same_kind) ||
            (f->kind == CAUSE_VERDICT && same_kind && overlap(derived, failures[i].names)) ||
            (f->kind == CAUSE_CHECK && overlap(named, failures[i].names)))
            earlier = failures[i].test;
    }
    if (nfailures < FAILURES) {
        snprintf(failures[nfailures].test, sizeof failures[0].test, "%s", f->test);
        failures[nfailures].kind = f->kind;
        snprintf(failures[nfailures].signature, sizeof failures[0].signature, "%s",
                 f->signature ? f->signature : "");
        snprintf(failures[nfailures++].names, NAMES, "%s", all);
    }
    return earlier;
}

/* ---- where to look ---------------------------------------------------------------------- */

static const char *file_of(const char *name)
{
    for (int i = 0; i < nfunctions; i++)
        if (!strcmp(functions[i].name, name))
            return functions[i].file;
    return NULL;
}

/* The names of `list` defined in `file`, from p on, that are not done yet:
 * ", b, c" onto out, and into done. */
static void same_file(const char *p, const char *file, char *done, char *out, size_t size)
{
    char name[80];
    while ((p = next_name(p, name, sizeof name))) {
        const char *other = file_of(name);
        if (other && !strcmp(other, file) && !listed(done, name)) {
            size_t used = strlen(out);
            snprintf(out + used, size - used, ", %s", name);
            note(done, NAMES, name);
        }
    }
}

/* ",a,b,c," as "a, b in file1; c in file2", in order of first mention. */
static void by_file(const char *list, char *out, size_t size)
{
    char done[NAMES] = "", name[80];
    out[0] = '\0';
    for (const char *p = list; (p = next_name(p, name, sizeof name));) {
        if (listed(done, name))
            continue;
        const char *file = file_of(name);
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", used ? "; " : "", name);
        note(done, sizeof done, name);
        if (file) {
            same_file(p, file, done, out, size);
            used = strlen(out);
            snprintf(out + used, size - used, " in %s", file);
        }
    }
}

void cause_look_at(const struct failure *f, char *out, size_t size)
{
    char list[NAMES] = "", derived[NAMES] = "";
    note_list(derived, sizeof derived, f->derived);
    /* Threads wait for a wakeup nobody sent: the waiters are named, not who
     * should have woken them.  The test's declaration knows (it names what
     * it tests first), so it leads. */
    if (f->missing_waker)
        note_list(list, sizeof list, f->declared);
    note_named(list, sizeof list, f->kind == CAUSE_CHECK ? f->words : NULL);
    note_list(list, sizeof list, f->derived);
    if (f->kind != CAUSE_VERDICT || !*derived)
        note_list(list, sizeof list, f->declared);
    by_file(list, out, size);
}
