/*
 * Appeals (engine/validate/appeals.c) and the loaders of appeals.csv,
 * advances.csv and per-capita budgets, on the hand-computed fixture of
 * tests/golden/_appeal (README.md there has the arithmetic).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "dangliang/appeals.h"

static DgScheme *load(const char *path)
{
    DgScheme *s = NULL;
    DgError e = {0};
    cr_assert_eq(dg_scheme_load(path, &s, &e), DG_OK, "%s", e.text);
    return s;
}

static DgDataset *read_log(const DgScheme *s)
{
    DgDataset *d = NULL;
    DgError e = {0};
    const char *paths[] = {"tests/golden/_appeal/log.csv"};
    cr_assert_eq(dg_validate_files(s, paths, 1, NULL, &d, &e), DG_OK, "%s", e.text);
    return d;
}

static size_t row_of(const DgDataset *d, const char *rid)
{
    for (size_t i = 0; i < d->n_rows; i++)
        if (!strcmp(dg_dataset_record_id(d, i), rid))
            return i;
    cr_assert_fail("no row %s", rid);
    return 0;
}

/* The loader's check numbers are the audit's DgCheck values. */
Test(appeals, check_names_agree_with_the_audit)
{
    DgScheme *s = load("tests/golden/_appeal/scheme_exclude.json");
    cr_assert_eq(s->n_appeals, 4);
    static const char *const want[] = {"staff_overload", "over_patient_day", "over_patient_day", "staff_overload"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(dg_check_name((DgCheck)s->appeals[i].check), want[i]);
    cr_assert_eq(s->appeals[0].decision, DG_APPEAL_OVERTURN);
    cr_assert_eq(s->appeals[1].decision, DG_APPEAL_UPHOLD);
    cr_assert_str_eq(s->appeals[1].note, "超次属实");
    cr_assert_eq(s->appeals[2].line, 4);
    dg_scheme_free(s);
}

/* README section 4: x1 gets back its after-caps 1, y1 stays 0, before = what the checks left. */
Test(appeals, exclude_rule)
{
    DgScheme *s = load("tests/golden/_appeal/scheme_exclude.json");
    DgDataset *d = read_log(s);
    DgAudit *au = NULL;
    DgError e = {0};
    cr_assert_eq(dg_audit_rows(s, d, &au, &e), DG_OK, "%s", e.text);
    size_t x1 = row_of(d, "x1"), y1 = row_of(d, "y1"), y2 = row_of(d, "y2"), r1 = row_of(d, "r1");
    cr_assert_eq(au->audited_qty[x1], 0);
    cr_assert_eq(dg_appeals_apply(s, d, au, &e), DG_OK, "%s", e.text);
    cr_assert_eq(au->audited_qty[x1], 1);
    cr_assert_eq(au->audited_qty[y1], 0);
    cr_assert_eq(au->audited_qty[y2], 0);
    cr_assert_eq(au->audited_qty[r1], 1);
    cr_assert_eq(au->qty_restored, 1);
    cr_assert_eq(au->appeals_by_check[DG_CHECK_STAFF_OVERLOAD][0], 1);
    cr_assert_eq(au->appeals_by_check[DG_CHECK_STAFF_OVERLOAD][1], 1);
    cr_assert_eq(au->appeals_by_check[DG_CHECK_OVER_PATIENT_DAY][0], 1);
    cr_assert_eq(au->appeals_by_check[DG_CHECK_OVER_PATIENT_DAY][1], 1);
    uint16_t *before = dg_appeals_before(s, d, au);
    cr_assert_eq(before[x1], 0);
    cr_assert_eq(before[r1], 1);
    free(before);
    dg_audit_free(au);
    dg_dataset_free(d);
    dg_scheme_free(s);
}

/* README section 3: under review an overturned cap flag gives the capped quantity back. */
Test(appeals, review_rule)
{
    DgScheme *s = load("tests/golden/_appeal/scheme_review.json");
    DgDataset *d = read_log(s);
    DgAudit *au = NULL;
    DgError e = {0};
    cr_assert_eq(dg_audit_rows(s, d, &au, &e), DG_OK, "%s", e.text);
    cr_assert_eq(dg_appeals_apply(s, d, au, &e), DG_OK, "%s", e.text);
    cr_assert_eq(au->audited_qty[row_of(d, "r1")], 2);
    cr_assert_eq(au->audited_qty[row_of(d, "r4")], 1);
    cr_assert_eq(au->audited_qty[row_of(d, "y1")], 1);
    cr_assert_eq(au->qty_restored, 2);
    dg_audit_free(au);
    dg_dataset_free(d);
    dg_scheme_free(s);
}

/* README section 5: B = 1.07 × 6006 = 6426.42; advances summed per pair. */
Test(appeals, per_capita_and_advances)
{
    DgScheme *s = load("tests/golden/_appeal/scheme_settle.json");
    cr_assert_eq(s->pools[0].per_capita, 107);
    cr_assert_eq(s->pools[0].population, 6006);
    cr_assert_eq(s->pools[0].budget, 642642);
    cr_assert_eq(s->pools[1].per_capita, DG_NONE);
    cr_assert_eq(s->pools[1].budget, 5000);
    size_t nu = s->n_units;
    cr_assert_eq(s->advanced[0 * nu + 0], 250050); /* U1 phs: 1000.00 + 1000.00 + 500.5 */
    cr_assert_eq(s->advanced[0 * nu + 1], 300000);
    cr_assert_eq(s->advanced[1 * nu + 2], 1200);
    cr_assert_eq(s->n_advance_rows, 5);
    dg_scheme_free(s);
}
