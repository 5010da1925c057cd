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
 *   convert prairielearn RESULTS [--image LABEL=BASE64FILE]... [--note TEXT]
 *                                    PrairieLearn's results.json (a chart as
 *                                    coreutils' `base64 -w0` wrote it)
 *   convert gradescope RESULTS [--leaderboard NAME=VALUE]...
 *                                    Gradescope's results.json, feedback in markdown,
 *                                    and an (ungraded) leaderboard entry per pair
 *   convert flags RESULTS            one line a flagged lab: LAB <TAB> refused|tampered|review
 *                                    <TAB> the first finding (make batch's flagged.txt)
 *   convert failed gradescope|prairielearn TEXTFILE
 *                                    the platform's "could not grade" file, saying
 *                                    TEXTFILE's last 1500 bytes (any bytes)
 *
 * A flagged lab (its code refused, or its records not the runner's) scores 0,
 * and every platform says so first: its tests' feedback opens with the
 * finding, and the lab notes (flags, compiler warnings, what was flagged for
 * review) head the markdown, PrairieLearn's message and Gradescope's output.
 *
 * Every JSON file is read and written with jansson; everything goes to
 * stdout, and callers write it to a temporary file and rename.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "jsontext.h"

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

static json_t *doc;                   /* results.json; the strings below are its own */
static struct result *results;
static size_t nresults;
static double execution_time;
static struct lab_note *notes;
static size_t nnotes;
static const char *notes_text = "";   /* results.json's output: the notes in words */
static int score, max_score;          /* every test's, hidden ones too */

static const char *text_at(const json_t *object, const char *key)
{
    const char *s = json_string_value(json_object_get(object, key));
    return s ? s : "";
}

static int int_at(const json_t *object, const char *key)
{
    return (int)json_number_value(json_object_get(object, key));
}

static void load_labs(const json_t *labs)
{
    notes = calloc(json_array_size(labs) + 1, sizeof *notes);
    size_t i;
    json_t *l;
    json_array_foreach(labs, i, l) {
        struct lab_note *n = &notes[nnotes++];
        n->name = text_at(l, "name");
        n->flag = text_at(l, "flag");
        n->flagged = text_at(l, "flagged");
        n->warnings = text_at(l, "warnings");
        n->review = text_at(l, "review");
        n->hidden_tests = int_at(l, "handout_hidden_tests");
        n->hidden_points = int_at(l, "handout_hidden_points");
    }
}

/* Load RESULTS into results[]; exit 2 with the reason if it is unusable. */
static void load(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size > (64 << 20)) {
        fprintf(stderr, "convert: cannot read %s (missing, or over 64 MiB)\n", path);
        exit(2);
    }
    json_error_t error;
    doc = json_load_file(path, 0, &error);
    const json_t *tests = json_object_get(doc, "tests");
    if (!json_is_array(tests)) {
        fprintf(stderr, "convert: %s is not the grader's results.json (%s)\n", path,
                doc ? "no tests array" : error.text);
        exit(2);
    }
    execution_time = json_number_value(json_object_get(doc, "execution_time"));
    notes_text = text_at(doc, "output");
    load_labs(json_object_get(doc, "labs"));
    results = calloc(json_array_size(tests) + 1, sizeof *results);
    size_t i;
    json_t *t;
    json_array_foreach(tests, i, t) {
        struct result *r = &results[nresults++];
        const char *full = text_at(t, "name");
        r->lab = json_string_value(json_array_get(json_object_get(t, "tags"), 0));
        r->lab = r->lab ? r->lab : "";
        /* report.c names a test "LAB: TEST". */
        size_t lablen = strlen(r->lab);
        r->name = strncmp(full, r->lab, lablen) == 0 && strncmp(full + lablen, ": ", 2) == 0
                  ? full + lablen + 2 : full;
        r->output = text_at(t, "output");
        r->score = int_at(t, "score");
        r->max = int_at(t, "max_score");
        r->passed = strcmp(text_at(t, "status"), "passed") == 0;
        r->hidden = strcmp(json_string_value(json_object_get(t, "visibility")) ?
                           text_at(t, "visibility") : "visible", "visible") != 0;
        score += r->score, max_score += r->max;
    }
}

/* Print a document the platforms read, and let go of it. */
static int emit(json_t *out)
{
    if (!out || json_dumpf(out, stdout, JSON_LAYOUT) != 0) {
        fprintf(stderr, "convert: cannot write the document\n");
        return 2;
    }
    putchar('\n');
    json_decref(out);
    return 0;
}

/* ---- text ------------------------------------------------------------------ */

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

/* A JSON string of s cut at max bytes, saying so. */
static json_t *cut_json(const char *s, size_t max)
{
    size_t n = cut_at(s, max);
    if (n == strlen(s))
        return json_bytes(s, n);
    char *buf = malloc(n + 64);
    memcpy(buf, s, n);
    snprintf(buf + n, 64, "\n[... cut at %zu bytes]", n);
    json_t *j = json_text(buf);
    free(buf);
    return j;
}

/* "LAB: TEST", cut at max bytes. */
static json_t *test_name(const char *lab, const char *name, size_t max)
{
    char full[300];
    snprintf(full, sizeof full, "%s: %s", lab, name);
    full[cut_at(full, max)] = '\0';
    return json_text(full);
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

/* Text as a markdown fenced block longer than any run of backticks in it,
 * so that nothing in it is rendered as markup; "" for "". */
static json_t *fenced(const char *text)
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
    json_t *j = json_text(md);
    free(md);
    return j;
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static const struct lab_note *note_of(const char *lab)
{
    for (size_t i = 0; i < nnotes; i++)
        if (strcmp(notes[i].name, lab) == 0)
            return &notes[i];
    return NULL;
}

/* ---- markdown: GitHub's job summary, Classroom 50's release body ------------ */

/* A lab's notes above its table: a flag, warnings, what was flagged for review. */
static void summary_notes(const struct lab_note *note)
{
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
}

/* Per lab a table (test, points, verdict, first line of the feedback) and
 * its subtotal; then the total.  Hidden tests are counted, not shown, as in
 * the terminal. */
static int summary(void)
{
    int total = 0, total_max = 0, hidden = 0, hidden_points = 0;
    for (size_t i = 0; i < nresults; i++)
        if (!results[i].hidden)
            total += results[i].score, total_max += results[i].max;
    printf("## Concurrency labs: %d/%d\n", total, total_max);
    for (size_t i = 0; i < nresults;) {
        const char *lab = results[i].lab;
        int lab_score = 0, lab_max = 0;
        const struct lab_note *note = note_of(lab);
        printf("\n### %s\n\n", lab);
        summary_notes(note);
        if (note)
            hidden += note->hidden_tests, hidden_points += note->hidden_points;
        printf("| test | points | verdict | feedback |\n|---|---:|---|---|\n");
        for (; i < nresults && strcmp(results[i].lab, lab) == 0; i++) {
            const struct result *r = &results[i];
            if (r->hidden) {
                hidden++, hidden_points += r->max;
                continue;
            }
            lab_score += r->score, lab_max += r->max;
            printf("| `%s` | %d/%d | %s | ", r->name, r->score, r->max,
                   r->passed ? "✓ passed" : "✗ failed");
            if (!r->passed)
                md_cell(r->output, 200);
            printf(" |\n");
        }
        printf("| **%s** | **%d/%d** | | |\n", "subtotal", lab_score, lab_max);
    }
    printf("\n**Total: %d/%d**", total, total_max);
    if (hidden)
        printf(" (+ %d hidden test%s, %d points, graded later)", hidden, hidden == 1 ? "" : "s",
               hidden_points);
    printf("\n\nFull feedback: `make grade` on your machine, or `build/grade/results.json` "
           "in this run's artifacts.\n");
    return 0;
}

/* ---- Classroom 50 -------------------------------------------------------------- */

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
    char missing[200] = "", graded_at[32];
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!*env_or(required[i], ""))
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), " %s", required[i]);
    if (*missing) {
        fprintf(stderr, "convert: not run by Classroom 50's runner: unset:%s\n", missing);
        return 2;
    }
    time_t now = time(NULL);
    strftime(graded_at, sizeof graded_at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_t *tests = json_array();
    for (size_t i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        size_t first = strcspn(r->output, "\n");
        /* Classroom 50 caps a test name at 100 bytes; the message is the first line. */
        json_array_append_new(tests, json_pack("{s:o, s:b, s:i, s:i, s:o}",
            "test-name", test_name(r->lab, r->name, 100), "passed", r->passed, "score", r->score,
            "max-score", r->max, "message", json_bytes(r->output, cut_at(r->output, first < 300 ? first : 300))));
    }
    return emit(json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:o}",
        "schema", "classroom50/result/v1",
        "classroom", json_text(getenv("CLASSROOM")), "assignment", json_text(getenv("ASSIGNMENT")),
        "assignment_type", json_text(env_or("ASSIGNMENT_TYPE", "individual")),
        "owner", json_text(env_or("OWNER", env_or("USERNAME", ""))),
        "submission", json_text(getenv("SUBMISSION_TAG")), "commit", json_text(getenv("COMMIT_URL")),
        "release", json_text(getenv("RELEASE_URL")),
        "review", json_text(env_or("REVIEW_URL", getenv("COMMIT_URL"))),
        "datetime", json_text(env_or("SUBMITTED_AT", graded_at)), "graded_at", json_text(graded_at),
        "score", score, "max-score", max_score, "tests", tests));
}

/* ---- PrairieLearn ---------------------------------------------------------------- */

enum { IMAGE_MAX = 400 * 1024, OUTPUT_MAX = 8 * 1024, OUTPUTS_MAX = 600 * 1024 };

/* The message: the points, then what concerns the lab as a whole (a flag,
 * warnings), then the compiler's errors if any, then the note; 16 KiB at most. */
static json_t *pl_message(const char *note)
{
    const char *errors = NULL;
    for (size_t i = 0; i < nresults && !errors; i++)
        if (strncmp(results[i].output, "did not compile", 15) == 0)
            errors = results[i].output;
    size_t size = strlen(note) + (errors ? strlen(errors) : 0) + strlen(notes_text) + 100;
    char *msg = malloc(size);
    int n = snprintf(msg, size, "%d/%d points.", score, max_score);
    if (*notes_text)
        n += snprintf(msg + n, size - (size_t)n, "\n%s", notes_text);
    if (errors)
        n += snprintf(msg + n, size - (size_t)n, "\nYour code %s", errors);
    if (*note)
        snprintf(msg + n, size - (size_t)n, "%s%s", errors ? "\n" : " ", note);
    json_t *j = cut_json(msg, 16 * 1024);
    free(msg);
    return j;
}

/* A chart from --image LABEL=FILE, FILE holding the PNG in base64 (coreutils'
 * `base64 -w0`); NULL, said on stderr, if it is not a PNG or over the cap. */
static json_t *pl_image(char *arg)
{
    char *path = strchr(arg, '=');
    if (!path)
        return NULL;
    *path++ = '\0';
    struct stat st;
    FILE *f = stat(path, &st) == 0 && st.st_size <= IMAGE_MAX ? fopen(path, "r") : NULL;
    char *url = f ? malloc((size_t)st.st_size + 32) : NULL;
    size_t prefix = url ? (size_t)sprintf(url, "data:image/png;base64,") : 0;
    size_t n = url ? fread(url + prefix, 1, (size_t)st.st_size, f) : 0;
    if (f)
        fclose(f);
    while (n > 0 && url[prefix + n - 1] == '\n')
        n--;
    /* "iVBORw0KGgo" is the base64 of the PNG signature, \x89PNG\r\n\x1a\n. */
    if (!url || n < 11 || strncmp(url + prefix, "iVBORw0KGgo", 11) != 0 ||
        strspn(url + prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") < n) {
        fprintf(stderr, "convert: %s is not a PNG in base64 under %d KB: left out\n", path,
                IMAGE_MAX / 1024);
        free(url);
        return NULL;
    }
    url[prefix + n] = '\0';
    json_t *j = json_pack("{s:o, s:s}", "label", json_text(arg), "url", url);
    free(url);
    return j;
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
    const char *note = "";
    json_t *images = json_array(), *tests = json_array();
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], "--note") == 0)
            note = argv[++i];
        else if (strcmp(argv[i], "--image") == 0)
            json_array_append_new(images, pl_image(argv[++i]));   /* NULL: nothing appended */
    size_t written = 0;
    int hidden_number = 0;
    for (size_t i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        char hidden[64];
        snprintf(hidden, sizeof hidden, "hidden test %d", hidden_number + 1);
        hidden_number += r->hidden;
        const char *out = r->hidden ? (r->passed ? "" : "A hidden test: its feedback is not shown.")
                          : r->output;
        size_t room = written < OUTPUTS_MAX ? OUTPUTS_MAX - written : 0;
        size_t cap = room < OUTPUT_MAX ? room : OUTPUT_MAX;
        written += cut_at(out, cap);
        json_array_append_new(tests, json_pack("{s:o, s:i, s:i, s:s, s:o}",
            "name", test_name(r->lab, r->hidden ? hidden : r->name, 299), "points", r->score,
            "max_points", r->max, "message", r->passed ? "passed" : "failed", "output", cut_json(out, cap)));
    }
    return emit(json_pack("{s:b, s:f, s:o, s:o, s:o}", "gradable", 1,
                          "score", max_score ? (double)score / max_score : 0.0,
                          "message", pl_message(note), "images", images, "tests", tests));
}

/* ---- Gradescope ------------------------------------------------------------------ */

/* Leaderboard entries (Gradescope's docs/leaderboards.md: a top-level array
 * of name and value, higher ranks higher by default).  The value must be a
 * plain number: it is written as one, never as text. */
static json_t *leaderboard(int argc, char **argv)
{
    json_t *entries = json_array();
    for (int i = 0; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--leaderboard") != 0)
            continue;
        char *name = argv[++i], *eq = strrchr(name, '=');
        char *end;
        double value = eq ? strtod(eq + 1, &end) : 0;
        if (!eq || end == eq + 1 || *end || value != value)
            continue;
        *eq = '\0';
        json_array_append_new(entries, json_pack("{s:o, s:I}", "name", json_text(name),
                                                 "value", (json_int_t)(value + 0.5)));
    }
    return entries;
}

/* Gradescope's results.json with every test's feedback as markdown
 * (output_format "md", Gradescope's autograder specification): the
 * feedback goes in a fenced block longer than any run of backticks in it, so
 * nothing a submission prints is rendered as markup. */
static int gradescope(int argc, char **argv)
{
    json_t *tests = json_array();
    for (size_t i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        json_array_append_new(tests, json_pack("{s:o, s:i, s:i, s:s, s:s, s:s, s:[o], s:o}",
            "name", test_name(r->lab, r->name, 299), "score", r->score, "max_score", r->max,
            "status", r->passed ? "passed" : "failed",
            "visibility", r->hidden ? "after_published" : "visible", "output_format", "md",
            "tags", json_text(r->lab), "output", fenced(r->output)));
    }
    json_t *out = json_pack("{s:i, s:i, s:f, s:s, s:s, s:s, s:s, s:o, s:o}", "score", score,
        "max_score", max_score, "execution_time", execution_time, "output_format", "md",
        "test_output_format", "md", "visibility", "visible", "stdout_visibility", "hidden",
        "output", fenced(notes_text), "tests", tests);   /* the labs' flags and warnings, above the tests */
    json_t *board = leaderboard(argc, argv);
    if (json_array_size(board))
        json_object_set(out, "leaderboard", board);
    json_decref(board);
    return emit(out);
}

/* ---- the rest ------------------------------------------------------------------- */

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

/* The platform's file for a submission that could not be graded, saying
 * the last 2000 bytes of TEXTFILE (the grader's terminal, say): PrairieLearn
 * calls it not gradable (the student keeps the attempt). */
static int failed(const char *platform, const char *textfile)
{
    char tail[2000];
    FILE *f = fopen(textfile, "rb");
    size_t n = 0;
    if (f && fseek(f, 0, SEEK_END) == 0 && ftell(f) > 2000)
        fseek(f, -2000, SEEK_END);
    else if (f)
        rewind(f);
    n = f ? fread(tail, 1, sizeof tail, f) : 0;
    if (f)
        fclose(f);
    size_t start = 0;
    while (start < n && ((unsigned char)tail[start] & 0xC0) == 0x80)
        start++;   /* a cut that split a character drops its rest */
    json_t *text = json_bytes(tail + start, n - start);
    if (strcmp(platform, "prairielearn") == 0)
        return emit(json_pack("{s:b, s:i, s:O, s:[o], s:[]}", "gradable", 0, "score", 0,
                              "message", text, "format_errors", text, "tests"));
    if (strcmp(platform, "gradescope") == 0)
        return emit(json_pack("{s:i, s:i, s:f, s:o, s:[]}", "score", 0, "max_score", 0,
                              "execution_time", 0.0, "output", text, "tests"));
    json_decref(text);
    fprintf(stderr, "convert: unknown platform %s\n", platform);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "failed") == 0)
        return failed(argv[2], argv[3]);
    if (argc < 3) {
        fprintf(stderr, "usage: convert summary|classroom50|prairielearn|gradescope|flags RESULTS [options]\n"
                        "       convert failed gradescope|prairielearn TEXTFILE\n");
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
