/*
 * Unit tests of the review layer: the cause attribution of `diff`
 * (dg_review_attribute), the exact big-integer rationals under it, and the
 * run-folder reader.  Every hand case states its shares in the comment;
 * effects are printed in 1/100 fen (10^-4 yuan), so 1 fen = 100.
 * Fixed point: W, Q, A at 10^-4 (1.0000 = 10000).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dangliang/review.h"
#include "review/bigq.h"
#include "review/diff_inputs.h"
#include "review/runread.h"

#define ONE 10000

static DgAttrUnit both(int64_t w_a, int64_t w_b, int64_t q_a, int64_t q_b, int64_t pay_a, int64_t pay_b)
{
    DgAttrUnit u = {.in_a = true, .in_b = true, .w_a = (DgU128)w_a, .w_b = (DgU128)w_b, .w_mid = (DgU128)w_b,
                    .q_a = q_a, .q_b = q_b, .adj_a = ONE, .adj_b = ONE, .pay_a = pay_a, .pay_b = pay_b};
    return u;
}

static void attr(int64_t ba, int64_t bb, DgAttrUnit *u, size_t n, DgAttrResult *r)
{
    DgError e = {0};
    cr_assert_eq(dg_review_attribute(ba, bb, u, n, r, &e), DG_OK, "%s", e.text);
}

static int64_t sum_effects(const DgAttrResult *r)
{
    int64_t s = 0;
    for (int c = DG_CAUSE_BUDGET; c <= DG_CAUSE_ROUNDING; c++)
        s += r->effect[c];
    return s;
}

Test(review, cause_names)
{
    cr_expect_str_eq(dg_review_cause_name(DG_CAUSE_NONE), "none");
    cr_expect_str_eq(dg_review_cause_name(DG_CAUSE_CATALOG), "catalog");
    cr_expect_str_eq(dg_review_cause_name(DG_CAUSE_ROUNDING), "rounding");
    cr_expect_str_eq(dg_review_cause_name(DG_CAUSE_COUNT), "?");
}

Test(review, budget_only)
{
    /* W 1 and 3, budget 100 -> 200 fen: shares 25/75 -> 50/150, all budget, no rounding */
    DgAttrUnit u[2] = {both(ONE, ONE, ONE, ONE, 25, 50), both(3 * ONE, 3 * ONE, ONE, ONE, 75, 150)};
    DgAttrResult r[2];
    attr(100, 200, u, 2, r);
    cr_expect_eq(r[0].effect[DG_CAUSE_BUDGET], 2500);
    cr_expect_eq(r[1].effect[DG_CAUSE_BUDGET], 7500);
    for (int i = 0; i < 2; i++) {
        cr_expect_eq(r[i].cause, DG_CAUSE_BUDGET);
        cr_expect_not(r[i].by_others);
        cr_expect_eq(r[i].effect[DG_CAUSE_ROUNDING], 0);
        cr_expect_eq(sum_effects(&r[i]), (u[i].pay_b - u[i].pay_a) * 100);
    }
}

Test(review, own_quality_and_others)
{
    /* X, Y with W 1 each, B 100.  Q_X 1 -> 0.5: C 0.5 : 1, shares 33.33 / 66.67; floors 33 + 66,
     * the leftover fen to Y (0.67 > 0.33): pays 50/50 -> 33/67.
     * X: quality = 33.333… − 50 = −16.667 fen, shown r(X6) − r(X0) = 3333 − 5000 = −1667;
     *    rounding = −17 − (−16.667) = −0.333, shown −1700 − (−1667) = −33.  Main cause quality, own.
     * Y: quality +16.667 (shown +1667), caused by X's Q: others; rounding +33. */
    DgAttrUnit u[2] = {both(ONE, ONE, ONE, ONE / 2, 50, 33), both(ONE, ONE, ONE, ONE, 50, 67)};
    DgAttrResult r[2];
    attr(100, 100, u, 2, r);
    cr_expect_eq(r[0].effect[DG_CAUSE_QUALITY], -1667);
    cr_expect_eq(r[0].effect[DG_CAUSE_ROUNDING], -33);
    cr_expect_eq(r[0].cause, DG_CAUSE_QUALITY);
    cr_expect_not(r[0].by_others);
    cr_expect_eq(r[1].effect[DG_CAUSE_QUALITY], 1667);
    cr_expect_eq(r[1].effect[DG_CAUSE_ROUNDING], 33);
    cr_expect_eq(r[1].cause, DG_CAUSE_QUALITY);
    cr_expect(r[1].by_others);
    for (int i = 0; i < 2; i++)
        for (int c = DG_CAUSE_BUDGET; c <= DG_CAUSE_ADJUSTMENT; c++)
            if (c != DG_CAUSE_QUALITY)
                cr_expect_eq(r[i].effect[c], 0, "unit %d cause %d", i, c);
}

Test(review, workload_then_catalog)
{
    /* X: W_a 1, W_mid 2 (B's quantities at A's equivalents), W_b 3; Y: W 1 throughout; B 1200.
     * X: 600 -> 800 (workload, 2/3) -> 900 (catalog, 3/4): +200 workload, +100 catalog -> workload, own.
     * Y: 600 -> 400 -> 300: −200 workload (others), −100 catalog. */
    DgAttrUnit u[2] = {both(ONE, 3 * ONE, ONE, ONE, 600, 900), both(ONE, ONE, ONE, ONE, 600, 300)};
    u[0].w_mid = 2 * ONE;
    DgAttrResult r[2];
    attr(1200, 1200, u, 2, r);
    cr_expect_eq(r[0].effect[DG_CAUSE_WORKLOAD], 20000);
    cr_expect_eq(r[0].effect[DG_CAUSE_CATALOG], 10000);
    cr_expect_eq(r[0].cause, DG_CAUSE_WORKLOAD);
    cr_expect_not(r[0].by_others);
    cr_expect_eq(r[1].effect[DG_CAUSE_WORKLOAD], -20000);
    cr_expect_eq(r[1].effect[DG_CAUSE_CATALOG], -10000);
    cr_expect_eq(r[1].cause, DG_CAUSE_WORKLOAD);
    cr_expect(r[1].by_others);
}

Test(review, catalog_wins_when_equivalents_move_more)
{
    /* X: W 1 -> mid 1.1 -> 2 (quantity +10 %, then the equivalent raised); Y: W 1; B 2100.
     * X: 1050 -> 2100·1.1/2.1 = 1100 (+50) -> 2100·2/3 = 1400 (+300): catalog, own. */
    DgAttrUnit u[2] = {both(ONE, 2 * ONE, ONE, ONE, 1050, 1400), both(ONE, ONE, ONE, ONE, 1050, 700)};
    u[0].w_mid = 11000;
    DgAttrResult r[2];
    attr(2100, 2100, u, 2, r);
    cr_expect_eq(r[0].effect[DG_CAUSE_WORKLOAD], 5000);
    cr_expect_eq(r[0].effect[DG_CAUSE_CATALOG], 30000);
    cr_expect_eq(r[0].cause, DG_CAUSE_CATALOG);
    cr_expect_not(r[0].by_others);
    cr_expect_eq(r[1].cause, DG_CAUSE_CATALOG);
    cr_expect(r[1].by_others);
}

Test(review, scope_enter_and_leave)
{
    /* pool A = {X, Z}, pool B = {X, Y}; all W 1, B 100.  Z leaves, Y enters: nobody else changes.
     * X: 50 -> 50: no change.  Y: 0 -> 50 scope own.  Z: 50 -> 0 scope own. */
    DgAttrUnit u[3] = {both(ONE, ONE, ONE, ONE, 50, 50),
                       {.in_b = true, .w_b = ONE, .w_mid = ONE, .q_b = ONE, .adj_b = ONE, .pay_b = 50},
                       {.in_a = true, .w_a = ONE, .q_a = ONE, .adj_a = ONE, .pay_a = 50}};
    DgAttrResult r[3];
    attr(100, 100, u, 3, r);
    cr_expect_eq(r[0].cause, DG_CAUSE_NONE);
    cr_expect_eq(r[1].cause, DG_CAUSE_SCOPE);
    cr_expect_eq(r[1].effect[DG_CAUSE_SCOPE], 5000);
    cr_expect_not(r[1].by_others);
    cr_expect_eq(r[2].cause, DG_CAUSE_SCOPE);
    cr_expect_eq(r[2].effect[DG_CAUSE_SCOPE], -5000);
    cr_expect_not(r[2].by_others);
    /* an entrant changes nothing after the scope step, even with different run-A fields */
    for (int c = DG_CAUSE_WORKLOAD; c <= DG_CAUSE_ROUNDING; c++)
        cr_expect_eq(r[1].effect[c], 0);
}

Test(review, scope_dilution_is_others)
{
    /* A = {X}, B = {X, Y} with equal W, B 100: X 100 -> 50, scope caused by Y entering: others */
    DgAttrUnit u[2] = {both(ONE, ONE, ONE, ONE, 100, 50),
                       {.in_b = true, .w_b = ONE, .w_mid = ONE, .q_b = ONE, .adj_b = ONE, .pay_b = 50}};
    DgAttrResult r[2];
    attr(100, 100, u, 2, r);
    cr_expect_eq(r[0].cause, DG_CAUSE_SCOPE);
    cr_expect_eq(r[0].effect[DG_CAUSE_SCOPE], -5000);
    cr_expect(r[0].by_others);
}

Test(review, adjustment)
{
    /* X, Y W 1; A_X 1.0 -> 3.0, B 100: 50 -> 75 adjustment own; Y 50 -> 25 others */
    DgAttrUnit u[2] = {both(ONE, ONE, ONE, ONE, 50, 75), both(ONE, ONE, ONE, ONE, 50, 25)};
    u[0].adj_b = 3 * ONE;
    DgAttrResult r[2];
    attr(100, 100, u, 2, r);
    cr_expect_eq(r[0].cause, DG_CAUSE_ADJUSTMENT);
    cr_expect_eq(r[0].effect[DG_CAUSE_ADJUSTMENT], 2500);
    cr_expect_not(r[0].by_others);
    cr_expect_eq(r[1].cause, DG_CAUSE_ADJUSTMENT);
    cr_expect(r[1].by_others);
}

Test(review, equal_effects_go_to_the_earlier_step)
{
    /* X, Y W 1, Q_X 1 -> 3 (a test value), B 100 -> 200.
     * X: 50 -> 100 (budget +50) -> 200·3/4 = 150 (quality +50): tie, budget comes first. */
    DgAttrUnit u[2] = {both(ONE, ONE, ONE, 3 * ONE, 50, 150), both(ONE, ONE, ONE, ONE, 50, 50)};
    DgAttrResult r[2];
    attr(100, 200, u, 2, r);
    cr_expect_eq(r[0].effect[DG_CAUSE_BUDGET], 5000);
    cr_expect_eq(r[0].effect[DG_CAUSE_QUALITY], 5000);
    cr_expect_eq(r[0].cause, DG_CAUSE_BUDGET);
    /* Y: +50 budget, −50 quality: equal magnitudes, budget again; net change 0 */
    cr_expect_eq(r[1].effect[DG_CAUSE_BUDGET], 5000);
    cr_expect_eq(r[1].effect[DG_CAUSE_QUALITY], -5000);
    cr_expect_eq(r[1].cause, DG_CAUSE_BUDGET);
}

Test(review, rounding_only)
{
    /* identical states, but the payouts given differ by one fen: only the rounding residual moves */
    DgAttrUnit u[1] = {both(ONE, ONE, ONE, ONE, 50, 51)};
    DgAttrResult r[1];
    attr(50, 50, u, 1, r);
    cr_expect_eq(r[0].cause, DG_CAUSE_ROUNDING);
    cr_expect_eq(r[0].effect[DG_CAUSE_ROUNDING], 100);
    cr_expect_not(r[0].by_others);
}

Test(review, exact_where_the_display_rounds_to_zero)
{
    /* B 1 fen over 3 equal units, then a fourth enters: shares 1/3 -> 1/4 fen for X (−1/12 fen).
     * Shown r = round(33.33) = 33 -> round(25) = 25: −8; the cause is scope even though all is tiny. */
    DgAttrUnit u[4] = {both(ONE, ONE, ONE, ONE, 1, 1), both(ONE, ONE, ONE, ONE, 0, 0), both(ONE, ONE, ONE, ONE, 0, 0),
                       {.in_b = true, .w_b = ONE, .w_mid = ONE, .q_b = ONE, .adj_b = ONE, .pay_b = 0}};
    DgAttrResult r[4];
    attr(1, 1, u, 4, r);
    cr_expect_eq(r[0].effect[DG_CAUSE_SCOPE], -8);
    cr_expect_eq(r[0].effect[DG_CAUSE_ROUNDING], 8);
    /* X's payout did not change (1 fen both times): exact scope −1/12, rounding +1/12 — equal: scope first */
    cr_expect_eq(r[0].cause, DG_CAUSE_SCOPE);
    cr_expect(r[0].by_others);
}

Test(review, pool_added_is_budget)
{
    /* a pool only in run B is passed as budget 0 in A with B's units: all of it is budget */
    DgAttrUnit u[2] = {both(ONE, ONE, ONE, ONE, 0, 40), both(3 * ONE / 2, 3 * ONE / 2, ONE, ONE, 0, 60)};
    DgAttrResult r[2];
    attr(0, 100, u, 2, r);
    for (int i = 0; i < 2; i++) {
        cr_expect_eq(r[i].cause, DG_CAUSE_BUDGET);
        cr_expect_eq(r[i].effect[DG_CAUSE_BUDGET], u[i].pay_b * 100);
    }
}

Test(review, huge_workloads_are_exact)
{
    /* W 2^100 and 2^101 (10^-4), budget 300: shares 100 / 200; X doubles to 2^101: 150 / 150 */
    DgU128 p100 = (DgU128)1 << 100, p101 = (DgU128)1 << 101;
    DgAttrUnit u[2] = {both(0, 0, ONE, ONE, 100, 150), both(0, 0, ONE, ONE, 200, 150)};
    u[0].w_a = p100;
    u[0].w_b = u[0].w_mid = p101;
    u[1].w_a = u[1].w_b = u[1].w_mid = p101;
    u[0].adj_a = u[0].adj_b = u[1].adj_a = u[1].adj_b = 100000; /* 10.0000, the largest factor */
    DgAttrResult r[2];
    attr(300, 300, u, 2, r);
    cr_expect_eq(r[0].effect[DG_CAUSE_WORKLOAD], 5000);
    cr_expect_eq(r[1].effect[DG_CAUSE_WORKLOAD], -5000);
    cr_expect_eq(r[0].effect[DG_CAUSE_ROUNDING], 0);
    cr_expect_eq(r[0].cause, DG_CAUSE_WORKLOAD);
}

/* ---- properties ------------------------------------------------------------------ */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

Test(review, effects_add_up_and_order_does_not_matter)
{
    for (int round = 0; round < 300; round++) {
        size_t n = 1 + next() % 6;
        DgAttrUnit u[6], v[6];
        DgAttrResult r[6], rv[6];
        int64_t ba = (int64_t)(next() % 100000), bb = (int64_t)(next() % 100000);
        for (size_t i = 0; i < n; i++) {
            memset(&u[i], 0, sizeof u[i]);
            u[i].in_a = next() % 5 != 0;
            u[i].in_b = next() % 5 != 0;
            u[i].w_a = next() % 3 ? next() % 200000 : 0;
            u[i].w_b = next() % 200000;
            u[i].w_mid = next() % 200000;
            u[i].q_a = (int64_t)(next() % 10001);
            u[i].q_b = (int64_t)(next() % 10001);
            u[i].adj_a = 10000 + (int64_t)(next() % 5000);
            u[i].adj_b = 10000 + (int64_t)(next() % 5000);
            u[i].pay_a = u[i].in_a ? (int64_t)(next() % 1000) : 0;
            u[i].pay_b = u[i].in_b ? (int64_t)(next() % 1000) : 0;
        }
        attr(ba, bb, u, n, r);
        for (size_t i = 0; i < n; i++) {
            cr_assert_eq(sum_effects(&r[i]), (u[i].pay_b - u[i].pay_a) * 100, "round %d unit %zu", round, i);
            /* the cause's shown effect is within the display rounding (±1 per side) of the largest */
            if (r[i].cause != DG_CAUSE_NONE)
                for (int c = DG_CAUSE_BUDGET; c <= DG_CAUSE_ROUNDING; c++)
                    cr_assert(llabs(r[i].effect[r[i].cause]) + 2 >= llabs(r[i].effect[c]), "round %d", round);
            else
                for (int c = DG_CAUSE_BUDGET; c <= DG_CAUSE_ROUNDING; c++)
                    cr_assert(llabs(r[i].effect[c]) <= 2);
        }
        /* reversed order gives the same per-unit results */
        for (size_t i = 0; i < n; i++)
            v[i] = u[n - 1 - i];
        attr(ba, bb, v, n, rv);
        for (size_t i = 0; i < n; i++)
            cr_assert(!memcmp(&r[i], &rv[n - 1 - i], sizeof r[i]), "round %d unit %zu", round, i);
    }
}

/* ---- big rationals ------------------------------------------------------------------ */

Test(review, big_div_round)
{
    bool ok = true;
    DgBig a, d;
    /* round_half_up(7 · 100 / 8) = round(87.5) = 88; round(7·100/9 = 77.7) = 78; 1·100/3 = 33.3 -> 33 */
    dg_big_from_u128(&a, 7);
    dg_big_from_u128(&d, 8);
    cr_expect_eq(dg_big_div_round(&a, 100, &d, &ok), 88);
    dg_big_from_u128(&d, 9);
    cr_expect_eq(dg_big_div_round(&a, 100, &d, &ok), 78);
    dg_big_from_u128(&a, 1);
    dg_big_from_u128(&d, 3);
    cr_expect_eq(dg_big_div_round(&a, 100, &d, &ok), 33);
    /* (2^200 + 2^199) / 2^200 · 100 = 150 */
    DgBig x, y, t;
    dg_big_from_u128(&x, (DgU128)1 << 100);
    dg_big_mul(&y, &x, &x, &ok);
    dg_big_from_u128(&t, (DgU128)1 << 99);
    dg_big_mul(&a, &x, &t, &ok);
    dg_big_add(&a, &a, &y, &ok);
    cr_expect_eq(dg_big_div_round(&a, 100, &y, &ok), 150);
    cr_expect(ok);
    /* a quotient beyond int64 is refused */
    dg_big_from_u128(&d, 1);
    (void)dg_big_div_round(&y, 100, &d, &ok);
    cr_expect_not(ok);
}

Test(review, big_q_sub_and_compare)
{
    bool ok = true;
    DgQ a, b, c;
    DgBig n, d;
    /* 1/3 − 1/2 = −1/6; |−1/6| < |1/5| */
    dg_big_from_u128(&n, 1);
    dg_big_from_u128(&d, 3);
    dg_q_make(&a, &n, &d);
    dg_big_from_u128(&d, 2);
    dg_q_make(&b, &n, &d);
    dg_q_sub(&c, &a, &b, &ok);
    cr_expect_eq(c.sign, -1);
    DgQ fifth;
    dg_big_from_u128(&d, 5);
    dg_q_make(&fifth, &n, &d);
    cr_expect_eq(dg_q_cmp_abs(&c, &fifth, &ok), -1);
    /* 1/6 == 1/6 in absolute value whatever the sign and the representation */
    DgQ six;
    dg_big_from_u128(&n, 2);
    dg_big_from_u128(&d, 12);
    dg_q_make(&six, &n, &d);
    cr_expect_eq(dg_q_cmp_abs(&c, &six, &ok), 0);
    /* x − x = 0 */
    dg_q_sub(&c, &six, &six, &ok);
    cr_expect_eq(c.sign, 0);
    cr_expect(ok);
    /* capacity: multiplying two numbers of more than half the limbs each is refused, not wrapped */
    DgBig big;
    dg_big_from_u128(&big, ~(DgU128)0);
    for (int i = 0; i < 3; i++)
        dg_big_mul(&big, &big, &big, &ok); /* 2^1024 */
    cr_expect(ok);
    dg_big_mul(&big, &big, &big, &ok); /* 2^2048 > capacity */
    cr_expect_not(ok);
}

/* ---- run-folder reader ------------------------------------------------------------- */

static char tmpdir[64];

static void make_dir(void)
{
    strcpy(tmpdir, "/tmp/dg_review_XXXXXX");
    cr_assert(mkdtemp(tmpdir));
}

static void put(const char *name, const char *text)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

Test(review, runread_table_by_header_unneutralised)
{
    make_dir();
    /* BOM, columns in another order, an extra column, a quoted comma, a neutralised id, CRLF */
    put("t.csv", "\xEF\xBB\xBF" "extra,unit_id,payout\r\nx,\"'=HYPERLINK(\"\"x\"\")\",1.50\r\ny,\"A,1\",2\r\n\r\nz,'x,3.1\r\n");
    DgRunTable t;
    DgError e = {0};
    static const char *const cols[] = {"payout", "unit_id", NULL};
    cr_assert_eq(dg_runread_table(tmpdir, "t.csv", cols, &t, &e), DG_OK, "%s", e.text);
    cr_assert_eq(t.n_rows, 3);
    cr_expect_str_eq(dg_runread_cell(&t, 0, 1), "=HYPERLINK(\"x\")");
    cr_expect_str_eq(dg_runread_cell(&t, 1, 1), "A,1");
    cr_expect_str_eq(dg_runread_cell(&t, 2, 1), "'x"); /* only = + - @ TAB CR after ' are neutralised */
    cr_expect_eq(t.line[2], 5);
    int64_t v;
    cr_expect_eq(dg_runread_i64(&t, 0, 0, 2, &v, &e), DG_OK);
    cr_expect_eq(v, 150);
    DgU128 w;
    cr_expect_eq(dg_runread_u128(&t, 2, 0, 4, &w, &e), DG_OK);
    cr_expect(w == 31000);
    cr_expect_eq(dg_runread_u128(&t, 2, 0, 0, &w, &e), DG_E_IO); /* 3.1 has a decimal where none is allowed */
    dg_runread_table_clear(&t);
    put("q.csv", "unit_id\n\"'=SUM(A1)\"\n");
    static const char *const c1[] = {"unit_id", NULL};
    cr_assert_eq(dg_runread_table(tmpdir, "q.csv", c1, &t, &e), DG_OK);
    cr_expect_str_eq(dg_runread_cell(&t, 0, 0), "=SUM(A1)");
    dg_runread_table_clear(&t);
    /* a missing column and a missing file are I/O errors naming the file */
    static const char *const c2[] = {"nope", NULL};
    cr_expect_eq(dg_runread_table(tmpdir, "q.csv", c2, &t, &e), DG_E_IO);
    cr_expect(strstr(e.text, "\"nope\""));
    dg_runread_table_clear(&t);
    cr_expect_eq(dg_runread_table(tmpdir, "none.csv", c1, &t, &e), DG_E_IO);
    dg_runread_table_clear(&t);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    cr_expect_eq(system(cmd), 0);
}

/* ---- which inputs changed (diff_inputs.c) --------------------------------- */

static DgRunInfo info(const char *scheme, const char *catalog, const char *logs)
{
    DgRunInfo i = {.sha_scheme = (char *)scheme, .sha_catalog = (char *)catalog, .sha_units = (char *)"u",
                   .sha_logs = (char *)logs};
    return i;
}

Test(review, inputs_compared_by_hash)
{
    DgDiff d = {0};
    DgRunInfo a = info("s", "c", "l1,l2"), b = info("s", "c2", "l1,l2");
    dg_diff_inputs_compare(&d, &a, &b);
    cr_assert_eq(d.inputs[DG_DIFF_SCHEME], DG_INPUT_SAME);
    cr_assert_eq(d.inputs[DG_DIFF_CATALOG], DG_INPUT_CHANGED);
    cr_assert_eq(d.inputs[DG_DIFF_UNITS], DG_INPUT_SAME);
    cr_assert_eq(d.inputs[DG_DIFF_INDICATORS], DG_INPUT_SAME, "no indicators file in either run");
    cr_assert_eq(d.inputs[DG_DIFF_LOGS], DG_INPUT_SAME);
    b.sha_logs = NULL; /* an old manifest without inputs */
    dg_diff_inputs_compare(&d, &a, &b);
    cr_assert_eq(d.inputs[DG_DIFF_LOGS], DG_INPUT_UNKNOWN);
    GString *g = g_string_new(NULL);
    dg_diff_inputs_describe(&d, g);
    cr_assert_str_eq(g->str, "inputs (SHA-256 in manifest.json): catalog changed; scheme, units, indicators, "
                             "appeals, registry the same; logs not recorded\n");
    g_string_free(g, TRUE);
}

/* Same logs, new catalog: a unit's audited W fell 10 -> 8 because a cap changed.  Items.csv's
 * W_mid (B's audited quantities at A's equivalents) would say 8, i.e. "workload"; the logs are
 * the same, so the change is the catalog's: W_mid = W_A. */
Test(review, same_logs_new_catalog_is_catalog)
{
    DgDiff d = {0};
    DgRunInfo a = info("s", "c", "l"), b = info("s", "c2", "l");
    dg_diff_inputs_compare(&d, &a, &b);
    DgAttrUnit u[2] = {both(10 * ONE, 8 * ONE, ONE, ONE, 5000, 4444), both(10 * ONE, 10 * ONE, ONE, ONE, 5000, 5556)};
    u[0].w_mid = 8 * ONE;
    dg_diff_inputs_fix_mid(&d, u, 2);
    cr_assert(u[0].w_mid == 10 * ONE && u[1].w_mid == 10 * ONE);
    DgAttrResult r[2];
    attr(10000, 10000, u, 2, r);
    /* shares: A 5000 each; B 10000 × 8/18 = 4444.44, 5555.56 */
    cr_assert_eq(r[0].effect[DG_CAUSE_WORKLOAD], 0);
    cr_assert_eq(r[0].effect[DG_CAUSE_CATALOG], -55556);
    cr_assert_eq(r[0].cause, DG_CAUSE_CATALOG);
    /* new logs: W_mid stays what items.csv gave */
    b.sha_logs = (char *)"l2";
    dg_diff_inputs_compare(&d, &a, &b);
    u[0].w_mid = 8 * ONE;
    dg_diff_inputs_fix_mid(&d, u, 2);
    cr_assert(u[0].w_mid == 8 * ONE);
}

/* Same catalog file: the catalog step is a version mix, effect and cause move over. */
Test(review, same_catalog_is_version_mix)
{
    DgDiffRow rows[2] = {0};
    rows[0].r.effect[DG_CAUSE_CATALOG] = 3882;
    rows[0].r.effect[DG_CAUSE_ROUNDING] = -24;
    rows[0].r.cause = DG_CAUSE_CATALOG;
    rows[1].r.effect[DG_CAUSE_QUALITY] = 7;
    rows[1].r.cause = DG_CAUSE_QUALITY;
    DgDiff d = {.rows = rows, .n_rows = 2};
    DgRunInfo a = info("s", "c", "l"), b = info("s", "c", "l2");
    dg_diff_inputs_compare(&d, &a, &b);
    dg_diff_inputs_relabel(&d);
    cr_assert_eq(rows[0].r.cause, DG_CAUSE_VERSION_MIX);
    cr_assert_eq(rows[0].r.effect[DG_CAUSE_VERSION_MIX], 3882);
    cr_assert_eq(rows[0].r.effect[DG_CAUSE_CATALOG], 0);
    cr_assert_eq(rows[1].r.cause, DG_CAUSE_QUALITY);
    cr_assert_str_eq(dg_review_cause_name(DG_CAUSE_VERSION_MIX), "version_mix");
    GString *g = g_string_new(NULL);
    dg_diff_inputs_note_mix(&d, g);
    cr_assert(strstr(g->str, "the catalog file is the same in both runs") != NULL);
    g_string_free(g, TRUE);
}
