/*
 * The compact entries of a spilled run's partition files (docs/scale.md).
 *
 * Design: every byte spilled is copied into the page cache, out again and
 * through fresh memory, so the entries are small.  A file is a sequence of
 * segments, each one batch chunk's entries for that file: a header of four
 * varints (entries, body bytes, record-id bytes and patient-id bytes once
 * decoded), then the body.  Inside a segment numbers are deltas from the
 * entry before (candidate numbers, lines and dates), small numbers are
 * varints, and ids are front-coded against the previous entry's id (record
 * ids of one file are usually sequential, so a few bytes remain).  The
 * deltas restart at every segment, so segments decode independently — in
 * parallel, into places known from their headers — and the entries of a
 * file stay in candidate order (batches and chunks are appended in order).
 *
 * A unit entry: candidate delta, staff (provisional), catalog row, date
 * delta (zigzag), quantity * 2 + has-patient, file, line delta (zigzag),
 * record id, patient id when it has one.  An id entry: candidate delta,
 * file, line delta (zigzag), record id.  The files are the run's own, in a
 * private folder; decoding still checks every length against the segment,
 * so a damaged file is an error, never a read out of bounds.
 */
#ifndef DG_SPILLCODEC_H
#define DG_SPILLCODEC_H

#include "dangliang/common.h"
#include "dangliang/validate.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The state of one segment being written. */
typedef struct DgSpillEnc {
    uint32_t n;             /* entries so far */
    uint32_t prev_cand;
    int64_t prev_date, prev_line;
    const char *prev_rec, *prev_pat;
    uint32_t prev_rec_len, prev_pat_len;
    uint64_t rec_bytes, pat_bytes; /* ids' bytes once decoded */
} DgSpillEnc;

/* Longest encoding of a unit entry and of an id entry with ids of these lengths. */
static inline size_t dg_spillcodec_unit_bound(uint32_t rec_len, uint32_t pat_len)
{
    return 7 * 10 + 1 + 2 * 5 + rec_len + 2 * 5 + pat_len;
}
static inline size_t dg_spillcodec_id_bound(uint32_t len)
{
    return 3 * 10 + 2 * 5 + len;
}
/* Longest segment header. */
enum { DG_SPILLCODEC_HEADER_MAX = 4 * 10 };

/* Append a unit entry at w; returns the end.  pat is used only when
 * r->patient is not DG_NO_PATIENT.  Candidates must increase within a segment. */
char *dg_spillcodec_put_unit(DgSpillEnc *e, char *w, const DgRow *r, uint32_t cand, const char *rec, uint32_t rec_len,
                             const char *pat, uint32_t pat_len);

/* Append an id entry at w; returns the end. */
char *dg_spillcodec_put_id(DgSpillEnc *e, char *w, uint32_t cand, uint16_t file, uint32_t line, const char *id,
                           uint32_t len);

/* The segment's header for a body of `body` bytes, written at hdr
 * (DG_SPILLCODEC_HEADER_MAX bytes); returns its length. */
size_t dg_spillcodec_put_header(char *hdr, const DgSpillEnc *e, size_t body);

/* One segment of a file read back; first_* are where its entries and id
 * bytes go in arrays for the whole file (dg_spillcodec_segments). */
typedef struct DgSpillSeg {
    const char *body;
    size_t bytes;
    uint32_t n;
    uint64_t rec_bytes, pat_bytes;
    uint64_t first, first_rec, first_pat;
} DgSpillSeg;

typedef struct DgSpillSegs {
    DgSpillSeg *v;
    size_t n;
    uint64_t entries, rec_bytes, pat_bytes; /* totals */
} DgSpillSegs;

/* Bytes after each segment's ids in the arenas of dg_spillcodec_get_*:
 * decoding moves short ids in whole 32-byte blocks. */
enum { DG_SPILLCODEC_SLACK = 64 };

/* Walk the segment headers of a file's len bytes at buf.  Returns false
 * when they do not add up to the file (damaged).  The arenas' sizes
 * (out->rec_bytes, out->pat_bytes) include DG_SPILLCODEC_SLACK after every
 * segment.  Free out->v. */
bool dg_spillcodec_segments(const char *buf, size_t len, DgSpillSegs *out);

/* Decode a segment of unit entries.  rows[i], cand[i], the record id at
 * rec + rec_off[i] (rec_len[i] bytes) and the patient id at pat + pat_off[i]
 * (pat_len[i] bytes; 0 and 0 when rows[i].patient is DG_NO_PATIENT, else
 * rows[i].patient is 0), for i from sg->first; offsets count from the
 * arenas' start.  Returns false on a damaged segment.  Thread-safe for
 * distinct segments. */
bool dg_spillcodec_get_units(const DgSpillSeg *sg, DgRow *rows, uint32_t *cand, char *rec, uint64_t *rec_off,
                             uint32_t *rec_len, char *pat, uint64_t *pat_off, uint32_t *pat_len);

/* Decode a segment of id entries likewise. */
bool dg_spillcodec_get_ids(const DgSpillSeg *sg, uint32_t *cand, uint16_t *file, uint32_t *line, char *ids,
                           uint64_t *off, uint32_t *len);

#endif
