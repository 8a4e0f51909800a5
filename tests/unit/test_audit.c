/*
 * Authenticity checks: properties on generated data (the hand-computed
 * cases live in tests/golden/audit_*).
 *   - for every row: audited + Σ excess of its flags = raw quantity;
 *   - audited <= raw, and a row is flagged iff some check touched it;
 *   - identical audited quantities and flags for threads 1, 2 and 4;
 *   - policy exclude removes exactly the flagged staff-days' quantity.
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dangliang/audit.h"
#include "dangliang/gen.h"

static DgScheme *s;
static DgDataset *d;

static void setup(void)
{
    DgError e = {0};
    cr_assert_eq(dg_scheme_load("configs/zhoushan-2020/scheme-given.json", &s, &e), DG_OK, "%s", e.text);
    char path[64];
    snprintf(path, sizeof path, "/tmp/dg_test_audit_%d.csv", (int)getpid());
    DgGenOptions go = {.rows = 60000, .seed = 11, .format = DG_GEN_CSV, .bad_ppm = 0};
    cr_assert_eq(dg_gen_write(s, &go, path, &e), DG_OK, "%s", e.text);
    const char *paths[] = {path};
    cr_assert_eq(dg_validate_files(s, paths, 1, NULL, &d, &e), DG_OK, "%s", e.text);
    unlink(path);
}

static void teardown(void)
{
    dg_dataset_free(d);
    dg_scheme_free(s);
}

static DgAudit *audit_with(int threads)
{
    omp_set_num_threads(threads);
    DgAudit *a = NULL;
    DgError e = {0};
    cr_assert_eq(dg_audit_rows(s, d, &a, &e), DG_OK, "%s", e.text);
    return a;
}

static void conservation(const DgAudit *a)
{
    uint64_t *excess = calloc(d->n_rows + 1, sizeof *excess);
    for (size_t i = 0; i < a->n_flags; i++) {
        cr_assert(a->flags[i].row < d->n_rows);
        if (i)
            cr_assert(a->flags[i - 1].row < a->flags[i].row ||
                      (a->flags[i - 1].row == a->flags[i].row && a->flags[i - 1].check < a->flags[i].check));
        excess[a->flags[i].row] += a->flags[i].excess;
    }
    for (size_t i = 0; i < d->n_rows; i++) {
        cr_assert_leq(a->audited_qty[i], d->rows[i].qty);
        cr_assert_eq(a->audited_qty[i] + excess[i], d->rows[i].qty, "row %zu", i);
    }
    free(excess);
}

Test(audit, conservation_and_thread_independence, .init = setup, .fini = teardown)
{
    DgAudit *a1 = audit_with(1);
    cr_assert_gt(a1->flags_by_check[DG_CHECK_OVER_PATIENT_DAY], 0);
    cr_assert_gt(a1->flags_by_check[DG_CHECK_OVER_PATIENT_PERIOD], 0);
    conservation(a1);
    for (int t = 2; t <= 4; t += 2) {
        DgAudit *a = audit_with(t);
        cr_assert_eq(a->n_flags, a1->n_flags);
        cr_assert_eq(memcmp(a->audited_qty, a1->audited_qty, d->n_rows * sizeof *a->audited_qty), 0);
        for (size_t i = 0; i < a->n_flags; i++) {
            cr_assert_eq(a->flags[i].row, a1->flags[i].row);
            cr_assert_eq(a->flags[i].check, a1->flags[i].check);
            cr_assert_eq(a->flags[i].excess, a1->flags[i].excess);
            cr_assert_str_eq(a->flags[i].detail, a1->flags[i].detail);
        }
        dg_audit_free(a);
    }
    dg_audit_free(a1);
}

Test(audit, staff_policy_exclude_removes_flagged_staff_days, .init = setup, .fini = teardown)
{
    cr_assert_neq(s->staff_day_minutes, DG_NONE, "the Zhoushan scheme sets a staff-day limit");
    s->staff_policy = DG_STAFF_REVIEW;
    DgAudit *rev = audit_with(2);
    s->staff_policy = DG_STAFF_EXCLUDE;
    DgAudit *exc = audit_with(2);
    cr_assert_gt(rev->flags_by_check[DG_CHECK_STAFF_OVERLOAD], 0);
    cr_assert_eq(rev->excess_by_check[DG_CHECK_STAFF_OVERLOAD], 0);
    cr_assert_eq(rev->flags_by_check[DG_CHECK_STAFF_OVERLOAD], exc->flags_by_check[DG_CHECK_STAFF_OVERLOAD]);
    conservation(exc);
    /* every staff-flagged row has audited 0 under exclude and keeps its capped quantity under review */
    for (size_t i = 0; i < exc->n_flags; i++) {
        const DgFlag *f = &exc->flags[i];
        if (f->check != DG_CHECK_STAFF_OVERLOAD)
            continue;
        cr_assert_eq(exc->audited_qty[f->row], 0);
        cr_assert_eq(f->excess, rev->audited_qty[f->row]);
    }
    dg_audit_free(rev);
    dg_audit_free(exc);
}

/* Minutes that do not fit the 32 bits a sort key carries (quantity × 3·10^9)
 * take the slow path that recomputes them from the row: the staff-day sums
 * in the flags must still be exact. */
Test(audit, staff_minutes_beyond_32_bits_are_exact, .init = setup, .fini = teardown)
{
    for (size_t c = 0; c < s->n_catalog; c++)
        s->catalog[c].minutes = 3000000000;
    s->staff_policy = DG_STAFF_REVIEW;
    DgAudit *a = audit_with(2);
    /* expected Σ audited quantity per (staff, date) */
    GHashTable *sum = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    for (size_t i = 0; i < d->n_rows; i++) {
        gint64 key = (gint64)d->rows[i].staff << 32 | (uint32_t)d->rows[i].date;
        guint64 *v = g_hash_table_lookup(sum, &key);
        if (!v) {
            gint64 *k = g_new(gint64, 1);
            *k = key;
            v = g_new0(guint64, 1);
            g_hash_table_insert(sum, k, v);
        }
        *v += a->audited_qty[i];
    }
    size_t checked = 0, big = 0;
    for (size_t i = 0; i < a->n_flags; i++) {
        const DgFlag *f = &a->flags[i];
        if (f->check != DG_CHECK_STAFF_OVERLOAD)
            continue;
        const DgRow *r = &d->rows[f->row];
        gint64 key = (gint64)r->staff << 32 | (uint32_t)r->date;
        guint64 q = *(guint64 *)g_hash_table_lookup(sum, &key);
        char want[64];
        snprintf(want, sizeof want, ": %llu minutes", (unsigned long long)q * 3000000000ULL);
        cr_assert(strstr(f->detail, want), "%s (want %s)", f->detail, want);
        checked++;
        big += a->audited_qty[f->row] >= 2; /* 2 × 3·10^9 > 2^32, 1 × 3·10^9 fits */
    }
    cr_assert_gt(checked, 1000);
    cr_assert_gt(big, 0, "some row's minutes must exceed 32 bits");
    /* every row of a day with a service is flagged */
    size_t staff_rows = 0;
    for (size_t i = 0; i < d->n_rows; i++) {
        gint64 key = (gint64)d->rows[i].staff << 32 | (uint32_t)d->rows[i].date;
        staff_rows += *(guint64 *)g_hash_table_lookup(sum, &key) > 0;
    }
    cr_assert_eq(a->flags_by_check[DG_CHECK_STAFF_OVERLOAD], staff_rows);
    g_hash_table_destroy(sum);
    dg_audit_free(a);
}
