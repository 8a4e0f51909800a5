/*
 * Run folder reader (see runread.h).  Files are small next to the logs
 * (one row per pool × unit, unit × item, staff member, flag), so each is
 * read whole.
 */
#include "runread.h"

#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog/scheme_priv.h" /* dg_catalog_read_file: the one whole-file reader */
#include "common/csvscan.h"

static char *join(const char *dir, const char *name)
{
    char *p = g_build_filename(dir, name, NULL);
    char *r = dg_xstrdup(p);
    g_free(p);
    return r;
}

static DgStatus check_dir(const char *dir, DgError *err)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return dg_error_set(err, DG_E_IO, dir, 0, 0, "cannot open the run folder: %s", strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return dg_error_set(err, DG_E_IO, dir, 0, 0, "is not a folder; give the --out folder of a `dangliang run`");
    return DG_OK;
}

static bool needs_unneutralise(const char *p, size_t n)
{
    return n >= 2 && p[0] == '\'' &&
           (p[1] == '=' || p[1] == '+' || p[1] == '-' || p[1] == '@' || p[1] == '\t' || p[1] == '\r');
}

void dg_runread_table_clear(DgRunTable *t)
{
    if (!t)
        return;
    if (t->cell)
        for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
            free(t->cell[i]);
    free(t->cell);
    free(t->line);
    free(t->path);
    memset(t, 0, sizeof *t);
}

DgStatus dg_runread_table(const char *dir, const char *name, const char *const *cols, DgRunTable *t,
                          DgError *err)
{
    memset(t, 0, sizeof *t);
    DgStatus st = check_dir(dir, err);
    if (st != DG_OK)
        return st;
    t->path = join(dir, name);
    size_t nc = 0;
    while (cols[nc])
        nc++;
    t->n_cols = nc;
    char *buf = NULL;
    size_t len = 0;
    st = dg_catalog_read_file(t->path, &buf, &len, err);
    if (st != DG_OK) {
        if (err)
            snprintf(err->text + strlen(err->text), sizeof err->text - strlen(err->text),
                     " (is this the --out folder of a finished `dangliang run`?)");
        return DG_E_IO;
    }
    DgCsvRecord rec;
    dg_csv_record_init(&rec);
    size_t pos = dg_bom_len(buf, len);
    uint64_t next_line = 1;
    int *idx = dg_xcalloc(nc + 1, sizeof *idx);
    size_t n_header = 0, cap = 0;
    bool header = true;
    while (st == DG_OK) {
        uint64_t line = next_line;
        if (!dg_csv_scan(buf, len, &pos, &rec))
            break;
        next_line += rec.n_newlines;
        if (rec.blank)
            continue;
        if (rec.malformed) {
            st = dg_error_set(err, DG_E_IO, t->path, line, 0, "damaged CSV: %s", rec.why);
            break;
        }
        if (header) {
            header = false;
            n_header = rec.n_fields;
            for (size_t k = 0; k < nc; k++) {
                idx[k] = -1;
                for (size_t f = 0; f < rec.n_fields; f++)
                    if (rec.fields[f].len == strlen(cols[k]) && !memcmp(rec.fields[f].ptr, cols[k], rec.fields[f].len))
                        idx[k] = (int)f;
                if (idx[k] < 0)
                    st = dg_error_set(err, DG_E_IO, t->path, line, 0,
                                      "column \"%s\" is missing; this file was not written by this version of "
                                      "dangliang run",
                                      cols[k]);
            }
            continue;
        }
        if (rec.n_fields != n_header) {
            st = dg_error_set(err, DG_E_IO, t->path, line, 0, "damaged CSV: %zu fields where the header has %zu",
                              rec.n_fields, n_header);
            break;
        }
        if (t->n_rows == cap) {
            cap = cap ? cap * 2 : 64;
            t->cell = dg_xrealloc(t->cell, cap * nc * sizeof *t->cell + 1);
            t->line = dg_xrealloc(t->line, cap * sizeof *t->line);
        }
        for (size_t k = 0; k < nc; k++) {
            const DgCsvField *f = &rec.fields[idx[k]];
            const char *p = f->ptr;
            size_t n = f->len;
            if (needs_unneutralise(p, n)) {
                p++;
                n--;
            }
            t->cell[t->n_rows * nc + k] = dg_xstrndup(p, n);
        }
        t->line[t->n_rows] = line;
        t->n_rows++;
    }
    if (st == DG_OK && header)
        st = dg_error_set(err, DG_E_IO, t->path, 1, 0, "the file is empty; the run did not finish");
    free(idx);
    dg_csv_record_clear(&rec);
    free(buf);
    return st;
}

static DgStatus num_error(const DgRunTable *t, size_t row, const char *what, DgError *err)
{
    return dg_error_set(err, DG_E_IO, t->path, t->line[row], 0,
                        "damaged run file: \"%s\" is not a plain decimal number with the expected decimals", what);
}

DgStatus dg_runread_u128(const DgRunTable *t, size_t row, size_t col, int scale, DgU128 *out, DgError *err)
{
    const char *s = dg_runread_cell(t, row, col);
    size_t n = strlen(s), i = 0;
    DgU128 v = 0;
    int dec = -1;
    bool any = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '.' && dec < 0) {
            dec = 0;
            continue;
        }
        if (c < '0' || c > '9')
            return num_error(t, row, s, err);
        any = true;
        if (dec >= 0 && dec >= scale) {
            if (c != '0')
                return num_error(t, row, s, err);
            continue;
        }
        if (v > (~(DgU128)0 - 9) / 10)
            return num_error(t, row, s, err);
        v = v * 10 + (unsigned)(c - '0');
        if (dec >= 0)
            dec++;
    }
    if (!any)
        return num_error(t, row, s, err);
    for (int k = dec < 0 ? 0 : dec; k < scale; k++) {
        if (v > ~(DgU128)0 / 10)
            return num_error(t, row, s, err);
        v *= 10;
    }
    *out = v;
    return DG_OK;
}

DgStatus dg_runread_i64(const DgRunTable *t, size_t row, size_t col, int scale, int64_t *out, DgError *err)
{
    const char *s = dg_runread_cell(t, row, col);
    if (dg_decimal_parse(s, strlen(s), scale, true, out) != DG_DEC_OK)
        return num_error(t, row, s, err);
    return DG_OK;
}

/* ---- summary.json and manifest.json ---------------------------------------- */

void dg_runread_info_clear(DgRunInfo *info)
{
    if (!info)
        return;
    free(info->dir);
    free(info->scheme_file);
    free(info->scheme_id);
    free(info->period_from);
    free(info->period_to);
    for (size_t i = 0; i < info->n_pools; i++) {
        free(info->pools[i].id);
        free(info->pools[i].name);
    }
    free(info->pools);
    free(info->sha_scheme);
    free(info->sha_catalog);
    free(info->sha_units);
    free(info->sha_indicators);
    free(info->sha_registry);
    memset(info, 0, sizeof *info);
}

static DgStatus load_json(const char *dir, const char *name, json_t **out, DgError *err)
{
    char *path = join(dir, name);
    json_error_t je;
    *out = json_load_file(path, 0, &je);
    DgStatus st = DG_OK;
    if (!*out) {
        struct stat sb;
        if (stat(path, &sb) != 0)
            st = dg_error_set(err, DG_E_IO, path, 0, 0,
                              "cannot open: %s (a run folder without %s is incomplete or not a run folder)",
                              strerror(errno), name);
        else
            st = dg_error_set(err, DG_E_IO, path, (uint64_t)(je.line > 0 ? je.line : 0), 0, "damaged JSON: %s",
                              je.text);
    } else if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        st = dg_error_set(err, DG_E_IO, path, 0, 0, "damaged run file: not a JSON object");
    }
    free(path);
    return st;
}

static char *jstr(json_t *o, const char *key)
{
    json_t *v = o ? json_object_get(o, key) : NULL;
    return json_is_string(v) ? dg_xstrdup(json_string_value(v)) : NULL;
}

DgStatus dg_runread_info(const char *dir, DgRunInfo *info, DgError *err)
{
    memset(info, 0, sizeof *info);
    DgStatus st = check_dir(dir, err);
    if (st != DG_OK)
        return st;
    info->dir = dg_xstrdup(dir);
    json_t *man = NULL, *sum = NULL;
    if ((st = load_json(dir, "manifest.json", &man, err)) != DG_OK)
        return st;
    if ((st = load_json(dir, "summary.json", &sum, err)) != DG_OK) {
        json_decref(man);
        return st;
    }
    char *sum_path = join(dir, "summary.json");
    json_t *sch = json_object_get(sum, "scheme");
    info->scheme_file = jstr(sch, "file");
    info->scheme_id = jstr(sch, "id");
    json_t *per = json_object_get(sum, "period");
    info->period_from = jstr(per, "from");
    info->period_to = jstr(per, "to");
    json_t *pools = json_object_get(sum, "pools");
    if (!info->scheme_file || !info->scheme_id || !info->period_from || !info->period_to || !json_is_array(pools)) {
        st = dg_error_set(err, DG_E_IO, sum_path, 0, 0,
                          "damaged run file: scheme.file, scheme.id, period or pools is missing");
        goto done;
    }
    info->n_pools = json_array_size(pools);
    info->pools = dg_xcalloc(info->n_pools + 1, sizeof *info->pools);
    for (size_t i = 0; i < info->n_pools; i++) {
        json_t *p = json_array_get(pools, i);
        DgRunPoolInfo *pi = &info->pools[i];
        pi->id = jstr(p, "id");
        pi->name = jstr(p, "name");
        char *b = jstr(p, "budget");
        bool ok = pi->id && pi->name && b && dg_decimal_parse(b, strlen(b), 2, false, &pi->budget) == DG_DEC_OK;
        free(b);
        if (!ok) {
            st = dg_error_set(err, DG_E_IO, sum_path, 0, 0, "damaged run file: pool %zu has no id, name or budget",
                              i + 1);
            goto done;
        }
    }
    json_t *ms = json_object_get(man, "scheme");
    for (size_t i = 0; json_is_array(ms) && i < json_array_size(ms); i++) {
        json_t *e = json_array_get(ms, i);
        json_t *role = json_object_get(e, "role");
        if (!json_is_string(role))
            continue;
        const char *r = json_string_value(role);
        char **slot = !strcmp(r, "scheme")       ? &info->sha_scheme
                      : !strcmp(r, "catalog")    ? &info->sha_catalog
                      : !strcmp(r, "units")      ? &info->sha_units
                      : !strcmp(r, "indicators") ? &info->sha_indicators
                      : !strcmp(r, "registry")   ? &info->sha_registry
                                                 : NULL;
        if (slot && !*slot)
            *slot = jstr(e, "sha256");
    }
done:
    free(sum_path);
    json_decref(man);
    json_decref(sum);
    return st;
}
