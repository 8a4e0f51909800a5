/*
 * Unit tests of engine/score: quality Q, adjustment A, corrected workload C.
 * Schemes are built by hand (only the fields scoring reads), independent of
 * the loader.  Every expectation is worked out in the comment beside it;
 * fixed-point: achievements and indicator values at 10^-6, Q / A / W at
 * 10^-4, C at 10^-12.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dangliang/score.h"

#define MAXU 256
#define MAXK 4

/* A scheme with up to MAXU units and MAXK indicators, one pool whose scope
 * is given per unit. */
typedef struct Fix {
    DgScheme s;
    DgUnit units[MAXU];
    char ids[MAXU][16];
    DgIndicator ind[MAXK];
    int64_t values[MAXU * MAXK];
    uint8_t pool_unit[MAXU];
    DgPool pool;
} Fix;

static Fix *fix_new(size_t nu, size_t nk)
{
    Fix *f = calloc(1, sizeof *f);
    cr_assert(f && nu <= MAXU && nk <= MAXK);
    f->s.path = "scheme.json";
    f->s.indicators_path = "indicators.csv";
    f->s.units_path = "units.csv";
    f->s.has_quality = nk > 0;
    f->s.indicators = f->ind;
    f->s.n_indicators = nk;
    f->s.floor = DG_NONE;
    f->s.full_at = DG_NONE;
    f->s.units = f->units;
    f->s.n_units = nu;
    f->s.indicator_values = f->values;
    f->s.pools = &f->pool;
    f->s.n_pools = 1;
    f->s.pool_unit = f->pool_unit;
    for (size_t u = 0; u < nu; u++) {
        snprintf(f->ids[u], sizeof f->ids[u], "U%03zu", u + 1);
        f->units[u].id = f->ids[u];
        f->units[u].tier = 1;
        f->pool_unit[u] = 1;
    }
    for (size_t i = 0; i < MAXU * MAXK; i++)
        f->values[i] = DG_IND_MISSING;
    return f;
}

static void ind(Fix *f, size_t k, const char *id, int64_t weight, int64_t target, bool lower)
{
    f->ind[k].id = id;
    f->ind[k].name = id;
    f->ind[k].weight = weight;
    f->ind[k].target = target;
    f->ind[k].lower_is_better = lower;
}

static void val(Fix *f, size_t u, size_t k, int64_t v)
{
    f->values[u * f->s.n_indicators + k] = v;
}

static DgQuality run_ok(Fix *f)
{
    DgQuality q;
    DgError e = {0};
    DgStatus st = dg_score_quality(&f->s, &q, &e);
    cr_assert_eq(st, DG_OK, "unexpected error: %s", e.text);
    cr_assert_eq(q.n_units, f->s.n_units);
    return q;
}

/* ---- quality -------------------------------------------------------------- */

Test(quality, higher_and_lower)
{
    Fix *f = fix_new(3, 2);
    ind(f, 0, "sign", 30, 400000, false); /* higher, target 0.40 */
    ind(f, 1, "wait", 20, 500000, true);  /* lower, target 0.50 */
    /* U001: 0.30/0.40 = 0.75 -> 750000; lower 0.60 > 0.50: 0.5/0.6 = 0.8333333.. -> 833333.
     *   Σ S·a = 30·750000 + 20·833333 = 22500000 + 16666660 = 39166660 (10^-6)
     *   Q = 39166660 / 50 / 100 = 7833.332 -> 7833 */
    val(f, 0, 0, 300000);
    val(f, 0, 1, 600000);
    /* U002: 0.50 >= 0.40 -> 1; 0.40 <= 0.50 -> 1; Q = 1.0000 */
    val(f, 1, 0, 500000);
    val(f, 1, 1, 400000);
    /* U003: 0 -> 0; lower 1.0 -> 0.5/1.0 = 500000; Σ = 20·500000 = 10^7; Q = 10^7/5000 = 2000 */
    val(f, 2, 0, 0);
    val(f, 2, 1, 1000000);
    DgQuality q = run_ok(f);
    cr_expect_eq(q.n_indicators, 2);
    cr_expect_eq(q.achievement[0], 750000);
    cr_expect_eq(q.achievement[1], 833333);
    cr_expect_eq(q.achievement[2], 1000000);
    cr_expect_eq(q.achievement[3], 1000000);
    cr_expect_eq(q.achievement[4], 0);
    cr_expect_eq(q.achievement[5], 500000);
    cr_expect_eq(q.q_raw[0], 7833);
    cr_expect_eq(q.q[0], 7833);
    cr_expect_eq(q.q[1], 10000);
    cr_expect_eq(q.q[2], 2000);
    for (int u = 0; u < 3; u++)
        cr_expect_eq(q.rule[u], DG_QRULE_NONE);
    dg_score_quality_clear(&q);
    cr_expect_null(q.q);
    free(f);
}

Test(quality, achievement_rounding_half_up_at_6)
{
    Fix *f = fix_new(4, 1);
    ind(f, 0, "k", 1, 400000, false);
    /* higher, t = 0.4: a = v·10^6/400000 = 2.5·v (10^-6)
     *   v = 1 -> 2.5 -> 3 (exact half rounds up); v = 3 -> 7.5 -> 8 */
    val(f, 0, 0, 1);
    val(f, 1, 0, 3);
    /* v = 0.266667 -> 666667.5 -> 666668; v = 0.266666 -> 666665 exactly */
    val(f, 2, 0, 266667);
    val(f, 3, 0, 266666);
    DgQuality q = run_ok(f);
    cr_expect_eq(q.achievement[0], 3);
    cr_expect_eq(q.achievement[1], 8);
    cr_expect_eq(q.achievement[2], 666668);
    cr_expect_eq(q.achievement[3], 666665);
    dg_score_quality_clear(&q);

    /* lower, t = 0.000001, v = 0.000128: a = 10^6/128 = 7812.5 -> 7813 (half up);
     *   v = 0.000003: 10^6/3 = 333333.33 -> 333333 */
    ind(f, 0, "k", 1, 1, true);
    val(f, 0, 0, 128);
    val(f, 1, 0, 3);
    val(f, 2, 0, 1); /* v == t -> 1 */
    val(f, 3, 0, 0); /* v < t -> 1 */
    q = run_ok(f);
    cr_expect_eq(q.achievement[0], 7813);
    cr_expect_eq(q.achievement[1], 333333);
    cr_expect_eq(q.achievement[2], 1000000);
    cr_expect_eq(q.achievement[3], 1000000);
    dg_score_quality_clear(&q);
    free(f);
}

Test(quality, q_rounding_half_up_at_4_and_no_double_rounding)
{
    Fix *f = fix_new(3, 2);
    ind(f, 0, "a", 1, 1000000, false);
    ind(f, 1, "b", 2, 1000000, false);
    /* target 1.0, so a_k = v_k.
     * U001: Σ = 123450 + 2·123450 = 370350; Q = 370350/300 = 1234.5 -> 1235 (exact half) */
    val(f, 0, 0, 123450);
    val(f, 0, 1, 123450);
    /* U002: Σ = 123449 + 2·123449 = 370347; /300 = 1234.49 -> 1234 */
    val(f, 1, 0, 123449);
    val(f, 1, 1, 123449);
    /* U003: Σ = 500149 + 2·500000 = 1500149; exact Q = 1500149/300 = 5000.4966.. -> 5000.
     * Rounding the mean to 6 decimals first (500049.67 -> 500050 -> 5000.50) would give 5001. */
    val(f, 2, 0, 500149);
    val(f, 2, 1, 500000);
    DgQuality q = run_ok(f);
    cr_expect_eq(q.q[0], 1235);
    cr_expect_eq(q.q[1], 1234);
    cr_expect_eq(q.q[2], 5000);
    dg_score_quality_clear(&q);
    free(f);
}

Test(quality, floor_and_full_at)
{
    Fix *f = fix_new(7, 1);
    ind(f, 0, "k", 1, 1000000, false); /* a = v, Q = v / 100 rounded */
    f->s.floor = 6000;
    f->s.full_at = 8500;
    val(f, 0, 0, 599900); /* Q 5999 < 0.6000 -> 0, rule floor */
    val(f, 1, 0, 600000); /* Q 6000 == floor -> stays */
    val(f, 2, 0, 599950); /* 5999.5 -> 6000: compared after rounding, so stays 6000 */
    val(f, 3, 0, 849949); /* 8499.49 -> 8499 < 8500 -> stays */
    val(f, 4, 0, 849950); /* 8499.5 -> 8500 >= full_at -> 1.0000 */
    val(f, 5, 0, 900000); /* 9000 -> 1.0000 */
    val(f, 6, 0, 0);      /* 0 < floor -> 0 (q_raw 0 too) */
    DgQuality q = run_ok(f);
    int64_t raw[] = {5999, 6000, 6000, 8499, 8500, 9000, 0};
    int64_t fin[] = {0, 6000, 6000, 8499, 10000, 10000, 0};
    uint8_t rule[] = {DG_QRULE_FLOOR, 0, 0, 0, DG_QRULE_FULL_AT, DG_QRULE_FULL_AT, DG_QRULE_FLOOR};
    for (int u = 0; u < 7; u++) {
        cr_expect_eq(q.q_raw[u], raw[u], "unit %d raw", u);
        cr_expect_eq(q.q[u], fin[u], "unit %d q", u);
        cr_expect_eq(q.rule[u], rule[u], "unit %d rule", u);
    }
    dg_score_quality_clear(&q);

    /* floor only: 1.0000 stays 1.0000 with rule none */
    f->s.full_at = DG_NONE;
    val(f, 5, 0, 1000000);
    q = run_ok(f);
    cr_expect_eq(q.q[4], 8500);
    cr_expect_eq(q.rule[4], DG_QRULE_NONE);
    cr_expect_eq(q.q[5], 10000);
    cr_expect_eq(q.rule[5], DG_QRULE_NONE);
    dg_score_quality_clear(&q);
    free(f);
}

Test(quality, no_quality_section)
{
    Fix *f = fix_new(3, 0);
    DgQuality q = run_ok(f);
    cr_expect_eq(q.n_indicators, 0);
    for (int u = 0; u < 3; u++) {
        cr_expect_eq(q.q[u], 10000);
        cr_expect_eq(q.q_raw[u], 10000);
        cr_expect_eq(q.rule[u], DG_QRULE_NONE);
    }
    dg_score_quality_clear(&q);
    /* indicators present but quality switched off: still 1.0000, values ignored */
    Fix *g = fix_new(2, 1);
    ind(g, 0, "k", 1, 1000000, false);
    g->s.has_quality = false;
    q = run_ok(g);
    cr_expect_eq(q.q[0], 10000);
    cr_expect_eq(q.q[1], 10000);
    dg_score_quality_clear(&q);
    dg_score_quality_clear(NULL);
    free(f);
    free(g);
}

Test(quality, missing_error_names_every_pair)
{
    Fix *f = fix_new(4, 2);
    ind(f, 0, "sign", 1, 1000000, false);
    ind(f, 1, "wait", 1, 1000000, true);
    val(f, 0, 1, 100000); /* U001 misses sign */
    /* U002 misses both */
    val(f, 2, 0, 100000); /* U003 misses wait but is in no pool's scope */
    f->pool_unit[2] = 0;
    val(f, 3, 0, 100000);
    val(f, 3, 1, 100000); /* U004 complete */
    DgQuality q;
    DgError e = {0};
    cr_assert_eq(dg_score_quality(&f->s, &q, &e), DG_E_CONFIG);
    cr_expect_eq(e.status, DG_E_CONFIG);
    cr_expect_str_eq(e.file, "indicators.csv");
    cr_expect(strstr(e.text, "3 quality indicator values are missing") != NULL, "%s", e.text);
    cr_expect(strstr(e.text, "(U001, sign), (U002, sign), (U002, wait)") != NULL, "%s", e.text);
    cr_expect(strstr(e.text, "U003") == NULL, "%s", e.text);
    cr_expect(strstr(e.text, "more") == NULL, "%s", e.text);
    cr_expect_null(q.q);
    cr_expect_null(q.achievement);
    free(f);
}

Test(quality, missing_error_many_pairs_truncated_with_count)
{
    Fix *f = fix_new(200, 1);
    ind(f, 0, "signing_rate", 1, 1000000, false); /* every unit in scope misses it */
    DgQuality q;
    DgError e = {0};
    cr_assert_eq(dg_score_quality(&f->s, &q, &e), DG_E_CONFIG);
    cr_expect(strstr(e.text, "200 quality indicator values are missing") != NULL, "%s", e.text);
    cr_expect(strstr(e.text, "(U001, signing_rate), (U002, signing_rate)") != NULL, "%s", e.text);
    cr_expect(strstr(e.text, " more;") != NULL, "%s", e.text);
    cr_expect(strstr(e.text, "\"missing\": \"zero\"") != NULL, "the fix is named: %s", e.text);
    cr_expect(strlen(e.text) < sizeof e.text - 1, "not cut by the error buffer");
    /* the listed pairs plus "and N more" account for all 200 */
    size_t listed = 0;
    for (const char *p = e.text; (p = strstr(p, ", signing_rate)")) != NULL; p++)
        listed++;
    char tail[64];
    snprintf(tail, sizeof tail, "and %zu more;", 200 - listed);
    cr_expect(strstr(e.text, tail) != NULL, "expected '%s' in %s", tail, e.text);
    free(f);
}

Test(quality, missing_single_pair_grammar)
{
    Fix *f = fix_new(1, 1);
    ind(f, 0, "k", 1, 1000000, false);
    DgQuality q;
    DgError e = {0};
    cr_assert_eq(dg_score_quality(&f->s, &q, &e), DG_E_CONFIG);
    cr_expect(strstr(e.text, "1 quality indicator value is missing for units paid by a pool: (U001, k);") != NULL,
              "%s", e.text);
    free(f);
}

Test(quality, missing_zero_and_out_of_scope)
{
    Fix *f = fix_new(3, 2);
    ind(f, 0, "sign", 30, 400000, false);
    ind(f, 1, "wait", 20, 500000, true);
    f->s.missing_zero = true;
    /* U001: sign missing -> 0; wait 0.25 <= 0.5 -> 1: Σ = 20·10^6; Q = 2·10^7/5000 = 4000 */
    val(f, 0, 1, 250000);
    /* U002: all missing -> Q 0 */
    /* U003: in no pool, sign 0.2 -> 0.5; wait missing -> 0: Σ = 30·500000 = 1.5·10^7; Q = 3000 */
    val(f, 2, 0, 200000);
    f->pool_unit[2] = 0;
    DgQuality q = run_ok(f);
    cr_expect_eq(q.achievement[0], -1);
    cr_expect_eq(q.achievement[1], 1000000);
    cr_expect_eq(q.achievement[2], -1);
    cr_expect_eq(q.achievement[3], -1);
    cr_expect_eq(q.achievement[4], 500000);
    cr_expect_eq(q.achievement[5], -1);
    cr_expect_eq(q.q[0], 4000);
    cr_expect_eq(q.q[1], 0);
    cr_expect_eq(q.q[2], 3000);
    dg_score_quality_clear(&q);

    /* missing=error: the out-of-scope unit alone does not fail the run */
    f->s.missing_zero = false;
    val(f, 0, 0, 400000);
    val(f, 1, 0, 400000);
    val(f, 1, 1, 400000);
    q = run_ok(f);
    cr_expect_eq(q.q[0], 10000);
    cr_expect_eq(q.q[2], 3000);
    dg_score_quality_clear(&q);

    /* no pools at all: nobody is paid, so nothing is required */
    f->s.pool_unit = NULL;
    f->s.n_pools = 0;
    val(f, 0, 0, DG_IND_MISSING);
    q = run_ok(f);
    cr_expect_eq(q.achievement[0], -1);
    cr_expect_eq(q.q[0], 4000);
    dg_score_quality_clear(&q);
    free(f);
}

/* ---- adjustment ----------------------------------------------------------- */

static const char *T_ISLAND_REMOTE[] = {"island", "remote"};
static const char *T_X_X[] = {"x", "x"};
static const char *T_X_Y[] = {"y", "x"};
static const char *T_OTHER[] = {"mountain"};
static const char *T_HALF[] = {"h1", "h2"};
static const char *T_UP[] = {"u1", "u2"};
static const char *T_THREE[] = {"island", "island2", "island3"};

Test(adjustment, products_rounded_once)
{
    Fix *f = fix_new(8, 0);
    DgAdjustment adj[] = {
        {"island", 11000}, {"remote", 10500}, {"x", 10333},  {"y", 10333},   {"h1", 15000},
        {"h2", 10001},     {"u1", 12345},     {"u2", 10007}, {"island2", 11000}, {"island3", 11000},
    };
    f->s.adjustments = adj;
    f->s.n_adjustments = sizeof adj / sizeof *adj;
    struct {
        const char **tags;
        size_t n;
    } t[] = {{T_ISLAND_REMOTE, 2}, {T_X_X, 2}, {T_X_Y, 2}, {NULL, 0}, {T_OTHER, 1}, {T_HALF, 2}, {T_UP, 2},
             {T_THREE, 3}};
    for (int u = 0; u < 8; u++) {
        f->units[u].tags = t[u].tags;
        f->units[u].n_tags = t[u].n;
    }
    int64_t a[8];
    DgError e = {0};
    cr_assert_eq(dg_score_adjustment(&f->s, a, &e), DG_OK, "%s", e.text);
    cr_expect_eq(a[0], 11550); /* 1.1000 × 1.0500 = 1.15500000 -> 1.1550 */
    cr_expect_eq(a[1], 10333); /* x listed twice counts once */
    cr_expect_eq(a[2], 10677); /* 1.0333² = 1.06770889 -> 1.0677 */
    cr_expect_eq(a[3], 10000); /* no tags */
    cr_expect_eq(a[4], 10000); /* a tag without an adjustment */
    cr_expect_eq(a[5], 15002); /* 1.5000 × 1.0001 = 1.50015000: exact half -> 1.5002 */
    cr_expect_eq(a[6], 12354); /* 1.2345 × 1.0007 = 1.23536415 -> 1.2354 */
    cr_expect_eq(a[7], 13310); /* 1.1³ = 1.331000000000 -> 1.3310 */
    free(f);
}

static const char *TAGS20[] = {"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9",
                               "t10", "t11", "t12", "t13", "t14", "t15", "t16", "t17", "t18", "t19"};

Test(adjustment, many_factors_exact)
{
    Fix *f = fix_new(4, 0);
    DgAdjustment adj[20];
    for (int j = 0; j < 20; j++) {
        adj[j].tag = TAGS20[j];
        adj[j].factor = 5000; /* 0.5 */
    }
    f->s.adjustments = adj;
    f->s.n_adjustments = 20;
    size_t n[] = {14, 15, 20, 1};
    for (int u = 0; u < 4; u++) {
        f->units[u].tags = TAGS20;
        f->units[u].n_tags = n[u];
    }
    int64_t a[4];
    DgError e = {0};
    cr_assert_eq(dg_score_adjustment(&f->s, a, &e), DG_OK);
    cr_expect_eq(a[0], 1); /* 0.5^14 = 0.00006103515625 -> 0.0001 */
    cr_expect_eq(a[1], 0); /* 0.5^15 = 0.000030517578125 -> 0.0000 */
    cr_expect_eq(a[2], 0); /* 0.5^20 ≈ 9.5e-7 -> 0.0000 */
    cr_expect_eq(a[3], 5000);

    /* factor 10 fourteen times: 10^14 -> 10^18 at 10^-4 fits in int64 */
    for (int j = 0; j < 20; j++)
        adj[j].factor = 100000;
    f->units[1].n_tags = 14;
    f->units[2].n_tags = 14;
    cr_assert_eq(dg_score_adjustment(&f->s, a, &e), DG_OK);
    cr_expect_eq(a[0], 1000000000000000000LL);
    /* fifteen times: 10^19 > INT64_MAX -> configuration error naming the unit */
    f->units[2].n_tags = 15;
    f->units[2].line = 4;
    cr_assert_eq(dg_score_adjustment(&f->s, a, &e), DG_E_CONFIG);
    cr_expect(strstr(e.text, "U003") != NULL, "%s", e.text);
    cr_expect_eq(e.line, 4);
    free(f);
}

/* ---- corrected workload --------------------------------------------------- */

Test(corrected, exact_product_and_overflow)
{
    DgU128 c = 7;
    /* W 123.4567 × Q 0.7833 × A 1.1550:
     *   1234567 × 7833 = 9670363311; × 11550 = 111692696242050 (10^-12) */
    cr_assert(dg_score_corrected(1234567, 7833, 11550, &c));
    cr_expect(c == (DgU128)111692696242050ULL);
    /* Q = 0 kills any workload, even the largest */
    cr_assert(dg_score_corrected(~(DgU128)0, 0, 10000, &c));
    cr_expect(c == 0);
    /* Q = A = 1.0000: qa = 10^8; the largest W that fits is floor((2^128-1)/10^8) */
    DgU128 max = ~(DgU128)0, wmax = max / 100000000u;
    cr_assert(dg_score_corrected(wmax, 10000, 10000, &c));
    cr_expect(c == wmax * 100000000u);
    c = 7;
    cr_expect(!dg_score_corrected(wmax + 1, 10000, 10000, &c));
    cr_expect(c == 7, "untouched on overflow");
    /* W = 2^100, Q = 1, A = 10^5 (10^9 at 10^-4): 2^100 · 10^4 · 10^9 ≈ 1.27e43 > 2^128 ≈ 3.4e38 */
    cr_expect(!dg_score_corrected((DgU128)1 << 100, 10000, 1000000000LL, &c));
    cr_expect(!dg_score_corrected(1, -1, 10000, &c));
    cr_expect(!dg_score_corrected(1, 10000, -1, &c));
}
