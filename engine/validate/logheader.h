/*
 * Log header names that are almost a known column.  A header `qty` instead
 * of `quantity` would otherwise be an unknown column, every row would count
 * as quantity 1 and payouts would move with exit 0, so a name that
 * resembles a known column — the same letters in another case, a common
 * alias (`qty`, `数量`, `amount`, …) or within a small edit distance — is a
 * configuration error with "did you mean …".
 *
 * Also where a log's head is read: its format and its CSV header record.
 * Validation (read_header in validate.c) and the slice counting
 * (slicing.c) must find the same format and the same header end for every
 * input, or the slices of a run would start at other bytes than the
 * ordinary run reads; one copy of each rule keeps them in step.
 */
#ifndef DG_LOGHEADER_H
#define DG_LOGHEADER_H

#include <stddef.h>
#include <stdint.h>

#include "common/csvscan.h"
#include "dangliang/validate.h"

/* Index in cols[0..n_cols) of the known column the header name[0..len)
 * resembles without being it, or -1. */
int dg_logheader_resembles(const char *name, size_t len, const char *const *cols, int n_cols);

/* The format of the log at path whose first bytes are buf[0..len): the
 * given one, else CSV for standard input ("-"), else by the path's
 * extension, else JSONL when the first byte that is not white space is
 * '{', else CSV. */
DgLogFormat dg_logheader_format(DgLogFormat given, const char *path, const char *buf, size_t len);

/* The header of a CSV log: the first non-blank record of the window
 * buf[0..len) (eof: nothing follows it).  0: it is in *rec, *used is the
 * byte after it and *line has advanced by the blank records' newlines
 * before it; 1: the window ends inside the record (ask for a larger one);
 * 2: the window holds no non-blank record. */
int dg_logheader_walk(const char *buf, size_t len, bool eof, size_t *used, uint64_t *line, DgCsvRecord *rec);

#endif
