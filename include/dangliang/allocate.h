/*
 * Allocation (docs/methodology.md §6 and §8): split a budget in fen over weights by the
 * largest-remainder rule, exactly, and format the derived ratios.
 *
 * Design: payout_i = floor(B·C_i / ΣC); the R = B − Σ floors fen left over
 * go one each to the R largest remainders (B·C_i) mod ΣC — all over the
 * same denominator, so they compare as integers — ties by key in ascending
 * byte order.  B·C_i is formed exactly in 256 bits, so any budget up to
 * INT64_MAX fen and any weights whose sum fits in 128 bits are exact.  The
 * result is checked (Σ payouts == B) before it is returned.
 *
 * The same call serves both levels:
 *   - pools (§6): weights = corrected workloads C_u (10^-12 equivalents)
 *     of the units in the pool's scope, keys = unit_id;
 *   - internal distribution (§8): budget = the unit's payout from the
 *     pool, weights = its staff members' audited workloads in that pool
 *     (10^-4), keys = staff_id, so ties go by staff_id.
 * Only the ratio of the weights matters, so their scale is free.
 */
#ifndef DANGLIANG_ALLOCATE_H
#define DANGLIANG_ALLOCATE_H

#include "dangliang/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest-remainder allocation of `budget` fen over n weights w[].
 *
 * keys[i] (NUL-terminated) breaks ties among equal remainders: the smaller
 * key in unsigned byte order (strcmp) wins the fen; equal keys, or keys ==
 * NULL, fall back to the smaller index.  Outputs, all [n]: out[i] payout in
 * fen (required); rem[i] = (B·w_i) mod Σw, won[i] = 1 when i received one
 * remainder fen, *sum_out = Σw (set even on error; the 128-bit maximum when
 * Σw overflows, so *sum_out == 0 identifies the "no workload" case) — each
 * optional (NULL).  The result depends
 * only on the inputs, never on their order except through equal keys.
 *
 * Errors (out[] then all zero):
 *   DG_E_CONFIG   budget < 0; Σw does not fit in 128 bits ("workload too
 *                 large"); Σw == 0 while budget > 0 ("no workload").  The
 *                 text does not name the pool: the caller prefixes it.
 *   DG_E_INTERNAL the self-check Σ out == budget failed (a bug).
 * budget == 0 pays 0 to everyone (even when Σw == 0).  n == 0 behaves as
 * Σw == 0.  Thread safety: touches only its arguments. */
DgStatus dg_allocate_largest_remainder(int64_t budget, const DgU128 *w, const char *const *keys, size_t n,
                                       int64_t *out, DgU128 *rem, uint8_t *won, DgU128 *sum_out, DgError *err);

/* Unit price (当量单价) in yuan per equivalent, B / ΣC with B in fen and
 * sum_c in 10^-12 equivalents, i.e. B·10^10 / ΣC, rounded half-up to 4
 * decimals, exact, e.g. "123.4568".  "0.0000" when sum_c == 0 or
 * budget <= 0.  buf >= 64 bytes.  Pure. */
void dg_allocate_unit_price(int64_t budget, DgU128 sum_c, char *buf);

/* Weight (or share) c / sum_c rounded half-up to 8 decimals, exact, e.g.
 * "0.33333333"; "0.00000000" when sum_c == 0.  buf >= 64 bytes.  Pure. */
void dg_allocate_weight_format(DgU128 c, DgU128 sum_c, char *buf);

#ifdef __cplusplus
}
#endif
#endif
