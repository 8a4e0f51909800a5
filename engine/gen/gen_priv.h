/*
 * Internals of the synthetic log generator: the model built once from the
 * scheme (gen_model.c), the per-block row generator (gen_rows.c), faulty
 * and unusual rows (gen_fault.c) and the ordered, parallel writer
 * (gen_write.c).
 *
 * Design: everything a block needs is precomputed into an immutable model
 * (alias tables, cumulative day weights, pre-escaped id strings, the
 * follow-up schedule), so generating a block is a tight loop of integer
 * draws and memcpy into the block's private buffer.  A block depends only
 * on (model, block index): its PRNG is seeded from (seed, block) and the
 * scheduled follow-up rows it holds are a fixed slice of each schedule.
 */
#ifndef DG_GEN_PRIV_H
#define DG_GEN_PRIV_H

#include "dangliang/gen.h"

#include <string.h>

/* ---- PRNG: xoshiro256**, seeded with splitmix64 ------------------------- */

typedef struct DgGenRng {
    uint64_t s[4];
} DgGenRng;

static inline uint64_t dg_gen_mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A hash of two words, for per-entity choices that must not depend on the
 * order in which entities are met (a patient's phase, a unit's staff). */
static inline uint64_t dg_gen_hash(uint64_t a, uint64_t b)
{
    return dg_gen_mix64(a ^ dg_gen_mix64(b ^ 0x5851F42D4C957F2Dull));
}

static inline uint64_t dg_gen_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t dg_gen_next(DgGenRng *r)
{
    uint64_t *s = r->s;
    uint64_t out = dg_gen_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = dg_gen_rotl(s[3], 45);
    return out;
}

/* Uniform in [0, n) by multiply-shift (Lemire, without the rejection step:
 * the bias is below n / 2^64 and the result is the same everywhere). */
static inline uint64_t dg_gen_below(DgGenRng *r, uint64_t n)
{
    return (uint64_t)(((DgU128)dg_gen_next(r) * n) >> 64);
}

void dg_gen_rng_seed(DgGenRng *r, uint64_t a, uint64_t b);

/* ---- alias tables (Vose), exact integer thresholds ----------------------- */

typedef struct DgGenAlias {
    uint32_t n;
    uint64_t total;   /* column threshold scale */
    uint64_t *prob;   /* [n] keep the column's own item when draw < prob */
    uint32_t *alias;  /* [n] */
    uint32_t *item;   /* [n] */
} DgGenAlias;

/* Weights may be any uint64; they are rescaled to at most 2^32 (a positive
 * weight stays positive).  n >= 1 and at least one weight > 0. */
void dg_gen_alias_build(DgGenAlias *a, const uint32_t *items, const uint64_t *w, uint32_t n);
void dg_gen_alias_free(DgGenAlias *a);

static inline uint32_t dg_gen_alias_draw(const DgGenAlias *a, DgGenRng *r)
{
    uint32_t col = (uint32_t)dg_gen_below(r, a->n);
    return dg_gen_below(r, a->total) < a->prob[col] ? a->item[col] : a->item[a->alias[col]];
}

/* ---- model ---------------------------------------------------------------- */

typedef struct DgGenStr {
    const char *p;
    uint32_t n;
} DgGenStr;

typedef struct DgGenUnit {
    DgGenStr fld;                  /* unit_id as written (escaped / quoted for the format) */
    DgGenStr staff_pre, staff_post; /* staff field = pre + zero-padded number + post */
    uint32_t n_staff;
    int staff_digits;
    uint64_t n_patients;           /* patient numbers 0..n-1 ... */
    uint64_t pat_base;             /* ... print as P(pat_base + n + 1) */
} DgGenUnit;

typedef struct DgGenIv {
    int32_t lo, hi; /* inclusive days relative to the period start */
} DgGenIv;

typedef struct DgGenCode {
    DgGenStr fld;          /* item_code as written */
    uint32_t iv_first, iv_n; /* days in force within the period (merged, sorted) */
    uint64_t measure;      /* Σ day weights over those days */
    int32_t span_lo, span_hi;
    bool group;            /* group service: no patient */
    bool sched;            /* scheduled per patient (period cap 1..24) */
    uint32_t k;            /* visits per patient per period when sched */
    int64_t day_cap;       /* smallest max_per_patient_day in force, 0 when none */
    uint32_t klass;        /* 0 visit, 1 follow-up, 2 other, 3 group */
    uint64_t weight;       /* Zipf weight × share of the period in force */
} DgGenCode;

typedef struct DgGenPair {  /* the follow-up schedule of one (unit, scheduled code) */
    uint32_t unit, code;
    uint64_t e;            /* rows over the whole file */
    uint64_t c;            /* patients */
    uint64_t a, b;         /* slot of the j-th row: (a j + b) mod e, gcd(a, e) = 1 */
    uint64_t off;          /* patient number of the first patient */
    uint32_t spacing;      /* days between visits */
    uint64_t salt;
} DgGenPair;

typedef struct DgGenGap {  /* days of the period when a code is not in force */
    uint32_t code;
    int32_t lo, hi;
} DgGenGap;

typedef struct DgGenModel {
    const DgScheme *s;
    int format;
    uint64_t rows, seed;
    uint32_t bad_ppm;
    int32_t from;              /* period start (day number) */
    uint32_t ndays;
    uint64_t *day_cum;         /* [ndays + 1] cumulative weekday weights */
    uint32_t *day_lut;         /* [day_cum[ndays]] weight unit -> day, NULL for very long periods */
    char *day_txt;             /* [ndays * 10] "YYYY-MM-DD" */
    DgGenUnit *units;
    uint32_t n_units;
    DgGenCode *codes;          /* [s->n_codes] */
    uint32_t n_codes;
    DgGenIv *ivs;
    DgGenAlias unit_alias;
    DgGenAlias free_alias;     /* unscheduled codes (all codes in force when none) */
    bool free_nongroup;        /* free_alias holds a code that is not a group service */
    DgGenPair *pairs;
    size_t n_pairs;
    DgGenGap *gaps;
    size_t n_gaps;
    uint32_t *unit_sorted;     /* unit indices by id, for unknown-unit faults */
    uint32_t *code_sorted;     /* code ids by code */
    uint64_t block_rows, n_blocks;
    int rid_width, pat_width;
    int64_t staff_day_minutes; /* DG_NONE when the scheme has no check */
    size_t max_row;            /* bound on the bytes of any row */
    size_t max_id;             /* longest raw unit id / code */
    char **strs;               /* owned strings */
    size_t n_strs;
} DgGenModel;

DgStatus dg_gen_model_build(DgGenModel *m, const DgScheme *s, const DgGenOptions *o, DgError *err);
void dg_gen_model_free(DgGenModel *m);

/* Day (relative) drawn by weekday weight among the days code c is in force. */
int32_t dg_gen_day_of_code(const DgGenModel *m, uint32_t c, DgGenRng *r);
/* Day drawn by weekday weight over the whole period. */
int32_t dg_gen_day_any(const DgGenModel *m, DgGenRng *r);
bool dg_gen_in_force(const DgGenModel *m, uint32_t c, int32_t day);
/* The catalog row of code c in force on relative day `day`, or NULL. */
const DgCatalogRow *dg_gen_row_at(const DgGenModel *m, uint32_t c, int32_t day);
bool dg_gen_unit_exists(const DgGenModel *m, const char *id, size_t n);
bool dg_gen_code_exists(const DgGenModel *m, const char *code, size_t n);

/* ---- one block ------------------------------------------------------------ */

typedef struct DgGenRow {
    uint64_t g;        /* global row index; record id R(g + 1) */
    uint32_t unit, code, staff; /* staff 0-based */
    int64_t patient;   /* patient number in the unit, -1 for a group service */
    int32_t day;       /* relative to the period start */
    uint32_t qty;
} DgGenRow;

typedef struct DgGenSched {
    uint32_t pair;
    uint64_t j;
} DgGenSched;

typedef struct DgGenCtx {
    const DgGenModel *m;
    DgGenRng rng;
    char *buf;
    size_t len, cap;
    DgGenSched *sched;
    size_t sched_cap;
    bool have_last;        /* an earlier valid row of this block, for duplicate ids */
    bool last_numeric;     /* ... whose JSON record_id was an integer */
    uint64_t last_g;
    bool file_last;        /* the row being written is the last of the file */
    DgGenStats st;         /* of the current block (bytes excluded) */
    char *scratch;         /* slow-path field texts */
    size_t scratch_cap;
} DgGenCtx;

void dg_gen_ctx_init(DgGenCtx *cx, const DgGenModel *m);
void dg_gen_ctx_free(DgGenCtx *cx);
/* Generate block b into cx->buf (cx->len bytes), stats in cx->st. */
void dg_gen_block(DgGenCtx *cx, uint64_t b);

/* Make room for n more bytes in cx->buf. */
static inline char *dg_gen_reserve(DgGenCtx *cx, size_t n)
{
    if (cx->cap - cx->len < n) {
        size_t want = cx->cap ? cx->cap : 1 << 16;
        while (want - cx->len < n)
            want *= 2;
        cx->buf = dg_xrealloc(cx->buf, want);
        cx->cap = want;
    }
    return cx->buf + cx->len;
}

/* Zero-padded decimal of v in exactly `w` digits (v must fit), two digits
 * at a time. */
extern const char dg_gen_digit_pairs[201];
static inline char *dg_gen_put_padded(char *p, uint64_t v, int w)
{
    int i = w;
    while (i >= 2) {
        memcpy(p + i - 2, dg_gen_digit_pairs + (v % 100) * 2, 2);
        v /= 100;
        i -= 2;
    }
    if (i)
        p[0] = (char)('0' + v % 10);
    return p + w;
}

static inline int dg_gen_digits(uint64_t v)
{
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* Fast path: a valid row in the plain form. */
void dg_gen_emit_plain(DgGenCtx *cx, const DgGenRow *r);
/* Slow path (gen_fault.c): with probability bad_ppm / 10^6 write r as a
 * faulty row, else with the same probability as an unusual valid row.
 * Returns false when r is still to be written plainly. */
bool dg_gen_emit_special(DgGenCtx *cx, const DgGenRow *r);

/* Text helpers shared by the model and the slow path.  Both append to p and
 * return the new end; the caller reserves 6 * n + 2 bytes. */
bool dg_gen_csv_needs_quotes(const char *s, size_t n);
char *dg_gen_put_csv(char *p, const char *s, size_t n, bool force_quotes);
char *dg_gen_put_json(char *p, const char *s, size_t n, bool u_escape_ascii);

#endif
