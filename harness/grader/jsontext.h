/* jsontext.h - bytes as a JSON string, whatever the bytes (jansson does the
 * rest: every JSON file the kit writes or reads goes through it). */
#ifndef JSONTEXT_H
#define JSONTEXT_H

#include <stddef.h>

#include <jansson.h>

/* The length of the valid UTF-8 character at s (of the n bytes there),
 * its code point in *code (if not NULL); 0 if the bytes there are not
 * one (a stray or truncated byte, an overlong form, a surrogate, a code
 * point past U+10FFFF).  The C library's decoder judges (the C.UTF-8
 * locale, built into glibc). */
size_t utf8_char(const char *s, size_t n, unsigned long *code);

/* A new JSON string holding the first n bytes of s (NULL: ""), each byte
 * that does not start a valid UTF-8 character replaced by U+FFFD. */
json_t *json_bytes(const char *s, size_t n);

/* json_bytes of a whole C string (NULL: ""). */
json_t *json_text(const char *s);

/* How every JSON file the kit writes is laid out. */
enum { JSON_LAYOUT = JSON_INDENT(2) | JSON_REAL_PRECISION(10) };

#endif
