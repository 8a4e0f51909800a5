/*
 * Figures that more than one output derives from the in-memory results:
 * per-unit flag statistics (units.csv, summary.json, report.html) and the
 * per-(unit, item code) sums of items.csv and the report's drill-down.
 * Computing them in one place keeps the CSV, the JSON and the page
 * printing the same numbers.  Internal to engine/output.
 */
#ifndef DG_REPORT_UTIL_H
#define DG_REPORT_UTIL_H

#include "dangliang/aggregate.h"
#include "csvout.h"
#include "dangliang/audit.h"
#include "dangliang/output.h"
#include "dangliang/payouts.h"
#include "outfile.h"

/* Flags folded per unit.  All arrays index-aligned with scheme->units. */
typedef struct DgFlagStats {
    size_t n_units;
    uint64_t *rows;          /* [n_units] rows with at least one flag */
    uint64_t *flags;         /* [n_units * DG_CHECK_COUNT] flags per check */
    DgU128 *removed;         /* [n_units * DG_CHECK_COUNT] workload removed (excess × equivalent), 10^-4 */
    DgU128 *flagged_w;       /* [n_units] raw workload of the flagged rows, 10^-4 */
    DgU128 total_removed[DG_CHECK_COUNT];
} DgFlagStats;

/* Fold au's flags (au may be NULL: all zeros).  Free with dg_flag_stats_clear. */
void dg_flag_stats_compute(const DgScheme *s, const DgDataset *d, const DgAudit *au, DgFlagStats *out);
void dg_flag_stats_clear(DgFlagStats *fs); /* accepts NULL and a zeroed struct */

/* One item code of one unit, summed over the code's catalog rows (a code
 * can change its equivalent during the period): raw and audited quantity
 * and workload (10^-4).  Pure. */
typedef struct DgUnitItem {
    uint64_t qty, audited_qty;
    DgU128 raw_w, audited_w;
} DgUnitItem;
void dg_unit_item(const DgScheme *s, const DgAggregate *a, size_t unit, size_t code, DgUnitItem *out);

/* The log file names of d as shown in CSV `file` cells and the report:
 * control characters and bytes that are not UTF-8 (a GBK folder name) as
 * \xNN, see dg_text_escape.  [n_files] malloc'd; free with
 * dg_output_file_names_free. */
char **dg_output_file_names(const DgDataset *d);
void dg_output_file_names_free(char **names, size_t n);

/* n / d rounded half-up to `scale` decimals, "0.000…" when d == 0.  buf >= 80 bytes. */
void dg_output_ratio(DgU128 n, DgU128 d, int scale, char *buf);

/* The rows of rejects.csv (header first) into w: the CSV file and the
 * workbook's 拒收 sheet share them. */
void dg_output_rejects_fill(const DgDataset *d, DgCsvOut *w);

/* The rows of quality.csv (header first) into w: the CSV and the workbook's
 * 质量 sheet. */
void dg_output_quality_fill(const DgScheme *s, const DgPayouts *p, DgCsvOut *w);

/* dg_output_html with the file's fault-counter number (0: the next) and
 * what was written into *done (may be NULL). */
DgStatus dg_output_html_file(const DgScheme *s, const DgDataset *d, const DgAudit *au, const DgAggregate *a,
                             const DgPayouts *p, const char *dir, const DgOutputOptions *opt, long ordinal,
                             DgOutFileDone *done, DgError *err);

#endif
