/*
 * The partitioned run across the ranks of an MPI job (docs/scale.md,
 * "Running on a cluster"): the spilled data flow of partition.c, with the
 * ranks in place of the temporary partitions.
 *
 * Flow, on every rank:
 *   1. validation of this rank's share of the inputs (a record-aligned
 *      byte range of every plain log: validate.h, "Slices"), every
 *      row handed to mpi_rows, which writes it — in the format of the
 *      spilled partitions, plus the patient id — into a memory buffer for
 *      the rank owning its unit (hash(unit) mod ranks), and its record id
 *      into one for the rank owning the id (hash(id) mod ranks);
 *   2. candidate numbers made global (per-file counts exchanged: input
 *      order is file by file, a file's rows in order of the ranks reading
 *      its ranges), staff ids made global (every rank's distinct staff ids
 *      gathered, every rank numbering them alike);
 *   3. MPI_Alltoallv of both buffers; each rank finds the repeated record
 *      ids among the ids it owns, and the repeats (few) are gathered by
 *      every rank, so that each can drop them and number its rows exactly
 *      as the one-process run does;
 *   4. the per-unit stages on the rank's units (dg_partition_collect);
 *   5. exact integer partials — counts, sums, quality values of the
 *      rank's units, flags with their row numbers, kept rows, rejects with
 *      their (file, line) — reduced to rank 0, which then holds what the
 *      one-process spilled run holds after its last partition and takes
 *      the same path from there;
 *   6. the digests of the inputs read in byte ranges, by the last rank
 *      while rank 0 scores and writes (dg_partition_digests).
 * Errors: the ranks agree on a status (dg_mpi_agree) after validation and
 * after the per-unit stages, the only steps that can fail on one rank
 * alone; in between every rank runs the same collectives.  Nothing is
 * written to disk.
 */
#include "partition_priv.h"

#include "dangliang/appeals.h"
#include "dangliang/registry.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpi/dgmpi.h"

/* ---- byte buffers --------------------------------------------------------- */

typedef struct Buf {
    char *p;
    size_t n, cap;
} Buf;

static char *room(Buf *b, size_t n)
{
    if (b->n + n > b->cap) {
        size_t c = b->cap ? b->cap * 2 : 4096;
        while (c < b->n + n)
            c *= 2;
        b->p = dg_xrealloc(b->p, c);
        b->cap = c;
    }
    char *at = b->p + b->n;
    b->n += n;
    return at;
}

static void put(Buf *b, const void *p, size_t n)
{
    if (n)
        memcpy(room(b, n), p, n);
}

static void put_u32(Buf *b, uint32_t v)
{
    put(b, &v, 4);
}

static void put_u64(Buf *b, uint64_t v)
{
    put(b, &v, 8);
}

static void put_str(Buf *b, const char *s, size_t len)
{
    char l[5];
    put(b, l, dg_partition_put_len(l, (uint32_t)len));
    put(b, s, len);
}

/* A reader over gathered bytes. */
typedef struct Rd {
    const char *p;
    size_t at, n;
} Rd;

static uint32_t get_u32(Rd *r)
{
    uint32_t v;
    memcpy(&v, r->p + r->at, 4);
    r->at += 4;
    return v;
}

static uint64_t get_u64(Rd *r)
{
    uint64_t v;
    memcpy(&v, r->p + r->at, 8);
    r->at += 8;
    return v;
}

static const char *get_str(Rd *r, uint32_t *len)
{
    r->at += dg_partition_get_len(r->p + r->at, len);
    const char *s = r->p + r->at;
    r->at += *len;
    return s;
}

/* ---- step times (DgPartitionStats.mpi_steps, for benchmarks/mpi.sh) ---- */

/* Each step's wall and CPU time of this process (all its threads, MPI's
 * own included: a rank that spins while it waits shows CPU = wall). */
typedef struct Steps {
    int64_t wall, cpu;
    char *out;
    size_t cap, n;
} Steps;

static int64_t cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void step(Steps *t, const char *name)
{
    int64_t w = g_get_monotonic_time(), c = cpu_us();
    if (name && t->n < t->cap) {
        int k = snprintf(t->out + t->n, t->cap - t->n, " %s %lld/%lld", name, (long long)(w - t->wall) / 1000,
                         (long long)(c - t->cpu) / 1000);
        t->n = k > 0 && (size_t)k < t->cap - t->n ? t->n + (size_t)k : t->cap;
    }
    t->wall = w;
    t->cpu = c;
}

/* ---- step 1: this rank's share, rows into per-rank buffers ----------------- */

/* Who reads what is validation's business (validate.h, "Slices"): each
 * rank validates a record-aligned byte range of every plain input, a
 * compressed or decoded input whole by one rank, standard input and FIFOs
 * by rank 0.  The slice table it needs is gathered here. */
typedef struct Mpi {
    int rank, size;
    uint64_t *table;    /* the gathered slice table (for the digests of the ranged inputs) */
    Buf *units, *ids;   /* [size] bytes for each rank */
    int64_t us_rows;    /* wall time in mpi_rows */
    uint32_t *rank_of;  /* [staff_cap] by provisional staff number: its unit's rank + 1 (0: not yet known) */
    size_t staff_cap;
} Mpi;

static DgStatus gather_slices(void *ctx, const uint64_t *mine, size_t n, uint64_t *all, DgError *err)
{
    (void)err;
    Mpi *m = ctx;
    dg_mpi_allgather_u64(mine, n, all);
    free(m->table);
    m->table = dg_xmalloc((size_t)m->size * n * sizeof *m->table);
    memcpy(m->table, all, (size_t)m->size * n * sizeof *m->table);
    return DG_OK;
}

/* The rank owning a row's unit.  Memoized by provisional staff number
 * (a few tens of thousands, dense enough): reading the unit from the staff
 * string costs two dependent loads a row. */
static unsigned unit_rank(Mpi *m, const DgDataset *d, uint32_t staff)
{
    if (staff >= m->staff_cap) {
        size_t c = m->staff_cap ? m->staff_cap : 4096;
        while (c <= staff)
            c *= 2;
        m->rank_of = dg_xrealloc(m->rank_of, c * sizeof *m->rank_of);
        memset(m->rank_of + m->staff_cap, 0, (c - m->staff_cap) * sizeof *m->rank_of);
        m->staff_cap = c;
    }
    if (!m->rank_of[staff])
        m->rank_of[staff] = dg_partition_unit_part(dg_dataset_provisional_unit(d, staff), (unsigned)m->size) + 1;
    return m->rank_of[staff] - 1;
}

static DgStatus mpi_rows(void *ctx, const DgDataset *d, const DgRowBatch *b, DgError *err)
{
    (void)err;
    Mpi *m = ctx;
    int64_t t0 = g_get_monotonic_time();
    for (size_t k = 0; k < b->n; k++) {
        const DgRow *r = &b->rows[k];
        uint32_t len = b->record_id_lens[k], pl = b->patient_id_lens[k], cand = (uint32_t)(b->first + k);
        size_t len_n = len < 255 ? 1 : 5;
        /* to the unit's rank: row (provisional staff), candidate number, record id, patient id
         * (spilled batches carry patients as text: they are numbered where the unit's rows meet) */
        char *w = room(&m->units[unit_rank(m, d, r->staff)], UNIT_FIXED + len_n + len + (pl < 255 ? 1 : 5) + pl);
        memcpy(w, r, sizeof *r);
        memcpy(w + sizeof *r, &cand, 4);
        w += UNIT_FIXED;
        w += dg_partition_put_len(w, len);
        memcpy(w, b->record_ids[k], len);
        w += len;
        w += dg_partition_put_len(w, pl);
        memcpy(w, b->patient_ids[k], pl);
        /* to the id's rank: candidate number, file, line, low hash bits, record id (as spilled) */
        uint64_t h = b->record_id_hashes[k];
        uint16_t file = r->file;
        uint32_t tag = (uint32_t)h;
        w = room(&m->ids[(h >> 40) % (uint64_t)m->size], ID_FIXED + len_n + len);
        memcpy(w, &cand, 4);
        memcpy(w + 4, &file, 2);
        memcpy(w + 6, &r->line, 4);
        memcpy(w + 10, &tag, 4);
        w += ID_FIXED;
        w += dg_partition_put_len(w, len);
        memcpy(w, b->record_ids[k], len);
    }
    m->us_rows += g_get_monotonic_time() - t0;
    return DG_OK;
}

/* ---- step 2: global numbers ------------------------------------------------ */

/* delta[f]: what turns this rank's candidate number of file f into the
 * run's (input order is file by file; inside a file, slice by slice). */
static DgStatus global_cands(const DgDataset *dl, int64_t *delta, DgError *err)
{
    size_t P = (size_t)dg_mpi_size(), nf = dl->n_files;
    uint64_t *all = dg_xcalloc(P * (nf ? nf : 1), sizeof *all), *off = dg_xcalloc(nf ? nf : 1, sizeof *off);
    dg_mpi_allgather_u64(dl->slice_cands, nf, all);
    uint64_t global = 0;
    for (size_t i = 0; i < P * nf; i++)
        global += all[i];
    dg_slice_cand_offsets(all, (unsigned)P, (unsigned)dg_mpi_rank(), nf, off);
    for (size_t f = 0; f < nf; f++)
        delta[f] = (int64_t)off[f];
    free(all);
    free(off);
    if (global > UINT32_MAX) /* the same on every rank */
        return dg_error_set(err, DG_E_CONFIG, NULL, 0, 0, "more than %u accepted rows in one run; split the period",
                            (unsigned)UINT32_MAX);
    return DG_OK;
}

/* The run's staff ids, numbered alike on every rank: every rank's distinct
 * staff ids in rank order, added to g.  map[j] = g's dense id of local j. */
static uint32_t *global_staff(const DgDataset *dl, DgDataset *g)
{
    size_t ns = dg_dataset_n_staff(dl), P = (size_t)dg_mpi_size();
    Buf b = {0};
    for (size_t j = 0; j < ns; j++) {
        size_t len;
        const char *id = dg_dataset_staff_bytes(dl, (uint32_t)j, &len);
        put_u32(&b, dg_dataset_staff_unit(dl, (uint32_t)j));
        put_str(&b, id, len);
    }
    char *all;
    size_t *counts = dg_xcalloc(P, sizeof *counts);
    dg_mpi_allgatherv(b.p, b.n, &all, counts);
    free(b.p);
    size_t total = 0;
    for (size_t r = 0; r < P; r++)
        total += counts[r];
    uint32_t *prov = NULL, *map = dg_xcalloc(ns ? ns : 1, sizeof *map);
    size_t n = 0, cap = 0, mine = 0;
    Rd rd = {all, 0, total};
    size_t rank_end = 0;
    for (size_t r = 0; r < P; r++) {
        rank_end += counts[r];
        if (r == (size_t)dg_mpi_rank())
            mine = n;
        while (rd.at < rank_end) {
            uint32_t unit = get_u32(&rd), len;
            const char *id = get_str(&rd, &len);
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                prov = dg_xrealloc(prov, cap * sizeof *prov);
            }
            prov[n++] = dg_dataset_add_staff(g, unit, id, len);
        }
    }
    dg_dataset_staff_done(g);
    for (size_t j = 0; j < ns; j++)
        map[j] = dg_dataset_staff_final(g, prov[mine + j]);
    free(prov);
    free(all);
    free(counts);
    return map;
}

/* Local numbers in the outgoing entries made the run's. */
static void globalize(Mpi *m, const DgDataset *dl, const int64_t *delta, const uint32_t *staff_map)
{
    for (int r = 0; r < m->size; r++) {
        Buf *u = &m->units[r];
        for (size_t at = 0; at < u->n;) {
            DgRow row;
            uint32_t cand, len;
            memcpy(&row, u->p + at, sizeof row);
            memcpy(&cand, u->p + at + sizeof row, 4);
            row.staff = staff_map[dg_dataset_staff_final(dl, row.staff)];
            cand = (uint32_t)((int64_t)cand + delta[row.file]);
            memcpy(u->p + at, &row, sizeof row);
            memcpy(u->p + at + sizeof row, &cand, 4);
            at += UNIT_FIXED;
            at += dg_partition_get_len(u->p + at, &len) + len;
            at += dg_partition_get_len(u->p + at, &len) + len;
        }
        Buf *x = &m->ids[r];
        for (size_t at = 0; at < x->n;) {
            uint32_t cand, len;
            uint16_t file;
            memcpy(&cand, x->p + at, 4);
            memcpy(&file, x->p + at + 4, 2);
            cand = (uint32_t)((int64_t)cand + delta[file]);
            memcpy(x->p + at, &cand, 4);
            at += ID_FIXED;
            at += dg_partition_get_len(x->p + at, &len) + len;
        }
    }
}

/* ---- step 3: exchange, duplicates ------------------------------------------ */

typedef struct Ent {
    uint32_t cand;
    size_t off;
} Ent;

/* The entries of buf (each `fixed` bytes, then `strs` length-prefixed
 * strings; the candidate number at `cand_at`), sorted by candidate number.
 * buf is what each rank sent, rank by rank (counts[r] bytes from rank r),
 * and each rank sent its entries in input order, so the entries are
 * `ranks` sorted runs: merged pairwise, O(n log ranks). */
static Ent *sorted_entries(const char *buf, const size_t *counts, size_t fixed, int strs, size_t cand_at,
                           size_t *n_out)
{
    size_t P = (size_t)dg_mpi_size(), n = 0, end = 0, total = 0;
    for (size_t r = 0; r < P; r++)
        total += counts[r];
    /* room for the most entries the bytes can hold (each at least `fixed` + a length byte per
     * string): no copying as it grows, and the pages never written are never touched */
    Ent *e = dg_xmalloc((total / (fixed + (size_t)strs) + 1) * sizeof *e);
    size_t *run = dg_xcalloc(P + 1, sizeof *run); /* run r is e[run[r] .. run[r + 1]) */
    for (size_t r = 0, at = 0; r < P; r++) {
        run[r] = n;
        end += counts[r];
        while (at < end) {
            memcpy(&e[n].cand, buf + at + cand_at, 4);
            e[n].off = at;
            n++;
            at += fixed;
            for (int k = 0; k < strs; k++) {
                uint32_t l;
                at += dg_partition_get_len(buf + at, &l) + l;
            }
        }
    }
    run[P] = n;
    Ent *tmp = dg_xmalloc((n ? n : 1) * sizeof *tmp);
    for (size_t runs = P; runs > 1; runs = (runs + 1) / 2) {
        size_t w = 0;
        for (size_t r = 0; r < runs; r += 2) {
            size_t a = run[r], ae = run[r + 1], b = ae, be = r + 2 <= runs ? run[r + 2] : ae;
            run[r / 2] = w;
            while (a < ae && b < be)
                tmp[w++] = e[b].cand < e[a].cand ? e[b++] : e[a++];
            while (a < ae)
                tmp[w++] = e[a++];
            while (b < be)
                tmp[w++] = e[b++];
        }
        run[(runs + 1) / 2] = w;
        Ent *t = e;
        e = tmp;
        tmp = t;
    }
    free(tmp);
    free(run);
    *n_out = n;
    return e;
}

/* The repeats among the id entries e[0..n) (ID_FIXED, then the id; in
 * candidate order, at e[k].off in buf).  One table over all of them (a
 * slot per half entry: 256 MB at 10M ids a rank) missed the cache on
 * nearly every probe, so the entries are first cut by the top FD_BITS bits
 * of their hash tag into buckets — each a stream of (entry, tag) pairs,
 * still in candidate order — and each bucket is searched with a table of
 * its own that stays in cache.  Equal ids have equal tags, so they meet in
 * one bucket, and the first occurrence in input order is the one inserted
 * first: the same repeats, with the same first occurrences, as one table. */
enum { FD_BITS = 10 };

typedef struct TagEnt {
    uint32_t k, tag;
} TagEnt;

static void add_dup(DupVec *out, const char *r, const char *q, const char *id, uint32_t l)
{
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 64;
        out->v = dg_xrealloc(out->v, out->cap * sizeof *out->v);
    }
    Dup *dp = &out->v[out->n++];
    memcpy(&dp->cand, r, 4);
    memcpy(&dp->file, r + 4, 2);
    memcpy(&dp->line, r + 6, 4);
    memcpy(&dp->ffile, q + 4, 2);
    memcpy(&dp->fline, q + 6, 4);
    dp->id = dg_xstrndup(id, l);
    dp->len = l;
}

static void find_dups_at(const char *buf, const Ent *e, size_t n, DupVec *out)
{
    enum { NB = 1 << FD_BITS };
    size_t *at = dg_xcalloc(NB + 1, sizeof *at);
    TagEnt *te = dg_xmalloc((n ? n : 1) * sizeof *te);
    uint32_t *tags = dg_xmalloc((n ? n : 1) * sizeof *tags);
    for (size_t k = 0; k < n; k++) {
        memcpy(&tags[k], buf + e[k].off + 10, 4);
        at[(tags[k] >> (32 - FD_BITS)) + 1]++;
    }
    size_t most = 0;
    for (size_t b = 0; b < NB; b++) {
        most = at[b + 1] > most ? at[b + 1] : most;
        at[b + 1] += at[b];
    }
    size_t *fill = dg_xmalloc(NB * sizeof *fill);
    memcpy(fill, at, NB * sizeof *fill);
    for (size_t k = 0; k < n; k++) {
        size_t b = tags[k] >> (32 - FD_BITS);
        te[fill[b]++] = (TagEnt){(uint32_t)k, tags[k]};
    }
    free(fill);
    free(tags);
    size_t cap = 16;
    while (cap < 2 * most)
        cap *= 2;
    /* entry + 1 (0 = empty) and its tag: ids are compared only when the tags agree */
    TagEnt *slot = dg_xmalloc(cap * sizeof *slot);
    for (size_t b = 0; b < NB; b++) {
        size_t nb = at[b + 1] - at[b], c = 16;
        while (c < 2 * nb)
            c *= 2;
        memset(slot, 0, c * sizeof *slot);
        for (size_t i = at[b]; i < at[b + 1]; i++) {
            uint32_t k = te[i].k, tag = te[i].tag, l;
            for (size_t j = (size_t)tag & (c - 1);; j = (j + 1) & (c - 1)) {
                if (!slot[j].k) {
                    slot[j] = (TagEnt){k + 1, tag};
                    break;
                }
                if (slot[j].tag != tag)
                    continue;
                const char *r = buf + e[k].off, *q = buf + e[slot[j].k - 1].off;
                const char *id = r + ID_FIXED + dg_partition_get_len(r + ID_FIXED, &l);
                uint32_t ql;
                size_t qs = ID_FIXED + dg_partition_get_len(q + ID_FIXED, &ql);
                if (ql != l || memcmp(q + qs, id, l))
                    continue;
                add_dup(out, r, q, id, l); /* a repeat: keep the first occurrence's file and line */
                break;
            }
        }
    }
    free(slot);
    free(te);
    free(at);
}

/* Repeated record ids among the ids this rank owns, then every rank's. */
static void find_all_dups(const char *ids, const size_t *ids_n, DupVec *dv)
{
    size_t n;
    Ent *e = sorted_entries(ids, ids_n, ID_FIXED, 1, 0, &n);
    DupVec mine = {0};
    find_dups_at(ids, e, n, &mine);
    free(e);
    Buf b = {0};
    for (size_t j = 0; j < mine.n; j++) {
        const Dup *x = &mine.v[j];
        put_u32(&b, x->cand);
        put_u32(&b, x->file);
        put_u32(&b, x->line);
        put_u32(&b, x->ffile);
        put_u32(&b, x->fline);
        put_str(&b, x->id, x->len);
        free(x->id);
    }
    free(mine.v);
    size_t P = (size_t)dg_mpi_size(), *counts = dg_xcalloc(P, sizeof *counts);
    char *all;
    dg_mpi_allgatherv(b.p, b.n, &all, counts);
    free(b.p);
    size_t total = 0;
    for (size_t r = 0; r < P; r++)
        total += counts[r];
    for (Rd rd = {all, 0, total}; rd.at < total;) {
        if (dv->n == dv->cap) {
            dv->cap = dv->cap ? dv->cap * 2 : 64;
            dv->v = dg_xrealloc(dv->v, dv->cap * sizeof *dv->v);
        }
        Dup *x = &dv->v[dv->n++];
        x->cand = get_u32(&rd);
        x->file = (uint16_t)get_u32(&rd);
        x->line = get_u32(&rd);
        x->ffile = (uint16_t)get_u32(&rd);
        x->fline = get_u32(&rd);
        const char *id = get_str(&rd, &x->len);
        x->id = dg_xstrndup(id, x->len);
    }
    if (dv->n > 1)
        qsort(dv->v, dv->n, sizeof *dv->v, dg_partition_dup_cmp);
    free(all);
    free(counts);
}

/* This rank's rows in input order, repeats dropped, numbered as in the run;
 * they become g's rows.  num, idv, idlen: per row (idv into buf).  Their
 * patients are numbered in input order in a table of the rank's own
 * (dg_dataset_set_patients), as a spilled partition numbers its own: no
 * check or indicator groups patients of another rank's units with them.
 * The lookups go two passes — hashes first, then the table with each
 * slot and string prefetched a few rows ahead — since on millions of
 * patients nearly every lookup misses the cache twice. */
enum { PAT_AHEAD = 16, PAT_ENTRY = 8 };

static void own_rows(DgDataset *g, const char *buf, const size_t *counts, const DupVec *dv, uint32_t **num_out,
                     const char ***idv_out, uint32_t **idlen_out)
{
    size_t n;
    Ent *e = sorted_entries(buf, counts, UNIT_FIXED, 2, sizeof(DgRow), &n);
    DgRow *rows = dg_xmalloc((n ? n : 1) * sizeof *rows);
    uint32_t *num = dg_xmalloc((n ? n : 1) * sizeof *num);
    const char **idv = dg_xmalloc((n ? n : 1) * sizeof *idv);
    uint32_t *idlen = dg_xmalloc((n ? n : 1) * sizeof *idlen);
    const char **pv = dg_xmalloc((n ? n : 1) * sizeof *pv);
    uint64_t *ph = dg_xmalloc((n ? n : 1) * sizeof *ph);
    size_t m = 0, below = 0; /* repeats with a lower candidate number: e and dv are both in that order */
    for (size_t k = 0; k < n; k++) {
        while (below < dv->n && dv->v[below].cand < e[k].cand)
            below++;
        if (below < dv->n && dv->v[below].cand == e[k].cand)
            continue;
        Rd rd = {buf, e[k].off + UNIT_FIXED, 0};
        memcpy(&rows[m], buf + e[k].off, sizeof *rows);
        idv[m] = get_str(&rd, &idlen[m]);
        uint32_t pl;
        pv[m] = get_str(&rd, &pl);
        /* the patient's length until it is numbered below */
        rows[m].patient = pl;
        ph[m] = pl ? dg_hash_bytes(pv[m], pl) : 0;
        num[m] = e[k].cand - (uint32_t)below;
        m++;
    }
    free(e);
    DgIntern *pat = dg_intern_new();
    dg_intern_reserve(pat, m / 4);
    for (size_t k = 0; k < m; k++) {
        if (k + PAT_AHEAD < m && rows[k + PAT_AHEAD].patient)
            dg_intern_prefetch(pat, ph[k + PAT_AHEAD]);
        if (k + PAT_ENTRY < m && rows[k + PAT_ENTRY].patient)
            dg_intern_prefetch_entry(pat, ph[k + PAT_ENTRY]);
        uint32_t pl = rows[k].patient;
        rows[k].patient = pl ? dg_intern_add_h(pat, pv[k], pl, ph[k], NULL) : DG_NO_PATIENT;
    }
    free(pv);
    free(ph);
    dg_dataset_keep_rows(g, rows, m, idv, idlen); /* takes rows */
    dg_dataset_set_patients(g, pat);
    *num_out = num;
    *idv_out = idv;
    *idlen_out = idlen;
}

/* ---- step 5: partials to rank 0 -------------------------------------------- */

static void sum_aggregate(DgAggregate *a)
{
    if (!a)
        return;
    dg_mpi_sum_u64(a->qty, a->n_units * a->n_catalog);
    dg_mpi_sum_u64(a->audited_qty, a->n_units * a->n_catalog);
    dg_mpi_sum_u64(a->unit_rows, a->n_units);
    dg_mpi_sum_u128(a->pool_staff_w, a->n_pools * a->n_staff);
}

static void sum_audit(DgAudit *au)
{
    uint64_t v[DG_CHECK_COUNT * 4 + 2];
    size_t k = 0;
    for (int c = 0; c < DG_CHECK_COUNT; c++) {
        v[k++] = au->flags_by_check[c];
        v[k++] = au->excess_by_check[c];
        v[k++] = au->appeals_by_check[c][0];
        v[k++] = au->appeals_by_check[c][1];
    }
    v[k++] = au->rows_flagged;
    v[k++] = au->qty_restored;
    dg_mpi_sum_u64(v, k);
    k = 0;
    for (int c = 0; c < DG_CHECK_COUNT; c++) {
        au->flags_by_check[c] = v[k++];
        au->excess_by_check[c] = v[k++];
        au->appeals_by_check[c][0] = v[k++];
        au->appeals_by_check[c][1] = v[k++];
    }
    au->rows_flagged = v[k++];
    au->qty_restored = v[k++];
}

static void put_qv(Buf *b, const DgQualityValues *q)
{
    size_t c = q->n_units * q->n_indicators;
    put(b, q->num, c * 8);
    put(b, q->den, c * 8);
    put(b, q->n_group, c * 8);
    put(b, q->n_no_flag, c * 8);
    put(b, q->n_short_min, c * 8);
    put(b, q->n_short_quarters, c * 8);
    put(b, q->status, q->n_persons * q->n_indicators);
    put_u64(b, q->rows_with_patient);
    put_u64(b, q->rows_unregistered);
    put_u64(b, q->rows_other_unit);
}

static void get_qv(Rd *rd, DgQualityValues *q)
{
    size_t c = q->n_units * q->n_indicators;
    int64_t *arr[] = {q->num, q->den, q->n_group, q->n_no_flag, q->n_short_min, q->n_short_quarters};
    for (size_t k = 0; k < sizeof arr / sizeof arr[0]; k++) {
        memcpy(arr[k], rd->p + rd->at, c * 8);
        rd->at += c * 8;
    }
    memcpy(q->status, rd->p + rd->at, q->n_persons * q->n_indicators);
    rd->at += q->n_persons * q->n_indicators;
    q->rows_with_patient = get_u64(rd);
    q->rows_unregistered = get_u64(rd);
    q->rows_other_unit = get_u64(rd);
}

/* Rank 0 takes every other rank's units' quality values (and adds their row counts). */
static void gather_quality(const DgScheme *s, Acc *acc, DgQualityValues *mine)
{
    if (!mine)
        return;
    Buf b = {0};
    put_qv(&b, mine);
    size_t P = (size_t)dg_mpi_size(), *counts = dg_xcalloc(P, sizeof *counts);
    char *all;
    dg_mpi_gatherv(b.p, b.n, &all, counts);
    free(b.p);
    if (dg_mpi_rank() == 0) {
        DgQualityValues src = *mine;
        size_t c = mine->n_units * mine->n_indicators;
        int64_t **arr[] = {&src.num, &src.den, &src.n_group, &src.n_no_flag, &src.n_short_min, &src.n_short_quarters};
        for (size_t k = 0; k < sizeof arr / sizeof arr[0]; k++)
            *arr[k] = dg_xmalloc((c ? c : 1) * 8);
        src.status = dg_xmalloc(mine->n_persons * mine->n_indicators + 1);
        size_t at = counts[0];
        unsigned part = acc->part;
        for (size_t r = 1; r < P; r++) {
            Rd rd = {all, at, at + counts[r]};
            get_qv(&rd, &src);
            acc->part = (unsigned)r;
            dg_partition_quality_merge(s, acc, mine, &src);
            at += counts[r];
        }
        acc->part = part;
        for (size_t k = 0; k < sizeof arr / sizeof arr[0]; k++)
            free(*arr[k]);
        free(src.status);
    }
    free(all);
    free(counts);
}

/* Rank 0 gets every rank's flags and kept rows (patients by their ids). */
static void gather_flags(DgDataset *g, Acc *acc)
{
    Buf b = {0};
    put_u64(&b, acc->flags.n);
    for (size_t f = 0; f < acc->flags.n; f++) {
        const DgFlag *fl = &acc->flags.v[f];
        put_u32(&b, fl->row);
        put_u32(&b, fl->check);
        put_u32(&b, fl->appeal);
        put_u32(&b, fl->excess);
        put_u32(&b, fl->appeal_index);
        put_str(&b, fl->detail ? fl->detail : "", fl->detail ? strlen(fl->detail) : 0);
    }
    const Kept *k = &acc->kept;
    for (size_t j = 0; j < k->n; j++) {
        DgRow row = k->rows[j];
        size_t pl;
        const char *pat = dg_dataset_patient_bytes(g, row.patient, &pl);
        put(&b, &row, sizeof row);
        put_u32(&b, k->num[j]);
        put_str(&b, k->ids[j], k->lens[j]);
        put_str(&b, pat, pl);
    }
    size_t P = (size_t)dg_mpi_size(), *counts = dg_xcalloc(P, sizeof *counts);
    char *all;
    dg_mpi_gatherv(b.p, b.n, &all, counts);
    free(b.p);
    if (dg_mpi_rank() == 0) {
        /* the kept rows' patients go back into the run's table (the rank's
         * own numbering has served its purpose) */
        dg_dataset_set_patients(g, NULL);
        /* rank 0's own are in the gathered bytes too: start again from them */
        for (size_t f = 0; f < acc->flags.n; f++)
            free(acc->flags.v[f].detail);
        acc->flags.n = 0;
        for (size_t j = 0; j < acc->kept.n; j++)
            free(acc->kept.ids[j]);
        acc->kept.n = 0;
        size_t at = 0;
        for (size_t r = 0; r < P; r++) {
            Rd rd = {all, at, at + counts[r]};
            at += counts[r];
            uint64_t nf = get_u64(&rd);
            FlagVec *fv = &acc->flags;
            for (uint64_t f = 0; f < nf; f++) {
                if (fv->n == fv->cap) {
                    fv->cap = fv->cap ? fv->cap * 2 : 256;
                    fv->v = dg_xrealloc(fv->v, fv->cap * sizeof *fv->v);
                }
                DgFlag *fl = &fv->v[fv->n++];
                memset(fl, 0, sizeof *fl);
                fl->row = get_u32(&rd);
                fl->check = (uint8_t)get_u32(&rd);
                fl->appeal = (uint8_t)get_u32(&rd);
                fl->excess = get_u32(&rd);
                fl->appeal_index = get_u32(&rd);
                uint32_t l;
                const char *det = get_str(&rd, &l);
                fl->detail = dg_xstrndup(det, l);
            }
            Kept *kp = &acc->kept;
            while (rd.at < rd.n) {
                if (kp->n == kp->cap) {
                    kp->cap = kp->cap ? kp->cap * 2 : 256;
                    kp->rows = dg_xrealloc(kp->rows, kp->cap * sizeof *kp->rows);
                    kp->num = dg_xrealloc(kp->num, kp->cap * sizeof *kp->num);
                    kp->ids = dg_xrealloc(kp->ids, kp->cap * sizeof *kp->ids);
                    kp->lens = dg_xrealloc(kp->lens, kp->cap * sizeof *kp->lens);
                }
                DgRow *row = &kp->rows[kp->n];
                memcpy(row, rd.p + rd.at, sizeof *row);
                rd.at += sizeof *row;
                kp->num[kp->n] = get_u32(&rd);
                uint32_t l, pl;
                const char *id = get_str(&rd, &l);
                kp->ids[kp->n] = dg_xstrndup(id, l);
                kp->lens[kp->n] = l;
                const char *pat = get_str(&rd, &pl);
                row->patient = pl ? dg_dataset_add_patient(g, pat, pl) : DG_NO_PATIENT;
                kp->n++;
            }
        }
    }
    free(all);
    free(counts);
}

typedef struct RejRef {
    uint32_t file;
    uint64_t line;
    size_t off;
} RejRef;

static int rej_cmp(const void *x, const void *y)
{
    const RejRef *a = x, *b = y;
    if (a->file != b->file)
        return a->file < b->file ? -1 : 1;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return a->off < b->off ? -1 : a->off > b->off;
}

/* The accounting of validation: counts summed, each file's digest from the
 * rank that read it, rejects merged by (file, line), unknown columns in the
 * order the files name them.  Into g on rank 0. */
static void gather_dataset(const DgDataset *dl, DgDataset *g)
{
    size_t nf = dl->n_files, P = (size_t)dg_mpi_size(), *counts = dg_xcalloc(P, sizeof *counts);
    size_t nv = 4 + DG_REASON_COUNT + 3 * nf, k = 0;
    uint64_t *v = dg_xcalloc(nv, sizeof *v);
    v[k++] = dl->rows_read;
    v[k++] = dl->rows_accepted;
    v[k++] = dl->rows_rejected;
    v[k++] = dl->bytes_in;
    for (int r = 0; r < DG_REASON_COUNT; r++)
        v[k++] = dl->by_reason[r];
    for (size_t f = 0; f < nf; f++) {
        v[k++] = dl->file_rows[f];
        v[k++] = dl->file_bad_text[f];
        v[k++] = dl->file_bad_text_gb[f];
    }
    dg_mpi_sum_u64(v, nv);
    Buf b = {0};
    put(&b, dl->input_sha256, nf * sizeof *dl->input_sha256);
    put_u64(&b, dl->n_unknown_columns);
    for (size_t i = 0; i < dl->n_unknown_columns; i++) {
        put_u32(&b, dl->unknown_column_file[i]);
        put_str(&b, dl->unknown_columns[i], strlen(dl->unknown_columns[i]));
    }
    for (size_t i = 0; i < dl->n_rejects; i++) {
        const DgReject *j = &dl->rejects[i];
        put_u32(&b, j->file);
        put_u64(&b, j->line);
        put_u32(&b, (uint32_t)j->reason);
        put_str(&b, j->record_id, strlen(j->record_id));
        put_str(&b, j->detail, strlen(j->detail));
    }
    char *all;
    dg_mpi_gatherv(b.p, b.n, &all, counts);
    free(b.p);
    if (dg_mpi_rank() == 0) {
        k = 0;
        g->rows_read = v[k++];
        g->rows_accepted = v[k++];
        g->rows_rejected = v[k++];
        g->bytes_in = v[k++];
        for (int r = 0; r < DG_REASON_COUNT; r++)
            g->by_reason[r] = v[k++];
        for (size_t f = 0; f < nf; f++) {
            g->file_rows[f] = v[k++];
            g->file_bad_text[f] = v[k++];
            g->file_bad_text_gb[f] = v[k++];
        }
        g->encoding_given = dl->encoding_given;
        g->us_parse = dl->us_parse;
        g->us_ids = dl->us_ids;
        g->us_merge = dl->us_merge;
        RejRef *refs = NULL;
        size_t nr = 0, cap = 0, at = 0;
        /* unknown columns: (file, then each rank's first-seen order), each name once */
        RejRef *cols = NULL;
        size_t nc = 0, ccap = 0;
        for (size_t r = 0; r < P; r++) {
            Rd rd = {all, at, at + counts[r]};
            at += counts[r];
            for (size_t f = 0; f < nf; f++, rd.at += sizeof *g->input_sha256)
                if (rd.p[rd.at])
                    memcpy(g->input_sha256[f], rd.p + rd.at, sizeof *g->input_sha256);
            uint64_t nu = get_u64(&rd);
            for (uint64_t i = 0; i < nu; i++) {
                if (nc == ccap) {
                    ccap = ccap ? ccap * 2 : 16;
                    cols = dg_xrealloc(cols, ccap * sizeof *cols);
                }
                cols[nc].file = get_u32(&rd);
                cols[nc].line = 0;
                cols[nc].off = rd.at;
                nc++;
                uint32_t l;
                get_str(&rd, &l);
            }
            while (rd.at < rd.n) {
                if (nr == cap) {
                    cap = cap ? cap * 2 : 256;
                    refs = dg_xrealloc(refs, cap * sizeof *refs);
                }
                refs[nr].off = rd.at;
                refs[nr].file = get_u32(&rd);
                refs[nr].line = get_u64(&rd);
                nr++;
                uint32_t l;
                get_u32(&rd);
                get_str(&rd, &l);
                get_str(&rd, &l);
            }
        }
        if (nc > 1)
            qsort(cols, nc, sizeof *cols, rej_cmp); /* by file, then gathered order */
        for (size_t i = 0; i < nc; i++) {
            Rd rd = {all, cols[i].off, cols[i].off + 5};
            uint32_t l;
            const char *name = get_str(&rd, &l);
            bool seen = false;
            for (size_t j = 0; j < g->n_unknown_columns && !seen; j++)
                seen = strlen(g->unknown_columns[j]) == l && !memcmp(g->unknown_columns[j], name, l);
            if (seen)
                continue;
            size_t n1 = g->n_unknown_columns + 1;
            g->unknown_columns = dg_xrealloc(g->unknown_columns, n1 * sizeof *g->unknown_columns);
            g->unknown_column_file = dg_xrealloc(g->unknown_column_file, n1 * sizeof *g->unknown_column_file);
            g->unknown_columns[n1 - 1] = dg_xstrndup(name, l);
            g->unknown_column_file[n1 - 1] = cols[i].file;
            g->n_unknown_columns = n1;
        }
        free(cols);
        if (nr > 1)
            qsort(refs, nr, sizeof *refs, rej_cmp);
        g->rejects = dg_xmalloc((nr ? nr : 1) * sizeof *g->rejects);
        g->n_rejects = nr;
        for (size_t i = 0; i < nr; i++) {
            Rd rd = {all, refs[i].off + 12, 0};
            DgReject *j = &g->rejects[i];
            j->file = refs[i].file;
            j->line = refs[i].line;
            j->reason = (DgReason)get_u32(&rd);
            uint32_t l;
            const char *x = get_str(&rd, &l);
            j->record_id = dg_xstrndup(x, l);
            x = get_str(&rd, &l);
            j->detail = dg_xstrndup(x, l);
        }
        free(refs);
    }
    free(all);
    free(counts);
    free(v);
}

/* ---- step 6: the digests of the ranged inputs, off rank 0's path ----------------- */

/* The manifest needs the SHA-256 of every input whole.  The ranks digest
 * what they read whole (a compressed input, a FIFO) as they read it; an
 * input read in byte ranges has to be read once more from the start.  The
 * last rank does that after its share of the per-unit stages, while rank 0
 * merges, scores and writes every output (seconds in which the other ranks
 * have nothing to do), and sends the digests to rank 0, which reads them
 * only for the manifest (dg_partition_digests).  The message: the hashing's
 * status and error (a DgError), the failing input (8 bytes), then 65 bytes
 * per input ("" for those digested during validation). */
static struct {
    char *buf;
    size_t n_files;
} g_late;

static size_t digest_bytes(size_t n_files)
{
    return sizeof(DgError) + 8 + 65 * n_files;
}

static void digests_start(const Mpi *m, const char *const *paths, size_t n_paths)
{
    if (m->rank == 0) {
        free(g_late.buf);
        g_late.buf = dg_xcalloc(1, digest_bytes(n_paths));
        g_late.n_files = n_paths;
        dg_mpi_recv_post(m->size - 1, g_late.buf, digest_bytes(n_paths));
    }
    if (m->rank != m->size - 1)
        return;
    char *msg = dg_xcalloc(1, digest_bytes(n_paths));
    DgError e = {0};
    size_t n_hashed = 0, file = 0;
    e.status = dg_validate_slice_digests(m->table, (unsigned)m->size, paths, n_paths,
                                         (char(*)[65])(msg + sizeof e + 8), &n_hashed, &file, &e);
    uint64_t f64 = file;
    memcpy(msg, &e, sizeof e);
    memcpy(msg + sizeof e, &f64, 8);
    dg_mpi_send(0, msg, digest_bytes(n_paths));
    free(msg);
}

DgStatus dg_partition_digests(DgDataset *d, DgError *err)
{
    if (!g_late.buf)
        return DG_OK;
    dg_mpi_recv_wait();
    DgError e;
    memcpy(&e, g_late.buf, sizeof e);
    const char(*hex)[65] = (const char(*)[65])(g_late.buf + sizeof e + 8);
    for (size_t f = 0; e.status == DG_OK && d && f < g_late.n_files && f < d->n_files; f++)
        if (hex[f][0])
            memcpy(d->input_sha256[f], hex[f], 65);
    free(g_late.buf);
    g_late.buf = NULL;
    if (e.status != DG_OK && err)
        *err = e;
    return e.status;
}

/* ---- the run ----------------------------------------------------------------- */

static void acc_free(Acc *acc)
{
    for (size_t j = 0; j < acc->flags.n && acc->flags.v; j++)
        free(acc->flags.v[j].detail);
    free(acc->flags.v);
    acc->flags.v = NULL;
    for (size_t j = 0; j < acc->kept.n; j++)
        free(acc->kept.ids[j]);
    dg_partition_kept_free(&acc->kept);
    free(acc->used);
    dg_intern_free(acc->appealed);
    dg_quality_values_free(acc->qv);
    dg_quality_values_free(acc->qv_before);
    dg_quality_prep_free(acc->qprep);
    free(acc->qunits);
    dg_aggregate_free(acc->sums);
    dg_aggregate_free(acc->before);
    dg_audit_free(acc->au);
}

DgStatus dg_partition_run_mpi(const DgScheme *s, const char *const *paths, size_t n_paths,
                              const DgValidateOptions *vopt, const DgPartitionOptions *popt, DgDataset **dout,
                              DgAudit **auout, DgAggregate **aout, DgAggregate **before_out,
                              DgQualityValues **qv_out, DgQualityValues **qv_before_out, DgPartitionStats *stats,
                              DgError *err)
{
    (void)popt; /* each rank holds its share of the rows in memory (docs/scale.md) */
    DgPartitionStats st0 = {0};
    if (!stats)
        stats = &st0;
    memset(stats, 0, sizeof *stats);
    *dout = NULL;
    *auout = NULL;
    if (aout)
        *aout = NULL;
    if (before_out)
        *before_out = NULL;
    if (qv_out)
        *qv_out = NULL;
    if (qv_before_out)
        *qv_before_out = NULL;
    int rank = dg_mpi_rank(), size = dg_mpi_size();
    Mpi m = {.rank = rank, .size = size};
    m.units = dg_xcalloc((size_t)size, sizeof *m.units);
    m.ids = dg_xcalloc((size_t)size, sizeof *m.ids);
    DgValidateOptions v = vopt ? *vopt : (DgValidateOptions){0};
    v.slice = (unsigned)rank;
    v.n_slices = (unsigned)size;
    v.gather = gather_slices;
    v.gather_ctx = &m;
    v.hash_whole_only = true; /* each rank digests what it reads whole; the ranged inputs: step 6 */
    v.spill_rows = 0; /* every row goes to mpi_rows */
    v.spill = mpi_rows;
    v.spill_ctx = &m;
    DgDataset *dl = NULL, *g = NULL;
    Acc acc = {0};
    uint32_t *num = NULL, *idlen = NULL, *staff_map = NULL;
    const char **idv = NULL;
    char *units_in = NULL;
    DupVec dv = {0};
    int64_t *delta = dg_xcalloc(n_paths ? n_paths : 1, sizeof *delta);
    size_t *recv_n = dg_xcalloc((size_t)size, sizeof *recv_n); /* bytes received from each rank */
    int64_t t0 = g_get_monotonic_time();
    Steps tm = {.out = stats->mpi_steps, .cap = sizeof stats->mpi_steps};
    step(&tm, NULL);

    /* 1. validation of this rank's share */
    DgStatus st = dg_validate_files(s, paths, n_paths, &v, &dl, err);
    step(&tm, "validate");
    if (tm.n < tm.cap)
        tm.n += (size_t)snprintf(tm.out + tm.n, tm.cap - tm.n, " (rows %lld)", (long long)m.us_rows / 1000);
    if ((st = dg_mpi_agree(st, err)) != DG_OK)
        goto out;
    step(&tm, "agree");
    int64_t t1 = g_get_monotonic_time();
    stats->ms_validate = (uint64_t)(t1 - t0) / 1000;
    /* 2. the run's candidate and staff numbers */
    if ((st = global_cands(dl, delta, err)) != DG_OK)
        goto out;
    g = dg_dataset_new_ids(paths, n_paths);
    staff_map = global_staff(dl, g);
    globalize(&m, dl, delta, staff_map);
    step(&tm, "numbers");
    /* 3. rows to their units' ranks, ids to theirs; repeats found and shared */
    char **send = dg_xcalloc((size_t)size, sizeof *send);
    size_t *send_n = dg_xcalloc((size_t)size, sizeof *send_n);
    for (int r = 0; r < size; r++) {
        send[r] = m.ids[r].p;
        send_n[r] = m.ids[r].n;
    }
    char *ids_in;
    dg_mpi_alltoallv(send, send_n, &ids_in, recv_n);
    step(&tm, "ids_x");
    for (int r = 0; r < size; r++) {
        free(m.ids[r].p);
        m.ids[r] = (Buf){0};
        send[r] = m.units[r].p;
        send_n[r] = m.units[r].n;
    }
    find_all_dups(ids_in, recv_n, &dv);
    free(ids_in);
    step(&tm, "dups");
    dg_mpi_alltoallv(send, send_n, &units_in, recv_n);
    step(&tm, "rows_x");
    for (int r = 0; r < size; r++) {
        free(m.units[r].p);
        m.units[r] = (Buf){0};
    }
    free(send);
    free(send_n);
    /* 4. the per-unit stages on this rank's units (the quality values of
     * units without rows first, as a spilled run does) */
    acc.au = dg_xcalloc(1, sizeof *acc.au);
    acc.spilled = true;
    acc.parts = (unsigned)size;
    acc.part = (unsigned)rank;
    if (aout)
        acc.sums = dg_aggregate_new(s, g);
    if (before_out && s->appeals_path)
        acc.before = dg_aggregate_new(s, g);
    if (qv_out)
        st = dg_quality_compute(s, g, NULL, &acc.qv, err);
    if (st == DG_OK && acc.before && qv_before_out)
        st = dg_quality_compute(s, g, NULL, &acc.qv_before, err);
    if (s->n_appeals) {
        acc.used = dg_xcalloc(s->n_appeals, 1);
        acc.appealed = dg_intern_new();
        for (size_t i = 0; i < s->n_appeals; i++)
            dg_intern_add(acc.appealed, s->appeals[i].record_id, strlen(s->appeals[i].record_id), NULL);
    }
    step(&tm, "prep");
    if (st == DG_OK) {
        own_rows(g, units_in, recv_n, &dv, &num, &idv, &idlen);
        step(&tm, "own_rows");
        st = dg_partition_collect(s, g, num, idv, idlen, &acc, err);
        step(&tm, "collect");
    }
    if ((st = dg_mpi_agree(st, err)) != DG_OK)
        goto out;
    step(&tm, "agree");
    /* 5. partials to rank 0 */
    sum_audit(acc.au);
    sum_aggregate(acc.sums);
    sum_aggregate(acc.before);
    uint64_t *used = dg_xcalloc(s->n_appeals + 1, sizeof *used);
    for (size_t i = 0; i < s->n_appeals; i++)
        used[i] = acc.used[i];
    dg_mpi_sum_u64(used, s->n_appeals);
    for (size_t i = 0; i < s->n_appeals; i++)
        acc.used[i] = used[i] != 0;
    free(used);
    step(&tm, "sums");
    gather_quality(s, &acc, acc.qv);
    gather_quality(s, &acc, acc.qv_before);
    step(&tm, "quality");
    gather_flags(g, &acc);
    step(&tm, "flags");
    gather_dataset(dl, g);
    step(&tm, "dataset");
    if (v.hash_inputs && m.table) {
        digests_start(&m, paths, n_paths);
        step(&tm, "digests");
    }
    dg_mpi_traffic(&stats->mpi_sent, &stats->mpi_received);
    stats->ranks = (unsigned)size;
    stats->ms_quality = (uint64_t)acc.us_quality / 1000;
    if (rank == 0) {
        dg_partition_add_dup_rejects(g, &dv);
        dg_partition_finish_flags(g, acc.au, &acc.flags, &acc.kept);
        acc.flags.v = NULL; /* handed to the audit */
        for (size_t j = 0; j < acc.kept.n; j++)
            acc.kept.ids[j] = NULL; /* freed by finish_flags */
        if (acc.used)
            st = dg_appeals_unmatched(s, g, acc.au, acc.used, err);
        if (st == DG_OK && acc.sums)
            dg_aggregate_finish(s, g, acc.sums);
        if (st == DG_OK && acc.before)
            dg_aggregate_finish(s, g, acc.before);
        if (st == DG_OK) {
            *dout = g;
            g = NULL;
            *auout = acc.au;
            acc.au = NULL;
            if (aout) {
                *aout = acc.sums;
                acc.sums = NULL;
            }
            if (before_out) {
                *before_out = acc.before;
                acc.before = NULL;
            }
            if (qv_out) {
                *qv_out = acc.qv;
                acc.qv = NULL;
            }
            if (qv_before_out) {
                *qv_before_out = acc.qv_before;
                acc.qv_before = NULL;
            }
        }
    }
    step(&tm, "finish");
    stats->ms_units = (uint64_t)(g_get_monotonic_time() - t1) / 1000;
out:
    for (int r = 0; r < size; r++) {
        free(m.units[r].p);
        free(m.ids[r].p);
    }
    free(m.units);
    free(m.ids);
    free(m.rank_of);
    free(m.table);
    free(delta);
    free(staff_map);
    free(units_in);
    free(recv_n);
    free(num);
    free(idv);
    free(idlen);
    for (size_t j = 0; j < dv.n; j++)
        free(dv.v[j].id);
    free(dv.v);
    acc_free(&acc);
    dg_dataset_free(dl);
    dg_dataset_free(g);
    return st;
}
