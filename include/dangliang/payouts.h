/*
 * The money result of a run: coefficients, corrected workloads and exact
 * payouts per pool × unit, and the internal distribution per staff member.
 *
 * Design: dg_payouts_compute() composes the scoring stage (Q, A, C) and the
 * allocation stage (largest remainder) for every pool, then checks its own
 * work before anyone writes a file: Σ payouts of every pool equals its
 * budget, and every unit's staff amounts add up to its payout.  A failed
 * check is DG_E_INTERNAL (exit 5) — a bug, never silently written.
 */
#ifndef DANGLIANG_PAYOUTS_H
#define DANGLIANG_PAYOUTS_H

#include "dangliang/aggregate.h"
#include "dangliang/quality.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DgPayouts {
    size_t n_pools, n_units, n_staff, n_indicators;
    /* quality */
    int64_t *achievement;   /* [n_units * n_indicators] a_k at 10^-6, -1 when missing */
    int64_t *q_raw;         /* [n_units] Q before floor / full_at, 10^-4 */
    int64_t *q;             /* [n_units] final Q, 10^-4 */
    uint8_t *q_rule;        /* [n_units] 0 none, 1 below floor -> 0, 2 at/above full_at -> 1 */
    int64_t *a;             /* [n_units] adjustment A, 10^-4 */
    /* per pool x unit (units out of the pool's scope hold zeros) */
    DgU128 *c;              /* corrected workload, 10^-12 */
    int64_t *payout;        /* fen */
    DgU128 *remainder;      /* (B × C) mod ΣC */
    uint8_t *won;           /* 1 when the unit got one remainder fen */
    /* per pool */
    DgU128 *sum_c;
    int64_t *pool_total;    /* Σ payouts, fen (== budget) */
    /* per pool x staff */
    int64_t *staff_amount;  /* fen */
    int64_t *unit_payout;   /* [n_units] Σ over pools, fen */
    /* computed quality indicators: N, D and the registry match counts;
     * borrowed from the caller of dg_payouts_compute_q (NULL when none) */
    const DgQualityValues *qv;
} DgPayouts;

/* Score and allocate every pool.  Errors: DG_E_CONFIG (missing indicator
 * values under missing=error, a pool with budget but no corrected
 * workload, an overflow — each naming the pool or the pairs),
 * DG_E_INTERNAL (a self-check failed).  All inputs borrowed. */
DgStatus dg_payouts_compute(const DgScheme *s, const DgDataset *d, const DgAggregate *a, DgPayouts **out,
                            DgError *err);

/* The same, with the values of computed quality indicators (quality.h);
 * `qv` is borrowed and must outlive *out (it is kept in (*out)->qv for the
 * outputs).  dg_payouts_compute is this with qv = NULL. */
DgStatus dg_payouts_compute_q(const DgScheme *s, const DgDataset *d, const DgAggregate *a,
                              const DgQualityValues *qv, DgPayouts **out, DgError *err);

void dg_payouts_free(DgPayouts *p); /* accepts NULL */

#ifdef __cplusplus
}
#endif
#endif
