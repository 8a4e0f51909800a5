/*
 * Compact partition entries; see spillcodec.h for the format and why.
 */
#include "spillcodec.h"

#include <stdlib.h>
#include <string.h>

static inline char *put_v(char *w, uint64_t v)
{
    while (v >= 0x80) {
        *w++ = (char)(v | 0x80);
        v >>= 7;
    }
    *w++ = (char)v;
    return w;
}

static inline uint64_t zig(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t unzig(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* A varint before end; false when it runs past end or is too long. */
static inline bool get_v(const char **pp, const char *end, uint64_t *out)
{
    const char *p = *pp;
    if (p < end && !((unsigned char)*p & 0x80)) { /* most numbers here are one byte */
        *out = (unsigned char)*p;
        *pp = p + 1;
        return true;
    }
    uint64_t v = 0;
    for (unsigned sh = 0; sh < 64; sh += 7) {
        if (p >= end)
            return false;
        unsigned char c = (unsigned char)*p++;
        v |= (uint64_t)(c & 0x7F) << sh;
        if (!(c & 0x80)) {
            *pp = p;
            *out = v;
            return true;
        }
    }
    return false;
}

/* Length of the common prefix of a and b (m bytes at most), eight bytes at a time. */
static inline uint32_t common_prefix(const char *a, const char *b, uint32_t m)
{
    uint32_t k = 0;
    while (k + 8 <= m) {
        uint64_t x, y;
        memcpy(&x, a + k, 8);
        memcpy(&y, b + k, 8);
        if (x != y)
            return k + (uint32_t)__builtin_ctzll(x ^ y) / 8; /* little-endian: the first differing byte */
        k += 8;
    }
    while (k < m && a[k] == b[k])
        k++;
    return k;
}

static inline char *put_front(char *w, const char *prev, uint32_t prev_len, const char *s, uint32_t len)
{
    uint32_t k = common_prefix(prev, s, prev_len < len ? prev_len : len), rest = len - k;
    if (k < 0x80 && rest < 0x80) {
        w[0] = (char)k;
        w[1] = (char)rest;
        w += 2;
    } else {
        w = put_v(w, k);
        w = put_v(w, rest);
    }
    memcpy(w, s + k, rest);
    return w + rest;
}

char *dg_spillcodec_put_unit(DgSpillEnc *e, char *w, const DgRow *r, uint32_t cand, const char *rec, uint32_t rec_len,
                             const char *pat, uint32_t pat_len)
{
    bool has_pat = r->patient != DG_NO_PATIENT;
    w = put_v(w, cand - e->prev_cand);
    w = put_v(w, r->staff);
    w = put_v(w, r->crow);
    w = put_v(w, zig((int64_t)r->date - e->prev_date));
    w = put_v(w, (uint64_t)r->qty * 2 + has_pat);
    w = put_v(w, r->file);
    w = put_v(w, zig((int64_t)r->line - e->prev_line));
    w = put_front(w, e->prev_rec, e->prev_rec_len, rec, rec_len);
    e->prev_cand = cand;
    e->prev_date = r->date;
    e->prev_line = r->line;
    e->prev_rec = rec;
    e->prev_rec_len = rec_len;
    e->rec_bytes += rec_len;
    if (has_pat) {
        w = put_front(w, e->prev_pat, e->prev_pat_len, pat, pat_len);
        e->prev_pat = pat;
        e->prev_pat_len = pat_len;
        e->pat_bytes += pat_len;
    }
    e->n++;
    return w;
}

char *dg_spillcodec_put_id(DgSpillEnc *e, char *w, uint32_t cand, uint16_t file, uint32_t line, const char *id,
                           uint32_t len)
{
    w = put_v(w, cand - e->prev_cand);
    w = put_v(w, file);
    w = put_v(w, zig((int64_t)line - e->prev_line));
    w = put_front(w, e->prev_rec, e->prev_rec_len, id, len);
    e->prev_cand = cand;
    e->prev_line = line;
    e->prev_rec = id;
    e->prev_rec_len = len;
    e->rec_bytes += len;
    e->n++;
    return w;
}

size_t dg_spillcodec_put_header(char *hdr, const DgSpillEnc *e, size_t body)
{
    char *w = put_v(hdr, e->n);
    w = put_v(w, body);
    w = put_v(w, e->rec_bytes);
    w = put_v(w, e->pat_bytes);
    return (size_t)(w - hdr);
}

bool dg_spillcodec_segments(const char *buf, size_t len, DgSpillSegs *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        uint64_t n, bytes, rb, pb;
        if (!get_v(&p, end, &n) || !get_v(&p, end, &bytes) || !get_v(&p, end, &rb) || !get_v(&p, end, &pb) ||
            bytes > (uint64_t)(end - p) || n == 0 || n > UINT32_MAX)
            goto bad;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            out->v = dg_xrealloc(out->v, cap * sizeof *out->v);
        }
        out->v[out->n++] = (DgSpillSeg){.body = p, .bytes = (size_t)bytes, .n = (uint32_t)n, .rec_bytes = rb,
                                        .pat_bytes = pb, .first = out->entries, .first_rec = out->rec_bytes,
                                        .first_pat = out->pat_bytes};
        /* the ids cannot be longer than the body that holds them, front-coded or not, by more than
         * n entries times the longest id: a cheap bound against a damaged header's huge sizes */
        if (rb > (bytes + 1) * (uint64_t)DG_MAX_ID_BYTES || pb > (bytes + 1) * (uint64_t)DG_MAX_ID_BYTES)
            goto bad;
        out->entries += n;
        out->rec_bytes += rb + DG_SPILLCODEC_SLACK;
        out->pat_bytes += pb + DG_SPILLCODEC_SLACK;
        p += bytes;
    }
    return true;
bad:
    free(out->v);
    memset(out, 0, sizeof *out);
    return false;
}

/* A front-coded id into arena at *at (capacity cap, plus DG_SPILLCODEC_SLACK
 * writable bytes after it); the previous one is prev (prev_len bytes, in the
 * arena, just before *at). */
static inline bool get_front(const char **pp, const char *end, char *arena, uint64_t *at, uint64_t cap,
                             const char *prev, uint32_t prev_len, uint32_t *len)
{
    uint64_t k, rest;
    if (!get_v(pp, end, &k) || !get_v(pp, end, &rest) || k > prev_len || rest > (uint64_t)(end - *pp) ||
        k + rest > cap - *at)
        return false;
    char *w = arena + *at;
    /* short ids (the common case) move as one 32-byte block each: the
     * prefix is loaded whole before anything is stored (it may overlap
     * where it goes), the suffix only when the segment has 32 bytes left */
    if (k <= 32 && rest <= 32 && (uint64_t)(end - *pp) >= 32) {
        char t[32];
        memcpy(t, prev, 32);
        memcpy(w, t, 32);
        memcpy(w + k, *pp, 32);
    } else {
        memmove(w, prev, (size_t)k);
        memcpy(w + k, *pp, (size_t)rest);
    }
    *pp += rest;
    *len = (uint32_t)(k + rest);
    *at += k + rest;
    return true;
}

bool dg_spillcodec_get_units(const DgSpillSeg *sg, DgRow *rows, uint32_t *cand, char *rec, uint64_t *rec_off,
                             uint32_t *rec_len, char *pat, uint64_t *pat_off, uint32_t *pat_len)
{
    const char *p = sg->body, *end = sg->body + sg->bytes;
    uint64_t ra = sg->first_rec, pa = sg->first_pat, rcap = sg->first_rec + sg->rec_bytes,
             pcap = sg->first_pat + sg->pat_bytes;
    uint64_t c = 0, date = 0, line = 0, prev_r = ra, prev_p = pa;
    uint32_t prl = 0, ppl = 0;
    for (uint32_t k = 0; k < sg->n; k++) {
        size_t i = (size_t)(sg->first + k);
        uint64_t dc, staff, crow, dd, qp, file, dl;
        if (!get_v(&p, end, &dc) || !get_v(&p, end, &staff) || !get_v(&p, end, &crow) || !get_v(&p, end, &dd) ||
            !get_v(&p, end, &qp) || !get_v(&p, end, &file) || !get_v(&p, end, &dl))
            return false;
        c += dc;
        date += (uint64_t)unzig(dd);
        line += (uint64_t)unzig(dl);
        if (c > UINT32_MAX || staff > UINT32_MAX || crow > UINT32_MAX || qp / 2 > UINT16_MAX || file > UINT16_MAX ||
            line > UINT32_MAX)
            return false;
        DgRow *r = &rows[i];
        r->staff = (uint32_t)staff;
        r->crow = (uint32_t)crow;
        r->date = (int32_t)date;
        r->qty = (uint16_t)(qp / 2);
        r->file = (uint16_t)file;
        r->line = (uint32_t)line;
        cand[i] = (uint32_t)c;
        rec_off[i] = ra;
        if (!get_front(&p, end, rec, &ra, rcap, rec + prev_r, prl, &rec_len[i]))
            return false;
        prev_r = rec_off[i];
        prl = rec_len[i];
        if (qp & 1) {
            r->patient = 0;
            pat_off[i] = pa;
            if (!get_front(&p, end, pat, &pa, pcap, pat + prev_p, ppl, &pat_len[i]))
                return false;
            prev_p = pat_off[i];
            ppl = pat_len[i];
        } else {
            r->patient = DG_NO_PATIENT;
            pat_off[i] = 0;
            pat_len[i] = 0;
        }
    }
    return p == end && ra == rcap && pa == pcap;
}

bool dg_spillcodec_get_ids(const DgSpillSeg *sg, uint32_t *cand, uint16_t *file, uint32_t *line, char *ids,
                           uint64_t *off, uint32_t *len)
{
    const char *p = sg->body, *end = sg->body + sg->bytes;
    uint64_t a = sg->first_rec, cap = sg->first_rec + sg->rec_bytes, c = 0, ln = 0, prev = a;
    uint32_t pl = 0;
    if (sg->pat_bytes)
        return false;
    for (uint32_t k = 0; k < sg->n; k++) {
        size_t i = (size_t)(sg->first + k);
        uint64_t dc, f, dl;
        if (!get_v(&p, end, &dc) || !get_v(&p, end, &f) || !get_v(&p, end, &dl))
            return false;
        c += dc;
        ln += (uint64_t)unzig(dl);
        if (c > UINT32_MAX || f > UINT16_MAX || ln > UINT32_MAX)
            return false;
        cand[i] = (uint32_t)c;
        file[i] = (uint16_t)f;
        line[i] = (uint32_t)ln;
        off[i] = a;
        if (!get_front(&p, end, ids, &a, cap, ids + prev, pl, &len[i]))
            return false;
        prev = off[i];
        pl = len[i];
    }
    return p == end && a == cap;
}
