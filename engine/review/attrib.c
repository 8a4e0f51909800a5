/*
 * Cause attribution of payout changes (dg_review_attribute, review.h).
 *
 * Design: the pool moves from run A's state to run B's one factor at a
 * time (budget, scope, appeals, workload, catalog, quality, adjustment); every
 * intermediate state is a complete allocation problem whose exact share
 * B·C_u/ΣC is a rational of big integers (bigq.h), so the step effects are
 * exact and telescope: Σ effects + rounding residual = the payout change,
 * with no approximation anywhere.  Comparing effects is cross-
 * multiplication.  For printing, each state's share is rounded once
 * (to 1/100 fen) and the printed effects are differences of those rounded
 * states, so a printed row adds up exactly as well.
 *
 * Cost: 8 states × n units of a few big multiplications each, plus one
 * counterfactual (the unit's own factor alone) for the winning step.
 */
#include <stdlib.h>
#include <string.h>

#include "dangliang/review.h"
#include "review/bigq.h"

#define NSTATE 8 /* X0 .. X7 */

const char *dg_review_cause_name(DgCause c)
{
    static const char *const names[] = {"none",    "budget",  "scope",   "appeals",    "workload",
                                        "catalog", "quality", "adjustment", "rounding"};
    return (unsigned)c < DG_CAUSE_COUNT ? names[c] : "?";
}

/* A unit's factors normalised: a side where it is out of scope copies the other side. */
typedef struct Norm {
    bool in_a, in_b;
    DgU128 w[4]; /* w_a, w_a after run B's appeals instead of run A's, w_mid, w_b */
    int64_t q[2], adj[2];
} Norm;

static void normalise(const DgAttrUnit *u, Norm *x)
{
    x->in_a = u->in_a;
    x->in_b = u->in_b;
    x->w[0] = u->w_a;
    /* the appeals step: never below 0 (an appeal only restores what its run had removed) */
    x->w[1] = u->w_a + u->appeal_b >= u->appeal_a ? u->w_a + u->appeal_b - u->appeal_a : 0;
    x->w[2] = u->w_mid;
    x->w[3] = u->w_b;
    x->q[0] = u->q_a;
    x->q[1] = u->q_b;
    x->adj[0] = u->adj_a;
    x->adj[1] = u->adj_b;
    if (!u->in_a && u->in_b) { /* entering: brings run B's values */
        x->w[0] = x->w[1] = x->w[2] = u->w_b;
        x->q[0] = u->q_b;
        x->adj[0] = u->adj_b;
    } else if (u->in_a && !u->in_b) { /* leaving: its run-A values until it goes */
        x->w[1] = x->w[2] = x->w[3] = u->w_a;
        x->q[1] = u->q_a;
        x->adj[1] = u->adj_a;
    }
}

/* C of unit x in state s (0 when out of scope). */
static void corrected(const Norm *x, int s, DgBig *c, bool *ok)
{
    bool in = s < 2 ? x->in_a : x->in_b;
    DgU128 w = s < 3 ? x->w[0] : s <= 5 ? x->w[s - 2] : x->w[3];
    int64_t q = s < 6 ? x->q[0] : x->q[1];
    int64_t a = s < 7 ? x->adj[0] : x->adj[1];
    if (!in || w == 0 || q <= 0 || a <= 0) {
        c->n = 0;
        return;
    }
    DgBig bw, bqa;
    dg_big_from_u128(&bw, w);
    dg_big_from_u128(&bqa, (DgU128)q * (DgU128)a); /* both < 2^63 */
    dg_big_mul(c, &bw, &bqa, ok);
}

static void share(int64_t budget, const DgBig *c, const DgBig *sum, DgQ *out, bool *ok)
{
    DgBig b, n;
    dg_big_from_u128(&b, budget > 0 ? (DgU128)budget : 0);
    dg_big_mul(&n, &b, c, ok);
    dg_q_make(out, &n, sum);
}

/* Shown share: round_half_up(share · 100), in 1/100 fen. */
static int64_t shown(int64_t budget, const DgBig *c, const DgBig *sum, bool *ok)
{
    if (budget <= 0 || c->n == 0 || sum->n == 0)
        return 0;
    DgBig b, n;
    dg_big_from_u128(&b, (DgU128)budget);
    dg_big_mul(&n, &b, c, ok);
    return dg_big_div_round(&n, 100, sum, ok);
}

DgStatus dg_review_attribute(int64_t budget_a, int64_t budget_b, const DgAttrUnit *units, size_t n,
                             DgAttrResult *out, DgError *err)
{
    bool ok = true;
    Norm *x = dg_xcalloc(n + 1, sizeof *x);
    for (size_t i = 0; i < n; i++)
        normalise(&units[i], &x[i]);
    int64_t budget[NSTATE];
    DgBig sum[NSTATE];
    for (int s = 0; s < NSTATE; s++) {
        budget[s] = s == 0 ? budget_a : budget_b;
        dg_big_from_u128(&sum[s], 0);
        for (size_t i = 0; i < n; i++) {
            DgBig c;
            corrected(&x[i], s, &c, &ok);
            dg_big_add(&sum[s], &sum[s], &c, &ok);
        }
    }
    for (size_t i = 0; i < n && ok; i++) {
        DgAttrResult *r = &out[i];
        memset(r, 0, sizeof *r);
        DgBig c[NSTATE];
        DgQ sh[NSTATE];
        int64_t rs[NSTATE];
        for (int s = 0; s < NSTATE; s++) {
            corrected(&x[i], s, &c[s], &ok);
            share(budget[s], &c[s], &sum[s], &sh[s], &ok);
            rs[s] = shown(budget[s], &c[s], &sum[s], &ok);
        }
        DgQ eff[DG_CAUSE_COUNT];
        dg_q_from_i64(&eff[DG_CAUSE_NONE], 0);
        for (int s = 1; s < NSTATE; s++) {
            dg_q_sub(&eff[s], &sh[s], &sh[s - 1], &ok); /* step s is cause s: BUDGET = 1 .. ADJUSTMENT = 7 */
            r->effect[s] = rs[s] - rs[s - 1];
        }
        int64_t delta = units[i].pay_b - units[i].pay_a;
        DgQ d, total;
        dg_q_sub(&total, &sh[NSTATE - 1], &sh[0], &ok);
        dg_q_from_i64(&d, delta);
        dg_q_sub(&eff[DG_CAUSE_ROUNDING], &d, &total, &ok);
        r->effect[DG_CAUSE_ROUNDING] = delta * 100 - (rs[NSTATE - 1] - rs[0]);

        DgCause best = DG_CAUSE_NONE;
        for (int k = DG_CAUSE_BUDGET; k <= DG_CAUSE_ROUNDING; k++) {
            if (eff[k].sign == 0)
                continue;
            if (best == DG_CAUSE_NONE || dg_q_cmp_abs(&eff[k], &eff[best], &ok) > 0)
                best = (DgCause)k;
        }
        r->cause = best;
        if (best >= DG_CAUSE_SCOPE && best <= DG_CAUSE_ADJUSTMENT) {
            /* own: state s−1 with only this unit's factor of step s changed */
            int s = (int)best;
            DgBig alt, tmp;
            dg_big_sub(&tmp, &sum[s - 1], &c[s - 1]);
            dg_big_add(&alt, &tmp, &c[s], &ok);
            DgQ mid, own, others;
            share(budget[s], &c[s], &alt, &mid, &ok);
            dg_q_sub(&own, &mid, &sh[s - 1], &ok);
            dg_q_sub(&others, &sh[s], &mid, &ok);
            r->by_others = dg_q_cmp_abs(&others, &own, &ok) > 0;
        }
    }
    free(x);
    if (!ok) {
        if (n)
            memset(out, 0, n * sizeof *out);
        return dg_error_set(err, DG_E_INTERNAL, NULL, 0, 0,
                            "the exact cause attribution outgrew its number size (internal limit)");
    }
    return DG_OK;
}
