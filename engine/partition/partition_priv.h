/*
 * Inside the partitioned run: what partition.c (one process, in memory or
 * spilled) and partition_mpi.c (the ranks of an MPI run) share — the
 * per-unit stages, the duplicate search over id entries, and the
 * accumulator their results go into (docs/scale.md).
 */
#ifndef DG_PARTITION_PRIV_H
#define DG_PARTITION_PRIV_H

#include "dangliang/partition.h"
#include "dangliang/quality.h"

#include <string.h>

#include "common/intern.h"

/* The unit partition of a unit (of P). */
static inline unsigned dg_partition_unit_part(uint32_t unit, unsigned P)
{
    uint64_t h = (uint64_t)unit * 0x9E3779B97F4A7C15ULL;
    return (unsigned)((h >> 32) % P);
}

/* Rows kept for the outputs: the row, its number in the run, its record id. */
typedef struct Kept {
    DgRow *rows;
    uint32_t *num;
    char **ids;
    uint32_t *lens;
    size_t n, cap;
} Kept;

typedef struct FlagVec {
    DgFlag *v;
    size_t n, cap;
} FlagVec;

/* What the unit partitions add up to. */
typedef struct Acc {
    DgAudit *au;           /* counts; flags at the end */
    FlagVec flags;         /* numbered by the run's rows */
    Kept kept;
    DgAggregate *sums, *before;
    DgQualityValues *qv, *qv_before; /* computed quality indicators, after and before the appeals */
    DgQualityPrep *qprep;  /* patients resolved to registry persons, once per run */
    uint8_t *qunits;       /* [n_units] the units of the partition being processed (spilled) */
    int64_t us_quality;    /* time spent computing the indicators */
    uint8_t *used;         /* [n_appeals] matched in some partition (spilled) */
    DgIntern *appealed;    /* record ids the appeals name (NULL: none) */
    bool spilled;          /* false: the whole run is one partition */
    const uint32_t *part_of; /* [n_units] the unit partition of each unit (spilled; NULL: by hash, as MPI ranks) */
    unsigned part, parts;  /* the partition being processed, of how many */
} Acc;


/* A repeated record id: the repeat (cand, file, line) and the first one. */
typedef struct Dup {
    uint32_t cand;
    uint16_t file, ffile;
    uint32_t line, fline;
    char *id;
    uint32_t len;
} Dup;

typedef struct DupVec {
    Dup *v;
    size_t n, cap;
} DupVec;


/* Length-prefixed ids in the partition entries: one byte below 255, else
 * 0xFF and 4 bytes. */
static inline size_t dg_partition_put_len(char *p, uint32_t len)
{
    if (len < 255) {
        p[0] = (char)len;
        return 1;
    }
    p[0] = (char)0xFF;
    memcpy(p + 1, &len, 4);
    return 5;
}

static inline size_t dg_partition_get_len(const char *p, uint32_t *len)
{
    if ((unsigned char)p[0] != 0xFF) {
        *len = (unsigned char)p[0];
        return 1;
    }
    memcpy(len, p + 1, 4);
    return 5;
}

/* Entry sizes before the length byte: a unit partition's row (DgRow, candidate number), an id
 * partition's entry (candidate number, file, line, low hash bits). */
enum { UNIT_FIXED = sizeof(DgRow) + 4, ID_FIXED = 4 + 2 + 4 + 4 };


/* The per-unit stages on `part` (partition.c). */
DgStatus dg_partition_unit_stages(const DgScheme *s, const DgDataset *part, DgAudit **au, Acc *acc, bool quality,
                                  DgError *err);

/* The unit stages on d's rows (a partition, numbered num[i] in the run,
 * record ids idv/idlen), then its flags renumbered to the run's rows and
 * its flagged or appealed rows kept, its counts added into acc. */
DgStatus dg_partition_collect(const DgScheme *s, DgDataset *d, const uint32_t *num, const char *const *idv,
                              const uint32_t *idlen, Acc *acc, DgError *err);

/* Take partition acc->part's units' quality values from src into dst, and add the row counts. */
void dg_partition_quality_merge(const DgScheme *s, const Acc *acc, DgQualityValues *dst, const DgQualityValues *src);

/* qsort order of repeats: by candidate number. */
int dg_partition_dup_cmp(const void *x, const void *y);

/* The repeats as duplicate_record_id rejects, merged into d's by (file, line). */
void dg_partition_add_dup_rejects(DgDataset *d, const DupVec *dv);

/* Repeats (sorted) with a candidate number below cand; *is_dup: cand is one. */
size_t dg_partition_dups_below(const DupVec *dv, uint32_t cand, bool *is_dup);

/* Flags sorted and pointed at the kept rows, which become d's rows. */
void dg_partition_finish_flags(DgDataset *d, DgAudit *au, FlagVec *fv, Kept *kept);

void dg_partition_kept_free(Kept *k);

/* The MPI run (partition_mpi.c): dg_partition_run's contract on every rank;
 * rank 0 gets the run's results, the others *d = NULL. */
DgStatus dg_partition_run_mpi(const DgScheme *s, const char *const *paths, size_t n_paths,
                              const DgValidateOptions *vopt, const DgPartitionOptions *popt, DgDataset **d,
                              DgAudit **au, DgAggregate **a, DgAggregate **before, DgQualityValues **qv,
                              DgQualityValues **qv_before, DgPartitionStats *stats, DgError *err);

#endif
