/*
 * The run folder is all or nothing.
 *
 * `dangliang run` never writes into --out directly.  It locks --out (an
 * exclusive flock on the file .NAME.lock beside it, so a second run into
 * the same folder stops with "another run is writing DIR"), removes what
 * dead runs left behind (only while holding the lock), and makes a private
 * folder .NAME.tmp.XXXXXX beside --out with mkdtemp (mode 0700).  Every
 * output is written there; at the end the folder is renamed into place in
 * one step.  An interrupted or failed run therefore leaves either no
 * folder or the previous one, never a mixture.
 *
 * An existing --out must be an empty folder, unless `force` is set: then
 * the new folder replaces the old one atomically (renameat2
 * RENAME_EXCHANGE; where the file system lacks it, the old folder is moved
 * aside first, so for an instant there is no folder, never a mixture).
 * The parent of --out must be writable; all errors name --out as given.
 */
#ifndef DANGLIANG_RUNFOLDER_H
#define DANGLIANG_RUNFOLDER_H

#include "dangliang/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DgRunFolder DgRunFolder;

/* Lock `out`, check that it may be written, clean up after dead runs and
 * create the private temporary folder.  Errors: DG_E_USAGE (out names no
 * folder, e.g. "."), DG_E_IO (out is not a folder; out is not empty and
 * force is false; another run holds the lock; the parent folder cannot be
 * created or written). */
DgStatus dg_runfolder_begin(const char *out, bool force, DgRunFolder **rf, DgError *err);

/* The private folder every output of the run is written into. */
const char *dg_runfolder_dir(const DgRunFolder *rf);

/* Rename the private folder into place as `out` (see above).  Errors:
 * DG_E_IO. */
DgStatus dg_runfolder_commit(DgRunFolder *rf, DgError *err);

/* An error about a file in the private folder names it under `out`, the
 * user's path, instead. */
void dg_runfolder_error_path(const DgRunFolder *rf, DgError *err);

/* Remove the private folder unless committed, release the lock and free.
 * Accepts NULL. */
void dg_runfolder_free(DgRunFolder *rf);

/* Check, before any input is read, that files can be written in `dir`
 * (created if missing): a probe file is created there and removed.
 * Errors: DG_E_IO naming dir. */
DgStatus dg_output_probe_dir(const char *dir, DgError *err);

/* Test hook: arm one fault for this process.  spec: "fail-write:N" (the Nth
 * output file fails as a full disk would; "fail-write:N,M": the Mth too),
 * "sigint-after:N" (SIGINT after the Nth output file; N counts the files
 * in the fixed order of dg_output_run, then manifest.json, whatever order
 * concurrent writers finish in), "sigint:POINT" with POINT one of begin,
 * before-manifest, before-rename, after-swap; "sigstop:POINT" stops the
 * process there (so a test can start a second run meanwhile).  NULL or ""
 * disarms. */
void dg_output_test_fault(const char *spec);

#ifdef __cplusplus
}
#endif
#endif
