/*
 * Output writers (SPEC §4).  Every file is written to a temporary name and
 * renamed into place.  CSV outputs are UTF-8 with a BOM unless told
 * otherwise, LF line ends, RFC 4180 quoting, and text cells that could be
 * read as a formula by Excel/WPS get a leading apostrophe.
 */
#ifndef DANGLIANG_REPORT_H
#define DANGLIANG_REPORT_H

#include "dangliang/audit.h"
#include "dangliang/payouts.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DgReportOptions {
    bool no_bom;  /* omit the UTF-8 BOM */
} DgReportOptions;

/* DIR/rejects.csv: file, line, record_id, reason, detail — in input order.
 * Errors: DG_E_IO. */
DgStatus dg_report_rejects(const DgDataset *d, const char *dir, const DgReportOptions *opt, DgError *err);

/* What the manifest records about the run besides file hashes. */
typedef struct DgRunMeta {
    int threads;
    const char *command;        /* "run" or "check" */
    uint64_t ms_validate, ms_score, ms_write, ms_total; /* wall-clock milliseconds */
} DgRunMeta;

/* payouts.csv, units.csv, items.csv, staff.csv, flags.csv and summary.json
 * into DIR (SPEC §4).  Deterministic bytes for the same inputs.  Errors:
 * DG_E_IO. */
DgStatus dg_report_run(const DgScheme *s, const DgDataset *d, const DgAudit *au, const DgAggregate *a,
                       const DgPayouts *p, const char *dir, const DgReportOptions *opt, DgError *err);

/* DIR/flags.csv: file, line, record_id, unit_id, check, excess_quantity,
 * detail — one line per (row, check), in input order.  Errors: DG_E_IO. */
DgStatus dg_report_flags(const DgScheme *s, const DgDataset *d, const DgAudit *au, const char *dir,
                         const DgReportOptions *opt, DgError *err);

/* manifest.json, last: engine version, SHA-256 of the scheme, every file it
 * references, every input and every other file in `outputs`, the thread count and
 * timings.  Errors: DG_E_IO. */
DgStatus dg_report_manifest(const DgScheme *s, const DgDataset *d, const char *dir, const char *const *outputs,
                            size_t n_outputs, const DgRunMeta *meta, DgError *err);

#ifdef __cplusplus
}
#endif
#endif
