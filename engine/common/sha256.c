/*
 * SHA-256 (FIPS 180-4), see sha256.h for why the engine has its own.
 *
 * The SHA-NI block function follows the instruction set's design: the
 * state lives in two registers as (A,B,E,F) and (C,D,G,H); each
 * sha256rnds2 does two rounds; sha256msg1/msg2 extend the message
 * schedule four words at a time.  Sixteen groups of four rounds, with the
 * schedule words kept in a ring of four registers.
 */
#include "sha256.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHANI_CODE 1
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, int n)
{
    return x >> n | x << (32 - n);
}

static void blocks_c(uint32_t h[8], const unsigned char *p, size_t n_blocks)
{
    for (; n_blocks; n_blocks--, p += 64) {
        uint32_t w[64];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
                   (uint32_t)p[4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
            uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
    }
}

#ifdef HAVE_SHANI_CODE
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_ni(uint32_t h[8], const unsigned char *p,
                                                                   size_t n_blocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_loadu_si128((const __m128i *)&h[0]);  /* D C B A (lane 3..0) */
    __m128i st1 = _mm_loadu_si128((const __m128i *)&h[4]);  /* H G F E */
    tmp = _mm_shuffle_epi32(tmp, 0xB1);                     /* C D A B */
    st1 = _mm_shuffle_epi32(st1, 0x1B);                     /* E F G H */
    __m128i st0 = _mm_alignr_epi8(tmp, st1, 8);             /* A B E F */
    st1 = _mm_blend_epi16(st1, tmp, 0xF0);                  /* C D G H */
    for (; n_blocks; n_blocks--, p += 64) {
        __m128i save0 = st0, save1 = st1;
        __m128i w[4];
        for (int i = 0; i < 16; i++) {
            if (i < 4)
                w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
            __m128i msg = _mm_add_epi32(w[i & 3], _mm_loadu_si128((const __m128i *)&K[4 * i]));
            st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
            if (i >= 3 && i < 15) {
                /* the words of group i + 1 (msg1 began them two groups ago) */
                __m128i t = _mm_alignr_epi8(w[i & 3], w[(i - 1) & 3], 4);
                w[(i + 1) & 3] = _mm_sha256msg2_epu32(_mm_add_epi32(w[(i + 1) & 3], t), w[i & 3]);
            }
            msg = _mm_shuffle_epi32(msg, 0x0E);
            st0 = _mm_sha256rnds2_epu32(st0, st1, msg);
            if (i >= 1 && i < 13)
                w[(i - 1) & 3] = _mm_sha256msg1_epu32(w[(i - 1) & 3], w[i & 3]);
        }
        st0 = _mm_add_epi32(st0, save0);
        st1 = _mm_add_epi32(st1, save1);
    }
    tmp = _mm_shuffle_epi32(st0, 0x1B);    /* F E B A */
    st1 = _mm_shuffle_epi32(st1, 0xB1);    /* D C H G */
    st0 = _mm_blend_epi16(tmp, st1, 0xF0); /* D C B A */
    st1 = _mm_alignr_epi8(st1, tmp, 8);    /* H G F E */
    _mm_storeu_si128((__m128i *)&h[0], st0);
    _mm_storeu_si128((__m128i *)&h[4], st1);
}
#endif

bool dg_sha256_accelerated(void)
{
#ifdef HAVE_SHANI_CODE
    /* CPUID directly: __builtin_cpu_supports("sha") is GCC-only (clang 14
     * rejects the feature name).  Leaf 1 ECX: SSSE3 bit 9, SSE4.1 bit 19;
     * leaf 7 subleaf 0 EBX: SHA bit 29. */
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
        return false;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return false;
    return (b & (1u << 29)) != 0;
#else
    return false;
#endif
}

static void blocks(DgSha256 *c, const unsigned char *p, size_t n_blocks)
{
#ifdef HAVE_SHANI_CODE
    static int ni = -1; /* racy but idempotent: every thread computes the same value */
    if (ni < 0)
        ni = dg_sha256_accelerated();
    if (ni && !c->portable) {
        blocks_ni(c->h, p, n_blocks);
        return;
    }
#endif
    blocks_c(c->h, p, n_blocks);
}

void dg_sha256_init(DgSha256 *c)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memset(c, 0, sizeof *c);
    memcpy(c->h, h0, sizeof h0);
}

void dg_sha256_update(DgSha256 *c, const void *data, size_t n)
{
    const unsigned char *p = data;
    c->bytes += n;
    if (c->n_buf) {
        size_t take = 64 - c->n_buf < n ? 64 - c->n_buf : n;
        memcpy(c->buf + c->n_buf, p, take);
        c->n_buf += take;
        p += take;
        n -= take;
        if (c->n_buf < 64)
            return;
        blocks(c, c->buf, 1);
        c->n_buf = 0;
    }
    if (n >= 64) {
        blocks(c, p, n / 64);
        p += n / 64 * 64;
        n %= 64;
    }
    memcpy(c->buf, p, n);
    c->n_buf = n;
}

void dg_sha256_final_hex(DgSha256 *c, char hex[65])
{
    uint64_t bits = c->bytes * 8;
    unsigned char pad[72] = {0x80};
    size_t np = c->n_buf < 56 ? 56 - c->n_buf : 120 - c->n_buf;
    for (int i = 0; i < 8; i++)
        pad[np + i] = (unsigned char)(bits >> (56 - 8 * i));
    dg_sha256_update(c, pad, np + 8);
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) {
            unsigned v = (c->h[i] >> (24 - 8 * j)) & 0xFF;
            hex[8 * i + 2 * j] = digits[v >> 4];
            hex[8 * i + 2 * j + 1] = digits[v & 15];
        }
    hex[64] = 0;
}
