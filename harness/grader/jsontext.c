/*
 * jsontext.c - hand jansson only text it accepts.  Student output is any
 * bytes (control bytes, broken UTF-8, megabytes); jansson refuses a string
 * that is not UTF-8, so the C library's UTF-8 decoder (the C.UTF-8 locale,
 * built into glibc) judges each character first, and jansson escapes what
 * JSON requires when it writes.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "jsontext.h"

json_t *json_bytes(const char *s, size_t n)
{
    static const char replacement[] = "\xef\xbf\xbd";   /* U+FFFD */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (!s || !utf8) {
        if (utf8)
            freelocale(utf8);
        return json_string("");
    }
    locale_t before = uselocale(utf8);
    char *valid = malloc(3 * n + 1);   /* a byte becomes at most 3 */
    size_t len = 0;
    mbstate_t state;
    memset(&state, 0, sizeof state);
    for (size_t i = 0; valid && i < n;) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s + i, n - i, &state);
        if (k == 0)
            k = 1;   /* a NUL byte: jansson keeps it, escaped */
        /* glibc decodes up to 0x7FFFFFFF; Unicode (and jansson) stops at 0x10FFFF. */
        if (k == (size_t)-1 || k == (size_t)-2 || (unsigned long)wc > 0x10FFFF) {
            memcpy(valid + len, replacement, 3);
            len += 3, i++;
            memset(&state, 0, sizeof state);
        } else {
            memcpy(valid + len, s + i, k);
            len += k, i += k;
        }
    }
    uselocale(before);
    freelocale(utf8);
    json_t *j = valid ? json_stringn(valid, len) : NULL;
    free(valid);
    return j ? j : json_string("[text the kit could not encode]");
}

json_t *json_text(const char *s)
{
    return json_bytes(s, s ? strlen(s) : 0);
}
