/*
 * CSV writer (see csvout.h).  Quoting rule: a cell is quoted when it holds
 * a comma, quote, CR or LF, or starts/ends with a space or tab (our own
 * reader trims those, so quoting keeps a round trip exact).
 */
#include "csvout.h"

#include <string.h>

void dg_csvout_init(DgCsvOut *w, FILE *fp, bool bom)
{
    w->fp = fp;
    w->first = true;
    w->sink = NULL;
    if (bom)
        fputs("\xEF\xBB\xBF", fp);
}

void dg_csvout_init_sink(DgCsvOut *w, const DgCellSink *sink)
{
    w->fp = NULL;
    w->first = true;
    w->sink = sink;
}

static void sep(DgCsvOut *w)
{
    if (!w->first)
        fputc(',', w->fp);
    w->first = false;
}

void dg_csvout_textn(DgCsvOut *w, const char *s, size_t n)
{
    if (w->sink) {
        w->sink->text(w->sink->ctx, s, n);
        return;
    }
    sep(w);
    bool neut = n > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r');
    bool quote = neut && (s[0] == '\t' || s[0] == '\r');
    for (size_t i = 0; i < n && !quote; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = true;
    if (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        quote = true;
    if (!quote) {
        if (neut)
            fputc('\'', w->fp);
        fwrite(s, 1, n, w->fp);
        return;
    }
    fputc('"', w->fp);
    if (neut)
        fputc('\'', w->fp);
    size_t from = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"') {
            fwrite(s + from, 1, i + 1 - from, w->fp);
            fputc('"', w->fp);
            from = i + 1;
        }
    fwrite(s + from, 1, n - from, w->fp);
    fputc('"', w->fp);
}

void dg_csvout_text(DgCsvOut *w, const char *s)
{
    dg_csvout_textn(w, s, strlen(s));
}

void dg_csvout_num(DgCsvOut *w, const char *s)
{
    if (w->sink) {
        w->sink->num(w->sink->ctx, s);
        return;
    }
    sep(w);
    fputs(s, w->fp);
}

void dg_csvout_u64(DgCsvOut *w, uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%llu", (unsigned long long)v);
    dg_csvout_num(w, b);
}

void dg_csvout_end(DgCsvOut *w)
{
    if (w->sink) {
        w->sink->end(w->sink->ctx);
        return;
    }
    fputc('\n', w->fp);
    w->first = true;
}

bool dg_csvout_full(const DgCsvOut *w)
{
    return w->sink && w->sink->full && w->sink->full(w->sink->ctx);
}

void dg_csvout_skip(DgCsvOut *w, uint64_t rows)
{
    if (w->sink && w->sink->skip)
        w->sink->skip(w->sink->ctx, rows);
}

void dg_csvout_header(DgCsvOut *w, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        dg_csvout_text(w, names[i]);
    dg_csvout_end(w);
}
