/*
 * Log header names that are almost a known column.  A header `qty` instead
 * of `quantity` would otherwise be an unknown column, every row would count
 * as quantity 1 and payouts would move with exit 0, so a name that
 * resembles a known column — the same letters in another case, a common
 * alias (`qty`, `数量`, `amount`, …) or within a small edit distance — is a
 * configuration error with "did you mean …".
 */
#ifndef DG_LOGHEADER_H
#define DG_LOGHEADER_H

#include <stddef.h>

/* Index in cols[0..n_cols) of the known column the header name[0..len)
 * resembles without being it, or -1. */
int dg_logheader_resembles(const char *name, size_t len, const char *const *cols, int n_cols);

#endif
