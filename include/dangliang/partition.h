/*
 * The partitioned run (docs/scale.md): validation, then the per-unit stages
 * (authenticity checks, sums) over the rows in memory when they fit under
 * --memory, or one temporary partition of whole units at a time when they
 * do not.  The result — dataset accounting and rejects, flags, sums — is
 * byte for byte the same either way.
 *
 * Design: every per-unit stage groups rows within one unit, so rows are
 * partitioned by a hash of their unit and each partition is exact on its
 * own; only duplicate record ids are global, so record ids are partitioned
 * by their own hash and searched a partition at a time.  Per-partition
 * results are integer sums (exact in any order), flags keyed by the row's
 * final number, and the flagged rows themselves.  The in-memory run is
 * the same flow with one partition holding every row.
 */
#ifndef DANGLIANG_PARTITION_H
#define DANGLIANG_PARTITION_H

#include "dangliang/aggregate.h"
#include "dangliang/audit.h"

#ifdef __cplusplus
extern "C" {
#endif

struct DgQualityValues; /* quality.h */

typedef struct DgPartitionOptions {
    uint64_t memory;         /* bytes for rows; 0 = dg_partition_default_memory() */
    const char *tmp;         /* folder for temporary files; NULL = $TMPDIR, else /tmp */
    uint64_t tmp_fail_after; /* tests: temporary writes fail (ENOSPC) past this many bytes; 0 = never */
} DgPartitionOptions;

/* What the run did, for a report (not part of the outputs). */
typedef struct DgPartitionStats {
    bool spilled;
    unsigned unit_parts, id_parts; /* partitions (0 when not spilled) */
    uint64_t tmp_bytes;            /* temporary bytes written */
    uint64_t largest_part;         /* bytes of the largest unit partition file */
    uint64_t rows_kept_at_switch;  /* rows read into memory before spilling began */
    uint64_t ms_validate;          /* wall time of validation (with spilling) */
    uint64_t ms_units;             /* of the duplicate search (spilled), checks and sums */
    unsigned ranks;                /* MPI ranks of the run (0: not an MPI run) */
    uint64_t mpi_sent, mpi_received; /* bytes this rank sent to and received from the others */
    uint64_t ms_quality;           /* of the computed quality indicators (part of ms_units) */
    char mpi_steps[640];           /* an MPI run: this rank's steps, "name wall_ms/cpu_ms …" (benchmarks) */
} DgPartitionStats;

/* Memory planned per row (bytes): --memory / this = rows kept in memory. */
#define DG_PARTITION_ROW_BYTES 80u

/* A quarter of physical memory (1 GiB when unknown). */
uint64_t dg_partition_default_memory(void);

/* Validate `paths` (vopt as for dg_validate_files; its spill fields are
 * set here), run the authenticity checks, apply the scheme's appeals
 * (appeals.h) and, when `a` is not NULL, sum the rows (dg_aggregate_*);
 * when `before` is not NULL and the scheme has an appeals file, also the
 * sums on the audited quantities before the appeals (else *before = NULL).
 * When qv is not NULL, the computed quality indicators too (quality.h;
 * *qv_before before the appeals, when `before` is computed).
 * On success *d, *au (and *a, *before, *qv, *qv_before) are the caller's;
 * when the run spilled, (*d)->rows holds only the flagged rows (flags
 * refer to them; their patient is DG_NO_PATIENT, since patients are
 * numbered per partition — the flag details name them) and
 * (*au)->audited_qty is NULL.  Errors: those of
 * validation and the checks; DG_E_IO when the temporary space cannot be
 * made or written (nothing else is touched), or when one partition needs
 * more memory than --memory; DG_E_CONFIG for an appeal that matches no
 * flag.  Temporary files are gone on return. */
DgStatus dg_partition_run(const DgScheme *s, const char *const *paths, size_t n_paths, const DgValidateOptions *vopt,
                          const DgPartitionOptions *popt, DgDataset **d, DgAudit **au, DgAggregate **a,
                          DgAggregate **before, struct DgQualityValues **qv, struct DgQualityValues **qv_before,
                          DgPartitionStats *stats, DgError *err);

/* The input digests of an MPI run (docs/scale.md, "Running on a cluster"):
 * under mpirun with several ranks and vopt->hash_inputs, rank 0's *d from
 * dg_partition_run lacks the SHA-256 of the inputs the ranks read in byte
 * ranges — the last rank computes them while rank 0 goes on.  Rank 0
 * calls this before reading d->input_sha256 (the manifest): it waits for
 * them and fills them in.  Without MPI, on other ranks, or a second time:
 * DG_OK, nothing to do.  Errors: DG_E_IO when an input cannot be read
 * again or changed during the run ("the input changed while it was being
 * read", naming it). */
DgStatus dg_partition_digests(DgDataset *d, DgError *err);

/* Async-signal-safe: remove the temporary files of a run in progress (for
 * a SIGINT/SIGTERM handler, which then ends the process). */
void dg_partition_cleanup_now(void);

#ifdef __cplusplus
}
#endif
#endif
