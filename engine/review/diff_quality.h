/*
 * The quality part of `dangliang diff`: for every unit whose final Q
 * differs between two runs, the quality indicator that moved it most (see
 * diff_quality.c).  Private to engine/review.
 */
#ifndef DG_DIFF_QUALITY_H
#define DG_DIFF_QUALITY_H

#include "dangliang/review.h"
#include "dangliang/scheme.h"

/* Fill d->qmoves from DIR_A and DIR_B's units.csv and quality.csv.  Runs
 * written before quality.csv existed give no moves (not an error).
 * `sb` (run B's scheme, may be NULL) supplies the weights; without it the
 * indicator with the largest change of a_k is named.  Errors: DG_E_IO for
 * a damaged quality.csv. */
DgStatus dg_review_diff_quality(const char *dir_a, const char *dir_b, const DgScheme *sb, DgDiff *d,
                                DgError *err);

/* Append the "quality changes" block of the terminal summary to g (a
 * GString *; void * keeps glib out of this header). */
void dg_review_diff_quality_text(const DgDiff *d, void *g);

#endif
