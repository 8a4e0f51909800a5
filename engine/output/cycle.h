/*
 * The payout cycle in the outputs: per-capita budgets, appeals and
 * settlement against advances (summary.json, settlement.csv, report.html).
 * Internal to engine/output; kept apart from the other writers so the
 * cycle's figures are computed in one place for the CSV, the JSON and the
 * page.
 */
#ifndef DG_OUTPUT_CYCLE_H
#define DG_OUTPUT_CYCLE_H

#include <jansson.h>
#include <stdio.h>

#include "csvout.h"
#include "dangliang/output.h"

/* Add a pool's per-capita fields ("per_capita", "population") and, with
 * advances, "advanced" and "balance" (Σ over the pool's units in scope) to
 * its summary.json object. */
void dg_cycle_pool_json(const DgScheme *s, const DgPayouts *p, size_t k, json_t *jp);

/* summary.json "settlement" (totals over pools), or NULL without advances. */
json_t *dg_cycle_settlement_json(const DgScheme *s, const DgPayouts *p);

/* summary.json "appeals", or NULL when the scheme names no appeals file:
 * the appeals per check (overturn / uphold), the quantity and workload they
 * restored, and per unit whose figures they touched: its own appeals, the
 * quantity and workload restored and — when opt has the payouts before the
 * appeals — the payout without them and the change, per pool. */
json_t *dg_cycle_appeals_json(const DgScheme *s, const DgDataset *d, const DgAudit *au, const DgAggregate *a,
                              const DgPayouts *p, const DgOutputOptions *opt);

/* settlement.csv rows: pool_id, unit_id, unit_name, payout, advanced,
 * balance — one per pool × unit in scope, in payouts.csv order. */
void dg_cycle_settlement_csv(const DgScheme *s, const DgPayouts *p, DgCsvOut *w);

/* The report's "预拨、清算与申诉" section (per-capita budgets, settlement,
 * appeals); writes nothing when the scheme uses none of them. */
void dg_cycle_html(FILE *fp, const DgScheme *s, const DgDataset *d, const DgAudit *au, const DgAggregate *a,
                   const DgPayouts *p, const DgOutputOptions *opt);

#endif
