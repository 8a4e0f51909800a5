/*
 * The opening of summary.json — engine, scheme, period, accounting — as a
 * jansson object, shared by the summary writer and `check --json`, so the
 * two describe a run with the same keys, values and path escaping.
 * Internal to engine/ (jansson stays out of the public headers).
 */
#ifndef DG_SUMMARY_HEAD_H
#define DG_SUMMARY_HEAD_H

#include <jansson.h>

#include "dangliang/scheme.h"
#include "dangliang/validate.h"

/* A new object owned by the caller (json_decref).  Never fails: the
 * allocators abort on out-of-memory. */
json_t *dg_output_summary_head(const DgScheme *s, const DgDataset *d);

#endif
