/*
 * Temporary partition files of a spilled run (docs/scale.md).
 *
 * Design: one private folder (mkdtemp, mode 0700) under --tmp holding a
 * fixed number of files, all created up front with their paths formatted
 * in advance, so that dg_spill_cleanup_now() can remove them from a
 * signal handler with nothing but unlink() and rmdir().  Appends go
 * through one buffer per file; a file is read back whole and unlinked at
 * once, so temporary space shrinks as partitions are processed.  Any
 * failed write (ENOSPC above all) is DG_E_IO naming the file.  One folder
 * is live per process at a time.
 */
#ifndef DG_SPILLFILE_H
#define DG_SPILLFILE_H

#include "dangliang/common.h"

typedef struct DgSpillDir DgSpillDir;

/* Make the folder under tmp (NULL: $TMPDIR, else /tmp) with n files, each
 * with a write buffer of buf bytes.  fail_after > 0 makes writes fail with
 * ENOSPC once that many bytes were written in all (tests). */
DgStatus dg_spill_open(const char *tmp, unsigned n, size_t buf, uint64_t fail_after, DgSpillDir **out,
                       DgError *err);

/* Append n bytes to file i. */
DgStatus dg_spill_write(DgSpillDir *sd, unsigned i, const void *p, size_t n, DgError *err);

/* Flush and close every file for writing. */
DgStatus dg_spill_end_writes(DgSpillDir *sd, DgError *err);

/* Bytes written to file i (after dg_spill_end_writes: its size). */
uint64_t dg_spill_size(const DgSpillDir *sd, unsigned i);

/* Bytes written in all. */
uint64_t dg_spill_total(const DgSpillDir *sd);

/* Read file i whole into *buf (caller frees; NULL when empty) and remove it. */
DgStatus dg_spill_take(DgSpillDir *sd, unsigned i, char **buf, size_t *len, DgError *err);

/* Remove every file and the folder; accepts NULL. */
void dg_spill_close(DgSpillDir *sd);

/* Async-signal-safe: remove the live folder's files and the folder. */
void dg_spill_cleanup_now(void);

#endif
