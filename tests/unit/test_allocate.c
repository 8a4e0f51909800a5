/*
 * Unit tests of engine/allocate: largest-remainder allocation, unit price
 * and weight formatting, and the 256-bit helpers under them.
 *
 * Hand-computed cases come first (the arithmetic is in the comments).  The
 * property tests then drive random budgets and weights (zeros, ties, huge
 * values) with a fixed seed and check every output against an independent
 * reference: a schoolbook multiply on 32-bit limbs, so a floor f and
 * remainder r are right exactly when f·ΣC + r == B·C_i and r < ΣC.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocate/u256.h"
#include "dangliang/allocate.h"

#define U128(hi, lo) (((DgU128)(uint64_t)(hi) << 64) | (DgU128)(uint64_t)(lo))
#define P2(k) ((DgU128)1 << (k))

static DgStatus alloc(int64_t b, const DgU128 *w, const char *const *keys, size_t n, int64_t *out, DgU128 *rem,
                      uint8_t *won)
{
    DgError e = {0};
    DgU128 sum = 0;
    return dg_allocate_largest_remainder(b, w, keys, n, out, rem, won, &sum, &e);
}

/* ---- hand-computed cases -------------------------------------------------- */

Test(allocate, proportional_exact)
{
    /* 100 fen over 1:2:3:4 -> 10, 20, 30, 40 with no remainder */
    DgU128 w[] = {1, 2, 3, 4}, rem[4], sum = 0;
    const char *k[] = {"A", "B", "C", "D"};
    int64_t out[4];
    uint8_t won[4];
    DgError e = {0};
    cr_assert_eq(dg_allocate_largest_remainder(100, w, k, 4, out, rem, won, &sum, &e), DG_OK);
    int64_t want[] = {10, 20, 30, 40};
    for (int i = 0; i < 4; i++) {
        cr_expect_eq(out[i], want[i]);
        cr_expect(rem[i] == 0);
        cr_expect_eq(won[i], 0);
    }
    cr_expect(sum == 10);
}

Test(allocate, largest_remainder_wins)
{
    /* B = 7 over 2:3:5 (ΣC = 10): 14/10, 21/10, 35/10 -> floors 1, 2, 3 (Σ 6), R = 1;
     * remainders 4, 1, 5 -> the third (5) gets the fen even though its key is last */
    DgU128 w[] = {2, 3, 5}, rem[3];
    const char *k[] = {"a", "b", "c"};
    int64_t out[3];
    uint8_t won[3];
    cr_assert_eq(alloc(7, w, k, 3, out, rem, won), DG_OK);
    cr_expect_eq(out[0], 1);
    cr_expect_eq(out[1], 2);
    cr_expect_eq(out[2], 4);
    cr_expect(rem[0] == 4 && rem[1] == 1 && rem[2] == 5);
    cr_expect(won[0] == 0 && won[1] == 0 && won[2] == 1);
}

Test(allocate, tie_broken_by_unit_id)
{
    /* B = 10 over 1:1:1: floors 3 each, R = 1, remainders all 10 mod 3 = 1 -> smallest key "a" */
    DgU128 w[] = {1, 1, 1};
    const char *k[] = {"b", "a", "c"};
    int64_t out[3];
    uint8_t won[3];
    cr_assert_eq(alloc(10, w, k, 3, out, NULL, won), DG_OK);
    cr_expect(out[0] == 3 && out[1] == 4 && out[2] == 3);
    cr_expect(won[1] == 1 && won[0] == 0 && won[2] == 0);

    /* B = 1 fen over 3 equal units: floors 0, R = 1 -> U1 */
    const char *k2[] = {"U3", "U1", "U2"};
    cr_assert_eq(alloc(1, w, k2, 3, out, NULL, NULL), DG_OK);
    cr_expect(out[0] == 0 && out[1] == 1 && out[2] == 0);

    /* byte order, not numeric: "U10" < "U9"; a prefix sorts first: "U1" < "U10" */
    const char *k3[] = {"U9", "U10", "U100"};
    cr_assert_eq(alloc(2, w, k3, 3, out, NULL, NULL), DG_OK);
    /* floors 0, R = 2 -> "U10" and "U100" */
    cr_expect(out[0] == 0 && out[1] == 1 && out[2] == 1);

    /* UTF-8 bytes compare unsigned: "é" (0xC3 0xA9) > "z" (0x7A) */
    const char *k4[] = {"\xC3\xA9", "z", "\xE8\x88\x9F"}; /* é, z, 舟 */
    cr_assert_eq(alloc(1, w, k4, 3, out, NULL, NULL), DG_OK);
    cr_expect(out[0] == 0 && out[1] == 1 && out[2] == 0);

    /* no keys: index order */
    cr_assert_eq(alloc(2, w, NULL, 3, out, NULL, NULL), DG_OK);
    cr_expect(out[0] == 1 && out[1] == 1 && out[2] == 0);
}

Test(allocate, zero_weights)
{
    /* B = 5 over 0:1:0:1 (ΣC = 2): floors 0, 2, 0, 2; remainders 0, 1, 0, 1; R = 1;
     * tie between "c" (idx 1) and "a" (idx 3) -> "a". Zero weights never win. */
    DgU128 w[] = {0, 1, 0, 1};
    const char *k[] = {"d", "c", "b", "a"};
    int64_t out[4];
    cr_assert_eq(alloc(5, w, k, 4, out, NULL, NULL), DG_OK);
    cr_expect(out[0] == 0 && out[1] == 2 && out[2] == 0 && out[3] == 3);
}

Test(allocate, budget_zero_and_errors)
{
    DgU128 w[] = {0, 0}, w1[] = {3, 4}, rem[2] = {9, 9};
    const char *k[] = {"a", "b"};
    int64_t out[2] = {7, 7};
    uint8_t won[2] = {9, 9};
    DgError e = {0};
    DgU128 sum = 5;
    /* B = 0 pays 0 to all, even with no workload */
    cr_assert_eq(dg_allocate_largest_remainder(0, w, k, 2, out, rem, won, &sum, &e), DG_OK);
    cr_expect(out[0] == 0 && out[1] == 0 && rem[0] == 0 && won[1] == 0 && sum == 0);
    cr_assert_eq(dg_allocate_largest_remainder(0, w1, k, 2, out, NULL, NULL, NULL, &e), DG_OK);
    cr_expect(out[0] == 0 && out[1] == 0);
    /* ΣC = 0 with B > 0 */
    out[0] = 7;
    cr_assert_eq(dg_allocate_largest_remainder(100, w, k, 2, out, NULL, NULL, NULL, &e), DG_E_CONFIG);
    sum = 5;
    out[0] = 7;
    cr_assert_eq(dg_allocate_largest_remainder(100, w, k, 2, out, NULL, NULL, &sum, &e), DG_E_CONFIG);
    cr_expect(strstr(e.text, "no workload") != NULL, "%s", e.text);
    cr_expect(sum == 0);
    cr_expect_eq(out[0], 0);
    /* no units at all with B > 0 */
    cr_expect_eq(dg_allocate_largest_remainder(100, NULL, NULL, 0, NULL, NULL, NULL, NULL, &e), DG_E_CONFIG);
    cr_expect_eq(dg_allocate_largest_remainder(0, NULL, NULL, 0, NULL, NULL, NULL, NULL, &e), DG_OK);
    /* negative budget */
    cr_expect_eq(dg_allocate_largest_remainder(-1, w1, k, 2, out, NULL, NULL, NULL, &e), DG_E_CONFIG);
    /* ΣC over 128 bits: 2^127 + 2^127 = 2^128 */
    DgU128 big[] = {P2(127), P2(127)};
    cr_assert_eq(dg_allocate_largest_remainder(100, big, k, 2, out, NULL, NULL, &sum, &e), DG_E_CONFIG);
    cr_expect(strstr(e.text, "workload too large") != NULL, "%s", e.text);
    cr_expect(sum == ~(DgU128)0, "saturated Σ on overflow");
    /* just fits: 2^127 + (2^127 - 1) = 2^128 - 1; B = 101 */
    big[1] = P2(127) - 1;
    cr_assert_eq(dg_allocate_largest_remainder(101, big, k, 2, out, NULL, NULL, &sum, &e), DG_OK);
    /* 101·2^127 / (2^128-1) = 50.5000..01 -> floor 50, rem large; 101·(2^127-1)/(2^128-1) = 50.4999.. -> 50 */
    cr_expect(out[0] == 51 && out[1] == 50);
    cr_expect(sum == ~(DgU128)0);
}

Test(allocate, single_unit_gets_all)
{
    DgU128 w[] = {7}, w2[] = {P2(127)};
    const char *k[] = {"only"};
    int64_t out[1];
    uint8_t won[1];
    cr_assert_eq(alloc(12345, w, k, 1, out, NULL, won), DG_OK);
    cr_expect_eq(out[0], 12345);
    cr_expect_eq(won[0], 0);
    cr_assert_eq(alloc(100000000000000LL, w2, k, 1, out, NULL, NULL), DG_OK);
    cr_expect_eq(out[0], 100000000000000LL);
}

Test(allocate, huge_values_exact)
{
    /* B = 10^14 fen, C = 2^120, 2^120+1, 2^120+2, ΣC = 3(2^120+1). 10^14 = 3·33333333333333 + 1.
     *   B(2^120+1) = 33333333333333·ΣC + (2^120+1)          -> floor 33333333333333, rem 2^120+1
     *   B·2^120 = B(2^120+1) − B                            -> floor same, rem 2^120+1 − 10^14
     *   B(2^120+2) = B(2^120+1) + B                         -> floor same, rem 2^120+1 + 10^14 (< ΣC)
     * Σ floors = 99999999999999, R = 1 -> the largest remainder (third) wins, despite key "c". */
    const int64_t B = 100000000000000LL;
    DgU128 w[] = {P2(120), P2(120) + 1, P2(120) + 2}, rem[3], sum = 0;
    const char *k[] = {"a", "b", "c"};
    int64_t out[3];
    uint8_t won[3];
    DgError e = {0};
    cr_assert_eq(dg_allocate_largest_remainder(B, w, k, 3, out, rem, won, &sum, &e), DG_OK);
    cr_expect(sum == 3 * (P2(120) + 1));
    cr_expect_eq(out[0], 33333333333333LL);
    cr_expect_eq(out[1], 33333333333333LL);
    cr_expect_eq(out[2], 33333333333334LL);
    cr_expect(rem[0] == P2(120) + 1 - (DgU128)B);
    cr_expect(rem[1] == P2(120) + 1);
    cr_expect(rem[2] == P2(120) + 1 + (DgU128)B);
    cr_expect(won[2] == 1 && won[0] == 0 && won[1] == 0);
}

/* ---- unit price and weight ------------------------------------------------ */

static void price(int64_t b, DgU128 s, const char *want)
{
    char buf[64];
    dg_allocate_unit_price(b, s, buf);
    cr_expect_str_eq(buf, want, "price(%lld fen)", (long long)b);
}

static void weight(DgU128 c, DgU128 s, const char *want)
{
    char buf[64];
    dg_allocate_weight_format(c, s, buf);
    cr_expect_str_eq(buf, want);
}

Test(format, unit_price)
{
    const DgU128 EQ = 1000000000000ULL; /* 1 equivalent at 10^-12 */
    price(10000, 3 * EQ, "33.3333");    /* 100 yuan / 3 eq = 33.3333.. */
    price(20000, 3 * EQ, "66.6667");    /* 200 / 3 = 66.6666.. -> up */
    price(1, 1600000000ULL, "6.2500");  /* 0.01 yuan / 0.0016 eq */
    price(1, 200 * EQ, "0.0001");       /* 0.01 / 200 = 0.00005: exact half -> up */
    price(1, 200 * EQ + 1, "0.0000");   /* just under the half */
    /* 35,000,000.00 yuan over 123,456.7891 eq: 3.5e9 fen · 10^10 / 1.234567891e17 = 283.5000023.. */
    price(3500000000LL, 1234567891ULL * 100000000ULL, "283.5000");
    price(100000000000000LL, 1, "1000000000000000000000000.0000"); /* 10^12 yuan / 10^-12 eq */
    price(100, 0, "0.0000");
    price(0, 5, "0.0000");
}

Test(format, weight_8_decimals)
{
    weight(1, 3, "0.33333333");
    weight(2, 3, "0.66666667");
    weight(5, 5, "1.00000000");
    weight(1, 200000000, "0.00000001"); /* 0.000000005: exact half -> up */
    weight(1, 200000001, "0.00000000");
    weight(0, 7, "0.00000000");
    weight(3, 0, "0.00000000");
    weight(P2(127), ~(DgU128)0, "0.50000000"); /* 2^127 / (2^128-1) = 0.5000..0015 */
}

/* ---- reference arithmetic -------------------------------------------------- */

typedef struct Ref {
    uint32_t d[9]; /* little-endian 32-bit limbs; one spare limb catches carries */
} Ref;

static Ref ref_from(DgU128 x)
{
    Ref r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < 4; i++)
        r.d[i] = (uint32_t)(x >> (32 * i));
    return r;
}

static Ref ref_from256(DgU256 x)
{
    Ref r = ref_from(x.lo), h = ref_from(x.hi);
    for (int i = 0; i < 4; i++)
        r.d[4 + i] = h.d[i];
    return r;
}

static Ref ref_mul(DgU128 a, DgU128 b)
{
    Ref x = ref_from(a), y = ref_from(b), r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < 4; j++) {
            uint64_t t = (uint64_t)x.d[i] * y.d[j] + r.d[i + j] + carry;
            r.d[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        for (int k = i + 4; carry && k < 9; k++) {
            uint64_t t = (uint64_t)r.d[k] + carry;
            r.d[k] = (uint32_t)t;
            carry = t >> 32;
        }
    }
    return r;
}

static Ref ref_add(Ref a, Ref b)
{
    uint64_t carry = 0;
    for (int i = 0; i < 9; i++) {
        uint64_t t = (uint64_t)a.d[i] + b.d[i] + carry;
        a.d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    return a;
}

static bool ref_eq(Ref a, Ref b)
{
    return memcmp(a.d, b.d, sizeof a.d) == 0;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Random 128-bit value of a random bit length (so small, medium and huge all occur). */
static DgU128 rnd128(void)
{
    DgU128 x = U128(rnd(), rnd());
    unsigned bits = (unsigned)(rnd() % 129);
    return bits == 0 ? 0 : bits == 128 ? x : x & (P2(bits) - 1);
}

Test(u256, mul_matches_reference)
{
    const DgU128 M = ~(DgU128)0;
    DgU128 edge[] = {0, 1, 2, M, M - 1, P2(64), P2(64) - 1, P2(127), U128(0xFFFFFFFFFFFFFFFFULL, 0)};
    size_t ne = sizeof edge / sizeof *edge;
    for (size_t i = 0; i < ne; i++)
        for (size_t j = 0; j < ne; j++)
            cr_assert(ref_eq(ref_from256(dg_allocate_mul(edge[i], edge[j])), ref_mul(edge[i], edge[j])),
                      "edge %zu %zu", i, j);
    /* (2^128-1)^2 = 2^256 - 2^129 + 1: hi = 2^128 - 2, lo = 1 */
    DgU256 p = dg_allocate_mul(M, M);
    cr_expect(p.hi == M - 1 && p.lo == 1);
    for (int t = 0; t < 200000; t++) {
        DgU128 a = rnd128(), b = rnd128();
        DgU256 q = dg_allocate_mul(a, b);
        cr_assert(ref_eq(ref_from256(q), ref_mul(a, b)), "iteration %d", t);
        if ((a >> 64) == 0 && (b >> 64) == 0)
            cr_assert(q.hi == 0 && q.lo == a * b);
    }
}

Test(u256, divmod_recovers_quotient_and_remainder)
{
    /* Build n = q·d + r with r < d by the reference, then divide: the pair
     * (q, r) is unique, so divmod must return exactly it. */
    for (int t = 0; t < 200000; t++) {
        DgU128 d = rnd128(), q = rnd128(), r;
        if (d == 0)
            d = 1;
        r = rnd128() % d;
        Ref nr = ref_add(ref_mul(q, d), ref_from(r));
        cr_assert_eq(nr.d[8], 0);
        DgU256 n;
        n.lo = 0;
        n.hi = 0;
        for (int i = 7; i >= 4; i--)
            n.hi = (n.hi << 32) | nr.d[i];
        for (int i = 3; i >= 0; i--)
            n.lo = (n.lo << 32) | nr.d[i];
        DgU128 gq = 0, gr = 0;
        cr_assert(dg_allocate_divmod(n, d, &gq, &gr), "iteration %d", t);
        cr_assert(gq == q && gr == r, "iteration %d", t);
    }
    /* small values against plain repeated subtraction */
    for (int t = 0; t < 20000; t++) {
        DgU128 d = 1 + rnd() % 5000, nn = rnd() % 4000000, q = 0, r = nn;
        while (r >= d) {
            r -= d;
            q++;
        }
        DgU256 n = {0, nn};
        DgU128 gq, gr;
        cr_assert(dg_allocate_divmod(n, d, &gq, &gr));
        cr_assert(gq == q && gr == r);
    }
    /* refused: quotient would not fit, or division by zero */
    DgU128 gq = 5, gr = 5;
    DgU256 n = {7, 0};
    cr_expect(!dg_allocate_divmod(n, 7, &gq, &gr));
    cr_expect(!dg_allocate_divmod(n, 0, &gq, &gr));
    cr_expect(gq == 5 && gr == 5);
    cr_expect(dg_allocate_divmod(n, 8, &gq, &gr)); /* 7·2^128 / 8 = 7·2^125, rem 0 */
    cr_expect(gq == 7 * P2(125) && gr == 0);
}

/* ---- allocation properties ------------------------------------------------- */

#define NMAX 64

static int64_t rnd_budget(void)
{
    switch (rnd() % 7) {
    case 0: return 1;
    case 1: return 10000000000000LL;  /* 10^11 yuan */
    case 2: return 100000000000000LL; /* 10^12 yuan, the largest budget docs/formats.md allows */
    case 3: return (int64_t)(rnd() % 100000000000001ULL);
    case 4: return (int64_t)(rnd() % 100);
    case 5: return 0;
    default: return (int64_t)(rnd() % 10000000);
    }
}

/* Weights whose sum fits in 128 bits: each below 2^128 / NMAX. */
static DgU128 rnd_weight(const DgU128 *prev, size_t n)
{
    switch (rnd() % 8) {
    case 0: return 0;
    case 1: return n ? prev[rnd() % n] : 1; /* repeated weight: remainder ties */
    case 2: return 1 + rnd() % 1000;
    case 3: return rnd();
    case 4: return U128(rnd(), rnd()) >> 7; /* near 2^120 */
    case 5: return P2(120) + (rnd() % 3);
    default: return rnd128() >> 7;
    }
}

static bool ranks_before(DgU128 ra, const char *ka, DgU128 rb, const char *kb)
{
    return ra > rb || (ra == rb && strcmp(ka, kb) < 0);
}

Test(allocate, properties_random)
{
    static char keybuf[NMAX][16];
    for (int t = 0; t < 20000; t++) {
        size_t n = 1 + (size_t)(rnd() % (t % 10 == 0 ? NMAX : 8));
        DgU128 w[NMAX], rem[NMAX], sum = 0;
        const char *keys[NMAX];
        int64_t out[NMAX];
        uint8_t won[NMAX];
        /* distinct keys in an order unrelated to the index */
        size_t off = (size_t)(rnd() % 1000);
        for (size_t i = 0; i < n; i++) {
            snprintf(keybuf[i], sizeof keybuf[i], "U%zu", (i * 7 + off) % 1009);
            keys[i] = keybuf[i];
            w[i] = rnd_weight(w, i);
        }
        int64_t B = rnd_budget();
        DgU128 ref_sum = 0;
        for (size_t i = 0; i < n; i++)
            ref_sum += w[i];
        DgError e = {0};
        DgStatus st = dg_allocate_largest_remainder(B, w, keys, n, out, rem, won, &sum, &e);
        if (ref_sum == 0 && B > 0) {
            cr_assert_eq(st, DG_E_CONFIG);
            continue;
        }
        cr_assert_eq(st, DG_OK, "iteration %d: %s", t, e.text);
        cr_assert(sum == ref_sum);
        int64_t total = 0, floors = 0, nwon = 0;
        for (size_t i = 0; i < n; i++) {
            total += out[i];
            cr_assert(won[i] <= 1);
            int64_t fl = out[i] - won[i];
            floors += fl;
            nwon += won[i];
            cr_assert(fl >= 0);
            if (B == 0) {
                cr_assert(out[i] == 0 && won[i] == 0);
                continue;
            }
            /* floor and remainder are exact: fl·ΣC + rem == B·C_i, rem < ΣC */
            cr_assert(rem[i] < sum);
            cr_assert(ref_eq(ref_add(ref_mul((DgU128)fl, sum), ref_from(rem[i])), ref_mul((DgU128)B, w[i])),
                      "iteration %d unit %zu", t, i);
            cr_assert(!won[i] || rem[i] > 0, "a zero remainder never wins");
        }
        cr_assert_eq(total, B, "iteration %d: Σ payouts == budget", t);
        cr_assert_eq(nwon, B - floors);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                if (won[i] && !won[j])
                    cr_assert(ranks_before(rem[i], keys[i], rem[j], keys[j]), "iteration %d: %zu vs %zu", t, i,
                              j);
                if (w[i] > w[j])
                    cr_assert(out[i] >= out[j], "iteration %d: monotone %zu vs %zu", t, i, j);
                if (w[i] == w[j] && i != j)
                    cr_assert(out[i] - out[j] <= 1 && out[j] - out[i] <= 1);
            }
        /* order of the input does not matter (only keys do): reverse and compare */
        DgU128 w2[NMAX];
        const char *k2[NMAX];
        int64_t out2[NMAX];
        for (size_t i = 0; i < n; i++) {
            w2[i] = w[n - 1 - i];
            k2[i] = keys[n - 1 - i];
        }
        cr_assert_eq(dg_allocate_largest_remainder(B, w2, k2, n, out2, NULL, NULL, NULL, &e), DG_OK);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(out2[i], out[n - 1 - i], "iteration %d: permutation", t);
    }
}

Test(allocate, many_units_one_fen_each_way)
{
    /* 1000 equal units, B = 999 fen: floors 0, all remainders equal -> the 999
     * smallest keys get 1 fen, the largest key ("U999") gets 0. */
    enum { N = 1000 };
    static DgU128 w[N];
    static char kb[N][8];
    static const char *k[N];
    static int64_t out[N];
    for (int i = 0; i < N; i++) {
        w[i] = 5;
        snprintf(kb[i], sizeof kb[i], "U%03d", (i * 37) % N); /* a permutation of 0..999 */
        k[i] = kb[i];
    }
    cr_assert_eq(alloc(999, w, k, N, out, NULL, NULL), DG_OK);
    for (int i = 0; i < N; i++)
        cr_expect_eq(out[i], strcmp(k[i], "U999") == 0 ? 0 : 1, "%s", k[i]);
}
