/*
 * Validation driver: windows -> chunks (parallel parse + row checks) ->
 * id interning by shard (parallel) -> rows written at prefix-sum places
 * (parallel) -> rejects in chunk order (serial) -> record-id duplicates,
 * once all files are read.
 *
 * Why this shape: every reject rule of docs/formats.md except duplicate_record_id looks
 * at one row and the read-only scheme, so it runs in parallel with no
 * shared state.  Each chunk keeps its strings in a private byte arena and
 * its rows in a private array; the chunk's place in the output comes from
 * prefix sums over the chunks, so the result does not depend on the thread
 * count.  Staff and patient ids get numbers from tables sharded by hash
 * (one thread per shard, walking the window in input order, so the
 * numbering depends on the input only; staff numbers are then made dense
 * shard by shard).  Record ids are not interned: every row passing the row checks
 * (a "candidate") is kept with its record id, and the few candidates that
 * repeat an earlier id are found at the end (recids.h) and turned into
 * rejects — which costs ~16 bytes per row instead of a ~40-byte table entry
 * and a cache miss per row.
 */
#include "dangliang/validate.h"

#include <glib.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/csvscan.h"
#include "common/hugemem.h"
#include "common/intern.h"
#include "ingest/chunker.h"
#include "ingest/csvsimd.h"
#include "ingest/jsonl.h"
#include "ingest/source.h"
#include "fieldparse.h"
#include "logheader.h"
#include "recids.h"
#include "slicing.h"

#define DEFAULT_CHUNK (512u << 10)
#define DEFAULT_WINDOW (8u << 20)

static const char *const reason_names[DG_REASON_COUNT] = {
    "malformed",    "missing_field", "bad_quantity",     "bad_date",           "out_of_period",
    "unknown_unit", "unknown_item",  "item_not_in_force", "duplicate_record_id",
};

const char *dg_reason_name(DgReason r)
{
    return (unsigned)r < DG_REASON_COUNT ? reason_names[r] : "unknown";
}

/* Log columns, in the order of docs/formats.md (service log). */
enum { C_RECORD, C_UNIT, C_STAFF, C_PATIENT, C_ITEM, C_DATE, C_QTY, C_N };
static const char *const col_names[C_N] = {"record_id", "unit_id",      "staff_id", "patient_id",
                                           "item_code", "service_date", "quantity"};
static const bool col_required[C_N] = {true, true, true, false, true, true, false};

/* Ids are interned in SHARDS tables per kind, chosen by the top bits of the
 * string's hash, so the merge can intern in parallel (one thread per shard,
 * each walking the window's rows in input order: the order inside a shard,
 * and so every decision, is independent of the thread count).  An id is
 * packed as (local id << SHARD_BITS) | shard. */
#define SHARD_BITS 6
#define SHARDS (1u << SHARD_BITS)
#define LOCAL_MAX (UINT32_MAX >> SHARD_BITS)

static inline uint32_t shard_of(uint64_t h)
{
    return (uint32_t)(h >> (64 - SHARD_BITS));
}

static inline uint32_t pack(uint32_t local, uint32_t shard)
{
    return local << SHARD_BITS | shard;
}

struct DgDatasetIds {
    DgIntern *staff[SHARDS], *pat[SHARDS];
    DgRecIds *rec;               /* record ids of all candidates, in input order */
    uint32_t *dup;               /* candidates that repeat a record id, ascending */
    size_t n_dup;
    uint32_t *staff_packed;      /* [n_staff] dense staff id -> packed id */
    uint32_t staff_base[SHARDS]; /* dense id of each shard's first staff id */
    size_t n_staff, n_patients;
    DgIntern *pat_part;          /* patients numbered per partition (dg_dataset_set_patients) */
    bool too_many;               /* more distinct ids in one shard than LOCAL_MAX */
    bool spill;                  /* rows go to DgValidateOptions.spill, not rows/rec */
};

/* ---- per-chunk output ---------------------------------------------------- */

#define ACCEPTED 0xFF

/* The three kinds of interned ids, handled alike by the shard phase. */
enum { K_REC, K_STAFF, K_PAT, K_N };
#define NO_ID UINT32_MAX /* IdRef.len of a row without patient_id */

typedef struct IdRef {
    uint32_t off, len;   /* its bytes (id_bytes) */
    uint64_t h;          /* hash, computed in the parallel phase */
} IdRef;

/* What the shard phase needs of one staff or patient id, copied out of the
 * Pending rows in shard order so that phase streams through it instead of
 * missing the cache on a scattered Pending per id.  An id of at most
 * INL_MAX bytes is copied whole (b; bytes past its length unspecified),
 * while the chunk's bytes are still in the cache: the shard phase then
 * reads no window line (out of the cache by then, 8 MiB later) per id.
 * Record ids need only their hash there. */
#define INL_MAX 16
typedef struct IdKey {
    uint64_t h;
    uint32_t off, len;
    char b[INL_MAX];
} IdKey;

typedef struct Pending {
    uint64_t line;
    uint32_t crow, qty;
    int32_t date;
    uint8_t reason;                       /* ACCEPTED or a DgReason */
    IdRef id[K_N];
    uint32_t det_off, det_len;            /* reject detail */
} Pending;

typedef struct ChunkOut {
    Pending *p;
    size_t n, cap;
    char *arena;
    size_t alen, acap;
    uint64_t rows_read;
    uint64_t end_line;    /* physical line after the chunk's last record */
    uint64_t bad_text, bad_text_gb; /* rows not valid text; of those, well-formed GB18030 */
    uint64_t cand_base;   /* candidates (rows passing the row checks) before this chunk */
    uint32_t n_cand, n_rej;
    const char *win;      /* the window being parsed, and its length */
    size_t win_len;
    uint64_t rec_bytes;   /* record-id store bytes of the chunk's candidates */
    uint64_t rec_base;    /* store offset of its first candidate */
    /* accepted rows of the chunk grouped by shard, per kind: rows of shard
     * s are idx[k][first[k][s] .. first[k][s+1]) */
    uint32_t first[K_N][SHARDS + 1];
    uint32_t *idx[K_N];   /* each entry's row: its number among the chunk's candidates (staff, patient) */
    IdKey *keys[K_N];     /* its id (staff, patient) */
    uint64_t *rec_h;      /* the record ids' hashes, by shard (K_REC) */
    uint32_t *res[K_N];   /* packed id found by the shard phase (staff, patient) */
    size_t idx_cap;
} ChunkOut;

/* Room for `need` more bytes in the chunk's arena. */
static inline void arena_room(ChunkOut *c, size_t need)
{
    if (c->alen + need > c->acap) {
        size_t ncap = c->acap ? c->acap * 2 : 4096;
        while (ncap < c->alen + need)
            ncap *= 2;
        c->arena = dg_xrealloc(c->arena, ncap);
        c->acap = ncap;
    }
}

static uint32_t arena_put(ChunkOut *c, const char *s, size_t len)
{
    arena_room(c, len + 1);
    uint32_t off = (uint32_t)c->alen;
    memcpy(c->arena + c->alen, s, len);
    c->arena[c->alen + len] = 0;
    c->alen += len + 1;
    return off;
}

/* An id's bytes are named by a 32-bit reference: an offset into the chunk
 * arena, or, with IN_WIN set, into the window itself.  The window stays
 * put until the window's rows are merged, so a field that the scanner left
 * in place (no quotes, no escapes: nearly all of them) is not copied; a
 * field unescaped into the scanner's scratch is copied into the arena. */
#define IN_WIN 0x80000000u

static inline const char *id_bytes(const ChunkOut *c, uint32_t ref)
{
    return ref & IN_WIN ? c->win + (ref & ~IN_WIN) : c->arena + ref;
}

static uint32_t id_ref(ChunkOut *c, const char *p, size_t len)
{
    uintptr_t a = (uintptr_t)p, w = (uintptr_t)c->win;
    if (a >= w && a - w <= c->win_len && len <= c->win_len - (a - w) && a - w < IN_WIN)
        return IN_WIN | (uint32_t)(a - w);
    return arena_put(c, p, len);
}

/* dst[0..len) = src[0..len) for len <= INL_MAX, with loads and stores
 * inside both strings (a fixed 16-byte copy could read past the window);
 * nothing for a longer one. */
static inline void copy_short(char *dst, const char *src, size_t len)
{
    if (len > INL_MAX)
        return;
    if (len >= 8) {
        memcpy(dst, src, 8);
        memcpy(dst + len - 8, src + len - 8, 8);
    } else if (len >= 4) {
        memcpy(dst, src, 4);
        memcpy(dst + len - 4, src + len - 4, 4);
    } else if (len > 0) {
        dst[0] = src[0];
        dst[len / 2] = src[len / 2];
        dst[len - 1] = src[len - 1];
    }
}

/* A staff key, the unit's 4 bytes then the staff id, into the arena: one
 * room check and no library call for the usual short id. */
static uint32_t arena_put_staff(ChunkOut *c, uint32_t unit, const char *s, size_t len)
{
    arena_room(c, len + 5);
    uint32_t off = (uint32_t)c->alen;
    char *d = c->arena + off;
    memcpy(d, &unit, 4);
    if (len <= INL_MAX)
        copy_short(d + 4, s, len);
    else
        memcpy(d + 4, s, len);
    d[4 + len] = 0;
    c->alen += len + 5;
    return off;
}

static Pending *pending_new(ChunkOut *c)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->p = dg_xrealloc(c->p, c->cap * sizeof *c->p);
    }
    Pending *p = &c->p[c->n++];
    memset(p, 0, sizeof *p);
    return p;
}

static void chunk_reset(ChunkOut *c)
{
    c->n = 0;
    c->alen = 0;
    c->rows_read = 0;
    c->bad_text = c->bad_text_gb = 0;
    memset(c->first, 0, sizeof c->first);
    c->n_cand = 0;
    c->rec_bytes = 0;
}

/* Group the chunk's accepted rows by shard (counting sort, input order
 * kept).  The counts per shard were taken as rows were accepted
 * (count_accepted), so this is one pass over the rows. */
static void chunk_shard(ChunkOut *c)
{
    if (c->n > c->idx_cap) {
        c->idx_cap = c->n;
        c->rec_h = dg_xrealloc(c->rec_h, c->idx_cap * sizeof *c->rec_h);
        for (int k = K_STAFF; k < K_N; k++) {
            c->idx[k] = dg_xrealloc(c->idx[k], c->idx_cap * sizeof *c->idx[k]);
            c->keys[k] = dg_xrealloc(c->keys[k], c->idx_cap * sizeof *c->keys[k]);
            c->res[k] = dg_xrealloc(c->res[k], c->idx_cap * sizeof *c->res[k]);
        }
    }
    c->n_rej = (uint32_t)c->n - c->n_cand;
    uint32_t pos[K_N][SHARDS];
    for (int k = 0; k < K_N; k++) {
        for (uint32_t sh = 0; sh < SHARDS; sh++)
            c->first[k][sh + 1] += c->first[k][sh];
        memcpy(pos[k], c->first[k], sizeof pos[k]);
    }
    uint32_t cand = 0;
    for (size_t i = 0; i < c->n; i++) {
        const Pending *p = &c->p[i];
        if (p->reason != ACCEPTED)
            continue;
        /* an accepted row always has a record id and a staff key */
        c->rec_h[pos[K_REC][shard_of(p->id[K_REC].h)]++] = p->id[K_REC].h;
        for (int k = K_STAFF; k < K_N; k++)
            if (p->id[k].len != NO_ID) {
                uint32_t at = pos[k][shard_of(p->id[k].h)]++;
                IdKey *key = &c->keys[k][at];
                c->idx[k][at] = cand;
                key->h = p->id[k].h;
                key->off = p->id[k].off;
                key->len = p->id[k].len;
                copy_short(key->b, id_bytes(c, p->id[k].off), p->id[k].len);
            }
        cand++;
    }
}

static void chunk_free(ChunkOut *c)
{
    for (int k = 0; k < K_N; k++) {
        free(c->idx[k]);
        free(c->keys[k]);
        free(c->res[k]);
    }
    free(c->rec_h);
    free(c->p);
    free(c->arena);
}

/* ---- row checks ------------------------------------------------------------ */

typedef struct Field {
    const char *p;
    size_t len;
    bool present;   /* column exists and value is not null */
    bool bad_type;  /* JSON value of a type other than string/int */
} Field;

static void reject(ChunkOut *c, Pending *p, DgReason r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reject(ChunkOut *c, Pending *p, DgReason r, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    p->reason = (uint8_t)r;
    p->det_off = arena_put(c, buf, (size_t)n);
    p->det_len = (uint32_t)n;
}

/* Quote a value for a detail sentence: at most 40 bytes, control bytes shown as '?'. */
static const char *show(const Field *f, char *buf)
{
    size_t n = f->len > 40 ? 40 : f->len;
    /* do not cut a UTF-8 sequence in half */
    while (n < f->len && n > 0 && ((unsigned char)f->p[n] & 0xC0) == 0x80)
        n--;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)f->p[i];
        buf[i] = ch < 0x20 || ch == 0x7F ? '?' : (char)ch;
    }
    if (n < f->len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = 0;
    return buf;
}

static bool valid_utf8(const char *s, size_t len)
{
    /* ASCII fast path: most logs are ASCII but for names we never read here */
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ULL)
            break;
    }
    for (; i < len; i++)
        if ((unsigned char)s[i] & 0x80)
            return g_utf8_validate_len(s + i, len - i, NULL);
    return true;
}

/* True when s[0..len) is a well-formed GB18030 byte sequence that is not
 * plain ASCII: one byte 00-7F, two bytes 81-FE 40-7E|80-FE, or four bytes
 * 81-FE 30-39 81-FE 30-39.  Byte structure only, no decoding. */
static bool looks_gb18030(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    bool multi = false;
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c == 0x80 || c == 0xFF || i + 1 >= len)
            return false;
        unsigned d = s[i + 1];
        if (d >= 0x30 && d <= 0x39) {
            if (i + 3 >= len || s[i + 2] < 0x81 || s[i + 2] > 0xFE || s[i + 3] < 0x30 || s[i + 3] > 0x39)
                return false;
            i += 4;
        } else if ((d >= 0x40 && d <= 0x7E) || (d >= 0x80 && d <= 0xFE)) {
            i += 2;
        } else {
            return false;
        }
        multi = true;
    }
    return multi;
}

static void note_bad_text(ChunkOut *c, const char *s, size_t len)
{
    c->bad_text++;
    c->bad_text_gb += looks_gb18030(s, len);
}

/* End of the ASCII-only prefix of buf[from, to), rounded down to a word:
 * records inside it need no UTF-8 check.  A tight loop the compiler
 * vectorizes, over bytes the scanner is about to read anyway. */
static size_t ascii_until(const char *buf, size_t from, size_t to)
{
    enum { BLK = 256 };
    size_t i = from;
    while (i + BLK <= to) {
        uint64_t acc = 0;
        for (size_t k = 0; k < BLK; k += 8) {
            uint64_t w;
            memcpy(&w, buf + i + k, 8);
            acc |= w;
        }
        if (acc & 0x8080808080808080ULL)
            return i;
        i += BLK;
    }
    for (; i + 8 <= to; i += 8) {
        uint64_t w;
        memcpy(&w, buf + i, 8);
        if (w & 0x8080808080808080ULL)
            return i;
    }
    for (; i < to; i++)
        if ((unsigned char)buf[i] & 0x80)
            return i;
    return to;
}

typedef struct Ctx {
    const DgScheme *s;
    const DgFieldTabs *tabs; /* unit and code lookups without hashing a string */
    bool jsonl;
    int col[C_N];          /* CSV column index per field, -1 if absent */
    size_t n_cols;         /* CSV header field count */
    const char *file;
    DgDataset *d;          /* header: where unknown columns are listed */
    uint32_t fi;
    size_t max_record;     /* record-size cap, bytes */
} Ctx;

/* The ids that must fit DG_MAX_ID_BYTES. */
static const int id_cols[] = {C_RECORD, C_UNIT, C_STAFF, C_PATIENT, C_ITEM};

/* Check one record's fields; fills p (accepted or rejected). */
static void check_row(const Ctx *x, ChunkOut *c, Pending *p, Field *f)
{
    char b1[64];
    /* CSV fields are never of a bad type and are present exactly when they
     * have bytes, so the three generic checks below pass exactly when every
     * required id has 1..DG_MAX_ID_BYTES bytes, the patient id at most
     * DG_MAX_ID_BYTES and the date some: one test instead of three loops
     * over flags (the slow path still decides what a failing row says) */
    if (!x->jsonl && f[C_RECORD].len - 1 < DG_MAX_ID_BYTES && f[C_UNIT].len - 1 < DG_MAX_ID_BYTES &&
        f[C_STAFF].len - 1 < DG_MAX_ID_BYTES && f[C_ITEM].len - 1 < DG_MAX_ID_BYTES &&
        f[C_PATIENT].len <= DG_MAX_ID_BYTES && f[C_DATE].len > 0)
        goto fields_ok;
    for (size_t i = 0; i < sizeof id_cols / sizeof id_cols[0]; i++) {
        int k = id_cols[i];
        if (f[k].present && !f[k].bad_type && f[k].len > DG_MAX_ID_BYTES) {
            reject(c, p, DG_REASON_MALFORMED, "%s is %zu bytes long; an id may have at most %d bytes", col_names[k],
                   f[k].len, DG_MAX_ID_BYTES);
            return;
        }
    }
    for (int k = 0; k < C_N; k++)
        if (f[k].bad_type && k != C_QTY) {
            reject(c, p, DG_REASON_MALFORMED, "%s is not a string or integer", col_names[k]);
            return;
        }
    for (int k = 0; k < C_N; k++)
        if (col_required[k] && (!f[k].present || f[k].len == 0)) {
            reject(c, p, DG_REASON_MISSING_FIELD, "%s is empty", col_names[k]);
            return;
        }
fields_ok:;
    uint64_t q = 1;
    if (f[C_QTY].bad_type) {
        reject(c, p, DG_REASON_BAD_QUANTITY, "quantity is not a string or integer");
        return;
    }
    if (f[C_QTY].present && f[C_QTY].len > 0 && !dg_field_uint(f[C_QTY].p, f[C_QTY].len, 10000, &q)) {
        reject(c, p, DG_REASON_BAD_QUANTITY, "quantity \"%s\" is not a whole number from 1 to 10000",
               show(&f[C_QTY], b1));
        return;
    }
    if (q == 0) {
        reject(c, p, DG_REASON_BAD_QUANTITY, "quantity \"%s\" is not a whole number from 1 to 10000",
               show(&f[C_QTY], b1));
        return;
    }
    int32_t day;
    if (!dg_field_date(f[C_DATE].p, f[C_DATE].len, &day)) {
        reject(c, p, DG_REASON_BAD_DATE, "service_date \"%s\" is not a valid date (YYYY-MM-DD or YYYY/M/D)",
               show(&f[C_DATE], b1));
        return;
    }
    const DgScheme *s = x->s;
    if (day < s->period_from || day > s->period_to) {
        char d0[11], d1[11], d2[11];
        dg_date_format(day, d0);
        dg_date_format(s->period_from, d1);
        dg_date_format(s->period_to, d2);
        reject(c, p, DG_REASON_OUT_OF_PERIOD, "service_date %s is outside the period %s to %s", d0, d1, d2);
        return;
    }
    int64_t unit = dg_fieldtabs_unit(x->tabs, f[C_UNIT].p, f[C_UNIT].len);
    if (unit < 0) {
        reject(c, p, DG_REASON_UNKNOWN_UNIT, "unit_id \"%s\" is not in the units file", show(&f[C_UNIT], b1));
        return;
    }
    int64_t code = dg_fieldtabs_code(x->tabs, f[C_ITEM].p, f[C_ITEM].len);
    if (code < 0) {
        reject(c, p, DG_REASON_UNKNOWN_ITEM, "item_code \"%s\" is not in the catalog", show(&f[C_ITEM], b1));
        return;
    }
    int64_t crow = dg_scheme_row_at(s, (uint32_t)code, day);
    if (crow < 0) {
        char d0[11];
        dg_date_format(day, d0);
        reject(c, p, DG_REASON_ITEM_NOT_IN_FORCE, "item_code \"%s\" has no catalog row in force on %s",
               show(&f[C_ITEM], b1), d0);
        return;
    }
    p->reason = ACCEPTED;
    p->crow = (uint32_t)crow;
    p->qty = (uint32_t)q;
    p->date = day;
    /* staff are numbered per (unit, staff_id): the same id at two units is
     * two people as far as internal distribution is concerned */
    IdRef *st = &p->id[K_STAFF], *pat = &p->id[K_PAT];
    st->off = arena_put_staff(c, (uint32_t)unit, f[C_STAFF].p, f[C_STAFF].len);
    st->len = 4 + (uint32_t)f[C_STAFF].len;
    st->h = dg_hash_bytes(c->arena + st->off, st->len);
    if (f[C_PATIENT].present && f[C_PATIENT].len > 0) {
        pat->off = id_ref(c, f[C_PATIENT].p, f[C_PATIENT].len);
        pat->len = (uint32_t)f[C_PATIENT].len;
        pat->h = dg_hash_bytes(f[C_PATIENT].p, f[C_PATIENT].len);
    } else {
        pat->len = NO_ID;
    }
    p->id[K_REC].h = dg_hash_bytes(f[C_RECORD].p, f[C_RECORD].len);
    /* counted here, while the row is in the cache, for chunk_shard */
    c->n_cand++;
    c->rec_bytes += dg_recids_entry_size(p->id[K_REC].len);
    for (int k = 0; k < K_N; k++)
        if (p->id[k].len != NO_ID)
            c->first[k][shard_of(p->id[k].h) + 1]++;
}

/* The record id for the rejects file: "" when absent or longer than an id
 * may be (it would only bloat rejects.csv). */
static void keep_record_id(ChunkOut *c, Pending *p, const Field *f)
{
    if (f->present && !f->bad_type && f->len <= DG_MAX_ID_BYTES) {
        p->id[K_REC].off = id_ref(c, f->p, f->len);
        p->id[K_REC].len = (uint32_t)f->len;
    } else {
        p->id[K_REC].off = arena_put(c, "", 0);
        p->id[K_REC].len = 0;
    }
}

/* Length of the record buf[start..end) without its "\n" or "\r\n". */
static size_t record_len(const char *buf, size_t start, size_t end)
{
    if (end > start && buf[end - 1] == '\n')
        end--;
    if (end > start && buf[end - 1] == '\r')
        end--;
    return end - start;
}

static void reject_too_long(ChunkOut *c, Pending *p, size_t len, size_t max)
{
    keep_record_id(c, p, &(Field){0});
    reject(c, p, DG_REASON_MALFORMED, "the record is %zu bytes long, more than the limit of %zu (--max-record)", len,
           max);
}

/* Parse and check the records starting in one chunk. */
static void process_chunk(const Ctx *x, const char *buf, size_t limit, const DgChunk *ch, ChunkOut *c)
{
    DgCsvRecord rec;
    dg_csv_record_init(&rec);
    /* ch->end is a record boundary, so records starting in the chunk end
     * there at the latest: the cursor indexes no byte past it */
    DgCsvCursor cur;
    size_t ascii_end = ch->begin;
    if (!x->jsonl) {
        dg_csv_cursor_init(&cur, buf, ch->begin, ch->end, DG_SCAN_AUTO);
        ascii_end = ascii_until(buf, ch->begin, ch->end);
    }
    DgJsonScratch js = {0};
    static const char *const keys[C_N] = {"record_id", "unit_id",      "staff_id", "patient_id",
                                          "item_code", "service_date", "quantity"};
    uint64_t line = ch->first_line;
    size_t pos = ch->begin;
    c->win = buf;
    c->win_len = limit;
    while (pos < ch->end) {
        size_t start = pos;
        Field f[C_N];
        memset(f, 0, sizeof f);
        Pending *p;
        if (!x->jsonl) {
            if (!dg_csv_cursor_next(&cur, &rec, &pos))
                break;
            uint64_t this_line = line;
            line += rec.n_newlines;
            if (rec.blank)
                continue;
            c->rows_read++;
            p = pending_new(c);
            p->line = this_line;
            size_t rl = record_len(buf, start, pos);
            if (rl > x->max_record) {
                reject_too_long(c, p, rl, x->max_record);
                continue;
            }
            /* the record id is kept for the rejects file even when malformed */
            if (x->col[C_RECORD] >= 0 && (size_t)x->col[C_RECORD] < rec.n_fields) {
                f[C_RECORD].p = rec.fields[x->col[C_RECORD]].ptr;
                f[C_RECORD].len = rec.fields[x->col[C_RECORD]].len;
                f[C_RECORD].present = true;
            }
            if (rec.malformed) {
                keep_record_id(c, p, &f[C_RECORD]);
                reject(c, p, DG_REASON_MALFORMED, "%s", rec.why);
                continue;
            }
            if (rec.n_fields != x->n_cols) {
                keep_record_id(c, p, &f[C_RECORD]);
                reject(c, p, DG_REASON_MALFORMED, "%zu fields where the header has %zu", rec.n_fields,
                       x->n_cols);
                continue;
            }
            if (pos > ascii_end && !valid_utf8(buf + start, pos - start)) {
                note_bad_text(c, buf + start, pos - start);
                keep_record_id(c, p, &f[C_RECORD]);
                reject(c, p, DG_REASON_MALFORMED, "the row is not valid text in the input encoding");
                continue;
            }
            for (int k = 0; k < C_N; k++) {
                if (x->col[k] < 0)
                    continue;
                f[k].p = rec.fields[x->col[k]].ptr;
                f[k].len = rec.fields[x->col[k]].len;
                f[k].present = true;
            }
        } else {
            const char *nl = memchr(buf + pos, '\n', limit - pos);
            size_t lend = nl ? (size_t)(nl - buf) : limit;
            pos = nl ? lend + 1 : limit;
            uint64_t this_line = line;
            line += nl != NULL; /* a last line without "\n" ends no line */
            size_t l = lend;
            if (l > start && buf[l - 1] == '\r')
                l--;
            if (l == start)
                continue;
            c->rows_read++;
            p = pending_new(c);
            p->line = this_line;
            if (l - start > x->max_record) {
                reject_too_long(c, p, l - start, x->max_record);
                continue;
            }
            DgJsonVal v[C_N];
            const char *why = NULL;
            if (!valid_utf8(buf + start, l - start)) {
                note_bad_text(c, buf + start, l - start);
                keep_record_id(c, p, &f[C_RECORD]);
                reject(c, p, DG_REASON_MALFORMED, "the row is not valid text in the input encoding");
                continue;
            }
            if (!dg_jsonl_parse(buf + start, l - start, keys, C_N, v, &js, &why)) {
                keep_record_id(c, p, &f[C_RECORD]);
                reject(c, p, DG_REASON_MALFORMED, "%s", why ? why : "not a JSON object");
                continue;
            }
            for (int k = 0; k < C_N; k++) {
                switch (v[k].type) {
                case DG_JSON_STRING:
                case DG_JSON_INT:
                    f[k].p = v[k].ptr;
                    f[k].len = v[k].len;
                    f[k].present = true;
                    break;
                case DG_JSON_OTHER:
                    f[k].bad_type = true;
                    f[k].present = true;
                    break;
                default:
                    break;
                }
            }
        }
        keep_record_id(c, p, &f[C_RECORD]);
        check_row(x, c, p, f);
    }
    c->end_line = line;
    dg_csv_record_clear(&rec);
    if (!x->jsonl)
        dg_csv_cursor_free(&cur);
    dg_json_scratch_free(&js);
}

/* ---- dataset ------------------------------------------------------------- */

typedef struct Builder {
    DgDataset *d;
    size_t rows_cap, rej_cap;
    uint64_t n_cand;         /* rows that passed the row checks so far */
    uint64_t rec_bytes;      /* record-id store bytes so far */
    bool reserved;           /* tables sized from the first window's density */
    DgFieldTabs tabs;        /* the scheme's unit ids and item codes, for the row checks */
    uint64_t bytes_total;
    uint64_t proj;           /* candidates projected for the run (spilling) */
    DgSlicing *sl;           /* this process's share of each input; NULL: all of it */
    /* first touch ahead of the merge (plan_prefault) */
    uint64_t pf_rows, pf_rec; /* bytes of the rows / record-id store populated so far */
    uint64_t last_cands, last_rec, last_consumed; /* the previous window's */
    /* a spilled window's batch (spill_window), reused window after window:
     * fresh arrays would fault their pages in again every window */
    struct {
        DgRow *rows;
        const char **idv, **pv;
        uint32_t *lens, *plens, *units;
        uint64_t *hs;
        size_t cap;
    } sb;
} Builder;

/* Fill one reject and count it. */
static void reject_set(DgDataset *d, DgReject *j, uint32_t file, uint64_t line, DgReason r, const char *rec,
                       size_t rec_len, const char *detail, size_t det_len)
{
    j->file = file;
    j->line = line;
    j->reason = r;
    j->record_id = dg_xstrndup(rec, rec_len);
    j->detail = dg_xstrndup(detail, det_len);
    d->rows_rejected++;
    d->by_reason[r]++;
}

static void add_reject(Builder *b, uint32_t file, uint64_t line, DgReason r, const char *rec, size_t rec_len,
                       const char *detail, size_t det_len)
{
    DgDataset *d = b->d;
    if (d->n_rejects == b->rej_cap) {
        b->rej_cap = b->rej_cap ? b->rej_cap * 2 : 256;
        d->rejects = dg_xrealloc(d->rejects, b->rej_cap * sizeof *d->rejects);
    }
    reject_set(d, &d->rejects[d->n_rejects++], file, line, r, rec, rec_len, detail, det_len);
}

/* How far ahead intern_window asks for slots, and then for the strings
 * those slots point to: enough misses in flight to cover memory latency,
 * few enough that the lines are still in L1.  The string is asked for
 * PREFETCH_ENTRY ids ahead, when its slot has (mostly) arrived. */
#define PREFETCH_AHEAD 16
#define PREFETCH_ENTRY 8

/* Intern the staff and patient ids of every accepted row of one window, and
 * note the key of its record id, one thread per shard.  The tables of a big
 * run are far larger than the caches, so every lookup is a cache miss;
 * prefetching the slot of the row PREFETCH_AHEAD later lets those misses
 * overlap instead of queueing one after another.  What a lookup reads at
 * random is kept to the slot and the interned string (entry): the id's own
 * bytes come from the copy beside its key (IdInl), read as a stream, so
 * the lines in flight per lookup are the ones only the table can supply.
 * Record ids need no table: whether one repeats is decided once all are
 * in (recids.h). */
static void intern_window(struct DgDatasetIds *ids, ChunkOut *outs, size_t n_chunks, int nthreads)
{
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (uint32_t sh = 0; sh < SHARDS; sh++) {
        bool over = false;
        DgIntern *const tabs[K_N] = {NULL, ids->staff[sh], ids->pat[sh]};
        for (size_t ci = 0; ci < n_chunks; ci++) {
            ChunkOut *c = &outs[ci];
            for (uint32_t j = c->first[K_REC][sh]; j < c->first[K_REC][sh + 1] && !ids->spill; j++)
                dg_recids_add_hash(ids->rec, c->rec_h[j]);
            /* spilling: patients travel as strings, numbered per partition */
            for (int k = K_STAFF; k < (ids->spill ? K_PAT : K_N); k++) {
                DgIntern *t = tabs[k];
                const IdKey *key = c->keys[k];
                uint32_t z = c->first[k][sh + 1];
                for (uint32_t j = c->first[k][sh]; j < z; j++) {
                    if (j + PREFETCH_AHEAD < z) {
                        dg_intern_prefetch(t, key[j + PREFETCH_AHEAD].h);
                        /* a long id's own bytes: the window (8 MiB) is no
                         * longer in the cache once all of it was parsed */
                        if (key[j + PREFETCH_AHEAD].len > INL_MAX)
                            __builtin_prefetch(id_bytes(c, key[j + PREFETCH_AHEAD].off));
                    }
                    if (j + PREFETCH_ENTRY < z)
                        dg_intern_prefetch_entry_len(t, key[j + PREFETCH_ENTRY].h, key[j + PREFETCH_ENTRY].len);
                    const char *b = key[j].len <= INL_MAX ? key[j].b : id_bytes(c, key[j].off);
                    uint32_t local = dg_intern_add_h(t, b, key[j].len, key[j].h, NULL);
                    c->res[k][j] = pack(local, sh);
                    over |= local > LOCAL_MAX;
                }
            }
        }
        if (over) {
#pragma omp atomic write
            ids->too_many = true;
        }
    }
}

static void rows_reserve(Builder *b, size_t n)
{
    DgDataset *d = b->d;
    if (n <= b->rows_cap)
        return;
    b->rows_cap = n;
    /* No huge-page hint (hugemem.h): the rows are written and read in
     * order, so 2 MiB pages save few TLB misses, and their first touch
     * costs more than 4 KiB pages' where the memory is a VM's. */
    d->rows = dg_xrealloc(d->rows, n * sizeof *d->rows);
}

/* Size the big arrays once, from the first window: rows per byte read so
 * far times all the bytes to read.  Growing them instead costs copies of
 * every row, several times over; an estimate that is off only means some
 * growth after all (or some slack). */
static void reserve_estimate(Builder *b, uint64_t window_rows, uint64_t window_rec_bytes, uint64_t bytes_in)
{
    b->reserved = true;
    if (bytes_in == 0 || window_rows < 1000 || b->bytes_total <= bytes_in)
        return;
    DgU128 est = (DgU128)window_rows * b->bytes_total / bytes_in;
    est += est / 50;
    size_t n = est > UINT32_MAX ? UINT32_MAX : (size_t)est;
    DgU128 bytes = (DgU128)window_rec_bytes * b->bytes_total / bytes_in;
    bytes += bytes / 50;
    rows_reserve(b, n);
    dg_recids_reserve(b->d->ids->rec, n, (uint64_t)bytes);
}

/* ---- first touch of the rows and record ids, ahead of the merge ---------- */

/* The merge writes each window's rows (24 bytes each) and record ids
 * (~12) into memory never touched before: 720 MB at 20M rows.  Profiles
 * put three quarters of the merge's CPU time in the kernel zeroing those
 * pages on their first write (then in huge pages, which these arrays no
 * longer ask for: hugemem.h), which is also where the merge stopped
 * scaling with threads.  So the
 * pages a window's merge will write are populated before it, as tasks of
 * the window's parallel parse (dg_prefault: contents untouched), one task
 * per 2 MiB piece, up to the piece boundary after the window's estimated end
 * (the previous window's density times this window's bytes, less 1/64).
 * Every such page would be touched by this window's merge or the next
 * one's, so peak memory is the same unless the last window's estimate is
 * more than 1/64 too high and crosses into a new piece (then up to 2 MiB
 * per array early); an underestimate leaves the rest to the merge as
 * before.  Outputs cannot change: nothing is written.  (A run that starts
 * spilling after such a window populated at most one window's pages of
 * rows it then hands over and frees.) */

#define PF_MAX 32 /* pieces per window at most (an 8 MiB window needs ~4) */

typedef struct PfPiece {
    char *p;
    size_t len;
} PfPiece;

/* Pieces of [base + *done, base + want) cut at huge-page boundaries, the
 * last one ending at the huge-page boundary after base + want (within
 * room). */
static size_t plan_area(PfPiece *pc, size_t n, char *base, uint64_t room, uint64_t *done, uint64_t want)
{
    if (!base)
        return n;
    uintptr_t end = ((uintptr_t)base + want + DG_PREFAULT_PIECE - 1) & ~(uintptr_t)(DG_PREFAULT_PIECE - 1);
    if (end > (uintptr_t)base + room)
        end = (uintptr_t)base + room;
    uintptr_t at = (uintptr_t)base + *done;
    while (at < end && n < PF_MAX) {
        uintptr_t next = (at & ~(uintptr_t)(DG_PREFAULT_PIECE - 1)) + DG_PREFAULT_PIECE;
        if (next > end)
            next = end;
        pc[n++] = (PfPiece){(char *)at, (size_t)(next - at)};
        at = next;
    }
    if (at > (uintptr_t)base + *done)
        *done = (uint64_t)(at - (uintptr_t)base);
    return n;
}

/* What to populate while the window of `consumed` bytes is parsed. */
static size_t plan_prefault(Builder *b, uint64_t consumed, PfPiece *pc)
{
    DgDataset *d = b->d;
    /* rows kept (not spilled), arrays sized, a window to estimate from */
    if (!b->reserved || d->ids->spill || b->last_consumed == 0)
        return 0;
    uint64_t est_c = (uint64_t)((DgU128)b->last_cands * consumed / b->last_consumed);
    uint64_t est_r = (uint64_t)((DgU128)b->last_rec * consumed / b->last_consumed);
    est_c -= est_c / 64;
    est_r -= est_r / 64;
    /* pages below what the merges so far wrote are there already */
    if (b->pf_rows < b->n_cand * sizeof *d->rows)
        b->pf_rows = b->n_cand * sizeof *d->rows;
    if (b->pf_rec < b->rec_bytes)
        b->pf_rec = b->rec_bytes;
    size_t n = plan_area(pc, 0, (char *)d->rows, (uint64_t)b->rows_cap * sizeof *d->rows, &b->pf_rows,
                         (b->n_cand + est_c) * sizeof *d->rows);
    uint64_t room;
    char *rb = dg_recids_area(d->ids->rec, &room);
    return plan_area(pc, n, rb, room, &b->pf_rec, b->rec_bytes + est_r);
}

/* The accepted rows of one chunk and their record ids, at the places the
 * prefix sums gave them: chunks are written in parallel.  Every candidate
 * becomes a row; the few that repeat a record id are taken out at the end
 * (apply_duplicates). */

/* The packed ids the shard phase found (staff, and patients when k_end is
 * K_N), into the chunk's rows (its candidates, in order, from rows[0]).
 * Why here and not into the Pending rows first: a chunk's rows are ~200 KB
 * and were just written, so these scattered stores hit the cache, where
 * the Pending rows (~4x larger, read last before the shard phase walked the
 * whole window) missed it about once per row. */
static void set_ids(DgRow *rows, const ChunkOut *c, int k_end)
{
    const uint32_t *idx = c->idx[K_STAFF], *res = c->res[K_STAFF];
    for (uint32_t j = 0; j < c->first[K_STAFF][SHARDS]; j++)
        rows[idx[j]].staff = res[j]; /* packed; made dense when all files are read */
    if (k_end <= K_PAT)
        return;
    idx = c->idx[K_PAT];
    res = c->res[K_PAT];
    for (uint32_t j = 0; j < c->first[K_PAT][SHARDS]; j++)
        rows[idx[j]].patient = res[j];
}

/* A row but its staff and patient numbers (set_ids). */
static void fill_row(DgRow *r, uint32_t file, const Pending *p)
{
    r->crow = p->crow;
    r->staff = 0;
    r->patient = p->id[K_PAT].len == NO_ID ? DG_NO_PATIENT : 0;
    r->date = p->date;
    r->qty = (uint16_t)p->qty;
    r->file = (uint16_t)file;
    r->line = (uint32_t)p->line; /* checked before: at most UINT32_MAX */
}

static void emit_chunk(DgDataset *d, uint32_t file, ChunkOut *c)
{
    DgRecIds *rec = d->ids->rec;
    uint64_t cand = c->cand_base, off = c->rec_base;
    for (size_t i = 0; i < c->n; i++) {
        const Pending *p = &c->p[i];
        if (p->reason != ACCEPTED)
            continue;
        fill_row(&d->rows[cand], file, p);
        off = dg_recids_put(rec, cand, off, id_bytes(c, p->id[K_REC].off), p->id[K_REC].len);
        cand++;
    }
    set_ids(d->rows + c->cand_base, c, K_N);
}

/* ---- bounded memory: rows handed to opt->spill (docs/scale.md) ----------- */

/* One window's candidates [first, first + n) as a batch, written by chunk
 * in parallel like emit_chunk, then handed over from this thread. */
static DgStatus spill_window(Builder *b, uint32_t file, ChunkOut *outs, size_t n_chunks, uint64_t first,
                             uint64_t n, uint64_t proj, const DgValidateOptions *opt, DgError *err)
{
    DgDataset *d = b->d;
    if (n > b->sb.cap) {
        size_t cap = n + n / 4;
        b->sb.rows = dg_xrealloc(b->sb.rows, cap * sizeof *b->sb.rows);
        b->sb.idv = dg_xrealloc(b->sb.idv, cap * sizeof *b->sb.idv);
        b->sb.lens = dg_xrealloc(b->sb.lens, cap * sizeof *b->sb.lens);
        b->sb.hs = dg_xrealloc(b->sb.hs, cap * sizeof *b->sb.hs);
        b->sb.pv = dg_xrealloc(b->sb.pv, cap * sizeof *b->sb.pv);
        b->sb.plens = dg_xrealloc(b->sb.plens, cap * sizeof *b->sb.plens);
        b->sb.units = dg_xrealloc(b->sb.units, cap * sizeof *b->sb.units);
        b->sb.cap = cap;
    }
    DgRow *rows = b->sb.rows;
    const char **idv = b->sb.idv, **pv = b->sb.pv;
    uint32_t *lens = b->sb.lens, *plens = b->sb.plens, *units = b->sb.units;
    uint64_t *hs = b->sb.hs;
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t ci = 0; ci < n_chunks; ci++) {
        ChunkOut *c = &outs[ci];
        uint64_t k = c->cand_base - first;
        for (size_t i = 0; i < c->n; i++) {
            const Pending *p = &c->p[i];
            if (p->reason != ACCEPTED)
                continue;
            fill_row(&rows[k], file, p);
            idv[k] = id_bytes(c, p->id[K_REC].off);
            lens[k] = p->id[K_REC].len;
            hs[k] = p->id[K_REC].h;
            bool no_pat = p->id[K_PAT].len == NO_ID;
            rows[k].patient = no_pat ? DG_NO_PATIENT : 0;
            pv[k] = no_pat ? "" : id_bytes(c, p->id[K_PAT].off);
            plens[k] = no_pat ? 0 : p->id[K_PAT].len;
            memcpy(&units[k], id_bytes(c, p->id[K_STAFF].off), 4); /* the staff key starts with its unit */
            k++;
        }
        set_ids(rows + (c->cand_base - first), c, K_PAT); /* patients were not interned (intern_window) */
    }
    DgRowBatch bt = {.rows = rows, .record_ids = idv, .record_id_lens = lens, .record_id_hashes = hs,
                     .patient_ids = pv, .patient_id_lens = plens, .units = units, .first = first, .n = n, .rows_projected = proj};
    return n ? opt->spill(opt->spill_ctx, d, &bt, err) : DG_OK;
}

/* Switch to spilling: hand over the rows kept so far (candidates
 * [0, kept)), in slices, and drop them. */
static DgStatus spill_start(Builder *b, uint64_t kept, uint64_t proj, const DgValidateOptions *opt, DgError *err)
{
    DgDataset *d = b->d;
    enum { SLICE = 1 << 16 };
    const char **idv = dg_xmalloc(SLICE * sizeof *idv);
    uint32_t *lens = dg_xmalloc(SLICE * sizeof *lens);
    uint64_t *hs = dg_xmalloc(SLICE * sizeof *hs);
    const char **pv = dg_xmalloc(SLICE * sizeof *pv);
    uint32_t *plens = dg_xmalloc(SLICE * sizeof *plens);
    DgStatus st = DG_OK;
    for (uint64_t lo = 0; lo < kept && st == DG_OK; lo += SLICE) {
        uint64_t n = kept - lo < SLICE ? kept - lo : SLICE;
        for (uint64_t k = 0; k < n; k++) {
            size_t len;
            idv[k] = dg_recids_str(d->ids->rec, lo + k, &len);
            lens[k] = (uint32_t)len;
            hs[k] = dg_hash_bytes(idv[k], len);
            uint32_t pat = d->rows[lo + k].patient;
            pv[k] = pat == DG_NO_PATIENT ? "" : dg_intern_str(d->ids->pat[pat & (SHARDS - 1)], pat >> SHARD_BITS, &len);
            plens[k] = pat == DG_NO_PATIENT ? 0 : (uint32_t)len;
        }
        DgRowBatch bt = {.rows = d->rows + lo, .record_ids = idv, .record_id_lens = lens, .record_id_hashes = hs,
                         .patient_ids = pv, .patient_id_lens = plens, .first = lo, .n = n, .rows_projected = proj,
                         .kept = true};
        st = opt->spill(opt->spill_ctx, d, &bt, err);
    }
    free(idv);
    free(lens);
    free(hs);
    free(pv);
    free(plens);
    /* from here on patients are numbered per partition: the run's tables go */
    for (uint32_t sh = 0; sh < SHARDS; sh++) {
        dg_intern_free(d->ids->pat[sh]);
        d->ids->pat[sh] = dg_intern_new();
    }
    free(d->rows);
    d->rows = NULL;
    d->n_rows = 0;
    b->rows_cap = 0;
    dg_recids_free(d->ids->rec);
    d->ids->rec = dg_recids_new(DG_RECIDS_KEYMASK);
    d->ids->spill = true;
    return st;
}

/* Serial, in input order: the chunk's rejected rows. */
static void reject_chunk(Builder *b, uint32_t file, const ChunkOut *c)
{
    if (c->n_rej == 0)
        return;
    for (size_t i = 0; i < c->n; i++) {
        const Pending *p = &c->p[i];
        if (p->reason != ACCEPTED)
            add_reject(b, file, p->line, (DgReason)p->reason, id_bytes(c, p->id[K_REC].off), p->id[K_REC].len,
                       c->arena + p->det_off, p->det_len);
    }
}

static bool before(uint32_t fa, uint64_t la, uint32_t fb, uint64_t lb)
{
    return fa != fb ? fa < fb : la < lb;
}

/* Turn the candidates that repeat a record id into rejects: one reject each
 * (merged into the rejects in input order), and the rows closed up. */
static void apply_duplicates(Builder *b, const uint32_t *dup, const uint32_t *first, size_t n_dup)
{
    DgDataset *d = b->d;
    DgReject *old = d->rejects;
    size_t n_old = d->n_rejects, i = 0;
    b->rej_cap = n_old + n_dup;
    d->rejects = dg_xmalloc(b->rej_cap * sizeof *d->rejects);
    d->n_rejects = 0;
    for (size_t j = 0; j < n_dup; j++) {
        const DgRow *r = &d->rows[dup[j]], *f = &d->rows[first[j]];
        while (i < n_old && before(old[i].file, old[i].line, r->file, r->line))
            d->rejects[d->n_rejects++] = old[i++];
        char det[1200];
        int n = snprintf(det, sizeof det, "record_id first seen at %s line %llu", d->files[f->file],
                         (unsigned long long)f->line);
        if (n < 0)
            n = 0;
        if ((size_t)n >= sizeof det)
            n = sizeof det - 1;
        size_t len;
        const char *id = dg_recids_str(d->ids->rec, dup[j], &len);
        reject_set(d, &d->rejects[d->n_rejects++], r->file, r->line, DG_REASON_DUPLICATE_RECORD_ID, id, len, det,
                   (size_t)n);
    }
    while (i < n_old)
        d->rejects[d->n_rejects++] = old[i++];
    free(old);
    /* close up the rows: the runs between repeats move down */
    size_t w = dup[0];
    for (size_t j = 0; j < n_dup; j++) {
        size_t from = dup[j] + 1, to = j + 1 < n_dup ? dup[j + 1] : d->n_rows;
        memmove(&d->rows[w], &d->rows[from], (to - from) * sizeof *d->rows);
        w += to - from;
    }
    d->n_rows = w;
    d->rows_accepted -= n_dup;
}

/* Dense staff ids (arrays downstream are indexed by them): shard by shard. */
static void densify_staff(DgDataset *d)
{
    struct DgDatasetIds *ids = d->ids;
    uint32_t base[SHARDS];
    size_t n = 0;
    for (uint32_t sh = 0; sh < SHARDS; sh++) {
        base[sh] = (uint32_t)n;
        ids->staff_base[sh] = (uint32_t)n;
        n += dg_intern_count(ids->staff[sh]);
    }
    ids->n_staff = n;
    ids->staff_packed = dg_xcalloc(n ? n : 1, sizeof *ids->staff_packed);
    d->staff_unit = dg_xcalloc(n ? n : 1, sizeof *d->staff_unit);
    for (uint32_t sh = 0; sh < SHARDS; sh++)
        for (size_t l = 0; l < dg_intern_count(ids->staff[sh]); l++) {
            ids->staff_packed[base[sh] + l] = pack((uint32_t)l, sh);
            /* the interned staff string starts with its unit (check_row) */
            memcpy(&d->staff_unit[base[sh] + l], dg_intern_str(ids->staff[sh], (uint32_t)l, NULL), 4);
        }
    DgRow *rows = d->rows;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < d->n_rows; i++)
        rows[i].staff = base[rows[i].staff & (SHARDS - 1)] + (rows[i].staff >> SHARD_BITS);
    ids->n_patients = 0;
    for (uint32_t sh = 0; sh < SHARDS; sh++)
        ids->n_patients += dg_intern_count(ids->pat[sh]);
}

/* List a header name that is not a log column, once per run. */
static void note_unknown_column(DgDataset *d, uint32_t fi, const char *name, size_t len)
{
    for (size_t i = 0; i < d->n_unknown_columns; i++)
        if (strlen(d->unknown_columns[i]) == len && !memcmp(d->unknown_columns[i], name, len))
            return;
    d->unknown_columns = dg_xrealloc(d->unknown_columns, (d->n_unknown_columns + 1) * sizeof *d->unknown_columns);
    d->unknown_column_file =
        dg_xrealloc(d->unknown_column_file, (d->n_unknown_columns + 1) * sizeof *d->unknown_column_file);
    d->unknown_columns[d->n_unknown_columns] = dg_xstrndup(name, len);
    d->unknown_column_file[d->n_unknown_columns] = fi;
    d->n_unknown_columns++;
}

/* Read the CSV header (first non-blank record) and map the columns. */
static DgStatus read_header(Ctx *x, const char *buf, size_t len, bool eof, size_t *used, uint64_t *line,
                            bool *need_more, DgError *err)
{
    *need_more = false;
    size_t pos = 0;
    DgCsvRecord rec;
    dg_csv_record_init(&rec);
    DgStatus st = DG_OK;
    for (int k = 0; k < C_N; k++)
        x->col[k] = -1;
    int found = dg_logheader_walk(buf, len, eof, &pos, line, &rec);
    if (found == 1) {
        *need_more = true;
        goto out;
    }
    if (found == 2) {
        st = dg_error_set(err, DG_E_CONFIG, x->file, 0, 0,
                          "the file has no header line; the first line must name the columns (%s, %s, …)",
                          col_names[0], col_names[1]);
        goto out;
    }
    uint64_t hl = *line;
    *line += rec.n_newlines;
    if (rec.malformed) {
        st = dg_error_set(err, DG_E_CONFIG, x->file, hl, 0, "the header line is not valid CSV (%s)", rec.why);
        goto out;
    }
    x->n_cols = rec.n_fields;
    for (size_t i = 0; i < rec.n_fields; i++) {
        for (size_t j = 0; j < i; j++)
            if (rec.fields[j].len == rec.fields[i].len &&
                memcmp(rec.fields[j].ptr, rec.fields[i].ptr, rec.fields[i].len) == 0) {
                st = dg_error_set(err, DG_E_CONFIG, x->file, hl, (uint32_t)i + 1,
                                  "column \"%.*s\" appears twice in the header; keep one", (int)rec.fields[i].len,
                                  rec.fields[i].ptr);
                goto out;
            }
        for (int k = 0; k < C_N; k++)
            if (strlen(col_names[k]) == rec.fields[i].len &&
                memcmp(col_names[k], rec.fields[i].ptr, rec.fields[i].len) == 0)
                x->col[k] = (int)i;
    }
    /* a name that is almost a known column would silently change payouts */
    for (size_t i = 0; i < rec.n_fields && st == DG_OK; i++) {
        int k = dg_logheader_resembles(rec.fields[i].ptr, rec.fields[i].len, col_names, C_N);
        if (k < 0 || x->col[k] >= 0)
            continue;
        char *shown = dg_text_escape(rec.fields[i].ptr, rec.fields[i].len, false);
        st = dg_error_set(err, DG_E_CONFIG, x->file, hl, (uint32_t)i + 1,
                          "column \"%s\" is not a log column; did you mean \"%s\"? Rename it in the header "
                          "(%s)",
                          shown, col_names[k],
                          col_required[k] ? "it is required"
                                          : "read as missing, every row would count with the default");
        free(shown);
    }
    if (st != DG_OK)
        goto out;
    for (int k = 0; k < C_N; k++)
        if (col_required[k] && x->col[k] < 0) {
            st = dg_error_set(err, DG_E_CONFIG, x->file, hl, 0,
                              "required column \"%s\" is missing from the header", col_names[k]);
            goto out;
        }
    for (size_t i = 0; i < rec.n_fields && x->d; i++) {
        bool known = false;
        for (int k = 0; k < C_N; k++)
            known |= x->col[k] == (int)i;
        if (!known)
            note_unknown_column(x->d, x->fi, rec.fields[i].ptr, rec.fields[i].len);
    }
    *used = pos;
out:
    dg_csv_record_clear(&rec);
    return st;
}

static DgStatus process_file(const DgScheme *s, uint32_t fi, const DgValidateOptions *opt, Builder *b,
                             uint64_t *bytes_before, uint64_t bytes_total, DgError *err)
{
    const char *path = b->d->files[fi];
    DgSliceMode mode = dg_slicing_mode(b->sl, fi);
    if (mode == DG_SLICE_NONE)
        return DG_OK;
    DgSource *src = NULL;
    DgStatus st = dg_source_open(path, opt->encoding, &src, err);
    if (st != DG_OK)
        return st;
    uint64_t cand0 = b->n_cand, rej0 = b->d->rows_rejected;
    if (opt->hash_inputs && mode == DG_SLICE_WHOLE)
        dg_source_want_hash(src);
    Ctx x = {.s = s,
             .tabs = &b->tabs,
             .file = path,
             .max_record = opt->max_record ? opt->max_record : DG_MAX_RECORD_DEFAULT,
             .d = b->d,
             .fi = fi};
    size_t chunk_size = opt->chunk_size ? opt->chunk_size : DEFAULT_CHUNK;
    size_t want = opt->window_size ? opt->window_size : DEFAULT_WINDOW;
    const char *buf;
    size_t len;
    bool eof;
    uint64_t line = 1;

    /* format (logheader.h: the slice counting finds the same) */
    if ((st = dg_source_window(src, 4096, &buf, &len, &eof, err)) != DG_OK)
        goto out;
    x.jsonl = dg_logheader_format(opt->format, path, buf, len) == DG_LOG_JSONL;

    if (!x.jsonl) {
        size_t ask = 4096;
        for (;;) {
            size_t used = 0;
            bool more;
            uint64_t l0 = line;
            st = read_header(&x, buf, len, eof, &used, &line, &more, err);
            if (st != DG_OK)
                goto out;
            if (!more) {
                dg_source_consume(src, used);
                break;
            }
            line = l0;
            if (ask > x.max_record + 2) {
                st = dg_error_set(err, DG_E_CONFIG, path, line, 0,
                                  "the header line is longer than %zu bytes (--max-record); is this a service log?",
                                  x.max_record);
                goto out;
            }
            ask *= 2;
            if ((st = dg_source_window(src, ask, &buf, &len, &eof, err)) != DG_OK)
                goto out;
        }
    }
    if (mode != DG_SLICE_WHOLE && (st = dg_slicing_enter(b->sl, fi, path, src, &line, err)) != DG_OK)
        goto out;

    int nthreads = opt->threads > 0 ? opt->threads : omp_get_max_threads();
    ChunkOut *outs = NULL;
    size_t outs_cap = 0;
    /* The file's SHA-256 for the manifest: each window's bytes are hashed
     * by one thread while the others parse the window (when the source
     * passes bytes through; a decoding source hashes as it reads), instead
     * of reading the file again, alone, at the end — which a pipe or FIFO
     * would not allow anyway. */
    for (;;) {
        if ((st = dg_source_window(src, want, &buf, &len, &eof, err)) != DG_OK)
            break;
        if (len == 0)
            break;
        DgChunk *chunks = NULL;
        size_t n_chunks = 0, consumed = 0;
        dg_chunk_split(buf, len, eof, !x.jsonl, chunk_size, line, &chunks, &n_chunks, &consumed);
        if (consumed == 0) {
            free(chunks);
            if (len <= x.max_record + 2) { /* "+ 2": the cap does not count a "\r\n" */
                /* one record longer than the window: ask for more */
                want *= 2;
                continue;
            }
            /* a record over the cap: one malformed row, read past it in
             * bounded memory, resume at the next record */
            uint64_t rlen = 0, nl = 0;
            if ((st = dg_source_skip_record(src, !x.jsonl, want, &rlen, &nl, err)) != DG_OK)
                break;
            char det[160];
            int dn = snprintf(det, sizeof det, "the record is %llu bytes long, more than the limit of %zu (--max-record)",
                              (unsigned long long)rlen, x.max_record);
            add_reject(b, fi, line, DG_REASON_MALFORMED, "", 0, det, (size_t)dn);
            b->d->rows_read++;
            b->d->file_rows[fi]++;
            line += nl;
            want = opt->window_size ? opt->window_size : DEFAULT_WINDOW;
            if (opt->progress)
                opt->progress(opt->progress_ctx, *bytes_before + dg_source_bytes_in(src), bytes_total);
            continue;
        }
        if (n_chunks > outs_cap) {
            outs = dg_xrealloc(outs, n_chunks * sizeof *outs);
            memset(outs + outs_cap, 0, (n_chunks - outs_cap) * sizeof *outs);
            outs_cap = n_chunks;
        }
        PfPiece pf[PF_MAX];
        size_t n_pf = plan_prefault(b, consumed, pf);
        /* the next window's bytes, read beside this one's parse (a serial
         * read(2) between windows left the other threads idle) */
        bool ahead = !eof && dg_source_can_read_ahead(src);
        int64_t t0 = g_get_monotonic_time();
        /* tasks: the input's hash, the read-ahead, the pages the merge will
         * write, the chunks */
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
        for (size_t i = 0; i <= n_pf + n_chunks + 1; i++) {
            if (i == 0) { /* first, so it overlaps the most parsing */
                if (opt->hash_inputs)
                    dg_source_hash_window(src, consumed);
                continue;
            }
            if (i == 1) {
                if (ahead)
                    dg_source_read_ahead(src, len - consumed, want);
                continue;
            }
            if (i <= n_pf + 1) {
                dg_prefault(pf[i - 2].p, pf[i - 2].len);
                continue;
            }
            ChunkOut *c = &outs[i - 2 - n_pf];
            chunk_reset(c);
            process_chunk(&x, buf, consumed, &chunks[i - 2 - n_pf], c);
            chunk_shard(c);
        }
        int64_t t1 = g_get_monotonic_time();
        uint64_t window_rows = 0, window_rec = 0;
        bool long_file = false;
        for (size_t i = 0; i < n_chunks; i++) {
            long_file |= outs[i].n > 0 && outs[i].p[outs[i].n - 1].line > UINT32_MAX;
            outs[i].cand_base = b->n_cand;
            outs[i].rec_base = b->rec_bytes;
            b->n_cand += outs[i].n_cand;
            b->rec_bytes += outs[i].rec_bytes;
            window_rows += outs[i].rows_read;
            window_rec += outs[i].rec_bytes;
        }
        if (long_file) {
            st = dg_error_set(err, DG_E_CONFIG, path, 0, 0, "the file has more than %u lines; split it",
                              (unsigned)UINT32_MAX);
            free(chunks);
            break;
        }
        if (b->n_cand > UINT32_MAX) {
            st = dg_error_set(err, DG_E_CONFIG, path, 0, 0,
                              "more than %u accepted rows in one run; split the period", (unsigned)UINT32_MAX);
            free(chunks);
            break;
        }
        DgDataset *d = b->d;
        uint64_t win_first = n_chunks ? outs[0].cand_base : b->n_cand;
        if (opt->spill && !d->ids->spill) {
            uint64_t read = *bytes_before + dg_source_bytes_in(src), proj = b->n_cand;
            if (read && b->bytes_total > read)
                proj = (uint64_t)((DgU128)b->n_cand * b->bytes_total / read);
            if (b->n_cand > opt->spill_rows || proj > opt->spill_rows)
                if ((st = spill_start(b, win_first, proj, opt, err)) != DG_OK) {
                    free(chunks);
                    break;
                }
            b->proj = proj;
        }
        if (!d->ids->spill) {
            if (!b->reserved)
                reserve_estimate(b, window_rows, window_rec, dg_source_bytes_in(src));
            if (b->n_cand > b->rows_cap)
                rows_reserve(b, b->n_cand > 2 * b->rows_cap ? b->n_cand : 2 * b->rows_cap);
            dg_recids_grow(d->ids->rec, b->n_cand, b->rec_bytes);
        }
        intern_window(d->ids, outs, n_chunks, nthreads);
        int64_t t2 = g_get_monotonic_time();
        if (d->ids->spill) {
            st = spill_window(b, fi, outs, n_chunks, win_first, b->n_cand - win_first, b->proj, opt, err);
            if (st != DG_OK) {
                free(chunks);
                break;
            }
        } else {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
            for (size_t i = 0; i < n_chunks; i++)
                emit_chunk(d, fi, &outs[i]);
        }
        for (size_t i = 0; i < n_chunks; i++) {
            d->rows_read += outs[i].rows_read;
            d->file_rows[fi] += outs[i].rows_read;
            d->file_bad_text[fi] += outs[i].bad_text;
            d->file_bad_text_gb[fi] += outs[i].bad_text_gb;
            reject_chunk(b, fi, &outs[i]);
        }
        d->rows_accepted = b->n_cand;
        b->last_cands = b->n_cand - win_first;
        b->last_rec = window_rec;
        b->last_consumed = consumed;
        if (!d->ids->spill) {
            d->n_rows = b->n_cand;
            dg_recids_set_count(d->ids->rec, b->n_cand);
        }
        int64_t t3 = g_get_monotonic_time();
        d->us_parse += (uint64_t)(t1 - t0);
        d->us_ids += (uint64_t)(t2 - t1);
        d->us_merge += (uint64_t)(t3 - t2);
        /* lines: the window ends where its last record does, so the line
         * after it is the one after the last chunk holding a record (no
         * serial pass counting the window's newlines again) */
        for (size_t i = n_chunks; i-- > 0;)
            if (chunks[i].begin < chunks[i].end) {
                line = outs[i].end_line;
                break;
            }
        free(chunks);
        dg_source_consume(src, consumed);
        if (opt->progress)
            opt->progress(opt->progress_ctx, *bytes_before + dg_source_bytes_in(src), bytes_total);
        if (eof && consumed == len)
            break;
    }
    for (size_t i = 0; i < outs_cap; i++)
        chunk_free(&outs[i]);
    free(outs);
    /* inputs this slice does not read whole are hashed on dg_slicing_hash_start's thread, or
     * (hash_whole_only) by the caller */
    if (opt->hash_inputs && st == DG_OK && mode == DG_SLICE_WHOLE && !dg_source_sha256(src, b->d->input_sha256[fi]))
        st = dg_error_set(err, DG_E_INTERNAL, path, 0, 0, "the input was not read to its end");
    b->d->slice_cands[fi] = b->n_cand - cand0;
    b->d->slice_rejects[fi] = b->d->rows_rejected - rej0;
out:
    if (src) {
        uint64_t got = mode == DG_SLICE_WHOLE ? dg_source_bytes_in(src) : dg_slicing_bytes_in(b->sl, fi);
        *bytes_before += got;
        b->d->bytes_in += got;
    }
    dg_source_close(src);
    return st;
}

DgStatus dg_validate_files(const DgScheme *scheme, const char *const *paths, size_t n_paths,
                           const DgValidateOptions *opt, DgDataset **out, DgError *err)
{
    DgValidateOptions defaults = {0};
    if (!opt)
        opt = &defaults;
    if (n_paths > UINT16_MAX)
        return dg_error_set(err, DG_E_USAGE, NULL, 0, 0, "%zu log files in one run; at most %u are allowed", n_paths,
                            (unsigned)UINT16_MAX);
    DgDataset *d = dg_dataset_new_ids(paths, n_paths);
    d->encoding_given = opt->encoding && opt->encoding[0] && strcasecmp(opt->encoding, "UTF-8") != 0 &&
                        strcasecmp(opt->encoding, "UTF8") != 0;
    Builder b = {.d = d};
    dg_fieldtabs_init(&b.tabs, scheme);
    uint64_t total = 0, done = 0;
    for (size_t i = 0; i < n_paths; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) == 0)
            total += (uint64_t)sb.st_size;
    }
    DgStatus st = dg_slicing_new(paths, n_paths, opt, &b.sl, err);
    if (b.sl)
        total = dg_slicing_bytes_total(b.sl);
    b.bytes_total = total;
    DgSliceHasher *hasher = st == DG_OK && b.sl && opt->hash_inputs && !opt->hash_whole_only
                                ? dg_slicing_hash_start(b.sl, paths, d->input_sha256)
                                : NULL;
    size_t stop = 0; /* the input validation stopped at (n_paths: none) */
    for (; stop < n_paths && st == DG_OK; stop++)
        if ((st = process_file(scheme, (uint32_t)stop, opt, &b, &done, total, err)) != DG_OK)
            break;
    /* a digest's error (the input changed) comes first when its input comes first */
    size_t hfile = 0;
    DgError herr = {0};
    if (dg_slicing_hash_join(hasher, &hfile, &herr) != DG_OK && (st == DG_OK || hfile < stop)) {
        st = herr.status;
        if (err)
            *err = herr;
    }
    dg_fieldtabs_free(&b.tabs);
    free(b.sb.rows);
    free(b.sb.idv);
    free(b.sb.lens);
    free(b.sb.hs);
    free(b.sb.pv);
    free(b.sb.plens);
    free(b.sb.units);
    bool sliced = b.sl != NULL; /* the caller finds the duplicate record ids across slices */
    dg_slicing_free(b.sl);
    if (st == DG_OK && d->ids->too_many)
        st = dg_error_set(err, DG_E_CONFIG, NULL, 0, 0,
                          "too many distinct staff or patient ids for one run; split the period");
    if (st == DG_OK && !d->ids->spill && !sliced) {
        int64_t t0 = g_get_monotonic_time();
        uint32_t *first = NULL;
        d->ids->n_dup = dg_recids_dups(d->ids->rec, opt->threads, &d->ids->dup, &first);
        if (d->ids->n_dup)
            apply_duplicates(&b, d->ids->dup, first, d->ids->n_dup);
        free(first);
        d->us_ids += (uint64_t)(g_get_monotonic_time() - t0);
    }
    /* later stages turn ids into strings, never strings into ids */
    for (uint32_t sh = 0; sh < SHARDS; sh++) {
        dg_intern_seal(d->ids->staff[sh]);
        dg_intern_seal(d->ids->pat[sh]);
    }
    if (st == DG_OK)
        densify_staff(d);
    if (st == DG_OK && d->rows_read != d->rows_accepted + d->rows_rejected)
        st = dg_error_set(err, DG_E_INTERNAL, NULL, 0, 0,
                          "accounting check failed: %llu rows read but %llu accepted + %llu rejected",
                          (unsigned long long)d->rows_read, (unsigned long long)d->rows_accepted,
                          (unsigned long long)d->rows_rejected);
    if (st != DG_OK) {
        dg_dataset_free(d);
        return st;
    }
    *out = d;
    return DG_OK;
}

void dg_dataset_free(DgDataset *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_files; i++)
        free(d->files[i]);
    free(d->files);
    free(d->input_sha256);
    for (size_t i = 0; i < d->n_rejects; i++) {
        free(d->rejects[i].record_id);
        free(d->rejects[i].detail);
    }
    free(d->rejects);
    free(d->rows);
    free(d->staff_unit);
    for (size_t i = 0; i < d->n_unknown_columns; i++)
        free(d->unknown_columns[i]);
    free(d->unknown_columns);
    free(d->unknown_column_file);
    free(d->file_rows);
    free(d->file_bad_text);
    free(d->file_bad_text_gb);
    free(d->slice_cands);
    free(d->slice_rejects);
    if (d->ids) {
        for (uint32_t sh = 0; sh < SHARDS; sh++) {
            dg_intern_free(d->ids->staff[sh]);
            dg_intern_free(d->ids->pat[sh]);
        }
        dg_recids_free(d->ids->rec);
        dg_intern_free(d->ids->pat_part);
        free(d->ids->dup);
        free(d->ids->staff_packed);
        free(d->ids);
    }
    free(d);
}

static const char *packed_str(DgIntern *const *t, uint32_t id)
{
    return dg_intern_str(t[id & (SHARDS - 1)], id >> SHARD_BITS, NULL);
}

const char *dg_dataset_staff(const DgDataset *d, uint32_t id)
{
    return packed_str(d->ids->staff, d->ids->staff_packed[id]) + 4;
}

uint32_t dg_dataset_staff_unit(const DgDataset *d, uint32_t id)
{
    return d->staff_unit[id];
}

const char *dg_dataset_patient(const DgDataset *d, uint32_t id)
{
    if (id == DG_NO_PATIENT)
        return "";
    return d->ids->pat_part ? dg_intern_str(d->ids->pat_part, id, NULL) : packed_str(d->ids->pat, id);
}

void dg_dataset_set_patients(DgDataset *d, DgIntern *pat)
{
    dg_intern_free(d->ids->pat_part);
    d->ids->pat_part = pat;
}

/* Rows are the candidates without the repeats: row r is candidate r + k,
 * k the number of repeats j with fewer than r + 1 rows before them
 * (dup[j] - j rows precede repeat j). */
const char *dg_dataset_record_id(const DgDataset *d, size_t row)
{
    const uint32_t *dup = d->ids->dup;
    size_t lo = 0, hi = d->ids->n_dup;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((size_t)dup[mid] - mid <= row)
            lo = mid + 1;
        else
            hi = mid;
    }
    return dg_recids_str(d->ids->rec, row + lo, NULL);
}

uint32_t dg_dataset_staff_final(const DgDataset *d, uint32_t provisional)
{
    return d->ids->staff_base[provisional & (SHARDS - 1)] + (provisional >> SHARD_BITS);
}

uint32_t dg_dataset_provisional_unit(const DgDataset *d, uint32_t provisional)
{
    uint32_t u;
    memcpy(&u, packed_str(d->ids->staff, provisional), 4); /* the staff string starts with its unit */
    return u;
}

void dg_dataset_keep_rows(DgDataset *d, DgRow *rows, size_t n, const char *const *record_ids,
                          const uint32_t *record_id_lens)
{
    struct DgDatasetIds *ids = d->ids;
    free(d->rows);
    d->rows = rows;
    d->n_rows = n;
    free(ids->dup);
    ids->dup = NULL;
    ids->n_dup = 0;
    dg_recids_free(ids->rec);
    ids->rec = dg_recids_new(DG_RECIDS_KEYMASK);
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += dg_recids_entry_size(record_id_lens[i]);
    dg_recids_grow(ids->rec, n, bytes);
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++)
        off = dg_recids_put(ids->rec, i, off, record_ids[i], record_id_lens[i]);
    dg_recids_set_count(ids->rec, n);
}

size_t dg_dataset_n_staff(const DgDataset *d)
{
    return d->ids->n_staff;
}

size_t dg_dataset_n_patients(const DgDataset *d)
{
    if (d->ids->pat_part)
        return dg_intern_count(d->ids->pat_part);
    return d->ids->n_patients;
}

/* ---- an empty dataset: the start of validation, and of the rows validated
 * elsewhere (MPI, docs/scale.md) --------------------------------------- */

DgDataset *dg_dataset_new_ids(const char *const *paths, size_t n_paths)
{
    DgDataset *d = dg_xcalloc(1, sizeof *d);
    d->ids = dg_xcalloc(1, sizeof *d->ids);
    d->ids->rec = dg_recids_new(DG_RECIDS_KEYMASK);
    for (uint32_t sh = 0; sh < SHARDS; sh++) {
        d->ids->staff[sh] = dg_intern_new();
        d->ids->pat[sh] = dg_intern_new();
    }
    d->files = dg_xcalloc(n_paths ? n_paths : 1, sizeof *d->files);
    d->input_sha256 = dg_xcalloc(n_paths ? n_paths : 1, sizeof *d->input_sha256);
    d->n_files = n_paths;
    d->file_rows = dg_xcalloc(n_paths ? n_paths : 1, sizeof *d->file_rows);
    d->file_bad_text = dg_xcalloc(n_paths ? n_paths : 1, sizeof *d->file_bad_text);
    d->file_bad_text_gb = dg_xcalloc(n_paths ? n_paths : 1, sizeof *d->file_bad_text_gb);
    d->slice_cands = dg_xcalloc(n_paths ? n_paths : 1, sizeof *d->slice_cands);
    d->slice_rejects = dg_xcalloc(n_paths ? n_paths : 1, sizeof *d->slice_rejects);
    for (size_t i = 0; i < n_paths; i++)
        d->files[i] = dg_xstrdup(paths[i]);
    return d;
}

/* The same key check_row interns: the unit's 4 bytes, then the staff id. */
uint32_t dg_dataset_add_staff(DgDataset *d, uint32_t unit, const char *staff_id, size_t len)
{
    char *key = dg_xmalloc(len + 4);
    memcpy(key, &unit, 4);
    memcpy(key + 4, staff_id, len);
    uint64_t h = dg_hash_bytes(key, len + 4);
    uint32_t sh = shard_of(h);
    uint32_t local = dg_intern_add_h(d->ids->staff[sh], key, len + 4, h, NULL);
    free(key);
    return pack(local, sh);
}

void dg_dataset_staff_done(DgDataset *d)
{
    densify_staff(d);
}

uint32_t dg_dataset_add_patient(DgDataset *d, const char *patient_id, size_t len)
{
    uint64_t h = dg_hash_bytes(patient_id, len);
    uint32_t sh = shard_of(h);
    bool added;
    uint32_t local = dg_intern_add_h(d->ids->pat[sh], patient_id, len, h, &added);
    d->ids->n_patients += added;
    return pack(local, sh);
}

const char *dg_dataset_staff_bytes(const DgDataset *d, uint32_t id, size_t *len)
{
    uint32_t pk = d->ids->staff_packed[id];
    const char *p = dg_intern_str(d->ids->staff[pk & (SHARDS - 1)], pk >> SHARD_BITS, len);
    *len -= 4; /* the unit's bytes first */
    return p + 4;
}

const char *dg_dataset_patient_bytes(const DgDataset *d, uint32_t id, size_t *len)
{
    if (id == DG_NO_PATIENT) {
        *len = 0;
        return "";
    }
    if (d->ids->pat_part)
        return dg_intern_str(d->ids->pat_part, id, len);
    return dg_intern_str(d->ids->pat[id & (SHARDS - 1)], id >> SHARD_BITS, len);
}

size_t dg_dataset_patient_limit(const DgDataset *d)
{
    if (d->ids->pat_part) /* numbered 0.. per partition (spilled) */
        return dg_intern_count(d->ids->pat_part);
    size_t m = 0;
    for (uint32_t sh = 0; sh < SHARDS; sh++)
        if (dg_intern_count(d->ids->pat[sh]) > m)
            m = dg_intern_count(d->ids->pat[sh]);
    return m << SHARD_BITS;
}

const char *dg_dataset_patient_at(const DgDataset *d, uint32_t id)
{
    if (d->ids->pat_part)
        return id < dg_intern_count(d->ids->pat_part) ? dg_intern_str(d->ids->pat_part, id, NULL) : NULL;
    uint32_t sh = id & (SHARDS - 1), l = id >> SHARD_BITS;
    return l < dg_intern_count(d->ids->pat[sh]) ? dg_intern_str(d->ids->pat[sh], l, NULL) : NULL;
}
