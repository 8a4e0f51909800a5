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
    uint64_t quote, comma, nl;
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
    Masks k = {0, 0, 0};
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
    }
    return k;
}

static size_t index_portable(const char *buf, size_t n, uint64_t *inq, uint32_t *out)
{
    size_t cnt = 0, i = 0;
    uint64_t carry = *inq;
    unsigned char tail[64];
    while (i < n) {
        const unsigned char *p = (const unsigned char *)buf + i;
        if (n - i < 64) {
            memset(tail, 0, sizeof tail);
            memcpy(tail, p, n - i);
            p = tail;
        }
        Masks k = classify_portable(p);
        uint64_t inside = prefix_xor_portable(k.quote) ^ carry;
        carry = (uint64_t)((int64_t)inside >> 63);
        cnt = flatten(out, cnt, (uint32_t)i, structural(&k, inside));
        i += 64;
    }
    *inq = carry;
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
                                                                  uint32_t *out)
{
    size_t cnt = 0, i = 0;
    uint64_t carry = *inq;
    unsigned char tail[64];
    const __m128i vq = _mm_set1_epi8('"'), vc = _mm_set1_epi8(','), vn = _mm_set1_epi8('\n');
    while (i < n) {
        const unsigned char *p = (const unsigned char *)buf + i;
        if (n - i < 64) {
            memset(tail, 0, sizeof tail);
            memcpy(tail, p, n - i);
            p = tail;
        }
        Masks k = {0, 0, 0};
        for (int j = 0; j < 4; j++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * j));
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
    return cnt;
}

__attribute__((target("avx2,pclmul"))) static inline uint64_t prefix_xor_clmul_avx(uint64_t x)
{
    __m128i v = _mm_set_epi64x(0, (long long)x);
    return (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(v, _mm_set1_epi8((char)0xFF), 0));
}

__attribute__((target("avx2,pclmul"))) static size_t index_avx2(const char *buf, size_t n, uint64_t *inq,
                                                               uint32_t *out)
{
    size_t cnt = 0, i = 0;
    uint64_t carry = *inq;
    unsigned char tail[64];
    const __m256i vq = _mm256_set1_epi8('"'), vc = _mm256_set1_epi8(','), vn = _mm256_set1_epi8('\n');
    while (i < n) {
        const unsigned char *p = (const unsigned char *)buf + i;
        if (n - i < 64) {
            memset(tail, 0, sizeof tail);
            memcpy(tail, p, n - i);
            p = tail;
        }
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)p);
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
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

size_t dg_csvsimd_index(DgScanImpl impl, const char *buf, size_t n, uint64_t *inq, uint32_t *out)
{
    if (impl == DG_SCAN_AUTO)
        impl = dg_csvsimd_best();
#if DG_X86
    if (impl == DG_SCAN_AVX2)
        return index_avx2(buf, n, inq, out);
    if (impl == DG_SCAN_SSE42)
        return index_sse42(buf, n, inq, out);
#endif
    return index_portable(buf, n, inq, out);
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
    while (c->next < c->limit) {
        size_t len = c->limit - c->next < BATCH ? c->limit - c->next : BATCH;
        c->base = c->next;
        c->n = dg_csvsimd_index(c->impl, c->buf + c->next, len, &c->inq, c->idx);
        c->at = 0;
        c->next += len;
        if (c->n)
            return true;
    }
    return false;
}

static inline void push(DgCsvRecord *r, const char *p, size_t len)
{
    if (r->n_fields == r->cap_fields) {
        r->cap_fields = r->cap_fields ? r->cap_fields * 2 : 16;
        r->fields = dg_xrealloc(r->fields, r->cap_fields * sizeof *r->fields);
    }
    DgCsvField *f = &r->fields[r->n_fields++];
    f->ptr = p;
    f->len = len;
    f->quoted = false;
}

static inline bool ws(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* An unquoted field buf[fs..fe) with spaces and tabs trimmed. */
static inline void push_trim(DgCsvRecord *r, const char *buf, size_t fs, size_t fe)
{
    while (fs < fe && ws(buf[fs]))
        fs++;
    while (fe > fs && ws(buf[fe - 1]))
        fe--;
    push(r, buf + fs, fe - fs);
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
    size_t fs = start, end;
    bool quoted = false, has_nl = false;
    for (;;) {
        if (c->at == c->n && !refill(c)) {
            end = c->limit;
            break;
        }
        size_t o = c->base + c->idx[c->at++];
        char ch = buf[o];
        if (ch == ',') {
            if (!quoted)
                push_trim(r, buf, fs, o);
            fs = o + 1;
        } else if (ch == '\n') {
            end = o + 1;
            has_nl = true;
            break;
        } else {
            quoted = true;
        }
    }
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
    /* a CR dropped before the LF may have been after the last comma only */
    push_trim(r, buf, fs, stop);
    return true;
}
