/*
 * dg_registry_load: the person registry CSV (see registry.h).
 *
 * Design: the file is read whole and scanned with the shared RFC 4180
 * scanner (same trimming and quoting rules as every other CSV), columns are
 * found by header name, and every row is checked as it is read; the first
 * fault stops the load with file, line, column (1-based field number) and a
 * sentence saying what to write instead.  Person ids are interned (the
 * intern id is the file order); after the whole file is read the persons
 * are sorted by (unit, person_id) so that everything derived from the
 * registry is independent of its row order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/scheme_json.h"
#include "catalog/scheme_priv.h"
#include "common/csvscan.h"
#include "dangliang/registry.h"

struct DgRegistryIndex {
    DgIntern *ids;       /* person_id -> file-order id */
    uint32_t *by_intern; /* file-order id -> sorted index */
};

static DgStatus rerr(DgError *err, const char *path, uint64_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static DgStatus rerr(DgError *err, const char *path, uint64_t line, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dg_error_setv(err, DG_E_CONFIG, path, line, (uint32_t)col, fmt, ap);
    va_end(ap);
    return DG_E_CONFIG;
}

static uint64_t line_of(const char *buf, size_t off)
{
    uint64_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += buf[i] == '\n';
    return line;
}

/* Sort key: (unit, person_id). */
typedef struct SortEnt {
    uint32_t unit;
    uint32_t fid; /* file-order id */
    const char *id;
} SortEnt;

static int ent_cmp(const void *x, const void *y)
{
    const SortEnt *a = x, *b = y;
    if (a->unit != b->unit)
        return a->unit < b->unit ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* Row-level parse; fills the file-order arrays. */
typedef struct Raw {
    uint32_t *unit, *flags;
    uint64_t *line;
    size_t n, cap;
} Raw;

static DgStatus parse(const char *path, const char *buf, size_t len, const DgScheme *s, DgIntern *ids, Raw *raw,
                      DgError *err)
{
    size_t bad;
    if (!dg_catalog_utf8_check(buf, len, &bad))
        return rerr(err, path, line_of(buf, bad), 0,
                    buf[bad] == 0 ? "the file contains a NUL byte; the registry must be UTF-8 text"
                                  : "the file is not valid UTF-8 here; save the registry as UTF-8");
    DgCsvRecord rec;
    dg_csv_record_init(&rec);
    size_t pos = dg_bom_len(buf, len);
    uint64_t next_line = 1, line = 0;
    DgStatus st = DG_OK;
    /* header */
    bool got = false;
    while ((got = dg_csv_scan(buf, len, &pos, &rec))) {
        line = next_line;
        next_line += rec.n_newlines;
        if (!rec.blank)
            break;
    }
    if (!got) {
        dg_csv_record_clear(&rec);
        return rerr(err, path, 1, 0, "the registry is empty; its first line must be the header person_id,unit_id "
                                     "followed by the flag columns");
    }
    if (rec.malformed) {
        st = rerr(err, path, line, 0, "%s; wrap a field holding commas, quotes or line breaks in \"...\"", rec.why);
        dg_csv_record_clear(&rec);
        return st;
    }
    size_t nf = s->n_reg_flags;
    int c_person = -1, c_unit = -1;
    int *c_flag = dg_xmalloc((nf ? nf : 1) * sizeof *c_flag);
    for (size_t f = 0; f < nf; f++)
        c_flag[f] = -1;
    size_t n_header = rec.n_fields;
    DgIntern *seen = dg_intern_new();
    for (size_t i = 0; i < rec.n_fields && !st; i++) {
        const DgCsvField *h = &rec.fields[i];
        if (h->len == 0)
            continue;
        bool added;
        dg_intern_add(seen, h->ptr, h->len, &added);
        char q[80];
        dg_catalog_quote(h->ptr, h->len, q, sizeof q);
        if (!added) {
            st = rerr(err, path, line, i + 1, "column \"%s\" appears twice in the registry header; keep one of them", q);
            break;
        }
        if (h->len == 9 && !memcmp(h->ptr, "person_id", 9))
            c_person = (int)i;
        else if (h->len == 7 && !memcmp(h->ptr, "unit_id", 7))
            c_unit = (int)i;
        for (size_t f = 0; f < nf; f++)
            if (strlen(s->reg_flags[f]) == h->len && !memcmp(s->reg_flags[f], h->ptr, h->len))
                c_flag[f] = (int)i;
    }
    dg_intern_free(seen);
    if (!st && c_person < 0)
        st = rerr(err, path, line, 0, "required column \"person_id\" is missing from the registry header (required: "
                                      "person_id, unit_id, then the flags the scheme names; names are case-sensitive)");
    if (!st && c_unit < 0)
        st = rerr(err, path, line, 0, "required column \"unit_id\" is missing from the registry header (required: "
                                      "person_id, unit_id, then the flags the scheme names; names are case-sensitive)");
    for (size_t f = 0; f < nf && !st; f++)
        if (c_flag[f] < 0)
            st = rerr(err, path, line, n_header + 1,
                      "flag column \"%s\" is named by a computed quality indicator of the scheme but is missing from "
                      "the registry header; add the column (values 1, 0 or empty) or fix the flag name in the scheme",
                      s->reg_flags[f]);
    uint64_t *first_line = NULL;
    while (!st) {
        uint64_t start = next_line;
        if (!dg_csv_scan(buf, len, &pos, &rec))
            break;
        next_line += rec.n_newlines;
        if (rec.blank)
            continue;
        line = start;
        if (rec.malformed) {
            st = rerr(err, path, line, 0, "%s; wrap a field holding commas, quotes or line breaks in \"...\"",
                      rec.why);
            break;
        }
        if (rec.n_fields != n_header) {
            st = rerr(err, path, line, (rec.n_fields < n_header ? rec.n_fields : n_header) + 1,
                      "the row has %zu fields where the header has %zu; check for a missing or extra comma (wrap "
                      "text holding commas in quotes)",
                      rec.n_fields, n_header);
            break;
        }
        const DgCsvField *fp = &rec.fields[c_person], *fu = &rec.fields[c_unit];
        if (fp->len == 0) {
            st = rerr(err, path, line, (size_t)c_person + 1,
                      "person_id is empty; every registry row needs the person's id as used in the logs' patient_id");
            break;
        }
        bool added;
        uint32_t fid = dg_intern_add(ids, fp->ptr, fp->len, &added);
        char q[80];
        if (!added) {
            dg_catalog_quote(fp->ptr, fp->len, q, sizeof q);
            st = rerr(err, path, line, (size_t)c_person + 1,
                      "person_id \"%s\" is already registered on line %llu; a person belongs to one unit, so keep "
                      "one row per person",
                      q, (unsigned long long)first_line[fid]);
            break;
        }
        int64_t u = dg_scheme_unit_find(s, fu->ptr, fu->len);
        if (u < 0) {
            dg_catalog_quote(fu->ptr, fu->len, q, sizeof q);
            st = rerr(err, path, line, (size_t)c_unit + 1,
                      "unit_id \"%s\" is not in the units file %s; fix the id or add the unit", q, s->units_path);
            break;
        }
        uint32_t flags = 0;
        for (size_t f = 0; f < nf && !st; f++) {
            const DgCsvField *v = &rec.fields[c_flag[f]];
            if (v->len == 0 || (v->len == 1 && v->ptr[0] == '0'))
                continue;
            if (v->len == 1 && v->ptr[0] == '1') {
                flags |= 1u << f;
                continue;
            }
            dg_catalog_quote(v->ptr, v->len, q, sizeof q);
            st = rerr(err, path, line, (size_t)c_flag[f] + 1,
                      "flag %s is \"%s\"; a registry flag must be 1, 0 or empty (empty = 0)", s->reg_flags[f], q);
        }
        if (st)
            break;
        if (raw->n == raw->cap) {
            raw->cap = raw->cap ? raw->cap * 2 : 1024;
            raw->unit = dg_xrealloc(raw->unit, raw->cap * sizeof *raw->unit);
            raw->flags = dg_xrealloc(raw->flags, raw->cap * sizeof *raw->flags);
            raw->line = dg_xrealloc(raw->line, raw->cap * sizeof *raw->line);
            first_line = dg_xrealloc(first_line, raw->cap * sizeof *first_line);
        }
        raw->unit[raw->n] = (uint32_t)u;
        raw->flags[raw->n] = flags;
        raw->line[raw->n] = line;
        first_line[fid] = line;
        raw->n++;
        if (raw->n >= UINT32_MAX - 1) {
            st = rerr(err, path, line, 0, "the registry has too many persons for one run (at most 4 billion)");
            break;
        }
    }
    free(first_line);
    free(c_flag);
    dg_csv_record_clear(&rec);
    return st;
}

DgStatus dg_registry_load(const char *path, const DgScheme *s, DgRegistry **out, DgError *err)
{
    *out = NULL;
    if (s->n_reg_flags > 32)
        return rerr(err, s->path, 0, 0, "the scheme names %zu registry flags; at most 32 are supported",
                    s->n_reg_flags);
    char *buf = NULL;
    size_t len = 0;
    DgStatus st = dg_catalog_read_file(path, &buf, &len, err);
    if (st)
        return st;
    DgIntern *ids = dg_intern_new();
    Raw raw = {0};
    st = parse(path, buf, len, s, ids, &raw, err);
    free(buf);
    if (st) {
        dg_intern_free(ids);
        free(raw.unit);
        free(raw.flags);
        free(raw.line);
        return st;
    }
    size_t n = raw.n, nu = s->n_units;
    DgRegistry *r = dg_xcalloc(1, sizeof *r);
    r->path = path;
    r->n_persons = n;
    r->index = dg_xcalloc(1, sizeof *r->index);
    r->index->ids = ids;
    SortEnt *e = dg_xmalloc((n ? n : 1) * sizeof *e);
    for (size_t i = 0; i < n; i++) {
        e[i].unit = raw.unit[i];
        e[i].fid = (uint32_t)i;
        e[i].id = dg_intern_str(ids, (uint32_t)i, NULL);
    }
    qsort(e, n, sizeof *e, ent_cmp);
    r->person_id = dg_xmalloc((n ? n : 1) * sizeof *r->person_id);
    r->unit = dg_xmalloc((n ? n : 1) * sizeof *r->unit);
    r->flags = dg_xmalloc((n ? n : 1) * sizeof *r->flags);
    r->line = dg_xmalloc((n ? n : 1) * sizeof *r->line);
    r->unit_first = dg_xcalloc(nu + 1, sizeof *r->unit_first);
    r->index->by_intern = dg_xmalloc((n ? n : 1) * sizeof *r->index->by_intern);
    for (size_t i = 0; i < n; i++) {
        uint32_t f = e[i].fid;
        r->person_id[i] = e[i].id;
        r->unit[i] = e[i].unit;
        r->flags[i] = raw.flags[f];
        r->line[i] = raw.line[f];
        r->index->by_intern[f] = (uint32_t)i;
        r->unit_first[e[i].unit + 1]++;
    }
    for (size_t u = 0; u < nu; u++)
        r->unit_first[u + 1] += r->unit_first[u];
    free(e);
    free(raw.unit);
    free(raw.flags);
    free(raw.line);
    *out = r;
    return DG_OK;
}

void dg_registry_free(DgRegistry *r)
{
    if (!r)
        return;
    if (r->index) {
        dg_intern_free(r->index->ids);
        free(r->index->by_intern);
        free(r->index);
    }
    free(r->person_id);
    free(r->unit);
    free(r->flags);
    free(r->line);
    free(r->unit_first);
    free(r);
}

int64_t dg_registry_find(const DgRegistry *r, const char *id, size_t len)
{
    int64_t f = dg_intern_find(r->index->ids, id, len);
    return f < 0 ? -1 : (int64_t)r->index->by_intern[f];
}
