/*
 * Block-at-a-time CSV record scanner (SIMD classification, run-time CPU
 * dispatch), giving exactly the records of the serial dg_csv_scan.
 *
 * Design, in two stages as in simdjson and simdcsv:
 *
 * 1. Index.  The input is read in 64-byte blocks.  Each block yields three
 *    64-bit masks: the bytes equal to '"', to ',' and to '\n'.  The
 *    "inside quotes" mask is the prefix XOR of the quote mask (bit i = parity
 *    of the quotes at or before byte i), XOR-ed with the state carried from
 *    the previous block; it is one carry-less multiplication by all-ones
 *    (PCLMULQDQ) or six shift/xor steps on the portable path.  The block's
 *    structural bytes are the quotes, plus the commas and newlines outside
 *    quotes; their offsets are written to an index array (branch-light
 *    flattening of the mask, eight at a time).  The quote rule is the one of
 *    csvscan.h: every '"' toggles the state, so the index finds the same
 *    record ends as dg_csv_record_end and the chunker, on any bytes.
 *    The index is built in batches of 32 KiB, so it stays in L1/L2.  Stage 1
 *    also notes whether a batch holds any space or tab.
 *
 * 2. Records.  The record walk reads the index: a comma ends a field, a
 *    newline ends the record.  A record with no quote byte (nearly all of a
 *    service log) is split right there — fields point into the input,
 *    spaces and tabs trimmed (only when a batch the record touches holds
 *    one), one CR before the LF dropped, as csvscan.h says.  A record holding any quote is handed whole to dg_csv_scan, the
 *    one place that knows unescaping and the malformed-quote rules, so the
 *    two paths cannot disagree on the hard cases.  '\r' needs no mask: only
 *    a CR right before the record's end is special, and that is one byte
 *    test per record.
 *
 * Implementations: AVX2 (two 32-byte compares per class), SSE4.2 (four
 * 16-byte compares; SSE2 instructions plus PCLMULQDQ, selected on CPUs
 * with SSE4.2), and portable C (eight-byte SWAR compares).  The fastest one
 * the CPU supports is picked once at run time (__builtin_cpu_supports; the
 * vector code is compiled with target attributes, so the rest of the
 * program keeps the baseline instruction set).  All produce identical
 * indexes; tests/unit/test_csvsimd.c checks that on random inputs.
 */
#ifndef DG_CSVSIMD_H
#define DG_CSVSIMD_H

#include "common/csvscan.h"
#include "dangliang/common.h"

typedef enum DgScanImpl {
    DG_SCAN_AUTO = 0,   /* the best the CPU supports */
    DG_SCAN_SCALAR,
    DG_SCAN_SSE42,
    DG_SCAN_AVX2,
    DG_SCAN_IMPL_COUNT
} DgScanImpl;

/* True when this build and this CPU can run `impl` (AUTO and SCALAR: always). */
bool dg_csvsimd_supported(DgScanImpl impl);

/* The implementation AUTO resolves to on this CPU. */
DgScanImpl dg_csvsimd_best(void);

/* "scalar", "sse4.2", "avx2" (AUTO: the name of the best). */
const char *dg_csvsimd_name(DgScanImpl impl);

/* Stage 1 on buf[0..n): writes the offsets of the structural bytes (every
 * '"', and ',' / '\n' outside quotes) to out in increasing order and
 * returns their number.  *inq is the quote state before buf[0] (0 or
 * all-ones) and receives the state after buf[n-1].  out must hold n + 8
 * entries; n < 2^32.  *ws receives whether buf[0..n) holds a space or a
 * tab (fields need trimming only then).  `impl` must be supported. */
size_t dg_csvsimd_index(DgScanImpl impl, const char *buf, size_t n, uint64_t *inq, uint32_t *out, bool *ws);

/* A record cursor over buf[pos..limit), pos being a record start. */
typedef struct DgCsvCursor {
    const char *buf;
    size_t pos, limit;   /* next record start; end of the input */
    size_t next;         /* first byte not yet indexed */
    size_t base;         /* offset of the indexed batch */
    uint64_t inq;        /* quote state at `next` */
    uint32_t *idx;       /* structural offsets of the batch, relative to base */
    size_t n, at, cap;
    bool ws;             /* the batch holds a space or a tab */
    DgScanImpl impl;
} DgCsvCursor;

/* Start a cursor (impl AUTO picks the best).  Allocates its index buffer. */
void dg_csv_cursor_init(DgCsvCursor *c, const char *buf, size_t pos, size_t limit, DgScanImpl impl);

/* Release the index buffer; accepts NULL. */
void dg_csv_cursor_free(DgCsvCursor *c);

/* The next record, exactly as dg_csv_scan(buf, limit, &pos, r) would give
 * it: false at the end; otherwise *pos (may be NULL) receives the offset
 * just past the record.  Thread safety: touches only c and r. */
bool dg_csv_cursor_next(DgCsvCursor *c, DgCsvRecord *r, size_t *pos);

#endif
