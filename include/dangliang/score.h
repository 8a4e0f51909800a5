/*
 * Scoring (docs/methodology.md §3–5): the quality coefficient Q and the adjustment
 * coefficient A of every unit, and the corrected workload C = W × Q × A.
 *
 * Design: pure integer functions of the loaded scheme, no I/O, no floating
 * point.  Each quantity is rounded exactly once, from the exact rational,
 * at the place docs/methodology.md says: an achievement a_k to 6 decimals, Q to 4
 * decimals from the exact Σ S_k·a_k / Σ S_k (never from an already
 * rounded mean), A to 4 decimals from the exact product of its factors
 * (arbitrary length, so any number of tags is exact).  C is exact in
 * 10^-12 equivalents; an overflow is reported, never wrapped.
 *
 * Fixed-point units: Q, A, factors and workloads in 10^-4; achievements,
 * indicator targets and values in 10^-6; C in 10^-12.
 */
#ifndef DANGLIANG_SCORE_H
#define DANGLIANG_SCORE_H

#include "dangliang/quality.h"
#include "dangliang/scheme.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Why the final Q differs from the computed one (DgQuality.rule). */
#define DG_QRULE_NONE 0    /* q == q_raw */
#define DG_QRULE_FLOOR 1   /* q_raw < floor: q = 0 (not eligible) */
#define DG_QRULE_FULL_AT 2 /* q_raw >= full_at: q = 1.0000 */

/* The quality coefficient of every unit, index-aligned with scheme->units. */
typedef struct DgQuality {
    size_t n_units;
    size_t n_indicators; /* scheme->n_indicators, or 0 when the scheme has no quality section */
    int64_t *achievement; /* [n_units * n_indicators], unit-major: a_k at 10^-6 (0..1000000),
                             -1 when the value is missing (it then counts as 0, or is left
                             out of Q under missing=skip) */
    int64_t *q_raw;       /* [n_units] Σ S_k·a_k / Σ S_k at 10^-4, before floor / full_at */
    int64_t *q;           /* [n_units] final Q at 10^-4 */
    uint8_t *rule;        /* [n_units] DG_QRULE_* */
} DgQuality;

/* Compute Q for every unit (docs/methodology.md §3).
 *
 * Per indicator k: better=higher: a_k = min(v/t, 1); better=lower: a_k = 1
 * when v <= t else t/v; each rounded half-up to 6 decimals.  A negative
 * value counts as 0 for a "higher" indicator (a rate cannot be negative;
 * the loader rejects it anyway).  Q = Σ S_k·a_k / Σ S_k rounded half-up to
 * 4 decimals once; then q < floor -> 0, else q >= full_at -> 1.0000
 * (DG_NONE disables either).  Without a quality section (has_quality false,
 * or no indicators) Q = 1.0000 for every unit.
 *
 * Missing values (DG_IND_MISSING, or indicator_values == NULL): for a unit
 * in the scope of at least one pool (scheme->pool_unit), missing=zero takes
 * a_k = 0 and missing=error fails with DG_E_CONFIG naming every missing
 * (unit, indicator) pair (the text is cut with "… and N more" when long,
 * and always gives the total count).  A unit in no pool's scope is paid
 * nothing, so its missing values simply count as 0.
 *
 * On success *out owns its arrays (free with dg_score_quality_clear); on
 * error *out is left empty.  Thread safety: reads the scheme only. */
DgStatus dg_score_quality(const DgScheme *s, DgQuality *out, DgError *err);

/* The same with the values of computed indicators: for an indicator with a
 * compute rule the value is the exact fraction N/D of `qv` (NULL: every
 * computed value is missing) and a_k is rounded once from it (higher:
 * min(N/(D·t), 1); lower: 1 when N/D <= t else t·D/N); D = 0 makes the
 * value missing.  Missing values follow s->missing: error (paid units),
 * zero (a_k = 0, achievement 0), skip (achievement -1, the indicator left
 * out of that unit's Q: Q = Σ S·a / Σ S over the remaining ones, 1.0000
 * when none remain).  Given indicators behave exactly as above. */
DgStatus dg_score_quality_values(const DgScheme *s, const DgQualityValues *qv, DgQuality *out, DgError *err);

/* a_k at 10^-6 of the exact value num/den against target t (10^-6), den > 0. */
int64_t dg_score_achievement_frac(int64_t num, int64_t den, int64_t t, bool lower_is_better);

/* Free the arrays of *q and zero it.  Accepts NULL and an empty struct. */
void dg_score_quality_clear(DgQuality *q);

/* Adjustment coefficient A of every unit (docs/methodology.md §4) into a_out[n_units]
 * (10^-4): the product of the factors of every adjustment whose tag the
 * unit carries (a tag listed twice on a unit counts once), computed exactly
 * and rounded half-up to 4 decimals once; 1.0000 when none applies.
 * Errors: DG_E_CONFIG naming the unit when A does not fit in int64 (only
 * possible with more than ~14 large factors on one unit); a_out is then
 * partially written.  Thread safety: reads the scheme only. */
DgStatus dg_score_adjustment(const DgScheme *s, int64_t *a_out, DgError *err);

/* Corrected workload C = w × q × a (docs/methodology.md §5): w in 10^-4 equivalents,
 * q and a in 10^-4, so *c is in 10^-12 equivalents, exact.  Returns false
 * (and leaves *c untouched) when the product does not fit in 128 bits or
 * q or a is negative; the caller reports DG_E_CONFIG naming the pool. */
bool dg_score_corrected(DgU128 w, int64_t q, int64_t a, DgU128 *c);

#ifdef __cplusplus
}
#endif
#endif
