/*
 * Sorting the audit's 16-byte keys (engine/validate/audit.c).
 *
 * A key is (hi, lo), ordered by hi then lo; the audit packs the group
 * (unit, code, patient or staff, day) into hi and the order inside the group
 * into lo, with the row number making every key distinct.  Two sorts give
 * the same order: a comparison quicksort (any input) and an LSD radix sort
 * over only the bits that vary, which relies on the keys arriving in
 * increasing row order — as the audit's scans deliver them — and falls
 * back to the quicksort when they do not.
 */
#ifndef DG_KEYSORT_H
#define DG_KEYSORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct DgAuditKey {
    uint64_t hi, lo;
} DgAuditKey;

/* Sort a[0..n) by (hi, lo): quicksort, median of three, insertion sort for
 * short runs. */
void dg_keysort_cmp(DgAuditKey *a, size_t n);

/* Sort a[0..n) by (hi, lo) — the same result as dg_keysort_cmp — given
 * that the row number, the 32 bits of lo from bit `row_shift`, increases
 * along a[] and that of lo only its top `lo_bits` bits (0..64) and the row
 * can decide the order.  Stable LSD radix sort over the varying bits of hi
 * and of lo's top bits; uses the comparison sort for small n or when the
 * rows are not increasing.  Allocates a scratch copy of the keys. */
void dg_keysort_radix(DgAuditKey *a, size_t n, unsigned lo_bits, unsigned row_shift);

#endif
