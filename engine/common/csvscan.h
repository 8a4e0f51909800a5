/*
 * RFC 4180 record scanner shared by the service-log parser (ingest) and the
 * configuration loaders (catalog).
 *
 * Record boundaries follow one rule that can be evaluated in parallel:
 * every '"' byte toggles the "inside quotes" state, and a '\n' ends a record
 * only outside quotes.  For well-formed CSV this is exactly RFC 4180 (a
 * doubled quote toggles twice).  For malformed input it is still a total,
 * deterministic rule, so a chunked parser that computes quote parity per
 * chunk finds the same boundaries as a serial one.  A stray quote inside an
 * unquoted field marks the record malformed; an unterminated quote makes one
 * malformed record that runs to the end of the buffer.
 *
 * Fields point into the input buffer when they need no unescaping (the fast
 * path) and into the record's scratch buffer otherwise.
 */
#ifndef DG_CSVSCAN_H
#define DG_CSVSCAN_H

#include "dangliang/common.h"

typedef struct DgCsvField {
    const char *ptr;
    size_t len;
    bool quoted;
} DgCsvField;

typedef struct DgCsvRecord {
    DgCsvField *fields;
    size_t n_fields, cap_fields;
    char *scratch;
    size_t scratch_cap;
    size_t n_newlines;      /* '\n' bytes consumed, including the terminator */
    bool blank;             /* zero-length line after removing a CR: skip, do not count */
    bool malformed;
    const char *why;        /* static text when malformed */
} DgCsvRecord;

void dg_csv_record_init(DgCsvRecord *r);
void dg_csv_record_clear(DgCsvRecord *r); /* frees buffers; accepts NULL */

/* Scan one record starting at buf[*pos] (buf[0..end) valid).  Returns false
 * when *pos == end.  On return *pos is just past the record's '\n' (or end).
 * Spaces and tabs around unquoted fields are trimmed, and around quoted
 * fields outside the quotes.  Thread safety: touches only *r. */
bool dg_csv_scan(const char *buf, size_t end, size_t *pos, DgCsvRecord *r);

/* Find the end of the record starting at `pos` by the parity rule: returns
 * the index just past the terminating '\n', or `end`. */
size_t dg_csv_record_end(const char *buf, size_t end, size_t pos);

/* Skip a leading UTF-8 BOM: returns 3 if buf starts with EF BB BF, else 0. */
size_t dg_bom_len(const char *buf, size_t len);

#endif
