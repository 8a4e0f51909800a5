/*
 * The CSV files a scheme names: catalog (items and equivalents), units and
 * indicator values (see docs/formats.md); the arena, file reader and message
 * helpers they share with scheme.c live in scheme_base.c.
 *
 * Design: configuration files are small, so each is read whole, checked to
 * be UTF-8 text, and walked record by record with the shared RFC 4180
 * scanner.  Columns are found by header name through a small table of
 * column specs; any problem stops the load with the file, the physical
 * line and a sentence saying what to write instead.  Catalog rows are
 * sorted by (code, valid_from) so that the rows of a code are contiguous
 * and an overlap can only occur between neighbours; units are sorted by
 * unit_id so outputs come out in that order without further sorting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/scheme_json.h"
#include "catalog/scheme_priv.h"
#include "common/csvscan.h"

typedef DgCfgCol ColSpec;
typedef DgCfgTable Table;

/* ---- CSV tables ------------------------------------------------------------ */

static void table_close(Table *t)
{
    free(t->buf);
    dg_csv_record_clear(&t->rec);
}

static uint64_t line_of_offset(const char *buf, size_t off)
{
    uint64_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += buf[i] == '\n';
    return line;
}

/* Next non-blank record into t->rec; *got false at the end. */
static DgStatus table_scan(Table *t, bool *got, DgError *err)
{
    for (;;) {
        uint64_t start = t->next_line;
        if (!dg_csv_scan(t->buf, t->len, &t->pos, &t->rec)) {
            *got = false;
            return DG_OK;
        }
        t->next_line += t->rec.n_newlines;
        if (t->rec.blank)
            continue;
        t->line = start;
        if (t->rec.malformed)
            return dg_error_set(err, DG_E_CONFIG, t->path, t->line, 0,
                                "%s; a field holding commas, quotes or line breaks must be wrapped in "
                                "\"...\" with inner quotes doubled",
                                t->rec.why);
        *got = true;
        return DG_OK;
    }
}

static DgStatus table_open(Table *t, const char *path, const ColSpec *cols, size_t ncols, DgError *err)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    t->cols = cols;
    t->ncols = ncols;
    t->next_line = 1;
    dg_csv_record_init(&t->rec);
    DgStatus st = dg_catalog_read_file(path, &t->buf, &t->len, err);
    if (st)
        return st;
    size_t bad;
    if (!dg_catalog_utf8_check(t->buf, t->len, &bad))
        return dg_error_set(err, DG_E_CONFIG, path, line_of_offset(t->buf, bad), 0,
                            t->buf[bad] == 0 ? "the file contains a NUL byte; configuration files must be UTF-8 text"
                                             : "the file is not valid UTF-8 here; save it as UTF-8 (configuration "
                                               "files are always UTF-8)");
    t->pos = dg_bom_len(t->buf, t->len);
    bool got;
    if ((st = table_scan(t, &got, err)))
        return st;
    char need[256];
    size_t o = 0;
    need[0] = 0;
    for (size_t k = 0; k < ncols; k++)
        if (cols[k].required)
            o += (size_t)snprintf(need + o, sizeof need - o, "%s%s", o ? ", " : "", cols[k].name);
    if (!got)
        return dg_error_set(err, DG_E_CONFIG, path, 1, 0, "the file is empty; its first line must be the header (%s)",
                            need);
    for (size_t k = 0; k < ncols; k++)
        t->idx[k] = -1;
    t->n_header = t->rec.n_fields;
    DgIntern *seen = dg_intern_new();
    for (size_t f = 0; f < t->rec.n_fields; f++) {
        const DgCsvField *h = &t->rec.fields[f];
        if (h->len == 0)
            continue; /* a trailing comma names no column */
        bool added;
        dg_intern_add(seen, h->ptr, h->len, &added);
        if (!added) {
            char q[80];
            dg_catalog_quote(h->ptr, h->len, q, sizeof q);
            dg_intern_free(seen);
            return dg_error_set(err, DG_E_CONFIG, path, t->line, 0,
                                "column \"%s\" appears twice in the header; keep one of them", q);
        }
        for (size_t k = 0; k < ncols; k++)
            if (strlen(cols[k].name) == h->len && memcmp(cols[k].name, h->ptr, h->len) == 0)
                t->idx[k] = (int)f;
    }
    dg_intern_free(seen);
    for (size_t k = 0; k < ncols; k++)
        if (cols[k].required && t->idx[k] < 0)
            return dg_error_set(err, DG_E_CONFIG, path, t->line, 0,
                                "required column \"%s\" is missing from the header (required: %s; names are "
                                "case-sensitive)",
                                cols[k].name, need);
    return DG_OK;
}

static DgStatus table_next(Table *t, bool *got, DgError *err)
{
    DgStatus st = table_scan(t, got, err);
    if (st || !*got)
        return st;
    if (t->rec.n_fields != t->n_header)
        return dg_error_set(err, DG_E_CONFIG, t->path, t->line, 0,
                            "the row has %zu fields where the header has %zu; check for a missing or extra comma "
                            "(wrap text holding commas in quotes)",
                            t->rec.n_fields, t->n_header);
    return DG_OK;
}

static DgCsvField fld(const Table *t, size_t k)
{
    DgCsvField f = {"", 0, false};
    if (t->idx[k] >= 0)
        f = t->rec.fields[t->idx[k]];
    return f;
}

static DgStatus terr(const Table *t, DgError *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static DgStatus terr(const Table *t, DgError *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dg_error_setv(err, DG_E_CONFIG, t->path, t->line, 0, fmt, ap);
    va_end(ap);
    return DG_E_CONFIG;
}

/* A decimal field in (lo, hi] (lo exclusive when lo_excl, else inclusive). */
static DgStatus field_decimal(const Table *t, DgCsvField f, const char *col, int scale, int64_t lo, bool lo_excl,
                              int64_t hi, const char *hi_text, int64_t *out, DgError *err)
{
    char q[80];
    dg_catalog_quote(f.ptr, f.len, q, sizeof q);
    int64_t v;
    DgDecResult r = dg_decimal_parse(f.ptr, f.len, scale, true, &v);
    if (r != DG_DEC_OK) {
        char why[200];
        dg_catalog_dec_problem(f.ptr, f.len, r, scale, why, sizeof why);
        return terr(t, err, "%s \"%s\" %s", col, q, why);
    }
    if (lo_excl ? v <= lo : v < lo)
        return terr(t, err, "%s \"%s\" must be %s 0", col, q, lo_excl ? "greater than" : "at least");
    if (v > hi)
        return terr(t, err, "%s \"%s\" is above the maximum of %s", col, q, hi_text);
    *out = v;
    return DG_OK;
}

static bool strict_date(const char *p, size_t n, int32_t *day)
{
    if (n != 10 || p[4] != '-' || p[7] != '-')
        return false;
    return dg_date_parse_strict(p, n, day);
}

static DgStatus field_date(const Table *t, DgCsvField f, const char *col, int32_t open, int32_t *out, DgError *err)
{
    if (f.len == 0) {
        *out = open;
        return DG_OK;
    }
    if (!strict_date(f.ptr, f.len, out)) {
        char q[80];
        dg_catalog_quote(f.ptr, f.len, q, sizeof q);
        return terr(t, err, "%s \"%s\" is not a date written YYYY-MM-DD (e.g. 2020-05-26); leave it empty for "
                            "no limit",
                    col, q);
    }
    return DG_OK;
}

static DgStatus field_cap(const Table *t, DgCsvField f, const char *col, int64_t *out, DgError *err)
{
    uint64_t v;
    if (f.len == 0) {
        *out = DG_NONE;
        return DG_OK;
    }
    if (!dg_uint_parse(f.ptr, f.len, 1000000000, &v) || v == 0) {
        char q[80];
        dg_catalog_quote(f.ptr, f.len, q, sizeof q);
        return terr(t, err, "%s \"%s\" must be a whole number from 1 to 1000000000, or empty for no cap", col, q);
    }
    *out = (int64_t)v;
    return DG_OK;
}

static DgStatus field_required_text(const Table *t, DgCsvField f, const char *col, DgError *err)
{
    if (f.len == 0)
        return terr(t, err, "%s is empty; every row needs one", col);
    return DG_OK;
}

/* ---- catalog.csv ---------------------------------------------------------- */

enum { C_CODE, C_NAME, C_CAT, C_EQ, C_EQ2, C_EQ3, C_MIN, C_FROM, C_TO, C_CAPD, C_CAPP, C_N };
static const ColSpec catalog_cols[C_N] = {
    {"item_code", true},  {"item_name", true},       {"category", true},
    {"equivalent", true}, {"equivalent_tier2", false}, {"equivalent_tier3", false},
    {"minutes", false},   {"valid_from", false},     {"valid_to", false},
    {"max_per_patient_day", false}, {"max_per_patient_period", false},
};

static int row_cmp(const void *x, const void *y)
{
    const DgCatalogRow *a = x, *b = y;
    int c = strcmp(a->code, b->code);
    if (c)
        return c;
    if (a->valid_from != b->valid_from)
        return a->valid_from < b->valid_from ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

static void fmt_day(int32_t day, char *buf, bool from)
{
    if (day == DG_DATE_MIN || day == DG_DATE_MAX)
        snprintf(buf, 16, "%s", from ? "open start" : "open end");
    else
        dg_date_format(day, buf);
}

DgStatus dg_catalog_load_catalog(DgScheme *s, DgError *err)
{
    Table t;
    DgStatus st = table_open(&t, s->catalog_path, catalog_cols, C_N, err);
    size_t cap = 0;
    DgIntern *cats = s->index->categories;
    while (!st) {
        bool got;
        if ((st = table_next(&t, &got, err)) || !got)
            break;
        DgCsvField f[C_N];
        for (size_t k = 0; k < C_N; k++)
            f[k] = fld(&t, k);
        if ((st = field_required_text(&t, f[C_CODE], "item_code", err)) ||
            (st = field_required_text(&t, f[C_NAME], "item_name", err)) ||
            (st = field_required_text(&t, f[C_CAT], "category", err)))
            break;
        if (f[C_EQ].len == 0) {
            st = terr(&t, err, "equivalent is empty; every catalog row needs its work equivalent (e.g. 1.7)");
            break;
        }
        if (s->n_catalog == cap) {
            cap = cap ? cap * 2 : 64;
            s->catalog = dg_xrealloc(s->catalog, cap * sizeof *s->catalog);
        }
        DgCatalogRow *r = &s->catalog[s->n_catalog];
        memset(r, 0, sizeof *r);
        r->line = t.line;
        if ((st = field_decimal(&t, f[C_EQ], "equivalent", 4, 0, true, 10000000, "1000", &r->eq[0], err)))
            break;
        r->eq[1] = r->eq[2] = r->eq[0];
        if (f[C_EQ2].len &&
            (st = field_decimal(&t, f[C_EQ2], "equivalent_tier2", 4, 0, true, 10000000, "1000", &r->eq[1], err)))
            break;
        if (f[C_EQ3].len &&
            (st = field_decimal(&t, f[C_EQ3], "equivalent_tier3", 4, 0, true, 10000000, "1000", &r->eq[2], err)))
            break;
        uint64_t m = 0;
        if (f[C_MIN].len && !dg_uint_parse(f[C_MIN].ptr, f[C_MIN].len, 1440, &m)) {
            char q[80];
            dg_catalog_quote(f[C_MIN].ptr, f[C_MIN].len, q, sizeof q);
            st = terr(&t, err, "minutes \"%s\" must be a whole number of minutes from 0 to 1440 (empty = 0)", q);
            break;
        }
        r->minutes = (int64_t)m;
        if ((st = field_date(&t, f[C_FROM], "valid_from", DG_DATE_MIN, &r->valid_from, err)) ||
            (st = field_date(&t, f[C_TO], "valid_to", DG_DATE_MAX, &r->valid_to, err)))
            break;
        if (r->valid_from > r->valid_to) {
            st = terr(&t, err, "valid_from %.*s is after valid_to %.*s; swap them or fix the dates", (int)f[C_FROM].len,
                      f[C_FROM].ptr, (int)f[C_TO].len, f[C_TO].ptr);
            break;
        }
        if ((st = field_cap(&t, f[C_CAPD], "max_per_patient_day", &r->max_per_patient_day, err)) ||
            (st = field_cap(&t, f[C_CAPP], "max_per_patient_period", &r->max_per_patient_period, err)))
            break;
        if (s->n_catalog >= UINT32_MAX - 1) {
            st = terr(&t, err, "the catalog has too many rows");
            break;
        }
        r->code = dg_catalog_strdup(s, f[C_CODE].ptr, f[C_CODE].len);
        r->name = dg_catalog_strdup(s, f[C_NAME].ptr, f[C_NAME].len);
        r->category_id = dg_intern_add(cats, f[C_CAT].ptr, f[C_CAT].len, NULL);
        r->category = dg_intern_str(cats, r->category_id, NULL);
        s->n_catalog++;
    }
    if (!st && s->n_catalog == 0)
        st = dg_error_set(err, DG_E_CONFIG, t.path, t.line ? t.line : 1, 0,
                          "the catalog has no rows; list at least one service item under the header");
    table_close(&t);
    if (st)
        return st;

    qsort(s->catalog, s->n_catalog, sizeof *s->catalog, row_cmp);
    DgIntern *codes = s->index->codes;
    for (size_t i = 0; i < s->n_catalog; i++) {
        DgCatalogRow *r = &s->catalog[i];
        if (i > 0 && strcmp(r->code, s->catalog[i - 1].code) == 0 && r->valid_from <= s->catalog[i - 1].valid_to) {
            const DgCatalogRow *p = &s->catalog[i - 1];
            const DgCatalogRow *first = p->line < r->line ? p : r, *second = p->line < r->line ? r : p;
            char a0[16], a1[16], b0[16], b1[16];
            fmt_day(first->valid_from, a0, true);
            fmt_day(first->valid_to, a1, false);
            fmt_day(second->valid_from, b0, true);
            fmt_day(second->valid_to, b1, false);
            char q[80];
            dg_catalog_quote(r->code, strlen(r->code), q, sizeof q);
            return dg_error_set(err, DG_E_CONFIG, s->catalog_path, second->line, 0,
                                "item %s is valid %s..%s here and %s..%s on line %llu; the validity ranges of one "
                                "code must not overlap (end the earlier row the day before the later one starts)",
                                q, b0, b1, a0, a1, (unsigned long long)first->line);
        }
        r->code_id = dg_intern_add(codes, r->code, strlen(r->code), NULL);
    }
    s->n_codes = dg_intern_count(codes);
    s->code_first = dg_xcalloc(s->n_codes ? s->n_codes : 1, sizeof *s->code_first);
    s->code_nrows = dg_xcalloc(s->n_codes ? s->n_codes : 1, sizeof *s->code_nrows);
    for (size_t i = s->n_catalog; i-- > 0;) {
        s->code_first[s->catalog[i].code_id] = (uint32_t)i;
        s->code_nrows[s->catalog[i].code_id]++;
    }
    s->n_categories = dg_intern_count(cats);
    s->categories = dg_catalog_alloc(s, s->n_categories * sizeof *s->categories);
    for (size_t c = 0; c < s->n_categories; c++)
        s->categories[c] = dg_intern_str(cats, (uint32_t)c, NULL);
    return DG_OK;
}

/* ---- units.csv --------------------------------------------------------------- */

enum { U_ID, U_NAME, U_KIND, U_COMM, U_COUNTY, U_TIER, U_TAGS, U_POP, U_N };
static const ColSpec unit_cols[U_N] = {
    {"unit_id", true}, {"unit_name", true}, {"kind", false}, {"community", false},
    {"county", false}, {"tier", false},     {"tags", false}, {"population", false},
};

static int unit_cmp(const void *x, const void *y)
{
    const DgUnit *a = x, *b = y;
    return strcmp(a->id, b->id);
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static void split_tags(DgScheme *s, DgUnit *u, const char *p, size_t n)
{
    size_t count = 1;
    for (size_t i = 0; i < n; i++)
        count += p[i] == ';';
    const char **tags = dg_catalog_alloc(s, count * sizeof *tags);
    size_t k = 0, i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && p[j] != ';')
            j++;
        size_t a = i, b = j;
        while (a < b && is_ws(p[a]))
            a++;
        while (b > a && is_ws(p[b - 1]))
            b--;
        if (b > a) {
            bool dup = false;
            for (size_t q = 0; q < k && !dup; q++)
                dup = strlen(tags[q]) == b - a && memcmp(tags[q], p + a, b - a) == 0;
            if (!dup)
                tags[k++] = dg_catalog_strdup(s, p + a, b - a);
        }
        i = j + 1;
    }
    u->tags = tags;
    u->n_tags = k;
}

DgStatus dg_catalog_load_units(DgScheme *s, DgError *err)
{
    Table t;
    DgStatus st = table_open(&t, s->units_path, unit_cols, U_N, err);
    size_t cap = 0;
    DgIntern *seen = dg_intern_new(); /* file order, to name both lines of a duplicate */
    uint64_t *seen_line = NULL;
    while (!st) {
        bool got;
        if ((st = table_next(&t, &got, err)) || !got)
            break;
        DgCsvField f[U_N];
        for (size_t k = 0; k < U_N; k++)
            f[k] = fld(&t, k);
        if ((st = field_required_text(&t, f[U_ID], "unit_id", err)) ||
            (st = field_required_text(&t, f[U_NAME], "unit_name", err)))
            break;
        bool added;
        uint32_t sid = dg_intern_add(seen, f[U_ID].ptr, f[U_ID].len, &added);
        if (!added) {
            char q[80];
            dg_catalog_quote(f[U_ID].ptr, f[U_ID].len, q, sizeof q);
            st = terr(&t, err, "unit_id \"%s\" is already used on line %llu; every unit needs its own id", q,
                      (unsigned long long)seen_line[sid]);
            break;
        }
        if (s->n_units == cap) {
            cap = cap ? cap * 2 : 64;
            s->units = dg_xrealloc(s->units, cap * sizeof *s->units);
            seen_line = dg_xrealloc(seen_line, cap * sizeof *seen_line);
        }
        seen_line[sid] = t.line;
        DgUnit *u = &s->units[s->n_units];
        memset(u, 0, sizeof *u);
        u->line = t.line;
        u->tier = 1;
        if (f[U_TIER].len) {
            if (f[U_TIER].len != 1 || f[U_TIER].ptr[0] < '1' || f[U_TIER].ptr[0] > '3') {
                char q[80];
                dg_catalog_quote(f[U_TIER].ptr, f[U_TIER].len, q, sizeof q);
                st = terr(&t, err, "tier \"%s\" must be 1, 2 or 3 (empty = 1)", q);
                break;
            }
            u->tier = f[U_TIER].ptr[0] - '0';
        }
        u->population = DG_NONE;
        if (f[U_POP].len) {
            uint64_t pop;
            if (!dg_uint_parse(f[U_POP].ptr, f[U_POP].len, 10000000000ULL, &pop)) {
                char q[80];
                dg_catalog_quote(f[U_POP].ptr, f[U_POP].len, q, sizeof q);
                st = terr(&t, err, "population \"%s\" must be a whole number of people (digits only), or empty", q);
                break;
            }
            u->population = (int64_t)pop;
        }
        s->index->pop_col = t.idx[U_POP] >= 0 ? (uint32_t)t.idx[U_POP] + 1 : 0;
        u->id = dg_catalog_strdup(s, f[U_ID].ptr, f[U_ID].len);
        u->name = dg_catalog_strdup(s, f[U_NAME].ptr, f[U_NAME].len);
        u->kind = dg_catalog_strdup(s, f[U_KIND].ptr, f[U_KIND].len);
        u->community = dg_catalog_strdup(s, f[U_COMM].ptr, f[U_COMM].len);
        u->county = dg_catalog_strdup(s, f[U_COUNTY].ptr, f[U_COUNTY].len);
        split_tags(s, u, f[U_TAGS].ptr, f[U_TAGS].len);
        s->n_units++;
    }
    if (!st && s->n_units == 0)
        st = dg_error_set(err, DG_E_CONFIG, t.path, t.line ? t.line : 1, 0,
                          "the units file has no rows; list at least one primary-care unit under the header");
    dg_intern_free(seen);
    free(seen_line);
    table_close(&t);
    if (st)
        return st;
    qsort(s->units, s->n_units, sizeof *s->units, unit_cmp);
    for (size_t i = 0; i < s->n_units; i++)
        dg_intern_add(s->index->unit_ids, s->units[i].id, strlen(s->units[i].id), NULL);
    return DG_OK;
}

/* ---- indicators.csv ------------------------------------------------------- */

enum { I_UNIT, I_IND, I_VALUE, I_N };
static const ColSpec ind_cols[I_N] = {{"unit_id", true}, {"indicator", true}, {"value", true}};

DgStatus dg_catalog_load_indicators(DgScheme *s, DgError *err)
{
    size_t nu = s->n_units, ni = s->n_indicators, cells = nu * ni;
    s->indicator_values = dg_xmalloc((cells ? cells : 1) * sizeof *s->indicator_values);
    for (size_t i = 0; i < cells; i++)
        s->indicator_values[i] = DG_IND_MISSING;
    if (!s->indicators_path)
        return DG_OK;
    Table t;
    DgStatus st = table_open(&t, s->indicators_path, ind_cols, I_N, err);
    uint64_t *seen = dg_xcalloc(cells ? cells : 1, sizeof *seen);
    while (!st) {
        bool got;
        if ((st = table_next(&t, &got, err)) || !got)
            break;
        DgCsvField f[I_N];
        for (size_t k = 0; k < I_N; k++)
            f[k] = fld(&t, k);
        if ((st = field_required_text(&t, f[I_UNIT], "unit_id", err)) ||
            (st = field_required_text(&t, f[I_IND], "indicator", err)))
            break;
        char qu[80], qi[80];
        dg_catalog_quote(f[I_UNIT].ptr, f[I_UNIT].len, qu, sizeof qu);
        dg_catalog_quote(f[I_IND].ptr, f[I_IND].len, qi, sizeof qi);
        int64_t u = dg_scheme_unit_find(s, f[I_UNIT].ptr, f[I_UNIT].len);
        if (u < 0) {
            st = terr(&t, err, "unit_id \"%s\" is not in the units file %s; fix the id or add the unit", qu,
                      s->units_path);
            break;
        }
        size_t k = 0;
        while (k < ni && !(strlen(s->indicators[k].id) == f[I_IND].len &&
                           memcmp(s->indicators[k].id, f[I_IND].ptr, f[I_IND].len) == 0))
            k++;
        if (k == ni) {
            char known[400];
            size_t o = 0;
            known[0] = 0;
            for (size_t j = 0; j < ni && o < sizeof known - 80; j++)
                o += (size_t)snprintf(known + o, sizeof known - o, "%s%s", j ? ", " : "", s->indicators[j].id);
            st = terr(&t, err, "indicator \"%s\" is not one of the scheme's quality indicators (%s)", qi, known);
            break;
        }
        if (s->indicators[k].compute) {
            st = terr(&t, err, "indicator \"%s\" is computed from the registry and the logs (it has a \"compute\" "
                               "rule in the scheme), so it must not have rows in the indicators file; delete this row "
                               "or remove the rule",
                      qi);
            break;
        }
        size_t cell = (size_t)u * ni + k;
        if (seen[cell]) {
            st = terr(&t, err, "unit %s, indicator %s is already given on line %llu; keep one row per pair", qu, qi,
                      (unsigned long long)seen[cell]);
            break;
        }
        seen[cell] = t.line;
        if (f[I_VALUE].len == 0)
            continue; /* an empty value is a missing value */
        int64_t v;
        if ((st = field_decimal(&t, f[I_VALUE], "value", 6, 0, false, 1000000000000000LL, "1000000000", &v, err)))
            break;
        s->indicator_values[cell] = v;
    }
    free(seen);
    table_close(&t);
    return st;
}

/* ---- the table reader, for the other loaders of the catalog stage ------------ */

DgStatus dg_catalog_table_open(Table *t, const char *path, const ColSpec *cols, size_t ncols, DgError *err)
{
    return table_open(t, path, cols, ncols, err);
}

DgStatus dg_catalog_table_next(Table *t, bool *got, DgError *err)
{
    return table_next(t, got, err);
}

void dg_catalog_table_close(Table *t)
{
    table_close(t);
}

DgCsvField dg_catalog_table_field(const Table *t, size_t k)
{
    return fld(t, k);
}

uint32_t dg_catalog_table_col(const Table *t, size_t k)
{
    return t->idx[k] >= 0 ? (uint32_t)t->idx[k] + 1 : 0;
}
