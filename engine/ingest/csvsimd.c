/*
 * Block-at-a-time CSV record scanner; the design is described in csvsimd.h.
 *
 * Each implementation of stage 1 is a loop over 64-byte blocks around one
 * inline block classifier; the last partial block is copied into a zeroed
 * 64-byte buffer, so no implementation reads past the input (the mapped
 * file may end exactly there).  Everything after the three byte masks —
 * prefix XOR, carry, flattening — is shared code, so the implementations
 * differ only in how they compare bytes.
 */
#include "csvsimd.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define DG_X86 1
#include <immintrin.h>
#else
#define DG_X86 0
#endif

/* Bytes indexed per batch: the index (4 bytes per structural byte) stays
 * small enough for L2 even for a batch made only of commas. */
#define BATCH (32u << 10)
#define SLACK 8

typedef struct Masks {
    uint64_t quote, comma, nl, ws;
} Masks;

/* ---- shared tail of every implementation --------------------------------- */

static inline uint64_t prefix_xor_portable(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

/* Write the offsets base + i of the set bits i of m; out has SLACK spare
 * entries past the true count, which the unconditional stores may touch.
 * ctz of (m | top bit) equals ctz(m) for m != 0 and is defined for m == 0. */
static inline size_t flatten(uint32_t *out, size_t n, uint32_t base, uint64_t m)
{
    if (!m)
        return n;
    size_t cnt = (size_t)__builtin_popcountll(m);
    uint32_t *o = out + n;
    const uint64_t top = 1ULL << 63;
    for (;;) {
        o[0] = base + (uint32_t)__builtin_ctzll(m | top);
        m &= m - 1;
        o[1] = base + (uint32_t)__builtin_ctzll(m | top);
        m &= m - 1;
        o[2] = base + (uint32_t)__builtin_ctzll(m | top);
        m &= m - 1;
        o[3] = base + (uint32_t)__builtin_ctzll(m | top);
        m &= m - 1;
        o[4] = base + (uint32_t)__builtin_ctzll(m | top);
        m &= m - 1;
        o[5] = base + (uint32_t)__builtin_ctzll(m | top);
        m &= m - 1;
        o[6] = base + (uint32_t)__builtin_ctzll(m | top);
        m &= m - 1;
        o[7] = base + (uint32_t)__builtin_ctzll(m | top);
        m &= m - 1;
        if (!m)
            break;
        o += 8;
    }
    return n + cnt;
}

/* The structural mask of a block given its inside-quotes mask. */
static inline uint64_t structural(const Masks *k, uint64_t inside)
{
    return k->quote | ((k->comma | k->nl) & ~inside);
}

/* ---- portable implementation ------------------------------------------------ */

/* One bit per byte equal to c, at the byte's top bit (exact, no carries
 * across bytes), gathered into 8 bits. */
static inline uint64_t eq8(uint64_t w, uint64_t c)
{
    const uint64_t lo7 = 0x7F7F7F7F7F7F7F7FULL;
    uint64_t x = w ^ c;
    uint64_t t = ~(((x & lo7) + lo7) | x | lo7); /* 0x80 in each byte of w equal to c */
    /* gather the eight top bits: multiply moves bit 8k+7 to bit 56+k */
    return (t >> 7) * 0x0102040810204080ULL >> 56;
}

static inline Masks classify_portable(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101ULL;
    Masks k = {0, 0, 0, 0};
    for (int i = 0; i < 8; i++) {
        uint64_t w;
        memcpy(&w, p + 8 * i, 8);
        /* little-endian byte order assumed for the bit positions */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        k.quote |= eq8(w, ones * '"') << (8 * i);
        k.comma |= eq8(w, ones * ',') << (8 * i);
        k.nl |= eq8(w, ones * '\n') << (8 * i);
        k.ws |= eq8(w, ones * ' ') | eq8(w, ones * '\t');
    }
    return k;
}

static size_t index_portable(const char *buf, size_t n, uint64_t *inq, uint32_t *out, bool *ws)
{
    size_t cnt = 0, i = 0;
    uint64_t carry = *inq, anyws = 0;
    unsigned char tail[64];
    while (i < n) {
        const unsigned char *p = (const unsigned char *)buf + i;
        if (n - i < 64) {
            memset(tail, 0, sizeof tail);
            memcpy(tail, p, n - i);
            p = tail;
        }
        Masks k = classify_portable(p);
        anyws |= k.ws;
        uint64_t inside = prefix_xor_portable(k.quote) ^ carry;
        carry = (uint64_t)((int64_t)inside >> 63);
        cnt = flatten(out, cnt, (uint32_t)i, structural(&k, inside));
        i += 64;
    }
    *inq = carry;
    *ws = anyws != 0;
    return cnt;
}

/* ---- x86 implementations ------------------------------------------------------ */

#if DG_X86

__attribute__((target("sse4.2,pclmul"))) static inline uint64_t prefix_xor_clmul_sse(uint64_t x)
{
    __m128i v = _mm_set_epi64x(0, (long long)x);
    return (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(v, _mm_set1_epi8((char)0xFF), 0));
}

__attribute__((target("sse4.2,pclmul"))) static size_t index_sse42(const char *buf, size_t n, uint64_t *inq,
                                                                  uint32_t *out, bool *ws)
{
    size_t cnt = 0, i = 0;
    uint64_t carry = *inq;
    unsigned char tail[64];
    const __m128i vq = _mm_set1_epi8('"'), vc = _mm_set1_epi8(','), vn = _mm_set1_epi8('\n');
    const __m128i vs = _mm_set1_epi8(' '), vt = _mm_set1_epi8('\t');
    __m128i anyws = _mm_setzero_si128();
    while (i < n) {
        const unsigned char *p = (const unsigned char *)buf + i;
        if (n - i < 64) {
            memset(tail, 0, sizeof tail);
            memcpy(tail, p, n - i);
            p = tail;
        }
        Masks k = {0, 0, 0, 0};
        for (int j = 0; j < 4; j++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * j));
            anyws = _mm_or_si128(anyws, _mm_or_si128(_mm_cmpeq_epi8(v, vs), _mm_cmpeq_epi8(v, vt)));
            k.quote |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vq)) << (16 * j);
            k.comma |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vc)) << (16 * j);
            k.nl |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vn)) << (16 * j);
        }
        uint64_t inside = prefix_xor_clmul_sse(k.quote) ^ carry;
        carry = (uint64_t)((int64_t)inside >> 63);
        cnt = flatten(out, cnt, (uint32_t)i, structural(&k, inside));
        i += 64;
    }
    *inq = carry;
    *ws = _mm_movemask_epi8(anyws) != 0;
    return cnt;
}

__attribute__((target("avx2,pclmul"))) static inline uint64_t prefix_xor_clmul_avx(uint64_t x)
{
    __m128i v = _mm_set_epi64x(0, (long long)x);
    return (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(v, _mm_set1_epi8((char)0xFF), 0));
}

__attribute__((target("avx2,pclmul"))) static size_t index_avx2(const char *buf, size_t n, uint64_t *inq,
                                                               uint32_t *out, bool *ws)
{
    size_t cnt = 0, i = 0;
    uint64_t carry = *inq;
    unsigned char tail[64];
    const __m256i vq = _mm256_set1_epi8('"'), vc = _mm256_set1_epi8(','), vn = _mm256_set1_epi8('\n');
    const __m256i vs = _mm256_set1_epi8(' '), vt = _mm256_set1_epi8('\t');
    __m256i anyws = _mm256_setzero_si256();
    while (i < n) {
        const unsigned char *p = (const unsigned char *)buf + i;
        if (n - i < 64) {
            memset(tail, 0, sizeof tail);
            memcpy(tail, p, n - i);
            p = tail;
        }
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)p);
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
        anyws = _mm256_or_si256(anyws, _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(a, vs), _mm256_cmpeq_epi8(a, vt)),
                                                       _mm256_or_si256(_mm256_cmpeq_epi8(b, vs), _mm256_cmpeq_epi8(b, vt))));
        Masks k;
        k.quote = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vq)) |
                  (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, vq)) << 32;
        k.comma = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vc)) |
                  (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, vc)) << 32;
        k.nl = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vn)) |
               (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, vn)) << 32;
        uint64_t inside = prefix_xor_clmul_avx(k.quote) ^ carry;
        carry = (uint64_t)((int64_t)inside >> 63);
        cnt = flatten(out, cnt, (uint32_t)i, structural(&k, inside));
        i += 64;
    }
    *inq = carry;
    *ws = _mm256_movemask_epi8(anyws) != 0;
    return cnt;
}

#endif

/* ---- dispatch ------------------------------------------------------------------- */

bool dg_csvsimd_supported(DgScanImpl impl)
{
    switch (impl) {
    case DG_SCAN_AUTO:
    case DG_SCAN_SCALAR:
        return true;
#if DG_X86
    case DG_SCAN_SSE42:
        __builtin_cpu_init();
        return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("pclmul");
    case DG_SCAN_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul");
#endif
    default:
        return false;
    }
}

DgScanImpl dg_csvsimd_best(void)
{
    static DgScanImpl best; /* 0 = not decided yet; the answer is the same for every thread */
    DgScanImpl b;
#pragma omp atomic read
    b = best;
    if (b != DG_SCAN_AUTO)
        return b;
    if (dg_csvsimd_supported(DG_SCAN_AVX2))
        b = DG_SCAN_AVX2;
    else if (dg_csvsimd_supported(DG_SCAN_SSE42))
        b = DG_SCAN_SSE42;
    else
        b = DG_SCAN_SCALAR;
#pragma omp atomic write
    best = b;
    return b;
}

const char *dg_csvsimd_name(DgScanImpl impl)
{
    switch (impl == DG_SCAN_AUTO ? dg_csvsimd_best() : impl) {
    case DG_SCAN_SSE42:
        return "sse4.2";
    case DG_SCAN_AVX2:
        return "avx2";
    default:
        return "scalar";
    }
}

size_t dg_csvsimd_index(DgScanImpl impl, const char *buf, size_t n, uint64_t *inq, uint32_t *out, bool *ws)
{
    if (impl == DG_SCAN_AUTO)
        impl = dg_csvsimd_best();
#if DG_X86
    if (impl == DG_SCAN_AVX2)
        return index_avx2(buf, n, inq, out, ws);
    if (impl == DG_SCAN_SSE42)
        return index_sse42(buf, n, inq, out, ws);
#endif
    return index_portable(buf, n, inq, out, ws);
}

/* ---- stage 2: records ------------------------------------------------------------- */

void dg_csv_cursor_init(DgCsvCursor *c, const char *buf, size_t pos, size_t limit, DgScanImpl impl)
{
    memset(c, 0, sizeof *c);
    c->buf = buf;
    c->pos = c->next = c->base = pos;
    c->limit = limit;
    c->impl = impl == DG_SCAN_AUTO ? dg_csvsimd_best() : impl;
    c->cap = BATCH + SLACK;
    c->idx = dg_xmalloc(c->cap * sizeof *c->idx);
}

void dg_csv_cursor_free(DgCsvCursor *c)
{
    if (!c)
        return;
    free(c->idx);
    c->idx = NULL;
}

/* Index the next batch; false when the input is exhausted. */
static bool refill(DgCsvCursor *c)
{
    bool any = false; /* spaces or tabs in this batch or the skipped ones before it */
    while (c->next < c->limit) {
        size_t len = c->limit - c->next < BATCH ? c->limit - c->next : BATCH;
        bool w;
        c->base = c->next;
        c->n = dg_csvsimd_index(c->impl, c->buf + c->next, len, &c->inq, c->idx, &w);
        any |= w;
        c->at = 0;
        c->next += len;
        if (c->n) {
            c->ws = any;
            return true;
        }
    }
    c->ws = any;
    return false;
}

static inline bool ws(char ch)
{
    return ch == ' ' || ch == '\t';
}

static void grow(DgCsvRecord *r)
{
    r->cap_fields = r->cap_fields ? r->cap_fields * 2 : 16;
    r->fields = dg_xrealloc(r->fields, r->cap_fields * sizeof *r->fields);
}

bool dg_csv_cursor_next(DgCsvCursor *c, DgCsvRecord *r, size_t *pos)
{
    const char *buf = c->buf;
    size_t start = c->pos;
    r->n_fields = 0;
    r->blank = false;
    r->malformed = false;
    r->why = NULL;
    r->n_newlines = 0;
    if (start >= c->limit)
        return false;
    if (!r->cap_fields)
        grow(r);
    /* the loop keeps the cursor and the field list in locals: stores to
     * r->fields could otherwise alias them and force reloads per entry */
    const uint32_t *idx = c->idx;
    size_t at = c->at, n = c->n, base = c->base;
    bool trim = c->ws;
    DgCsvField *fl = r->fields;
    size_t nf = 0, cap = r->cap_fields;
    size_t fs = start, end;
    bool quoted = false, has_nl = false;
    for (;;) {
        if (at == n) {
            c->at = at;
            bool more = refill(c);
            trim |= c->ws;
            if (!more) {
                end = c->limit;
                break;
            }
            at = c->at;
            n = c->n;
            base = c->base;
        }
        size_t o = base + idx[at++];
        char ch = buf[o];
        if (ch == ',') {
            if (nf == cap) {
                r->n_fields = nf;
                grow(r);
                fl = r->fields;
                cap = r->cap_fields;
            }
            fl[nf].ptr = buf + fs;
            fl[nf].len = o - fs;
            fl[nf].quoted = false;
            nf++;
            fs = o + 1;
        } else if (ch == '\n') {
            end = o + 1;
            has_nl = true;
            break;
        } else {
            quoted = true;
        }
    }
    c->at = at;
    c->pos = end;
    if (pos)
        *pos = end;
    if (quoted) {
        /* quotes: the serial scanner decides fields, unescaping and
         * malformations; it finds the same end by the same rule */
        size_t p = start;
        dg_csv_scan(buf, c->limit, &p, r);
        return true;
    }
    size_t stop = end - has_nl;
    if (stop > start && buf[stop - 1] == '\r')
        stop--;
    r->n_newlines = has_nl;
    if (stop == start) {
        r->n_fields = 0;
        r->blank = true;
        return true;
    }
    /* the last field; a CR dropped before the LF can only follow the last comma */
    if (nf == cap) {
        r->n_fields = nf;
        grow(r);
        fl = r->fields;
    }
    fl[nf].ptr = buf + fs;
    fl[nf].len = stop - fs;
    fl[nf].quoted = false;
    nf++;
    r->n_fields = nf;
    if (trim) /* a space or tab somewhere in the batches of this record */
        for (size_t f = 0; f < nf; f++) {
            const char *p = fl[f].ptr;
            size_t len = fl[f].len;
            while (len && ws(*p)) {
                p++;
                len--;
            }
            while (len && ws(p[len - 1]))
                len--;
            fl[f].ptr = p;
            fl[f].len = len;
        }
    return true;
}
