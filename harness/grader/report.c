/*
 * report.c - the grader's three outputs:
 *   results.json  Gradescope's results format (also read by `make batch`)
 *   results.tsv   the same scores one test a line, for shell scripts
 *   junit.xml     for CI systems
 *   the terminal  what a student reads a hundred times a week
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grade.h"

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

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one.  Student
 * output can be any bytes; the JSON we write must still be valid. */
static int utf8_length(const unsigned char *s)
{
    int n = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3
          : (s[0] >> 3) == 30 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
        int n = utf8_length(p);
        if (n == 0) {
            fputs("\\ufffd", f);   /* replacement character */
            p++;
        } else if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p++);
        } else if (*p == '\n') {
            fputs("\\n", f), p++;
        } else if (*p == '\t') {
            fputs("\\t", f), p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(f, "\\u%04x", *p++);
        } else {
            fwrite(p, 1, (size_t)n, f);
            p += n;
        }
    }
    fputc('"', f);
}

static void xml_text(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
        int n = utf8_length(p);
        if (n == 0 || (*p < 0x20 && *p != '\n' && *p != '\t')) {
            fputc('?', f), p++;
        } else if (*p == '<') {
            fputs("&lt;", f), p++;
        } else if (*p == '>') {
            fputs("&gt;", f), p++;
        } else if (*p == '&') {
            fputs("&amp;", f), p++;
        } else if (*p == '"') {
            fputs("&quot;", f), p++;
        } else {
            fwrite(p, 1, (size_t)n, f);
            p += n;
        }
    }
}

/* Write to path.tmp, then rename: a reader never sees half a file, and
 * whatever a submission wrote at path beforehand is replaced. */
static FILE *open_atomic(const char *path, char *tmp, size_t size)
{
    snprintf(tmp, size, "%s.tmp.%d", path, (int)getpid());
    return fopen(tmp, "w");
}

static int close_atomic(FILE *f, const char *tmp, const char *path)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int write_results_json(const struct grading *g, const char *path)
{
    char tmp[4200];
    FILE *f = open_atomic(path, tmp, sizeof tmp);
    if (!f)
        return -1;
    int score = 0, max = 0;
    for (int i = 0; i < g->nlabs; i++) {
        score += lab_score(&g->labs[i], true);
        max += lab_max(&g->labs[i], true);
    }
    fprintf(f, "{\n  \"score\": %d,\n  \"max_score\": %d,\n  \"execution_time\": %.1f,\n"
               "  \"visibility\": \"visible\",\n  \"stdout_visibility\": \"hidden\",\n"
               "  \"tests\": [", score, max, g->seconds);
    int number = 0;
    for (int i = 0; i < g->nlabs; i++) {
        const struct lab *lab = &g->labs[i];
        for (int j = 0; j < lab->ntests; j++) {
            const struct test *t = &lab->tests[j];
            char name[512];
            snprintf(name, sizeof name, "%s: %s", lab->name, t->name);
            fprintf(f, "%s\n    {\"name\": ", number++ ? "," : "");
            json_string(f, name);
            fprintf(f, ", \"number\": \"%d.%d\", \"score\": %d, \"max_score\": %d, "
                       "\"status\": \"%s\", \"visibility\": \"%s\", \"tags\": [",
                    i + 1, j + 1, t->passed ? t->points : 0, t->points,
                    t->passed ? "passed" : "failed",
                    t->hidden ? "after_published" : "visible");
            json_string(f, lab->name);
            fputs("], \"output\": ", f);
            json_string(f, t->passed ? t->note : t->output);
            fputc('}', f);
        }
    }
    fputs("\n  ]\n}\n", f);
    return close_atomic(f, tmp, path);
}

/* A header row naming the columns, then one test a line:
 *   lab <TAB> test <TAB> score <TAB> max <TAB> passed|failed <TAB> visible|hidden
 * Scripts read it by column name through harness/scripts/tsv.sh, so a column added
 * here breaks no reader; the names must stay awk identifiers. */
int write_results_tsv(const struct grading *g, const char *path)
{
    char tmp[4200];
    FILE *f = open_atomic(path, tmp, sizeof tmp);
    if (!f)
        return -1;
    fputs("lab\ttest\tscore\tmax\tstatus\tvisibility\n", f);
    for (int i = 0; i < g->nlabs; i++)
        for (int j = 0; j < g->labs[i].ntests; j++) {
            const struct test *t = &g->labs[i].tests[j];
            fprintf(f, "%s\t%s\t%d\t%d\t%s\t%s\n", g->labs[i].name, t->name,
                    t->passed ? t->points : 0, t->points,
                    t->passed ? "passed" : "failed", t->hidden ? "hidden" : "visible");
        }
    return close_atomic(f, tmp, path);
}

int write_junit_xml(const struct grading *g, const char *path)
{
    char tmp[4200];
    FILE *f = open_atomic(path, tmp, sizeof tmp);
    if (!f)
        return -1;
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
    return close_atomic(f, tmp, path);
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

void print_summary(const struct grading *g)
{
    const char *nc = getenv("NO_COLOR");
    color = isatty(STDOUT_FILENO) && !(nc && *nc);
    int total = 0, total_max = 0, hidden_tests = 0, hidden_points = 0;

    for (int i = 0; i < g->nlabs; i++) {
        const struct lab *lab = &g->labs[i];
        printf("\n%s%s%s\n", BOLD, lab->name, RESET);
        if (lab->build_errors) {
            printf("  %s✗ did not compile%s; every test scores 0. First errors:\n",
                   RED, RESET);
            print_indented(lab->build_errors);
        }
        int lab_hidden = 0, lab_hidden_points = 0;
        for (int j = 0; j < lab->ntests; j++) {
            const struct test *t = &lab->tests[j];
            if (t->hidden && !g->show_hidden) {
                lab_hidden++;
                lab_hidden_points += t->points;
                continue;
            }
            printf("  %s%s%s %-44s %3d/%-3d%s\n", t->passed ? GREEN : RED,
                   t->passed ? "✓" : "✗", RESET, t->name,
                   t->passed ? t->points : 0, t->points, t->hidden ? " (hidden)" : "");
            if (!t->passed && !lab->build_errors)
                print_indented(t->output);
            else if (t->passed && t->note)
                printf("      %snote: %s%s\n", DIM, t->note, RESET);
        }
        int score = lab_score(lab, g->show_hidden), max = lab_max(lab, g->show_hidden);
        printf("  %-46s %3d/%-3d\n", "subtotal", score, max);
        if (lab_hidden)
            printf("  %s+ %d hidden test%s (%d points) will be graded after the "
                   "deadline%s\n", DIM, lab_hidden, lab_hidden == 1 ? "" : "s",
                   lab_hidden_points, RESET);
        total += score;
        total_max += max;
        hidden_tests += lab_hidden;
        hidden_points += lab_hidden_points;
    }
    printf("\n%sTOTAL %d/%d%s", BOLD, total, total_max, RESET);
    if (hidden_tests)
        printf("  (+%d hidden points graded later)", hidden_points);
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
