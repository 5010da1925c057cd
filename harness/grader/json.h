/* json.h - read a JSON document into a tree (for convert.c, which reads the
 * grader's own results.json; never student output). */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
    enum json_type type;
    bool boolean;
    double number;
    char *string;          /* JSON_STRING: UTF-8, escapes decoded, NUL-terminated */
    struct json *items;    /* JSON_ARRAY and JSON_OBJECT: the values */
    char **keys;           /* JSON_OBJECT: the keys, one per item */
    size_t count;
};

/* Parse text; NULL and *error set to the reason if it is not one JSON value. */
struct json *json_parse(const char *text, const char **error);

/* The value of key in object (NULL if absent or not an object). */
const struct json *json_get(const struct json *object, const char *key);

/* Shorthands: the string or number at key, or fallback. */
const char *json_string_at(const struct json *object, const char *key, const char *fallback);
double json_number_at(const struct json *object, const char *key, double fallback);

#endif
