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

typedef struct DgCsvOut {
    FILE *fp;
    bool first; /* no cell yet on this row */
} DgCsvOut;

void dg_csvout_init(DgCsvOut *w, FILE *fp, bool bom);
void dg_csvout_text(DgCsvOut *w, const char *s);          /* a text cell, neutralised and quoted as needed */
void dg_csvout_textn(DgCsvOut *w, const char *s, size_t n);
void dg_csvout_num(DgCsvOut *w, const char *s);           /* a number cell, written verbatim */
void dg_csvout_u64(DgCsvOut *w, uint64_t v);
void dg_csvout_end(DgCsvOut *w);                          /* end the row */
/* A header row from a NULL-terminated list. */
void dg_csvout_header(DgCsvOut *w, const char *const *names);

#endif
