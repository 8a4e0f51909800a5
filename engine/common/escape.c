/*
 * Text made safe to show: control characters and undecodable bytes become
 * visible \xNN escapes (see dg_text_escape in dangliang/common.h), so a
 * unit name or a log header carrying ESC sequences cannot move the cursor,
 * retitle the terminal or hide a line, and a file name in a legacy
 * encoding still shows which bytes it has.  Also the warnings list
 * (DgWarnings), the other thing every stage hands to the CLI to show.
 */
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dangliang/common.h"

char *dg_text_escape(const char *s, size_t n, bool keep_newlines)
{
    GString *g = g_string_sized_new(n + 16);
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if ((c < 0x20 && !(keep_newlines && c == '\n')) || c == 0x7F)
                g_string_append_printf(g, "\\x%02X", c);
            else
                g_string_append_c(g, (char)c);
            i++;
            continue;
        }
        const gchar *end = NULL;
        size_t span = n - i < 4 ? n - i : 4;
        gunichar u = g_utf8_get_char_validated(s + i, (gssize)span);
        if (u == (gunichar)-1 || u == (gunichar)-2) {
            g_string_append_printf(g, "\\x%02X", c);
            i++;
            continue;
        }
        size_t len = (size_t)(g_utf8_next_char(s + i) - (s + i));
        (void)end;
        if (u >= 0x80 && u <= 0x9F) { /* C1 controls */
            for (size_t k = 0; k < len; k++)
                g_string_append_printf(g, "\\x%02X", (unsigned char)s[i + k]);
        } else {
            g_string_append_len(g, s + i, (gssize)len);
        }
        i += len;
    }
    char *r = dg_xstrndup(g->str, g->len);
    g_string_free(g, TRUE);
    return r;
}

bool dg_text_needs_escape(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F || c == 0xC2 || c >= 0xF5 || c == 0xC0 || c == 0xC1)
            return true;
    }
    return !g_utf8_validate(s, (gssize)n, NULL);
}

void dg_warnings_add(DgWarnings *w, bool strict, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    w->text = dg_xrealloc(w->text, (w->n + 1) * sizeof *w->text);
    w->strict = dg_xrealloc(w->strict, (w->n + 1) * sizeof *w->strict);
    w->text[w->n] = dg_xstrdup(t);
    w->strict[w->n] = strict;
    w->n++;
    g_free(t);
}

void dg_warnings_clear(DgWarnings *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        free(w->text[i]);
    free(w->text);
    free(w->strict);
    memset(w, 0, sizeof *w);
}
