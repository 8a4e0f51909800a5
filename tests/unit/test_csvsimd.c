/*
 * Unit tests of the block CSV scanner (engine/ingest/csvsimd.c).
 *
 * Two references, both independent of the code under test: a naive byte
 * loop for stage 1 (every '"' toggles the state; commas and newlines count
 * outside quotes), and the serial dg_csv_scan for the records.  Every
 * implementation the CPU supports is run on thousands of random inputs made
 * of the bytes that matter (quotes, commas, CR, LF, spaces, tabs, letters,
 * a UTF-8 byte), with every start offset inside a 64-byte block and every
 * length around the block and batch edges; each input is copied into a
 * buffer of exactly its size, so the sanitizer build catches a read past
 * the end.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common/csvscan.h"
#include "dangliang/common.h"
#include "ingest/csvsimd.h"

static const DgScanImpl impls[] = {DG_SCAN_SCALAR, DG_SCAN_SSE42, DG_SCAN_AVX2};
#define N_IMPLS (sizeof impls / sizeof impls[0])

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random bytes biased toward structure: `qpct` percent quotes. */
static void fill(char *b, size_t n, unsigned qpct)
{
    static const char pool[] = ",,,,\n\n\r  \tabcdefxyz0123\xE4";
    for (size_t i = 0; i < n; i++) {
        unsigned r = (unsigned)(rnd() % 100);
        b[i] = r < qpct ? '"' : pool[rnd() % (sizeof pool - 1)];
    }
}

/* The naive stage-1 reference. */
static size_t ref_index(const char *b, size_t n, uint64_t *inq, uint32_t *out, bool *ws)
{
    bool in = *inq != 0;
    size_t k = 0;
    *ws = false;
    for (size_t i = 0; i < n; i++) {
        *ws |= b[i] == ' ' || b[i] == '\t';
        if (b[i] == '"') {
            in = !in;
            out[k++] = (uint32_t)i;
        } else if (!in && (b[i] == ',' || b[i] == '\n')) {
            out[k++] = (uint32_t)i;
        }
    }
    *inq = in ? UINT64_MAX : 0;
    return k;
}

Test(csvsimd, dispatch_names)
{
    cr_expect(dg_csvsimd_supported(DG_SCAN_SCALAR));
    cr_expect(dg_csvsimd_supported(dg_csvsimd_best()));
    cr_expect_neq(dg_csvsimd_best(), DG_SCAN_AUTO);
    cr_expect_str_eq(dg_csvsimd_name(DG_SCAN_SCALAR), "scalar");
    cr_expect_str_eq(dg_csvsimd_name(DG_SCAN_AVX2), "avx2");
    cr_expect_str_eq(dg_csvsimd_name(DG_SCAN_AUTO), dg_csvsimd_name(dg_csvsimd_best()));
}

Test(csvsimd, index_matches_byte_loop)
{
    size_t cap = 4096;
    char *src = malloc(cap);
    uint32_t *want = malloc((cap + 8) * sizeof *want), *got = malloc((cap + 8) * sizeof *got);
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(rnd() % (round < 1500 ? 200 : cap));
        unsigned qpct = (unsigned)(rnd() % 4) * 10; /* 0, 10, 20, 30 % quotes */
        fill(src, n, qpct);
        char *b = malloc(n ? n : 1); /* exact size */
        memcpy(b, src, n);
        uint64_t in0 = rnd() & 1 ? UINT64_MAX : 0;
        uint64_t rs = in0;
        bool rws, gws;
        size_t k = ref_index(b, n, &rs, want, &rws);
        for (size_t m = 0; m < N_IMPLS; m++) {
            if (!dg_csvsimd_supported(impls[m]))
                continue;
            uint64_t s = in0;
            size_t g = dg_csvsimd_index(impls[m], b, n, &s, got, &gws);
            cr_assert_eq(gws, rws, "%s: space/tab flag differs (n %zu)", dg_csvsimd_name(impls[m]), n);
            cr_assert_eq(g, k, "%s: %zu structural bytes, want %zu (n %zu)", dg_csvsimd_name(impls[m]), g, k, n);
            cr_assert(memcmp(got, want, k * sizeof *got) == 0, "%s: offsets differ (n %zu)",
                      dg_csvsimd_name(impls[m]), n);
            cr_assert_eq(s, rs, "%s: quote state after the input differs", dg_csvsimd_name(impls[m]));
        }
        free(b);
    }
    free(src);
    free(want);
    free(got);
}

/* Records of b[0..n) from `from`: the cursor of impl vs dg_csv_scan. */
static void agree(const char *b, size_t n, size_t from, DgScanImpl impl)
{
    DgCsvRecord a, r;
    dg_csv_record_init(&a);
    dg_csv_record_init(&r);
    DgCsvCursor c;
    dg_csv_cursor_init(&c, b, from, n, impl);
    size_t pa = from, pr = 0;
    size_t nrec = 0;
    for (;;) {
        bool ga = dg_csv_scan(b, n, &pa, &a);
        bool gr = dg_csv_cursor_next(&c, &r, &pr);
        cr_assert_eq(gr, ga, "%s: record %zu exists in one scan only", dg_csvsimd_name(impl), nrec);
        if (!ga)
            break;
        cr_assert_eq(pr, pa, "%s: record %zu ends at %zu, want %zu", dg_csvsimd_name(impl), nrec, pr, pa);
        cr_assert_eq(r.blank, a.blank);
        cr_assert_eq(r.malformed, a.malformed);
        cr_assert_eq(r.n_newlines, a.n_newlines);
        cr_assert((r.why == NULL) == (a.why == NULL) && (!a.why || strcmp(r.why, a.why) == 0));
        cr_assert_eq(r.n_fields, a.n_fields, "%s: record %zu has %zu fields, want %zu", dg_csvsimd_name(impl),
                     nrec, r.n_fields, a.n_fields);
        for (size_t f = 0; f < a.n_fields; f++) {
            cr_assert_eq(r.fields[f].len, a.fields[f].len);
            cr_assert_eq(r.fields[f].quoted, a.fields[f].quoted);
            cr_assert(memcmp(r.fields[f].ptr, a.fields[f].ptr, a.fields[f].len) == 0);
        }
        nrec++;
    }
    dg_csv_cursor_free(&c);
    dg_csv_record_clear(&a);
    dg_csv_record_clear(&r);
}

Test(csvsimd, records_match_serial_scan_random_bytes)
{
    size_t cap = 3000;
    char *src = malloc(cap);
    for (int round = 0; round < 2000; round++) {
        size_t n = 1 + (size_t)(rnd() % (round < 1000 ? 160 : cap));
        unsigned qpct = (unsigned)(rnd() % 3) * 5; /* 0, 5, 10 % quotes */
        fill(src, n, qpct);
        char *b = malloc(n);
        memcpy(b, src, n);
        /* a start inside the first block, at a record start by construction:
         * offset 0 or just past a newline when the prefix has no quote */
        size_t from = 0;
        size_t f0 = (size_t)(rnd() % 64);
        if (f0 < n && f0 > 0 && b[f0 - 1] == '\n' && !memchr(b, '"', f0))
            from = f0;
        for (size_t m = 0; m < N_IMPLS; m++)
            if (dg_csvsimd_supported(impls[m]))
                agree(b, n, from, impls[m]);
        free(b);
    }
    free(src);
}

/* A record boundary at every offset of a block: rows of growing length. */
Test(csvsimd, boundaries_at_every_block_offset)
{
    for (size_t shift = 0; shift < 130; shift++) {
        size_t n = 0;
        char *b = malloc(4096);
        for (size_t i = 0; i < shift; i++)
            b[n++] = (char)('a' + i % 26);
        b[n++] = '\n';
        static const char *rows[] = {"R1,U1,S1,P1,IT,2020-01-02,1\r\n", "\"q,1\",U,S,,I,2020-1-2, 2\n",
                                     "  ,\t,\n", "\n", "x,\"a\"\"b\",\"l1\nl2\"\n", "a,b\"c\n", ",,,,,,\n"};
        for (int rep = 0; rep < 6; rep++)
            for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
                size_t l = strlen(rows[k]);
                memcpy(b + n, rows[k], l);
                n += l;
            }
        memcpy(b + n, "tail,\"open", 10);
        n += 10;
        char *e = malloc(n);
        memcpy(e, b, n);
        for (size_t m = 0; m < N_IMPLS; m++)
            if (dg_csvsimd_supported(impls[m])) {
                agree(e, n, 0, impls[m]);
                agree(e, n, shift + 1, impls[m]);
                agree(e, n - 10, shift + 1, impls[m]); /* ends after a full record */
            }
        free(e);
        free(b);
    }
}

/* Longer than one index batch, with a quoted field spanning the batch edge. */
Test(csvsimd, across_batches)
{
    size_t n = (200u << 10) + 77;
    char *b = malloc(n);
    for (size_t i = 0; i < n; i++)
        b[i] = "abc,def,\"g,h\"\"i\",j\n"[i % 19];
    memset(b + (32u << 10) - 5, '"', 1);
    memset(b + (96u << 10) - 3, '\n', 1);
    memset(b + (96u << 10) + 1, '"', 1);
    for (size_t m = 0; m < N_IMPLS; m++)
        if (dg_csvsimd_supported(impls[m]))
            agree(b, n, 0, impls[m]);
    /* a field longer than a batch whose trailing space is the last byte of
     * a batch with no structural byte (the comma opens the next batch) */
    memset(b, 'x', n);
    memcpy(b, "a,b\nc,", 6);
    b[(64u << 10) - 1] = ' ';
    b[(64u << 10)] = ',';
    b[(200u << 10)] = '\n';
    for (size_t m = 0; m < N_IMPLS; m++)
        if (dg_csvsimd_supported(impls[m]))
            agree(b, n, 0, impls[m]);
    /* a last record without newline whose leading space opens a batch
     * with no structural byte (the comma closes the previous one) */
    memset(b, 'x', n);
    b[(32u << 10) - 1] = ',';
    b[(32u << 10)] = ' ';
    for (size_t m = 0; m < N_IMPLS; m++)
        if (dg_csvsimd_supported(impls[m]))
            agree(b, n, 0, impls[m]);
    free(b);
}

Test(csvsimd, hand_computed)
{
    const char *s = " a ,b\t,\"c,d\"\r\n\r\n1,2\n";
    DgCsvCursor c;
    DgCsvRecord r;
    dg_csv_record_init(&r);
    for (size_t m = 0; m < N_IMPLS; m++) {
        if (!dg_csvsimd_supported(impls[m]))
            continue;
        dg_csv_cursor_init(&c, s, 0, strlen(s), impls[m]);
        size_t pos = 0;
        cr_assert(dg_csv_cursor_next(&c, &r, &pos));
        cr_expect_eq(pos, 14);
        cr_assert_eq(r.n_fields, 3);
        cr_expect(r.fields[0].len == 1 && r.fields[0].ptr[0] == 'a');
        cr_expect(r.fields[1].len == 1 && r.fields[1].ptr[0] == 'b');
        cr_expect(r.fields[2].len == 3 && memcmp(r.fields[2].ptr, "c,d", 3) == 0 && r.fields[2].quoted);
        cr_assert(dg_csv_cursor_next(&c, &r, &pos));
        cr_expect(r.blank);
        cr_expect_eq(r.n_newlines, 1);
        cr_assert(dg_csv_cursor_next(&c, &r, &pos));
        cr_expect_eq(r.n_fields, 2);
        cr_expect_eq(pos, strlen(s));
        cr_expect(!dg_csv_cursor_next(&c, &r, &pos));
        dg_csv_cursor_free(&c);
    }
    dg_csv_record_clear(&r);
}
