/*
 * Output writers (docs/cli.md, docs/review.md).  Every file is written to a temporary name and
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

/* The flags and rejects sheets of payouts.xlsx keep their first 20,000 rows
 * by default (every row is in the CSV): a workbook for reading, and about a
 * second of writing at most. */
#define DG_XLSX_DETAIL_ROWS 20000

/* The files dg_output_run wrote, in the fixed output order: each one's
 * SHA-256 (computed while it was written, so the manifest need not read
 * it back), size, and microseconds spent on it — in all, inside write(2)
 * (for payouts.xlsx: closing the workbook, i.e. compressing and writing
 * the zip) and inside fsync(2). */
#define DG_OUTPUT_MAX_FILES 16
typedef struct DgOutputWritten {
    char name[32];
    char sha256[65];
    uint64_t bytes;
    uint64_t us_total, us_write, us_fsync, us_cpu;
} DgOutputWritten;
typedef struct DgOutputFiles {
    DgOutputWritten file[DG_OUTPUT_MAX_FILES];
    size_t n;
    uint64_t us_wall; /* the whole output stage */
} DgOutputFiles;

typedef struct DgOutputOptions {
    bool no_bom;  /* omit the UTF-8 BOM */
    const DgWarnings *warnings; /* listed in summary.json and report.html; may be NULL */
    /* When the scheme names appeals: the same run's aggregate and payouts
     * computed on the audited quantities before the appeals (see
     * dg_appeals_before), so summary.json and report.html can show what
     * the appeals moved.  NULL: only counts and quantities are shown. */
    const DgAggregate *before_appeals_a;
    const DgPayouts *before_appeals_p;
    bool no_xlsx; /* skip payouts.xlsx */
    uint64_t xlsx_rows; /* rows of the flags and rejects sheets of payouts.xlsx; 0 = DG_XLSX_DETAIL_ROWS */
    DgOutputFiles *written; /* NULL, or filled by dg_output_run on success */
} DgOutputOptions;

/* DIR/rejects.csv: file, line, record_id, reason, detail — in input order.
 * Errors: DG_E_IO. */
DgStatus dg_output_rejects(const DgDataset *d, const char *dir, const DgOutputOptions *opt, DgError *err);

/* What the manifest records about the run besides file hashes. */
typedef struct DgRunMeta {
    int threads;
    const char *command;        /* "run" or "check" */
    /* wall-clock milliseconds: reading + validation, authenticity checks,
     * checks + aggregation + scoring + allocation, writing, total */
    uint64_t ms_validate, ms_audit, ms_score, ms_write, ms_total;
    uint64_t ms_quality;        /* computed quality indicators (part of ms_audit: they run with the per-unit stages) */
    uint64_t ms_registry;       /* loading the person registry (part of ms_validate, which loads the scheme) */
    /* the command line as given (argv[0..argc)), NULL to leave it out */
    const char *const *argv;
    size_t argc;
    /* the options as given: long names and values (NULL value: a flag) */
    const char *const *option_names;
    const char *const *option_values;
    size_t n_options;
    const char *build_commit; /* the program's build commit, or NULL */
    /* what dg_output_run wrote (its hashes are used instead of reading the
     * files again; its times go into timings.files), or NULL */
    const DgOutputFiles *written;
} DgRunMeta;

/* payouts.csv, units.csv, items.csv, staff.csv, flags.csv, summary.json,
 * report.html, payouts.xlsx (one sheet per table; unless opt->no_xlsx)
 * and — when the scheme names advances — settlement.csv into DIR (docs/formats.md).
 * Deterministic bytes for the same inputs.  The files are written
 * concurrently, one task each (OpenMP, up to the current thread count; the
 * workbook, the longest, first), each fsync'd by its task.  When several
 * fail, the error is that of the first failing file in the fixed order
 * above (rejects, payouts, units, items, staff, flags, settlement,
 * quality, summary, workbook, report), whatever the thread count.  Errors:
 * DG_E_IO. */
DgStatus dg_output_run(const DgScheme *s, const DgDataset *d, const DgAudit *au, const DgAggregate *a,
                       const DgPayouts *p, const char *dir, const DgOutputOptions *opt, DgError *err);

/* DIR/quality.csv: unit_id, indicator, source (given/computed), numerator,
 * denominator, value (6 decimals, half-up), attainment (a_k, 6 decimals) —
 * one row per unit paid by some pool × indicator, by unit_id then scheme
 * order; N and D empty for a given value; a missing value has an empty
 * value and attainment 0.000000 (missing=zero) or empty (missing=skip). */
DgStatus dg_output_quality(const DgScheme *s, const DgPayouts *p, const char *dir, const DgOutputOptions *opt,
                           DgError *err);

/* The "registry" object of summary.json (a json_t *, returned as void * so
 * this header needs no jansson): file, persons, rows_with_patient,
 * rows_patient_not_in_registry, rows_patient_of_other_unit.  NULL when the
 * scheme has no registry. */
void *dg_output_registry_summary(const DgScheme *s, const DgPayouts *p);

/* DIR/report.html (docs/review.md): one self-contained page for reviewers — the
 * scheme and period, each pool's budget, Σ payouts and unit price, a
 * sortable, filterable table of units with a per-unit drill-down (pools,
 * indicators, items, staff, flags), inline SVG charts, the quality
 * indicators against targets and the data-quality figures.  No external
 * resources (a Content-Security-Policy forbids every load); every input
 * string HTML-escaped.  Deterministic bytes for the same inputs, whatever
 * the thread count.  au may be NULL (no checks ran).  All inputs borrowed.
 * Errors: DG_E_IO.  Thread safety: touches only its arguments and the file. */
DgStatus dg_output_html(const DgScheme *s, const DgDataset *d, const DgAudit *au, const DgAggregate *a,
                        const DgPayouts *p, const char *dir, const DgOutputOptions *opt, DgError *err);

/* DIR/flags.csv: file, line, record_id, unit_id, check, excess_quantity,
 * detail, appeal, appeal_note — one line per (row, check), in input order;
 * appeal is overturn, uphold or empty.  Errors: DG_E_IO. */
DgStatus dg_output_flags(const DgScheme *s, const DgDataset *d, const DgAudit *au, const char *dir,
                         const DgOutputOptions *opt, DgError *err);

/* manifest.json, last: engine version, SHA-256 of the scheme, every file it
 * references, every input and every other file in `outputs`, the thread count and
 * timings.  Errors: DG_E_IO. */
DgStatus dg_output_manifest(const DgScheme *s, const DgDataset *d, const char *dir, const char *const *outputs,
                            size_t n_outputs, const DgRunMeta *meta, DgError *err);

#ifdef __cplusplus
}
#endif
#endif
