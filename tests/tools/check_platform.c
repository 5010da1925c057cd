/*
 * check_platform.c - is a platform's results file complete, and do its
 * scores add up?  Reads with the harness's own JSON reader.
 *
 *   check_platform classroom50 result.json    schema classroom50/result/v1
 *   check_platform prairielearn results.json  PrairieLearn's external grader
 *
 * Prints "ok: ..." and exits 0, or prints why not and exits 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int bad(const char *why, const char *what)
{
    printf("%s%s%s\n", why, what ? ": " : "", what ? what : "");
    return 1;
}

static bool is(const struct json *v, enum json_type type) { return v && v->type == type; }

static bool whole(const struct json *v) { return is(v, JSON_NUMBER) && v->number == floor(v->number); }

static int classroom50(const struct json *doc)
{
    /* The fields of wiki/Advanced-Autograding.md's contract, all strings. */
    static const char *strings[] = {"classroom", "assignment", "assignment_type", "owner", "submission",
                                    "commit", "release", "review", "datetime"};
    if (strcmp(json_string_at(doc, "schema", ""), "classroom50/result/v1") != 0)
        return bad("schema is not classroom50/result/v1", NULL);
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        if (!is(json_get(doc, strings[i]), JSON_STRING))
            return bad("missing or not a string", strings[i]);
    const char *when = json_string_at(doc, "datetime", "");
    if (strlen(when) != 20 || when[4] != '-' || when[10] != 'T' || when[19] != 'Z')
        return bad("datetime is not UTC ISO 8601 (YYYY-MM-DDTHH:MM:SSZ)", when);
    const struct json *tests = json_get(doc, "tests");
    if (!whole(json_get(doc, "score")) || !whole(json_get(doc, "max-score")) || !is(tests, JSON_ARRAY))
        return bad("score, max-score (integers) and tests (array) are required", NULL);
    double score = 0, max = 0;
    for (size_t i = 0; i < tests->count; i++) {
        const struct json *t = &tests->items[i];
        const char *name = json_string_at(t, "test-name", "");
        if (!*name || strlen(name) > 100)
            return bad("a test-name is missing or over 100 bytes", name);
        if (!is(json_get(t, "passed"), JSON_BOOL) || !whole(json_get(t, "score")) ||
            !whole(json_get(t, "max-score")))
            return bad("a test lacks passed, score or max-score", name);
        double s = json_number_at(t, "score", 0), m = json_number_at(t, "max-score", 0);
        if (s < 0 || s > m || (json_get(t, "passed")->boolean != (s == m && m > 0) && m > 0))
            return bad("a test's score does not match its verdict", name);
        score += s, max += m;
    }
    if (score != json_number_at(doc, "score", -1) || max != json_number_at(doc, "max-score", -1))
        return bad("score or max-score is not the sum of the tests'", NULL);
    printf("ok: %.0f/%.0f, %zu tests, every field of classroom50/result/v1\n", score, max, tests->count);
    return 0;
}

static int prairielearn(const struct json *doc)
{
    const struct json *gradable = json_get(doc, "gradable");
    if (!is(gradable, JSON_BOOL) || !is(json_get(doc, "message"), JSON_STRING))
        return bad("gradable (boolean) and message (string) are required", NULL);
    if (!gradable->boolean) {
        printf("ok: not gradable: %.200s\n", json_string_at(doc, "message", ""));
        return 0;
    }
    double score = json_number_at(doc, "score", -1);
    const struct json *tests = json_get(doc, "tests"), *images = json_get(doc, "images");
    if (score < 0 || score > 1 || !is(tests, JSON_ARRAY))
        return bad("score in [0, 1] and tests (array) are required", NULL);
    double points = 0, max = 0;
    for (size_t i = 0; i < tests->count; i++) {
        const struct json *t = &tests->items[i];
        const char *name = json_string_at(t, "name", "");
        if (!*name || !is(json_get(t, "output"), JSON_STRING) || !is(json_get(t, "points"), JSON_NUMBER) ||
            !is(json_get(t, "max_points"), JSON_NUMBER))
            return bad("a test lacks name, points, max_points or output", name);
        double p = json_number_at(t, "points", 0), m = json_number_at(t, "max_points", 0);
        if (p < 0 || p > m)
            return bad("a test has more points than its maximum", name);
        points += p, max += m;
    }
    if (fabs((max ? points / max : 0) - score) > 1e-3)
        return bad("score is not the tests' points over their maximum", NULL);
    size_t nimages = 0;
    for (size_t i = 0; is(images, JSON_ARRAY) && i < images->count; i++)
        if (strncmp(json_string_at(&images->items[i], "url", ""), "data:image/png;base64,", 22) == 0)
            nimages++;
    printf("ok: score %.4f (%.0f/%.0f), %zu tests, %zu images\n", score, points, max, tests->count,
           nimages);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return bad("usage: check_platform classroom50|prairielearn FILE", NULL);
    FILE *f = fopen(argv[2], "rb");
    if (!f)
        return bad("cannot open", argv[2]);
    static char text[4 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *error = NULL;
    struct json *doc = json_parse(text, &error);
    if (!doc || doc->type != JSON_OBJECT)
        return bad("not a JSON object", error);
    if (strcmp(argv[1], "classroom50") == 0)
        return classroom50(doc);
    if (strcmp(argv[1], "prairielearn") == 0)
        return prairielearn(doc);
    return bad("unknown platform", argv[1]);
}
