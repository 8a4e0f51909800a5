/* The libxlsxwriter workbook writer kept as the tests' oracle (xlsx_oracle.c). */
#ifndef DG_XLSX_ORACLE_H
#define DG_XLSX_ORACLE_H

#include "output/xlsxout.h"

/* dg_xlsxout_write as libxlsxwriter 1.1.4 writes it. */
DgStatus dg_xlsxout_write_lxw(const char *dir, const char *name, const DgXlsxSheet *sheets, size_t n_sheets,
                              const void *ctx, time_t created, uint64_t max_detail, long ordinal, DgOutFileDone *done,
                              DgError *err);

#endif
