/*
 * Byte ranges of one plain input for the slices of a run (docs/scale.md,
 * "How ranks split the inputs"; the API is in include/dangliang/validate.h,
 * engine/validate/slicing.c drives it).
 *
 * Three file-level tools, each reading the file with pread(2) on its own
 * descriptor (never mmap, for the reason in source.h):
 *  - count the '"' and '\n' bytes of a raw byte range (the chunker's SIMD
 *    counter), so that once every slice's counts are known each slice has
 *    the quote parity and the line number at every raw boundary;
 *  - find the first record start at or after a raw boundary, given the
 *    quote parity there: the byte after a '\n' seen at even parity (the
 *    rule of the chunker and of dg_csv_record_end), scanning forward only
 *    as far as that '\n' (across a quoted field of any length if need be);
 *  - the SHA-256 of the whole file, for the manifest, when a slice reads
 *    only part of it.
 * Thread safety: none needed; each call opens its own descriptor.
 */
#ifndef DG_SLICES_H
#define DG_SLICES_H

#include "dangliang/common.h"

/* '"' (when quote_aware; else *nq = 0) and '\n' bytes of path's bytes
 * [begin, end).  Errors: DG_E_IO (cannot open or read; fewer bytes than
 * asked: "the input changed while it was being read"). */
DgStatus dg_slices_count(const char *path, uint64_t begin, uint64_t end, bool quote_aware, uint64_t *nq,
                         uint64_t *nn, DgError *err);

/* The first record start p >= r of a file of `size` bytes whose records
 * start at `head` (the end of its header; head <= r <= size), given
 * in_quotes = the parity of the '"' bytes in [head, r) (false when not
 * quote_aware): head when r == head, size when no record starts in
 * [r, size).  *newlines = the '\n' bytes in [r, p).  Errors: those of
 * dg_slices_count. */
DgStatus dg_slices_record_start(const char *path, uint64_t head, uint64_t r, uint64_t size, bool in_quotes,
                                bool quote_aware, uint64_t *p, uint64_t *newlines, DgError *err);

/* SHA-256 (lowercase hex) of the whole file as stored, which must still be
 * `size` bytes long with the modification time it has when this starts
 * (else DG_E_IO "the input changed while it was being read"). */
DgStatus dg_slices_sha256(const char *path, uint64_t size, char hex[65], DgError *err);

#endif
