/*
 * Unit tests of engine/common: dates, exact decimals, ratio formatting,
 * interning, and the CSV writer.  Expected values are worked out by hand
 * in the comments.
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"
#include "common/intern.h"
#include "dangliang/common.h"
#include "output/csvout.h"

static int32_t D(const char *s)
{
    int32_t d = 0;
    cr_assert(dg_date_parse(s, strlen(s), &d), "parse %s", s);
    return d;
}

Test(date, epoch_and_known_days)
{
    cr_expect_eq(dg_date_from_ymd(1970, 1, 1), 0);
    /* 2020-01-01: 50 years incl. 12 leap days (72..2016) = 50*365+12 = 18262 */
    cr_expect_eq(D("2020-01-01"), 18262);
    cr_expect_eq(D("2020/1/2"), 18263);
    cr_expect_eq(D("2020-03-01") - D("2020-02-28"), 2); /* leap year */
    cr_expect_eq(D("2021-03-01") - D("2021-02-28"), 1);
    char b[11];
    dg_date_format(D("2020-5-7"), b);
    cr_expect_str_eq(b, "2020-05-07");
}

Test(date, grammar)
{
    int32_t d;
    const char *good[] = {"2020-05-07", "2020/5/7", "2020-5-07", "2020-05-07T08:30", "2020-05-07 08:30",
                          "2000-02-29", "2020-12-31T"};
    const char *bad[] = {"2020-02-30", "2021-02-29", "1900-02-29", "2020.05.07", "2020-5/7", "20-05-07",
                         "2020-005-07", "2020-05-07x", "2020-13-01", "2020-00-10", "2020-01-00", "",
                         "2020-01-", "２０２０-01-01", "2020-1-1-", "+020-01-01"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        cr_expect(dg_date_parse(good[i], strlen(good[i]), &d), "%s should parse", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect(!dg_date_parse(bad[i], strlen(bad[i]), &d), "%s should not parse", bad[i]);
    cr_expect(!dg_date_parse_strict("2020-05-07T08", 13, &d));
    cr_expect(dg_date_parse_strict("2020-05-07", 10, &d));
}

Test(date, roundtrip_many_days)
{
    for (int32_t day = -800000; day < 800000; day += 37) {
        int y, m, dd;
        dg_date_to_ymd(day, &y, &m, &dd);
        cr_assert_eq(dg_date_from_ymd(y, m, dd), day);
    }
}

static DgDecResult P(const char *s, int scale, int64_t *v)
{
    return dg_decimal_parse(s, strlen(s), scale, false, v);
}

Test(decimal, exact_parse)
{
    int64_t v;
    cr_expect_eq(P("0.1", 4, &v), DG_DEC_OK);
    cr_expect_eq(v, 1000);
    cr_expect_eq(P("35000000.00", 2, &v), DG_DEC_OK);
    cr_expect_eq(v, 3500000000LL);
    cr_expect_eq(P("0.60000", 4, &v), DG_DEC_OK); /* extra zeros are fine */
    cr_expect_eq(v, 6000);
    cr_expect_eq(P("0.60001", 4, &v), DG_DEC_TOO_PRECISE);
    cr_expect_eq(P("1.2345", 4, &v), DG_DEC_OK);
    cr_expect_eq(v, 12345);
    cr_expect_eq(P("12", 6, &v), DG_DEC_OK);
    cr_expect_eq(v, 12000000);
    cr_expect_eq(P("1e3", 4, &v), DG_DEC_SYNTAX);
    cr_expect_eq(P("1.", 4, &v), DG_DEC_SYNTAX);
    cr_expect_eq(P(".5", 4, &v), DG_DEC_SYNTAX);
    cr_expect_eq(P("+1", 4, &v), DG_DEC_SYNTAX);
    cr_expect_eq(P("-1", 4, &v), DG_DEC_SYNTAX);
    cr_expect_eq(P(" 1", 4, &v), DG_DEC_SYNTAX);
    cr_expect_eq(P("", 4, &v), DG_DEC_SYNTAX);
    cr_expect_eq(P("nan", 4, &v), DG_DEC_SYNTAX);
    cr_expect_eq(P("0x10", 4, &v), DG_DEC_SYNTAX);
    cr_expect_eq(dg_decimal_parse("-1.5", 4, 4, true, &v), DG_DEC_OK);
    cr_expect_eq(v, -15000);
    /* int64 max is 9223372036854775807: at scale 2 the largest is 92233720368547758.07 */
    cr_expect_eq(P("92233720368547758.07", 2, &v), DG_DEC_OK);
    cr_expect_eq(v, INT64_MAX);
    cr_expect_eq(P("92233720368547758.08", 2, &v), DG_DEC_OVERFLOW);
    cr_expect_eq(P("99999999999999999999999999", 0, &v), DG_DEC_OVERFLOW);
}

Test(decimal, format)
{
    char b[64];
    dg_decimal_format(3500000000LL, 2, b);
    cr_expect_str_eq(b, "35000000.00");
    dg_decimal_format(5, 4, b);
    cr_expect_str_eq(b, "0.0005");
    dg_decimal_format(-15000, 4, b);
    cr_expect_str_eq(b, "-1.5000");
    dg_decimal_format(INT64_MIN, 2, b);
    cr_expect_str_eq(b, "-92233720368547758.08");
    /* 1.23445 at scale 5 to 4 decimals: half-up -> 1.2345; 1.23444 -> 1.2344 */
    dg_decimal_format_u128(123445, 5, 4, b);
    cr_expect_str_eq(b, "1.2345");
    dg_decimal_format_u128(123444, 5, 4, b);
    cr_expect_str_eq(b, "1.2344");
    /* C at 10^-12: 2.5 equivalents = 2500000000000 -> "2.5000" */
    dg_decimal_format_u128((DgU128)2500000000000ULL, 12, 4, b);
    cr_expect_str_eq(b, "2.5000");
    /* 0.00004999... rounds down, 0.00005 rounds up */
    dg_decimal_format_u128(49999999, 12, 4, b);
    cr_expect_str_eq(b, "0.0000");
    dg_decimal_format_u128(50000000, 12, 4, b);
    cr_expect_str_eq(b, "0.0001");
    /* past 64 bits: 2^64 = 18446744073709551616 and 10^30 - 1, whole and
     * with decimals (the digits cross from 128-bit to 64-bit division) */
    dg_decimal_format_u128((DgU128)1 << 64, 0, 0, b);
    cr_expect_str_eq(b, "18446744073709551616");
    DgU128 big = 1;
    for (int i = 0; i < 30; i++)
        big *= 10;
    dg_decimal_format_u128(big - 1, 0, 0, b);
    cr_expect_str_eq(b, "999999999999999999999999999999");
    dg_decimal_format_u128(((DgU128)1 << 64) * 1000 + 7, 4, 4, b);
    cr_expect_str_eq(b, "1844674407370955161.6007");
}

Test(decimal, ratio)
{
    char b[80];
    dg_ratio_format(1, 3, 8, b);
    cr_expect_str_eq(b, "0.33333333");
    dg_ratio_format(2, 3, 8, b);
    cr_expect_str_eq(b, "0.66666667");
    dg_ratio_format(1, 2, 0, b);
    cr_expect_str_eq(b, "1"); /* 0.5 half-up */
    dg_ratio_format(999999999, 1000000000, 8, b);
    cr_expect_str_eq(b, "1.00000000"); /* 0.999999999 -> carries into the integer part */
    dg_ratio_format(7, 7, 8, b);
    cr_expect_str_eq(b, "1.00000000");
    /* huge operands: (2^127-1) / (2^127-1) = 1, and / 2^126 -> 2 (approx 1.99999999...: (2^127-1)/2^126 = 2 - 2^-126) */
    DgU128 big = ~(DgU128)0 >> 1;
    dg_ratio_format(big, big, 8, b);
    cr_expect_str_eq(b, "1.00000000");
    dg_ratio_format(big, (DgU128)1 << 126, 8, b);
    cr_expect_str_eq(b, "2.00000000");
    /* a denominator above 2^124 makes r*10 overflow: (2^127 - 1) / (2^127) ... use d = 2^127, n = d - 1 */
    DgU128 d = (DgU128)1 << 127;
    dg_ratio_format(d - 1, d, 8, b);
    cr_expect_str_eq(b, "1.00000000");
    dg_ratio_format(d / 4, d, 8, b); /* exactly 0.25 */
    cr_expect_str_eq(b, "0.25000000");
    dg_ratio_format(d / 3, d, 8, b); /* floor(d/3)/d = 0.3333333333... */
    cr_expect_str_eq(b, "0.33333333");
}

Test(uint, parse)
{
    uint64_t v;
    cr_expect(dg_uint_parse("007", 3, 10000, &v) && v == 7);
    cr_expect(dg_uint_parse("10000", 5, 10000, &v));
    cr_expect(!dg_uint_parse("10001", 5, 10000, &v));
    cr_expect(!dg_uint_parse("", 0, 10000, &v));
    cr_expect(!dg_uint_parse("1.5", 3, 10000, &v));
    cr_expect(!dg_uint_parse("+3", 2, 10000, &v));
    cr_expect(!dg_uint_parse("99999999999999999999999", 23, UINT64_MAX, &v));
}

Test(intern, ids_dense_in_first_seen_order)
{
    DgIntern *t = dg_intern_new();
    char buf[32];
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(buf, sizeof buf, "P%06d", i);
        bool added;
        cr_assert_eq(dg_intern_add(t, buf, (size_t)n, &added), (uint32_t)i);
        cr_assert(added);
    }
    for (int i = 0; i < 100000; i += 7) {
        int n = snprintf(buf, sizeof buf, "P%06d", i);
        bool added;
        cr_assert_eq(dg_intern_add(t, buf, (size_t)n, &added), (uint32_t)i);
        cr_assert(!added);
        cr_assert_eq(dg_intern_find(t, buf, (size_t)n), i);
    }
    cr_expect_eq(dg_intern_find(t, "nope", 4), -1);
    cr_expect_eq(dg_intern_count(t), 100000);
    size_t len;
    cr_expect_str_eq(dg_intern_str(t, 42, &len), "P000042");
    cr_expect_eq(len, 7);
    /* the empty string and embedded NULs are ordinary keys */
    uint32_t e = dg_intern_add(t, "", 0, NULL);
    cr_expect_eq(dg_intern_find(t, "", 0), (int64_t)e);
    uint32_t z = dg_intern_add(t, "a\0b", 3, NULL);
    cr_expect_neq(z, dg_intern_add(t, "a", 1, NULL));
    dg_intern_free(t);
    dg_intern_free(NULL);
}

/* Strings of every length up to 40 that differ from a base in one byte at
 * one position (or only in length) are all different ids.  Every string is
 * given the same hash, so each lookup compares its bytes with every entry
 * of its length: the byte comparison alone decides (it loads words, not
 * bytes, for ids up to 16 bytes). */
Test(intern, byte_comparison_with_equal_hashes)
{
    DgIntern *t = dg_intern_new();
    char base[41], s[41];
    for (int i = 0; i < 40; i++)
        base[i] = (char)('a' + i % 26);
    uint32_t want = 0;
    for (size_t len = 0; len <= 40; len++) {
        cr_assert_eq(dg_intern_add_h(t, base, len, 7, NULL), want++);
        for (size_t at = 0; at < len; at++) {
            memcpy(s, base, len);
            s[at] = (char)(s[at] ^ 0x40);
            cr_assert_eq(dg_intern_add_h(t, s, len, 7, NULL), want++, "len %zu at %zu", len, at);
        }
    }
    want = 0;
    for (size_t len = 0; len <= 40; len++) {
        bool added;
        cr_assert_eq(dg_intern_add_h(t, base, len, 7, &added), want++);
        cr_assert(!added);
        for (size_t at = 0; at < len; at++) {
            memcpy(s, base, len);
            s[at] = (char)(s[at] ^ 0x40);
            cr_assert_eq(dg_intern_add_h(t, s, len, 7, &added), want++, "len %zu at %zu", len, at);
            cr_assert(!added);
        }
    }
    dg_intern_free(t);
}

static char *csv_of(void (*fn)(DgCsvOut *), bool bom)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    DgCsvOut w;
    dg_csvout_init(&w, fp, bom);
    fn(&w);
    fclose(fp);
    return buf;
}

static void rows1(DgCsvOut *w)
{
    dg_csvout_text(w, "plain");
    dg_csvout_text(w, "a,b");
    dg_csvout_text(w, "say \"hi\"");
    dg_csvout_text(w, "=SUM(A1)");
    dg_csvout_text(w, "-3");
    dg_csvout_num(w, "-3.00");
    dg_csvout_text(w, "@x");
    dg_csvout_text(w, "+1");
    dg_csvout_text(w, "\tx");
    dg_csvout_text(w, " pad");
    dg_csvout_text(w, "定海区");
    dg_csvout_text(w, "");
    dg_csvout_end(w);
}

Test(csvout, quoting_and_injection)
{
    char *s = csv_of(rows1, false);
    /* text cells starting with = + - @ TAB CR get a leading '; numbers are untouched;
       a cell with a comma/quote, or leading/trailing blank, is quoted */
    cr_expect_str_eq(s, "plain,\"a,b\",\"say \"\"hi\"\"\",'=SUM(A1),'-3,-3.00,'@x,'+1,\"'\tx\",\" pad\",定海区,\n");
    free(s);
    s = csv_of(rows1, true);
    cr_expect(strncmp(s, "\xEF\xBB\xBFplain,", 9) == 0);
    free(s);
}

Test(status, names_and_exit_codes)
{
    cr_expect_eq((int)DG_E_CONFIG, 3);
    cr_expect_eq((int)DG_E_IO, 4);
    cr_expect_eq((int)DG_E_INTERNAL, 5);
    cr_expect_str_eq(dg_status_name(DG_E_CONFIG), "config");
    DgError e;
    dg_error_set(&e, DG_E_CONFIG, "catalog.csv", 14, 0, "equivalent %s has %d decimals", "\"1.23456\"", 5);
    char b[256];
    dg_error_format(&e, b, sizeof b);
    cr_expect_str_eq(b, "catalog.csv:14: equivalent \"1.23456\" has 5 decimals");
}

/* ---- SHA-256 ------------------------------------------------------------- */

static void sha_hex(const void *p, size_t n, bool portable, size_t step, char hex[65])
{
    DgSha256 c;
    dg_sha256_init(&c);
    c.portable = portable;
    const unsigned char *b = p;
    for (size_t off = 0; off < n; off += step)
        dg_sha256_update(&c, b + off, n - off < step ? n - off : step);
    dg_sha256_final_hex(&c, hex);
}

Test(sha256, known_vectors_both_paths)
{
    char hex[65];
    for (int portable = 0; portable < 2; portable++) {
        sha_hex("", 0, portable, 1, hex);
        cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        sha_hex("abc", 3, portable, 3, hex);
        cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        sha_hex(m, strlen(m), portable, 7, hex);
        cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    }
}

Test(sha256, equals_glib_for_every_length_and_split)
{
    size_t n = 3000;
    unsigned char *buf = malloc(n);
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (unsigned char)x;
    }
    for (size_t len = 0; len < n; len += len < 300 ? 1 : 97) {
        GChecksum *g = g_checksum_new(G_CHECKSUM_SHA256);
        g_checksum_update(g, buf, (gssize)len);
        char a[65], b[65];
        for (int portable = 0; portable < 2; portable++) {
            size_t step = 1 + len % 131;
            sha_hex(buf, len, portable, step, a);
            sha_hex(buf, len, portable, len ? len : 1, b);
            cr_assert_str_eq(a, g_checksum_get_string(g), "len %zu portable %d", len, portable);
            cr_assert_str_eq(b, a);
        }
        g_checksum_free(g);
    }
    free(buf);
}

/* A small table reserves little: its first string block is 16 KiB, not the
 * 1 MiB of a full block (validation keeps 64 staff shards of a few KiB each).
 * 100 strings of 8 bytes are 100 * (8 + 8 header + 1 NUL) = 1,700 bytes of
 * block; with 256 slots of 8 bytes and 128 refs of 4 the table is
 * 16,384 + 2,048 + 512 = 18,944 bytes. */
Test(intern, small_table_reserves_little)
{
    DgIntern *t = dg_intern_new();
    char buf[16];
    for (int i = 0; i < 100; i++) {
        snprintf(buf, sizeof buf, "S%07d", i);
        cr_assert_eq(dg_intern_add(t, buf, 8, NULL), (uint32_t)i);
    }
    cr_expect_eq(dg_intern_bytes(t), 18944);
    dg_intern_free(t);
}

/* Blocks grow 16 KiB, 32 KiB, ... 1 MiB, and a string longer than a block
 * gets one of its own: strings never move while the table grows, and every
 * id keeps its bytes across all the block sizes. */
Test(intern, strings_stay_put_across_block_sizes)
{
    enum { N = 200000, BIG = 3 << 20 };
    DgIntern *t = dg_intern_new();
    const char **at = malloc(N * sizeof *at);
    char *big = malloc(BIG);
    memset(big, 'x', BIG);
    char buf[64];
    uint32_t big_id = 0;
    for (int i = 0; i < N; i++) {
        if (i == N / 2)
            big_id = dg_intern_add(t, big, BIG, NULL);
        /* 7 to 46 bytes: entries of every alignment */
        int n = snprintf(buf, sizeof buf, "%0*d", 7 + i % 40, i);
        uint32_t id = dg_intern_add(t, buf, (size_t)n, NULL);
        at[i] = dg_intern_str(t, id, NULL);
    }
    for (int i = 0; i < N; i++) {
        int n = snprintf(buf, sizeof buf, "%0*d", 7 + i % 40, i);
        int64_t id = dg_intern_find(t, buf, (size_t)n);
        cr_assert_geq(id, 0);
        size_t len;
        const char *s = dg_intern_str(t, (uint32_t)id, &len);
        cr_assert_eq(s, at[i], "string %d moved", i);
        cr_assert_eq(len, (size_t)n);
        cr_assert_str_eq(s, buf);
    }
    size_t len;
    const char *b = dg_intern_str(t, big_id, &len);
    cr_assert_eq(len, (size_t)BIG);
    cr_assert_eq(memcmp(b, big, BIG), 0);
    cr_assert_eq(dg_intern_find(t, big, BIG), (int64_t)big_id);
    free(big);
    free(at);
    dg_intern_free(t);
}

/* Sealing drops the index only: every id still maps to its bytes. */
Test(intern, seal_keeps_strings)
{
    DgIntern *t = dg_intern_new();
    char buf[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(buf, sizeof buf, "R%07d", i * 7);
        cr_assert_eq(dg_intern_add(t, buf, (size_t)n, NULL), (uint32_t)i);
    }
    size_t before = dg_intern_bytes(t);
    dg_intern_seal(t);
    cr_assert_lt(dg_intern_bytes(t), before);
    cr_assert_eq(dg_intern_count(t), 5000);
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(buf, sizeof buf, "R%07d", i * 7);
        size_t len;
        const char *s = dg_intern_str(t, (uint32_t)i, &len);
        cr_assert_eq(len, (size_t)n);
        cr_assert_str_eq(s, buf);
    }
    dg_intern_free(t);
}

/* The hash as first written (a variable-length memcpy of the tail).  The
 * tail is now read with overlapping loads; every id's hash must stay the
 * same, since shard and partition choices (and so spilled files read back
 * by another process) follow it. */
static uint64_t ref_mix(uint64_t a, uint64_t b)
{
    DgU128 r = (DgU128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static uint64_t ref_hash(const char *s, size_t len)
{
    const uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL, k2 = 0x8ebc6af09c88c6e3ULL;
    uint64_t h = k0 ^ (uint64_t)len;
    size_t i = 0;
    while (i + 8 <= len) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = ref_mix(h ^ w, k1);
        i += 8;
    }
    uint64_t w = 0;
    if (i < len)
        memcpy(&w, s + i, len - i);
    h = ref_mix(h ^ w ^ k2, k1 ^ (uint64_t)len);
    return ref_mix(h, k2) ^ h;
}

Test(intern, hash_equals_reference_for_every_length)
{
    char buf[64];
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int rep = 0; rep < 200; rep++) {
        for (size_t i = 0; i < sizeof buf; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i] = (char)(x >> 24);
        }
        for (size_t len = 0; len <= 40; len++)
            for (size_t at = 0; at + len <= sizeof buf && at < 8; at++)
                cr_assert_eq(dg_hash_bytes(buf + at, len), ref_hash(buf + at, len), "len %zu at %zu", len, at);
    }
    /* a value printed by the engine before the change, so that changing
     * both copies alike is noticed too */
    cr_expect_eq(dg_hash_bytes("P00032007", 9), 0x32d87ab246f253fdULL);
}
