/*
 * Reading a finished run folder back (for explain and diff).
 *
 * Design: the CSV outputs are read whole with the catalog's file reader
 * and walked with the shared RFC 4180 scanner (common/csvscan.h); columns
 * are found by header name, like every other CSV the engine reads, so a
 * folder written with or without a BOM, or opened and re-saved with the
 * same columns, still reads.  Text cells are un-neutralised (the leading
 * apostrophe csvout.c puts before = + - @ TAB CR is dropped), so ids
 * compare equal to the scheme's.  Anything missing or unparsable is
 * DG_E_IO naming the file and line: the folder is not a usable run.
 */
#ifndef DG_RUNREAD_H
#define DG_RUNREAD_H

#include "dangliang/common.h"

typedef struct DgRunTable {
    char *path;      /* DIR/NAME */
    size_t n_rows, n_cols;
    char **cell;     /* [n_rows * n_cols] requested columns, NUL-terminated */
    uint64_t *line;  /* [n_rows] physical line where the row starts */
} DgRunTable;

/* Read DIR/NAME keeping the columns named in `cols` (NULL-terminated, all
 * required) in that order.  Errors: DG_E_IO.  t is zeroed first; clear it
 * with dg_runread_table_clear even after an error. */
DgStatus dg_runread_table(const char *dir, const char *name, const char *const *cols, DgRunTable *t,
                          DgError *err);
void dg_runread_table_clear(DgRunTable *t);

static inline const char *dg_runread_cell(const DgRunTable *t, size_t row, size_t col)
{
    return t->cell[row * t->n_cols + col];
}

/* Exact non-negative decimals of a cell: at most `scale` decimals (extra
 * trailing zeros allowed).  u128 for workloads, i64 (may be negative) for
 * money and coefficients.  Empty is an error.  Errors: DG_E_IO naming the
 * file, line and column. */
DgStatus dg_runread_u128(const DgRunTable *t, size_t row, size_t col, int scale, DgU128 *out, DgError *err);
DgStatus dg_runread_i64(const DgRunTable *t, size_t row, size_t col, int scale, int64_t *out, DgError *err);

typedef struct DgRunPoolInfo {
    char *id, *name;
    int64_t budget; /* fen */
} DgRunPoolInfo;

/* summary.json and manifest.json of a run. */
typedef struct DgRunInfo {
    char *dir;
    char *scheme_file, *scheme_id, *period_from, *period_to;
    DgRunPoolInfo *pools;
    size_t n_pools;
    /* SHA-256 recorded in manifest.json for the scheme's files, by role; NULL when absent */
    char *sha_scheme, *sha_catalog, *sha_units, *sha_indicators, *sha_registry;
} DgRunInfo;

/* Read DIR/summary.json and DIR/manifest.json.  A folder without
 * manifest.json is an incomplete run.  Errors: DG_E_IO. */
DgStatus dg_runread_info(const char *dir, DgRunInfo *info, DgError *err);
void dg_runread_info_clear(DgRunInfo *info);

#endif
