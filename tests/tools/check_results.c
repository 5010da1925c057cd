/*
 * check_results.c - is results.json valid JSON in Gradescope's shape, and do
 * its scores add up?  A strict recursive-descent parser: the kit must not
 * depend on python or jq being installed to test itself.
 *
 *   check_results results.json     prints "ok: SCORE/MAX, N tests" or why not
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *p;
static const char *why;

static void ws(void) { while (*p && isspace((unsigned char)*p)) p++; }
static int fail(const char *reason) { if (!why) why = reason; return 0; }

static int string(char *out, size_t size)
{
    size_t n = 0;
    if (*p != '"')
        return fail("expected a string");
    for (p++; *p != '"'; p++) {
        if (!*p || (unsigned char)*p < 0x20)
            return fail("unterminated string or raw control character");
        char c = *p;
        if (c == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)p[i]))
                        return fail("bad \\u escape");
                p += 4;
                c = '?';
            } else if (strchr("\"\\/bfnrt", *p)) {
                c = *p == 'n' ? '\n' : *p;
            } else {
                return fail("bad escape");
            }
        }
        if (out && n + 1 < size)
            out[n++] = c;
    }
    p++;
    if (out)
        out[n] = '\0';
    return 1;
}

static int number(double *out)
{
    char *end;
    double v = strtod(p, &end);
    if (end == p || !(isdigit((unsigned char)*p) || *p == '-'))
        return fail("expected a number");
    p = end;
    if (out)
        *out = v;
    return 1;
}

static int value(void);

static int array_of_values(void)
{
    p++;
    ws();
    if (*p == ']')
        return p++, 1;
    for (;;) {
        if (!value())
            return 0;
        ws();
        if (*p == ']')
            return p++, 1;
        if (*p++ != ',')
            return fail("expected , or ] in an array");
    }
}

static int object_of_values(void)
{
    p++;
    ws();
    if (*p == '}')
        return p++, 1;
    for (;;) {
        ws();
        if (!string(NULL, 0))
            return 0;
        ws();
        if (*p++ != ':')
            return fail("expected :");
        if (!value())
            return 0;
        ws();
        if (*p == '}')
            return p++, 1;
        if (*p++ != ',')
            return fail("expected , or } in an object");
    }
}

static int value(void)
{
    ws();
    if (*p == '"')
        return string(NULL, 0);
    if (*p == '{')
        return object_of_values();
    if (*p == '[')
        return array_of_values();
    if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
        return p += 4, 1;
    if (!strncmp(p, "false", 5))
        return p += 5, 1;
    return number(NULL);
}

/* One test object: the fields Gradescope needs, and their consistency. */
static int test_object(double *score, double *max)
{
    char key[64], status[32] = "", visibility[32] = "visible";
    int have_name = 0, have_score = 0, have_max = 0;
    if (*p != '{')
        return fail("a test is not an object");
    p++;
    for (;;) {
        ws();
        if (!string(key, sizeof key))
            return 0;
        ws();
        if (*p++ != ':')
            return fail("expected :");
        ws();
        if (!strcmp(key, "score"))
            have_score = number(score);
        else if (!strcmp(key, "max_score"))
            have_max = number(max);
        else if (!strcmp(key, "status"))
            string(status, sizeof status);
        else if (!strcmp(key, "visibility"))
            string(visibility, sizeof visibility);
        else if (!strcmp(key, "name"))
            have_name = string(NULL, 0);
        else if (!value())
            return 0;
        if (why)
            return 0;
        ws();
        if (*p == '}')
            break;
        if (*p++ != ',')
            return fail("expected , or } in a test");
    }
    p++;
    if (!have_name || !have_score || !have_max)
        return fail("a test lacks name, score or max_score");
    if (strcmp(status, "passed") && strcmp(status, "failed"))
        return fail("a test's status is neither passed nor failed");
    if (strcmp(visibility, "visible") && strcmp(visibility, "after_published") &&
        strcmp(visibility, "hidden") && strcmp(visibility, "after_due_date"))
        return fail("a test's visibility is not one Gradescope knows");
    if ((*score == *max) != !strcmp(status, "passed") && *max > 0)
        return fail("a test's status does not match its score");
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return fprintf(stderr, "usage: check_results results.json\n"), 2;
    FILE *f = fopen(argv[1], "r");
    if (!f)
        return printf("results: cannot open %s\n", argv[1]), 1;
    static char text[64 << 20];
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);

    double score = -1, max = -1, sum = 0, sum_max = 0, time = -1;
    int tests = 0, have_tests = 0;
    char key[64];
    p = text;
    ws();
    if (*p++ != '{')
        fail("the top level is not an object");
    while (!why) {
        ws();
        if (!string(key, sizeof key))
            break;
        ws();
        if (*p++ != ':') {
            fail("expected :");
            break;
        }
        ws();
        if (!strcmp(key, "score"))
            number(&score);
        else if (!strcmp(key, "max_score"))
            number(&max);
        else if (!strcmp(key, "execution_time"))
            number(&time);
        else if (!strcmp(key, "tests")) {
            have_tests = 1;
            if (*p++ != '[')
                fail("tests is not an array");
            for (ws(); !why && *p != ']';) {
                double s = 0, m = 0;
                if (!test_object(&s, &m))
                    break;
                sum += s, sum_max += m, tests++;
                ws();
                if (*p == ',')
                    p++, ws();
                else if (*p != ']')
                    fail("expected , or ] after a test");
            }
            p++;
        } else {
            value();
        }
        ws();
        if (*p == '}') {
            p++;
            break;
        }
        if (*p++ != ',')
            fail("expected , or } at the top level");
    }
    ws();
    if (!why && *p)
        fail("text after the JSON value");
    if (!why && (score < 0 || max < 0 || time < 0 || !have_tests))
        fail("score, max_score, execution_time or tests is missing");
    if (!why && (sum != score || sum_max != max))
        fail("the tests' scores do not add up to score and max_score");
    if (why) {
        printf("results: invalid: %s (at byte %ld)\n", why, (long)(p - text));
        return 1;
    }
    printf("ok: %g/%g, %d tests\n", score, max, tests);
    return 0;
}
