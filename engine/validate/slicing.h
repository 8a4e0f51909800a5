/*
 * Slices of a run inside validation (the public half is in
 * include/dangliang/validate.h, "Slices"; docs/scale.md).
 *
 * dg_validate_files asks a DgSlicing, built from the options and the
 * gathered slice table, what to do with each input (read it whole, read a
 * byte range of it, read only its header, or leave it alone), and, after
 * the header of a ranged input, to restrict the source to the slice's
 * records and move the line counter to the first of them.  NULL stands for
 * the ordinary run: every input whole.
 */
#ifndef DG_SLICING_H
#define DG_SLICING_H

#include "dangliang/validate.h"
#include "ingest/source.h"

typedef enum DgSliceMode {
    DG_SLICE_WHOLE = 0, /* the ordinary path: every byte, hashed in the same pass */
    DG_SLICE_RANGE,     /* header, then the slice's records only */
    DG_SLICE_HEADER,    /* header only (another slice reads the rows) */
    DG_SLICE_NONE       /* not opened (a FIFO or standard input of slice 0) */
} DgSliceMode;

typedef struct DgSlicing DgSlicing;

/* *out = NULL when opt asks for no slices.  Otherwise computes this
 * slice's row and gathers the table (or takes opt->slice_table) and checks
 * it.  Errors: see dg_validate_files in validate.h. */
DgStatus dg_slicing_new(const char *const *paths, size_t n_paths, const DgValidateOptions *opt, DgSlicing **out,
                        DgError *err);
void dg_slicing_free(DgSlicing *sl); /* accepts NULL */

DgSliceMode dg_slicing_mode(const DgSlicing *sl, size_t file); /* WHOLE for NULL */

/* Bytes this slice will read as its share (progress and spill projection). */
uint64_t dg_slicing_bytes_total(const DgSlicing *sl);

/* After the header of a RANGE or HEADER input: restrict src to the slice's
 * records and add to *line the lines before the first of them.  Errors:
 * DG_E_IO (the input is not the one phase 1 saw, or cannot be read). */
DgStatus dg_slicing_enter(DgSlicing *sl, size_t file, const char *path, DgSource *src, uint64_t *line,
                          DgError *err);

/* bytes_in to count for the input once read (its share; 0 for HEADER). */
uint64_t dg_slicing_bytes_in(const DgSlicing *sl, size_t file);

/* SHA-256 of the whole input, for a slice that did not read it all. */
DgStatus dg_slicing_sha256(const DgSlicing *sl, size_t file, const char *path, char hex[65], DgError *err);

/* The same for every input this slice does not read whole (RANGE and
 * HEADER), on a thread of its own, so that the digests of a sliced run
 * (rank 0 of an MPI run hashes every input for the manifest) overlap the
 * slice's validation instead of following it.  hex[f] is written for those
 * inputs only, and read only after dg_slicing_hash_join.  Falls back to
 * hashing in dg_slicing_hash_join when no thread can be started. */
typedef struct DgSliceHasher DgSliceHasher;
DgSliceHasher *dg_slicing_hash_start(const DgSlicing *sl, const char *const *paths, char (*hex)[65]);
/* Wait for the digests (accepts NULL: DG_OK).  On failure *file is the
 * first input whose digest failed and *err says why. */
DgStatus dg_slicing_hash_join(DgSliceHasher *h, size_t *file, DgError *err);

#endif
