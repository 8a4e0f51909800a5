/*
 * Aggregation: accepted rows -> quantities and workloads per unit, item,
 * pool and staff member.
 *
 * Design: the only per-row work is adding quantities.  A row's workload is
 * quantity × the equivalent of its catalog row for its unit's tier, and
 * that equivalent is constant per (unit, catalog row), so rows are summed
 * into integer quantities per (unit, catalog row) and workloads are derived
 * exactly afterwards (128-bit).  Staff workloads per pool are summed per
 * row because staff are many.  Rows are cut into fixed blocks (a count that
 * does not depend on the thread count), each summed privately in parallel
 * and merged in block order.
 *
 * Raw quantity is what the log says; audited quantity is what the
 * authenticity checks leave (docs/methodology.md §9).  Payouts use audited workload;
 * both are kept side by side.
 */
#ifndef DANGLIANG_AGGREGATE_H
#define DANGLIANG_AGGREGATE_H

#include "dangliang/validate.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DgAggregate {
    size_t n_units, n_catalog, n_pools, n_staff;
    uint64_t *qty;            /* [n_units * n_catalog] raw quantity */
    uint64_t *audited_qty;    /* [n_units * n_catalog] */
    uint64_t *unit_rows;      /* [n_units] accepted rows */
    DgU128 *unit_raw_w;       /* [n_units] raw workload of all accepted rows, 10^-4 */
    DgU128 *unit_audited_w;   /* [n_units] */
    DgU128 *pool_unit_w;      /* [n_pools * n_units] audited workload counted toward the pool (units in scope only) */
    DgU128 *pool_staff_w;     /* [n_pools * n_staff] audited workload of each staff member in the pool */
    uint32_t *staff_order;    /* [n_staff] staff ids sorted by (unit index, staff_id bytes) */
    uint32_t *unit_staff_first; /* [n_units + 1] unit u's staff are staff_order[first[u] .. first[u+1]) */
    DgU128 unpooled_w;        /* audited workload of accepted rows that no pool pays for */
    DgU128 multi_pool_w;      /* audited workload of rows paid by two or more pools */
} DgAggregate;

/* Equivalent (10^-4) of catalog row c for unit u's tier. */
int64_t dg_aggregate_eq(const DgScheme *s, uint32_t unit, uint32_t crow);

/* Sum the dataset.  audited_qty[i] is row i's audited quantity, or NULL
 * when no checks ran (audited = raw).  Errors: none today besides
 * DG_E_CONFIG on a 128-bit overflow (not reachable within the limits of docs/formats.md);
 * *out owned by the caller.  Uses OpenMP. */
DgStatus dg_aggregate_rows(const DgScheme *s, const DgDataset *d, const uint16_t *audited_qty, DgAggregate **out,
                           DgError *err);

/* The same in three steps, for rows seen a part at a time (docs/scale.md):
 * new (zero sums for the dataset's staff), add (the quantities of d's rows,
 * any number of times with parts of the run), finish (workloads from the
 * summed quantities, and the staff order).  Every figure is an integer sum,
 * so the result does not depend on how the rows were cut. */
DgAggregate *dg_aggregate_new(const DgScheme *s, const DgDataset *d);
void dg_aggregate_add(const DgScheme *s, const DgDataset *d, const uint16_t *audited_qty, DgAggregate *a);
void dg_aggregate_finish(const DgScheme *s, const DgDataset *d, DgAggregate *a);

void dg_aggregate_free(DgAggregate *a); /* accepts NULL */

#ifdef __cplusplus
}
#endif
#endif
