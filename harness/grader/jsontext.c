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

size_t utf8_char(const char *s, size_t n, unsigned long *code)
{
    static locale_t utf8;   /* made once, never freed: the program's for good */
    if (!utf8)
        utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (!utf8 || n == 0)
        return 0;
    locale_t before = uselocale(utf8);
    mbstate_t state;
    memset(&state, 0, sizeof state);
    wchar_t wc = 0;
    size_t k = mbrtowc(&wc, s, n, &state);
    uselocale(before);
    if (k == 0)
        k = 1;   /* a NUL byte: a character, U+0000 */
    /* glibc decodes up to 0x7FFFFFFF, and the UTF-16 surrogates (which
     * UTF-8 may not encode); Unicode, jansson and XML stop short of both. */
    if (k == (size_t)-1 || k == (size_t)-2 || (unsigned long)wc > 0x10FFFF ||
        ((unsigned long)wc >= 0xD800 && (unsigned long)wc <= 0xDFFF))
        return 0;
    if (code)
        *code = (unsigned long)wc;
    return k;
}

json_t *json_bytes(const char *s, size_t n)
{
    static const char replacement[] = "\xef\xbf\xbd";   /* U+FFFD */
    if (!s)
        return json_string("");
    char *valid = malloc(3 * n + 1);   /* a byte becomes at most 3 */
    size_t len = 0;
    for (size_t i = 0; valid && i < n;) {
        size_t k = utf8_char(s + i, n - i, NULL);
        if (k == 0) {
            memcpy(valid + len, replacement, 3);
            len += 3, i++;
        } else {
            memcpy(valid + len, s + i, k);
            len += k, i += k;
        }
    }
    json_t *j = valid ? json_stringn(valid, len) : NULL;
    free(valid);
    return j ? j : json_string("[text the kit could not encode]");
}

json_t *json_text(const char *s)
{
    return json_bytes(s, s ? strlen(s) : 0);
}
