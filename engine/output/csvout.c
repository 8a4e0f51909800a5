/*
 * CSV writer (see csvout.h).  Quoting rule: a cell is quoted when it holds
 * a comma, quote, CR or LF, or starts/ends with a space or tab (our own
 * reader trims those, so quoting keeps a round trip exact).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* the unlocked stdio calls below */
#endif
#include "csvout.h"

#include <string.h>

/* A CSV file is written by one thread (the output stage gives each file to
 * one task), so stdio's per-call lock is pure cost: ten calls a cell, and
 * on 20M rows flags.csv alone makes ~50 M of them.  glibc has unlocked
 * variants of every call used here; elsewhere the locked ones do. */
#if defined(__GLIBC__)
#define PUTC(c, fp) fputc_unlocked((c), (fp))
#define WRITE(s, n, fp) fwrite_unlocked((s), 1, (n), (fp))
#else
#define PUTC(c, fp) fputc((c), (fp))
#define WRITE(s, n, fp) fwrite((s), 1, (n), (fp))
#endif

/* Bytes that make a cell need quotes anywhere in it. */
static const unsigned char needs_quote[256] = {[','] = 1, ['"'] = 1, ['\n'] = 1, ['\r'] = 1};

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
        PUTC(',', w->fp);
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
        quote = needs_quote[(unsigned char)s[i]];
    if (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        quote = true;
    if (!quote) {
        if (neut)
            PUTC('\'', w->fp);
        WRITE(s, n, w->fp);
        return;
    }
    PUTC('"', w->fp);
    if (neut)
        PUTC('\'', w->fp);
    size_t from = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"') {
            WRITE(s + from, i + 1 - from, w->fp);
            PUTC('"', w->fp);
            from = i + 1;
        }
    WRITE(s + from, n - from, w->fp);
    PUTC('"', w->fp);
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
    WRITE(s, strlen(s), w->fp);
}

void dg_csvout_u64(DgCsvOut *w, uint64_t v)
{
    char b[24], *e = b + sizeof b - 1, *p = e;
    *p = 0;
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    if (w->sink) {
        w->sink->num(w->sink->ctx, p);
        return;
    }
    sep(w);
    WRITE(p, (size_t)(e - p), w->fp);
}

void dg_csvout_end(DgCsvOut *w)
{
    if (w->sink) {
        w->sink->end(w->sink->ctx);
        return;
    }
    PUTC('\n', w->fp);
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
