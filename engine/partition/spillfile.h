/*
 * Temporary partition files of a spilled run (docs/scale.md).
 *
 * Design: one private folder (mkdtemp, mode 0700) under --tmp holding a
 * fixed number of files, all created up front with their paths formatted
 * in advance, so that dg_spill_cleanup_now() can remove them from a
 * signal handler with nothing but unlink() and rmdir().  Appends are
 * whole gathered batches (writev: the caller stages a batch's entries of
 * every file, so no per-file buffer is needed, and threads may append to
 * distinct files at once); a file is read back by mapping it (its pages are
 * usually still in the page cache: no copy into fresh memory) and unlinked
 * at once, so temporary space shrinks as partitions are processed.  Any
 * failed write (ENOSPC above all) is DG_E_IO naming the file.  One folder
 * is live per process at a time.
 */
#ifndef DG_SPILLFILE_H
#define DG_SPILLFILE_H

#include "dangliang/common.h"

#include <sys/uio.h>

typedef struct DgSpillDir DgSpillDir;

/* Make the folder under tmp (NULL: $TMPDIR, else /tmp) with n files.
 * fail_after > 0 makes writes fail with ENOSPC once that many bytes were
 * written in all (tests). */
DgStatus dg_spill_open(const char *tmp, unsigned n, uint64_t fail_after, DgSpillDir **out, DgError *err);

/* Append the n_iov pieces to file i.  Thread-safe for distinct i. */
DgStatus dg_spill_writev(DgSpillDir *sd, unsigned i, const struct iovec *iov, int n_iov, DgError *err);

/* Close every file for writing. */
DgStatus dg_spill_end_writes(DgSpillDir *sd, DgError *err);

/* Bytes written to file i (after dg_spill_end_writes: its size). */
uint64_t dg_spill_size(const DgSpillDir *sd, unsigned i);

/* Bytes written in all. */
uint64_t dg_spill_total(const DgSpillDir *sd);

/* Map file i whole, read-only, at *buf (*len bytes; NULL when empty) and
 * remove its name.  Release with dg_spill_unmap. */
DgStatus dg_spill_map(DgSpillDir *sd, unsigned i, const char **buf, size_t *len, DgError *err);

/* Release a mapping of dg_spill_map; accepts NULL. */
void dg_spill_unmap(const char *buf, size_t len);

/* Remove every file and the folder; accepts NULL. */
void dg_spill_close(DgSpillDir *sd);

/* Async-signal-safe: remove the live folder's files and the folder. */
void dg_spill_cleanup_now(void);

#endif
