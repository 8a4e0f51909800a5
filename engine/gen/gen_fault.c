/*
 * Faulty and unusual rows: the slow, general path of the generator.
 *
 * Design: a row is first spelled out as seven fields, each a string, a
 * raw token (a JSON number, a deliberately broken CSV text), null or
 * absent, plus a few line-level switches (quote everything, pad with
 * spaces, CRLF, JSON key order, \u escapes, extra members); one variant
 * then changes exactly one thing, and a general serializer writes it.
 * Each faulty variant is built so that a validator following the reject rules of docs/formats.md
 * must give exactly one, known reason — the other fields stay valid — and
 * that reason is counted.  A CSV row whose quote never closes swallows the
 * rest of the file, so it is only made for the file's last row; every
 * other CSV row has an even number of quotes.  Duplicate record ids repeat
 * an earlier valid row of the same block (a block never sees another
 * block's rows); a block with no valid row yet writes the row valid, and
 * it becomes the one later duplicates repeat.
 */
#include "gen_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_STR, F_RAW, F_NULL, F_ABSENT };
enum { K_RID, K_UNIT, K_STAFF, K_PAT, K_CODE, K_DATE, K_QTY, K_N };
static const char *const key_name[K_N] = {"record_id", "unit_id",      "staff_id", "patient_id",
                                          "item_code", "service_date", "quantity"};

typedef struct Fld {
    int t;
    const char *p;
    size_t n;
} Fld;

typedef struct Line {
    Fld f[K_N];
    uint8_t order[K_N];  /* JSON member order */
    bool quote_all;      /* CSV: quote every string field */
    bool pad;            /* spaces around fields / tokens */
    bool crlf;
    bool uesc;           /* JSON: \u-escape the ASCII of unit, staff and item */
    bool array;          /* JSON: an array instead of an object */
    int dup_key;         /* JSON: repeat this member, -1 for none */
    const char *extra;   /* CSV: one more field; JSON: more members (with leading comma) */
    const char *trail;   /* text after the row, before the line end */
} Line;

/* scratch slices, one per composed text */
enum { S_RID, S_UNIT, S_STAFF, S_PAT, S_CODE, S_DATE, S_QTY, S_N };

static char *slice(DgGenCtx *cx, int i)
{
    size_t each = cx->m->max_id + 96;
    if (!cx->scratch) {
        cx->scratch_cap = each * S_N;
        cx->scratch = dg_xmalloc(cx->scratch_cap);
    }
    return cx->scratch + (size_t)i * each;
}

static void set(Line *l, int k, int t, const char *p, size_t n)
{
    l->f[k].t = t;
    l->f[k].p = p;
    l->f[k].n = n;
}

static void set_text(Line *l, int k, int t, const char *p)
{
    set(l, k, t, p, strlen(p));
}

/* The row r in its plain form, fields pointing into scratch. */
static void base_line(DgGenCtx *cx, const DgGenRow *r, Line *l)
{
    const DgGenModel *m = cx->m;
    const DgGenUnit *gu = &m->units[r->unit];
    const char *uid = m->s->units[r->unit].id;
    memset(l, 0, sizeof *l);
    l->dup_key = -1;
    for (int i = 0; i < K_N; i++)
        l->order[i] = (uint8_t)i;
    char *p = slice(cx, S_RID);
    p[0] = 'R';
    set(l, K_RID, F_STR, p, 1 + (size_t)(dg_gen_put_padded(p + 1, r->g + 1, m->rid_width) - (p + 1)));
    set_text(l, K_UNIT, F_STR, uid);
    p = slice(cx, S_STAFF);
    size_t un = strlen(uid);
    memcpy(p, uid, un);
    memcpy(p + un, "-S", 2);
    char *e = dg_gen_put_padded(p + un + 2, r->staff + 1, gu->staff_digits);
    set(l, K_STAFF, F_STR, p, (size_t)(e - p));
    if (r->patient >= 0) {
        p = slice(cx, S_PAT);
        p[0] = 'P';
        e = dg_gen_put_padded(p + 1, gu->pat_base + (uint64_t)r->patient + 1, m->pat_width);
        set(l, K_PAT, F_STR, p, (size_t)(e - p));
    } else {
        set(l, K_PAT, F_NULL, "", 0);
    }
    set_text(l, K_CODE, F_STR, m->s->catalog[m->s->code_first[r->code]].code);
    set(l, K_DATE, F_STR, m->day_txt + (size_t)r->day * 10, 10);
    p = slice(cx, S_QTY);
    e = dg_gen_put_padded(p, r->qty, dg_gen_digits(r->qty));
    set(l, K_QTY, F_RAW, p, (size_t)(e - p));
}

/* ---- serializers -------------------------------------------------------------- */

static char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static char *put_s(char *p, const char *s)
{
    return put(p, s, strlen(s));
}

static size_t line_bound(const Line *l)
{
    size_t n = 256;
    for (int i = 0; i < K_N; i++)
        n += 2 * (6 * l->f[i].n + 8) + 16;
    if (l->extra)
        n += strlen(l->extra);
    if (l->trail)
        n += strlen(l->trail);
    return n;
}

static char *json_value(char *p, const Line *l, int k)
{
    const Fld *f = &l->f[k];
    if (f->t == F_NULL)
        return put_s(p, "null");
    if (f->t == F_RAW)
        return put(p, f->p, f->n);
    bool u = l->uesc && (k == K_UNIT || k == K_STAFF || k == K_CODE);
    return dg_gen_put_json(p, f->p, f->n, u);
}

static char *write_json(char *p, const Line *l)
{
    const char *sep = l->pad ? " , " : ",", *colon = l->pad ? " : " : ":";
    if (l->pad)
        p = put_s(p, "  ");
    if (l->array) {
        *p++ = '[';
        bool first = true;
        for (int i = 0; i < K_N; i++) {
            if (l->f[i].t == F_ABSENT)
                continue;
            if (!first)
                *p++ = ',';
            first = false;
            p = json_value(p, l, i);
        }
        *p++ = ']';
    } else {
        *p++ = '{';
        bool first = true;
        for (int j = 0; j <= K_N; j++) {
            int k = j < K_N ? l->order[j] : l->dup_key;
            if (k < 0 || l->f[k].t == F_ABSENT)
                continue;
            if (!first)
                p = put_s(p, sep);
            first = false;
            *p++ = '"';
            p = put_s(p, key_name[k]);
            *p++ = '"';
            p = put_s(p, colon);
            p = json_value(p, l, k);
        }
        if (l->extra)
            p = put_s(p, l->extra);
        *p++ = '}';
    }
    if (l->pad)
        p = put_s(p, " \t");
    return p;
}

static char *write_csv(char *p, const Line *l, DgGenRng *rng)
{
    static const char *const pads[] = {" ", "  ", "\t", " \t"};
    bool first = true;
    for (int k = 0; k < K_N; k++) {
        const Fld *f = &l->f[k];
        if (f->t == F_ABSENT)
            continue;
        if (!first)
            *p++ = ',';
        first = false;
        bool quoted = f->t == F_STR && (l->quote_all || dg_gen_csv_needs_quotes(f->p, f->n));
        bool pad = l->pad && !quoted && f->t != F_RAW;
        if (pad)
            p = put_s(p, pads[dg_gen_below(rng, 4)]);
        if (f->t == F_STR)
            p = dg_gen_put_csv(p, f->p, f->n, l->quote_all);
        else if (f->t == F_RAW)
            p = put(p, f->p, f->n);
        if (pad)
            p = put_s(p, pads[dg_gen_below(rng, 4)]);
    }
    if (l->extra) {
        *p++ = ',';
        p = put_s(p, l->extra);
    }
    return p;
}

static void write_line(DgGenCtx *cx, const Line *l)
{
    char *p0 = dg_gen_reserve(cx, line_bound(l)), *p = p0;
    p = cx->m->format == DG_GEN_JSONL ? write_json(p, l) : write_csv(p, l, &cx->rng);
    if (l->trail)
        p = put_s(p, l->trail);
    p = put_s(p, l->crlf ? "\r\n" : "\n");
    for (char *q = p0; (q = memchr(q, '\n', (size_t)(p - q))) != NULL; q++)
        cx->st.lines++;
    cx->len += (size_t)(p - p0);
}

/* ---- variants --------------------------------------------------------------------- */

#define PICK(rng, arr) (arr)[dg_gen_below((rng), sizeof(arr) / sizeof *(arr))]

static void date_text(DgGenCtx *cx, Line *l, int32_t abs_day, int style)
{
    int y, mo, d;
    dg_date_to_ymd(abs_day, &y, &mo, &d);
    char *p = slice(cx, S_DATE);
    size_t cap = cx->m->max_id + 96;
    switch (style) {
    case 0: snprintf(p, cap, "%04d-%02d-%02d", y, mo, d); break;
    case 1: snprintf(p, cap, "%d/%d/%d", y, mo, d); break;
    case 2: snprintf(p, cap, "%04d-%02d-%02dT%02d:%02d", y, mo, d, 8 + (d * 7) % 10, (mo * 13) % 60); break;
    case 3: snprintf(p, cap, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, 8 + (d * 3) % 10, (d * 11) % 60, mo * 4); break;
    /* invalid spellings of the same day */
    case 10: snprintf(p, cap, "%04d-02-30", y); break;
    case 11: snprintf(p, cap, "%04d.%02d.%02d", y, mo, d); break;
    case 12: snprintf(p, cap, "%02d-%02d-%02d", y % 100, mo, d); break;
    case 13: snprintf(p, cap, "%04d-13-%02d", y, d); break;
    case 14: snprintf(p, cap, "%04d-%d/%d", y, mo, d); break;
    case 15: snprintf(p, cap, "%02d/%02d/%04d", d, mo, y); break;
    case 16: snprintf(p, cap, "%04d%02d%02d", y, mo, d); break;
    case 17: snprintf(p, cap, "%04d-%02d-%02dx", y, mo, d); break;
    default: snprintf(p, cap, "%04d-%02d-00", y, mo); break;
    }
    set_text(l, K_DATE, F_STR, p);
}

/* A variant of `id` that is not a known unit (units) / item code. */
static void unknown_id(DgGenCtx *cx, Line *l, int k, const char *id, bool units)
{
    const DgGenModel *m = cx->m;
    char *p = slice(cx, k == K_UNIT ? S_UNIT : S_CODE);
    size_t cap = m->max_id + 96, n = strlen(id);
    switch (dg_gen_below(&cx->rng, 4)) {
    case 0: snprintf(p, cap, "%s0", id); break;
    case 1: snprintf(p, cap, "X%s", id); break;
    case 2:
        for (size_t i = 0; i <= n; i++)
            p[i] = id[i] >= 'A' && id[i] <= 'Z' ? (char)(id[i] | 0x20) : id[i] >= 'a' && id[i] <= 'z' ? (char)(id[i] & ~0x20) : id[i];
        break;
    default: snprintf(p, cap, units ? "UNIT-%03u" : "ITEM-%03u", (unsigned)dg_gen_below(&cx->rng, 1000)); break;
    }
    for (int t = 0; t < 40; t++) {
        size_t pn = strlen(p);
        if (!(units ? dg_gen_unit_exists(m, p, pn) : dg_gen_code_exists(m, p, pn)))
            break;
        if (pn + 2 < cap) { /* still known: lengthen until it is not */
            p[pn] = 'Z';
            p[pn + 1] = 0;
        }
    }
    set_text(l, k, F_STR, p);
}

static const int required[] = {K_RID, K_UNIT, K_STAFF, K_CODE, K_DATE};

/* Returns the reason written, or -1 when the row must be written valid. */
static int faulty(DgGenCtx *cx, const DgGenRow *r, Line *l)
{
    const DgGenModel *m = cx->m;
    DgGenRng *rng = &cx->rng;
    bool json = m->format == DG_GEN_JSONL;
    int avail[DG_GEN_N_FAULTS], na = 0;
    for (int i = 0; i < DG_GEN_N_FAULTS; i++)
        if (i != DG_GEN_ITEM_NOT_IN_FORCE || m->n_gaps)
            avail[na++] = i;
    int reason = avail[dg_gen_below(rng, (uint64_t)na)];
    int32_t abs_day = m->from + r->day;
    switch (reason) {
    case DG_GEN_MALFORMED:
        if (!json) {
            uint64_t v = dg_gen_below(rng, cx->file_last ? 5 : 4);
            char *p = slice(cx, S_DATE);
            size_t cap = m->max_id + 96;
            if (v == 0) {
                l->f[dg_gen_below(rng, K_N)].t = F_ABSENT; /* six fields */
            } else if (v == 1) {
                static const char *const extra[] = {"", "备注", "x"};
                l->extra = PICK(rng, extra); /* eight fields */
            } else if (v == 2) {
                snprintf(p, cap, "%.4s-\"%.2s\"-%.2s", l->f[K_DATE].p, l->f[K_DATE].p + 5, l->f[K_DATE].p + 8);
                set_text(l, K_DATE, F_RAW, p); /* quotes inside an unquoted field */
            } else if (v == 3) {
                snprintf(p, cap, "\"%.10s\"x", l->f[K_DATE].p);
                set_text(l, K_DATE, F_RAW, p); /* text after a closing quote */
            } else {
                snprintf(p, cap, "\"%.10s", l->f[K_DATE].p);
                set_text(l, K_DATE, F_RAW, p); /* unterminated: runs to the end of the file */
            }
        } else {
            uint64_t v = dg_gen_below(rng, 5);
            if (v == 0) {
                return -2; /* truncated: the caller cuts the written line */
            } else if (v == 1) {
                l->array = true;
            } else if (v == 2) {
                l->dup_key = (int)dg_gen_below(rng, K_N);
            } else if (v == 3) {
                static const char *const bad[] = {"true", "1.5", "[\"x\"]", "{\"v\":1}", "false", "2e3"};
                int k = (int)dg_gen_below(rng, K_QTY); /* any key but quantity */
                set_text(l, k, F_RAW, PICK(rng, bad));
            } else {
                static const char *const trail[] = {" x", "}", ",", "{}"};
                l->trail = PICK(rng, trail);
            }
        }
        break;
    case DG_GEN_MISSING_FIELD: {
        int k = PICK(rng, required);
        uint64_t v = dg_gen_below(rng, 3);
        if (json)
            set(l, k, v == 0 ? F_ABSENT : v == 1 ? F_NULL : F_STR, "", 0);
        else if (v == 0)
            set(l, k, F_RAW, "  ", 2); /* blank once trimmed */
        else
            set(l, k, F_NULL, "", 0);
        break;
    }
    case DG_GEN_BAD_QUANTITY:
        if (json) {
            static const char *const bad[] = {"0",    "-2",         "1.5",        "10001",      "1e2", "true",
                                              "\"+3\"", "\"1.5\"", "\"00\"", "[1]", "-0",  "\"abc\""};
            set_text(l, K_QTY, F_RAW, PICK(rng, bad));
        } else {
            static const char *const bad[] = {"0", "-2", "1.5", "+3", "10001", "00", "1e2", "abc", "２", "3 4"};
            set_text(l, K_QTY, F_RAW, PICK(rng, bad));
        }
        break;
    case DG_GEN_BAD_DATE:
        if (json && dg_gen_below(rng, 6) == 0) {
            int y, mo, d;
            dg_date_to_ymd(abs_day, &y, &mo, &d);
            char *p = slice(cx, S_DATE);
            snprintf(p, m->max_id + 96, "%04d%02d%02d", y, mo, d);
            set_text(l, K_DATE, F_RAW, p); /* an integer */
        } else {
            date_text(cx, l, abs_day, 10 + (int)dg_gen_below(rng, 9));
        }
        break;
    case DG_GEN_OUT_OF_PERIOD: {
        int32_t d = dg_gen_below(rng, 2) ? m->s->period_from - 1 - (int32_t)dg_gen_below(rng, 90)
                                         : m->s->period_to + 1 + (int32_t)dg_gen_below(rng, 90);
        date_text(cx, l, d, (int)dg_gen_below(rng, 2));
        break;
    }
    case DG_GEN_UNKNOWN_UNIT:
        unknown_id(cx, l, K_UNIT, m->s->units[r->unit].id, true);
        break;
    case DG_GEN_UNKNOWN_ITEM:
        unknown_id(cx, l, K_CODE, l->f[K_CODE].p, false);
        break;
    case DG_GEN_ITEM_NOT_IN_FORCE: {
        const DgGenGap *gp = &m->gaps[dg_gen_below(rng, m->n_gaps)];
        int32_t d = gp->lo + (int32_t)dg_gen_below(rng, (uint64_t)(gp->hi - gp->lo + 1));
        set_text(l, K_CODE, F_STR, m->s->catalog[m->s->code_first[gp->code]].code);
        set(l, K_DATE, F_STR, m->day_txt + (size_t)d * 10, 10);
        break;
    }
    default: /* DG_GEN_DUPLICATE_RECORD_ID */
        if (!cx->have_last)
            return -1;
        char *p = slice(cx, S_RID);
        if (cx->last_numeric) {
            char *e = dg_gen_put_padded(p, cx->last_g + 1, dg_gen_digits(cx->last_g + 1));
            set(l, K_RID, F_RAW, p, (size_t)(e - p));
        } else {
            p[0] = 'R';
            char *e = dg_gen_put_padded(p + 1, cx->last_g + 1, m->rid_width);
            set(l, K_RID, F_STR, p, (size_t)(e - p));
        }
        break;
    }
    return reason;
}

/* A valid row in an unusual spelling.  Sets cx->last_numeric. */
static void unusual(DgGenCtx *cx, const DgGenRow *r, Line *l)
{
    const DgGenModel *m = cx->m;
    DgGenRng *rng = &cx->rng;
    int32_t abs_day = m->from + r->day;
    bool has_pat = r->patient >= 0;
    char *pat = slice(cx, S_PAT);
    size_t pn = l->f[K_PAT].n;
    cx->last_numeric = false;
    if (m->format == DG_GEN_CSV) {
        switch (dg_gen_below(rng, 8)) {
        case 0:
        case 5:
        case 7: {
            static const char *const extra[] = {",家属", "\n(复诊)", " \"VIP\""};
            uint64_t v = dg_gen_below(rng, 3);
            l->quote_all = v == 0;
            if (has_pat) {
                strcpy(pat + pn, extra[v]); /* a comma, a newline or quotes inside quotes */
                set_text(l, K_PAT, F_STR, pat);
            } else {
                l->quote_all = true;
            }
            break;
        }
        case 1: date_text(cx, l, abs_day, 1); break;
        case 2: date_text(cx, l, abs_day, 2 + (int)dg_gen_below(rng, 2)); break;
        case 3: l->pad = true; break;
        case 4:
            if (r->qty == 1)
                set(l, K_QTY, F_NULL, "", 0);
            else
                l->crlf = true;
            break;
        default: l->crlf = true; break;
        }
        return;
    }
    switch (dg_gen_below(rng, 9)) {
    case 0:
        for (int i = K_N - 1; i > 0; i--) {
            int j = (int)dg_gen_below(rng, (uint64_t)i + 1);
            uint8_t t = l->order[i];
            l->order[i] = l->order[j];
            l->order[j] = t;
        }
        l->extra = ",\"note\":\"复诊\",\"meta\":{\"src\":[1,2.5,true,null],\"k\":\"v\"}";
        break;
    case 1: date_text(cx, l, abs_day, 1); break;
    case 2: date_text(cx, l, abs_day, 2 + (int)dg_gen_below(rng, 2)); break;
    case 3: l->pad = true; break;
    case 4:
        if (r->qty == 1 && dg_gen_below(rng, 2))
            set(l, K_QTY, dg_gen_below(rng, 2) ? F_NULL : F_ABSENT, "", 0);
        else
            set(l, K_QTY, F_STR, l->f[K_QTY].p, l->f[K_QTY].n); /* "2" */
        break;
    case 5: l->uesc = true; break;
    case 6: l->crlf = true; break;
    case 7:
        if (has_pat) {
            strcpy(pat + pn, ",\"VIP\"\\备注");
            set_text(l, K_PAT, F_STR, pat);
        } else {
            l->uesc = true;
        }
        break;
    default: {
        char *p = slice(cx, S_RID);
        char *e = dg_gen_put_padded(p, r->g + 1, dg_gen_digits(r->g + 1));
        set(l, K_RID, F_RAW, p, (size_t)(e - p));
        cx->last_numeric = true;
        break;
    }
    }
}

bool dg_gen_emit_special(DgGenCtx *cx, const DgGenRow *r)
{
    const DgGenModel *m = cx->m;
    bool bad = dg_gen_below(&cx->rng, 1000000) < m->bad_ppm;
    if (!bad && dg_gen_below(&cx->rng, 1000000) >= m->bad_ppm)
        return false;
    Line l;
    base_line(cx, r, &l);
    if (bad) {
        int reason = faulty(cx, r, &l);
        if (reason == -1)
            return false;
        if (reason == -2) {
            /* truncated JSON: cut the plain line somewhere before its '}' */
            size_t at = cx->len;
            write_line(cx, &l);
            size_t n = cx->len - at - 1; /* without '\n' */
            cx->len = at + 1 + (size_t)dg_gen_below(&cx->rng, n - 1);
            cx->buf[cx->len++] = '\n';
            reason = DG_GEN_MALFORMED;
        } else {
            write_line(cx, &l);
        }
        cx->st.faulty++;
        cx->st.by_reason[reason]++;
        return true;
    }
    unusual(cx, r, &l);
    write_line(cx, &l);
    cx->st.unusual++;
    cx->have_last = true;
    cx->last_g = r->g;
    return true;
}
