/*
 * Appeals (申诉): decisions on the flags of the authenticity checks,
 * applied after the checks without re-running them.
 *
 * Design: an appeal names (record_id, check) and a decision.  It changes
 * nothing but the audited quantity of its row, by a rule that needs only
 * the row's raw quantity and its flags (each flag keeps the quantity its
 * check removed): after appeals, audited = quantity − Σ excess of every
 * flag on the row that is not overturned; except that under
 * `staff_overload: exclude` a row whose staff_overload flag is not
 * overturned keeps 0.  So no group is re-walked, a cap is not re-applied
 * (an audited total may end above a cap — that is what the appeal
 * decided), and a row without an overturned flag keeps exactly what the
 * checks left it.  Rows are independent: the work on a unit's flags
 * touches only that unit's rows, so a partitioned run applies the appeals
 * of each partition on its own and only the "appeal matches no flag" test
 * needs every partition's answer (the OR of dg_appeals_match's marks).
 *
 * Stages after this one (aggregation, computed quality indicators,
 * scoring) read au->audited_qty and so see quantities after appeals.
 */
#ifndef DANGLIANG_APPEALS_H
#define DANGLIANG_APPEALS_H

#include "dangliang/audit.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Mark the flags named by the scheme's appeals (flag->appeal,
 * flag->appeal_index) for the flags au->flags[first .. last) and set
 * used[i] for each appeal i that matched.  No allocation besides a
 * lookup table; does not touch audited quantities.  Thread safety: the
 * flag ranges of concurrent calls must not overlap; `used` is written
 * with plain stores of 1. */
void dg_appeals_match(const DgScheme *s, const DgDataset *d, DgAudit *au, size_t first, size_t last,
                      uint8_t *used);

/* Apply every appeal of the scheme to the audit: match them to flags,
 * fail on an appeal that matches no flag (DG_E_CONFIG naming the line of
 * appeals.csv and why: the record is not an accepted row, it has no flag,
 * or its flags are of other checks), then rewrite au->audited_qty by the
 * rule above and fill au->appeals_by_check and au->qty_restored.  A
 * scheme without appeals leaves the audit untouched.  Errors: DG_E_CONFIG.
 * The audit must come from dg_audit_rows on the same scheme and dataset. */
DgStatus dg_appeals_apply(const DgScheme *s, const DgDataset *d, DgAudit *au, DgError *err);

/* dg_appeals_apply for one partition of a run (docs/scale.md): match the
 * appeals to au's flags, setting used[i] for each appeal that matched, and
 * rewrite the audited quantities — without failing on an appeal that
 * matches nothing here, since another partition may hold its flag.  Once
 * every partition is done, dg_appeals_unmatched gives the error
 * dg_appeals_apply would have given (d must then hold every flagged row
 * and every accepted row an appeal names, with au's flags). */
void dg_appeals_apply_part(const DgScheme *s, const DgDataset *d, DgAudit *au, uint8_t *used);
DgStatus dg_appeals_unmatched(const DgScheme *s, const DgDataset *d, const DgAudit *au, const uint8_t *used,
                              DgError *err);

/* The audited quantity every row had before the appeals (what
 * dg_audit_rows left): a malloc'd [d->n_rows] array, caller frees.  Used
 * to show what the appeals moved. */
uint16_t *dg_appeals_before(const DgScheme *s, const DgDataset *d, const DgAudit *au);

#ifdef __cplusplus
}
#endif
#endif
