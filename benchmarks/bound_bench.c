/*
 * Micro-bounds of the stages of `dangliang run` (docs/performance.md,
 * "Micro-bounds"), measured on the bench's own log by `make bench`:
 *
 *   build/bench/bound_bench --scheme S --threads T --out-bytes B --tmp DIR [--reps R] LOG
 *
 * Each bound does, on the same data and with the same thread count, the
 * work its stage cannot avoid, written as plainly and as fast as we know
 * how, without the stage's pipeline (windows, chunks, arenas, rejects):
 *
 *   mem-read-1/T   sum of the 64-bit words of the log held in memory, 1 and
 *                  T threads: the memory bandwidth (a floor for any pass).
 *   file-read-1/T  read(2) of the log from the page cache into a 1 MiB
 *                  buffer, 1 and T threads on disjoint halves.
 *   sha256         the input's SHA-256 (the manifest needs it), 1 thread.
 *   parse          the block scanner (the run-time SIMD choice) splitting
 *                  every record into fields on T threads, and per record the
 *                  irreducible field work: an all-ASCII test of the record
 *                  (the UTF-8 check of ASCII text), the unit and item code
 *                  looked up in the engine's scheme tables, the date and the
 *                  quantity parsed, and the staff, patient and record ids
 *                  hashed for the id stage; plus the SHA-256 spread over T.
 *   ids            hash-partitioned numbering of the staff and patient ids
 *                  of every row (scatter into 256 partitions, one
 *                  open-addressing table per partition that compares the
 *                  strings, gather back into row order), and the record-id
 *                  duplicate search on 42-bit keys in 1 024 partitions.
 *   merge          the accepted rows (24 bytes) and packed record ids (12
 *                  bytes) copied into freshly allocated arrays, T threads:
 *                  one write of the final arrays, first-touch faults included.
 *   audit          the checks' keys of both passes built from the rows
 *                  (count, then scatter into 256 buckets), each bucket
 *                  sorted by the engine's radix sort (engine/validate/keysort.h)
 *                  and walked once, plus one pass summing the quantities by
 *                  unit and catalog row (the aggregate).
 *   write          B bytes (the run's output files) written with write(2)
 *                  into T files in DIR and fsync'd (no formatting); with
 *                  --deflate FILE also FILE (the workbook's members,
 *                  uncompressed) deflated at zlib's default level, in T
 *                  pieces on T threads (what the workbook's zip must do).
 *
 * Output: one line per bound, `name<TAB>ms<TAB>detail`, the minimum wall
 * time of R repetitions (default 3).  The rows of the audit bound come from
 * dg_validate_files on the same log (not timed).  One process holds the log
 * (its size) plus the column hashes (~40 bytes a row), then the dataset
 * (~45 bytes a row).
 */
#include <fcntl.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "common/csvscan.h"
#include "common/intern.h"
#include "common/sha256.h"
#include "dangliang/scheme.h"
#include "dangliang/validate.h"
#include "ingest/csvsimd.h"
#include "validate/fieldparse.h"
#include "validate/keysort.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int T = 2, REPS = 3;
static volatile uint64_t sink;

static void report(const char *name, double s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(const char *name, double s, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    printf("%s\t%.1f\t%s\n", name, s * 1e3, buf);
    fflush(stdout);
}

/* ---- memory and page cache --------------------------------------------- */

static uint64_t sum_words(const char *buf, size_t len, int threads)
{
    const uint64_t *w = (const uint64_t *)buf;
    size_t n = len / 8;
    uint64_t s = 0;
#pragma omp parallel for num_threads(threads) reduction(+ : s) schedule(static)
    for (size_t i = 0; i < n; i++)
        s += w[i];
    return s;
}

static uint64_t read_file(const char *path, size_t len, int threads)
{
    uint64_t s = 0;
#pragma omp parallel num_threads(threads) reduction(+ : s)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        size_t lo = len * (size_t)t / (size_t)nt, hi = len * (size_t)(t + 1) / (size_t)nt;
        int fd = open(path, O_RDONLY);
        char *b = malloc(1 << 20);
        for (size_t at = lo; fd >= 0 && at < hi;) {
            size_t want = hi - at < (1u << 20) ? hi - at : (1u << 20);
            ssize_t k = pread(fd, b, want, (off_t)at);
            if (k <= 0)
                break;
            s += (unsigned char)b[0];
            at += (size_t)k;
        }
        free(b);
        if (fd >= 0)
            close(fd);
    }
    return s;
}

/* ---- parse -------------------------------------------------------------- */

typedef struct Cols {
    int rec, unit, staff, pat, code, date, qty, n;
} Cols;

/* Per row: hash and packed place (offset << 16 | length) of an id. */
typedef struct IdCol {
    uint64_t *hash, *at;
} IdCol;

typedef struct Parsed {
    size_t n;       /* data records */
    IdCol staff, pat;
    uint64_t *rec;  /* record-id hashes */
} Parsed;

/* record-aligned start of part t of T: after the first '\n' at or after the cut */
static size_t cut_at(const char *buf, size_t len, size_t cut)
{
    if (cut == 0)
        return 0;
    const char *p = memchr(buf + cut, '\n', len - cut);
    return p ? (size_t)(p - buf) + 1 : len;
}

static int col_of(const DgCsvRecord *r, const char *name)
{
    for (size_t f = 0; f < r->n_fields; f++)
        if (r->fields[f].len == strlen(name) && memcmp(r->fields[f].ptr, name, r->fields[f].len) == 0)
            return (int)f;
    return -1;
}

/* offset << 16 | length of a field in buf (0 for an unescaped copy elsewhere:
 * a few bad rows, numbered apart) */
static inline uint64_t place(const char *buf, size_t hi, const DgCsvField *f)
{
    if (f->ptr < buf || f->ptr >= buf + hi || f->len > 0xFFFF)
        return 0;
    return (uint64_t)(f->ptr - buf) << 16 | f->len;
}

/* One pass over [lo, hi): the parse bound's work; with keep, the ids' hashes
 * and places are stored for the id bound (setup, not timed). */
static uint64_t parse_range(const char *buf, size_t lo, size_t hi, const Cols *c, const DgFieldTabs *tabs, Parsed *keep,
                            size_t *row)
{
    DgCsvCursor cur;
    DgCsvRecord r;
    dg_csv_record_init(&r);
    dg_csv_cursor_init(&cur, buf, lo, hi, DG_SCAN_AUTO);
    uint64_t sum = 0;
    size_t pos = lo, start = lo;
    while (dg_csv_cursor_next(&cur, &r, &pos)) {
        if ((int)r.n_fields < c->n) {
            start = pos;
            continue;
        }
        /* ASCII test of the record: the UTF-8 check of ASCII text */
        uint64_t hib = 0;
        size_t k = start;
        for (; k + 8 <= pos; k += 8) {
            uint64_t w;
            memcpy(&w, buf + k, 8);
            hib |= w;
        }
        for (; k < pos; k++)
            hib |= (unsigned char)buf[k];
        const DgCsvField *f = r.fields;
        int32_t day = 0;
        uint64_t q = 0;
        bool ok = dg_field_date(f[c->date].ptr, f[c->date].len, &day);
        ok &= dg_field_uint(f[c->qty].ptr, f[c->qty].len, 10000, &q);
        int64_t u = dg_fieldtabs_unit(tabs, f[c->unit].ptr, f[c->unit].len);
        int64_t it = dg_fieldtabs_code(tabs, f[c->code].ptr, f[c->code].len);
        uint64_t hs = dg_hash_bytes(f[c->staff].ptr, f[c->staff].len);
        uint64_t hp = dg_hash_bytes(f[c->pat].ptr, f[c->pat].len);
        uint64_t hr = dg_hash_bytes(f[c->rec].ptr, f[c->rec].len);
        sum += (hib & 0x8080808080808080ULL) + ok + (uint64_t)day + q + (uint64_t)u + (uint64_t)it + hs + hp + hr;
        if (keep) {
            size_t i = (*row)++;
            keep->staff.hash[i] = hs;
            keep->staff.at[i] = place(buf, hi, &f[c->staff]);
            keep->pat.hash[i] = hp;
            keep->pat.at[i] = place(buf, hi, &f[c->pat]);
            keep->rec[i] = hr;
        }
        start = pos;
    }
    dg_csv_cursor_free(&cur);
    dg_csv_record_clear(&r);
    return sum;
}

static double bound_parse(const char *buf, size_t len, size_t body, const Cols *c, const DgFieldTabs *tabs)
{
    double best = 1e30;
    for (int rep = 0; rep < REPS; rep++) {
        double t0 = now_s();
        uint64_t s = 0;
#pragma omp parallel for num_threads(T) reduction(+ : s) schedule(static, 1)
        for (int t = 0; t < 4 * T; t++) {
            size_t lo = cut_at(buf, len, body + (len - body) * (size_t)t / (size_t)(4 * T));
            size_t hi = cut_at(buf, len, body + (len - body) * (size_t)(t + 1) / (size_t)(4 * T));
            if (lo < body)
                lo = body;
            if (lo < hi)
                s += parse_range(buf, lo, hi, c, tabs, NULL, NULL);
        }
        sink += s;
        double t = now_s() - t0;
        best = t < best ? t : best;
    }
    return best;
}

/* ---- ids: hash-partitioned numbering ------------------------------------ */

#define PARTS 256
#define CHUNKS 64

/* an id on its way to its partition: its bytes travel with it (up to 16,
 * the ids of the bench are 9-10), so the compare on a hit stays in cache */
typedef struct Ent {
    uint64_t hash, at;
    char s[16];
} Ent;

static inline bool ent_eq(const char *buf, const Ent *a, const Ent *b)
{
    size_t n = a->at & 0xFFFF;
    if (n != (b->at & 0xFFFF))
        return false;
    if (n <= 16)
        return memcmp(a->s, b->s, 16) == 0;
    return memcmp(buf + (a->at >> 16), buf + (b->at >> 16), n) == 0;
}

/* Number the ids of one partition in first-seen order: an open-addressing
 * table (hash, index of the first entry) that compares the strings. */
static uint32_t number_part(const char *buf, const Ent *e, size_t n, uint32_t *num)
{
    size_t cap = 1024; /* grown at half full */
    uint64_t *th = calloc(cap, sizeof *th);
    uint32_t *ti = malloc(cap * sizeof *ti);
    uint32_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        if (2 * (distinct + 1) > cap) {
            size_t nc = cap * 2;
            uint64_t *nh = calloc(nc, sizeof *nh);
            uint32_t *ni = malloc(nc * sizeof *ni);
            for (size_t k = 0; k < cap; k++)
                if (th[k]) {
                    size_t j = th[k] & (nc - 1);
                    while (nh[j])
                        j = (j + 1) & (nc - 1);
                    nh[j] = th[k];
                    ni[j] = ti[k];
                }
            free(th);
            free(ti);
            th = nh, ti = ni, cap = nc;
        }
        uint64_t h = e[i].hash | 1; /* 0 = empty slot */
        size_t j = h & (cap - 1);
        for (;;) {
            if (!th[j]) {
                th[j] = h;
                ti[j] = (uint32_t)i;
                num[i] = distinct++;
                break;
            }
            if (th[j] == h) {
                if (ent_eq(buf, &e[ti[j]], &e[i])) {
                    num[i] = num[ti[j]];
                    break;
                }
            }
            j = (j + 1) & (cap - 1);
        }
    }
    free(th);
    free(ti);
    return distinct;
}

/* Counts per (chunk, part) -> each chunk's first place in its part, parts
 * one after another, chunks in order inside a part (a stable partition);
 * start[p] = the first place of part p, start[parts] = the total. */
static size_t places(size_t *pos, int parts, size_t *start)
{
    size_t at = 0;
    for (int p = 0; p < parts; p++) {
        start[p] = at;
        for (int k = 0; k < CHUNKS; k++) {
            size_t m = pos[(size_t)k * (size_t)parts + (size_t)p];
            pos[(size_t)k * (size_t)parts + (size_t)p] = at;
            at += m;
        }
    }
    start[parts] = at;
    return at;
}

static inline unsigned part_of(uint64_t h)
{
    return (unsigned)(h >> 56);
}

/* Every row's number (partition << 24 | number inside the partition) into
 * out[]: scatter by partition, number each partition, gather back. */
static uint64_t intern_col(const char *buf, const IdCol *c, size_t n, Ent *ents, uint32_t *num, uint32_t *out)
{
    static size_t pos[CHUNKS][PARTS], start[PARTS + 1];
    memset(pos, 0, sizeof pos);
#pragma omp parallel for num_threads(T) schedule(static)
    for (int k = 0; k < CHUNKS; k++)
        for (size_t i = n * (size_t)k / CHUNKS; i < n * (size_t)(k + 1) / CHUNKS; i++)
            pos[k][part_of(c->hash[i])]++;
    places(&pos[0][0], PARTS, start);
#pragma omp parallel for num_threads(T) schedule(static)
    for (int k = 0; k < CHUNKS; k++) {
        size_t *q = pos[k];
        for (size_t i = n * (size_t)k / CHUNKS; i < n * (size_t)(k + 1) / CHUNKS; i++) {
            Ent *e = &ents[q[part_of(c->hash[i])]++];
            e->hash = c->hash[i];
            e->at = c->at[i];
            size_t l = e->at & 0xFFFF;
            memset(e->s, 0, 16);
            if (l <= 16)
                memcpy(e->s, buf + (e->at >> 16), l);
        }
    }
    uint64_t distinct = 0;
#pragma omp parallel for num_threads(T) schedule(dynamic, 1) reduction(+ : distinct)
    for (int p = 0; p < PARTS; p++)
        distinct += number_part(buf, ents + start[p], start[p + 1] - start[p], num + start[p]);
    /* gather: the same walk as the scatter, the cursors now read the numbers */
    for (int k = CHUNKS - 1; k >= 0; k--)
        for (int p = 0; p < PARTS; p++)
            pos[k][p] = (k ? pos[k - 1][p] : start[p]);
#pragma omp parallel for num_threads(T) schedule(static)
    for (int k = 0; k < CHUNKS; k++) {
        size_t *q = pos[k];
        for (size_t i = n * (size_t)k / CHUNKS; i < n * (size_t)(k + 1) / CHUNKS; i++) {
            unsigned p = part_of(c->hash[i]);
            out[i] = (uint32_t)p << 24 | num[q[p]++];
        }
    }
    return distinct;
}

#define RPARTS 1024

/* Record ids: 42-bit keys in 1 024 partitions, repeats found per partition
 * in an open-addressing set; returns the number of repeated keys. */
static uint64_t recid_dups(const uint64_t *h, size_t n, uint64_t *keys)
{
    static size_t pos[CHUNKS][RPARTS], start[RPARTS + 1];
    memset(pos, 0, sizeof pos);
#pragma omp parallel for num_threads(T) schedule(static)
    for (int k = 0; k < CHUNKS; k++)
        for (size_t i = n * (size_t)k / CHUNKS; i < n * (size_t)(k + 1) / CHUNKS; i++)
            pos[k][h[i] >> 54]++;
    places(&pos[0][0], RPARTS, start);
#pragma omp parallel for num_threads(T) schedule(static)
    for (int k = 0; k < CHUNKS; k++)
        for (size_t i = n * (size_t)k / CHUNKS; i < n * (size_t)(k + 1) / CHUNKS; i++)
            keys[pos[k][h[i] >> 54]++] = (h[i] & ((1ULL << 42) - 1)) | 1;
    uint64_t rep = 0;
#pragma omp parallel num_threads(T) reduction(+ : rep)
    {
        size_t cap = 1;
        uint64_t *set = NULL;
#pragma omp for schedule(dynamic, 8)
        for (int p = 0; p < RPARTS; p++) {
            size_t m = start[p + 1] - start[p], want = 16;
            while (want < 2 * m)
                want *= 2;
            if (want > cap) {
                free(set);
                cap = want;
                set = malloc(cap * sizeof *set);
            }
            memset(set, 0, want * sizeof *set);
            for (size_t i = start[p]; i < start[p + 1]; i++) {
                size_t j = (keys[i] * 0x9E3779B97F4A7C15ULL >> 20) & (want - 1);
                while (set[j] && set[j] != keys[i])
                    j = (j + 1) & (want - 1);
                rep += set[j] == keys[i];
                set[j] = keys[i];
            }
        }
        free(set);
    }
    return rep;
}

/* ---- audit -------------------------------------------------------------- */

#define BUCKETS 256

static inline uint32_t bucket_of(uint64_t key)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (uint32_t)(key % BUCKETS);
}

/* the audit's key of row i in pass 0 (patient caps) or 1 (staff days) */
static inline bool key_of(const DgScheme *s, const DgDataset *d, const uint8_t *capped, int pass, size_t i,
                          DgAuditKey *k, uint32_t *b)
{
    const DgRow *r = &d->rows[i];
    uint32_t day = (uint32_t)(r->date - s->period_from);
    if (pass == 0) {
        uint32_t code = s->catalog[r->crow].code_id;
        if (r->patient == DG_NO_PATIENT || !capped[code])
            return false;
        uint32_t unit = dg_row_unit(d, r);
        k->hi = (uint64_t)unit << 44 | (uint64_t)code << 32 | r->patient;
        k->lo = (uint64_t)day << 48 | (uint64_t)i << 16 | r->qty;
        *b = bucket_of((uint64_t)unit << 32 | r->patient);
        return true;
    }
    k->hi = (uint64_t)r->staff << 32 | day;
    k->lo = (uint64_t)i << 32 | ((uint32_t)r->qty * s->catalog[r->crow].minutes);
    *b = bucket_of(r->staff);
    return true;
}

/* Over the rows chunk by chunk: count the keys per (chunk, bucket), or (keys
 * given) put each key at its chunk's next place in its bucket. */
static void key_scan(const DgScheme *s, const DgDataset *d, const uint8_t *capped, int pass, size_t (*pos)[BUCKETS],
                     DgAuditKey *keys)
{
    size_t n = d->n_rows;
#pragma omp parallel for num_threads(T) schedule(static)
    for (int c = 0; c < CHUNKS; c++)
        for (size_t i = n * (size_t)c / CHUNKS; i < n * (size_t)(c + 1) / CHUNKS; i++) {
            DgAuditKey k;
            uint32_t b;
            if (!key_of(s, d, capped, pass, i, &k, &b))
                continue;
            if (keys)
                keys[pos[c][b]++] = k;
            else
                pos[c][b]++;
        }
}

static uint64_t audit_pass(const DgScheme *s, const DgDataset *d, const uint8_t *capped, int pass, DgAuditKey *keys,
                           size_t *nkeys)
{
    static size_t pos[CHUNKS][BUCKETS], start[BUCKETS + 1];
    memset(pos, 0, sizeof pos);
    key_scan(s, d, capped, pass, pos, NULL);
    *nkeys = places(&pos[0][0], BUCKETS, start);
    key_scan(s, d, capped, pass, pos, keys);
    uint64_t groups = 0;
#pragma omp parallel for num_threads(T) schedule(dynamic, 1) reduction(+ : groups)
    for (int b = 0; b < BUCKETS; b++) {
        DgAuditKey *k = keys + start[b];
        size_t m = start[b + 1] - start[b];
        if (pass == 0)
            dg_keysort_radix(k, m, 16, 16);
        else
            dg_keysort_radix(k, m, 0, 32);
        /* the walk: one running sum per group */
        uint64_t run = 0;
        for (size_t i = 0; i < m; i++) {
            if (i == 0 || k[i].hi != k[i - 1].hi) {
                groups++;
                run = 0;
            }
            run += k[i].lo & 0xFFFF;
            groups += run > 1000000;
        }
    }
    return groups;
}

/* the aggregate: quantities by unit and catalog row, per thread, summed */
static uint64_t sum_rows(const DgScheme *s, const DgDataset *d)
{
    size_t cells = s->n_units * s->n_catalog + 1;
    uint64_t *acc = calloc((size_t)T * cells, 8);
#pragma omp parallel num_threads(T)
    {
        uint64_t *a = acc + (size_t)omp_get_thread_num() * cells;
#pragma omp for schedule(static)
        for (size_t i = 0; i < d->n_rows; i++)
            a[(size_t)dg_row_unit(d, &d->rows[i]) * s->n_catalog + d->rows[i].crow] += d->rows[i].qty;
    }
    for (int q = 1; q < T; q++)
        for (size_t k = 0; k < cells; k++)
            acc[k] += acc[(size_t)q * cells + k];
    uint64_t r = acc[cells / 2];
    free(acc);
    return r;
}

/* ---- write -------------------------------------------------------------- */

static int write_files(const char *dir, uint64_t bytes, const char *src, size_t src_len)
{
    int bad = 0;
#pragma omp parallel for num_threads(T) reduction(| : bad) schedule(static, 1)
    for (int t = 0; t < T; t++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/bound-write-%d.tmp", dir, t);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) {
            bad = 1;
            continue;
        }
        uint64_t left = bytes * (uint64_t)(t + 1) / (uint64_t)T - bytes * (uint64_t)t / (uint64_t)T;
        while (left) {
            size_t k = left < (1u << 20) ? (size_t)left : (1u << 20);
            if (k > src_len)
                k = src_len;
            ssize_t w = write(fd, src, k);
            if (w <= 0) {
                bad = 1;
                break;
            }
            left -= (uint64_t)w;
        }
        bad |= fsync(fd) != 0;
        close(fd);
        unlink(path);
    }
    return bad;
}

/* Deflate len bytes in T pieces on T threads; the compressed size. */
static uint64_t deflate_pieces(const char *src, size_t len)
{
    uint64_t total = 0;
#pragma omp parallel for num_threads(T) reduction(+ : total) schedule(static, 1)
    for (int t = 0; t < T; t++) {
        size_t lo = len * (size_t)t / (size_t)T, hi = len * (size_t)(t + 1) / (size_t)T;
        z_stream z;
        memset(&z, 0, sizeof z);
        if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            continue;
        unsigned char out[1 << 16];
        z.next_in = (unsigned char *)(uintptr_t)(src + lo);
        z.avail_in = (uInt)(hi - lo);
        int rc;
        do {
            z.next_out = out;
            z.avail_out = sizeof out;
            rc = deflate(&z, Z_FINISH);
            total += sizeof out - z.avail_out;
        } while (rc == Z_OK);
        deflateEnd(&z);
    }
    return total;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc(sz > 0 ? (size_t)sz : 1);
    *len = fread(b, 1, sz > 0 ? (size_t)sz : 0, f);
    fclose(f);
    return b;
}

/* ---- main --------------------------------------------------------------- */

#define BEST(var, expr)                                                                                                \
    do {                                                                                                               \
        var = 1e30;                                                                                                    \
        for (int rep_ = 0; rep_ < REPS; rep_++) {                                                                      \
            double t0_ = now_s();                                                                                      \
            expr;                                                                                                      \
            double t_ = now_s() - t0_;                                                                                 \
            var = t_ < var ? t_ : var;                                                                                 \
        }                                                                                                              \
    } while (0)

int main(int argc, char **argv)
{
    const char *scheme_path = NULL, *log = NULL, *tmp = "/tmp", *deflate_path = NULL;
    uint64_t out_bytes = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--scheme") && i + 1 < argc)
            scheme_path = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            T = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            REPS = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--out-bytes") && i + 1 < argc)
            out_bytes = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--tmp") && i + 1 < argc)
            tmp = argv[++i];
        else if (!strcmp(argv[i], "--deflate") && i + 1 < argc)
            deflate_path = argv[++i];
        else if (argv[i][0] != '-' && !log)
            log = argv[i];
        else {
            fprintf(stderr, "usage: bound_bench --scheme S [--threads T] [--reps R] [--out-bytes B] [--tmp DIR] [--deflate FILE] LOG\n");
            return 2;
        }
    }
    if (!scheme_path || !log) {
        fprintf(stderr, "usage: bound_bench --scheme S [--threads T] [--reps R] [--out-bytes B] [--tmp DIR] [--deflate FILE] LOG\n");
        return 2;
    }
    T = T < 1 ? 1 : T;
    REPS = REPS < 1 ? 1 : REPS;
    DgError err = {0};
    DgScheme *s = NULL;
    if (dg_scheme_load(scheme_path, &s, &err) != DG_OK) {
        fprintf(stderr, "bound_bench: %s\n", err.text);
        return 1;
    }
    struct stat sb;
    int fd = open(log, O_RDONLY);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        perror(log);
        return 1;
    }
    size_t len = (size_t)sb.st_size;
    char *buf = malloc(len + 64);
    for (size_t at = 0; at < len;) {
        ssize_t k = read(fd, buf + at, len - at);
        if (k <= 0) {
            perror(log);
            return 1;
        }
        at += (size_t)k;
    }
    close(fd);
    memset(buf + len, 0, 64);
    double t;

    /* memory bandwidth and the page cache */
    BEST(t, sink += sum_words(buf, len, 1));
    report("mem-read-1", t, "%.2f GB/s", (double)len / t / 1e9);
    BEST(t, sink += sum_words(buf, len, T));
    report("mem-read-T", t, "%.2f GB/s, %d threads", (double)len / t / 1e9, T);
    BEST(t, sink += read_file(log, len, 1));
    report("file-read-1", t, "%.2f GB/s", (double)len / t / 1e9);
    BEST(t, sink += read_file(log, len, T));
    report("file-read-T", t, "%.2f GB/s, %d threads", (double)len / t / 1e9, T);
    DgSha256 sha;
    char hex[65];
    BEST(t, (dg_sha256_init(&sha), dg_sha256_update(&sha, buf, len), dg_sha256_final_hex(&sha, hex)));
    double t_sha = t;
    report("sha256", t, "%.2f GB/s, 1 thread%s", (double)len / t / 1e9, dg_sha256_accelerated() ? ", SHA-NI" : "");

    /* parse: the header, then the bound */
    DgCsvRecord r;
    dg_csv_record_init(&r);
    size_t body = 0;
    if (!dg_csv_scan(buf, len, &body, &r)) {
        fprintf(stderr, "bound_bench: empty log\n");
        return 1;
    }
    Cols c = {col_of(&r, "record_id"), col_of(&r, "unit_id"),      col_of(&r, "staff_id"),
              col_of(&r, "patient_id"), col_of(&r, "item_code"), col_of(&r, "service_date"),
              col_of(&r, "quantity"),  (int)r.n_fields};
    dg_csv_record_clear(&r);
    if (c.rec < 0 || c.unit < 0 || c.staff < 0 || c.pat < 0 || c.code < 0 || c.date < 0 || c.qty < 0) {
        fprintf(stderr, "bound_bench: the log lacks a standard column\n");
        return 1;
    }
    DgFieldTabs tabs;
    dg_fieldtabs_init(&tabs, s);
    double t_scan = bound_parse(buf, len, body, &c, &tabs);
    report("parse", t_scan + t_sha / T, "scan+fields %.0f ms on %d threads (%s, %.2f GB/s) + SHA-256/%d", t_scan * 1e3,
           T, dg_csvsimd_name(DG_SCAN_AUTO), (double)(len - body) / t_scan / 1e9, T);

    /* ids: keep the hashes and places (not timed) */
    size_t cap = 0;
    for (const char *p = buf + body; (p = memchr(p, '\n', (size_t)(buf + len - p))) != NULL; p++)
        cap++;
    cap += 1;
    Parsed pr = {0};
    pr.staff.hash = malloc(cap * 8), pr.staff.at = malloc(cap * 8);
    pr.pat.hash = malloc(cap * 8), pr.pat.at = malloc(cap * 8);
    pr.rec = malloc(cap * 8);
    parse_range(buf, body, len, &c, &tabs, &pr, &pr.n);
    dg_fieldtabs_free(&tabs);
    size_t n = pr.n;
    Ent *ents = malloc((n ? n : 1) * sizeof *ents);
    uint32_t *num = malloc((n ? n : 1) * sizeof *num);
    uint32_t *out_s = malloc((n ? n : 1) * 4), *out_p = malloc((n ? n : 1) * 4);
    uint64_t *keys = (uint64_t *)ents; /* n 8-byte keys fit in the 32-byte entries */
    uint64_t ds = 0, dp = 0, rep = 0;
    double ts, tp, tr;
    BEST(ts, ds = intern_col(buf, &pr.staff, n, ents, num, out_s));
    BEST(tp, dp = intern_col(buf, &pr.pat, n, ents, num, out_p));
    BEST(tr, rep = recid_dups(pr.rec, n, keys));
    report("ids", ts + tp + tr,
           "%zu rows: staff %llu distinct %.0f ms, patients %llu distinct %.0f ms, record ids (%llu repeated keys) %.0f ms",
           n, (unsigned long long)ds, ts * 1e3, (unsigned long long)dp, tp * 1e3, (unsigned long long)rep, tr * 1e3);
    sink += out_s[n / 2] + out_p[n / 3];
    free(ents);
    free(num);
    free(out_s);
    free(out_p);
    free(pr.staff.hash), free(pr.staff.at), free(pr.pat.hash), free(pr.pat.at), free(pr.rec);

    /* merge: a fresh copy of rows (24 B) and packed record ids (12 B) */
    size_t mb = n * (sizeof(DgRow) + 12);
    char *msrc = malloc(mb ? mb : 1);
    memset(msrc, 1, mb);
    double tm = 1e30;
    for (int k = 0; k < REPS; k++) {
        double t0 = now_s();
        char *dst = malloc(mb ? mb : 1);
#pragma omp parallel for num_threads(T) schedule(static)
        for (int q = 0; q < 64; q++)
            memcpy(dst + mb * (size_t)q / 64, msrc + mb * (size_t)q / 64, mb * (size_t)(q + 1) / 64 - mb * (size_t)q / 64);
        sink += (unsigned char)dst[mb / 2];
        free(dst);
        double e = now_s() - t0;
        tm = e < tm ? e : tm;
    }
    free(msrc);
    report("merge", tm, "%.0f MB into fresh memory, %d threads", (double)mb / 1e6, T);

    /* write: the run's output bytes, fsync'd; the workbook's deflate */
    if (out_bytes) {
        double tz = 0;
        size_t zlen = 0;
        uint64_t zout = 0;
        char *z = deflate_path ? slurp(deflate_path, &zlen) : NULL;
        if (deflate_path && !z) {
            perror(deflate_path);
            return 1;
        }
        if (z)
            BEST(tz, zout = deflate_pieces(z, zlen));
        free(z);
        int bad = 0;
        BEST(t, bad |= write_files(tmp, out_bytes, buf, len));
        if (bad) {
            fprintf(stderr, "bound_bench: cannot write into %s\n", tmp);
            return 1;
        }
        char zs[128] = "";
        if (deflate_path)
            snprintf(zs, sizeof zs, "; workbook deflate %.1f -> %.1f MB on %d threads %.0f ms", (double)zlen / 1e6,
                     (double)zout / 1e6, T, tz * 1e3);
        report("write", t + tz, "%.1f MB in %d files with fsync into %s %.0f ms%s", (double)out_bytes / 1e6, T, tmp,
               t * 1e3, zs);
    }
    free(buf);

    /* audit: the rows of the same log (validated here, not timed) */
    DgValidateOptions vo = {.threads = T};
    DgDataset *d = NULL;
    if (dg_validate_files(s, (const char *const *)&log, 1, &vo, &d, &err) != DG_OK) {
        fprintf(stderr, "bound_bench: %s\n", err.text);
        return 1;
    }
    uint8_t *capped = calloc(s->n_codes + 1, 1);
    for (size_t k = 0; k < s->n_catalog; k++)
        if (s->catalog[k].max_per_patient_day != DG_NONE || s->catalog[k].max_per_patient_period != DG_NONE)
            capped[s->catalog[k].code_id] = 1;
    DgAuditKey *akeys = malloc((d->n_rows ? d->n_rows : 1) * sizeof *akeys);
    size_t k0 = 0, k1 = 0;
    uint64_t g = 0;
    double ta0, ta1, tsum;
    BEST(ta0, g += audit_pass(s, d, capped, 0, akeys, &k0));
    ta1 = 0;
    if (s->staff_day_minutes != DG_NONE)
        BEST(ta1, g += audit_pass(s, d, capped, 1, akeys, &k1));
    BEST(tsum, sink += sum_rows(s, d));
    report("audit", ta0 + ta1 + tsum,
           "%zu rows: patient keys %zu %.0f ms, staff-day keys %zu %.0f ms (build, radix sort, walk), sums %.0f ms", d->n_rows,
           k0, ta0 * 1e3, k1, ta1 * 1e3, tsum * 1e3);
    sink += g;
    free(akeys);
    free(capped);
    dg_dataset_free(d);
    dg_scheme_free(s);
    return 0;
}
