/*
 * report.c - the grader's three outputs:
 *   results.json  Gradescope's results format (also read by `make batch`)
 *   results.tsv   the same scores one test a line, for shell scripts
 *   junit.xml     for CI systems
 *   the terminal  what a student reads a hundred times a week
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grade.h"
#include "jsontext.h"

int lab_score(const struct lab *lab, bool hidden)
{
    int sum = 0;
    for (int i = 0; i < lab->ntests; i++)
        if (lab->tests[i].passed && (hidden || !lab->tests[i].hidden))
            sum += lab->tests[i].points;
    return sum;
}

int lab_max(const struct lab *lab, bool hidden)
{
    int sum = 0;
    for (int i = 0; i < lab->ntests; i++)
        if (hidden || !lab->tests[i].hidden)
            sum += lab->tests[i].points;
    return sum;
}

/* s as XML character data: a byte that is no valid UTF-8 character, or a
 * character XML 1.0 does not allow (control characters but tab and
 * newline, U+FFFE, U+FFFF), becomes '?' (student output can be any bytes). */
static void xml_text(FILE *f, const char *s)
{
    s = s ? s : "";
    for (size_t left = strlen(s); left > 0;) {
        unsigned long c = 0;
        size_t n = utf8_char(s, left, &c);
        if (n == 0 || (c < 0x20 && c != '\n' && c != '\t') || c == 0xFFFE || c == 0xFFFF) {
            fputc('?', f);
            n = 1;
        } else if (c == '<') {
            fputs("&lt;", f);
        } else if (c == '>') {
            fputs("&gt;", f);
        } else if (c == '&') {
            fputs("&amp;", f);
        } else if (c == '"') {
            fputs("&quot;", f);
        } else {
            fwrite(s, 1, n, f);
        }
        s += n, left -= n;
    }
}

/* Write path with write(f, g): into path.tmp.PID, then renamed, so that a
 * reader never sees half a file, and whatever a submission wrote at path
 * beforehand is replaced.  0, or -1 with nothing left behind. */
static int write_atomic(const char *path, int (*write)(FILE *, const struct grading *),
                        const struct grading *g)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int rc = write(f, g);
    rc |= ferror(f);
    if (fclose(f) != 0 || rc != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Append `heading` and then each line of `lines`, indented, to buf. */
static void append_block(char **buf, size_t *len, const char *lab, const char *heading,
                         const char *lines)
{
    size_t need = strlen(lab) + strlen(heading) + 2 * strlen(lines) + 16;
    *buf = realloc(*buf, *len + need);
    *len += (size_t)sprintf(*buf + *len, "%s: %s\n", lab, heading);
    for (const char *p = lines; *p;) {
        size_t n = strcspn(p, "\n");
        *len += (size_t)sprintf(*buf + *len, "  %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

static int count_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; p && *p; p++)
        n += *p == '\n' || !p[1];
    return n;
}

/* What concerns a lab as a whole, for results.json's top-level output
 * (Gradescope shows it above the tests): flags first, then warnings, then
 * what was flagged for review.  "" when there is nothing. */
static char *lab_notes(const struct grading *g)
{
    char *buf = calloc(1, 1), heading[200];
    size_t len = 0;
    for (int i = 0; i < g->nlabs; i++) {
        const struct lab *lab = &g->labs[i];
        if (lab->flagged)
            append_block(&buf, &len, lab->name, "flagged, 0 for the whole lab:", lab->flagged);
        if (lab->warnings) {
            int n = count_lines(lab->warnings);
            snprintf(heading, sizeof heading, "%d compiler warning%s (%s no points; fix %s anyway):",
                     n, n == 1 ? "" : "s", n == 1 ? "it costs" : "they cost", n == 1 ? "it" : "them");
            append_block(&buf, &len, lab->name, heading, lab->warnings);
        }
        if (lab->review)
            append_block(&buf, &len, lab->name, "flagged for review (costs no points; your "
                         "instructor sees it):", lab->review);
    }
    return buf;
}

/* One test as Gradescope's results format has it. */
static json_t *test_json(const struct lab *lab, int lab_number, int number, const struct test *t)
{
    char name[512], numbered[32];
    snprintf(name, sizeof name, "%s: %s", lab->name, t->name);
    snprintf(numbered, sizeof numbered, "%d.%d", lab_number, number);
    return json_pack("{s:o, s:s, s:i, s:i, s:s, s:s, s:[s], s:o}",
                     "name", json_text(name), "number", numbered,
                     "score", t->passed ? t->points : 0, "max_score", t->points,
                     "status", t->passed ? "passed" : "failed",
                     "visibility", t->hidden ? "after_published" : "visible",
                     "tags", lab->name, "output", json_text(t->passed ? t->note : t->output));
}

/* What each lab's tests do not say alone: a flag, the compiler's warnings,
 * what was flagged for review, and hidden tests this kit does not hold.
 * convert.c and make batch read it. */
static json_t *lab_json(const struct lab *lab)
{
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:i, s:i}", "name", lab->name,
                     "flag", json_text(lab->flag), "flagged", json_text(lab->flagged),
                     "warnings", json_text(lab->warnings), "review", json_text(lab->review),
                     "handout_hidden_tests", lab->handout_hidden_tests,
                     "handout_hidden_points", lab->handout_hidden_points);
}

static int results_json(FILE *f, const struct grading *g)
{
    int score = 0, max = 0;
    json_t *tests = json_array(), *labs = json_array();
    for (int i = 0; i < g->nlabs; i++) {
        const struct lab *lab = &g->labs[i];
        score += lab_score(lab, true);
        max += lab_max(lab, true);
        for (int j = 0; j < lab->ntests; j++)
            json_array_append_new(tests, test_json(lab, i + 1, j + 1, &lab->tests[j]));
        json_array_append_new(labs, lab_json(lab));
    }
    char *notes = lab_notes(g);
    json_t *doc = json_pack("{s:i, s:i, s:f, s:s, s:s, s:o, s:o, s:o}", "score", score,
                            "max_score", max, "execution_time", round(g->seconds * 10) / 10,
                            "visibility", "visible", "stdout_visibility", "hidden",
                            "tests", tests, "output", json_text(notes), "labs", labs);
    free(notes);
    int rc = doc ? json_dumpf(doc, f, JSON_LAYOUT) : -1;
    json_decref(doc);
    fputc('\n', f);
    return rc;
}

/* A header row naming the columns, then one test a line:
 *   lab <TAB> test <TAB> score <TAB> max <TAB> passed|failed <TAB> visible|hidden
 *       <TAB> flag (refused or tampered: the lab scored 0 for what its code did; or empty)
 * Scripts read it by column name through harness/scripts/tsv.sh, so a column added
 * here breaks no reader; the names must stay awk identifiers. */
static int results_tsv(FILE *f, const struct grading *g)
{
    fputs("lab\ttest\tscore\tmax\tstatus\tvisibility\tflag\n", f);
    for (int i = 0; i < g->nlabs; i++)
        for (int j = 0; j < g->labs[i].ntests; j++) {
            const struct test *t = &g->labs[i].tests[j];
            fprintf(f, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", g->labs[i].name, t->name,
                    t->passed ? t->points : 0, t->points,
                    t->passed ? "passed" : "failed", t->hidden ? "hidden" : "visible",
                    g->labs[i].flag ? g->labs[i].flag : "");
        }
    return 0;
}

static int junit_xml(FILE *f, const struct grading *g)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", f);
    for (int i = 0; i < g->nlabs; i++) {
        const struct lab *lab = &g->labs[i];
        int failures = 0;
        for (int j = 0; j < lab->ntests; j++)
            failures += !lab->tests[j].passed;
        fprintf(f, "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\">\n",
                lab->name, lab->ntests, failures);
        for (int j = 0; j < lab->ntests; j++) {
            const struct test *t = &lab->tests[j];
            fprintf(f, "    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\">",
                    lab->name, t->name, t->seconds);
            fprintf(f, "<properties><property name=\"points\" value=\"%d\"/>"
                       "<property name=\"hidden\" value=\"%d\"/></properties>",
                    t->points, t->hidden);
            if (!t->passed) {
                fputs("<failure message=\"", f);
                char first[200];
                snprintf(first, sizeof first, "%s", t->output ? t->output : "");
                first[strcspn(first, "\n")] = '\0';
                xml_text(f, first);
                fputs("\">", f);
                xml_text(f, t->output);
                fputs("</failure>", f);
            }
            fputs("</testcase>\n", f);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    return 0;
}

int write_results_json(const struct grading *g, const char *path)
{
    return write_atomic(path, results_json, g);
}

int write_results_tsv(const struct grading *g, const char *path)
{
    return write_atomic(path, results_tsv, g);
}

int write_junit_xml(const struct grading *g, const char *path)
{
    return write_atomic(path, junit_xml, g);
}

/* ---- the terminal ------------------------------------------------------ */

static bool color;
static const char *paint(const char *code) { return color ? code : ""; }
#define GREEN paint("\033[32m")
#define RED paint("\033[31m")
#define DIM paint("\033[2m")
#define BOLD paint("\033[1m")
#define RESET paint("\033[0m")

enum { LINES_SHOWN = 14 };

static void print_indented(const char *text)
{
    int lines = 0;
    const char *p = text ? text : "";
    while (*p && lines < LINES_SHOWN) {
        size_t n = strcspn(p, "\n");
        printf("      %.*s\n", (int)n, p);
        lines++;
        p += n + (p[n] == '\n');
    }
    if (!*p)
        return;
    printf("      %s[... the rest is in results.json]%s\n", DIM, RESET);
    /* The last line still: feedback ends with what to do next (a replay). */
    const char *last = strrchr(text, '\n');
    if (last && last[1] && last + 1 >= p)
        printf("      %s\n", last + 1);
}

/* A lab's notes before its tests: a flag, the build's errors, warnings,
 * what was flagged for review.  Returns true if the tests' own feedback
 * would only repeat them. */
static bool print_lab_notes(const struct lab *lab)
{
    if (lab->flagged) {
        printf("  %s✗ flagged%s: %s, so every test scores 0. It found:\n", RED, RESET,
               !strcmp(lab->flag, "refused") ? "the kit would not run this lab's code"
                                             : "this lab's records were not all the runner's own");
        print_indented(lab->flagged);
        printf("      %s(your instructor's report lists it; if it is a mistake, tell them)%s\n",
               DIM, RESET);
        return true;
    }
    if (lab->build_errors) {
        printf("  %s✗ did not compile%s; every test scores 0. First errors:\n", RED, RESET);
        print_indented(lab->build_errors);
    }
    if (lab->warnings) {
        int n = count_lines(lab->warnings);
        printf("  ⚠ %d compiler warning%s: %s no points, but %s often a bug:\n", n,
               n == 1 ? "" : "s", n == 1 ? "it costs" : "they cost", n == 1 ? "it is" : "each is");
        print_indented(lab->warnings);
    }
    if (lab->review) {
        printf("  ⚑ flagged for review (costs no points; your instructor sees it):\n");
        print_indented(lab->review);
    }
    return lab->build_errors != NULL;
}

void print_summary(const struct grading *g)
{
    const char *nc = getenv("NO_COLOR");
    color = isatty(STDOUT_FILENO) && !(nc && *nc);
    int total = 0, total_max = 0, hidden_tests = 0, hidden_points = 0;

    for (int i = 0; i < g->nlabs; i++) {
        const struct lab *lab = &g->labs[i];
        printf("\n%s%s%s\n", BOLD, lab->name, RESET);
        bool quiet = print_lab_notes(lab);
        /* Hidden tests not shown: those in the table, or the handout's. */
        int lab_hidden = lab->handout_hidden_tests, lab_hidden_points = lab->handout_hidden_points;
        if (lab->flagged)
            lab_hidden = lab_hidden_points = 0;   /* 0 too: nothing is left to grade later */
        for (int j = 0; j < lab->ntests; j++) {
            const struct test *t = &lab->tests[j];
            if (t->hidden && !g->show_hidden) {
                lab_hidden += !lab->flagged;
                lab_hidden_points += lab->flagged ? 0 : t->points;
                continue;
            }
            printf("  %s%s%s %-44s %3d/%-3d%s\n", t->passed ? GREEN : RED,
                   t->passed ? "✓" : "✗", RESET, t->name,
                   t->passed ? t->points : 0, t->points, t->hidden ? " (hidden)" : "");
            if (!t->passed && !quiet)
                print_indented(t->output);
            else if (t->passed && t->note)
                printf("      %snote: %s%s\n", DIM, t->note, RESET);
        }
        int score = lab_score(lab, g->show_hidden), max = lab_max(lab, g->show_hidden);
        printf("  %-46s %3d/%-3d%s\n", "subtotal", score, max, lab->flagged ? "  (flagged)" : "");
        if (lab_hidden)
            printf("  %s+ %d hidden test%s worth %d point%s, graded on submission%s\n", DIM,
                   lab_hidden, lab_hidden == 1 ? "" : "s", lab_hidden_points,
                   lab_hidden_points == 1 ? "" : "s", RESET);
        total += score;
        total_max += max;
        hidden_tests += lab_hidden;
        hidden_points += lab_hidden_points;
    }
    /* Never a bare "90/90": the hidden tests' points are not in it. */
    printf("\n%sTOTAL %d/%d%s%s", BOLD, total, total_max, hidden_tests ? " visible" : "", RESET);
    if (hidden_tests)
        printf("; %d more point%s in %d hidden test%s, graded on submission", hidden_points,
               hidden_points == 1 ? "" : "s", hidden_tests, hidden_tests == 1 ? "" : "s");
    printf("   graded in %.1f s; details in %s/results.json\n", g->seconds, g->out);
    printf("%s(%s)%s\n", DIM, g->sandbox ? g->sandbox : "", RESET);
}

/* Autolab reads the last line of output: {"scores": {"lab": points, ...}}. */
void print_autolab(const struct grading *g)
{
    printf("{\"scores\": {");
    for (int i = 0; i < g->nlabs; i++)
        printf("%s\"%s\": %d", i ? ", " : "", g->labs[i].name,
               lab_score(&g->labs[i], true));
    printf("}}\n");
}
