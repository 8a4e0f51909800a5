/*
 * Workbook writer: one sheet per table of a run.  A sheet is
 * described by a DgXlsxSheet — its name and a fill function that writes the
 * table's cells through a DgCsvOut, the very function that writes the CSV —
 * so a workbook sheet and its CSV hold the same rows by construction, and a
 * new output becomes a sheet by adding one description.
 */
#ifndef DG_XLSXOUT_H
#define DG_XLSXOUT_H

#include <time.h>

#include "csvout.h"
#include "dangliang/common.h"
#include "outfile.h"

typedef struct DgXlsxSheet {
    const char *name;                         /* sheet name, at most 31 characters */
    const char *csv;                          /* the CSV holding the same rows (named in notes) */
    void (*fill)(const void *ctx, DgCsvOut *w); /* header row first, then data rows */
    /* Totals: after each run of rows with the same value in column group_col,
     * a row 合计 holding the exact sum of the 2-decimal money column sum_col;
     * both NULL for no totals. */
    const char *group_col, *sum_col;
    /* NULL, or false when the run has no such table (e.g. an optional
     * output): then the workbook has no such sheet either */
    bool (*present)(const void *ctx);
    /* a sheet of detail rows (flags, rejects): at most max_detail rows of
     * it (dg_xlsxout_write), then a note naming the CSV */
    bool detail;
} DgXlsxSheet;

/* Write DIR/NAME (a temporary name renamed into place) with one sheet per
 * entry of `sheets`, each filled by sheets[i].fill(ctx, …).  Text cells are
 * string cells (never formulas, so ids keep their leading zeros); number
 * cells are numbers shown with the decimals the CSV prints (money with 2 and
 * thousands separators).  Row 1 is the header, Chinese name over the English
 * column name, frozen; columns are as wide as their widest cell.  A detail
 * sheet keeps its first max_detail rows (0: no limit), and any sheet at most
 * what a spreadsheet allows (1,048,576 rows); a sheet cut short ends with
 * the note "… N more rows not shown here: every row is in X.csv".
 * `created` is the document date, so the same inputs give the same bytes.
 * The bytes are those libxlsxwriter 1.1.4 wrote (xlsxout.c), sheets built
 * in parallel (OpenMP tasks, nested in the caller's parallel region if any).
 * ordinal: the file's fault-counter number (0: the next); *done (may be
 * NULL) gets the hash, size and write(2)/fsync(2) times.
 * Errors: DG_E_IO. */
DgStatus dg_xlsxout_write(const char *dir, const char *name, const DgXlsxSheet *sheets, size_t n_sheets,
                          const void *ctx, time_t created, uint64_t max_detail, long ordinal, DgOutFileDone *done,
                          DgError *err);

typedef DgStatus (*DgXlsxWriteFn)(const char *dir, const char *name, const DgXlsxSheet *sheets, size_t n_sheets,
                                  const void *ctx, time_t created, uint64_t max_detail, long ordinal,
                                  DgOutFileDone *done, DgError *err);

/* Tests only: when set, dg_xlsxout_write hands every workbook to this
 * writer instead — the libxlsxwriter oracle (tests/xlsx/xlsx_oracle.c),
 * linked into test builds only, whose bytes the tests compare with ours. */
extern DgXlsxWriteFn dg_xlsxout_test_writer;

/* The Chinese label of an output column ("unit_id" → "单位编码"), NULL if none. */
const char *dg_xlsxout_label(const char *column);

#endif
