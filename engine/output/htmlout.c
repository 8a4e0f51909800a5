/*
 * Escaping and formatting helpers of report.html (see htmlout.h).  Byte
 * loops with no locale and no allocation, so the page's bytes depend only
 * on the inputs.
 */
#include "htmlout.h"

#include <string.h>

static bool is_bad_control(unsigned char c)
{
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

void dg_html_textn(FILE *fp, const char *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: rep = is_bad_control((unsigned char)s[i]) ? "\xEF\xBF\xBD" : NULL; break;
        }
        if (!rep)
            continue;
        fwrite(s + from, 1, i - from, fp);
        fputs(rep, fp);
        from = i + 1;
    }
    fwrite(s + from, 1, n - from, fp);
}

void dg_html_text(FILE *fp, const char *s)
{
    dg_html_textn(fp, s ? s : "", s ? strlen(s) : 0);
}

void dg_html_json_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    size_t n = s ? strlen(s) : 0, from = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char rep[8];
        size_t skip = 1;
        if (c == '"' || c == '\\') {
            rep[0] = '\\';
            rep[1] = (char)c;
            rep[2] = 0;
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\'' || c == 0x7f) {
            snprintf(rep, sizeof rep, "\\u%04x", c);
        } else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                   ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
            snprintf(rep, sizeof rep, "\\u%04x", (unsigned)(0x2000 + ((unsigned char)s[i + 2] - 0x80)));
            skip = 3;
        } else {
            continue;
        }
        fwrite(s + from, 1, i - from, fp);
        fputs(rep, fp);
        from = i + skip;
        i += skip - 1;
    }
    fwrite(s + from, 1, n - from, fp);
    fputc('"', fp);
}

size_t dg_html_utf8_prefix(const char *s, size_t max_chars, bool *cut)
{
    size_t i = 0, chars = 0;
    while (s[i]) {
        if (chars == max_chars) {
            if (cut)
                *cut = true;
            return i;
        }
        i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    if (cut)
        *cut = false;
    return i;
}

void dg_html_group(const char *in, char *out)
{
    size_t o = 0, i = 0;
    if (in[0] == '-')
        out[o++] = in[i++];
    size_t digits = strspn(in + i, "0123456789");
    for (size_t k = 0; k < digits; k++) {
        if (k > 0 && (digits - k) % 3 == 0)
            out[o++] = ',';
        out[o++] = in[i + k];
    }
    strcpy(out + o, in + i + digits);
}

void dg_html_trim_zeros(char *s)
{
    char *dot = strchr(s, '.');
    if (!dot)
        return;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '0')
        s[--n] = 0;
    if (n > 0 && s[n - 1] == '.')
        s[--n] = 0;
}

void dg_html_lines(FILE *fp, const char *const *lines)
{
    for (size_t i = 0; lines[i]; i++) {
        fputs(lines[i], fp);
        fputc('\n', fp);
    }
}
