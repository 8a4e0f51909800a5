/*
 * RFC 4180 record scanner.  See csvscan.h for the boundary rule.
 *
 * The scanner first finds the record's end (memchr for '\n' when the record
 * has no quote — the overwhelmingly common case — otherwise a byte loop
 * that tracks quote parity), then splits fields inside [start, end).  Doing
 * the boundary first keeps the boundary rule in exactly one place, the one
 * the parallel chunker reproduces.
 */
#include "csvscan.h"

#include <stdlib.h>
#include <string.h>

void dg_csv_record_init(DgCsvRecord *r)
{
    memset(r, 0, sizeof *r);
}

void dg_csv_record_clear(DgCsvRecord *r)
{
    if (!r)
        return;
    free(r->fields);
    free(r->scratch);
    memset(r, 0, sizeof *r);
}

size_t dg_bom_len(const char *buf, size_t len)
{
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF)
        return 3;
    return 0;
}

size_t dg_csv_record_end(const char *buf, size_t end, size_t pos)
{
    bool inq = false;
    size_t i = pos;
    while (i < end) {
        if (!inq) {
            /* fast skip to the next quote or newline */
            const char *nl = memchr(buf + i, '\n', end - i);
            size_t stop = nl ? (size_t)(nl - buf) : end;
            const char *q = memchr(buf + i, '"', stop - i);
            if (!q)
                return nl ? stop + 1 : end;
            i = (size_t)(q - buf) + 1;
            inq = true;
        } else {
            const char *q = memchr(buf + i, '"', end - i);
            if (!q)
                return end;
            i = (size_t)(q - buf) + 1;
            inq = false;
        }
    }
    return end;
}

static void push_field(DgCsvRecord *r, const char *p, size_t len, bool quoted)
{
    if (r->n_fields == r->cap_fields) {
        r->cap_fields = r->cap_fields ? r->cap_fields * 2 : 16;
        r->fields = dg_xrealloc(r->fields, r->cap_fields * sizeof *r->fields);
    }
    r->fields[r->n_fields].ptr = p;
    r->fields[r->n_fields].len = len;
    r->fields[r->n_fields].quoted = quoted;
    r->n_fields++;
}

static inline bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static void set_malformed(DgCsvRecord *r, const char *why)
{
    if (!r->malformed) {
        r->malformed = true;
        r->why = why;
    }
}

bool dg_csv_scan(const char *buf, size_t end, size_t *pos, DgCsvRecord *r)
{
    size_t start = *pos;
    r->n_fields = 0;
    r->blank = false;
    r->malformed = false;
    r->why = NULL;
    r->n_newlines = 0;
    if (start >= end)
        return false;

    size_t rend = dg_csv_record_end(buf, end, start);
    *pos = rend;
    size_t stop = rend; /* content end, without "\n" / "\r\n" */
    bool has_nl = stop > start && buf[stop - 1] == '\n';
    if (has_nl)
        stop--;
    if (stop > start && buf[stop - 1] == '\r')
        stop--;
    /* count newlines: the terminator plus those inside quoted fields */
    if (has_nl)
        r->n_newlines = 1;
    for (const char *p = buf + start; (p = memchr(p, '\n', (size_t)(buf + stop - p))) != NULL; p++)
        r->n_newlines++;

    if (stop == start) {
        r->blank = true;
        return true;
    }

    /* Unescaped bytes of quoted fields go to scratch; it never needs more
     * than the record's length, so size it once and keep pointers stable. */
    size_t need = stop - start + 1;
    if (r->scratch_cap < need) {
        r->scratch_cap = need > 256 ? need : 256;
        r->scratch = dg_xrealloc(r->scratch, r->scratch_cap);
    }
    size_t sc = 0;

    size_t i = start;
    for (;;) {
        /* one field starting at i */
        size_t fs = i;
        while (fs < stop && is_ws(buf[fs]))
            fs++;
        if (fs < stop && buf[fs] == '"') {
            size_t out0 = sc;
            size_t j = fs + 1;
            bool closed = false;
            while (j < stop) {
                const char *q = memchr(buf + j, '"', stop - j);
                if (!q) {
                    memcpy(r->scratch + sc, buf + j, stop - j);
                    sc += stop - j;
                    j = stop;
                    break;
                }
                size_t qi = (size_t)(q - buf);
                memcpy(r->scratch + sc, buf + j, qi - j);
                sc += qi - j;
                if (qi + 1 < stop && buf[qi + 1] == '"') {
                    r->scratch[sc++] = '"';
                    j = qi + 2;
                } else {
                    j = qi + 1;
                    closed = true;
                    break;
                }
            }
            if (!closed)
                set_malformed(r, "unterminated quoted field");
            push_field(r, r->scratch + out0, sc - out0, true);
            while (j < stop && is_ws(buf[j]))
                j++;
            if (j < stop && buf[j] != ',') {
                set_malformed(r, "text after a closing quote");
                /* resynchronise at the next comma */
                const char *c = memchr(buf + j, ',', stop - j);
                j = c ? (size_t)(c - buf) : stop;
            }
            if (j >= stop)
                break;
            i = j + 1; /* past the comma */
        } else {
            const char *c = memchr(buf + fs, ',', stop - fs);
            size_t fe = c ? (size_t)(c - buf) : stop;
            size_t te = fe;
            while (te > fs && is_ws(buf[te - 1]))
                te--;
            if (memchr(buf + fs, '"', te - fs))
                set_malformed(r, "quote inside an unquoted field");
            push_field(r, buf + fs, te - fs, false);
            if (!c)
                break;
            i = fe + 1;
        }
    }
    return true;
}
