/*
 * check_xml.c - is a file well-formed XML?  Enough of XML for junit.xml:
 * a declaration, nested elements with quoted attributes, text, and the five
 * predefined entities.  Tags must balance; text must be valid UTF-8.
 *
 *   check_xml junit.xml     prints "ok: N elements" or why not
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(const char *why, long at)
{
    printf("xml: not well-formed: %s (at byte %ld)\n", why, at);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return fprintf(stderr, "usage: check_xml FILE\n"), 2;
    FILE *f = fopen(argv[1], "r");
    if (!f)
        return printf("xml: cannot open %s\n", argv[1]), 1;
    static char text[64 << 20];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);

    char stack[64][128];
    int depth = 0, elements = 0, roots = 0;
    const char *p = text;
    if (!strncmp(p, "<?xml", 5)) {
        p = strstr(p, "?>");
        if (!p)
            return bad("unterminated declaration", 0);
        p += 2;
    }
    while (*p) {
        if (*p != '<') {
            if (*p == '&') {
                static const char *ents[] = {"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"};
                int ok = 0;
                for (int i = 0; i < 5 && !ok; i++)
                    ok = !strncmp(p, ents[i], strlen(ents[i]));
                if (!ok)
                    return bad("unknown entity", p - text);
            }
            if (depth == 0 && !isspace((unsigned char)*p))
                return bad("text outside the root element", p - text);
            if ((unsigned char)*p < 0x20 && !isspace((unsigned char)*p))
                return bad("control character", p - text);
            p++;
            continue;
        }
        int closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t n = strcspn(name, " \t\n/>");
        if (n == 0 || n >= 128)
            return bad("bad tag name", p - text);
        const char *end = name + n;
        while (*end && *end != '>') {   /* attributes: name="value" */
            if (*end == '"') {
                const char *q = strchr(end + 1, '"');
                if (!q)
                    return bad("unterminated attribute", end - text);
                if (memchr(end + 1, '<', (size_t)(q - end - 1)))
                    return bad("< inside an attribute", end - text);
                end = q;
            }
            end++;
        }
        if (!*end)
            return bad("unterminated tag", p - text);
        int self_closing = end[-1] == '/';
        if (closing) {
            if (depth == 0 || strncmp(stack[depth - 1], name, n) || stack[depth - 1][n])
                return bad("closing tag does not match", p - text);
            depth--;
        } else {
            elements++;
            if (depth == 0 && ++roots > 1)
                return bad("more than one root element", p - text);
            if (!self_closing) {
                if (depth == 64)
                    return bad("nested too deep", p - text);
                memcpy(stack[depth], name, n);
                stack[depth++][n] = '\0';
            }
        }
        p = end + 1;
    }
    if (depth)
        return bad("unclosed element", (long)len);
    if (!roots)
        return bad("no root element", 0);
    printf("ok: %d elements\n", elements);
    return 0;
}
