/*
 * Appeals applied to the audit (see appeals.h for the rule and design).
 *
 * Matching: the appeals' record ids go into an intern table; each flag
 * looks up its row's record id (ids are unique among accepted rows, so a
 * (record_id, check) names at most one flag).  Flags are sorted by (row,
 * check), so the flags of one row are contiguous and a row's new audited
 * quantity is computed from that run alone.
 */
#include "dangliang/appeals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/intern.h"

typedef struct Lookup {
    DgIntern *ids;
    uint32_t *slot; /* [id * DG_CHECK_COUNT + check] appeal index + 1, 0 when none */
} Lookup;

static void lookup_build(const DgScheme *s, Lookup *lk)
{
    lk->ids = dg_intern_new();
    lk->slot = dg_xcalloc(s->n_appeals * DG_CHECK_COUNT + 1, sizeof *lk->slot);
    for (size_t i = 0; i < s->n_appeals; i++) {
        const DgAppeal *ap = &s->appeals[i];
        uint32_t id = dg_intern_add(lk->ids, ap->record_id, strlen(ap->record_id), NULL);
        lk->slot[(size_t)id * DG_CHECK_COUNT + ap->check] = (uint32_t)i + 1;
    }
}

static void lookup_free(Lookup *lk)
{
    dg_intern_free(lk->ids);
    free(lk->slot);
}

static void match_range(const DgScheme *s, const DgDataset *d, DgAudit *au, size_t first, size_t last,
                        const Lookup *lk, uint8_t *used)
{
    for (size_t i = first; i < last; i++) {
        DgFlag *f = &au->flags[i];
        f->appeal = DG_APPEAL_NONE;
        f->appeal_index = 0;
        const char *rid = dg_dataset_record_id(d, f->row);
        int64_t id = dg_intern_find(lk->ids, rid, strlen(rid));
        if (id < 0)
            continue;
        uint32_t a = lk->slot[(size_t)id * DG_CHECK_COUNT + f->check];
        if (!a)
            continue;
        f->appeal = s->appeals[a - 1].decision;
        f->appeal_index = a - 1;
        used[a - 1] = 1;
    }
}

void dg_appeals_match(const DgScheme *s, const DgDataset *d, DgAudit *au, size_t first, size_t last,
                      uint8_t *used)
{
    if (!s->n_appeals)
        return;
    Lookup lk;
    lookup_build(s, &lk);
    match_range(s, d, au, first, last, &lk, used);
    lookup_free(&lk);
}

/* Audited quantity of a row from its flags f[0..n): raw quantity minus the
 * excess of every flag that stands (all of them when !honour). */
static uint16_t row_quantity(const DgScheme *s, const DgRow *r, const DgFlag *f, size_t n, bool honour)
{
    int64_t q = r->qty;
    for (size_t j = 0; j < n; j++) {
        bool stands = !honour || f[j].appeal != DG_APPEAL_OVERTURN;
        if (!stands)
            continue;
        if (f[j].check == DG_CHECK_STAFF_OVERLOAD && s->staff_policy == DG_STAFF_EXCLUDE)
            return 0;
        q -= f[j].excess;
    }
    return (uint16_t)(q < 0 ? 0 : q); /* never negative: the checks remove at most what is there */
}

/* Why appeal `ap` matched no flag, as a configuration error naming its line. */
static DgStatus unmatched(const DgScheme *s, const DgDataset *d, const DgAudit *au, const DgAppeal *ap,
                          DgError *err)
{
    const char *check = dg_check_name((DgCheck)ap->check);
    size_t row = SIZE_MAX;
    for (size_t i = 0; i < d->n_rows && row == SIZE_MAX; i++)
        if (strcmp(dg_dataset_record_id(d, i), ap->record_id) == 0)
            row = i;
    if (row == SIZE_MAX)
        return dg_error_set(err, DG_E_CONFIG, s->appeals_path, ap->line, 1,
                            "record %s is not an accepted row of this run (no log row has that record_id, or it was "
                            "rejected — see rejects.csv), so this appeal matches no flag; fix the record_id or "
                            "delete the line",
                            ap->record_id);
    char checks[128] = "";
    size_t o = 0;
    /* flags are sorted by row: binary search the first flag of the row */
    size_t lo = 0, hi = au->n_flags;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (au->flags[mid].row < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < au->n_flags && au->flags[i].row == row; i++)
        o += (size_t)snprintf(checks + o, sizeof checks - o, "%s%s", o ? ", " : "",
                              dg_check_name((DgCheck)au->flags[i].check));
    if (o == 0)
        return dg_error_set(err, DG_E_CONFIG, s->appeals_path, ap->line, 1,
                            "record %s was not flagged by any check, so there is nothing to appeal; delete the line "
                            "(flags.csv lists every flag)",
                            ap->record_id);
    return dg_error_set(err, DG_E_CONFIG, s->appeals_path, ap->line, 1,
                        "record %s has no %s flag (it is flagged by %s); write the check of one of its flags or "
                        "delete the line",
                        ap->record_id, check, checks);
}

static void rewrite(const DgScheme *s, const DgDataset *d, DgAudit *au);

DgStatus dg_appeals_apply(const DgScheme *s, const DgDataset *d, DgAudit *au, DgError *err)
{
    if (!s->n_appeals)
        return DG_OK;
    uint8_t *used = dg_xcalloc(s->n_appeals, 1);
    dg_appeals_match(s, d, au, 0, au->n_flags, used);
    for (size_t i = 0; i < s->n_appeals; i++)
        if (!used[i]) {
            free(used);
            return unmatched(s, d, au, &s->appeals[i], err);
        }
    free(used);
    rewrite(s, d, au);
    return DG_OK;
}

/* Audited quantities by the rule of appeals.h, from the matched flags. */
static void rewrite(const DgScheme *s, const DgDataset *d, DgAudit *au)
{
    memset(au->appeals_by_check, 0, sizeof au->appeals_by_check);
    au->qty_restored = 0;
    size_t i = 0;
    while (i < au->n_flags) {
        size_t j = i + 1;
        while (j < au->n_flags && au->flags[j].row == au->flags[i].row)
            j++;
        bool overturned = false;
        for (size_t k = i; k < j; k++) {
            const DgFlag *f = &au->flags[k];
            if (f->appeal == DG_APPEAL_NONE)
                continue;
            au->appeals_by_check[f->check][f->appeal == DG_APPEAL_OVERTURN ? 0 : 1]++;
            overturned = overturned || f->appeal == DG_APPEAL_OVERTURN;
        }
        if (overturned) {
            uint32_t row = au->flags[i].row;
            uint16_t before = au->audited_qty[row];
            uint16_t after = row_quantity(s, &d->rows[row], &au->flags[i], j - i, true);
            au->audited_qty[row] = after;
            au->qty_restored += (uint64_t)after - before; /* after >= before: lifting a flag never removes */
        }
        i = j;
    }
}

void dg_appeals_apply_part(const DgScheme *s, const DgDataset *d, DgAudit *au, uint8_t *used)
{
    if (!s->n_appeals)
        return;
    dg_appeals_match(s, d, au, 0, au->n_flags, used);
    rewrite(s, d, au);
}

DgStatus dg_appeals_unmatched(const DgScheme *s, const DgDataset *d, const DgAudit *au, const uint8_t *used,
                              DgError *err)
{
    for (size_t i = 0; i < s->n_appeals; i++)
        if (!used[i])
            return unmatched(s, d, au, &s->appeals[i], err);
    return DG_OK;
}

uint16_t *dg_appeals_before(const DgScheme *s, const DgDataset *d, const DgAudit *au)
{
    size_t n = d->n_rows;
    uint16_t *q = dg_xmalloc((n ? n : 1) * sizeof *q);
    if (n)
        memcpy(q, au->audited_qty, n * sizeof *q);
    size_t i = 0;
    while (i < au->n_flags) {
        size_t j = i + 1;
        while (j < au->n_flags && au->flags[j].row == au->flags[i].row)
            j++;
        uint32_t row = au->flags[i].row;
        q[row] = row_quantity(s, &d->rows[row], &au->flags[i], j - i, false);
        i = j;
    }
    return q;
}
