/*
 * Computed quality indicators: numerator N and denominator D of every
 * computed indicator for every unit, from the person registry and the
 * audited service rows (the rules are in docs/methodology.md and
 * docs/formats.md).
 *
 * Design: one pass over the accepted rows sums, per registry person and per
 * indicator with a "services" rule, the audited quantity of matching
 * services that the person's own unit delivered, and the calendar quarters
 * they fall in; a second pass walks each unit's registry persons (a
 * contiguous, sorted range) and classifies every person.  Both passes are
 * sums and per-unit counts, so the result does not depend on row order,
 * registry order or thread count, and the per-unit pass can run on any
 * partition of the units.  The values are exact integers; Q is computed
 * from N/D by dg_score_quality_values (score.h).
 */
#ifndef DANGLIANG_QUALITY_H
#define DANGLIANG_QUALITY_H

#include "dangliang/validate.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What one registry person is for one computed indicator (DgQualityValues.status). */
#define DG_QP_OUT 0          /* not in the denominator's group (lacks an "of" flag), or a given indicator */
#define DG_QP_COUNTS 1       /* counted in N */
#define DG_QP_NO_FLAG 2      /* in the group but lacks a "count" flag */
#define DG_QP_SHORT_MIN 3    /* has the flags but fewer than `min` matching services */
#define DG_QP_SHORT_QUARTERS 4 /* reaches `min` but in fewer than `quarters` calendar quarters */

typedef struct DgQualityValues {
    size_t n_units, n_indicators, n_persons;
    int64_t *num;          /* [n_units * n_indicators] N, -1 for a given indicator */
    int64_t *den;          /* [n_units * n_indicators] D (0 = the value is missing), -1 for a given indicator */
    int64_t *n_group;      /* [n_units * n_indicators] registry persons in the group ("of" flags) */
    int64_t *n_no_flag, *n_short_min, *n_short_quarters; /* [n_units * n_indicators] persons per DG_QP_* */
    uint8_t *status;       /* [n_persons * n_indicators] DG_QP_* of each registry person (registry order) */
    uint64_t rows_with_patient;  /* accepted rows that name a patient */
    uint64_t rows_unregistered;  /* … whose patient is not in the registry */
    uint64_t rows_other_unit;    /* … whose patient's registry unit is not the unit that delivered the row */
} DgQualityValues;

/* Compute N and D of every computed indicator for every unit.
 * `audited_qty` is the audited quantity of each accepted row (after the
 * authenticity checks and any appeals).  Without a registry in the scheme
 * *out is an all-given, zero-count result.  Errors: none today beyond
 * DG_E_CONFIG for a period longer than 32 calendar quarters with a
 * "quarters" rule.  *out is owned by the caller (dg_quality_values_free).
 * Thread safety: reads its inputs only. */
DgStatus dg_quality_compute(const DgScheme *s, const DgDataset *d, const uint16_t *audited_qty,
                            DgQualityValues **out, DgError *err);

void dg_quality_values_free(DgQualityValues *v); /* accepts NULL */

/* What a run computes once and every partition reuses: each patient
 * number of the dataset resolved to its registry person (looked up in
 * parallel, one patient at a time, so the thread count changes nothing).
 * 4 bytes per distinct patient. */
typedef struct DgQualityPrep DgQualityPrep;

/* Resolve the patients of `d` (its patient numbers are those of every row
 * the run will pass, partition or not).  NULL when the scheme has no
 * registry.  Owned by the caller (dg_quality_prep_free).  Thread safety:
 * reads its inputs only. */
DgQualityPrep *dg_quality_prepare(const DgScheme *s, const DgDataset *d);

void dg_quality_prep_free(DgQualityPrep *p); /* accepts NULL */

/* dg_quality_compute with a prepared patient map (NULL: built and freed
 * here) and, when `units` is not NULL, only the units u with units[u] != 0
 * classified (the others keep num = den = -1 and zero counts; the row
 * counts still cover every row of d).  A partitioned run passes its
 * partition's units.  The row pass runs in parallel over fixed blocks of
 * rows (sums and OR-ed quarter masks: the result does not depend on the
 * thread count), the per-unit pass in parallel over units. */
DgStatus dg_quality_compute_prep(const DgScheme *s, const DgDataset *d, const uint16_t *audited_qty,
                                 const DgQualityPrep *prep, const uint8_t *units, DgQualityValues **out,
                                 DgError *err);

#ifdef __cplusplus
}
#endif
#endif
