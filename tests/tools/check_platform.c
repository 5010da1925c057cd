/*
 * check_platform.c - is a results file valid JSON (jansson reads it, as
 * strictly as RFC 8259 asks: UTF-8, no raw control bytes), complete for its
 * platform, and do its scores add up?
 *
 *   check_platform gradescope results.json    the grader's results.json, and Gradescope's
 *   check_platform classroom50 result.json    schema classroom50/result/v1
 *   check_platform prairielearn results.json  PrairieLearn's external grader
 *
 * Prints "ok: ..." and exits 0, or prints why not and exits 1.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

static int bad(const char *why, const char *what)
{
    printf("%s%s%s\n", why, what ? ": " : "", what ? what : "");
    return 1;
}

static bool whole(const json_t *v) { return json_is_integer(v); }

static const char *text(const json_t *object, const char *key)
{
    const char *s = json_string_value(json_object_get(object, key));
    return s ? s : "";
}

static double number(const json_t *object, const char *key)
{
    const json_t *v = json_object_get(object, key);
    return json_is_number(v) ? json_number_value(v) : -1;
}

/* One test of Gradescope's format: the fields it needs, and their consistency. */
static int gradescope_test(const json_t *t)
{
    static const char *visibilities[] = {"visible", "after_published", "hidden", "after_due_date"};
    const char *name = text(t, "name"), *status = text(t, "status");
    const char *visibility = json_object_get(t, "visibility") ? text(t, "visibility") : "visible";
    if (!*name || !json_is_number(json_object_get(t, "score")) ||
        !json_is_number(json_object_get(t, "max_score")))
        return bad("a test lacks name, score or max_score", name);
    if (strcmp(status, "passed") && strcmp(status, "failed"))
        return bad("a test's status is neither passed nor failed", name);
    bool known = false;
    for (size_t i = 0; i < sizeof visibilities / sizeof *visibilities; i++)
        known |= !strcmp(visibility, visibilities[i]);
    if (!known)
        return bad("a test's visibility is not one Gradescope knows", name);
    double s = number(t, "score"), m = number(t, "max_score");
    if ((s == m) != !strcmp(status, "passed") && m > 0)
        return bad("a test's status does not match its score", name);
    return 0;
}

static int gradescope(const json_t *doc)
{
    const json_t *tests = json_object_get(doc, "tests");
    if (number(doc, "score") < 0 || number(doc, "max_score") < 0 ||
        number(doc, "execution_time") < 0 || !json_is_array(tests))
        return bad("score, max_score, execution_time or tests is missing", NULL);
    double sum = 0, sum_max = 0;
    size_t i;
    json_t *t;
    json_array_foreach(tests, i, t) {
        if (gradescope_test(t))
            return 1;
        sum += number(t, "score"), sum_max += number(t, "max_score");
    }
    if (sum != number(doc, "score") || sum_max != number(doc, "max_score"))
        return bad("the tests' scores do not add up to score and max_score", NULL);
    printf("ok: %g/%g, %zu tests\n", sum, sum_max, json_array_size(tests));
    return 0;
}

static int classroom50(const json_t *doc)
{
    /* The fields of wiki/Advanced-Autograding.md's contract, all strings. */
    static const char *strings[] = {"classroom", "assignment", "assignment_type", "owner", "submission",
                                    "commit", "release", "review", "datetime"};
    if (strcmp(text(doc, "schema"), "classroom50/result/v1") != 0)
        return bad("schema is not classroom50/result/v1", NULL);
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        if (!json_is_string(json_object_get(doc, strings[i])))
            return bad("missing or not a string", strings[i]);
    const char *when = text(doc, "datetime");
    if (strlen(when) != 20 || when[4] != '-' || when[10] != 'T' || when[19] != 'Z')
        return bad("datetime is not UTC ISO 8601 (YYYY-MM-DDTHH:MM:SSZ)", when);
    const json_t *tests = json_object_get(doc, "tests");
    if (!whole(json_object_get(doc, "score")) || !whole(json_object_get(doc, "max-score")) ||
        !json_is_array(tests))
        return bad("score, max-score (integers) and tests (array) are required", NULL);
    double score = 0, max = 0;
    size_t i;
    json_t *t;
    json_array_foreach(tests, i, t) {
        const char *name = text(t, "test-name");
        if (!*name || strlen(name) > 100)
            return bad("a test-name is missing or over 100 bytes", name);
        const json_t *passed = json_object_get(t, "passed");
        if (!json_is_boolean(passed) || !whole(json_object_get(t, "score")) ||
            !whole(json_object_get(t, "max-score")))
            return bad("a test lacks passed, score or max-score", name);
        double s = number(t, "score"), m = number(t, "max-score");
        if (s < 0 || s > m || (json_is_true(passed) != (s == m && m > 0) && m > 0))
            return bad("a test's score does not match its verdict", name);
        score += s, max += m;
    }
    if (score != number(doc, "score") || max != number(doc, "max-score"))
        return bad("score or max-score is not the sum of the tests'", NULL);
    printf("ok: %.0f/%.0f, %zu tests, every field of classroom50/result/v1\n", score, max,
           json_array_size(tests));
    return 0;
}

static int prairielearn(const json_t *doc)
{
    const json_t *gradable = json_object_get(doc, "gradable");
    if (!json_is_boolean(gradable) || !json_is_string(json_object_get(doc, "message")))
        return bad("gradable (boolean) and message (string) are required", NULL);
    if (json_is_false(gradable)) {
        printf("ok: not gradable: %.200s\n", text(doc, "message"));
        return 0;
    }
    double score = number(doc, "score");
    const json_t *tests = json_object_get(doc, "tests"), *images = json_object_get(doc, "images");
    if (score < 0 || score > 1 || !json_is_array(tests))
        return bad("score in [0, 1] and tests (array) are required", NULL);
    double points = 0, max = 0;
    size_t i, nimages = 0;
    json_t *t;
    json_array_foreach(tests, i, t) {
        const char *name = text(t, "name");
        if (!*name || !json_is_string(json_object_get(t, "output")) ||
            !json_is_number(json_object_get(t, "points")) || !json_is_number(json_object_get(t, "max_points")))
            return bad("a test lacks name, points, max_points or output", name);
        double p = number(t, "points"), m = number(t, "max_points");
        if (p < 0 || p > m)
            return bad("a test has more points than its maximum", name);
        points += p, max += m;
    }
    if (fabs((max ? points / max : 0) - score) > 1e-3)
        return bad("score is not the tests' points over their maximum", NULL);
    json_array_foreach(images, i, t)
        nimages += strncmp(text(t, "url"), "data:image/png;base64,", 22) == 0;
    printf("ok: score %.4f (%.0f/%.0f), %zu tests, %zu images\n", score, points, max,
           json_array_size(tests), nimages);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return bad("usage: check_platform gradescope|classroom50|prairielearn FILE", NULL);
    json_error_t error;
    json_t *doc = json_load_file(argv[2], JSON_REJECT_DUPLICATES, &error);
    if (!json_is_object(doc)) {
        char where[300];
        snprintf(where, sizeof where, "%s (line %d, byte %d)", doc ? "not an object" : error.text,
                 error.line, error.position);
        return bad("not a JSON object", where);
    }
    if (strcmp(argv[1], "gradescope") == 0)
        return gradescope(doc);
    if (strcmp(argv[1], "classroom50") == 0)
        return classroom50(doc);
    if (strcmp(argv[1], "prairielearn") == 0)
        return prairielearn(doc);
    return bad("unknown platform", argv[1]);
}
