/*
 * Parallel chunking of a window of CSV or JSONL bytes.
 *
 * Design: a window (which always starts at a record start) is cut into
 * chunks of about `chunk_size` bytes — the number of chunks depends on the
 * window and chunk size only, never on the thread count, so per-chunk
 * results merged in chunk order are identical for any --threads.  A first
 * parallel pass counts '"' and '\n' bytes per chunk; a prefix sum gives the
 * quote parity and physical line number at every chunk start; a chunk's
 * records are those that *start* inside it (the first record start at or
 * after its beginning: just past a '\n' seen at even parity).  This is the
 * csvscan.h boundary rule, so it agrees with a serial scan even when quoted
 * fields hold newlines.  For JSON Lines quotes are not special (a JSON
 * string cannot hold a raw newline), so pass quote_aware = false.
 *
 * When the window does not reach the end of input, only complete records
 * are chunked (up to and including the last '\n' at even parity);
 * *consumed says how far that is, and the caller carries the rest into the
 * next window.  If the window holds no complete record, *consumed = 0 and
 * the caller must ask for a bigger window.
 */
#ifndef DG_CHUNKER_H
#define DG_CHUNKER_H

#include "dangliang/common.h"

typedef struct DgChunk {
    size_t begin, end;     /* records starting in [begin, end) belong to the chunk; end may be < the last record's end */
    uint64_t first_line;   /* physical line number of the byte at `begin` */
} DgChunk;

/* Split buf[0..len).  line0 = physical line number of buf[0].  Chunks with
 * no record start are still returned (begin == end) so numbering is stable.
 * *chunks is malloc'ed (caller frees).  Uses OpenMP for the counting pass
 * with the current omp thread count.  Pure otherwise. */
void dg_chunk_split(const char *buf, size_t len, bool eof, bool quote_aware, size_t chunk_size, uint64_t line0,
                    DgChunk **chunks, size_t *n_chunks, size_t *consumed);

/* Count '"' (when want_quotes; else *nq = 0) and '\n' bytes in p[0..n):
 * the chunker's SIMD counter, for the slices of a run (slices.h). */
void dg_chunk_count(const char *p, size_t n, bool want_quotes, uint64_t *nq, uint64_t *nn);

#endif
