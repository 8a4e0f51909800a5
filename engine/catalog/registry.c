/*
 * dg_registry_load: the person registry CSV (see registry.h).
 *
 * Design: the file is read whole.  The UTF-8 check and the header are done
 * first (the header alone, serially: columns are found by name).  The data
 * rows are then cut into fixed-size byte chunks (the same rule as the log
 * reader: every '"' toggles "inside quotes", only a '\n' outside quotes ends
 * a record; a chunk owns the records that start in it), counted, and parsed
 * chunk by chunk in parallel with the shared RFC 4180 scanner.  The number
 * of chunks depends on the file and the chunk size only, never on the
 * thread count.  Each chunk stops at its first faulty row; the first fault
 * in file order wins, exactly as a serial reader that stops at the first
 * fault: rows are checked in the order malformed, field count, empty
 * person_id, duplicated person_id, unit, flags, so a duplicate is found
 * among the rows before the first fault (and the faulty row itself when its
 * fault comes after the duplicate test).
 *
 * Duplicates and the lookup index: the person ids' 64-bit hashes spread
 * them over 256 buckets by their top byte; each bucket gets its own
 * linear-probing table (1.5 times its size; 8-byte slots holding 32 bits of
 * the hash beside the person, so a probe compares bytes only when the hash
 * agrees) built in file order,
 * so the first repeat found in a bucket is its earliest, and the earliest
 * over all buckets is the file's.  The same tables, renumbered to the
 * sorted persons, are the lookup index.  The persons are then sorted by
 * (unit, person_id): a stable counting sort by unit, then per unit (in
 * parallel) an LSD radix sort on the first 16 bytes of the id (zero-padded,
 * which is byte order for ids without NUL bytes) and a comparison sort only
 * among ids sharing those 16 bytes.  Everything derived from the registry
 * is thus independent of its row order and of the thread count.
 *
 * Memory per person: the id bytes with a NUL (kept in the chunks' arenas),
 * a pointer to them, the unit, the flags and 12 bytes of index — about 40
 * bytes for a 10-character id.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "catalog/scheme_json.h"
#include "catalog/scheme_priv.h"
#include "common/csvscan.h"
#include "common/intern.h"
#include "dangliang/registry.h"

#define REG_CHUNK_DEFAULT ((size_t)1 << 20)
#define REG_BUCKETS 256
#define REG_EMPTY UINT64_MAX

struct DgRegistryIndex {
    char **arena;          /* [n_arena] the chunks' id bytes; person_id[] points into them */
    size_t n_arena;
    uint64_t *slot;        /* all buckets' tables; REG_EMPTY or (hash's low 32 bits << 32 | person index) */
    size_t bbase[REG_BUCKETS + 1]; /* bucket b's table: slot[bbase[b] .. bbase[b+1]) */
};

static DgStatus rerr(DgError *err, const char *path, uint64_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static DgStatus rerr(DgError *err, const char *path, uint64_t line, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dg_error_setv(err, DG_E_CONFIG, path, line, (uint32_t)col, fmt, ap);
    va_end(ap);
    return DG_E_CONFIG;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t line_of(const char *buf, size_t off)
{
    uint64_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += buf[i] == '\n';
    return line;
}

/* Position of hash h in a table of cap slots (cap >= 1). */
static inline size_t home(uint64_t h, size_t cap)
{
    return (size_t)(((uint64_t)(uint32_t)h * (uint64_t)cap) >> 32);
}

static inline unsigned bucket_of(uint64_t h)
{
    return (unsigned)(h >> 56);
}

/* ---- UTF-8, in parallel ------------------------------------------------------ */

/* Offset of the first byte that is not valid UTF-8 (or NUL), or SIZE_MAX.
 * Each piece starts at its first byte that is not a continuation byte and
 * runs to the first such byte at or after its end, so every piece starts
 * where a serial check would be at a character boundary (when all before
 * it is valid), and the smallest offset found is the serial answer. */
static size_t utf8_first_bad(const char *buf, size_t len, size_t piece)
{
    size_t np = (len + piece - 1) / piece, best = SIZE_MAX;
#pragma omp parallel for schedule(dynamic, 1) reduction(min : best)
    for (size_t c = 0; c < np; c++) {
        size_t b = c * piece, e = b + piece < len ? b + piece : len;
        while (e < len && ((unsigned char)buf[e] & 0xC0) == 0x80)
            e++;
        while (c && b < e && ((unsigned char)buf[b] & 0xC0) == 0x80)
            b++;
        size_t bad;
        if (b < e && !dg_catalog_utf8_check(buf + b, e - b, &bad) && b + bad < best)
            best = b + bad;
    }
    return best;
}

/* ---- header ------------------------------------------------------------------ */

typedef struct Header {
    int c_person, c_unit;
    int *c_flag;      /* [n_reg_flags] */
    size_t n_fields;
    size_t data;      /* offset of the first byte after the header record */
    uint64_t data_line; /* line number there */
} Header;

static DgStatus parse_header(const char *path, const char *buf, size_t len, const DgScheme *s, Header *h,
                             DgError *err)
{
    DgCsvRecord rec;
    dg_csv_record_init(&rec);
    size_t pos = dg_bom_len(buf, len);
    uint64_t next_line = 1, line = 0;
    DgStatus st = DG_OK;
    bool got = false;
    while ((got = dg_csv_scan(buf, len, &pos, &rec))) {
        line = next_line;
        next_line += rec.n_newlines;
        if (!rec.blank)
            break;
    }
    if (!got) {
        dg_csv_record_clear(&rec);
        return rerr(err, path, 1, 0, "the registry is empty; its first line must be the header person_id,unit_id "
                                     "followed by the flag columns");
    }
    if (rec.malformed) {
        st = rerr(err, path, line, 0, "%s; wrap a field holding commas, quotes or line breaks in \"...\"", rec.why);
        dg_csv_record_clear(&rec);
        return st;
    }
    size_t nf = s->n_reg_flags;
    h->c_person = h->c_unit = -1;
    h->c_flag = dg_xmalloc((nf ? nf : 1) * sizeof *h->c_flag);
    for (size_t f = 0; f < nf; f++)
        h->c_flag[f] = -1;
    h->n_fields = rec.n_fields;
    h->data = pos;
    h->data_line = next_line;
    DgIntern *seen = dg_intern_new();
    for (size_t i = 0; i < rec.n_fields && !st; i++) {
        const DgCsvField *hf = &rec.fields[i];
        if (hf->len == 0)
            continue;
        bool added;
        dg_intern_add(seen, hf->ptr, hf->len, &added);
        char q[80];
        dg_catalog_quote(hf->ptr, hf->len, q, sizeof q);
        if (!added) {
            st = rerr(err, path, line, i + 1, "column \"%s\" appears twice in the registry header; keep one of them", q);
            break;
        }
        if (hf->len == 9 && !memcmp(hf->ptr, "person_id", 9))
            h->c_person = (int)i;
        else if (hf->len == 7 && !memcmp(hf->ptr, "unit_id", 7))
            h->c_unit = (int)i;
        for (size_t f = 0; f < nf; f++)
            if (strlen(s->reg_flags[f]) == hf->len && !memcmp(s->reg_flags[f], hf->ptr, hf->len))
                h->c_flag[f] = (int)i;
    }
    dg_intern_free(seen);
    if (!st && h->c_person < 0)
        st = rerr(err, path, line, 0, "required column \"person_id\" is missing from the registry header (required: "
                                      "person_id, unit_id, then the flags the scheme names; names are case-sensitive)");
    if (!st && h->c_unit < 0)
        st = rerr(err, path, line, 0, "required column \"unit_id\" is missing from the registry header (required: "
                                      "person_id, unit_id, then the flags the scheme names; names are case-sensitive)");
    for (size_t f = 0; f < nf && !st; f++)
        if (h->c_flag[f] < 0)
            st = rerr(err, path, line, h->n_fields + 1,
                      "flag column \"%s\" is named by a computed quality indicator of the scheme but is missing from "
                      "the registry header; add the column (values 1, 0 or empty) or fix the flag name in the scheme",
                      s->reg_flags[f]);
    dg_csv_record_clear(&rec);
    return st;
}

/* ---- data rows, chunk by chunk ----------------------------------------------- */

typedef struct Chunk {
    size_t begin, end;        /* bytes [begin, end) of the file */
    uint64_t quotes, newlines; /* in [begin, end) */
    char *arena;              /* the ids, each with a NUL */
    size_t arena_len, arena_cap;
    size_t *off;              /* [n] id offsets in arena (turned into pointers later) */
    uint64_t *hash, *line;
    uint32_t *unit, *flags;
    size_t n, cap;
    bool fault, fault_late;   /* late: found after the duplicate test; the faulty row is row n-1 */
    DgError ferr;
} Chunk;

static void chunk_push(Chunk *c, const char *id, size_t len, uint64_t line, uint32_t unit, uint32_t flags)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 4096;
        c->off = dg_xrealloc(c->off, c->cap * sizeof *c->off);
        c->hash = dg_xrealloc(c->hash, c->cap * sizeof *c->hash);
        c->line = dg_xrealloc(c->line, c->cap * sizeof *c->line);
        c->unit = dg_xrealloc(c->unit, c->cap * sizeof *c->unit);
        c->flags = dg_xrealloc(c->flags, c->cap * sizeof *c->flags);
    }
    if (c->arena_len + len + 1 > c->arena_cap) {
        c->arena_cap = (c->arena_len + len + 1) * 2;
        c->arena = dg_xrealloc(c->arena, c->arena_cap);
    }
    memcpy(c->arena + c->arena_len, id, len);
    c->arena[c->arena_len + len] = 0;
    c->off[c->n] = c->arena_len;
    c->arena_len += len + 1;
    c->hash[c->n] = dg_hash_bytes(id, len);
    c->line[c->n] = line;
    c->unit[c->n] = unit;
    c->flags[c->n] = flags;
    c->n++;
}

static void chunk_free(Chunk *c)
{
    free(c->arena);
    free(c->off);
    free(c->hash);
    free(c->line);
    free(c->unit);
    free(c->flags);
}

/* Quotes and newlines of the chunk's bytes. */
static void chunk_count(const char *buf, Chunk *c)
{
    uint64_t q = 0, nl = 0;
    for (size_t i = c->begin; i < c->end; i++) {
        q += buf[i] == '"';
        nl += buf[i] == '\n';
    }
    c->quotes = q;
    c->newlines = nl;
}

/* Parse the records that start in the chunk.  `quoted`: the quote parity
 * at c->begin; `line`: the line number there. */
static void chunk_parse(const char *path, const char *buf, size_t len, const DgScheme *s, const Header *h,
                        bool quoted, uint64_t line, bool first, Chunk *c)
{
    /* the first record starting at or after c->begin */
    size_t x = c->begin;
    if (!first && !(buf[x - 1] == '\n' && !quoted)) {
        bool in = quoted;
        for (; x < c->end; x++) {
            if (buf[x] == '"')
                in = !in;
            else if (buf[x] == '\n' && !in) {
                line++;
                x++;
                break;
            } else if (buf[x] == '\n')
                line++;
        }
    }
    if (x >= c->end)
        return;
    c->arena_cap = (c->end - c->begin) / 2 + 64;
    c->arena = dg_xmalloc(c->arena_cap);
    size_t nf = s->n_reg_flags;
    DgCsvRecord rec;
    dg_csv_record_init(&rec);
    size_t pos = x;
    uint64_t next_line = line;
    char q[80];
    while (pos < c->end) {
        uint64_t at = next_line;
        if (!dg_csv_scan(buf, len, &pos, &rec))
            break;
        next_line += rec.n_newlines;
        if (rec.blank)
            continue;
        if (rec.malformed) {
            rerr(&c->ferr, path, at, 0, "%s; wrap a field holding commas, quotes or line breaks in \"...\"", rec.why);
            c->fault = true;
            break;
        }
        if (rec.n_fields != h->n_fields) {
            rerr(&c->ferr, path, at, (rec.n_fields < h->n_fields ? rec.n_fields : h->n_fields) + 1,
                 "the row has %zu fields where the header has %zu; check for a missing or extra comma (wrap "
                 "text holding commas in quotes)",
                 rec.n_fields, h->n_fields);
            c->fault = true;
            break;
        }
        const DgCsvField *fp = &rec.fields[h->c_person], *fu = &rec.fields[h->c_unit];
        if (fp->len == 0) {
            rerr(&c->ferr, path, at, (size_t)h->c_person + 1,
                 "person_id is empty; every registry row needs the person's id as used in the logs' patient_id");
            c->fault = true;
            break;
        }
        /* from here on a fault comes after the duplicate test of this row */
        int64_t u = dg_scheme_unit_find(s, fu->ptr, fu->len);
        uint32_t flags = 0;
        if (u < 0) {
            dg_catalog_quote(fu->ptr, fu->len, q, sizeof q);
            rerr(&c->ferr, path, at, (size_t)h->c_unit + 1,
                 "unit_id \"%s\" is not in the units file %s; fix the id or add the unit", q, s->units_path);
            c->fault = true;
        }
        for (size_t f = 0; f < nf && !c->fault; f++) {
            const DgCsvField *v = &rec.fields[h->c_flag[f]];
            if (v->len == 0 || (v->len == 1 && v->ptr[0] == '0'))
                continue;
            if (v->len == 1 && v->ptr[0] == '1') {
                flags |= 1u << f;
                continue;
            }
            dg_catalog_quote(v->ptr, v->len, q, sizeof q);
            rerr(&c->ferr, path, at, (size_t)h->c_flag[f] + 1,
                 "flag %s is \"%s\"; a registry flag must be 1, 0 or empty (empty = 0)", s->reg_flags[f], q);
            c->fault = true;
        }
        chunk_push(c, fp->ptr, fp->len, at, u < 0 ? 0 : (uint32_t)u, flags);
        if (c->fault) {
            c->fault_late = true;
            break;
        }
    }
    dg_csv_record_clear(&rec);
    if (c->arena_len < c->arena_cap)
        c->arena = dg_xrealloc(c->arena, c->arena_len ? c->arena_len : 1);
}

/* ---- sorting one unit's persons by id ------------------------------------------ */

typedef struct SortEnt {
    uint64_t k1, k2; /* bytes 0-7 and 8-15 of the id, big-endian, zero-padded */
    uint32_t fid;
} SortEnt;

static uint64_t be_load(const char *p, size_t avail)
{
    unsigned char b[8] = {0};
    memcpy(b, p, avail < 8 ? avail : 8);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

static void load_keys(SortEnt *e, size_t n, const char *const *ids, size_t at)
{
    for (size_t i = 0; i < n; i++) {
        const char *id = ids[e[i].fid];
        size_t l = strlen(id);
        e[i].k1 = l > at ? be_load(id + at, l - at) : 0;
        e[i].k2 = l > at + 8 ? be_load(id + at + 8, l - at - 8) : 0;
    }
}

/* Sort e[0..n) by id from byte `at` on (the bytes before are equal);
 * tmp: scratch of n entries.  Ids are distinct, so ties on 16 bytes are
 * ids longer than at + 16, sorted by their next 16 bytes in turn. */
static void sort_ids(SortEnt *e, SortEnt *tmp, size_t n, const char *const *ids, size_t at)
{
    if (n < 2)
        return;
    load_keys(e, n, ids, at);
    /* all 16 byte histograms in one pass; a byte that is the same in every
     * id needs no pass */
    size_t(*cnt)[256] = dg_xcalloc(16, sizeof *cnt);
    for (size_t i = 0; i < n; i++)
        for (int pass = 0; pass < 16; pass++)
            cnt[pass][((pass >= 8 ? e[i].k1 : e[i].k2) >> ((pass & 7) * 8)) & 0xFF]++;
    SortEnt *src = e, *dst = tmp;
    for (int pass = 0; pass < 16; pass++) {
        int sh = (pass & 7) * 8;
        bool hi = pass >= 8;
        size_t *c = cnt[pass], sum = 0;
        bool trivial = false;
        for (int b = 0; b < 256 && !trivial; b++)
            trivial = c[b] == n;
        if (trivial)
            continue;
        for (int b = 0; b < 256; b++) {
            size_t t = c[b];
            c[b] = sum;
            sum += t;
        }
        for (size_t i = 0; i < n; i++)
            dst[c[((hi ? src[i].k1 : src[i].k2) >> sh) & 0xFF]++] = src[i];
        SortEnt *t = src;
        src = dst;
        dst = t;
    }
    free(cnt);
    if (src != e)
        memcpy(e, src, n * sizeof *e);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && e[j].k1 == e[i].k1 && e[j].k2 == e[i].k2)
            j++;
        if (j - i > 1)
            sort_ids(e + i, tmp, j - i, ids, at + 16);
        i = j;
    }
}

/* ---- the load ------------------------------------------------------------------ */

DgStatus dg_registry_load_chunked(const char *path, const DgScheme *s, size_t chunk_bytes, DgRegistry **out,
                                  DgError *err)
{
    *out = NULL;
    if (s->n_reg_flags > 32)
        return rerr(err, s->path, 0, 0, "the scheme names %zu registry flags; at most 32 are supported",
                    s->n_reg_flags);
    size_t CH = chunk_bytes ? chunk_bytes : REG_CHUNK_DEFAULT;
    uint64_t t0 = now_us();
    char *buf = NULL;
    size_t len = 0;
    DgStatus st = dg_catalog_read_file(path, &buf, &len, err);
    if (st)
        return st;
    size_t bad = utf8_first_bad(buf, len, CH);
    if (bad != SIZE_MAX) {
        st = rerr(err, path, line_of(buf, bad), 0,
                  buf[bad] == 0 ? "the file contains a NUL byte; the registry must be UTF-8 text"
                                : "the file is not valid UTF-8 here; save the registry as UTF-8");
        free(buf);
        return st;
    }
    Header h = {0};
    if ((st = parse_header(path, buf, len, s, &h, err))) {
        free(h.c_flag);
        free(buf);
        return st;
    }

    /* chunks of the data rows: counts, then the parse */
    size_t ds = h.data, nc = len > ds ? (len - ds + CH - 1) / CH : 0;
    Chunk *ch = dg_xcalloc(nc ? nc : 1, sizeof *ch);
    for (size_t c = 0; c < nc; c++) {
        ch[c].begin = ds + c * CH;
        ch[c].end = ch[c].begin + CH < len ? ch[c].begin + CH : len;
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t c = 0; c < nc; c++)
        chunk_count(buf, &ch[c]);
    uint64_t *qpre = dg_xmalloc((nc + 1) * sizeof *qpre), *lpre = dg_xmalloc((nc + 1) * sizeof *lpre);
    qpre[0] = 0;
    lpre[0] = h.data_line;
    for (size_t c = 0; c < nc; c++) {
        qpre[c + 1] = qpre[c] + ch[c].quotes;
        lpre[c + 1] = lpre[c] + ch[c].newlines;
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t c = 0; c < nc; c++)
        chunk_parse(path, buf, len, s, &h, qpre[c] & 1, lpre[c], c == 0, &ch[c]);
    free(qpre);
    free(lpre);
    free(buf);

    /* rows up to the first fault, in file order */
    size_t fc = nc; /* first chunk with a fault */
    for (size_t c = 0; c < nc && fc == nc; c++)
        if (ch[c].fault)
            fc = c;
    size_t last = fc < nc ? fc + 1 : nc, n = 0;
    size_t *base = dg_xmalloc((last + 1) * sizeof *base);
    for (size_t c = 0; c < last; c++) {
        base[c] = n;
        n += ch[c].n;
    }
    base[last] = n;
    /* n < 2^32: the file is at most 1 GiB (dg_catalog_read_file) and a row
     * takes at least 4 bytes ("p,u" and its newline) */
    const char **gid = dg_xmalloc((n ? n : 1) * sizeof *gid);
    uint64_t *ghash = dg_xmalloc((n ? n : 1) * sizeof *ghash);
    uint32_t (*bcnt)[REG_BUCKETS] = dg_xcalloc(last ? last : 1, sizeof *bcnt);
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t c = 0; c < last; c++) {
        for (size_t i = 0; i < ch[c].n && base[c] + i < n; i++) {
            gid[base[c] + i] = ch[c].arena + ch[c].off[i];
            ghash[base[c] + i] = ch[c].hash[i];
            bcnt[c][bucket_of(ch[c].hash[i])]++;
        }
    }
    /* rows of bucket b, in file order: order[bstart[b] ..) */
    size_t bstart[REG_BUCKETS + 1];
    size_t sum = 0;
    for (unsigned b = 0; b < REG_BUCKETS; b++) {
        bstart[b] = sum;
        for (size_t c = 0; c < last; c++) {
            uint32_t t = bcnt[c][b];
            bcnt[c][b] = (uint32_t)sum;
            sum += t;
        }
    }
    bstart[REG_BUCKETS] = sum;
    uint32_t *order = dg_xmalloc((n ? n : 1) * sizeof *order);
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t c = 0; c < last; c++)
        for (size_t i = 0; i < ch[c].n && base[c] + i < n; i++)
            order[bcnt[c][bucket_of(ch[c].hash[i])]++] = (uint32_t)(base[c] + i);
    free(bcnt);
    /* one table per bucket, filled in file order; the earliest repeat */
    struct DgRegistryIndex *ix = dg_xcalloc(1, sizeof *ix);
    for (unsigned b = 0; b < REG_BUCKETS; b++)
        ix->bbase[b + 1] = ix->bbase[b] + (bstart[b + 1] - bstart[b]) * 3 / 2 + 1;
    ix->slot = dg_xmalloc(ix->bbase[REG_BUCKETS] * sizeof *ix->slot);
    size_t dup_row = SIZE_MAX, dup_first = 0;
#pragma omp parallel for schedule(dynamic, 1)
    for (unsigned b = 0; b < REG_BUCKETS; b++) {
        uint64_t *t = ix->slot + ix->bbase[b];
        size_t cap = ix->bbase[b + 1] - ix->bbase[b];
        for (size_t i = 0; i < cap; i++)
            t[i] = REG_EMPTY;
        for (size_t k = bstart[b]; k < bstart[b + 1]; k++) {
            uint32_t g = order[k];
            size_t j = home(ghash[g], cap);
            uint32_t f;
            while (t[j] != REG_EMPTY &&
                   !(ghash[f = (uint32_t)t[j]] == ghash[g] && strcmp(gid[f], gid[g]) == 0))
                j = j + 1 == cap ? 0 : j + 1;
            if (t[j] == REG_EMPTY) {
                t[j] = (ghash[g] & 0xFFFFFFFFu) << 32 | g;
                continue;
            }
#pragma omp critical(dg_registry_dup)
            if (g < dup_row) {
                dup_row = g;
                dup_first = (uint32_t)t[j];
            }
            break; /* later rows of this bucket come after g */
        }
    }
    free(order);

    /* the first fault in file order */
    size_t fault_row = fc < nc ? base[fc] + ch[fc].n - (ch[fc].fault_late ? 1 : 0) : SIZE_MAX;
    if (dup_row != SIZE_MAX && dup_row <= fault_row) {
        /* at the faulty row itself only when its fault comes after the duplicate test */
        if (dup_row < fault_row || ch[fc].fault_late) {
            size_t c = 0;
            while (base[c + 1] <= dup_row)
                c++;
            size_t c0 = 0;
            while (base[c0 + 1] <= dup_first)
                c0++;
            char q[80];
            const char *id = gid[dup_row];
            dg_catalog_quote(id, strlen(id), q, sizeof q);
            st = rerr(err, path, ch[c].line[dup_row - base[c]], (size_t)h.c_person + 1,
                      "person_id \"%s\" is already registered on line %llu; a person belongs to one unit, so keep "
                      "one row per person",
                      q, (unsigned long long)ch[c0].line[dup_first - base[c0]]);
        }
    }
    if (!st && fc < nc) {
        *err = ch[fc].ferr;
        st = DG_E_CONFIG;
    }
    free(h.c_flag);
    if (st) {
        free(gid);
        free(ghash);
        free(base);
        free(ix->slot);
        free(ix);
        for (size_t c = 0; c < nc; c++)
            chunk_free(&ch[c]);
        free(ch);
        return st;
    }

    /* persons by unit (stable), then by id inside each unit */
    size_t nu = s->n_units;
    DgRegistry *r = dg_xcalloc(1, sizeof *r);
    r->path = path;
    r->n_persons = n;
    r->unit_first = dg_xcalloc(nu + 1, sizeof *r->unit_first);
    for (size_t c = 0; c < nc; c++)
        for (size_t i = 0; i < ch[c].n; i++)
            r->unit_first[ch[c].unit[i] + 1]++;
    for (size_t u = 0; u < nu; u++)
        r->unit_first[u + 1] += r->unit_first[u];
    SortEnt *e = dg_xmalloc((n ? n : 1) * sizeof *e);
    {
        uint32_t *fill = dg_xmalloc((nu + 1) * sizeof *fill);
        memcpy(fill, r->unit_first, (nu + 1) * sizeof *fill);
        for (size_t c = 0; c < nc; c++)
            for (size_t i = 0; i < ch[c].n; i++)
                e[fill[ch[c].unit[i]]++].fid = (uint32_t)(base[c] + i);
        free(fill);
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t u = 0; u < nu; u++) {
        size_t a = r->unit_first[u], m = r->unit_first[u + 1] - a;
        SortEnt *tmp = dg_xmalloc((m ? m : 1) * sizeof *tmp);
        sort_ids(e + a, tmp, m, gid, 0);
        free(tmp);
    }
    r->person_id = dg_xmalloc((n ? n : 1) * sizeof *r->person_id);
    r->unit = dg_xmalloc((n ? n : 1) * sizeof *r->unit);
    r->flags = dg_xmalloc((n ? n : 1) * sizeof *r->flags);
    uint32_t *by_fid = dg_xmalloc((n ? n : 1) * sizeof *by_fid);
    /* file-order unit and flags, then the sorted arrays */
    uint32_t *funit = dg_xmalloc((n ? n : 1) * sizeof *funit), *fflags = dg_xmalloc((n ? n : 1) * sizeof *fflags);
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t c = 0; c < nc; c++) {
        if (ch[c].n) {
            memcpy(funit + base[c], ch[c].unit, ch[c].n * sizeof *funit);
            memcpy(fflags + base[c], ch[c].flags, ch[c].n * sizeof *fflags);
        }
    }
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        uint32_t f = e[i].fid;
        r->person_id[i] = gid[f];
        r->unit[i] = funit[f];
        r->flags[i] = fflags[f];
        by_fid[f] = (uint32_t)i;
    }
    free(funit);
    free(fflags);
    free(e);
    size_t ns = ix->bbase[REG_BUCKETS];
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < ns; i++)
        if (ix->slot[i] != REG_EMPTY)
            ix->slot[i] = (ix->slot[i] & ~(uint64_t)0xFFFFFFFFu) | by_fid[(uint32_t)ix->slot[i]];
    free(by_fid);
    free(gid);
    free(ghash);
    free(base);
    ix->arena = dg_xmalloc((nc ? nc : 1) * sizeof *ix->arena);
    for (size_t c = 0; c < nc; c++) {
        if (ch[c].arena)
            ix->arena[ix->n_arena++] = ch[c].arena;
        ch[c].arena = NULL;
        chunk_free(&ch[c]);
    }
    free(ch);
    r->index = ix;
#ifdef __GLIBC__
    malloc_trim(0); /* the threads' heaps held the chunks' scratch arrays */
#endif
    r->load_us = now_us() - t0;
    *out = r;
    return DG_OK;
}

DgStatus dg_registry_load(const char *path, const DgScheme *s, DgRegistry **out, DgError *err)
{
    return dg_registry_load_chunked(path, s, 0, out, err);
}

void dg_registry_free(DgRegistry *r)
{
    if (!r)
        return;
    if (r->index) {
        for (size_t i = 0; i < r->index->n_arena; i++)
            free(r->index->arena[i]);
        free(r->index->arena);
        free(r->index->slot);
        free(r->index);
    }
    free(r->person_id);
    free(r->unit);
    free(r->flags);
    free(r->unit_first);
    free(r);
}

uint64_t dg_registry_hash(const char *id, size_t len)
{
    return dg_hash_bytes(id, len);
}

static inline const uint64_t *table_of(const DgRegistry *r, uint64_t h, size_t *cap)
{
    const struct DgRegistryIndex *ix = r->index;
    unsigned b = bucket_of(h);
    *cap = ix->bbase[b + 1] - ix->bbase[b];
    return ix->slot + ix->bbase[b];
}

void dg_registry_prefetch(const DgRegistry *r, uint64_t h)
{
    size_t cap;
    const uint64_t *t = table_of(r, h, &cap);
    __builtin_prefetch(t + home(h, cap));
}

/* From slot j on (linear probing, wrapping): the first slot that is empty
 * or holds the tag.  The one probe loop of the two lookups below. */
static inline size_t probe(const uint64_t *t, size_t cap, size_t j, uint32_t tag)
{
    for (;; j = j + 1 == cap ? 0 : j + 1)
        if (t[j] == REG_EMPTY || (uint32_t)(t[j] >> 32) == tag)
            return j;
}

int64_t dg_registry_candidate(const DgRegistry *r, uint64_t h)
{
    size_t cap;
    const uint64_t *t = table_of(r, h, &cap);
    uint64_t e = t[probe(t, cap, home(h, cap), (uint32_t)h)];
    return e == REG_EMPTY ? -1 : (int64_t)(uint32_t)e;
}

int64_t dg_registry_find_h(const DgRegistry *r, const char *id, size_t len, uint64_t h)
{
    size_t cap;
    const uint64_t *t = table_of(r, h, &cap);
    for (size_t j = probe(t, cap, home(h, cap), (uint32_t)h); t[j] != REG_EMPTY;
         j = probe(t, cap, j + 1 == cap ? 0 : j + 1, (uint32_t)h)) {
        uint32_t p = (uint32_t)t[j];
        const char *q = r->person_id[p];
        if (strncmp(q, id, len) == 0 && q[len] == 0)
            return p;
    }
    return -1;
}

int64_t dg_registry_find(const DgRegistry *r, const char *id, size_t len)
{
    return dg_registry_find_h(r, id, len, dg_hash_bytes(id, len));
}
