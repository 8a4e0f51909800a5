/*
 * Aggregation (see aggregate.h for the design).
 */
#include "dangliang/aggregate.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* 2M rows: a 20M-row run splits evenly over 2 threads, and a block's
 * sums take a few MiB. */
#define BLOCK_ROWS ((size_t)1 << 21)
/* How far ahead the summing loop asks for the sums of a coming row: rows
 * come in log order, so their cells are spread over a few MiB. */
#define PREFETCH_ROWS 16

static int staff_cmp(const void *x, const void *y, void *ctx)
{
    const DgDataset *sort_ds = ctx;
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    uint32_t ua = dg_dataset_staff_unit(sort_ds, a), ub = dg_dataset_staff_unit(sort_ds, b);
    if (ua != ub)
        return ua < ub ? -1 : 1;
    return strcmp(dg_dataset_staff(sort_ds, a), dg_dataset_staff(sort_ds, b));
}

/* Staff grouped by unit, each group in staff_id byte order (strcmp compares
 * as unsigned char, which is byte order). */
static void order_staff(const DgDataset *d, DgAggregate *a)
{
    size_t ns = a->n_staff;
    a->staff_order = dg_xcalloc(ns ? ns : 1, sizeof *a->staff_order);
    a->unit_staff_first = dg_xcalloc(a->n_units + 1, sizeof *a->unit_staff_first);
    for (size_t i = 0; i < ns; i++)
        a->staff_order[i] = (uint32_t)i;
    qsort_r(a->staff_order, ns, sizeof *a->staff_order, staff_cmp, (void *)d);
    size_t j = 0;
    for (size_t u = 0; u <= a->n_units; u++) {
        while (j < ns && dg_dataset_staff_unit(d, a->staff_order[j]) < u)
            j++;
        a->unit_staff_first[u] = (uint32_t)j;
    }
}

int64_t dg_aggregate_eq(const DgScheme *s, uint32_t unit, uint32_t crow)
{
    int t = s->units[unit].tier;
    if (t < 1 || t > 3)
        t = 1;
    return s->catalog[crow].eq[t - 1];
}

/* A block's private sums.  Raw and audited quantity of a (unit, catalog
 * row) sit side by side and a staff member's pools are adjacent (staff-
 * major, transposed into the pool-major result at the merge): a row then
 * touches one cache line of each instead of one per array and per pool,
 * and on 20M rows those misses were most of the summing. */
typedef struct QtyPair {
    uint64_t raw, audited;
} QtyPair;

typedef struct Block {
    QtyPair *qty;    /* [n_units * n_catalog] */
    uint64_t *rows;  /* [n_units] */
    DgU128 *staff_w; /* [n_staff * n_pools], from a cache-line boundary in staff_mem */
    void *staff_mem;
} Block;

DgAggregate *dg_aggregate_new(const DgScheme *s, const DgDataset *d)
{
    size_t nu = s->n_units, nc = s->n_catalog, np = s->n_pools, ns = dg_dataset_n_staff(d);
    DgAggregate *a = dg_xcalloc(1, sizeof *a);
    a->n_units = nu;
    a->n_catalog = nc;
    a->n_pools = np;
    a->n_staff = ns;
    a->qty = dg_xcalloc(nu * nc, sizeof *a->qty);
    a->audited_qty = dg_xcalloc(nu * nc, sizeof *a->audited_qty);
    a->unit_rows = dg_xcalloc(nu, sizeof *a->unit_rows);
    a->unit_raw_w = dg_xcalloc(nu, sizeof *a->unit_raw_w);
    a->unit_audited_w = dg_xcalloc(nu, sizeof *a->unit_audited_w);
    a->pool_unit_w = dg_xcalloc(np * nu, sizeof *a->pool_unit_w);
    a->pool_staff_w = dg_xcalloc(np * ns, sizeof *a->pool_staff_w);
    return a;
}

/* pools that count catalog row c, as a compact list per row */
static void catalog_pools(const DgScheme *s, uint32_t **first, uint32_t **list)
{
    size_t nc = s->n_catalog, np = s->n_pools;
    uint32_t *cp_first = dg_xcalloc(nc + 1, sizeof *cp_first);
    uint32_t *cp = dg_xcalloc(nc * np + 1, sizeof *cp);
    size_t k = 0;
    for (size_t c = 0; c < nc; c++) {
        cp_first[c] = (uint32_t)k;
        for (size_t p = 0; p < np; p++)
            if (s->pool_row[p * nc + c])
                cp[k++] = (uint32_t)p;
    }
    cp_first[nc] = (uint32_t)k;
    *first = cp_first;
    *list = cp;
}

void dg_aggregate_add(const DgScheme *s, const DgDataset *d, const uint16_t *audited_qty, DgAggregate *a)
{
    size_t nu = s->n_units, nc = s->n_catalog, np = s->n_pools, ns = a->n_staff;
    uint32_t *cp_first, *cp;
    catalog_pools(s, &cp_first, &cp);
    /* the per-row lookups in small tables: the equivalent by (catalog row,
     * tier) and the pools in each unit's scope, unit-major */
    uint8_t *tier = dg_xmalloc(nu ? nu : 1);
    for (size_t u = 0; u < nu; u++)
        tier[u] = (uint8_t)(s->units[u].tier < 1 || s->units[u].tier > 3 ? 0 : s->units[u].tier - 1);
    uint64_t *eq = dg_xmalloc((nc ? nc : 1) * 3 * sizeof *eq);
    for (size_t c = 0; c < nc; c++)
        for (int t = 0; t < 3; t++)
            eq[c * 3 + (size_t)t] = (uint64_t)s->catalog[c].eq[t];
    uint8_t *in_scope = dg_xmalloc(nu * np + 1);
    for (size_t u = 0; u < nu; u++)
        for (size_t p = 0; p < np; p++)
            in_scope[u * np + p] = s->pool_unit[p * nu + u];
    size_t nb = (d->n_rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
    Block *blocks = dg_xcalloc(nb ? nb : 1, sizeof *blocks);
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t b = 0; b < nb; b++) {
        Block *B = &blocks[b];
        B->qty = dg_xcalloc(nu * nc, sizeof *B->qty);
        B->rows = dg_xcalloc(nu, sizeof *B->rows);
        B->staff_mem = dg_xcalloc(np * ns + 4, sizeof *B->staff_w);
        B->staff_w = (DgU128 *)(((uintptr_t)B->staff_mem + 63) & ~(uintptr_t)63);
        size_t lo = b * BLOCK_ROWS, hi = lo + BLOCK_ROWS < d->n_rows ? lo + BLOCK_ROWS : d->n_rows;
        for (size_t i = lo; i < hi; i++) {
            if (i + PREFETCH_ROWS < hi) {
                const DgRow *ahead = &d->rows[i + PREFETCH_ROWS];
                __builtin_prefetch(&B->qty[(size_t)dg_row_unit(d, ahead) * nc + ahead->crow], 1);
                if (np) { /* the first and the last line of the staff member's sums */
                    __builtin_prefetch(&B->staff_w[(size_t)ahead->staff * np], 1);
                    __builtin_prefetch(&B->staff_w[(size_t)ahead->staff * np + np - 1], 1);
                }
            }
            const DgRow *r = &d->rows[i];
            uint32_t unit = dg_row_unit(d, r);
            QtyPair *q = &B->qty[(size_t)unit * nc + r->crow];
            uint32_t aq = audited_qty ? audited_qty[i] : r->qty;
            q->raw += r->qty;
            q->audited += aq;
            B->rows[unit]++;
            if (aq == 0)
                continue;
            DgU128 w = (DgU128)aq * eq[(size_t)r->crow * 3 + tier[unit]];
            DgU128 *sw = B->staff_w + (size_t)r->staff * np;
            const uint8_t *scope = in_scope + (size_t)unit * np;
            for (uint32_t j = cp_first[r->crow]; j < cp_first[r->crow + 1]; j++)
                if (scope[cp[j]])
                    sw[cp[j]] += w;
        }
    }
    /* merge in block order (integer sums: exact whatever the order, but
     * we keep the rule anyway), each cell on its own */
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < nu * nc; i++)
        for (size_t b = 0; b < nb; b++) {
            a->qty[i] += blocks[b].qty[i].raw;
            a->audited_qty[i] += blocks[b].qty[i].audited;
        }
    for (size_t b = 0; b < nb; b++)
        for (size_t i = 0; i < nu; i++)
            a->unit_rows[i] += blocks[b].rows[i];
#pragma omp parallel for schedule(static)
    for (size_t st = 0; st < ns; st++)
        for (size_t b = 0; b < nb; b++)
            for (size_t p = 0; p < np; p++)
                a->pool_staff_w[p * ns + st] += blocks[b].staff_w[st * np + p];
    for (size_t b = 0; b < nb; b++) {
        free(blocks[b].qty);
        free(blocks[b].rows);
        free(blocks[b].staff_mem);
    }
    free(blocks);
    free(in_scope);
    free(eq);
    free(tier);
    free(cp_first);
    free(cp);
}

void dg_aggregate_finish(const DgScheme *s, const DgDataset *d, DgAggregate *a)
{
    size_t nu = s->n_units, nc = s->n_catalog;
    uint32_t *cp_first, *cp;
    catalog_pools(s, &cp_first, &cp);
    /* workloads from quantities: exact, per (unit, catalog row) */
    for (size_t u = 0; u < nu; u++) {
        for (size_t c = 0; c < nc; c++) {
            size_t uc = u * nc + c;
            if (!a->qty[uc])
                continue;
            uint64_t eq = (uint64_t)dg_aggregate_eq(s, (uint32_t)u, (uint32_t)c);
            DgU128 rw = (DgU128)a->qty[uc] * eq, aw = (DgU128)a->audited_qty[uc] * eq;
            a->unit_raw_w[u] += rw;
            a->unit_audited_w[u] += aw;
            int pools = 0;
            for (uint32_t j = cp_first[c]; j < cp_first[c + 1]; j++) {
                uint32_t p = cp[j];
                if (s->pool_unit[p * nu + u]) {
                    a->pool_unit_w[p * nu + u] += aw;
                    pools++;
                }
            }
            if (pools == 0)
                a->unpooled_w += aw;
            else if (pools > 1)
                a->multi_pool_w += aw;
        }
    }
    free(cp_first);
    free(cp);
    order_staff(d, a);
}

DgStatus dg_aggregate_rows(const DgScheme *s, const DgDataset *d, const uint16_t *audited_qty, DgAggregate **out,
                           DgError *err)
{
    (void)err;
    DgAggregate *a = dg_aggregate_new(s, d);
    dg_aggregate_add(s, d, audited_qty, a);
    dg_aggregate_finish(s, d, a);
    *out = a;
    return DG_OK;
}

void dg_aggregate_free(DgAggregate *a)
{
    if (!a)
        return;
    free(a->qty);
    free(a->audited_qty);
    free(a->unit_rows);
    free(a->unit_raw_w);
    free(a->unit_audited_w);
    free(a->pool_unit_w);
    free(a->pool_staff_w);
    free(a->staff_order);
    free(a->unit_staff_first);
    free(a);
}
