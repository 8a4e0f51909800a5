/*
 * Authenticity checks (真实性核查, docs/methodology.md §9): flagged, not silently dropped.
 *
 * Design: a check never deletes a row; it lowers the row's audited
 * quantity and writes a flag (row, check, excess quantity, a sentence)
 * that a unit can contest.  Raw quantity stays in raw workload.
 *
 * Grouping scales by partitioning: rows are dealt into a fixed number of
 * buckets by a hash of their group key ((unit, patient) for the patient
 * caps, staff for the staff-day check) as 16-byte keys that also carry
 * what the walk needs (date, quantity or minutes), in parallel scans over
 * fixed row ranges; each bucket is sorted by its full key with the row
 * index as the last key — a total order — and walked without reading the
 * rows again,
 * buckets in parallel with private flag lists merged in bucket order and
 * then sorted by (row, check).  The bucket count does not depend on the
 * thread count, and every decision depends only on the total order, so
 * results are identical for any --threads.
 */
#ifndef DANGLIANG_AUDIT_H
#define DANGLIANG_AUDIT_H

#include "dangliang/validate.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum DgCheck {
    DG_CHECK_OVER_PATIENT_DAY = 0,
    DG_CHECK_OVER_PATIENT_PERIOD,
    DG_CHECK_STAFF_OVERLOAD,
    DG_CHECK_COUNT
} DgCheck;

/* "over_patient_day", "over_patient_period", "staff_overload". */
const char *dg_check_name(DgCheck c);

typedef struct DgFlag {
    uint32_t row;       /* index in dataset->rows */
    uint8_t check;      /* DgCheck */
    uint8_t appeal;     /* DgAppealDecision: set by dg_appeals_apply, DG_APPEAL_NONE otherwise */
    uint32_t excess;    /* quantity this check removed (0 under staff_overload: review) */
    uint32_t appeal_index; /* index in scheme->appeals when appeal != DG_APPEAL_NONE */
    char *detail;       /* one sentence, e.g. "5th PH-HTN-FU of patient P00077 in the period, cap 4" */
} DgFlag;

typedef struct DgAudit {
    uint16_t *audited_qty;                 /* [n_rows] (quantities are at most 10000) */
    DgFlag *flags;                         /* sorted by (row, check) */
    size_t n_flags;
    uint64_t flags_by_check[DG_CHECK_COUNT];
    uint64_t excess_by_check[DG_CHECK_COUNT];
    uint64_t rows_flagged;                 /* rows with at least one flag */
    /* filled by dg_appeals_apply (appeals.h); zero when no appeals were applied */
    uint64_t appeals_by_check[DG_CHECK_COUNT][2]; /* [check][0 overturn, 1 uphold] */
    uint64_t qty_restored;                 /* Σ (audited after appeals − audited before) over rows */
} DgAudit;

/* Run every check the scheme enables (caps from the catalog, the staff-day
 * limit from "checks").  Errors: DG_E_CONFIG when the dataset has more rows
 * than 32-bit row numbers allow.  *out owned by the caller.  Uses OpenMP. */
DgStatus dg_audit_rows(const DgScheme *s, const DgDataset *d, DgAudit **out, DgError *err);

void dg_audit_free(DgAudit *a); /* accepts NULL */

#ifdef __cplusplus
}
#endif
#endif
