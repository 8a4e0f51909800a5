/*
 * Parallel chunking of a window (see chunker.h for the contract).
 *
 * Three steps.  (1) The window is cut into "raw" chunks of chunk_size bytes
 * and, in parallel, the '"' and '\n' bytes of each are counted (SSE2 byte
 * counters, 16 bytes per compare; a portable word loop elsewhere).
 * (2) A serial prefix sum gives the quote parity and line number at each raw
 * chunk start, and a backward search finds where the complete records end
 * (`consumed`).  (3) In parallel, each raw chunk looks for the first record
 * start inside its own bytes only — bounded, so a huge quoted field cannot
 * make every chunk rescan the rest of the window — and a serial
 * right-to-left pass gives a chunk without one the start of its successor.
 * A record start is offset 0 or the byte after a '\n' preceded by an even
 * number of '"' in the window: exactly the rule of dg_csv_record_end, so the
 * boundaries equal those of a serial dg_csv_scan loop for any bytes.
 */
#include "chunker.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Windows below this size are chunked on the calling thread: starting the
 * thread team costs more than counting a few KiB. */
#define PARALLEL_MIN_BYTES (256u << 10)

#define NONE SIZE_MAX

static size_t count_byte_memchr(const char *p, size_t n, char c)
{
    size_t k = 0;
    const char *e = p + n;
    while (p < e && (p = memchr(p, c, (size_t)(e - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

/* Count '"' (when want_q) and '\n' in p[0..n). */
static void count_qn(const char *p, size_t n, bool want_q, uint64_t *nq, uint64_t *nn)
{
    uint64_t q = 0, l = 0;
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i vq = _mm_set1_epi8('"'), vn = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    while (n - i >= 64) {
        /* byte counters: at most 4 increments per iteration, so <= 63 iterations before they could wrap */
        size_t iters = (n - i) / 64;
        if (iters > 63)
            iters = 63;
        __m128i aq = zero, an = zero;
        for (size_t k = 0; k < iters; k++, i += 64) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));
            __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 32));
            __m128i d = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 48));
            an = _mm_sub_epi8(an, _mm_cmpeq_epi8(a, vn));
            an = _mm_sub_epi8(an, _mm_cmpeq_epi8(b, vn));
            an = _mm_sub_epi8(an, _mm_cmpeq_epi8(c, vn));
            an = _mm_sub_epi8(an, _mm_cmpeq_epi8(d, vn));
            if (want_q) {
                aq = _mm_sub_epi8(aq, _mm_cmpeq_epi8(a, vq));
                aq = _mm_sub_epi8(aq, _mm_cmpeq_epi8(b, vq));
                aq = _mm_sub_epi8(aq, _mm_cmpeq_epi8(c, vq));
                aq = _mm_sub_epi8(aq, _mm_cmpeq_epi8(d, vq));
            }
        }
        __m128i sn = _mm_sad_epu8(an, zero), sq = _mm_sad_epu8(aq, zero);
        l += (uint64_t)_mm_cvtsi128_si32(sn) + (uint64_t)_mm_cvtsi128_si32(_mm_srli_si128(sn, 8));
        q += (uint64_t)_mm_cvtsi128_si32(sq) + (uint64_t)_mm_cvtsi128_si32(_mm_srli_si128(sq, 8));
    }
#else
    /* exact per-byte zero test (no carries between bytes), then popcount */
    const uint64_t lo7 = 0x7F7F7F7F7F7F7F7FULL, ones = 0x0101010101010101ULL;
    while (n - i >= 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t xn = w ^ (ones * '\n');
        uint64_t t = ~(((xn & lo7) + lo7) | xn | lo7);
        l += (uint64_t)__builtin_popcountll(t);
        if (want_q) {
            uint64_t xq = w ^ (ones * '"');
            t = ~(((xq & lo7) + lo7) | xq | lo7);
            q += (uint64_t)__builtin_popcountll(t);
        }
        i += 8;
    }
#endif
    for (; i < n; i++) {
        l += p[i] == '\n';
        q += p[i] == '"';
    }
    *nq = want_q ? q : 0;
    *nn = l;
}

void dg_chunk_count(const char *p, size_t n, bool want_quotes, uint64_t *nq, uint64_t *nn)
{
    count_qn(p, n, want_quotes, nq, nn);
}

/* First record start p with r <= p < lim (r < lim), given the quote state at
 * r; NONE if there is none. */
static size_t first_start(const char *buf, size_t r, size_t lim, bool inq, bool qa)
{
    if (r == 0)
        return 0;
    if (buf[r - 1] == '\n' && !inq) /* '\n' is not a quote: the state before it equals the state at r */
        return r;
    size_t stop = lim - 1; /* a '\n' at q starts a record at q + 1, which must be < lim */
    size_t i = r;
    while (i < stop) {
        if (!inq) {
            const char *nl = memchr(buf + i, '\n', stop - i);
            size_t s = nl ? (size_t)(nl - buf) : stop;
            const char *q = qa ? memchr(buf + i, '"', s - i) : NULL;
            if (!q)
                return nl ? s + 1 : NONE;
            i = (size_t)(q - buf) + 1;
            inq = true;
        } else {
            const char *q = memchr(buf + i, '"', stop - i);
            if (!q)
                return NONE;
            i = (size_t)(q - buf) + 1;
            inq = false;
        }
    }
    return NONE;
}

/* The last '\n' at even parity in [r, e), given the state at r: index or NONE.
 * *nl_before receives the number of '\n' in [r, index]. */
static size_t last_even_newline(const char *buf, size_t r, size_t e, bool inq, uint64_t *nl_before)
{
    size_t last = NONE;
    uint64_t k = 0, k_last = 0;
    for (size_t i = r; i < e; i++) {
        char c = buf[i];
        if (c == '"') {
            inq = !inq;
        } else if (c == '\n') {
            k++;
            if (!inq) {
                last = i;
                k_last = k;
            }
        }
    }
    *nl_before = k_last;
    return last;
}

void dg_chunk_split(const char *buf, size_t len, bool eof, bool quote_aware, size_t chunk_size, uint64_t line0,
                    DgChunk **chunks, size_t *n_chunks, size_t *consumed)
{
    size_t cs = chunk_size ? chunk_size : 1;
    size_t n_raw = len ? (len - 1) / cs + 1 : 0;
    *chunks = NULL;
    *n_chunks = 0;
    *consumed = 0;
    if (n_raw == 0)
        return;

    /* (1) counts; then prefix: nq[i], nn[i] become the counts in [0, r_i) */
    uint64_t *nq = dg_xmalloc((n_raw + 1) * sizeof *nq);
    uint64_t *nn = dg_xmalloc((n_raw + 1) * sizeof *nn);
#pragma omp parallel for schedule(static) if (len >= PARALLEL_MIN_BYTES && n_raw > 1)
    for (size_t i = 0; i < n_raw; i++) {
        size_t r = i * cs;
        size_t e = len - r < cs ? len : r + cs;
        count_qn(buf + r, e - r, quote_aware, &nq[i + 1], &nn[i + 1]);
    }
    nq[0] = nn[0] = 0;
    for (size_t i = 1; i <= n_raw; i++) {
        nq[i] += nq[i - 1];
        nn[i] += nn[i - 1];
    }

    /* (2) how far the complete records go, and the line number there */
    size_t cons = NONE;
    uint64_t cons_line = 0; /* '\n' count in [0, cons) */
    if (eof) {
        cons = len;
        cons_line = nn[n_raw];
    } else if (!quote_aware) {
        const char *nl = memrchr(buf, '\n', len);
        if (nl) {
            cons = (size_t)(nl - buf) + 1;
            cons_line = nn[n_raw]; /* no '\n' after the last one */
        }
    } else {
        for (size_t k = n_raw; k-- > 0;) {
            if (nn[k + 1] == nn[k])
                continue;
            size_t r = k * cs;
            size_t e = len - r < cs ? len : r + cs;
            uint64_t nb = 0;
            size_t last = last_even_newline(buf, r, e, nq[k] & 1, &nb);
            if (last != NONE) {
                cons = last + 1;
                cons_line = nn[k] + nb;
                break;
            }
        }
    }
    if (cons == NONE || cons == 0) {
        free(nq);
        free(nn);
        return;
    }

    /* (3) first record start inside each raw chunk that begins before cons */
    size_t n = (cons - 1) / cs + 1;
    DgChunk *ch = dg_xmalloc(n * sizeof *ch);
#pragma omp parallel for schedule(static) if (len >= PARALLEL_MIN_BYTES && n > 1)
    for (size_t i = 0; i < n; i++) {
        size_t r = i * cs;
        size_t e = len - r < cs ? len : r + cs;
        size_t p = first_start(buf, r, e, quote_aware && (nq[i] & 1), quote_aware);
        if (p != NONE && p < cons) {
            ch[i].begin = p;
            ch[i].first_line = line0 + nn[i] + count_byte_memchr(buf + r, p - r, '\n');
        } else {
            ch[i].begin = NONE;
        }
    }
    size_t next = cons;
    uint64_t next_line = line0 + cons_line;
    for (size_t i = n; i-- > 0;) {
        if (ch[i].begin == NONE) {
            ch[i].begin = next;
            ch[i].first_line = next_line;
        }
        ch[i].end = next;
        next = ch[i].begin;
        next_line = ch[i].first_line;
    }
    free(nq);
    free(nn);
    *chunks = ch;
    *n_chunks = n;
    *consumed = cons;
}
