/*
 * CSV writer for outputs meant to be opened in Excel/WPS: UTF-8 with an
 * optional BOM, RFC 4180 quoting, LF line ends, and formula-injection
 * neutralisation of text cells (a leading ' before = + - @ TAB CR).
 * Number cells are written as given and never touched.
 */
#ifndef DG_CSVOUT_H
#define DG_CSVOUT_H

#include <stdio.h>

#include "dangliang/common.h"

/* Where cells go instead of a file: the same table writers fill a CSV file
 * and a workbook sheet (xlsxout.c), so both hold the same values.  text gets
 * the cell as given (not neutralised: a sink that stores typed cells has no
 * formula to fear), num a decimal or integer as the CSV would print it. */
typedef struct DgCellSink {
    void (*text)(void *ctx, const char *s, size_t n);
    void (*num)(void *ctx, const char *s);
    void (*end)(void *ctx);
    /* optional: true when the sink takes no more rows (a workbook detail
     * sheet at its row limit, which only counts what it leaves out); then
     * skip(ctx, n) counts n rows left out */
    bool (*full)(void *ctx);
    void (*skip)(void *ctx, uint64_t rows);
    void *ctx;
} DgCellSink;

typedef struct DgCsvOut {
    FILE *fp;
    bool first; /* no cell yet on this row */
    const DgCellSink *sink; /* non-NULL: cells go there, fp is unused */
} DgCsvOut;

void dg_csvout_init(DgCsvOut *w, FILE *fp, bool bom);
/* Send every cell to `sink` (borrowed) instead of a file. */
void dg_csvout_init_sink(DgCsvOut *w, const DgCellSink *sink);
void dg_csvout_text(DgCsvOut *w, const char *s);          /* a text cell, neutralised and quoted as needed */
void dg_csvout_textn(DgCsvOut *w, const char *s, size_t n);
void dg_csvout_num(DgCsvOut *w, const char *s);           /* a number cell, written verbatim */
void dg_csvout_u64(DgCsvOut *w, uint64_t v);
void dg_csvout_end(DgCsvOut *w);                          /* end the row */
/* True when w goes to a sink that takes no more rows (never for a file):
 * a writer of one row per item may then call dg_csvout_skip with the number
 * of rows it has left and stop, instead of formatting rows that would only
 * be counted.  Call between rows. */
bool dg_csvout_full(const DgCsvOut *w);
void dg_csvout_skip(DgCsvOut *w, uint64_t rows);
/* A header row from a NULL-terminated list. */
void dg_csvout_header(DgCsvOut *w, const char *const *names);

#endif
