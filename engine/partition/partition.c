/*
 * The partitioned run (see partition.h and docs/scale.md).
 *
 * Flow: dg_validate_files with a spill callback.  While the rows fit in
 * --memory nothing else happens and the per-unit stages run once, on the
 * whole dataset (dg_partition_unit_stages below).  Past the cap, the callback writes
 * each row to its unit's partition of P (assign_units; with its candidate
 * number, record id and patient id) and each record id to id partition
 * hash(id) mod R (with its candidate number, file and line).  Then:
 *   1. duplicates: one id partition at a time, the first occurrence of an
 *      id (lowest candidate number) wins; repeats become rejects merged
 *      into the others by (file, line), as validation does in memory;
 *   2. one unit partition at a time: repeats dropped, each row numbered
 *      as in memory (candidate number minus the repeats before it), the
 *      partition's patients numbered on their own, the per-unit stages
 *      run on the partition; flags are renumbered to the
 *      run's rows and the flagged rows kept (with their record ids);
 *   3. flags sorted by (row, check), sums finished, the flagged rows
 *      become the dataset's rows.
 * The files hold compact entries (spillcodec.h): each batch is encoded in
 * fixed chunks in parallel and every file gets its segments in one gathered
 * write, files in parallel; a partition is read back by mapping its file
 * and decoding its segments in parallel.  Every step is serial over
 * partitions and parallel inside, with chunks that do not depend on the
 * thread count, so the result does not depend on it; it does not depend on P
 * or R because every per-unit stage groups rows within one unit and every
 * sum is an integer sum.
 */
#include "dangliang/partition.h"

#include "dangliang/appeals.h"
#include "dangliang/quality.h"
#include "dangliang/registry.h"

#include <glib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/intern.h"
#include "partition_priv.h"
#include "spillcodec.h"
#include "spillfile.h"
#include "mpi/dgmpi.h"

/* A partition may always take this much, whatever --memory says, so tests
 * can force hundreds of partitions on small inputs. */
#define PART_FLOOR ((uint64_t)16 << 20)
#define MAX_PARTS 256u

uint64_t dg_partition_default_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return (uint64_t)1 << 30;
    return (uint64_t)pages * (uint64_t)page / 4;
}

void dg_partition_cleanup_now(void)
{
    dg_spill_cleanup_now();
}

/* ---- the per-unit stages ------------------------------------------------ */

/* Take the quality values of partition acc->part's units (and of their
 * registry persons) from src into dst, and add the row counts. */
void dg_partition_quality_merge(const DgScheme *s, const Acc *acc, DgQualityValues *dst, const DgQualityValues *src)
{
    size_t nk = dst->n_indicators;
    const DgRegistry *reg = s->registry;
    for (size_t u = 0; u < dst->n_units; u++) {
        if ((acc->part_of ? acc->part_of[u] : dg_partition_unit_part((uint32_t)u, acc->parts)) != acc->part)
            continue;
        for (size_t k = 0; k < nk; k++) {
            size_t c = u * nk + k;
            dst->num[c] = src->num[c];
            dst->den[c] = src->den[c];
            dst->n_group[c] = src->n_group[c];
            dst->n_no_flag[c] = src->n_no_flag[c];
            dst->n_short_min[c] = src->n_short_min[c];
            dst->n_short_quarters[c] = src->n_short_quarters[c];
        }
        if (reg && nk)
            memcpy(dst->status + (size_t)reg->unit_first[u] * nk, src->status + (size_t)reg->unit_first[u] * nk,
                   (size_t)(reg->unit_first[u + 1] - reg->unit_first[u]) * nk);
    }
    dst->rows_with_patient += src->rows_with_patient;
    dst->rows_unregistered += src->rows_unregistered;
    dst->rows_other_unit += src->rows_other_unit;
}

/* Computed quality indicators of `part` from audited quantities q: the
 * whole run's (in memory), or merged into acc's for this partition's units. */
static DgStatus quality_stage(const DgScheme *s, const DgDataset *part, const uint16_t *q, Acc *acc,
                              DgQualityValues **into, DgError *err)
{
    if (acc->spilled && !*into) /* not asked for */
        return DG_OK;
    int64_t t0 = g_get_monotonic_time();
    /* the patient numbers are the run's in every partition: resolve them once */
    if (!acc->qprep && s->registry)
        acc->qprep = dg_quality_prepare(s, part);
    DgStatus st;
    if (!acc->spilled) {
        st = dg_quality_compute_prep(s, part, q, acc->qprep, NULL, into, err);
    } else {
        if (!acc->qunits)
            acc->qunits = dg_xmalloc(s->n_units + 1);
        for (size_t u = 0; u < s->n_units; u++)
            acc->qunits[u] = (acc->part_of ? acc->part_of[u] : dg_partition_unit_part((uint32_t)u, acc->parts)) == acc->part;
        DgQualityValues *qp = NULL;
        st = dg_quality_compute_prep(s, part, q, acc->qprep, acc->qunits, &qp, err);
        if (st == DG_OK)
            dg_partition_quality_merge(s, acc, *into, qp);
        dg_quality_values_free(qp);
    }
    acc->us_quality += g_get_monotonic_time() - t0;
    return st;
}

/* Every stage that works unit by unit runs here, once per partition, on
 * `part` — the whole dataset in memory, or one partition's rows (numbered
 * 0.. in input order; staff and patient ids those of the whole run).  A
 * stage may read and lower au->audited_qty[i] of part's row i; it must
 * group rows only within one unit, and anything it adds to the run must be
 * an exact sum, or keyed by unit or by row (see docs/architecture.md). */
DgStatus dg_partition_unit_stages(const DgScheme *s, const DgDataset *part, DgAudit **au, Acc *acc, bool quality,
                            DgError *err)
{
    DgStatus st = dg_audit_rows(s, part, au, err);
    if (st != DG_OK)
        return st;
    /* appeals: on the whole run at once, or partition by partition with
     * the "matches no flag" test left to the end (acc->used) */
    if (acc->spilled)
        dg_appeals_apply_part(s, part, *au, acc->used);
    else if ((st = dg_appeals_apply(s, part, *au, err)) != DG_OK)
        return st;
    /* new per-unit stages go here, after the appeals */
    if (acc->sums)
        dg_aggregate_add(s, part, (*au)->audited_qty, acc->sums);
    if (quality && (st = quality_stage(s, part, (*au)->audited_qty, acc, &acc->qv, err)) != DG_OK)
        return st;
    if (acc->before && s->appeals_path) { /* the same before the appeals, to show what they moved */
        uint16_t *q = dg_appeals_before(s, part, *au);
        dg_aggregate_add(s, part, q, acc->before);
        if (quality)
            st = quality_stage(s, part, q, acc, &acc->qv_before, err);
        free(q);
    }
    return st;
}

/* ---- spilling --------------------------------------------------------- */

/* Rows of a batch chunk: each chunk writes one segment to every file it has
 * entries for (spillcodec.h).  Fixed, so the files' bytes do not depend on
 * the thread count. */
enum { SPILL_CHUNK = 16384 };

/* One chunk's staged segments, reused batch after batch (fresh memory for
 * every batch would fault its pages in again). */
typedef struct SpillChunk {
    char *buf;                  /* the bodies, file after file */
    size_t cap;
    size_t *off, *len;          /* [F] body of file f at buf + off[f], len[f] bytes */
    uint32_t *cnt;              /* [F] entries */
    char (*hdr)[DG_SPILLCODEC_HEADER_MAX];
    uint8_t *hlen;              /* [F] */
    uint32_t *idx, *file_of;    /* [2 * SPILL_CHUNK] the chunk's entries by file; each row's two files */
} SpillChunk;

/* Buffers of reading partitions back, reused partition after partition:
 * with every big block in its own mapping (allocator_for_spilling), fresh
 * ones would fault all their pages in again for every partition. */
enum {
    SC_NUM, SC_ROFF, SC_POFF, SC_IDLEN, SC_PLEN, SC_PH, SC_IDV, SC_REC, SC_PAT, /* unit partitions */
    SC_CAND, SC_LEN, SC_TAG, SC_FILE, SC_LINE, SC_OFF, SC_IDS, SC_SLOT0, /* id partitions (SLOT0..+3: tables) */
    SC_N = SC_SLOT0 + 4
};

typedef struct Scratch {
    void *p[SC_N];
    size_t cap[SC_N];
} Scratch;

/* Scratch buffer `which` with room for `bytes` (contents not kept). */
static void *scratch(Scratch *sc, int which, size_t bytes)
{
    if (bytes > sc->cap[which]) {
        free(sc->p[which]);
        sc->cap[which] = bytes + bytes / 8;
        sc->p[which] = dg_xmalloc(sc->cap[which]);
    }
    return sc->p[which];
}

/* Release buffers [from, to). */
static void scratch_free(Scratch *sc, int from, int to)
{
    for (int i = from; i < to; i++) {
        free(sc->p[i]);
        sc->p[i] = NULL;
        sc->cap[i] = 0;
    }
}

typedef struct Spill {
    const DgPartitionOptions *po;
    Scratch sc;
    uint64_t memory;
    DgSpillDir *dir;
    unsigned P, R; /* unit partitions are files 0..P-1, id partitions P..P+R-1 */
    SpillChunk *ch;
    size_t n_ch;
    uint64_t *rows_in; /* [P + R] entries written to each file */
    uint32_t *part_of; /* [n_units] unit partition of each unit */
    size_t n_units;
    uint64_t kept_rows; /* handed over from memory at the switch */
} Spill;

/* Memory an entry of an id partition takes once decoded, beside the id
 * itself: its numbers and the duplicate search's table. */
#define ID_ROW_BYTES 48u

static DgStatus damaged(DgError *err)
{
    return dg_error_set(err, DG_E_IO, NULL, 0, 0,
                        "a temporary partition file reads back damaged; check the --tmp folder's disk");
}

static unsigned parts_for(uint64_t rows, uint64_t bytes_per_row, uint64_t budget, unsigned max)
{
    uint64_t need = rows * bytes_per_row / (budget ? budget : 1) + 1;
    return need > max ? max : need < 2 ? 2 : (unsigned)need;
}


/* Past the switch the run alternates big short-lived blocks (a partition
 * read back, its keys) with small long-lived ones (flags, kept rows).
 * glibc raises its mmap threshold each time a big mmapped block is freed,
 * so later big blocks land in the heap between the small ones and their
 * pages are not given back: the resident set grows with every partition.
 * A fixed threshold (which also turns the raising off) keeps every block of
 * 256 KiB or more in its own mapping, returned whole on free. */
static void allocator_for_spilling(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 256 << 10);
#endif
}

/* Give the free pages of the heaps back after a partition. */
static void allocator_trim(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

/* Which unit partition each unit goes to.  Units are lumpy (one unit of the
 * bundled scheme holds a tenth of the rows), and a hash puts two big units
 * together in one partition as often as not.  The first batch handed over
 * is a sample of the run (the rows kept before the switch, or the first
 * window's): its units, largest first, each go to the partition with the
 * fewest sampled rows so far; units not in the sample go by hash.  Any
 * assignment gives the same results (every per-unit stage is exact on its
 * own units); this one only evens out the partitions' sizes. */
static void assign_units(Spill *sp, const DgDataset *d, const DgRowBatch *b)
{
    size_t nu = sp->n_units;
    uint64_t *seen = dg_xcalloc(nu ? nu : 1, sizeof *seen);
    for (size_t k = 0; k < b->n; k++) {
        uint32_t u = dg_dataset_provisional_unit(d, b->rows[k].staff);
        if (u < nu)
            seen[u]++;
    }
    uint32_t *order = dg_xmalloc((nu ? nu : 1) * sizeof *order);
    size_t n = 0;
    sp->part_of = dg_xmalloc((nu ? nu : 1) * sizeof *sp->part_of);
    for (size_t u = 0; u < nu; u++) {
        sp->part_of[u] = dg_partition_unit_part((uint32_t)u, sp->P);
        if (seen[u])
            order[n++] = (uint32_t)u;
    }
    /* largest first (ties: lower unit index), insertion sort: units are few */
    for (size_t i = 1; i < n; i++) {
        uint32_t x = order[i];
        size_t j = i;
        while (j > 0 && (seen[order[j - 1]] < seen[x] || (seen[order[j - 1]] == seen[x] && order[j - 1] > x))) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = x;
    }
    uint64_t *load = dg_xcalloc(sp->P, sizeof *load);
    for (size_t i = 0; i < n; i++) {
        unsigned best = 0;
        for (unsigned q = 1; q < sp->P; q++)
            if (load[q] < load[best])
                best = q;
        sp->part_of[order[i]] = best;
        load[best] += seen[order[i]];
    }
    free(load);
    free(order);
    free(seen);
}

static DgStatus open_dir(Spill *sp, uint64_t proj, DgError *err)
{
    allocator_for_spilling();
    /* units are lumpy: aim at an eighth, so that most partitions, even with
     * several big units hashed together, fit in half */
    uint64_t budget = sp->memory / 8;
    unsigned max = MAX_PARTS;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 2 * MAX_PARTS + 64)
        max = rl.rlim_cur > 96 ? (unsigned)(rl.rlim_cur - 64) / 2 : 16;
    sp->P = parts_for(proj, DG_PARTITION_ROW_BYTES, budget, max);
    sp->R = parts_for(proj, 40, budget, max);
    sp->rows_in = dg_xcalloc(sp->P + sp->R, sizeof *sp->rows_in);
    return dg_spill_open(sp->po->tmp, sp->P + sp->R, sp->po->tmp_fail_after, &sp->dir, err);
}

static void chunk_free(SpillChunk *c)
{
    free(c->buf);
    free(c->off);
    free(c->len);
    free(c->cnt);
    free(c->hdr);
    free(c->hlen);
    free(c->idx);
    free(c->file_of);
}

/* Stage rows [lo, hi) of batch b as chunk c's segments: every row's unit
 * entry goes to its unit's partition, its id entry to its id's. */
static void stage_chunk(const Spill *sp, const DgDataset *d, const DgRowBatch *b, size_t lo, size_t hi, SpillChunk *c)
{
    unsigned F = sp->P + sp->R;
    memset(c->cnt, 0, F * sizeof *c->cnt);
    memset(c->len, 0, F * sizeof *c->len);
    for (size_t k = lo; k < hi; k++) {
        const DgRow *r = &b->rows[k];
        uint32_t unit = b->units ? b->units[k] : dg_dataset_provisional_unit(d, r->staff);
        unsigned up = unit < sp->n_units ? sp->part_of[unit] : dg_partition_unit_part(unit, sp->P);
        unsigned ip = sp->P + (unsigned)((b->record_id_hashes[k] >> 40) % sp->R);
        uint32_t len = b->record_id_lens[k];
        c->file_of[2 * (k - lo)] = up;
        c->file_of[2 * (k - lo) + 1] = ip;
        c->cnt[up]++;
        c->cnt[ip]++;
        c->len[up] += dg_spillcodec_unit_bound(len, r->patient != DG_NO_PATIENT ? b->patient_id_lens[k] : 0);
        c->len[ip] += dg_spillcodec_id_bound(len);
    }
    /* room: the bounds, file after file; the entries sorted by file, in row order */
    size_t at = 0;
    uint32_t pos = 0;
    for (unsigned f = 0; f < F; f++) {
        c->off[f] = at;
        at += c->len[f];
        uint32_t n = c->cnt[f];
        c->cnt[f] = pos; /* start, for now */
        pos += n;
    }
    if (at > c->cap) {
        free(c->buf);
        c->cap = at + at / 4;
        c->buf = dg_xmalloc(c->cap);
    }
    for (size_t k = 0; k < 2 * (hi - lo); k++)
        c->idx[c->cnt[c->file_of[k]]++] = (uint32_t)k;
    /* cnt[f] is now the end of f's entries in idx */
    uint32_t from = 0;
    for (unsigned f = 0; f < F; f++) {
        uint32_t to = c->cnt[f];
        DgSpillEnc e = {0};
        char *w0 = c->buf + c->off[f], *w = w0;
        for (uint32_t j = from; j < to; j++) {
            size_t k = lo + c->idx[j] / 2;
            const DgRow *r = &b->rows[k];
            uint32_t cand = (uint32_t)(b->first + k);
            if (f < sp->P)
                w = dg_spillcodec_put_unit(&e, w, r, cand, b->record_ids[k], b->record_id_lens[k], b->patient_ids[k],
                                           b->patient_id_lens[k]);
            else
                w = dg_spillcodec_put_id(&e, w, cand, r->file, r->line, b->record_ids[k], b->record_id_lens[k]);
        }
        c->cnt[f] = to - from;
        c->len[f] = (size_t)(w - w0);
        c->hlen[f] = (uint8_t)(c->cnt[f] ? dg_spillcodec_put_header(c->hdr[f], &e, c->len[f]) : 0);
        from = to;
    }
}

/* Spill a batch: its chunks staged in parallel, then every file's segments
 * appended in chunk order, files in parallel. */
static DgStatus spill_rows(void *ctx, const DgDataset *d, const DgRowBatch *b, DgError *err)
{
    Spill *sp = ctx;
    DgStatus st = DG_OK;
    if (b->kept)
        sp->kept_rows += b->n;
    if (!sp->dir) {
        if ((st = open_dir(sp, b->rows_projected > b->first + b->n ? b->rows_projected : b->first + b->n, err)) !=
            DG_OK)
            return st;
        assign_units(sp, d, b);
    }
    unsigned F = sp->P + sp->R;
    size_t n_ch = (b->n + SPILL_CHUNK - 1) / SPILL_CHUNK;
    if (n_ch > sp->n_ch) {
        sp->ch = dg_xrealloc(sp->ch, n_ch * sizeof *sp->ch);
        for (size_t c = sp->n_ch; c < n_ch; c++) {
            SpillChunk *x = &sp->ch[c];
            *x = (SpillChunk){0};
            x->off = dg_xmalloc(F * sizeof *x->off);
            x->len = dg_xmalloc(F * sizeof *x->len);
            x->cnt = dg_xmalloc(F * sizeof *x->cnt);
            x->hdr = dg_xmalloc(F * sizeof *x->hdr);
            x->hlen = dg_xmalloc(F * sizeof *x->hlen);
            x->idx = dg_xmalloc(2 * SPILL_CHUNK * sizeof *x->idx);
            x->file_of = dg_xmalloc(2 * SPILL_CHUNK * sizeof *x->file_of);
        }
        sp->n_ch = n_ch;
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t c = 0; c < n_ch; c++) {
        size_t lo = c * SPILL_CHUNK, hi = lo + SPILL_CHUNK < b->n ? lo + SPILL_CHUNK : b->n;
        stage_chunk(sp, d, b, lo, hi, &sp->ch[c]);
    }
    for (unsigned f = 0; f < F; f++)
        for (size_t c = 0; c < n_ch; c++)
            sp->rows_in[f] += sp->ch[c].cnt[f];
    /* the first failing file (in file order) names the error */
    unsigned bad = F;
    DgError first = {0};
#pragma omp parallel for schedule(dynamic, 1)
    for (unsigned f = 0; f < F; f++) {
        struct iovec iov[2 * 64];
        int n = 0;
        DgError e = {0};
        DgStatus fs = DG_OK;
        for (size_t c = 0; c < n_ch && fs == DG_OK; c++) {
            SpillChunk *x = &sp->ch[c];
            if (!x->cnt[f])
                continue;
            iov[n++] = (struct iovec){x->hdr[f], x->hlen[f]};
            iov[n++] = (struct iovec){x->buf + x->off[f], x->len[f]};
            if (n == 2 * 64) {
                fs = dg_spill_writev(sp->dir, f, iov, n, &e);
                n = 0;
            }
        }
        if (fs == DG_OK && n)
            fs = dg_spill_writev(sp->dir, f, iov, n, &e);
        if (fs != DG_OK) {
#pragma omp critical(dg_spill_error)
            if (f < bad) {
                bad = f;
                first = e;
                st = fs;
            }
        }
    }
    if (bad < F && err)
        *err = first;
    return st;
}

int dg_partition_dup_cmp(const void *x, const void *y)
{
    const Dup *a = x, *b = y;
    return a->cand < b->cand ? -1 : a->cand > b->cand;
}

/* Reading partition i back needs its bytes and per_row more per entry. */
static DgStatus check_size(const Spill *sp, unsigned i, size_t per_row, DgError *err)
{
    uint64_t need = dg_spill_size(sp->dir, i) + sp->rows_in[i] * per_row;
    uint64_t limit = sp->memory > PART_FLOOR ? sp->memory : PART_FLOOR;
    if (need > limit)
        return dg_error_set(err, DG_E_IO, NULL, 0, 0,
                            "one partition of the spilled rows needs about %llu MiB, more than --memory %llu MiB "
                            "allows (one unit holds too many rows); raise --memory",
                            (unsigned long long)(need >> 20), (unsigned long long)(sp->memory >> 20));
    return DG_OK;
}

/* Map partition i of the spill (after checking it fits the cap at
 * per_row bytes an entry once decoded) and walk its segment headers.
 * *buf is NULL for an empty partition. */
static DgStatus map_part(Spill *sp, unsigned i, size_t per_row, const char **buf, size_t *len, DgSpillSegs *sg,
                         DgError *err)
{
    memset(sg, 0, sizeof *sg);
    DgStatus st = check_size(sp, i, per_row, err);
    if (st != DG_OK || (st = dg_spill_map(sp->dir, i, buf, len, err)) != DG_OK || !*buf)
        return st;
    if (!dg_spillcodec_segments(*buf, *len, sg)) {
        dg_spill_unmap(*buf, *len);
        *buf = NULL;
        return damaged(err);
    }
    return DG_OK;
}

/* Decoded id entries of one id partition, in candidate order. */
typedef struct IdEnts {
    uint32_t *cand, *len, *tag;
    uint16_t *file;
    uint32_t *line;
    uint64_t *off;
    char *ids;
} IdEnts;

/* Sub-tables of the duplicate search: an id's hash bits pick one, so each
 * is searched on its own (in parallel) and finds the same repeats. */
enum { DUP_PARTS = 4 };

/* The repeats among n decoded id entries (in candidate order) whose hash
 * bits pick sub-table `part`: the first occurrence of an id wins.  Open
 * addressing on the hash bits, with the slot of an entry a few ahead
 * prefetched: the table does not fit in the caches. */
static void find_dups_in(const IdEnts *e, size_t n, unsigned part, Scratch *sc, DupVec *out)
{
    size_t cap = 16;
    while (cap < 2 * n / DUP_PARTS)
        cap *= 2;
    /* entry + 1 (0 = empty) and the entry's hash bits, so that probing
     * compares ids only when the bits agree; cleared by writing, so that
     * no page is first mapped read-only and faulted again on the first store */
    uint32_t(*slot)[2] = scratch(sc, SC_SLOT0 + (int)part, cap * sizeof *slot);
    memset(slot, 0, cap * sizeof *slot);
    enum { AHEAD = 32 }; /* entries of every sub-table: about 8 of this one's */
    for (size_t x = 0; x < n; x++) {
        if (x + AHEAD < n && e->tag[x + AHEAD] >> 30 == part)
            __builtin_prefetch(&slot[e->tag[x + AHEAD] & (cap - 1)], 1);
        uint32_t tag = e->tag[x];
        if (tag >> 30 != part)
            continue;
        const char *id = e->ids + e->off[x];
        uint32_t l = e->len[x];
        for (size_t k = (size_t)tag & (cap - 1);; k = (k + 1) & (cap - 1)) {
            if (!slot[k][0]) {
                slot[k][0] = (uint32_t)x + 1;
                slot[k][1] = tag;
                break;
            }
            size_t q = slot[k][0] - 1;
            if (slot[k][1] != tag || e->len[q] != l || memcmp(e->ids + e->off[q], id, l))
                continue;
            /* a repeat: keep the first occurrence's file and line */
            if (out->n == out->cap) {
                out->cap = out->cap ? out->cap * 2 : 64;
                out->v = dg_xrealloc(out->v, out->cap * sizeof *out->v);
            }
            out->v[out->n++] = (Dup){.cand = e->cand[x], .file = e->file[x], .line = e->line[x],
                                     .ffile = e->file[q], .fline = e->line[q], .id = dg_xstrndup(id, l), .len = l};
            break;
        }
    }
}

/* Find the repeats in one id partition: decoded segment by segment in
 * parallel, then one pass over the table. */
static DgStatus find_dups(Spill *sp, unsigned i, DupVec *out, DgError *err)
{
    const char *buf;
    size_t len;
    DgSpillSegs sg;
    DgStatus st = map_part(sp, i, ID_ROW_BYTES, &buf, &len, &sg, err);
    if (st != DG_OK || !buf)
        return st;
    size_t n = (size_t)sg.entries, m = n ? n : 1;
    Scratch *sc = &sp->sc;
    IdEnts e = {.cand = scratch(sc, SC_CAND, m * sizeof *e.cand), .len = scratch(sc, SC_LEN, m * sizeof *e.len),
                .tag = scratch(sc, SC_TAG, m * sizeof *e.tag), .file = scratch(sc, SC_FILE, m * sizeof *e.file),
                .line = scratch(sc, SC_LINE, m * sizeof *e.line), .off = scratch(sc, SC_OFF, m * sizeof *e.off),
                .ids = scratch(sc, SC_IDS, sg.rec_bytes ? (size_t)sg.rec_bytes : 1)};
    int ok = 1;
#pragma omp parallel for schedule(dynamic, 1) reduction(&& : ok)
    for (size_t g = 0; g < sg.n; g++) {
        const DgSpillSeg *x = &sg.v[g];
        ok = ok && dg_spillcodec_get_ids(x, e.cand, e.file, e.line, e.ids, e.off, e.len);
        for (size_t k = x->first; ok && k < x->first + x->n; k++)
            e.tag[k] = (uint32_t)dg_hash_bytes(e.ids + e.off[k], e.len[k]);
    }
    dg_spill_unmap(buf, len);
    free(sg.v);
    for (size_t k = 1; ok && k < n; k++)
        ok = e.cand[k] > e.cand[k - 1];
    if (ok) {
        DupVec part[DUP_PARTS] = {{0}};
#pragma omp parallel for schedule(dynamic, 1)
        for (unsigned t = 0; t < DUP_PARTS; t++)
            find_dups_in(&e, n, t, sc, &part[t]);
        /* in sub-table order; the caller sorts all repeats by candidate */
        for (unsigned t = 0; t < DUP_PARTS; t++) {
            if (out->n + part[t].n > out->cap) {
                out->cap = (out->n + part[t].n) * 2;
                out->v = dg_xrealloc(out->v, out->cap * sizeof *out->v);
            }
            if (part[t].n)
                memcpy(out->v + out->n, part[t].v, part[t].n * sizeof *part[t].v);
            out->n += part[t].n;
            free(part[t].v);
        }
    } else {
        st = damaged(err);
    }
    return st;
}

static bool before(uint32_t fa, uint64_t la, uint32_t fb, uint64_t lb)
{
    return fa != fb ? fa < fb : la < lb;
}

/* The repeats as rejects, merged into the others by (file, line) — the
 * same rejects validation makes in memory. */
void dg_partition_add_dup_rejects(DgDataset *d, const DupVec *dv)
{
    if (!dv->n)
        return;
    DgReject *old = d->rejects;
    size_t n_old = d->n_rejects, i = 0;
    d->rejects = dg_xmalloc((n_old + dv->n) * sizeof *d->rejects);
    d->n_rejects = 0;
    for (size_t j = 0; j < dv->n; j++) {
        const Dup *x = &dv->v[j];
        while (i < n_old && before(old[i].file, old[i].line, x->file, x->line))
            d->rejects[d->n_rejects++] = old[i++];
        char det[1200];
        int n = snprintf(det, sizeof det, "record_id first seen at %s line %llu", d->files[x->ffile],
                         (unsigned long long)x->fline);
        if (n < 0)
            n = 0;
        if ((size_t)n >= sizeof det)
            n = sizeof det - 1;
        DgReject *rj = &d->rejects[d->n_rejects++];
        rj->file = x->file;
        rj->line = x->line;
        rj->reason = DG_REASON_DUPLICATE_RECORD_ID;
        rj->record_id = dg_xstrndup(x->id, x->len);
        rj->detail = dg_xstrndup(det, (size_t)n);
        d->rows_rejected++;
        d->by_reason[DG_REASON_DUPLICATE_RECORD_ID]++;
    }
    while (i < n_old)
        d->rejects[d->n_rejects++] = old[i++];
    free(old);
    d->rows_accepted -= dv->n;
}

static int flag_cmp(const void *x, const void *y)
{
    const DgFlag *a = x, *b = y;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    return (int)a->check - (int)b->check;
}

/* Number of repeats with a candidate number below cand, and whether cand is one. */
size_t dg_partition_dups_below(const DupVec *dv, uint32_t cand, bool *is_dup)
{
    size_t lo = 0, hi = dv->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (dv->v[mid].cand < cand)
            lo = mid + 1;
        else
            hi = mid;
    }
    *is_dup = lo < dv->n && dv->v[lo].cand == cand;
    return lo;
}

/* One unit partition: read back, run the per-unit stages, keep the flags
 * and the flagged (or appealed) rows.  The partition's rows become d's rows
 * while it is processed (dg_dataset_keep_rows), so every stage sees a
 * dataset whose record ids are those of its rows. */
static DgStatus do_unit_part(Spill *sp, unsigned i, const DgScheme *s, DgDataset *d, const DupVec *dv, Acc *acc,
                             DgError *err)
{
    const char *buf;
    size_t len;
    DgSpillSegs sg;
    DgStatus st = map_part(sp, i, DG_PARTITION_ROW_BYTES, &buf, &len, &sg, err);
    if (st != DG_OK || !buf)
        return st;
    size_t n = (size_t)sg.entries, nn = n ? n : 1;
    DgRow *rows = dg_xmalloc(nn * sizeof *rows);
    Scratch *sc = &sp->sc;
    uint32_t *num = scratch(sc, SC_NUM, nn * sizeof *num);
    uint64_t *roff = scratch(sc, SC_ROFF, nn * sizeof *roff), *poff = scratch(sc, SC_POFF, nn * sizeof *poff);
    uint32_t *idlen = scratch(sc, SC_IDLEN, nn * sizeof *idlen), *plen = scratch(sc, SC_PLEN, nn * sizeof *plen);
    char *rec = scratch(sc, SC_REC, sg.rec_bytes ? (size_t)sg.rec_bytes : 1);
    char *pat = scratch(sc, SC_PAT, sg.pat_bytes ? (size_t)sg.pat_bytes : 1);
    int ok = 1;
#pragma omp parallel for schedule(dynamic, 1) reduction(&& : ok)
    for (size_t g = 0; g < sg.n; g++)
        ok = ok && dg_spillcodec_get_units(&sg.v[g], rows, num, rec, roff, idlen, pat, poff, plen);
    dg_spill_unmap(buf, len);
    free(sg.v);
    uint64_t *ph = scratch(sc, SC_PH, nn * sizeof *ph);
#pragma omp parallel for schedule(static)
    for (size_t e = 0; e < n; e++)
        ph[e] = ok && rows[e].patient != DG_NO_PATIENT ? dg_hash_bytes(pat + poff[e], plen[e]) : 0;
    const char **idv = scratch(sc, SC_IDV, nn * sizeof *idv);
    /* the partition's patients, numbered in input order (no row of another
     * partition's units shares a check or an indicator with them); the
     * repeats (dv, by candidate number, as the entries are) dropped */
    DgIntern *pat_ids = dg_intern_new();
    dg_intern_reserve(pat_ids, n / 4);
    size_t m = 0, j = 0;
    enum { AHEAD = 8 };
    for (size_t e = 0; ok && e < n; e++) {
        if (e + AHEAD < n)
            dg_intern_prefetch(pat_ids, ph[e + AHEAD]);
        uint32_t cand = num[e], prev = e ? num[e - 1] : 0;
        ok = e == 0 || cand > prev; /* num[e - 1] is read before num[m] (m < e) is written */
        while (j < dv->n && dv->v[j].cand < cand)
            j++;
        if (j < dv->n && dv->v[j].cand == cand)
            continue;
        DgRow r = rows[e];
        num[m] = cand - (uint32_t)j;
        r.staff = dg_dataset_staff_final(d, r.staff);
        if (r.patient != DG_NO_PATIENT)
            r.patient = dg_intern_add_h(pat_ids, pat + poff[e], plen[e], ph[e], NULL);
        rows[m] = r;
        idv[m] = rec + roff[e];
        idlen[m] = idlen[e];
        m++;
    }
    if (!ok) {
        free(rows);
        st = damaged(err);
    } else {
        dg_dataset_keep_rows(d, rows, m, idv, idlen); /* takes rows */
        dg_dataset_set_patients(d, pat_ids);
        pat_ids = NULL;
        /* the partition numbers its own patients: resolve them to registry persons again */
        dg_quality_prep_free(acc->qprep);
        acc->qprep = NULL;
        st = dg_partition_collect(s, d, num, idv, idlen, acc, err);
    }
    dg_intern_free(pat_ids);
    allocator_trim();
    return st;
}

DgStatus dg_partition_collect(const DgScheme *s, DgDataset *d, const uint32_t *num, const char *const *idv,
                              const uint32_t *idlen, Acc *acc, DgError *err)
{
    size_t m = d->n_rows;
    DgAudit *au = NULL;
    DgStatus st = dg_partition_unit_stages(s, d, &au, acc, acc->qv != NULL, err);
    if (st == DG_OK) {
        uint8_t *keep = dg_xcalloc(m ? m : 1, 1);
        FlagVec *fv = &acc->flags;
        for (size_t f = 0; f < au->n_flags; f++) {
            DgFlag fl = au->flags[f];
            au->flags[f].detail = NULL; /* taken */
            keep[fl.row] = 1;
            fl.row = num[fl.row];
            if (fv->n == fv->cap) {
                fv->cap = fv->cap ? fv->cap * 2 : 256;
                fv->v = dg_xrealloc(fv->v, fv->cap * sizeof *fv->v);
            }
            fv->v[fv->n++] = fl;
        }
        /* rows an appeal names, flagged or not, so that an appeal matching
         * no flag is reported as in memory (dg_appeals_unmatched) */
        for (size_t r = 0; acc->appealed && r < m; r++)
            if (dg_intern_find(acc->appealed, idv[r], idlen[r]) >= 0)
                keep[r] = 1;
        Kept *kept = &acc->kept;
        for (size_t r = 0; r < m; r++) {
            if (!keep[r])
                continue;
            if (kept->n == kept->cap) {
                kept->cap = kept->cap ? kept->cap * 2 : 256;
                kept->rows = dg_xrealloc(kept->rows, kept->cap * sizeof *kept->rows);
                kept->num = dg_xrealloc(kept->num, kept->cap * sizeof *kept->num);
                kept->ids = dg_xrealloc(kept->ids, kept->cap * sizeof *kept->ids);
                kept->lens = dg_xrealloc(kept->lens, kept->cap * sizeof *kept->lens);
            }
            kept->rows[kept->n] = d->rows[r];
            /* a partition's patient numbers mean nothing after it, and no
             * output reads the patient of a row (flag details name it) */
            kept->rows[kept->n].patient = DG_NO_PATIENT;
            kept->num[kept->n] = num[r];
            kept->ids[kept->n] = dg_xstrndup(idv[r], idlen[r]);
            kept->lens[kept->n] = idlen[r];
            kept->n++;
        }
        free(keep);
        DgAudit *all = acc->au;
        for (int c = 0; c < DG_CHECK_COUNT; c++) {
            all->flags_by_check[c] += au->flags_by_check[c];
            all->excess_by_check[c] += au->excess_by_check[c];
            all->appeals_by_check[c][0] += au->appeals_by_check[c][0];
            all->appeals_by_check[c][1] += au->appeals_by_check[c][1];
        }
        all->rows_flagged += au->rows_flagged;
        all->qty_restored += au->qty_restored;
    }
    dg_audit_free(au);
    return st;
}


static int kept_cmp(const void *x, const void *y, void *ctx)
{
    const uint32_t *num = ctx;
    uint32_t a = num[*(const uint32_t *)x], b = num[*(const uint32_t *)y];
    return a < b ? -1 : a > b;
}

/* Flags sorted and pointed at the kept rows, which become the dataset's rows. */
void dg_partition_finish_flags(DgDataset *d, DgAudit *au, FlagVec *fv, Kept *kept)
{
    if (fv->n > 1) /* qsort may not take NULL, even for nothing */
        qsort(fv->v, fv->n, sizeof *fv->v, flag_cmp);
    au->flags = fv->v;
    au->n_flags = fv->n;
    fv->v = NULL;
    size_t n = kept->n;
    uint32_t *order = dg_xmalloc((n ? n : 1) * sizeof *order);
    for (size_t k = 0; k < n; k++)
        order[k] = (uint32_t)k;
    qsort_r(order, n, sizeof *order, kept_cmp, kept->num);
    DgRow *rows = dg_xmalloc((n ? n : 1) * sizeof *rows);
    uint32_t *num = dg_xmalloc((n ? n : 1) * sizeof *num);
    const char **ids = dg_xmalloc((n ? n : 1) * sizeof *ids);
    uint32_t *lens = dg_xmalloc((n ? n : 1) * sizeof *lens);
    for (size_t k = 0; k < n; k++) {
        rows[k] = kept->rows[order[k]];
        num[k] = kept->num[order[k]];
        ids[k] = kept->ids[order[k]];
        lens[k] = kept->lens[order[k]];
    }
    /* flags and kept rows are both in row order: walk them together */
    size_t k = 0;
    for (size_t f = 0; f < au->n_flags; f++) {
        while (num[k] != au->flags[f].row)
            k++;
        au->flags[f].row = (uint32_t)k;
    }
    dg_dataset_keep_rows(d, rows, n, ids, lens);
    dg_dataset_set_patients(d, NULL);
    for (size_t j = 0; j < n; j++)
        free(kept->ids[j]);
    free(ids);
    free(lens);
    free(num);
    free(order);
}

void dg_partition_kept_free(Kept *k)
{
    free(k->rows);
    free(k->num);
    free(k->ids);
    free(k->lens);
}

DgStatus dg_partition_run(const DgScheme *s, const char *const *paths, size_t n_paths, const DgValidateOptions *vopt,
                          const DgPartitionOptions *popt, DgDataset **dout, DgAudit **auout, DgAggregate **aout,
                          DgAggregate **before_out, DgQualityValues **qv_out, DgQualityValues **qv_before_out,
                          DgPartitionStats *stats, DgError *err)
{
    if (dg_mpi_active()) /* started by mpirun with more than one rank */
        return dg_partition_run_mpi(s, paths, n_paths, vopt, popt, dout, auout, aout, before_out, qv_out,
                                    qv_before_out, stats, err);
    DgPartitionOptions po0 = {0};
    if (!popt)
        popt = &po0;
    DgValidateOptions v = vopt ? *vopt : (DgValidateOptions){0};
    Spill sp = {.po = popt, .memory = popt->memory ? popt->memory : dg_partition_default_memory(),
                .n_units = s->n_units};
    v.spill_rows = sp.memory / DG_PARTITION_ROW_BYTES;
    v.spill = spill_rows;
    v.spill_ctx = &sp;
    DgPartitionStats st0 = {0};
    if (!stats)
        stats = &st0;
    memset(stats, 0, sizeof *stats);
    if (before_out)
        *before_out = NULL;
    if (qv_out)
        *qv_out = NULL;
    if (qv_before_out)
        *qv_before_out = NULL;
    DgDataset *d = NULL;
    Acc acc = {0};
    int64_t t0 = g_get_monotonic_time();
    DgStatus st = dg_validate_files(s, paths, n_paths, &v, &d, err);
    int64_t t1 = g_get_monotonic_time();
    stats->ms_validate = (uint64_t)(t1 - t0) / 1000;
    for (size_t c = 0; c < sp.n_ch; c++)
        chunk_free(&sp.ch[c]);
    free(sp.ch);
    if (st != DG_OK) {
        free(sp.rows_in);
        free(sp.part_of);
        dg_spill_close(sp.dir);
        return st;
    }
    if (aout)
        acc.sums = dg_aggregate_new(s, d);
    if (before_out && s->appeals_path)
        acc.before = dg_aggregate_new(s, d);
    if (!sp.dir) {
        /* in memory: the whole dataset is one partition */
        st = dg_partition_unit_stages(s, d, &acc.au, &acc, qv_out != NULL, err);
    } else {
        stats->spilled = true;
        stats->unit_parts = sp.P;
        stats->id_parts = sp.R;
        stats->rows_kept_at_switch = sp.kept_rows;
        DupVec dv = {0};
        st = dg_spill_end_writes(sp.dir, err);
        stats->tmp_bytes = dg_spill_total(sp.dir);
        for (unsigned i = 0; i < sp.P; i++)
            if (dg_spill_size(sp.dir, i) > stats->largest_part)
                stats->largest_part = dg_spill_size(sp.dir, i);
        for (unsigned i = 0; i < sp.R && st == DG_OK; i++)
            st = find_dups(&sp, sp.P + i, &dv, err);
        scratch_free(&sp.sc, SC_CAND, SC_N); /* the id partitions' buffers: not needed again */
        if (st == DG_OK) {
            if (dv.n > 1)
                qsort(dv.v, dv.n, sizeof *dv.v, dg_partition_dup_cmp);
            dg_partition_add_dup_rejects(d, &dv);
        }
        acc.au = dg_xcalloc(1, sizeof *acc.au);
        acc.spilled = true;
        acc.parts = sp.P;
        acc.part_of = sp.part_of;
        /* quality values of units without rows (no rows in d yet); each
         * partition then overwrites those of its units */
        if (st == DG_OK && qv_out)
            st = dg_quality_compute(s, d, NULL, &acc.qv, err);
        if (st == DG_OK && acc.before && qv_before_out)
            st = dg_quality_compute(s, d, NULL, &acc.qv_before, err);
        if (s->n_appeals) {
            acc.used = dg_xcalloc(s->n_appeals, 1);
            acc.appealed = dg_intern_new();
            for (size_t i = 0; i < s->n_appeals; i++)
                dg_intern_add(acc.appealed, s->appeals[i].record_id, strlen(s->appeals[i].record_id), NULL);
        }
        for (unsigned i = 0; i < sp.P && st == DG_OK; i++)
            st = do_unit_part(&sp, (acc.part = i), s, d, &dv, &acc, err);
        if (st == DG_OK) {
            dg_partition_finish_flags(d, acc.au, &acc.flags, &acc.kept);
            if (acc.used)
                st = dg_appeals_unmatched(s, d, acc.au, acc.used, err);
        }
        for (size_t j = 0; j < dv.n; j++)
            free(dv.v[j].id);
        free(dv.v);
        for (size_t j = 0; j < acc.flags.n && acc.flags.v; j++)
            free(acc.flags.v[j].detail);
        free(acc.flags.v);
        if (acc.flags.v) /* not handed to the audit: an error */
            for (size_t j = 0; j < acc.kept.n; j++)
                free(acc.kept.ids[j]);
        dg_partition_kept_free(&acc.kept);
        free(acc.used);
        dg_intern_free(acc.appealed);
        free(sp.rows_in);
        free(sp.part_of);
        scratch_free(&sp.sc, 0, SC_N);
        dg_spill_close(sp.dir);
    }
    if (st == DG_OK && acc.sums)
        dg_aggregate_finish(s, d, acc.sums);
    if (st == DG_OK && acc.before)
        dg_aggregate_finish(s, d, acc.before);
    stats->ms_units = (uint64_t)(g_get_monotonic_time() - t1) / 1000;
    stats->ms_quality = (uint64_t)acc.us_quality / 1000;
    dg_quality_prep_free(acc.qprep);
    free(acc.qunits);
    if (st != DG_OK) {
        dg_quality_values_free(acc.qv);
        dg_quality_values_free(acc.qv_before);
        dg_aggregate_free(acc.sums);
        dg_aggregate_free(acc.before);
        dg_audit_free(acc.au);
        dg_dataset_free(d);
        return st;
    }
    *dout = d;
    *auout = acc.au;
    if (aout)
        *aout = acc.sums;
    if (before_out)
        *before_out = acc.before;
    if (qv_out)
        *qv_out = acc.qv;
    else
        dg_quality_values_free(acc.qv);
    if (qv_before_out)
        *qv_before_out = acc.qv_before;
    else
        dg_quality_values_free(acc.qv_before);
    return DG_OK;
}
