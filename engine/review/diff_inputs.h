/*
 * Which inputs changed between two runs, and what that means for the
 * attribution of `dangliang diff` (diff_inputs.c).  Internal to
 * engine/review.
 */
#ifndef DG_DIFF_INPUTS_H
#define DG_DIFF_INPUTS_H

#include <glib.h>

#include "dangliang/review.h"
#include "review/runread.h"

/* Fill d->inputs from the hashes both manifests record. */
void dg_diff_inputs_compare(DgDiff *d, const DgRunInfo *a, const DgRunInfo *b);

/* Before attributing a pool: with the same logs and a changed catalog,
 * every change of workload besides the appeals comes from the catalog (its
 * equivalents or caps), so W_mid = W_A with run B's appeals for the units
 * in both runs. */
void dg_diff_inputs_fix_mid(const DgDiff *d, DgAttrUnit *u, size_t n);

/* After attributing: with the same catalog file, the catalog step is a
 * shift in the mix of catalog versions: its effect and cause move from
 * CATALOG to VERSION_MIX in d->rows. */
void dg_diff_inputs_relabel(DgDiff *d);

/* "inputs changed: …; the same: …" and, when a row's main cause is
 * version_mix, a line saying what that is. */
void dg_diff_inputs_describe(const DgDiff *d, GString *g);
void dg_diff_inputs_note_mix(const DgDiff *d, GString *g);

#endif
