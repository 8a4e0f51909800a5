/* The fixed theme part of the workbook (xlsx_theme.c). */
#ifndef DG_XLSX_THEME_H
#define DG_XLSX_THEME_H

#include <stddef.h>

/* xl/theme/theme1.xml: these pieces in order, up to the NULL */
extern const char *const dg_xlsx_theme[];

#endif
