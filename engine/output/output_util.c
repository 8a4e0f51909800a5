/*
 * Shared derived figures of the outputs (see output_util.h).  Plain
 * serial loops over the flags and the aggregate: they run once per run,
 * after the hot stages, and must give the same bytes for any thread count.
 */
#include "output_util.h"

#include <stdlib.h>
#include <string.h>

void dg_flag_stats_compute(const DgScheme *s, const DgDataset *d, const DgAudit *au, DgFlagStats *out)
{
    size_t nu = s->n_units;
    memset(out, 0, sizeof *out);
    out->n_units = nu;
    out->rows = dg_xcalloc(nu + 1, sizeof *out->rows);
    out->flags = dg_xcalloc((nu + 1) * DG_CHECK_COUNT, sizeof *out->flags);
    out->removed = dg_xcalloc((nu + 1) * DG_CHECK_COUNT, sizeof *out->removed);
    out->flagged_w = dg_xcalloc(nu + 1, sizeof *out->flagged_w);
    for (size_t i = 0; au && i < au->n_flags; i++) {
        const DgFlag *f = &au->flags[i];
        const DgRow *r = &d->rows[f->row];
        uint32_t unit = dg_row_unit(d, r);
        uint64_t eq = (uint64_t)dg_aggregate_eq(s, unit, r->crow);
        DgU128 wl = (DgU128)f->excess * eq;
        out->removed[(size_t)unit * DG_CHECK_COUNT + f->check] += wl;
        out->flags[(size_t)unit * DG_CHECK_COUNT + f->check]++;
        out->total_removed[f->check] += wl;
        /* flags are sorted by (row, check): a row's first flag counts the row */
        if (i == 0 || au->flags[i - 1].row != f->row) {
            out->rows[unit]++;
            out->flagged_w[unit] += (DgU128)r->qty * eq;
        }
    }
}

void dg_flag_stats_clear(DgFlagStats *fs)
{
    if (!fs)
        return;
    free(fs->rows);
    free(fs->flags);
    free(fs->removed);
    free(fs->flagged_w);
    memset(fs, 0, sizeof *fs);
}

void dg_unit_item(const DgScheme *s, const DgAggregate *a, size_t unit, size_t code, DgUnitItem *out)
{
    size_t nc = s->n_catalog;
    size_t c0 = s->code_first[code], c1 = c0 + s->code_nrows[code];
    memset(out, 0, sizeof *out);
    for (size_t c = c0; c < c1; c++) {
        uint64_t eq = (uint64_t)dg_aggregate_eq(s, (uint32_t)unit, (uint32_t)c);
        out->qty += a->qty[unit * nc + c];
        out->audited_qty += a->audited_qty[unit * nc + c];
        out->raw_w += (DgU128)a->qty[unit * nc + c] * eq;
        out->audited_w += (DgU128)a->audited_qty[unit * nc + c] * eq;
    }
}

void dg_output_ratio(DgU128 n, DgU128 d, int scale, char *buf)
{
    if (d == 0)
        dg_ratio_format(0, 1, scale, buf);
    else
        dg_ratio_format(n, d, scale, buf);
}

char **dg_output_file_names(const DgDataset *d)
{
    char **n = dg_xcalloc(d->n_files ? d->n_files : 1, sizeof *n);
    for (size_t i = 0; i < d->n_files; i++)
        n[i] = dg_text_escape(d->files[i], strlen(d->files[i]), false);
    return n;
}

void dg_output_file_names_free(char **names, size_t n)
{
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
