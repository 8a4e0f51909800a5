/*
 * dg_payouts_compute: score (Q, A, C) and allocate every pool, then the
 * internal distribution to staff — with the engine's own checks of Σ
 * before anything is written (see payouts.h).
 *
 * Units in a pool's scope are visited in scheme order, which is unit_id
 * byte order; staff inside a unit in staff_id byte order.  Both orders
 * also serve as the tie-break keys of the largest-remainder rule.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dangliang/allocate.h"
#include "dangliang/payouts.h"
#include "dangliang/score.h"

static DgStatus pool_fail(DgError *err, DgStatus st, const DgPool *pl, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An error about one pool: "pool "id" (name): text". */
static DgStatus pool_fail(DgError *err, DgStatus st, const DgPool *pl, const char *fmt, ...)
{
    char text[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return dg_error_set(err, st, NULL, 0, 0, "pool \"%s\" (%s): %s", pl->id, pl->name, text);
}

/* Prefix err->text with the pool, keeping the status. */
static DgStatus in_pool(DgError *err, DgStatus st, const DgPool *pl)
{
    if (err) {
        char tmp[900];
        memcpy(tmp, err->text, sizeof tmp - 1);
        tmp[sizeof tmp - 1] = 0;
        return pool_fail(err, st, pl, "%s", tmp);
    }
    return st;
}

DgStatus dg_payouts_compute(const DgScheme *s, const DgDataset *d, const DgAggregate *a, DgPayouts **out,
                            DgError *err)
{
    return dg_payouts_compute_q(s, d, a, NULL, out, err);
}

DgStatus dg_payouts_compute_q(const DgScheme *s, const DgDataset *d, const DgAggregate *a,
                              const DgQualityValues *qv, DgPayouts **out, DgError *err)
{
    size_t nu = s->n_units, np = s->n_pools, ns = a->n_staff;
    DgPayouts *p = dg_xcalloc(1, sizeof *p);
    p->n_pools = np;
    p->n_units = nu;
    p->n_staff = ns;
    p->qv = qv;
    DgQuality q = {0};
    DgStatus st = dg_score_quality_values(s, qv, &q, err);
    if (st != DG_OK) {
        free(p);
        return st;
    }
    /* take the quality arrays */
    p->n_indicators = q.n_indicators;
    p->achievement = q.achievement;
    p->q_raw = q.q_raw;
    p->q = q.q;
    p->q_rule = q.rule;
    p->a = dg_xcalloc(nu ? nu : 1, sizeof *p->a);
    p->c = dg_xcalloc(np * nu + 1, sizeof *p->c);
    p->payout = dg_xcalloc(np * nu + 1, sizeof *p->payout);
    p->remainder = dg_xcalloc(np * nu + 1, sizeof *p->remainder);
    p->won = dg_xcalloc(np * nu + 1, 1);
    p->sum_c = dg_xcalloc(np + 1, sizeof *p->sum_c);
    p->pool_total = dg_xcalloc(np + 1, sizeof *p->pool_total);
    p->staff_amount = dg_xcalloc(np * ns + 1, sizeof *p->staff_amount);
    p->unit_payout = dg_xcalloc(nu + 1, sizeof *p->unit_payout);
    if ((st = dg_score_adjustment(s, p->a, err)) != DG_OK)
        goto fail;

    size_t *idx = dg_xcalloc(nu + 1, sizeof *idx);
    const char **keys = dg_xcalloc(nu + 1, sizeof *keys);
    DgU128 *w = dg_xcalloc(nu + 1, sizeof *w);
    int64_t *pay = dg_xcalloc(nu + 1, sizeof *pay);
    DgU128 *rem = dg_xcalloc(nu + 1, sizeof *rem);
    uint8_t *won = dg_xcalloc(nu + 1, 1);
    size_t max_staff = 1;
    for (size_t u = 0; u < nu; u++) {
        size_t k = a->unit_staff_first[u + 1] - a->unit_staff_first[u];
        if (k > max_staff)
            max_staff = k;
    }
    DgU128 *sw = dg_xcalloc(max_staff, sizeof *sw);
    const char **skeys = dg_xcalloc(max_staff, sizeof *skeys);
    int64_t *spay = dg_xcalloc(max_staff, sizeof *spay);

    for (size_t k = 0; k < np && st == DG_OK; k++) {
        const DgPool *pl = &s->pools[k];
        size_t n = 0;
        for (size_t u = 0; u < nu; u++) {
            if (!s->pool_unit[k * nu + u])
                continue;
            DgU128 c;
            if (!dg_score_corrected(a->pool_unit_w[k * nu + u], p->q[u], p->a[u], &c)) {
                st = pool_fail(err, DG_E_CONFIG, pl, "the corrected workload of unit %s overflows 128 bits", s->units[u].id);
                break;
            }
            idx[n] = u;
            keys[n] = s->units[u].id;
            w[n] = c;
            n++;
        }
        if (st != DG_OK)
            break;
        DgU128 sum = 0;
        st = dg_allocate_largest_remainder(pl->budget, w, keys, n, pay, rem, won, &sum, err);
        if (st != DG_OK) {
            if (err && st == DG_E_CONFIG && sum == 0)
                snprintf(err->text, sizeof err->text,
                         "no unit in its scope has corrected workload (Σ W×Q×A = 0), so its budget %lld.%02lld "
                         "cannot be paid; check its categories/items and scope, or the units' quality scores",
                         (long long)(pl->budget / 100), (long long)(pl->budget % 100));
            st = in_pool(err, st, pl);
            if (err)
                snprintf(err->file, sizeof err->file, "%s", s->path);
            break;
        }
        int64_t total = 0;
        for (size_t i = 0; i < n; i++) {
            size_t u = idx[i];
            p->c[k * nu + u] = w[i];
            p->payout[k * nu + u] = pay[i];
            p->remainder[k * nu + u] = rem[i];
            p->won[k * nu + u] = won[i];
            p->unit_payout[u] += pay[i];
            total += pay[i];
        }
        p->sum_c[k] = sum;
        p->pool_total[k] = total;
        if (total != pl->budget) {
            st = pool_fail(err, DG_E_INTERNAL, pl, "self-check failed: payouts add up to %lld fen, budget is %lld fen",
                                      (long long)total, (long long)pl->budget);
            break;
        }
        /* internal distribution: each unit's payout over its staff in this pool */
        for (size_t i = 0; i < n && st == DG_OK; i++) {
            size_t u = idx[i];
            uint32_t f0 = a->unit_staff_first[u], f1 = a->unit_staff_first[u + 1];
            size_t m = f1 - f0;
            DgU128 ssum = 0;
            for (size_t j = 0; j < m; j++) {
                uint32_t id = a->staff_order[f0 + j];
                sw[j] = a->pool_staff_w[k * ns + id];
                skeys[j] = dg_dataset_staff(d, id);
                ssum += sw[j];
            }
            if (pay[i] == 0)
                continue; /* amounts stay 0 */
            if (ssum != a->pool_unit_w[k * nu + u]) {
                st = pool_fail(err, DG_E_INTERNAL, pl, "self-check failed: staff workloads of unit %s do not add up to its workload",
                                          s->units[u].id);
                break;
            }
            st = dg_allocate_largest_remainder(pay[i], sw, skeys, m, spay, NULL, NULL, NULL, err);
            if (st != DG_OK) {
                st = in_pool(err, DG_E_INTERNAL, pl);
                break;
            }
            int64_t stotal = 0;
            for (size_t j = 0; j < m; j++) {
                p->staff_amount[k * ns + a->staff_order[f0 + j]] = spay[j];
                stotal += spay[j];
            }
            if (stotal != pay[i]) {
                st = pool_fail(err, DG_E_INTERNAL, pl, "self-check failed: staff amounts of unit %s add up to %lld fen, not %lld",
                                          s->units[u].id, (long long)stotal, (long long)pay[i]);
            }
        }
    }
    free(idx);
    free(keys);
    free(w);
    free(pay);
    free(rem);
    free(won);
    free(sw);
    free(skeys);
    free(spay);
    if (st != DG_OK)
        goto fail;
    *out = p;
    return DG_OK;
fail:
    dg_payouts_free(p);
    return st;
}

void dg_payouts_free(DgPayouts *p)
{
    if (!p)
        return;
    free(p->achievement);
    free(p->q_raw);
    free(p->q);
    free(p->q_rule);
    free(p->a);
    free(p->c);
    free(p->payout);
    free(p->remainder);
    free(p->won);
    free(p->sum_c);
    free(p->pool_total);
    free(p->staff_amount);
    free(p->unit_payout);
    free(p);
}
