/*
 * rejects.csv: one line per rejected row, in input order, so a data clerk
 * can walk the file top to bottom and fix the source system.
 */
#include "dangliang/output.h"

#include "csvout.h"
#include "outfile.h"
#include "output_util.h"

void dg_output_rejects_fill(const DgDataset *d, DgCsvOut *w)
{
    static const char *const hdr[] = {"file", "line", "record_id", "reason", "detail", NULL};
    dg_csvout_header(w, hdr);
    char **files = dg_output_file_names(d);
    for (size_t i = 0; i < d->n_rejects; i++) {
        if (dg_csvout_full(w)) { /* a workbook sheet at its limit: the rest is only counted */
            dg_csvout_skip(w, d->n_rejects - i);
            break;
        }
        const DgReject *r = &d->rejects[i];
        dg_csvout_text(w, files[r->file]);
        dg_csvout_u64(w, r->line);
        dg_csvout_text(w, r->record_id);
        dg_csvout_text(w, dg_reason_name(r->reason));
        dg_csvout_text(w, r->detail);
        dg_csvout_end(w);
    }
    dg_output_file_names_free(files, d->n_files);
}

DgStatus dg_output_rejects(const DgDataset *d, const char *dir, const DgOutputOptions *opt, DgError *err)
{
    DgOutFile o;
    DgStatus st = dg_outfile_open(&o, dir, "rejects.csv", err);
    if (st != DG_OK)
        return st;
    DgCsvOut w;
    dg_csvout_init(&w, o.fp, !(opt && opt->no_bom));
    dg_output_rejects_fill(d, &w);
    return dg_outfile_commit(&o, err);
}
