/*
 * The appeals part of `dangliang explain` (explain_cycle.c): which of one
 * unit's flags were appealed, how they were decided, and what the appeals
 * moved — the quantity and workload they restored and the payout without
 * them — read from the run's flags.csv and summary.json.  Internal to
 * engine/review.
 */
#ifndef DG_EXPLAIN_CYCLE_H
#define DG_EXPLAIN_CYCLE_H

#include <glib.h>
#include <jansson.h>

#include "review/runread.h"

/* Column indexes of the flags table explain reads. */
typedef struct DgExplainFlagCols {
    size_t unit, check, excess, record_id, appeal, note;
} DgExplainFlagCols;

/* The "appeals" object of the explanation, or NULL when the run had no
 * appeals file (summary.json has no "appeals").  Errors: DG_E_IO when
 * summary.json cannot be read. */
DgStatus dg_explain_appeals(const char *run_dir, const char *unit_id, const DgRunTable *flags,
                            const DgExplainFlagCols *c, json_t **out, DgError *err);

/* Text of that object (nothing when root has no "appeals"). */
void dg_explain_render_appeals(GString *g, json_t *root);

#endif
