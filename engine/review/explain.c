/*
 * `dangliang explain`: every number of one unit, step by step, from a
 * finished run folder (dg_review_explain, review.h).
 *
 * Design: one pass computes a model of the explanation as a JSON tree
 * (decimals as strings, exact), and the text form is rendered from that
 * tree, so both formats always say the same thing.  The numbers come from
 * the run's own files and scheme and are recomputed with the library's
 * scoring and allocation functions: Q and A from the scheme
 * (dg_score_quality / dg_score_adjustment), C = W × Q × A from
 * payouts.csv's exact columns (dg_score_corrected), and each of the unit's
 * pools reallocated in full (dg_allocate_largest_remainder over every unit
 * of the pool) so the floor, remainder, rank and winning fen can be shown
 * and every payout compared with payouts.csv.  Any difference is listed
 * and makes the call return DG_E_INTERNAL (exit 5).
 */
#include <glib.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dangliang/aggregate.h"
#include "dangliang/allocate.h"
#include "dangliang/review.h"
#include "dangliang/quality.h"
#include "dangliang/score.h"
#include "output/outfile.h"
#include "review/explain_cycle.h"
#include "review/runread.h"

/* ---- small formatting helpers ---------------------------------------------- */

static json_t *jdec(int64_t v, int scale)
{
    char b[64];
    dg_decimal_format(v, scale, b);
    return json_string(b);
}

static json_t *jdec128(DgU128 v, int from, int to)
{
    char b[64];
    dg_decimal_format_u128(v, from, to, b);
    return json_string(b);
}

static DgU128 gcd128(DgU128 a, DgU128 b)
{
    while (b) {
        DgU128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The first `k` decimals of r/d (0 <= r < d), truncated, into buf; returns
 * true when digits remain (the expansion goes on).  Overflow-safe for any d. */
static bool frac_digits(DgU128 r, DgU128 d, int k, char *buf)
{
    for (int i = 0; i < k; i++) {
        unsigned digit = 0;
        /* r·10 = digit·d + r' computed by repeated addition when r·10 could overflow */
        if (r <= (~(DgU128)0) / 10) {
            DgU128 t = r * 10;
            digit = (unsigned)(t / d);
            r = t % d;
        } else {
            DgU128 acc = 0;
            for (int j = 0; j < 10; j++) {
                if (acc >= d - r) {
                    acc -= d - r;
                    digit++;
                } else {
                    acc += r;
                }
            }
            r = acc;
        }
        buf[i] = (char)('0' + digit);
    }
    buf[k] = 0;
    return r != 0;
}

/* "30338.726946581…" for n + r/d: up to 9 decimals, trailing zeros dropped
 * when the expansion ends, "…" when it goes on. */
static void mixed_decimal(int64_t n, DgU128 r, DgU128 d, char *buf, size_t cap)
{
    if (r == 0 || d == 0) {
        snprintf(buf, cap, "%lld", (long long)n);
        return;
    }
    char digits[16];
    bool more = frac_digits(r, d, 9, digits);
    size_t len = strlen(digits);
    if (!more)
        while (len > 1 && digits[len - 1] == '0')
            digits[--len] = 0;
    snprintf(buf, cap, "%lld.%s%s", (long long)n, digits, more ? "…" : "");
}

static const char *date_or_null(int32_t d, char *buf)
{
    if (d == DG_DATE_MIN || d == DG_DATE_MAX)
        return NULL;
    dg_date_format(d, buf);
    return buf;
}

/* ---- the explanation model ------------------------------------------------- */

typedef struct Ctx {
    const DgExplainOptions *opt;
    DgRunInfo info;
    DgScheme *s;
    DgRunTable pay, units, items, staff, flags;
    int64_t uidx;       /* unit index in the scheme */
    size_t urow;        /* row in units.csv */
    DgQuality q;
    DgQualityValues *qv; /* N and D of computed indicators, from quality.csv */
    DgRunTable qual;
    int64_t *adj;
    json_t *mismatch;   /* array of sentences */
    size_t n_pay_checked, n_staff_checked, n_pools_checked;
} Ctx;

enum { P_POOL, P_UNIT, P_W, P_Q, P_A, P_C, P_WEIGHT, P_PAY };
static const char *const pay_cols[] = {"pool_id",    "unit_id",      "audited_workload", "quality", "adjustment",
                                       "corrected_workload", "weight", "payout", NULL};
enum { U_ID, U_NAME, U_KIND, U_COMMUNITY, U_COUNTY, U_TIER, U_ROWS, U_FLAGGED, U_RAW, U_AUD, U_Q, U_A, U_PAY };
static const char *const unit_cols[] = {"unit_id",      "unit_name",    "kind",          "community", "county",
                                        "tier",         "rows_accepted", "rows_flagged", "raw_workload",
                                        "audited_workload", "quality",   "adjustment",    "payout",    NULL};
enum { I_UNIT, I_CODE, I_NAME, I_CAT, I_QTY, I_AQTY, I_RAW, I_AUD };
static const char *const item_cols[] = {"unit_id",  "item_code",        "item_name",    "category",
                                        "quantity", "audited_quantity", "raw_workload", "audited_workload", NULL};
enum { S_POOL, S_UNIT, S_STAFF, S_W, S_SHARE, S_AMOUNT };
static const char *const staff_cols[] = {"pool_id", "unit_id", "staff_id", "audited_workload", "share", "amount",
                                         NULL};
enum { QC_UNIT, QC_IND, QC_SOURCE, QC_N, QC_D, QC_VALUE, QC_ATT };
static const char *const qual_cols[] = {"unit_id", "indicator", "source", "numerator", "denominator", "value",
                                        "attainment", NULL};
enum { F_UNIT, F_CHECK, F_EXCESS, F_RID, F_APPEAL, F_NOTE };
static const char *const flag_cols[] = {"unit_id", "check", "excess_quantity", "record_id", "appeal", "appeal_note",
                                        NULL};

static void mismatch(Ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mismatch(Ctx *x, const char *fmt, ...)
{
    char b[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    json_array_append_new(x->mismatch, json_string(b));
}

static void ctx_clear(Ctx *x)
{
    dg_runread_info_clear(&x->info);
    dg_scheme_free(x->s);
    dg_runread_table_clear(&x->pay);
    dg_runread_table_clear(&x->units);
    dg_runread_table_clear(&x->items);
    dg_runread_table_clear(&x->staff);
    dg_runread_table_clear(&x->flags);
    dg_score_quality_clear(&x->q);
    dg_quality_values_free(x->qv);
    dg_runread_table_clear(&x->qual);
    free(x->adj);
    json_decref(x->mismatch);
}

/* The scheme must be byte-identical to the one the run hashed. */
static DgStatus verify_hash(const char *path, const char *want, const char *role, DgError *err)
{
    if (!want || !path)
        return DG_OK;
    char hex[65];
    DgStatus st = dg_sha256_file(path, hex, err);
    if (st != DG_OK)
        return st;
    if (strcmp(hex, want) != 0)
        return dg_error_set(err, DG_E_CONFIG, path, 0, 0,
                            "this %s file is not the one the run used (its SHA-256 differs from manifest.json); "
                            "explain needs the run's own scheme files — restore them or pass --scheme with a copy",
                            role);
    return DG_OK;
}

/* N and D of every computed indicator from the run's quality.csv (the
 * registry and logs are not re-read: the run recorded the counts, and Q is
 * recomputed from them and compared). */
static DgStatus load_computed(Ctx *x, DgError *err)
{
    const DgScheme *s = x->s;
    DgStatus st = dg_runread_table(x->opt->run_dir, "quality.csv", qual_cols, &x->qual, err);
    if (st != DG_OK)
        return st;
    size_t nu = s->n_units, nk = s->n_indicators;
    DgQualityValues *v = dg_xcalloc(1, sizeof *v);
    v->n_units = nu;
    v->n_indicators = nk;
    v->num = dg_xmalloc((nu * nk + 1) * sizeof *v->num);
    v->den = dg_xmalloc((nu * nk + 1) * sizeof *v->den);
    for (size_t i = 0; i < nu * nk + 1; i++)
        v->num[i] = v->den[i] = -1;
    x->qv = v;
    for (size_t r = 0; r < x->qual.n_rows; r++) {
        const char *uid = dg_runread_cell(&x->qual, r, QC_UNIT), *iid = dg_runread_cell(&x->qual, r, QC_IND);
        int64_t u = dg_scheme_unit_find(s, uid, strlen(uid));
        size_t k = 0;
        while (k < nk && strcmp(s->indicators[k].id, iid))
            k++;
        if (u < 0 || k == nk) {
            mismatch(x, "quality.csv: unit %s, indicator %s is not in the scheme", uid, iid);
            continue;
        }
        if (!s->indicators[k].compute)
            continue;
        if (!*dg_runread_cell(&x->qual, r, QC_N) || !*dg_runread_cell(&x->qual, r, QC_D))
            continue;
        int64_t n, d;
        if ((st = dg_runread_i64(&x->qual, r, QC_N, 0, &n, err)) != DG_OK ||
            (st = dg_runread_i64(&x->qual, r, QC_D, 0, &d, err)) != DG_OK)
            return st;
        v->num[(size_t)u * nk + k] = n;
        v->den[(size_t)u * nk + k] = d;
    }
    return DG_OK;
}

static DgStatus load(Ctx *x, DgError *err)
{
    const DgExplainOptions *o = x->opt;
    DgStatus st = dg_runread_info(o->run_dir, &x->info, err);
    if (st != DG_OK)
        return st;
    if ((st = dg_runread_table(o->run_dir, "units.csv", unit_cols, &x->units, err)) != DG_OK)
        return st;
    bool found = false;
    for (size_t r = 0; r < x->units.n_rows && !found; r++)
        if (!strcmp(dg_runread_cell(&x->units, r, U_ID), o->unit_id)) {
            x->urow = r;
            found = true;
        }
    if (!found) {
        char some[200] = "";
        size_t len = 0;
        for (size_t r = 0; r < x->units.n_rows && r < 5; r++)
            len += (size_t)snprintf(some + len, sizeof some - len, "%s%s", r ? ", " : "",
                                    dg_runread_cell(&x->units, r, U_ID));
        return dg_error_set(err, DG_E_CONFIG, x->units.path, 0, 0,
                            "unit \"%s\" is not in this run; units.csv lists %zu units (%s%s); ids are "
                            "case-sensitive",
                            o->unit_id, x->units.n_rows, some, x->units.n_rows > 5 ? ", …" : "");
    }
    const char *scheme_path = o->scheme_path ? o->scheme_path : x->info.scheme_file;
    if ((st = dg_scheme_load(scheme_path, &x->s, err)) != DG_OK) {
        if (err && !o->scheme_path) {
            char tmp[700];
            memcpy(tmp, err->text, sizeof tmp - 1);
            tmp[sizeof tmp - 1] = 0;
            snprintf(err->text, sizeof err->text,
                     "%s (the run's scheme, as recorded in summary.json; run explain from the folder the run was "
                     "started in, or pass --scheme FILE)",
                     tmp);
        }
        return st;
    }
    if ((st = verify_hash(x->s->path, x->info.sha_scheme, "scheme", err)) != DG_OK ||
        (st = verify_hash(x->s->catalog_path, x->info.sha_catalog, "catalog", err)) != DG_OK ||
        (st = verify_hash(x->s->units_path, x->info.sha_units, "units", err)) != DG_OK ||
        (st = verify_hash(x->s->indicators_path, x->info.sha_indicators, "indicators", err)) != DG_OK ||
        (st = verify_hash(x->s->registry_path, x->info.sha_registry, "registry", err)) != DG_OK)
        return st;
    x->uidx = dg_scheme_unit_find(x->s, o->unit_id, strlen(o->unit_id));
    if (x->uidx < 0)
        return dg_error_set(err, DG_E_INTERNAL, x->s->units_path, 0, 0,
                            "unit \"%s\" is in the run's units.csv but not in its scheme", o->unit_id);
    if ((st = dg_runread_table(o->run_dir, "payouts.csv", pay_cols, &x->pay, err)) != DG_OK ||
        (st = dg_runread_table(o->run_dir, "items.csv", item_cols, &x->items, err)) != DG_OK ||
        (st = dg_runread_table(o->run_dir, "staff.csv", staff_cols, &x->staff, err)) != DG_OK ||
        (st = dg_runread_table(o->run_dir, "flags.csv", flag_cols, &x->flags, err)) != DG_OK)
        return st;
    if (x->s->has_quality && x->s->n_computed && (st = load_computed(x, err)) != DG_OK)
        return st;
    if ((st = dg_score_quality_values(x->s, x->qv, &x->q, err)) != DG_OK)
        return st;
    x->adj = dg_xcalloc(x->s->n_units + 1, sizeof *x->adj);
    return dg_score_adjustment(x->s, x->adj, err);
}

/* ---- sections ---------------------------------------------------------------- */

static json_t *unit_section(Ctx *x)
{
    const DgUnit *u = &x->s->units[x->uidx];
    json_t *j = json_object();
    json_object_set_new(j, "id", json_string(u->id));
    json_object_set_new(j, "name", json_string(u->name));
    json_object_set_new(j, "kind", json_string(u->kind));
    json_object_set_new(j, "community", json_string(u->community));
    json_object_set_new(j, "county", json_string(u->county));
    json_object_set_new(j, "tier", json_integer(u->tier));
    json_t *tags = json_array();
    for (size_t i = 0; i < u->n_tags; i++)
        json_array_append_new(tags, json_string(u->tags[i]));
    json_object_set_new(j, "tags", tags);
    return j;
}

static DgStatus items_section(Ctx *x, json_t **out, DgError *err)
{
    const DgScheme *s = x->s;
    uint32_t u = (uint32_t)x->uidx;
    json_t *arr = json_array();
    DgU128 sum_raw = 0, sum_aud = 0;
    DgStatus st = DG_OK;
    for (size_t r = 0; r < x->items.n_rows && st == DG_OK; r++) {
        if (strcmp(dg_runread_cell(&x->items, r, I_UNIT), x->opt->unit_id))
            continue;
        DgU128 qty, aqty, raw, aud;
        if ((st = dg_runread_u128(&x->items, r, I_QTY, 0, &qty, err)) != DG_OK ||
            (st = dg_runread_u128(&x->items, r, I_AQTY, 0, &aqty, err)) != DG_OK ||
            (st = dg_runread_u128(&x->items, r, I_RAW, 4, &raw, err)) != DG_OK ||
            (st = dg_runread_u128(&x->items, r, I_AUD, 4, &aud, err)) != DG_OK)
            break;
        sum_raw += raw;
        sum_aud += aud;
        const char *code = dg_runread_cell(&x->items, r, I_CODE);
        json_t *it = json_object();
        json_object_set_new(it, "item_code", json_string(code));
        json_object_set_new(it, "item_name", json_string(dg_runread_cell(&x->items, r, I_NAME)));
        json_object_set_new(it, "category", json_string(dg_runread_cell(&x->items, r, I_CAT)));
        json_object_set_new(it, "quantity", json_integer((json_int_t)qty));
        json_object_set_new(it, "audited_quantity", json_integer((json_int_t)aqty));
        json_object_set_new(it, "raw_workload", jdec128(raw, 4, 4));
        json_object_set_new(it, "audited_workload", jdec128(aud, 4, 4));
        json_array_append_new(arr, it);
        int64_t cid = dg_scheme_code_find(s, code, strlen(code));
        if (cid < 0) {
            mismatch(x, "items.csv: item %s of unit %s is not in the scheme's catalog", code, x->opt->unit_id);
            json_object_set_new(it, "equivalent", json_null());
            continue;
        }
        /* catalog versions in force at some day of the period */
        uint32_t vers[64];
        size_t nv = 0;
        for (uint32_t c = s->code_first[cid]; c < s->code_first[cid] + s->code_nrows[cid]; c++)
            if (s->catalog[c].valid_from <= s->period_to && s->catalog[c].valid_to >= s->period_from && nv < 64)
                vers[nv++] = c;
        if (nv == 1) {
            int64_t eq = dg_aggregate_eq(s, u, vers[0]);
            json_object_set_new(it, "equivalent", jdec(eq, 4));
            if (qty * (DgU128)eq != raw || aqty * (DgU128)eq != aud)
                mismatch(x, "items.csv: %s of unit %s: quantity × equivalent %s does not give the workload",
                         code, x->opt->unit_id, json_string_value(json_object_get(it, "equivalent")));
            continue;
        }
        json_object_set_new(it, "equivalent", json_null());
        /* Two versions with different equivalents: q1 + q2 = Q and q1·e1 + q2·e2 = W determine the split. */
        bool derived = false;
        DgI128 q1 = 0, a1 = 0;
        if (nv == 2) {
            DgI128 e1 = dg_aggregate_eq(s, u, vers[0]), e2 = dg_aggregate_eq(s, u, vers[1]);
            if (e1 != e2) {
                DgI128 n1 = (DgI128)raw - (DgI128)qty * e2, n2 = (DgI128)aud - (DgI128)aqty * e2;
                if (n1 % (e1 - e2) == 0 && n2 % (e1 - e2) == 0) {
                    q1 = n1 / (e1 - e2);
                    a1 = n2 / (e1 - e2);
                    derived = q1 >= 0 && q1 <= (DgI128)qty && a1 >= 0 && a1 <= (DgI128)aqty;
                }
            }
        }
        json_t *va = json_array();
        for (size_t k = 0; k < nv; k++) {
            const DgCatalogRow *cr = &s->catalog[vers[k]];
            int64_t eq = dg_aggregate_eq(s, u, vers[k]);
            char d0[11], d1[11];
            const char *f = date_or_null(cr->valid_from, d0), *t = date_or_null(cr->valid_to, d1);
            json_t *v = json_object();
            json_object_set_new(v, "valid_from", f ? json_string(f) : json_null());
            json_object_set_new(v, "valid_to", t ? json_string(t) : json_null());
            json_object_set_new(v, "equivalent", jdec(eq, 4));
            if (derived) {
                DgU128 vq = (DgU128)(k == 0 ? q1 : (DgI128)qty - q1), va_ = (DgU128)(k == 0 ? a1 : (DgI128)aqty - a1);
                json_object_set_new(v, "quantity", json_integer((json_int_t)vq));
                json_object_set_new(v, "audited_quantity", json_integer((json_int_t)va_));
                json_object_set_new(v, "raw_workload", jdec128(vq * (DgU128)eq, 4, 4));
                json_object_set_new(v, "audited_workload", jdec128(va_ * (DgU128)eq, 4, 4));
            }
            json_array_append_new(va, v);
        }
        json_object_set_new(it, "versions", va);
        json_object_set_new(it, "versions_derived", json_boolean(derived));
    }
    if (st != DG_OK) {
        json_decref(arr);
        return st;
    }
    DgU128 u_raw, u_aud;
    if ((st = dg_runread_u128(&x->units, x->urow, U_RAW, 4, &u_raw, err)) != DG_OK ||
        (st = dg_runread_u128(&x->units, x->urow, U_AUD, 4, &u_aud, err)) != DG_OK) {
        json_decref(arr);
        return st;
    }
    if (sum_raw != u_raw || sum_aud != u_aud)
        mismatch(x, "items.csv: the workloads of unit %s do not add up to units.csv's", x->opt->unit_id);
    *out = arr;
    return DG_OK;
}

static json_t *workload_section(Ctx *x)
{
    json_t *j = json_object();
    json_object_set_new(j, "raw", json_string(dg_runread_cell(&x->units, x->urow, U_RAW)));
    json_object_set_new(j, "audited", json_string(dg_runread_cell(&x->units, x->urow, U_AUD)));
    DgU128 v = 0;
    dg_runread_u128(&x->units, x->urow, U_ROWS, 0, &v, NULL);
    json_object_set_new(j, "rows_accepted", json_integer((json_int_t)v));
    v = 0;
    dg_runread_u128(&x->units, x->urow, U_FLAGGED, 0, &v, NULL);
    json_object_set_new(j, "rows_flagged", json_integer((json_int_t)v));
    /* flags by check, in the order of first appearance in flags.csv */
    json_t *by = json_array();
    for (size_t r = 0; r < x->flags.n_rows; r++) {
        if (strcmp(dg_runread_cell(&x->flags, r, F_UNIT), x->opt->unit_id))
            continue;
        const char *check = dg_runread_cell(&x->flags, r, F_CHECK);
        DgU128 ex = 0;
        dg_runread_u128(&x->flags, r, F_EXCESS, 0, &ex, NULL);
        json_t *e = NULL;
        for (size_t i = 0; i < json_array_size(by); i++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(by, i), "check")), check))
                e = json_array_get(by, i);
        if (!e) {
            e = json_object();
            json_object_set_new(e, "check", json_string(check));
            json_object_set_new(e, "flags", json_integer(0));
            json_object_set_new(e, "excess_quantity", json_integer(0));
            json_array_append_new(by, e);
        }
        json_object_set_new(e, "flags", json_integer(json_integer_value(json_object_get(e, "flags")) + 1));
        json_object_set_new(e, "excess_quantity",
                            json_integer(json_integer_value(json_object_get(e, "excess_quantity")) + (json_int_t)ex));
    }
    json_object_set_new(j, "flags", by);
    return j;
}

static json_t *quality_section(Ctx *x)
{
    const DgScheme *s = x->s;
    size_t u = (size_t)x->uidx, nk = x->q.n_indicators;
    json_t *j = json_object();
    json_object_set_new(j, "section", json_boolean(nk > 0));
    json_t *arr = json_array();
    int64_t wsum = 0;
    DgU128 points = 0;
    for (size_t k = 0; k < nk; k++) {
        const DgIndicator *ind = &s->indicators[k];
        int64_t v = s->indicator_values ? s->indicator_values[u * nk + k] : DG_IND_MISSING;
        int64_t a = x->q.achievement[u * nk + k];
        int64_t n = -1, d = -1;
        if (ind->compute) {
            n = x->qv ? x->qv->num[u * nk + k] : -1;
            d = x->qv ? x->qv->den[u * nk + k] : -1;
        }
        bool missing = ind->compute ? !(n >= 0 && d > 0) : v == DG_IND_MISSING;
        json_t *e = json_object();
        json_object_set_new(e, "id", json_string(ind->id));
        json_object_set_new(e, "name", json_string(ind->name ? ind->name : ""));
        json_object_set_new(e, "weight", json_integer((json_int_t)ind->weight));
        json_object_set_new(e, "better", json_string(ind->lower_is_better ? "lower" : "higher"));
        json_object_set_new(e, "target", jdec(ind->target, 6));
        char vb[80], tb[48];
        dg_decimal_format(ind->target, 6, tb);
        if (ind->compute) {
            json_object_set_new(e, "source", json_string("computed"));
            json_object_set_new(e, "numerator", n >= 0 ? json_integer((json_int_t)n) : json_null());
            json_object_set_new(e, "denominator", d >= 0 ? json_integer((json_int_t)d) : json_null());
            if (!missing) {
                char nb[48];
                dg_ratio_format((DgU128)n, (DgU128)d, 6, vb);
                json_object_set_new(e, "value", json_string(vb));
                mixed_decimal(n / d, (DgU128)(n % d), (DgU128)d, nb, sizeof nb);
                json_object_set_new(e, "value_exact", json_string(nb));
            } else {
                json_object_set_new(e, "value", json_null());
            }
        } else {
            json_object_set_new(e, "value", v == DG_IND_MISSING ? json_null() : jdec(v, 6));
            dg_decimal_format(v == DG_IND_MISSING ? 0 : v, 6, vb);
        }
        bool skipped = missing && s->missing_skip;
        int64_t ach = a < 0 ? 0 : a;
        json_object_set_new(e, "achievement", skipped ? json_null() : jdec(ach, 6));
        /* how a_k came about, in words a reader can redo */
        char how[200];
        if (missing && ind->compute)
            snprintf(how, sizeof how, "D = 0: missing, %s", skipped ? "left out of Q (missing = skip)" : "counts as 0");
        else if (missing)
            snprintf(how, sizeof how, "missing, %s", skipped ? "left out of Q (missing = skip)" : "counts as 0");
        else if (ind->compute && !ind->lower_is_better)
            snprintf(how, sizeof how,
                     ach == 1000000 ? "N / D >= target: 1" : "N / (D × target) = %lld / (%lld × %s), exact, then half-up",
                     (long long)n, (long long)d, tb);
        else if (ind->compute)
            snprintf(how, sizeof how,
                     ach == 1000000 ? "N / D <= target: 1" : "target × D / N = %s × %lld / %lld, exact, then half-up",
                     tb, (long long)d, (long long)n);
        else if (!ind->lower_is_better)
            snprintf(how, sizeof how, v >= ind->target ? "value >= target: 1" : "value / target = %s / %s", vb, tb);
        else
            snprintf(how, sizeof how, v <= ind->target ? "value <= target: 1" : "target / value = %s / %s", tb, vb);
        json_object_set_new(e, "how", json_string(how));
        DgU128 pts = (DgU128)ind->weight * (DgU128)ach;
        json_object_set_new(e, "points", skipped ? json_null() : jdec128(pts, 6, 6));
        if (!skipped) {
            points += pts;
            wsum += ind->weight;
        }
        json_array_append_new(arr, e);
        if (ind->compute && x->qual.n_rows) {
            for (size_t r = 0; r < x->qual.n_rows; r++) {
                if (strcmp(dg_runread_cell(&x->qual, r, QC_UNIT), s->units[u].id) ||
                    strcmp(dg_runread_cell(&x->qual, r, QC_IND), ind->id))
                    continue;
                const char *att = dg_runread_cell(&x->qual, r, QC_ATT);
                char mine[48] = "";
                if (!skipped)
                    dg_decimal_format(ach, 6, mine);
                if (strcmp(att, mine))
                    mismatch(x, "quality.csv: attainment of %s for unit %s is \"%s\", recomputed \"%s\"", ind->id,
                             s->units[u].id, att, mine);
            }
        }
    }
    json_object_set_new(j, "indicators", arr);
    json_object_set_new(j, "weights", json_integer((json_int_t)wsum));
    json_object_set_new(j, "points", jdec128(points, 6, 6));
    json_object_set_new(j, "q_raw", jdec(x->q.q_raw[u], 4));
    json_object_set_new(j, "floor", nk && s->floor != DG_NONE ? jdec(s->floor, 4) : json_null());
    json_object_set_new(j, "full_at", nk && s->full_at != DG_NONE ? jdec(s->full_at, 4) : json_null());
    uint8_t rule = x->q.rule[u];
    json_object_set_new(j, "rule", json_string(rule == DG_QRULE_FLOOR     ? "floor"
                                               : rule == DG_QRULE_FULL_AT ? "full_at"
                                                                          : "none"));
    json_object_set_new(j, "q", jdec(x->q.q[u], 4));
    int64_t q_run;
    if (dg_runread_i64(&x->units, x->urow, U_Q, 4, &q_run, NULL) != DG_OK || q_run != x->q.q[u])
        mismatch(x, "units.csv: quality of unit %s is %s, recomputed %s", x->opt->unit_id,
                 dg_runread_cell(&x->units, x->urow, U_Q), json_string_value(json_object_get(j, "q")));
    return j;
}

static json_t *adjustment_section(Ctx *x)
{
    const DgScheme *s = x->s;
    const DgUnit *un = &s->units[x->uidx];
    json_t *j = json_object();
    json_t *tags = json_array();
    DgU128 prod = 1;
    int m = 0;
    bool fits = true;
    for (size_t i = 0; i < un->n_tags; i++) {
        bool dup = false;
        for (size_t k = 0; k < i; k++)
            dup |= !strcmp(un->tags[k], un->tags[i]);
        if (dup)
            continue; /* a tag listed twice counts once */
        const DgAdjustment *adj = NULL;
        for (size_t k = 0; k < s->n_adjustments && !adj; k++)
            if (!strcmp(s->adjustments[k].tag, un->tags[i]))
                adj = &s->adjustments[k];
        json_t *e = json_object();
        json_object_set_new(e, "tag", json_string(un->tags[i]));
        json_object_set_new(e, "factor", adj ? jdec(adj->factor, 4) : json_null());
        json_array_append_new(tags, e);
        if (adj) {
            if (fits && prod <= (~(DgU128)0) / (DgU128)(adj->factor > 0 ? adj->factor : 1) && m < 9)
                prod *= (DgU128)adj->factor;
            else
                fits = false;
            m++;
        }
    }
    json_object_set_new(j, "tags", tags);
    json_object_set_new(j, "factors", json_integer(m));
    json_object_set_new(j, "product", m >= 1 && fits ? jdec128(prod, 4 * m, 4 * m) : json_null());
    int64_t a = x->adj[x->uidx];
    json_object_set_new(j, "a", jdec(a, 4));
    int64_t a_run;
    if (dg_runread_i64(&x->units, x->urow, U_A, 4, &a_run, NULL) != DG_OK || a_run != a)
        mismatch(x, "units.csv: adjustment of unit %s is %s, recomputed %s", x->opt->unit_id,
                 dg_runread_cell(&x->units, x->urow, U_A), json_string_value(json_object_get(j, "a")));
    return j;
}

/* One pool's allocation redone from payouts.csv; the unit's part explained. */
typedef struct PU {
    size_t row;
    const char *id;
    DgU128 w, c;
    int64_t q, a, pay_run;
} PU;

typedef struct RankCtx {
    const DgU128 *rem;
    const PU *pu;
} RankCtx;

static DgStatus staff_part(Ctx *x, const DgPool *pl, DgU128 w_pool, int64_t pay, json_t *jp, DgError *err)
{
    size_t n = 0;
    for (size_t r = 0; r < x->staff.n_rows; r++)
        n += !strcmp(dg_runread_cell(&x->staff, r, S_POOL), pl->id) &&
             !strcmp(dg_runread_cell(&x->staff, r, S_UNIT), x->opt->unit_id);
    size_t *rows = dg_xcalloc(n + 1, sizeof *rows);
    DgU128 *w = dg_xcalloc(n + 1, sizeof *w);
    const char **keys = dg_xcalloc(n + 1, sizeof *keys);
    int64_t *amt = dg_xcalloc(n + 1, sizeof *amt);
    size_t i = 0;
    DgU128 sum = 0;
    DgStatus st = DG_OK;
    for (size_t r = 0; r < x->staff.n_rows && st == DG_OK; r++) {
        if (strcmp(dg_runread_cell(&x->staff, r, S_POOL), pl->id) ||
            strcmp(dg_runread_cell(&x->staff, r, S_UNIT), x->opt->unit_id))
            continue;
        rows[i] = r;
        keys[i] = dg_runread_cell(&x->staff, r, S_STAFF);
        st = dg_runread_u128(&x->staff, r, S_W, 4, &w[i], err);
        sum += w[i];
        i++;
    }
    json_t *arr = json_array();
    if (st == DG_OK) {
        if (sum != w_pool)
            mismatch(x, "staff.csv: the staff workloads of unit %s in pool %s do not add up to its workload",
                     x->opt->unit_id, pl->id);
        DgError e2 = {0};
        if (pay > 0 && dg_allocate_largest_remainder(pay, w, keys, n, amt, NULL, NULL, NULL, &e2) != DG_OK)
            mismatch(x, "staff split of unit %s in pool %s: %s", x->opt->unit_id, pl->id, e2.text);
        for (size_t k = 0; k < n && st == DG_OK; k++) {
            size_t r = rows[k];
            int64_t run_amt;
            if ((st = dg_runread_i64(&x->staff, r, S_AMOUNT, 2, &run_amt, err)) != DG_OK)
                break;
            char share[64];
            dg_allocate_weight_format(w[k], sum, share);
            char yuan[64];
            dg_decimal_format(amt[k], 2, yuan);
            if (run_amt != amt[k] || strcmp(share, dg_runread_cell(&x->staff, r, S_SHARE)))
                mismatch(x, "staff.csv: staff %s of unit %s in pool %s: the run says %s (share %s), recomputed %s "
                            "(share %s)",
                         keys[k], x->opt->unit_id, pl->id, dg_runread_cell(&x->staff, r, S_AMOUNT),
                         dg_runread_cell(&x->staff, r, S_SHARE), yuan, share);
            x->n_staff_checked++;
            json_t *e = json_object();
            json_object_set_new(e, "staff_id", json_string(keys[k]));
            json_object_set_new(e, "workload", jdec128(w[k], 4, 4));
            json_object_set_new(e, "share", json_string(share));
            json_object_set_new(e, "amount", jdec(amt[k], 2));
            json_array_append_new(arr, e);
        }
    }
    json_object_set_new(jp, "staff", arr);
    free(rows);
    free(w);
    free(keys);
    free(amt);
    return st;
}

static DgStatus pool_section(Ctx *x, size_t k, json_t *jp, int64_t *unit_pay, DgError *err)
{
    const DgScheme *s = x->s;
    const DgPool *pl = &s->pools[k];
    json_object_set_new(jp, "id", json_string(pl->id));
    json_object_set_new(jp, "name", json_string(pl->name));
    json_object_set_new(jp, "budget", jdec(pl->budget, 2));
    json_object_set_new(jp, "budget_fen", json_integer((json_int_t)pl->budget));
    for (size_t i = 0; i < x->info.n_pools; i++)
        if (!strcmp(x->info.pools[i].id, pl->id) && x->info.pools[i].budget != pl->budget)
            mismatch(x, "summary.json: the budget of pool %s differs from the scheme's", pl->id);

    size_t n = 0;
    for (size_t r = 0; r < x->pay.n_rows; r++)
        n += !strcmp(dg_runread_cell(&x->pay, r, P_POOL), pl->id);
    PU *pu = dg_xcalloc(n + 1, sizeof *pu);
    DgU128 *c = dg_xcalloc(n + 1, sizeof *c), *rem = dg_xcalloc(n + 1, sizeof *rem);
    const char **keys = dg_xcalloc(n + 1, sizeof *keys);
    int64_t *pay = dg_xcalloc(n + 1, sizeof *pay);
    uint8_t *won = dg_xcalloc(n + 1, 1);
    size_t me = SIZE_MAX, i = 0;
    DgStatus st = DG_OK;
    for (size_t r = 0; r < x->pay.n_rows && st == DG_OK; r++) {
        if (strcmp(dg_runread_cell(&x->pay, r, P_POOL), pl->id))
            continue;
        PU *p = &pu[i];
        p->row = r;
        p->id = dg_runread_cell(&x->pay, r, P_UNIT);
        if ((st = dg_runread_u128(&x->pay, r, P_W, 4, &p->w, err)) != DG_OK ||
            (st = dg_runread_i64(&x->pay, r, P_Q, 4, &p->q, err)) != DG_OK ||
            (st = dg_runread_i64(&x->pay, r, P_A, 4, &p->a, err)) != DG_OK ||
            (st = dg_runread_i64(&x->pay, r, P_PAY, 2, &p->pay_run, err)) != DG_OK)
            break;
        if (!dg_score_corrected(p->w, p->q, p->a, &p->c))
            st = dg_error_set(err, DG_E_IO, x->pay.path, x->pay.line[r], 0,
                              "damaged run file: the corrected workload overflows");
        c[i] = p->c;
        keys[i] = p->id;
        if (!strcmp(p->id, x->opt->unit_id))
            me = i;
        i++;
    }
    json_object_set_new(jp, "units_in_scope", json_integer((json_int_t)n));
    json_object_set_new(jp, "in_scope", json_boolean(me != SIZE_MAX));
    if (st != DG_OK || me == SIZE_MAX)
        goto done;
    x->n_pools_checked++;
    DgU128 sum = 0;
    DgError e2 = {0};
    if (dg_allocate_largest_remainder(pl->budget, c, keys, n, pay, rem, won, &sum, &e2) != DG_OK) {
        mismatch(x, "pool %s: the allocation cannot be redone: %s", pl->id, e2.text);
        goto done;
    }
    int64_t floors = 0;
    for (size_t j = 0; j < n; j++) {
        floors += pay[j] - won[j];
        char cw[64], wt[64];
        dg_decimal_format_u128(c[j], 12, 4, cw);
        dg_allocate_weight_format(c[j], sum, wt);
        if (pay[j] != pu[j].pay_run) {
            char yuan[64];
            dg_decimal_format(pay[j], 2, yuan);
            mismatch(x, "payouts.csv: pool %s unit %s: the run paid %s, recomputed %s", pl->id, pu[j].id,
                     dg_runread_cell(&x->pay, pu[j].row, P_PAY), yuan);
        }
        if (strcmp(cw, dg_runread_cell(&x->pay, pu[j].row, P_C)) || strcmp(wt, dg_runread_cell(&x->pay, pu[j].row, P_WEIGHT)))
            mismatch(x, "payouts.csv: pool %s unit %s: corrected workload/weight %s/%s, recomputed %s/%s", pl->id,
                     pu[j].id, dg_runread_cell(&x->pay, pu[j].row, P_C), dg_runread_cell(&x->pay, pu[j].row, P_WEIGHT),
                     cw, wt);
        x->n_pay_checked++;
    }
    const PU *m = &pu[me];
    if (m->q != x->q.q[x->uidx] || m->a != x->adj[x->uidx])
        mismatch(x, "payouts.csv: pool %s: Q or A of unit %s differs from the recomputed ones", pl->id, m->id);
    /* rank of the remainder: (remainder desc, unit_id asc) as the allocation orders them */
    size_t rank = 1;
    json_t *ties = json_array();
    for (size_t j = 0; j < n; j++) {
        if (j == me)
            continue;
        if (rem[j] > rem[me] || (rem[j] == rem[me] && strcmp(pu[j].id, m->id) < 0))
            rank++;
        if (rem[j] == rem[me] && rem[me] != 0)
            json_array_append_new(ties, json_string(pu[j].id));
    }
    json_object_set_new(jp, "workload", jdec128(m->w, 4, 4));
    json_object_set_new(jp, "quality", jdec(m->q, 4));
    json_object_set_new(jp, "adjustment", jdec(m->a, 4));
    json_object_set_new(jp, "corrected", jdec128(m->c, 12, 12));
    json_object_set_new(jp, "sum_corrected", jdec128(sum, 12, 12));
    int64_t fl = pay[me] - won[me];
    DgU128 g = rem[me] ? gcd128(rem[me], sum) : 1;
    char dec[96], frac[140];
    mixed_decimal(fl, rem[me], sum, dec, sizeof dec);
    if (rem[me]) {
        char a[64], b[64];
        dg_decimal_format_u128(rem[me] / g, 0, 0, a);
        dg_decimal_format_u128(sum / g, 0, 0, b);
        snprintf(frac, sizeof frac, "%s/%s", a, b);
    } else {
        strcpy(frac, "0");
    }
    json_object_set_new(jp, "share", json_string(dec));
    json_object_set_new(jp, "share_floor_fen", json_integer((json_int_t)fl));
    json_object_set_new(jp, "share_remainder", json_string(frac));
    char rdec[96];
    mixed_decimal(0, rem[me], sum, rdec, sizeof rdec);
    json_object_set_new(jp, "remainder", json_string(rdec));
    json_object_set_new(jp, "floors_fen", json_integer((json_int_t)floors));
    json_object_set_new(jp, "leftover_fen", json_integer((json_int_t)(pl->budget - floors)));
    json_object_set_new(jp, "remainder_rank", json_integer((json_int_t)rank));
    json_object_set_new(jp, "tied_with", ties);
    json_object_set_new(jp, "won_fen", json_boolean(won[me]));
    json_object_set_new(jp, "payout_fen", json_integer((json_int_t)pay[me]));
    json_object_set_new(jp, "payout", jdec(pay[me], 2));
    char wt[64], price[64];
    dg_allocate_weight_format(m->c, sum, wt);
    dg_allocate_unit_price(pl->budget, sum, price);
    json_object_set_new(jp, "weight", json_string(wt));
    json_object_set_new(jp, "unit_price", json_string(price));
    *unit_pay += pay[me];
    st = staff_part(x, pl, m->w, pay[me], jp, err);
done:
    free(pu);
    free(c);
    free(rem);
    free(keys);
    free(pay);
    free(won);
    return st;
}

static DgStatus build(Ctx *x, json_t **out, DgError *err)
{
    json_t *root = json_object();
    json_t *run = json_object();
    json_object_set_new(run, "dir", json_string(x->opt->run_dir));
    json_object_set_new(run, "scheme_id", json_string(x->s->id));
    json_object_set_new(run, "scheme_file", json_string(x->s->path));
    json_object_set_new(run, "period_from", json_string(x->info.period_from));
    json_object_set_new(run, "period_to", json_string(x->info.period_to));
    json_object_set_new(root, "run", run);
    json_object_set_new(root, "unit", unit_section(x));
    json_t *items = NULL;
    DgStatus st = items_section(x, &items, err);
    if (st != DG_OK) {
        json_decref(root);
        return st;
    }
    json_object_set_new(root, "items", items);
    json_object_set_new(root, "workload", workload_section(x));
    json_t *appeals = NULL;
    static const DgExplainFlagCols fc = {F_UNIT, F_CHECK, F_EXCESS, F_RID, F_APPEAL, F_NOTE};
    if ((st = dg_explain_appeals(x->opt->run_dir, x->opt->unit_id, &x->flags, &fc, &appeals, err)) != DG_OK) {
        json_decref(root);
        return st;
    }
    if (appeals)
        json_object_set_new(root, "appeals", appeals);
    json_object_set_new(root, "quality", quality_section(x));
    json_object_set_new(root, "adjustment", adjustment_section(x));
    json_t *pools = json_array();
    int64_t total = 0;
    for (size_t k = 0; k < x->s->n_pools && st == DG_OK; k++) {
        json_t *jp = json_object();
        st = pool_section(x, k, jp, &total, err);
        json_array_append_new(pools, jp);
    }
    json_object_set_new(root, "pools", pools);
    if (st != DG_OK) {
        json_decref(root);
        return st;
    }
    json_object_set_new(root, "payout", jdec(total, 2));
    int64_t run_total;
    if ((st = dg_runread_i64(&x->units, x->urow, U_PAY, 2, &run_total, err)) != DG_OK) {
        json_decref(root);
        return st;
    }
    if (run_total != total) {
        char yuan[64];
        dg_decimal_format(total, 2, yuan);
        mismatch(x, "units.csv: payout of unit %s is %s, its pools add up to %s", x->opt->unit_id,
                 dg_runread_cell(&x->units, x->urow, U_PAY), yuan);
    }
    json_t *chk = json_object();
    json_object_set_new(chk, "ok", json_boolean(json_array_size(x->mismatch) == 0));
    json_object_set_new(chk, "pools", json_integer((json_int_t)x->n_pools_checked));
    json_object_set_new(chk, "payouts", json_integer((json_int_t)x->n_pay_checked));
    json_object_set_new(chk, "staff_amounts", json_integer((json_int_t)x->n_staff_checked));
    json_object_set_new(chk, "mismatches", json_incref(x->mismatch));
    json_object_set_new(root, "check", chk);
    *out = root;
    return DG_OK;
}

/* ---- text rendering ------------------------------------------------------------ */

static const char *S(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

static long long I(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static bool B(json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static void render_items(GString *g, json_t *root)
{
    json_t *unit = json_object_get(root, "unit");
    json_t *items = json_object_get(root, "items");
    json_t *wl = json_object_get(root, "workload");
    g_string_append_printf(g, "\n1. Items and workload W (items.csv; equivalents of tier %lld)\n", I(unit, "tier"));
    g_string_append_printf(g, "  %-18s %9s %9s %11s %13s %17s  %s\n", "item", "quantity", "audited", "equivalent",
                           "raw workload", "audited workload", "name");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *vers = json_object_get(it, "versions");
        char eq[40];
        if (json_is_string(json_object_get(it, "equivalent")))
            snprintf(eq, sizeof eq, "%s", S(it, "equivalent"));
        else if (json_is_array(vers))
            snprintf(eq, sizeof eq, "%zu versions", json_array_size(vers));
        else
            snprintf(eq, sizeof eq, "?");
        g_string_append_printf(g, "  %-18s %9lld %9lld %11s %13s %17s  %s\n", S(it, "item_code"), I(it, "quantity"),
                               I(it, "audited_quantity"), eq, S(it, "raw_workload"), S(it, "audited_workload"),
                               S(it, "item_name"));
        size_t k;
        json_t *v;
        bool derived = B(it, "versions_derived");
        json_array_foreach(vers, k, v)
        {
            char when[64];
            json_t *f = json_object_get(v, "valid_from"), *t = json_object_get(v, "valid_to");
            if (json_is_string(f) && json_is_string(t))
                snprintf(when, sizeof when, "%s..%s", json_string_value(f), json_string_value(t));
            else if (json_is_string(f))
                snprintf(when, sizeof when, "from %s", json_string_value(f));
            else if (json_is_string(t))
                snprintf(when, sizeof when, "to %s", json_string_value(t));
            else
                snprintf(when, sizeof when, "always");
            if (derived)
                g_string_append_printf(g, "    %-16s %9lld %9lld %11s %13s %17s  (split derived from quantity and workload)\n",
                                       when, I(v, "quantity"), I(v, "audited_quantity"), S(v, "equivalent"),
                                       S(v, "raw_workload"), S(v, "audited_workload"));
            else
                g_string_append_printf(g, "    %-16s %9s %9s %11s  (quantities per version are not in the run's files)\n",
                                       when, "-", "-", S(v, "equivalent"));
        }
    }
    g_string_append_printf(g, "  W = %s audited (raw %s); %lld rows accepted, %lld flagged\n", S(wl, "audited"),
                           S(wl, "raw"), I(wl, "rows_accepted"), I(wl, "rows_flagged"));
    json_t *flags = json_object_get(wl, "flags");
    json_array_foreach(flags, i, it)
    {
        g_string_append_printf(g, "  flagged by %s: %lld rows, %lld quantity removed (see flags.csv)\n",
                               S(it, "check"), I(it, "flags"), I(it, "excess_quantity"));
    }
}

static void render_quality(GString *g, json_t *root)
{
    json_t *q = json_object_get(root, "quality");
    g_string_append(g, "\n2. Quality Q (质量系数)\n");
    if (!B(q, "section")) {
        g_string_append(g, "  the scheme has no quality section: Q = 1.0000\n");
        return;
    }
    g_string_append(g, "  a = achievement, half-up to 6 decimals; points = weight × a\n");
    g_string_append_printf(g, "  %-16s %6s %6s %10s %10s %11s %12s  %s\n", "indicator", "weight", "better", "target",
                           "value", "achievement", "points", "how");
    size_t i;
    json_t *e;
    bool any_computed = false;
    json_array_foreach(json_object_get(q, "indicators"), i, e)
    {
        const char *v = json_is_string(json_object_get(e, "value")) ? S(e, "value") : "missing";
        const char *ach = json_is_string(json_object_get(e, "achievement")) ? S(e, "achievement") : "-";
        const char *pts = json_is_string(json_object_get(e, "points")) ? S(e, "points") : "-";
        g_string_append_printf(g, "  %-16s %6lld %6s %10s %10s %11s %12s  %s\n", S(e, "id"), I(e, "weight"),
                               S(e, "better"), S(e, "target"), v, ach, pts, S(e, "how"));
        any_computed |= json_object_get(e, "numerator") != NULL;
    }
    if (any_computed) {
        g_string_append(g, "  computed from the person registry and the audited logs (value = N / D, exact):\n");
        json_array_foreach(json_object_get(q, "indicators"), i, e)
        {
            json_t *n = json_object_get(e, "numerator"), *d = json_object_get(e, "denominator");
            if (!n)
                continue;
            char nb[32] = "-", db[32] = "-";
            if (json_is_integer(n))
                snprintf(nb, sizeof nb, "%lld", (long long)json_integer_value(n));
            if (json_is_integer(d))
                snprintf(db, sizeof db, "%lld", (long long)json_integer_value(d));
            json_t *ve = json_object_get(e, "value_exact");
            g_string_append_printf(g, "  %-16s N = %s, D = %s, v = %s\n", S(e, "id"), nb, db,
                                   json_is_string(ve) ? json_string_value(ve) : "missing (D = 0)");
        }
    }
    g_string_append_printf(g, "  Q raw = Σ points / Σ weights = %s / %lld = %s (half-up to 4 decimals)\n",
                           S(q, "points"), I(q, "weights"), S(q, "q_raw"));
    const char *rule = S(q, "rule");
    json_t *fl = json_object_get(q, "floor"), *fa = json_object_get(q, "full_at");
    if (!strcmp(rule, "floor"))
        g_string_append_printf(g, "  Q raw %s < floor %s: not eligible, Q = 0.0000\n", S(q, "q_raw"), S(q, "floor"));
    else if (!strcmp(rule, "full_at"))
        g_string_append_printf(g, "  Q raw %s >= full_at %s: Q = 1.0000\n", S(q, "q_raw"), S(q, "full_at"));
    else if (json_is_string(fl) || json_is_string(fa)) {
        g_string_append_printf(g, "  Q raw %s", S(q, "q_raw"));
        if (json_is_string(fl))
            g_string_append_printf(g, " >= floor %s", json_string_value(fl));
        if (json_is_string(fa))
            g_string_append_printf(g, "%s< full_at %s", json_is_string(fl) ? " and " : " ", json_string_value(fa));
        g_string_append(g, ": no rule applies\n");
    }
    g_string_append_printf(g, "  Q = %s\n", S(q, "q"));
}

static void render_adjustment(GString *g, json_t *root)
{
    json_t *a = json_object_get(root, "adjustment");
    json_t *tags = json_object_get(a, "tags");
    g_string_append(g, "\n3. Adjustment A (调整系数)\n");
    if (json_array_size(tags) == 0) {
        g_string_append_printf(g, "  no tags: A = %s\n", S(a, "a"));
        return;
    }
    size_t i;
    json_t *t;
    GString *prod = g_string_new(NULL);
    json_array_foreach(tags, i, t)
    {
        if (json_is_string(json_object_get(t, "factor"))) {
            g_string_append_printf(g, "  tag %-12s factor %s\n", S(t, "tag"), S(t, "factor"));
            g_string_append_printf(prod, "%s%s", prod->len ? " × " : "", S(t, "factor"));
        } else {
            g_string_append_printf(g, "  tag %-12s no adjustment for this tag in the scheme\n", S(t, "tag"));
        }
    }
    long long m = I(a, "factors");
    if (m == 0)
        g_string_append_printf(g, "  no tag has a factor: A = %s\n", S(a, "a"));
    else if (m == 1)
        g_string_append_printf(g, "  A = %s\n", S(a, "a"));
    else if (json_is_string(json_object_get(a, "product")))
        g_string_append_printf(g, "  A = %s = %s, half-up to 4 decimals: %s\n", prod->str, S(a, "product"), S(a, "a"));
    else
        g_string_append_printf(g, "  A = %s, half-up to 4 decimals: %s\n", prod->str, S(a, "a"));
    g_string_free(prod, TRUE);
}

static void render_pool(GString *g, json_t *root, json_t *p)
{
    const char *unit = S(json_object_get(root, "unit"), "id");
    if (!B(p, "in_scope")) {
        g_string_append_printf(g, "\npool %s %s: %s is not in its scope\n", S(p, "id"), S(p, "name"), unit);
        return;
    }
    g_string_append_printf(g, "\npool %s %s: budget B = %s yuan = %lld fen, %lld units in scope\n", S(p, "id"),
                           S(p, "name"), S(p, "budget"), I(p, "budget_fen"), I(p, "units_in_scope"));
    g_string_append_printf(g, "  W in pool       %s\n", S(p, "workload"));
    g_string_append_printf(g, "  C = W × Q × A   %s × %s × %s = %s\n", S(p, "workload"), S(p, "quality"),
                           S(p, "adjustment"), S(p, "corrected"));
    g_string_append_printf(g, "  ΣC of the pool  %s (every unit's C from payouts.csv)\n", S(p, "sum_corrected"));
    long long budget = I(p, "budget_fen");
    if (budget == 0) {
        g_string_append(g, "  share           budget 0: every unit is paid 0\n");
    } else {
        g_string_append_printf(g, "  share = B × C / ΣC = %lld × %s / %s\n", budget, S(p, "corrected"),
                               S(p, "sum_corrected"));
        if (!strcmp(S(p, "share_remainder"), "0"))
            g_string_append_printf(g, "                  = %s fen exactly\n", S(p, "share"));
        else
            g_string_append_printf(g, "                  = %s fen = %lld + %s\n", S(p, "share"),
                                   I(p, "share_floor_fen"), S(p, "share_remainder"));
        g_string_append_printf(g, "  floor           %lld fen\n", I(p, "share_floor_fen"));
        g_string_append_printf(g, "  left over       B − Σ floors of the pool = %lld − %lld = %lld fen\n", budget,
                               I(p, "floors_fen"), I(p, "leftover_fen"));
        json_t *ties = json_object_get(p, "tied_with");
        GString *tie = g_string_new(NULL);
        size_t i;
        json_t *t;
        json_array_foreach(ties, i, t)
        {
            g_string_append_printf(tie, "%s%s", i ? ", " : "", json_string_value(t));
        }
        if (!strcmp(S(p, "share_remainder"), "0"))
            g_string_append(g, "  remainder       0: no extra fen\n");
        else
            g_string_append_printf(g, "  remainder       %s (%s), rank %lld of %lld%s%s%s: %s\n", S(p, "remainder"),
                                   S(p, "share_remainder"), I(p, "remainder_rank"), I(p, "units_in_scope"),
                                   tie->len ? ", tied with " : "", tie->str,
                                   tie->len ? " (ties go to the smaller unit_id)" : "",
                                   B(p, "won_fen") ? "wins 1 fen" : "no extra fen");
        g_string_free(tie, TRUE);
    }
    if (B(p, "won_fen"))
        g_string_append_printf(g, "  payout          %lld + 1 = %lld fen = %s yuan\n", I(p, "share_floor_fen"),
                               I(p, "payout_fen"), S(p, "payout"));
    else
        g_string_append_printf(g, "  payout          %lld fen = %s yuan\n", I(p, "payout_fen"), S(p, "payout"));
    g_string_append_printf(g, "  weight C/ΣC     %s; unit price B/ΣC %s yuan per equivalent\n", S(p, "weight"),
                           S(p, "unit_price"));
    json_t *staff = json_object_get(p, "staff");
    if (json_array_size(staff) == 0) {
        g_string_append(g, "  staff           none with workload in this pool\n");
        return;
    }
    g_string_append(g, "  staff split by audited workload in the pool (largest remainder, ties by staff_id):\n");
    size_t i;
    json_t *s;
    json_array_foreach(staff, i, s)
    {
        g_string_append_printf(g, "    %-12s %13s  share %s  %12s\n", S(s, "staff_id"), S(s, "workload"),
                               S(s, "share"), S(s, "amount"));
    }
}

static char *render_text(json_t *root)
{
    GString *g = g_string_new(NULL);
    json_t *unit = json_object_get(root, "unit"), *run = json_object_get(root, "run");
    g_string_append_printf(g, "dangliang explain: unit %s %s\n", S(unit, "id"), S(unit, "name"));
    g_string_append_printf(g, "run %s: scheme %s (%s), period %s to %s\n", S(run, "dir"), S(run, "scheme_id"),
                           S(run, "scheme_file"), S(run, "period_from"), S(run, "period_to"));
    GString *tags = g_string_new(NULL);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(unit, "tags"), i, t)
    {
        g_string_append_printf(tags, "%s%s", i ? ";" : "", json_string_value(t));
    }
    g_string_append_printf(g, "unit: %s, community %s, county %s, tier %lld, tags %s\n", S(unit, "kind"),
                           S(unit, "community"), S(unit, "county"), I(unit, "tier"), tags->len ? tags->str : "(none)");
    g_string_free(tags, TRUE);
    render_items(g, root);
    dg_explain_render_appeals(g, root);
    render_quality(g, root);
    render_adjustment(g, root);
    g_string_append(g, "\n4. Pools: C = W × Q × A; share = B × C / ΣC; every unit gets its floor, the fen left "
                       "over go one each to the largest remainders\n");
    json_t *pools = json_object_get(root, "pools");
    json_t *p;
    json_array_foreach(pools, i, p)
    {
        render_pool(g, root, p);
    }
    g_string_append(g, "\n5. Payout\n  ");
    size_t n = 0;
    json_array_foreach(pools, i, p)
    {
        if (!B(p, "in_scope"))
            continue;
        g_string_append_printf(g, "%s%s (%s)", n++ ? " + " : "", S(p, "payout"), S(p, "id"));
    }
    if (n == 0)
        g_string_append(g, "in no pool's scope");
    g_string_append_printf(g, " = %s yuan\n", S(root, "payout"));
    json_t *chk = json_object_get(root, "check");
    if (B(chk, "ok")) {
        g_string_append_printf(g,
                               "\ncheck: recomputed %lld payouts in %lld pools and %lld staff amounts; all equal the "
                               "run's payouts.csv, units.csv and staff.csv\n",
                               I(chk, "payouts"), I(chk, "pools"), I(chk, "staff_amounts"));
    } else {
        g_string_append(g, "\ncheck: MISMATCH between the recomputation and the run's files:\n");
        json_array_foreach(json_object_get(chk, "mismatches"), i, t)
        {
            g_string_append_printf(g, "  %s\n", json_string_value(t));
        }
    }
    char *out = dg_xstrdup(g->str);
    g_string_free(g, TRUE);
    return out;
}

DgStatus dg_review_explain(const DgExplainOptions *opt, char **text, DgError *err)
{
    *text = NULL;
    Ctx x;
    memset(&x, 0, sizeof x);
    x.opt = opt;
    x.mismatch = json_array();
    json_t *root = NULL;
    DgStatus st = load(&x, err);
    if (st == DG_OK)
        st = build(&x, &root, err);
    if (st == DG_OK) {
        if (opt->json) {
            char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            size_t n = strlen(s);
            *text = dg_xmalloc(n + 2);
            memcpy(*text, s, n);
            (*text)[n] = '\n';
            (*text)[n + 1] = 0;
            free(s);
        } else {
            *text = render_text(root);
        }
        size_t nm = json_array_size(x.mismatch);
        if (nm > 0)
            st = dg_error_set(err, DG_E_INTERNAL, opt->run_dir, 0, 0,
                              "%zu number%s of the run could not be reproduced (%s%s); the run's files or scheme "
                              "were changed after the run, or this is a bug — please report it",
                              nm, nm == 1 ? "" : "s", json_string_value(json_array_get(x.mismatch, 0)),
                              nm > 1 ? ", …" : "");
    }
    json_decref(root);
    ctx_clear(&x);
    return st;
}
