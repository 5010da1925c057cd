/*
 * convert.c - turn the grader's results.json into what another platform
 * reads.  One converter for every platform, so a score means the same
 * everywhere; it reads only the grader's own record (build/grade/results.json,
 * written by report.c), never what student code printed on its own.
 *
 *   convert summary RESULTS          markdown: a table per lab and the total
 *                                    (GitHub's job summary, Classroom 50's
 *                                    release body)
 *   convert classroom50 RESULTS      Classroom 50's result.json
 *   convert prairielearn RESULTS [--image LABEL=PNG]... [--note TEXT]
 *                                    PrairieLearn's results.json
 *   convert gradescope RESULTS [--leaderboard NAME=VALUE]...
 *                                    Gradescope's results.json, feedback in markdown,
 *                                    and an (ungraded) leaderboard entry per pair
 *   convert flags RESULTS            one line a flagged lab: LAB <TAB> refused|tampered|review
 *                                    <TAB> the first finding (make batch's flagged.txt)
 *
 * A flagged lab (its code refused, or its records not the runner's) scores 0,
 * and every platform says so first: its tests' feedback opens with the
 * finding, and the lab notes (flags, compiler warnings, what was flagged for
 * review) head the markdown, PrairieLearn's message and Gradescope's output.
 *
 * Everything goes to stdout; callers write it to a temporary file and rename.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"

/* What one test of results.json says. */
struct result {
    const char *lab, *name, *output;
    int score, max;
    bool passed, hidden;
};

/* What results.json's "labs" says of a lab as a whole (report.c). */
struct lab_note {
    const char *name, *flag, *flagged, *warnings, *review;
    int hidden_tests, hidden_points;   /* a handout's hidden tests, not in tests[] */
};

static struct result *results;
static size_t nresults;
static double execution_time;
static struct lab_note *notes;
static size_t nnotes;
static const char *notes_text = "";   /* results.json's output: the notes in words */

static char *read_file(const char *path, size_t limit, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    long length = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (length < 0 || (size_t)length > limit || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);   /* refuse rather than read half of it */
        return NULL;
    }
    char *buf = malloc((size_t)length + 1);
    size_t n = buf ? fread(buf, 1, (size_t)length, f) : 0;
    fclose(f);
    if (!buf || n != (size_t)length) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (size)
        *size = n;
    return buf;
}

/* Load RESULTS into results[]; exit 2 with the reason if it is unusable. */
static void load(const char *path)
{
    char *text = read_file(path, 64u << 20, NULL);
    if (!text) {
        fprintf(stderr, "convert: cannot read %s (missing, or over 64 MiB)\n", path);
        exit(2);
    }
    const char *error = NULL;
    struct json *doc = json_parse(text, &error);
    const struct json *tests = json_get(doc, "tests");
    if (!doc || !tests || tests->type != JSON_ARRAY) {
        fprintf(stderr, "convert: %s is not the grader's results.json (%s)\n", path,
                error ? error : "no tests array");
        exit(2);
    }
    execution_time = json_number_at(doc, "execution_time", 0);
    notes_text = json_string_at(doc, "output", "");
    const struct json *labs = json_get(doc, "labs");
    if (labs && labs->type == JSON_ARRAY) {
        notes = calloc(labs->count + 1, sizeof *notes);
        for (size_t i = 0; i < labs->count; i++) {
            const struct json *l = &labs->items[i];
            struct lab_note *n = &notes[nnotes++];
            n->name = json_string_at(l, "name", "");
            n->flag = json_string_at(l, "flag", "");
            n->flagged = json_string_at(l, "flagged", "");
            n->warnings = json_string_at(l, "warnings", "");
            n->review = json_string_at(l, "review", "");
            n->hidden_tests = (int)json_number_at(l, "handout_hidden_tests", 0);
            n->hidden_points = (int)json_number_at(l, "handout_hidden_points", 0);
        }
    }
    results = calloc(tests->count + 1, sizeof *results);
    for (size_t i = 0; i < tests->count; i++) {
        const struct json *t = &tests->items[i];
        struct result *r = &results[nresults++];
        const struct json *tags = json_get(t, "tags");
        const char *full = json_string_at(t, "name", "?");
        r->lab = tags && tags->type == JSON_ARRAY && tags->count && tags->items[0].type == JSON_STRING
                 ? tags->items[0].string : "";
        /* report.c names a test "LAB: TEST". */
        size_t lablen = strlen(r->lab);
        r->name = strncmp(full, r->lab, lablen) == 0 && strncmp(full + lablen, ": ", 2) == 0
                  ? full + lablen + 2 : full;
        r->output = json_string_at(t, "output", "");
        r->score = (int)json_number_at(t, "score", 0);
        r->max = (int)json_number_at(t, "max_score", 0);
        r->passed = strcmp(json_string_at(t, "status", ""), "passed") == 0;
        r->hidden = strcmp(json_string_at(t, "visibility", "visible"), "visible") != 0;
    }
}

/* ---- writing JSON and markdown ------------------------------------------ */

/* Length of the longest prefix of s (at most max bytes) that ends on a
 * character boundary: a cut never splits a UTF-8 sequence. */
static size_t cut_at(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

static void json_text(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c < 0x20 || c == 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void json_str(const char *s) { json_text(s, strlen(s)); }

/* A string cut at max bytes, saying so. */
static void json_cut(const char *s, size_t max)
{
    size_t n = cut_at(s, max);
    if (n == strlen(s)) {
        json_text(s, n);
        return;
    }
    char *buf = malloc(n + 64);
    memcpy(buf, s, n);
    snprintf(buf + n, 64, "\n[... cut at %zu bytes]", n);
    json_str(buf);
    free(buf);
}

/* The first line of s, cut at max bytes, as one markdown table cell: the
 * characters markdown or HTML would act on are escaped. */
static void md_cell(const char *s, size_t max)
{
    size_t n = cut_at(s, strcspn(s, "\n") < max ? strcspn(s, "\n") : max);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '<')
            fputs("&lt;", stdout);
        else if (c == '>')
            fputs("&gt;", stdout);
        else if (c == '&')
            fputs("&amp;", stdout);
        else if (strchr("\\`*_[]|#!~", c))
            printf("\\%c", c);
        else if (c >= 0x20 && c != 0x7f)
            putchar(c);
    }
    if (n < strcspn(s, "\n"))
        fputs("…", stdout);
}

static void now_utc(char *buf, size_t size)
{
    time_t t = time(NULL);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
}

static const struct lab_note *note_of(const char *lab)
{
    for (size_t i = 0; i < nnotes; i++)
        if (strcmp(notes[i].name, lab) == 0)
            return &notes[i];
    return NULL;
}

/* ---- the platforms -------------------------------------------------------- */

/* Markdown: per lab a table (test, points, verdict, first line of the
 * feedback) and its subtotal; then the total.  Hidden tests are counted,
 * not shown, as in the terminal. */
static int summary(void)
{
    int total = 0, total_max = 0, hidden = 0, hidden_points = 0;
    for (size_t i = 0; i < nresults; i++)
        if (!results[i].hidden)
            total += results[i].score, total_max += results[i].max;
    printf("## Concurrency labs: %d/%d\n", total, total_max);
    for (size_t i = 0; i < nresults;) {
        const char *lab = results[i].lab;
        int score = 0, max = 0;
        const struct lab_note *note = note_of(lab);
        printf("\n### %s\n\n", lab);
        if (note && *note->flagged) {
            printf("**Flagged: every test of this lab scores 0.** ");
            md_cell(note->flagged, 300);
            printf("\n\n");
        }
        if (note && *note->warnings) {
            printf("Compiler warnings (they cost no points): ");
            md_cell(note->warnings, 300);
            printf("\n\n");
        }
        if (note && *note->review) {
            printf("Flagged for review (costs no points): ");
            md_cell(note->review, 300);
            printf("\n\n");
        }
        if (note)
            hidden += note->hidden_tests, hidden_points += note->hidden_points;
        printf("| test | points | verdict | feedback |\n|---|---:|---|---|\n");
        for (; i < nresults && strcmp(results[i].lab, lab) == 0; i++) {
            const struct result *r = &results[i];
            if (r->hidden) {
                hidden++, hidden_points += r->max;
                continue;
            }
            score += r->score, max += r->max;
            printf("| `%s` | %d/%d | %s | ", r->name, r->score, r->max,
                   r->passed ? "✓ passed" : "✗ failed");
            if (!r->passed)
                md_cell(r->output, 200);
            printf(" |\n");
        }
        printf("| **%s** | **%d/%d** | | |\n", "subtotal", score, max);
    }
    printf("\n**Total: %d/%d**", total, total_max);
    if (hidden)
        printf(" (+ %d hidden test%s, %d points, graded later)", hidden, hidden == 1 ? "" : "s",
               hidden_points);
    printf("\n\nFull feedback: `make grade` on your machine, or `build/grade/results.json` "
           "in this run's artifacts.\n");
    return 0;
}

/* Classroom 50's result.json, schema classroom50/result/v1.  Fields from
 * its wiki (foundation50/classroom50, wiki/Advanced-Autograding.md, "The
 * result.json contract"): schema, classroom, assignment, assignment_type,
 * owner, submission, commit, release, review (URLs), datetime (the graded
 * commit's date, UTC ISO 8601), graded_at (optional), score and max-score
 * (sums of the tests'), tests[] of test-name, passed, score, max-score
 * ("extra diagnostic fields on a test are preserved verbatim": we add
 * message).  The runner sets CLASSROOM, ASSIGNMENT, SUBMISSION_TAG,
 * COMMIT_URL, RELEASE_URL, REVIEW_URL, OWNER and ASSIGNMENT_TYPE; it stamps
 * owner and assignment_type itself, so ours are only a fallback. */
static int classroom50(void)
{
    static const char *required[] = {"CLASSROOM", "ASSIGNMENT", "SUBMISSION_TAG", "COMMIT_URL",
                                     "RELEASE_URL"};
    char missing[200] = "";
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!getenv(required[i]) || !*getenv(required[i]))
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), " %s", required[i]);
    if (*missing) {
        fprintf(stderr, "convert: not run by Classroom 50's runner: unset:%s\n", missing);
        return 2;
    }
    const char *owner = getenv("OWNER") ? getenv("OWNER") : getenv("USERNAME") ? getenv("USERNAME") : "";
    const char *review = getenv("REVIEW_URL") && *getenv("REVIEW_URL") ? getenv("REVIEW_URL")
                         : getenv("COMMIT_URL");
    char graded_at[32];
    now_utc(graded_at, sizeof graded_at);
    const char *datetime = getenv("SUBMITTED_AT") && *getenv("SUBMITTED_AT") ? getenv("SUBMITTED_AT")
                           : graded_at;
    int score = 0, max = 0;
    for (size_t i = 0; i < nresults; i++)
        score += results[i].score, max += results[i].max;
    printf("{\n  \"schema\": \"classroom50/result/v1\",\n  \"classroom\": ");
    json_str(getenv("CLASSROOM"));
    printf(",\n  \"assignment\": ");
    json_str(getenv("ASSIGNMENT"));
    printf(",\n  \"assignment_type\": ");
    json_str(getenv("ASSIGNMENT_TYPE") && *getenv("ASSIGNMENT_TYPE") ? getenv("ASSIGNMENT_TYPE")
             : "individual");
    printf(",\n  \"owner\": ");
    json_str(owner);
    printf(",\n  \"submission\": ");
    json_str(getenv("SUBMISSION_TAG"));
    printf(",\n  \"commit\": ");
    json_str(getenv("COMMIT_URL"));
    printf(",\n  \"release\": ");
    json_str(getenv("RELEASE_URL"));
    printf(",\n  \"review\": ");
    json_str(review);
    printf(",\n  \"datetime\": ");
    json_str(datetime);
    printf(",\n  \"graded_at\": ");
    json_str(graded_at);
    printf(",\n  \"score\": %d,\n  \"max-score\": %d,\n  \"tests\": [", score, max);
    for (size_t i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        char name[300];
        /* Classroom 50 caps a test name at 100 bytes. */
        snprintf(name, sizeof name, "%s: %s", r->lab, r->name);
        name[cut_at(name, 100)] = '\0';
        printf("%s\n    {\"test-name\": ", i ? "," : "");
        json_str(name);
        printf(", \"passed\": %s, \"score\": %d, \"max-score\": %d, \"message\": ",
               r->passed ? "true" : "false", r->score, r->max);
        size_t first = strcspn(r->output, "\n");
        json_text(r->output, cut_at(r->output, first < 300 ? first : 300));
        putchar('}');
    }
    printf("\n  ]\n}\n");
    return 0;
}

static const char base64_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0)
                     | (i + 2 < n ? s[i + 2] : 0);
        putchar(base64_digits[v >> 18 & 63]);
        putchar(base64_digits[v >> 12 & 63]);
        putchar(i + 1 < n ? base64_digits[v >> 6 & 63] : '=');
        putchar(i + 2 < n ? base64_digits[v & 63] : '=');
    }
}

/* PrairieLearn's results.json (docs/externalGrading.md, "Grading results"):
 * score in [0, 1], gradable, message, tests[] of name, points, max_points,
 * output, message; images[] of label and a data: URL.  The whole file must
 * stay under 1 MB: each test's output is cut at 8 KB, the total at 600 KB,
 * and a chart over 300 KB is left out.  Hidden tests count towards the
 * score (PrairieLearn has no later publication), shown without name or
 * output. */
static int prairielearn(int argc, char **argv)
{
    enum { IMAGE_MAX = 300 * 1024, OUTPUT_MAX = 8 * 1024, OUTPUTS_MAX = 600 * 1024 };
    const char *note = "";
    int score = 0, max = 0;
    for (size_t i = 0; i < nresults; i++)
        score += results[i].score, max += results[i].max;
    const char *errors = NULL;
    for (size_t i = 0; i < nresults && !errors; i++)
        if (strncmp(results[i].output, "did not compile", 15) == 0)
            errors = results[i].output;
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--note") == 0 && i + 1 < argc)
            note = argv[++i];

    printf("{\n  \"gradable\": true,\n  \"score\": %.4f,\n  \"message\": ", max ? (double)score / max : 0.0);
    /* The points, then what concerns the lab as a whole (a flag, warnings),
     * then the compiler's errors if any, then the note. */
    size_t size = strlen(note) + (errors ? strlen(errors) : 0) + strlen(notes_text) + 100;
    char *msg = malloc(size);
    int n = snprintf(msg, size, "%d/%d points.", score, max);
    if (*notes_text)
        n += snprintf(msg + n, size - (size_t)n, "\n%s", notes_text);
    if (errors)
        n += snprintf(msg + n, size - (size_t)n, "\nYour code %s", errors);
    if (*note)
        snprintf(msg + n, size - (size_t)n, "%s%s", errors ? "\n" : " ", note);
    json_cut(msg, 16 * 1024);
    free(msg);
    printf(",\n  \"images\": [");
    int images = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--image") != 0 || i + 1 >= argc)
            continue;
        char *label = argv[++i], *path = strchr(label, '=');
        if (!path)
            continue;
        *path++ = '\0';
        size_t size;
        unsigned char *png = (unsigned char *)read_file(path, IMAGE_MAX, &size);
        if (!png || size < 8 || memcmp(png, "\x89PNG\r\n\x1a\n", 8) != 0) {
            fprintf(stderr, "convert: %s is not a PNG under %d KB: left out\n", path, IMAGE_MAX / 1024);
            free(png);
            continue;
        }
        printf("%s\n    {\"label\": ", images++ ? "," : "");
        json_str(label);
        printf(", \"url\": \"data:image/png;base64,");
        base64(png, size);
        printf("\"}");
        free(png);
    }
    printf("\n  ],\n  \"tests\": [");
    size_t written = 0;
    int hidden_number = 0;
    for (size_t i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        char name[300];
        if (r->hidden)
            snprintf(name, sizeof name, "%s: hidden test %d", r->lab, ++hidden_number);
        else
            snprintf(name, sizeof name, "%s: %s", r->lab, r->name);
        printf("%s\n    {\"name\": ", i ? "," : "");
        json_str(name);
        printf(", \"points\": %d, \"max_points\": %d, \"message\": \"%s\", \"output\": ",
               r->score, r->max, r->passed ? "passed" : "failed");
        const char *out = r->hidden ? (r->passed ? "" : "A hidden test: its feedback is not shown.")
                          : r->output;
        size_t room = written < OUTPUTS_MAX ? OUTPUTS_MAX - written : 0;
        size_t cap = room < OUTPUT_MAX ? room : OUTPUT_MAX;
        json_cut(out, cap);
        written += cut_at(out, cap);
        putchar('}');
    }
    printf("\n  ]\n}\n");
    return 0;
}

/* Text as a JSON string holding a markdown fenced block longer than any run
 * of backticks in it, so that nothing in it is rendered as markup; "" for "". */
static void fenced(const char *text)
{
    size_t run = 0, longest = 0;
    for (const char *p = text; *p; p++)
        run = *p == '`' ? run + 1 : 0, longest = run > longest ? run : longest;
    size_t fence = longest < 3 ? 3 : longest + 1;
    char *md = malloc(strlen(text) + 2 * fence + 64);
    char *w = md;
    if (*text) {
        memset(w, '`', fence), w += fence;
        w += sprintf(w, "text\n%s\n", text);
        memset(w, '`', fence), w += fence;
    }
    *w = '\0';
    json_str(md);
    free(md);
}

/* make batch's list of flagged labs: a line each, LAB <TAB> refused or
 * tampered (scored 0) or review (costs nothing) <TAB> the first finding. */
static int flags(void)
{
    for (size_t i = 0; i < nnotes; i++) {
        const struct lab_note *n = &notes[i];
        const char *what = *n->flag ? n->flagged : n->review;
        if (!*what)
            continue;
        printf("%s\t%s\t%.*s\n", n->name, *n->flag ? n->flag : "review", (int)strcspn(what, "\n"),
               what);
    }
    return 0;
}

/* Gradescope's results.json with every test's feedback as markdown
 * (output_format "md", Gradescope's autograder specification): the
 * feedback goes in a fenced block longer than any run of backticks in it, so
 * nothing a submission prints is rendered as markup. */
static int gradescope(int argc, char **argv)
{
    int score = 0, max = 0;
    for (size_t i = 0; i < nresults; i++)
        score += results[i].score, max += results[i].max;
    printf("{\n  \"score\": %d,\n  \"max_score\": %d,\n  \"execution_time\": %.1f,\n  \"output_format\": \"md\",\n"
           "  \"test_output_format\": \"md\",\n  \"visibility\": \"visible\",\n"
           "  \"stdout_visibility\": \"hidden\",\n  \"output\": ", score, max, execution_time);
    fenced(notes_text);   /* the labs' flags and warnings, above the tests */
    printf(",\n  \"tests\": [");
    for (size_t i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        char name[300];
        snprintf(name, sizeof name, "%s: %s", r->lab, r->name);
        printf("%s\n    {\"name\": ", i ? "," : "");
        json_str(name);
        printf(", \"score\": %d, \"max_score\": %d, \"status\": \"%s\", \"visibility\": \"%s\", "
               "\"output_format\": \"md\", \"tags\": [", r->score, r->max,
               r->passed ? "passed" : "failed", r->hidden ? "after_published" : "visible");
        json_str(r->lab);
        printf("], \"output\": ");
        fenced(r->output);
        putchar('}');
    }
    printf("\n  ]");
    /* Leaderboard entries (Gradescope's docs/leaderboards.md: a top-level
     * array of name and value, higher ranks higher by default).  The value
     * must be a plain number: it is printed as one, never as text. */
    int entries = 0;
    for (int i = 0; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--leaderboard") != 0)
            continue;
        char *name = argv[++i], *eq = strrchr(name, '=');
        char *end;
        double value = eq ? strtod(eq + 1, &end) : 0;
        if (!eq || end == eq + 1 || *end || value != value)
            continue;
        *eq = '\0';
        printf("%s\n    {\"name\": ", entries++ ? "," : ",\n  \"leaderboard\": [");
        json_str(name);
        printf(", \"value\": %.0f}", value);
    }
    printf("%s\n}\n", entries ? "\n  ]" : "");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: convert summary|classroom50|prairielearn|gradescope|flags RESULTS [options]\n");
        return 2;
    }
    load(argv[2]);
    if (strcmp(argv[1], "summary") == 0)
        return summary();
    if (strcmp(argv[1], "classroom50") == 0)
        return classroom50();
    if (strcmp(argv[1], "prairielearn") == 0)
        return prairielearn(argc - 3, argv + 3);
    if (strcmp(argv[1], "gradescope") == 0)
        return gradescope(argc - 3, argv + 3);
    if (strcmp(argv[1], "flags") == 0)
        return flags();
    fprintf(stderr, "convert: unknown format %s\n", argv[1]);
    return 2;
}
