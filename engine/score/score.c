/*
 * Scoring: quality Q, adjustment A, corrected workload C (see score.h).
 *
 * Every rounding is "half-up of an exact non-negative rational n/d", done
 * as floor((2n + d) / 2d) in 128 bits, so nothing is rounded twice: a_k is
 * rounded from v/t, Q from Σ S_k·a6_k / (Σ S_k · 100) where a6_k are the
 * already-6-decimal achievements docs/methodology.md defines, and A from the exact
 * product of its factors.  The product of A can outgrow 128 bits (each
 * factor is up to 10.0000 = 100000 at 10^-4), so it is kept as a little
 * base-2^32 big integer and scaled down by 10 at a time; rounding half-up
 * to 4 decimals then only needs the last dropped digit: with
 * x = 10·y + d (y = floor(x / 10^(n-1) / 10)), x / 10^n rounds up exactly
 * when d >= 5.
 */
#include "dangliang/score.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A_ONE 10000    /* 1.0000 at 10^-4 */
#define ACH_ONE 1000000 /* 1.000000 at 10^-6 */

/* round_half_up(n / d), d > 0; 2n + d must fit in 128 bits (callers keep n < 2^126). */
static DgU128 div_half_up(DgU128 n, DgU128 d)
{
    return (2 * n + d) / (2 * d);
}

/* a_k at 10^-6 from value v and target t (both 10^-6, t > 0). */
static int64_t achievement(int64_t v, int64_t t, bool lower_is_better)
{
    if (t <= 0)
        return 0; /* the loader rejects this; never divide by it */
    if (lower_is_better) {
        if (v <= t)
            return ACH_ONE;
        /* t < v: t·10^6 / v < 10^6 */
        return (int64_t)div_half_up((DgU128)t * ACH_ONE, (DgU128)v);
    }
    if (v <= 0)
        return 0;
    if (v >= t)
        return ACH_ONE;
    return (int64_t)div_half_up((DgU128)v * ACH_ONE, (DgU128)t);
}

static bool unit_in_some_pool(const DgScheme *s, size_t u)
{
    if (!s->pool_unit)
        return false;
    for (size_t p = 0; p < s->n_pools; p++)
        if (s->pool_unit[p * s->n_units + u])
            return true;
    return false;
}

/* Append "(unit, indicator)" to a bounded list; false when it does not fit. */
static bool list_append(char *buf, size_t cap, size_t *len, const char *unit, const char *ind)
{
    int n = snprintf(buf + *len, cap - *len, "%s(%s, %s)", *len ? ", " : "", unit, ind);
    if (n < 0 || (size_t)n >= cap - *len) {
        buf[*len] = 0;
        return false;
    }
    *len += (size_t)n;
    return true;
}

void dg_score_quality_clear(DgQuality *q)
{
    if (!q)
        return;
    free(q->achievement);
    free(q->q_raw);
    free(q->q);
    free(q->rule);
    memset(q, 0, sizeof *q);
}

int64_t dg_score_achievement_frac(int64_t num, int64_t den, int64_t t, bool lower_is_better)
{
    if (den <= 0 || t <= 0 || num < 0)
        return 0;
    /* v = num/den; t at 10^-6 */
    if (lower_is_better) {
        if ((DgU128)num * ACH_ONE <= (DgU128)t * (DgU128)den)
            return ACH_ONE;
        /* t·den/num at 10^-6 = T·den / num */
        return (int64_t)div_half_up((DgU128)t * (DgU128)den, (DgU128)num);
    }
    if ((DgU128)num * ACH_ONE >= (DgU128)t * (DgU128)den)
        return ACH_ONE;
    /* num/(den·t) at 10^-6 = num·10^12 / (den·T) */
    return (int64_t)div_half_up((DgU128)num * ACH_ONE * ACH_ONE, (DgU128)den * (DgU128)t);
}

DgStatus dg_score_quality(const DgScheme *s, DgQuality *out, DgError *err)
{
    return dg_score_quality_values(s, NULL, out, err);
}

DgStatus dg_score_quality_values(const DgScheme *s, const DgQualityValues *qv, DgQuality *out, DgError *err)
{
    memset(out, 0, sizeof *out);
    size_t nu = s->n_units;
    size_t nk = (s->has_quality && s->n_indicators > 0) ? s->n_indicators : 0;
    out->n_units = nu;
    out->n_indicators = nk;
    out->achievement = dg_xcalloc((nu * nk) > 0 ? nu * nk : 1, sizeof *out->achievement);
    out->q_raw = dg_xcalloc(nu ? nu : 1, sizeof *out->q_raw);
    out->q = dg_xcalloc(nu ? nu : 1, sizeof *out->q);
    out->rule = dg_xcalloc(nu ? nu : 1, sizeof *out->rule);

    if (nk == 0) {
        for (size_t u = 0; u < nu; u++)
            out->q_raw[u] = out->q[u] = A_ONE;
        return DG_OK;
    }

    DgU128 sum_w = 0;
    for (size_t k = 0; k < nk; k++)
        sum_w += (DgU128)(s->indicators[k].weight > 0 ? s->indicators[k].weight : 0);
    if (sum_w == 0) {
        dg_score_quality_clear(out);
        return dg_error_set(err, DG_E_CONFIG, s->path, 0, 0,
                            "the quality indicator weights add up to 0; give every indicator a positive weight");
    }
    bool use_qv = qv && qv->n_units == nu && qv->n_indicators == nk;

    /* Collect missing pairs of paid units first so the error names them all. */
    char list[720];
    size_t list_len = 0, n_missing = 0, n_listed = 0, n_missing_computed = 0;
    bool listing = true;
    list[0] = 0;

    for (size_t u = 0; u < nu; u++) {
        bool paid = unit_in_some_pool(s, u);
        DgU128 num = 0;   /* Σ S_k · a6_k, 10^-6 */
        DgU128 u_w = 0;   /* Σ S_k over the indicators that count for this unit */
        for (size_t k = 0; k < nk; k++) {
            const DgIndicator *ind = &s->indicators[k];
            int64_t a = -1;
            if (ind->compute) {
                int64_t n = use_qv ? qv->num[u * nk + k] : -1, d = use_qv ? qv->den[u * nk + k] : -1;
                if (n >= 0 && d > 0)
                    a = dg_score_achievement_frac(n, d, ind->target, ind->lower_is_better);
            } else {
                int64_t v = s->indicator_values ? s->indicator_values[u * nk + k] : DG_IND_MISSING;
                if (v != DG_IND_MISSING)
                    a = achievement(v, ind->target, ind->lower_is_better);
            }
            int64_t wk = ind->weight > 0 ? ind->weight : 0;
            out->achievement[u * nk + k] = a;
            if (a < 0) {
                if (paid && !s->missing_zero && !s->missing_skip) {
                    n_missing++;
                    n_missing_computed += ind->compute != NULL;
                    char what[200];
                    snprintf(what, sizeof what, "%s%s", ind->id, ind->compute ? ": D = 0" : "");
                    if (listing && list_append(list, sizeof list, &list_len, s->units[u].id, what))
                        n_listed++;
                    else
                        listing = false;
                }
                if (s->missing_skip)
                    continue;
                a = 0;
            }
            num += (DgU128)wk * (DgU128)a;
            u_w += (DgU128)wk;
        }
        /* Q(10^-4) = num(10^-6) / Σ S / 100, one rounding of the exact ratio. */
        int64_t q = u_w ? (int64_t)div_half_up(num, u_w * 100) : A_ONE;
        out->q_raw[u] = q;
        uint8_t rule = DG_QRULE_NONE;
        if (s->floor != DG_NONE && q < s->floor) {
            q = 0;
            rule = DG_QRULE_FLOOR;
        } else if (s->full_at != DG_NONE && q >= s->full_at) {
            q = A_ONE;
            rule = DG_QRULE_FULL_AT;
        }
        out->q[u] = q;
        out->rule[u] = rule;
    }

    if (n_missing > 0) {
        dg_score_quality_clear(out);
        char more[64] = "";
        if (n_listed < n_missing)
            snprintf(more, sizeof more, "%s and %zu more", n_listed ? "," : "", n_missing - n_listed);
        const char *fix = n_missing_computed == n_missing
                              ? "a computed value is missing when its denominator D is 0 (no registry person in the "
                                "group, or a population of 0); set \"missing\": \"zero\" or \"skip\" in \"quality\""
                          : n_missing_computed
                              ? "add the given rows to the indicators file (a computed value is missing when its "
                                "denominator D is 0), or set \"missing\": \"zero\" or \"skip\" in \"quality\""
                              : "add the rows to the indicators file or set \"missing\": \"zero\" in \"quality\"";
        return dg_error_set(err, DG_E_CONFIG, s->indicators_path && n_missing_computed < n_missing ? s->indicators_path : s->path, 0, 0,
                            "%zu quality indicator value%s missing for units paid by a pool: %s%s; %s",
                            n_missing, n_missing == 1 ? " is" : "s are", list, more, fix);
    }
    return DG_OK;
}

/* ---- adjustment ---------------------------------------------------------- */

static bool unit_has_tag(const DgUnit *u, const char *tag)
{
    for (size_t i = 0; i < u->n_tags; i++)
        if (strcmp(u->tags[i], tag) == 0)
            return true;
    return false;
}

/* x *= m over little-endian base-2^32 limbs; *n grows as needed (cap checked by caller). */
static void big_mul_small(uint32_t *x, size_t *n, uint32_t m)
{
    uint64_t carry = 0;
    for (size_t i = 0; i < *n; i++) {
        uint64_t t = (uint64_t)x[i] * m + carry;
        x[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry)
        x[(*n)++] = (uint32_t)carry;
}

/* x /= 10, returns the remainder digit. */
static unsigned big_div10(uint32_t *x, size_t *n)
{
    uint64_t r = 0;
    for (size_t i = *n; i-- > 0;) {
        uint64_t cur = (r << 32) | x[i];
        x[i] = (uint32_t)(cur / 10);
        r = cur % 10;
    }
    while (*n > 1 && x[*n - 1] == 0)
        (*n)--;
    return (unsigned)r;
}

DgStatus dg_score_adjustment(const DgScheme *s, int64_t *a_out, DgError *err)
{
    /* Each factor is < 2^32 (the loader caps it at 100000); one limb per
     * factor plus one is always enough. */
    size_t cap = s->n_adjustments + 2;
    uint32_t *x = dg_xmalloc(cap * sizeof *x);
    DgStatus st = DG_OK;
    for (size_t u = 0; u < s->n_units && st == DG_OK; u++) {
        const DgUnit *unit = &s->units[u];
        size_t n = 1, m = 0;
        x[0] = 1;
        for (size_t j = 0; j < s->n_adjustments; j++) {
            const DgAdjustment *adj = &s->adjustments[j];
            if (!unit_has_tag(unit, adj->tag))
                continue;
            int64_t f = adj->factor;
            if (f < 0 || f > UINT32_MAX) {
                st = dg_error_set(err, DG_E_CONFIG, s->path, 0, 0,
                                  "adjustment factor for tag \"%s\" is out of range (0 < factor <= 10)", adj->tag);
                break;
            }
            big_mul_small(x, &n, (uint32_t)f);
            m++;
        }
        if (st != DG_OK)
            break;
        if (m == 0) {
            a_out[u] = A_ONE;
            continue;
        }
        /* x is at 10^-(4m); bring it to 10^-4, rounding half-up on the last dropped digit. */
        unsigned d = 0;
        for (size_t i = 0; i < 4 * (m - 1); i++)
            d = big_div10(x, &n);
        DgU128 v = 0;
        bool fits = n <= 4;
        for (size_t i = n; fits && i-- > 0;)
            v = (v << 32) | x[i];
        if (d >= 5)
            v++;
        if (!fits || v > (DgU128)INT64_MAX) {
            st = dg_error_set(err, DG_E_CONFIG, s->units_path, unit->line, 0,
                              "the adjustment coefficient of unit %s (product of %zu factors) is too large", unit->id,
                              m);
            break;
        }
        a_out[u] = (int64_t)v;
    }
    free(x);
    return st;
}

bool dg_score_corrected(DgU128 w, int64_t q, int64_t a, DgU128 *c)
{
    if (q < 0 || a < 0)
        return false;
    DgU128 qa = (DgU128)q * (DgU128)a; /* < 2^126 */
    if (qa != 0 && w > (~(DgU128)0) / qa)
        return false;
    *c = w * qa;
    return true;
}
