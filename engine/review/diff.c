/*
 * `dangliang diff`: compare two run folders per pool and unit and name the
 * main cause of every payout change (dg_review_diff, review.h).
 *
 * Design: pools are matched by pool_id and units by unit_id.  Each pool's
 * units (the union of both scopes) are handed to dg_review_attribute with
 * their workload, Q, A and payout in each run, all read exactly from
 * payouts.csv.  To tell a change of equivalents (catalog) from a change of
 * work done (workload), the workload the unit would have had in run B at
 * run A's equivalents is estimated per item from items.csv —
 * W_mid = Σ over the pool's items of round(audited quantity B × audited
 * workload A / audited quantity A) — which needs to know which items each
 * pool pays for; that comes from run B's scheme, and is verified: the same
 * sum over run B's own items must give payouts.csv's workload exactly,
 * otherwise the split is not made for that unit (everything counts as
 * workload).  Before attributing, each folder's payouts are reproduced from
 * its own W, Q, A and budget (largest remainder); a mismatch means the
 * folder is not a consistent run and is DG_E_INTERNAL.  What each run's
 * appeals restored per (pool, unit) comes from its summary.json ("appeals"
 * → units → pools → workload_restored), so a run with appeals compared
 * with the same run without them puts the change on "appeals".
 */
#include <glib.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dangliang/allocate.h"
#include "dangliang/review.h"
#include "dangliang/scheme.h"
#include "dangliang/score.h"
#include "output/csvout.h"
#include "output/outfile.h"
#include "review/diff_inputs.h"
#include "review/diff_quality.h"
#include "review/runread.h"

struct DgDiffStore {
    GPtrArray *strings; /* everything the DgDiff's const char * point to */
};

static const char *keep(DgDiff *d, const char *s)
{
    char *c = dg_xstrdup(s ? s : "");
    g_ptr_array_add(d->store->strings, c);
    return c;
}

enum { P_POOL, P_POOLNAME, P_UNIT, P_UNITNAME, P_W, P_Q, P_A, P_PAY };
static const char *const pay_cols[] = {"pool_id",    "pool_name", "unit_id", "unit_name", "audited_workload",
                                       "quality", "adjustment", "payout", NULL};
enum { I_UNIT, I_CODE, I_QTY, I_AQTY, I_RAW, I_AUD };
static const char *const item_cols[] = {"unit_id", "item_code", "quantity", "audited_quantity", "raw_workload",
                                        "audited_workload", NULL};

typedef struct Side {
    const char *label; /* "A" or "B" */
    DgRunInfo info;
    DgRunTable pay, items;
    GHashTable *items_by_unit; /* unit_id -> GArray of row indexes (owned) */
    GHashTable *item_at;       /* "unit\x1fcode" -> row + 1 */
    GHashTable *restored;      /* "pool\x1funit" -> DgU128 * workload the run's appeals restored (owned) */
} Side;

static void side_clear(Side *s)
{
    dg_runread_info_clear(&s->info);
    dg_runread_table_clear(&s->pay);
    dg_runread_table_clear(&s->items);
    if (s->items_by_unit)
        g_hash_table_destroy(s->items_by_unit);
    if (s->item_at)
        g_hash_table_destroy(s->item_at);
    if (s->restored)
        g_hash_table_destroy(s->restored);
}

/* summary.json's appeals → units → pools → workload_restored, when the run had appeals. */
static void load_restored(Side *s, const char *dir)
{
    s->restored = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    char *path = g_build_filename(dir, "summary.json", NULL);
    json_t *sum = json_load_file(path, 0, NULL);
    g_free(path);
    json_t *units = json_object_get(json_object_get(sum, "appeals"), "units");
    size_t i, k;
    json_t *u, *p;
    json_array_foreach(units, i, u)
    {
        const char *uid = json_string_value(json_object_get(u, "unit_id"));
        json_array_foreach(json_object_get(u, "pools"), k, p)
        {
            const char *pid = json_string_value(json_object_get(p, "pool_id"));
            const char *w = json_string_value(json_object_get(p, "workload_restored"));
            DgRunTable t = {.n_cols = 1, .n_rows = 1};
            char *cell = (char *)w;
            uint64_t line = 0;
            t.cell = &cell;
            t.line = &line;
            DgU128 v;
            if (!uid || !pid || !w || dg_runread_u128(&t, 0, 0, 4, &v, NULL) != DG_OK)
                continue; /* a negative or damaged figure: not an appeal's restoration */
            DgU128 *slot = g_new(DgU128, 1);
            *slot = v;
            g_hash_table_insert(s->restored, g_strconcat(pid, "\x1f", uid, NULL), slot);
        }
    }
    json_decref(sum);
}

static DgU128 restored_of(const Side *s, const char *pool, const char *unit)
{
    char *key = g_strconcat(pool, "\x1f", unit, NULL);
    DgU128 *v = g_hash_table_lookup(s->restored, key);
    g_free(key);
    return v ? *v : 0;
}

static void free_garray(gpointer p)
{
    g_array_free(p, TRUE);
}

static DgStatus side_load(Side *s, const char *dir, DgError *err)
{
    DgStatus st = dg_runread_info(dir, &s->info, err);
    if (st == DG_OK)
        st = dg_runread_table(dir, "payouts.csv", pay_cols, &s->pay, err);
    if (st == DG_OK)
        st = dg_runread_table(dir, "items.csv", item_cols, &s->items, err);
    if (st != DG_OK)
        return st;
    load_restored(s, dir);
    s->items_by_unit = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, free_garray);
    s->item_at = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (size_t r = 0; r < s->items.n_rows; r++) {
        char *u = s->items.cell[r * s->items.n_cols + I_UNIT];
        GArray *a = g_hash_table_lookup(s->items_by_unit, u);
        if (!a) {
            a = g_array_new(FALSE, FALSE, sizeof(size_t));
            g_hash_table_insert(s->items_by_unit, u, a);
        }
        g_array_append_val(a, r);
        g_hash_table_insert(s->item_at, g_strconcat(u, "\x1f", dg_runread_cell(&s->items, r, I_CODE), NULL),
                            GSIZE_TO_POINTER(r + 1));
    }
    return DG_OK;
}

static const DgRunPoolInfo *find_pool(const DgRunInfo *info, const char *id)
{
    for (size_t i = 0; i < info->n_pools; i++)
        if (!strcmp(info->pools[i].id, id))
            return &info->pools[i];
    return NULL;
}

/* One unit of one pool while collecting. */
typedef struct Pair {
    const char *unit_id, *unit_name;
    DgAttrUnit u;
} Pair;

static int pair_cmp(const void *a, const void *b)
{
    return strcmp(((const Pair *)a)->unit_id, ((const Pair *)b)->unit_id);
}

/* Add side `side` (0 = A, 1 = B) rows of pool `id` into pairs; `seen` maps unit_id -> index + 1. */
static DgStatus collect(Side *s, int side, const char *id, Pair **pairs, size_t *n, size_t *cap, GHashTable *seen,
                        DgError *err)
{
    for (size_t r = 0; r < s->pay.n_rows; r++) {
        if (strcmp(dg_runread_cell(&s->pay, r, P_POOL), id))
            continue;
        const char *uid = dg_runread_cell(&s->pay, r, P_UNIT);
        size_t at = GPOINTER_TO_SIZE(g_hash_table_lookup(seen, uid));
        Pair *p;
        if (at) {
            p = &(*pairs)[at - 1];
        } else {
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 32;
                *pairs = dg_xrealloc(*pairs, *cap * sizeof **pairs);
            }
            p = &(*pairs)[(*n)++];
            memset(p, 0, sizeof *p);
            p->unit_id = uid;
            g_hash_table_insert(seen, (gpointer)uid, GSIZE_TO_POINTER(*n));
        }
        p->unit_name = dg_runread_cell(&s->pay, r, P_UNITNAME);
        DgU128 w;
        int64_t q, a, pay;
        DgStatus st;
        if ((st = dg_runread_u128(&s->pay, r, P_W, 4, &w, err)) != DG_OK ||
            (st = dg_runread_i64(&s->pay, r, P_Q, 4, &q, err)) != DG_OK ||
            (st = dg_runread_i64(&s->pay, r, P_A, 4, &a, err)) != DG_OK ||
            (st = dg_runread_i64(&s->pay, r, P_PAY, 2, &pay, err)) != DG_OK)
            return st;
        if (side == 0) {
            p->u.appeal_a = restored_of(s, id, uid);
            p->u.in_a = true;
            p->u.w_a = w;
            p->u.q_a = q;
            p->u.adj_a = a;
            p->u.pay_a = pay;
        } else {
            p->u.appeal_b = restored_of(s, id, uid);
            p->u.in_b = true;
            p->u.w_b = p->u.w_mid = w;
            p->u.q_b = q;
            p->u.adj_b = a;
            p->u.pay_b = pay;
        }
    }
    return DG_OK;
}

/* Reproduce one side's payouts of a pool from its own W, Q, A and budget. */
static DgStatus verify_side(const Side *s, const char *pool_id, int64_t budget, const Pair *pairs, size_t n, int side,
                            DgError *err)
{
    DgU128 *c = dg_xcalloc(n + 1, sizeof *c);
    const char **keys = dg_xcalloc(n + 1, sizeof *keys);
    int64_t *pay = dg_xcalloc(n + 1, sizeof *pay), *want = dg_xcalloc(n + 1, sizeof *want);
    const char **ids = dg_xcalloc(n + 1, sizeof *ids);
    size_t m = 0;
    DgStatus st = DG_OK;
    for (size_t i = 0; i < n && st == DG_OK; i++) {
        const DgAttrUnit *u = &pairs[i].u;
        if (!(side ? u->in_b : u->in_a))
            continue;
        if (!dg_score_corrected(side ? u->w_b : u->w_a, side ? u->q_b : u->q_a, side ? u->adj_b : u->adj_a, &c[m]))
            st = dg_error_set(err, DG_E_IO, s->pay.path, 0, 0, "damaged run file: pool %s unit %s overflows", pool_id,
                              pairs[i].unit_id);
        keys[m] = ids[m] = pairs[i].unit_id;
        want[m] = side ? u->pay_b : u->pay_a;
        m++;
    }
    DgError e2 = {0};
    if (st == DG_OK && dg_allocate_largest_remainder(budget, c, keys, m, pay, NULL, NULL, NULL, &e2) != DG_OK)
        st = dg_error_set(err, DG_E_INTERNAL, s->pay.path, 0, 0,
                          "run %s, pool %s: the payouts cannot be reproduced from the run's own workloads (%s)",
                          s->label, pool_id, e2.text);
    for (size_t i = 0; i < m && st == DG_OK; i++)
        if (pay[i] != want[i])
            st = dg_error_set(err, DG_E_INTERNAL, s->pay.path, 0, 0,
                              "run %s, pool %s, unit %s: payouts.csv says %lld fen but its workload, quality and "
                              "adjustment give %lld fen; the folder was edited or is damaged",
                              s->label, pool_id, ids[i], (long long)want[i], (long long)pay[i]);
    free(c);
    free(keys);
    free(pay);
    free(want);
    free(ids);
    return st;
}

/* Items of code `code` count toward pool k of scheme s. */
static bool code_in_pool(const DgScheme *s, size_t k, const char *code)
{
    int64_t cid = dg_scheme_code_find(s, code, strlen(code));
    if (cid < 0)
        return false;
    for (uint32_t c = s->code_first[cid]; c < s->code_first[cid] + s->code_nrows[cid]; c++)
        if (s->pool_row[k * s->n_catalog + c])
            return true;
    return false;
}

/* W_mid of one unit in pool k of scheme B; false when it cannot be made exactly consistent. */
static bool mid_workload(const Side *a, const Side *b, const DgScheme *sb, size_t k, const char *unit, DgU128 w_b,
                         DgU128 *out)
{
    GArray *rows = g_hash_table_lookup(b->items_by_unit, unit);
    DgU128 mid = 0, check = 0;
    for (guint i = 0; rows && i < rows->len; i++) {
        size_t r = g_array_index(rows, size_t, i);
        const char *code = dg_runread_cell(&b->items, r, I_CODE);
        if (!code_in_pool(sb, k, code))
            continue;
        DgU128 aq_b, aw_b;
        if (dg_runread_u128(&b->items, r, I_AQTY, 0, &aq_b, NULL) != DG_OK ||
            dg_runread_u128(&b->items, r, I_AUD, 4, &aw_b, NULL) != DG_OK)
            return false;
        check += aw_b;
        char *key = g_strconcat(unit, "\x1f", code, NULL);
        size_t ra = GPOINTER_TO_SIZE(g_hash_table_lookup(a->item_at, key));
        g_free(key);
        DgU128 qa = 0, wa = 0;
        if (ra) {
            ra--;
            if (dg_runread_u128(&a->items, ra, I_AQTY, 0, &qa, NULL) != DG_OK ||
                dg_runread_u128(&a->items, ra, I_AUD, 4, &wa, NULL) != DG_OK)
                return false;
            if (qa == 0 && (dg_runread_u128(&a->items, ra, I_QTY, 0, &qa, NULL) != DG_OK ||
                            dg_runread_u128(&a->items, ra, I_RAW, 4, &wa, NULL) != DG_OK))
                return false;
        }
        if (qa == 0) {
            mid += aw_b; /* no equivalent in run A to compare with: the item is new work */
            continue;
        }
        if (aq_b != 0 && wa > (~(DgU128)0 >> 2) / aq_b)
            return false;
        mid += (2 * aq_b * wa + qa) / (2 * qa); /* half-up */
    }
    if (check != w_b)
        return false;
    *out = mid;
    return true;
}

static int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

static int row_cmp(const void *x, const void *y)
{
    const DgDiffRow *a = x, *b = y;
    int64_t da = abs64(a->u.pay_b - a->u.pay_a), db = abs64(b->u.pay_b - b->u.pay_a);
    if (da != db)
        return da > db ? -1 : 1;
    if (a->pool != b->pool)
        return a->pool < b->pool ? -1 : 1;
    return strcmp(a->unit_id, b->unit_id);
}

void dg_review_diff_free(DgDiff *d)
{
    if (!d)
        return;
    free(d->dir_a);
    free(d->dir_b);
    free(d->scheme_a);
    free(d->scheme_b);
    free(d->period_a);
    free(d->period_b);
    free(d->pools);
    free(d->rows);
    free(d->note);
    for (size_t i = 0; i < d->n_qmoves; i++) {
        free((char *)d->qmoves[i].unit_id);
        free((char *)d->qmoves[i].indicator);
    }
    free(d->qmoves);
    if (d->store) {
        g_ptr_array_free(d->store->strings, TRUE);
        free(d->store);
    }
    free(d);
}

/* The header of a diff: folders, scheme ids and periods of both runs. */
static DgDiff *diff_new(const char *dir_a, const char *dir_b, const Side *a, const Side *b)
{
    DgDiff *d = dg_xcalloc(1, sizeof *d);
    d->store = dg_xcalloc(1, sizeof *d->store);
    d->store->strings = g_ptr_array_new_with_free_func(free);
    d->dir_a = dg_xstrdup(dir_a);
    d->dir_b = dg_xstrdup(dir_b);
    d->scheme_a = dg_xstrdup(a->info.scheme_id);
    d->scheme_b = dg_xstrdup(b->info.scheme_id);
    char per[128];
    snprintf(per, sizeof per, "%s to %s", a->info.period_from, a->info.period_to);
    d->period_a = dg_xstrdup(per);
    snprintf(per, sizeof per, "%s to %s", b->info.period_from, b->info.period_to);
    d->period_b = dg_xstrdup(per);
    return d;
}

/* Run B's scheme: which items each pool pays for (only to separate catalog
 * from workload).  NULL, with a note in d, when it cannot be loaded. */
static DgScheme *load_scheme_b(DgDiff *d, const Side *b)
{
    DgScheme *sb = NULL;
    DgError serr = {0};
    if (dg_scheme_load(b->info.scheme_file, &sb, &serr) != DG_OK) {
        char buf[1400];
        dg_error_format(&serr, buf, sizeof buf);
        char *t = g_strdup_printf("run B's scheme cannot be loaded (%s), so workload and catalog (equivalent) "
                                  "changes are not separated: both count as workload",
                                  buf);
        d->note = dg_xstrdup(t);
        g_free(t);
    }
    return sb;
}

/* Pools: run B's order, then those only in A. */
static void list_pools(DgDiff *d, const Side *a, const Side *b)
{
    size_t np = 0;
    d->pools = dg_xcalloc(a->info.n_pools + b->info.n_pools + 1, sizeof *d->pools);
    for (int side = 1; side >= 0; side--) {
        const DgRunInfo *in = side ? &b->info : &a->info;
        for (size_t i = 0; i < in->n_pools; i++) {
            const DgRunPoolInfo *pi = &in->pools[i];
            if (side == 0 && find_pool(&b->info, pi->id))
                continue;
            DgDiffPool *p = &d->pools[np++];
            p->id = keep(d, pi->id);
            p->name = keep(d, pi->name);
            const DgRunPoolInfo *pa = find_pool(&a->info, pi->id), *pb = find_pool(&b->info, pi->id);
            p->in_a = pa != NULL;
            p->in_b = pb != NULL;
            p->budget_a = pa ? pa->budget : 0;
            p->budget_b = pb ? pb->budget : 0;
        }
    }
    d->n_pools = np;
}

/* The units of pool p in either run, sorted, counted and verified against
 * each run's budget; *n is their number. */
static DgStatus collect_pool(DgDiffPool *p, Side *a, Side *b, Pair **pairs, size_t *n, size_t *pcap, DgError *err)
{
    DgStatus st = DG_OK;
    *n = 0;
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    if (p->in_a)
        st = collect(a, 0, p->id, pairs, n, pcap, seen, err);
    if (st == DG_OK && p->in_b)
        st = collect(b, 1, p->id, pairs, n, pcap, seen, err);
    g_hash_table_destroy(seen);
    if (st != DG_OK)
        return st;
    if (*n > 1)
        qsort(*pairs, *n, sizeof **pairs, pair_cmp);
    for (size_t i = 0; i < *n; i++) {
        p->units_a += (*pairs)[i].u.in_a;
        p->units_b += (*pairs)[i].u.in_b;
    }
    if (p->in_a && (st = verify_side(a, p->id, p->budget_a, *pairs, *n, 0, err)) != DG_OK)
        return st;
    if (p->in_b && (st = verify_side(b, p->id, p->budget_b, *pairs, *n, 1, err)) != DG_OK)
        return st;
    return DG_OK;
}

/* A pool in one run only: the other run has it with budget 0 and the same units. */
static void mirror_missing_side(const DgDiffPool *p, Pair *pairs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        DgAttrUnit *u = &pairs[i].u;
        if (!p->in_a) {
            u->in_a = u->in_b;
            u->w_a = u->w_b;
            u->q_a = u->q_b;
            u->adj_a = u->adj_b;
        } else if (!p->in_b) {
            u->in_b = u->in_a;
            u->w_b = u->w_mid = u->w_a;
            u->q_b = u->q_a;
            u->adj_b = u->adj_a;
        }
    }
}

/* Catalog vs workload: W_mid per unit, or W_B for every unit when the
 * split cannot be made for the pool. */
static void split_catalog(DgDiffPool *p, const Side *a, const Side *b, const DgScheme *sb, Pair *pairs, size_t n)
{
    size_t kb = SIZE_MAX;
    for (size_t j = 0; sb && j < sb->n_pools; j++)
        if (!strcmp(sb->pools[j].id, p->id))
            kb = j;
    p->catalog_split = p->in_a && p->in_b && kb != SIZE_MAX;
    for (size_t i = 0; i < n && p->catalog_split; i++) {
        DgAttrUnit *u = &pairs[i].u;
        if (!(u->in_a && u->in_b))
            continue;
        if (!mid_workload(a, b, sb, kb, pairs[i].unit_id, u->w_b, &u->w_mid))
            p->catalog_split = false;
    }
    if (!p->catalog_split)
        for (size_t i = 0; i < n; i++)
            pairs[i].u.w_mid = pairs[i].u.w_b;
}

/* Attribute the changes of pool k's units and append one row per unit. */
static DgStatus attribute_pool(DgDiff *d, size_t k, const Pair *pairs, size_t n, size_t *rows_cap, DgError *err)
{
    const DgDiffPool *p = &d->pools[k];
    DgAttrUnit *au = dg_xcalloc(n + 1, sizeof *au);
    DgAttrResult *ar = dg_xcalloc(n + 1, sizeof *ar);
    for (size_t i = 0; i < n; i++)
        au[i] = pairs[i].u;
    dg_diff_inputs_fix_mid(d, au, n);
    DgStatus st = dg_review_attribute(p->budget_a, p->budget_b, au, n, ar, err);
    if (st == DG_OK) {
        if (d->n_rows + n > *rows_cap) {
            *rows_cap = (d->n_rows + n) * 2;
            d->rows = dg_xrealloc(d->rows, *rows_cap * sizeof *d->rows);
        }
        for (size_t i = 0; i < n; i++) {
            DgDiffRow *r = &d->rows[d->n_rows++];
            memset(r, 0, sizeof *r);
            r->pool_id = p->id;
            r->pool_name = p->name;
            r->pool = k;
            r->unit_id = keep(d, pairs[i].unit_id);
            r->unit_name = keep(d, pairs[i].unit_name);
            r->u = pairs[i].u;
            if (!p->in_a) { /* show the missing side as nothing, not as a copy */
                r->u.in_a = false;
                r->u.pay_a = 0;
            } else if (!p->in_b) {
                r->u.in_b = false;
                r->u.pay_b = 0;
            }
            r->r = ar[i];
        }
    }
    free(au);
    free(ar);
    return st;
}

DgStatus dg_review_diff(const char *dir_a, const char *dir_b, DgDiff **out, DgError *err)
{
    *out = NULL;
    Side a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.label = "A";
    b.label = "B";
    DgStatus st = side_load(&a, dir_a, err);
    if (st == DG_OK)
        st = side_load(&b, dir_b, err);
    if (st != DG_OK) {
        side_clear(&a);
        side_clear(&b);
        return st;
    }
    DgDiff *d = diff_new(dir_a, dir_b, &a, &b);
    dg_diff_inputs_compare(d, &a.info, &b.info);
    DgScheme *sb = load_scheme_b(d, &b);
    list_pools(d, &a, &b);

    size_t rows_cap = 0;
    Pair *pairs = NULL;
    size_t pcap = 0;
    for (size_t k = 0; k < d->n_pools && st == DG_OK; k++) {
        DgDiffPool *p = &d->pools[k];
        size_t n = 0;
        if ((st = collect_pool(p, &a, &b, &pairs, &n, &pcap, err)) != DG_OK)
            break;
        mirror_missing_side(p, pairs, n);
        split_catalog(p, &a, &b, sb, pairs, n);
        st = attribute_pool(d, k, pairs, n, &rows_cap, err);
    }
    free(pairs);
    if (st == DG_OK)
        st = dg_review_diff_quality(dir_a, dir_b, sb, d, err);
    dg_scheme_free(sb);
    side_clear(&a);
    side_clear(&b);
    if (st != DG_OK) {
        dg_review_diff_free(d);
        return st;
    }
    dg_diff_inputs_relabel(d);
    if (d->n_rows > 1)
        qsort(d->rows, d->n_rows, sizeof *d->rows, row_cmp);
    *out = d;
    return DG_OK;
}

/* ---- output ---------------------------------------------------------------------- */

static const char *status_of(const DgDiff *d, const DgDiffRow *r)
{
    const DgDiffPool *p = &d->pools[r->pool];
    if (!p->in_a)
        return "pool_added";
    if (!p->in_b)
        return "pool_removed";
    if (r->u.in_a && r->u.in_b)
        return "both";
    return r->u.in_b ? "added" : "removed";
}

static void fmt_signed(DgI128 v, int scale, char *buf)
{
    if (v < 0) {
        buf[0] = '-';
        dg_decimal_format_u128((DgU128)(-v), scale, scale, buf + 1);
    } else {
        dg_decimal_format_u128((DgU128)v, scale, scale, buf);
    }
}

static const char *cause_from(const DgDiffRow *r)
{
    if ((r->r.cause >= DG_CAUSE_SCOPE && r->r.cause <= DG_CAUSE_ADJUSTMENT) || r->r.cause == DG_CAUSE_VERSION_MIX)
        return r->r.by_others ? "others" : "own";
    return "";
}

DgStatus dg_review_diff_csv(const DgDiff *d, const char *path, bool no_bom, DgError *err)
{
    char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
    DgOutFile o;
    DgStatus st = dg_outfile_open(&o, dir, base, err);
    g_free(dir);
    g_free(base);
    if (st != DG_OK)
        return st;
    DgCsvOut w;
    dg_csvout_init(&w, o.fp, !no_bom);
    static const char *const hdr[] = {
        "pool_id",      "pool_name",         "unit_id",          "unit_name",        "status",
        "payout_a",     "payout_b",          "change",           "workload_a",       "workload_b",
        "workload_change", "quality_a",      "quality_b",        "quality_change",   "adjustment_a",
        "adjustment_b", "adjustment_change", "effect_budget",    "effect_scope",     "effect_appeals",   "effect_workload",
        "effect_catalog", "effect_version_mix", "effect_quality",  "effect_adjustment", "effect_rounding", "main_cause",
        "cause_from",   "quality_moved_by", "indicators_moved", "indicator_numerator_a", "indicator_denominator_a",
        "indicator_attainment_a", "indicator_numerator_b", "indicator_denominator_b", "indicator_attainment_b",
        "indicator_part_of_quality_change", NULL};
    dg_csvout_header(&w, hdr);
    char b[80];
    /* the unit's quality move (diff_quality.c), repeated on each of its pool rows */
    GHashTable *qm = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < d->n_qmoves; i++)
        g_hash_table_insert(qm, (gpointer)d->qmoves[i].unit_id, (gpointer)&d->qmoves[i]);
    for (size_t i = 0; i < d->n_rows; i++) {
        const DgDiffRow *r = &d->rows[i];
        const DgAttrUnit *u = &r->u;
        dg_csvout_text(&w, r->pool_id);
        dg_csvout_text(&w, r->pool_name);
        dg_csvout_text(&w, r->unit_id);
        dg_csvout_text(&w, r->unit_name);
        dg_csvout_text(&w, status_of(d, r));
#define SIDE(cond, expr, scale)                                                                                      \
    do {                                                                                                             \
        if (cond) {                                                                                                  \
            fmt_signed((DgI128)(expr), scale, b);                                                                    \
            dg_csvout_num(&w, b);                                                                                    \
        } else {                                                                                                     \
            dg_csvout_num(&w, "");                                                                                   \
        }                                                                                                            \
    } while (0)
        SIDE(u->in_a, u->pay_a, 2);
        SIDE(u->in_b, u->pay_b, 2);
        SIDE(1, (DgI128)u->pay_b - u->pay_a, 2);
        SIDE(u->in_a, u->w_a, 4);
        SIDE(u->in_b, u->w_b, 4);
        SIDE(1, (DgI128)(u->in_b ? u->w_b : 0) - (DgI128)(u->in_a ? u->w_a : 0), 4);
        SIDE(u->in_a, u->q_a, 4);
        SIDE(u->in_b, u->q_b, 4);
        SIDE(u->in_a && u->in_b, (DgI128)u->q_b - u->q_a, 4);
        SIDE(u->in_a, u->adj_a, 4);
        SIDE(u->in_b, u->adj_b, 4);
        SIDE(u->in_a && u->in_b, (DgI128)u->adj_b - u->adj_a, 4);
        static const DgCause steps[] = {DG_CAUSE_BUDGET,      DG_CAUSE_SCOPE,   DG_CAUSE_APPEALS, DG_CAUSE_WORKLOAD,
                                        DG_CAUSE_CATALOG,     DG_CAUSE_VERSION_MIX, DG_CAUSE_QUALITY,
                                        DG_CAUSE_ADJUSTMENT,  DG_CAUSE_ROUNDING};
        for (size_t c = 0; c < sizeof steps / sizeof steps[0]; c++)
            SIDE(1, r->r.effect[steps[c]], 4);
#undef SIDE
        dg_csvout_text(&w, dg_review_cause_name(r->r.cause));
        dg_csvout_text(&w, cause_from(r));
        const DgDiffQMove *m = g_hash_table_lookup(qm, r->unit_id);
        dg_csvout_text(&w, m ? m->indicator : "");
        if (m)
            snprintf(b, sizeof b, "%zu", m->n_moved);
        dg_csvout_num(&w, m ? b : "");
        /* N and D: empty for a given indicator; a: empty when missing */
#define QCELL(v, scale)                                                                                              \
    do {                                                                                                             \
        if (m && *m->indicator && (v) >= 0) {                                                                        \
            fmt_signed((DgI128)(v), scale, b);                                                                       \
            dg_csvout_num(&w, b);                                                                                    \
        } else {                                                                                                     \
            dg_csvout_num(&w, "");                                                                                   \
        }                                                                                                            \
    } while (0)
        QCELL(m ? m->n_a : -1, 0);
        QCELL(m ? m->d_a : -1, 0);
        QCELL(m ? m->a_a : -1, 6);
        QCELL(m ? m->n_b : -1, 0);
        QCELL(m ? m->d_b : -1, 0);
        QCELL(m ? m->a_b : -1, 6);
#undef QCELL
        if (m && *m->indicator)
            fmt_signed((DgI128)m->effect, 6, b);
        dg_csvout_num(&w, m && *m->indicator ? b : "");
        dg_csvout_end(&w);
    }
    g_hash_table_destroy(qm);
    return dg_outfile_commit(&o, err);
}

static void money(DgI128 v, bool sign, char *buf)
{
    char t[64];
    fmt_signed(v, 2, t);
    if (sign && v >= 0)
        snprintf(buf, 72, "+%s", t);
    else
        snprintf(buf, 72, "%s", t);
}

char *dg_review_diff_table(const DgDiff *d, size_t top)
{
    GString *g = g_string_new(NULL);
    g_string_append_printf(g, "dangliang diff\nA: %s  scheme %s, %s\nB: %s  scheme %s, %s\n", d->dir_a, d->scheme_a,
                           d->period_a, d->dir_b, d->scheme_b, d->period_b);
    dg_diff_inputs_describe(d, g);
    g_string_append_c(g, '\n');
    /* pool and unit columns as wide as the longest id (at least 14 and 12) */
    int pw = 14, uw = 12;
    for (size_t k = 0; k < d->n_pools; k++)
        if ((int)strlen(d->pools[k].id) > pw)
            pw = (int)strlen(d->pools[k].id);
    for (size_t i = 0; i < d->n_rows && i < (top ? top : d->n_rows); i++)
        if ((int)strlen(d->rows[i].unit_id) > uw)
            uw = (int)strlen(d->rows[i].unit_id);
    g_string_append_printf(g, "%-*s %14s %14s %14s %8s %8s  %s\n", pw, "pool", "budget A", "budget B", "change",
                           "units A", "units B", "name");
    char x[72], y[72], z[72];
    for (size_t k = 0; k < d->n_pools; k++) {
        const DgDiffPool *p = &d->pools[k];
        money(p->budget_a, false, x);
        money(p->budget_b, false, y);
        money((DgI128)p->budget_b - p->budget_a, true, z);
        char ua[24], ub[24];
        snprintf(ua, sizeof ua, "%zu", p->units_a);
        snprintf(ub, sizeof ub, "%zu", p->units_b);
        g_string_append_printf(g, "%-*s %14s %14s %14s %8s %8s  %s\n", pw, p->id, p->in_a ? x : "-", p->in_b ? y : "-", z,
                               p->in_a ? ua : "-", p->in_b ? ub : "-", p->name);
    }
    size_t changed = 0;
    DgI128 ta = 0, tb = 0;
    for (size_t i = 0; i < d->n_rows; i++) {
        changed += d->rows[i].u.pay_a != d->rows[i].u.pay_b;
        ta += d->rows[i].u.pay_a;
        tb += d->rows[i].u.pay_b;
    }
    g_string_append_printf(g, "\n%zu pool × unit rows, %zu with a changed payout", d->n_rows, changed);
    if (changed == 0) {
        g_string_append(g, ".\n");
    } else {
        size_t show = top == 0 || top > changed ? changed : top;
        g_string_append_printf(g, "; %s:\n", show < changed ? "the largest" : "largest first");
        g_string_append_printf(g, "%-*s %-*s %12s %12s %12s  %-19s %s\n", pw, "pool", uw, "unit", "payout A",
                               "payout B", "change", "main cause", "name");
        for (size_t i = 0; i < show; i++) {
            const DgDiffRow *r = &d->rows[i];
            money(r->u.pay_a, false, x);
            money(r->u.pay_b, false, y);
            money((DgI128)r->u.pay_b - r->u.pay_a, true, z);
            char cause[48];
            const char *from = cause_from(r);
            snprintf(cause, sizeof cause, "%s%s%s%s", dg_review_cause_name(r->r.cause), *from ? " (" : "", from,
                     *from ? ")" : "");
            g_string_append_printf(g, "%-*s %-*s %12s %12s %12s  %-19s %s\n", pw, r->pool_id, uw, r->unit_id,
                                   r->u.in_a ? x : "-", r->u.in_b ? y : "-", z, cause, r->unit_name);
        }
        if (show < changed)
            g_string_append_printf(g, "… %zu more changed rows (every row, with the effect of each cause: --out FILE.csv)\n",
                                   changed - show);
    }
    money(ta, false, x);
    money(tb, false, y);
    money(tb - ta, true, z);
    g_string_append_printf(g, "%-*s %-*s %12s %12s %12s  (all %zu rows)\n", pw, "total", uw, "", x, y, z, d->n_rows);
    dg_diff_inputs_note_mix(d, g);
    dg_review_diff_quality_text(d, g);
    if (d->note)
        g_string_append_printf(g, "note: %s\n", d->note);
    char *out = dg_xstrdup(g->str);
    g_string_free(g, TRUE);
    return out;
}
