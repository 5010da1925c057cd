/*
 * json.c - a small recursive-descent JSON reader.  The kit must not need
 * python or jq to turn its results into another platform's format, so
 * convert.c reads results.json with this.  Limits: numbers are doubles,
 * nesting is bounded (64), and a malformed document is refused whole.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct reader {
    const char *p;
    const char *error;
    int depth;
};

static void *grow(void *array, size_t count, size_t size)
{
    /* Double at powers of two: amortised O(1) appends. */
    if (count == 0 || (count & (count - 1)) == 0) {
        array = realloc(array, (count ? count * 2 : 4) * size);
        if (!array) {
            perror("json");
            exit(2);
        }
    }
    return array;
}

static bool fail(struct reader *r, const char *why)
{
    if (!r->error)
        r->error = why;
    return false;
}

static void skip_space(struct reader *r)
{
    while (*r->p && isspace((unsigned char)*r->p))
        r->p++;
}

/* Append code point cp to buf as UTF-8. */
static size_t put_utf8(char *buf, unsigned cp)
{
    if (cp < 0x80)
        return buf[0] = (char)cp, 1;
    if (cp < 0x800)
        return buf[0] = (char)(0xC0 | cp >> 6), buf[1] = (char)(0x80 | (cp & 0x3F)), 2;
    if (cp < 0x10000) {
        buf[0] = (char)(0xE0 | cp >> 12);
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    buf[0] = (char)(0xF0 | cp >> 18);
    buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static bool hex4(struct reader *r, unsigned *out)
{
    *out = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->p[i];
        if (!isxdigit((unsigned char)c))
            return fail(r, "bad \\u escape");
        *out = *out * 16 + (unsigned)(isdigit((unsigned char)c) ? c - '0' : (tolower(c) - 'a' + 10));
    }
    r->p += 4;
    return true;
}

static bool read_string(struct reader *r, char **out)
{
    if (*r->p != '"')
        return fail(r, "expected a string");
    r->p++;
    /* Decoded text is never longer than its escaped form. */
    const char *end = r->p;
    while (*end && *end != '"')
        end += (*end == '\\' && end[1]) ? 2 : 1;
    char *buf = malloc((size_t)(end - r->p) + 4), *w = buf;
    while (*r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (!c || c < 0x20) {
            free(buf);
            return fail(r, "unterminated string or raw control character");
        }
        if (c != '\\') {
            *w++ = (char)c, r->p++;
            continue;
        }
        r->p++;
        char e = *r->p++;
        const char *plain = strchr("\"\\/bfnrt", e);
        if (e && plain) {
            *w++ = "\"\\/\b\f\n\r\t"[plain - "\"\\/bfnrt"];
        } else if (e == 'u') {
            unsigned cp, low;
            if (!hex4(r, &cp)) {
                free(buf);
                return false;
            }
            if (cp >= 0xD800 && cp < 0xDC00 && r->p[0] == '\\' && r->p[1] == 'u') {
                r->p += 2;
                if (!hex4(r, &low)) {
                    free(buf);
                    return false;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            if (cp >= 0xD800 && cp < 0xE000)
                cp = 0xFFFD;   /* a lone surrogate is not text */
            w += put_utf8(w, cp);
        } else {
            free(buf);
            return fail(r, "bad escape");
        }
    }
    r->p++;
    *w = '\0';
    *out = buf;
    return true;
}

static bool read_value(struct reader *r, struct json *v);

static bool read_container(struct reader *r, struct json *v, bool object)
{
    char close = object ? '}' : ']';
    v->type = object ? JSON_OBJECT : JSON_ARRAY;
    r->p++;
    skip_space(r);
    if (*r->p == close)
        return r->p++, true;
    for (;;) {
        skip_space(r);
        if (object) {
            char *key;
            if (!read_string(r, &key))
                return false;
            v->keys = grow(v->keys, v->count, sizeof *v->keys);
            v->keys[v->count] = key;
            skip_space(r);
            if (*r->p++ != ':')
                return fail(r, "expected : after a key");
        }
        v->items = grow(v->items, v->count, sizeof *v->items);
        memset(&v->items[v->count], 0, sizeof *v->items);
        if (!read_value(r, &v->items[v->count++]))
            return false;
        skip_space(r);
        if (*r->p == close)
            return r->p++, true;
        if (*r->p++ != ',')
            return fail(r, object ? "expected , or } in an object" : "expected , or ] in an array");
    }
}

static bool read_value(struct reader *r, struct json *v)
{
    skip_space(r);
    if (++r->depth > 64)
        return fail(r, "nested too deeply");
    bool ok;
    char *end;
    switch (*r->p) {
    case '{': ok = read_container(r, v, true); break;
    case '[': ok = read_container(r, v, false); break;
    case '"': v->type = JSON_STRING; ok = read_string(r, &v->string); break;
    case 't': case 'f': case 'n': {
        const char *word = *r->p == 't' ? "true" : *r->p == 'f' ? "false" : "null";
        ok = strncmp(r->p, word, strlen(word)) == 0 || fail(r, "unknown literal");
        if (ok) {
            r->p += strlen(word);
            v->type = *word == 'n' ? JSON_NULL : JSON_BOOL;
            v->boolean = *word == 't';
        }
        break;
    }
    default:
        v->number = strtod(r->p, &end);
        ok = (end != r->p && (*r->p == '-' || isdigit((unsigned char)*r->p))) || fail(r, "expected a value");
        if (ok) {
            r->p = end;
            v->type = JSON_NUMBER;
        }
    }
    r->depth--;
    return ok;
}

struct json *json_parse(const char *text, const char **error)
{
    struct reader r = {text, NULL, 0};
    struct json *v = calloc(1, sizeof *v);
    if (read_value(&r, v)) {
        skip_space(&r);
        if (!*r.p)
            return v;
        fail(&r, "text after the document");
    }
    *error = r.error;
    return NULL;   /* the partial tree is leaked: the caller exits */
}

const struct json *json_get(const struct json *object, const char *key)
{
    if (!object || object->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < object->count; i++)
        if (strcmp(object->keys[i], key) == 0)
            return &object->items[i];
    return NULL;
}

const char *json_string_at(const struct json *object, const char *key, const char *fallback)
{
    const struct json *v = json_get(object, key);
    return v && v->type == JSON_STRING ? v->string : fallback;
}

double json_number_at(const struct json *object, const char *key, double fallback)
{
    const struct json *v = json_get(object, key);
    return v && v->type == JSON_NUMBER ? v->number : fallback;
}
