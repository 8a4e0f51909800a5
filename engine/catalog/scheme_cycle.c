/*
 * The files of the payout cycle a scheme may name besides its tables:
 * appeals.csv (申诉: decisions on flags of the authenticity checks) and
 * advances.csv (预拨: money paid during the period, settled at its end).
 *
 * Design: both are small configuration CSVs read with the catalog's table
 * reader, so they follow the same rules as catalog.csv and units.csv
 * (header names, RFC 4180, UTF-8, a wrong field count names the line).
 * Everything that can be judged without the service logs is judged here —
 * the check and decision values, a second appeal for one (record_id,
 * check), advances for unknown units or pools or outside a pool's scope —
 * each error naming the file and line.  Whether an appeal matches a flag
 * can only be known after the checks ran (engine/validate/appeals.c).
 * Advances are summed per pool × unit on load (quarterly rows add up), in
 * exact fen with an overflow check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/scheme_priv.h"

#define MAX_AMOUNT_FEN 100000000000000LL /* 10^12 yuan, the budget limit */

/* The §3.2 check names in DgCheck order (audit.h is a later stage; a unit
 * test checks the two lists agree). */
static const char *const check_names[] = {"over_patient_day", "over_patient_period", "staff_overload"};
#define N_CHECKS 3

static DgStatus cerr(const DgCfgTable *t, uint32_t col, DgError *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static DgStatus cerr(const DgCfgTable *t, uint32_t col, DgError *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dg_error_setv(err, DG_E_CONFIG, t->path, t->line, col, fmt, ap);
    va_end(ap);
    return DG_E_CONFIG;
}

static bool field_is(DgCsvField f, const char *s)
{
    return f.len == strlen(s) && memcmp(f.ptr, s, f.len) == 0;
}

/* ---- appeals.csv ---------------------------------------------------------------- */

enum { A_RECORD, A_CHECK, A_DECISION, A_NOTE, A_N };
static const DgCfgCol appeal_cols[A_N] = {
    {"record_id", true}, {"check", true}, {"decision", true}, {"note", false}};

DgStatus dg_catalog_load_appeals(DgScheme *s, DgError *err)
{
    if (!s->appeals_path)
        return DG_OK;
    DgCfgTable t;
    DgStatus st = dg_catalog_table_open(&t, s->appeals_path, appeal_cols, A_N, err);
    DgIntern *ids = dg_intern_new();
    uint64_t *seen = NULL; /* [id * N_CHECKS + check] line of the first appeal, 0 when none */
    size_t cap = 0, seen_cap = 0;
    while (!st) {
        bool got;
        if ((st = dg_catalog_table_next(&t, &got, err)) || !got)
            break;
        DgCsvField f[A_N];
        for (size_t k = 0; k < A_N; k++)
            f[k] = dg_catalog_table_field(&t, k);
        if (f[A_RECORD].len == 0) {
            st = cerr(&t, dg_catalog_table_col(&t, A_RECORD), err,
                      "record_id is empty; every appeal names the record_id of a flagged row (see flags.csv)");
            break;
        }
        int check = -1;
        for (int c = 0; c < N_CHECKS; c++)
            if (field_is(f[A_CHECK], check_names[c]))
                check = c;
        if (check < 0) {
            char q[80];
            dg_catalog_quote(f[A_CHECK].ptr, f[A_CHECK].len, q, sizeof q);
            st = cerr(&t, dg_catalog_table_col(&t, A_CHECK), err,
                      "check \"%s\" is not a check name; write over_patient_day, over_patient_period or "
                      "staff_overload (as in the check column of flags.csv)",
                      q);
            break;
        }
        uint8_t decision;
        if (field_is(f[A_DECISION], "overturn"))
            decision = DG_APPEAL_OVERTURN;
        else if (field_is(f[A_DECISION], "uphold"))
            decision = DG_APPEAL_UPHOLD;
        else {
            char q[80];
            dg_catalog_quote(f[A_DECISION].ptr, f[A_DECISION].len, q, sizeof q);
            st = cerr(&t, dg_catalog_table_col(&t, A_DECISION), err,
                      "decision \"%s\" must be overturn (申诉成立: the flag is lifted) or uphold (维持: the flag "
                      "stands)",
                      q);
            break;
        }
        uint32_t id = dg_intern_add(ids, f[A_RECORD].ptr, f[A_RECORD].len, NULL);
        if ((size_t)id * N_CHECKS + N_CHECKS > seen_cap) {
            size_t ncap = seen_cap ? seen_cap * 2 : 64 * N_CHECKS;
            while (ncap < (size_t)id * N_CHECKS + N_CHECKS)
                ncap *= 2;
            seen = dg_xrealloc(seen, ncap * sizeof *seen);
            memset(seen + seen_cap, 0, (ncap - seen_cap) * sizeof *seen);
            seen_cap = ncap;
        }
        uint64_t *first = &seen[(size_t)id * N_CHECKS + (size_t)check];
        if (*first) {
            char q[80];
            dg_catalog_quote(f[A_RECORD].ptr, f[A_RECORD].len, q, sizeof q);
            st = cerr(&t, 0, err,
                      "record %s already has an appeal on its %s flag on line %llu; give each (record_id, check) "
                      "one decision — delete one of the two lines",
                      q, check_names[check], (unsigned long long)*first);
            break;
        }
        *first = t.line;
        if (s->n_appeals == cap) {
            cap = cap ? cap * 2 : 64;
            DgAppeal *na = dg_catalog_alloc(s, cap * sizeof *na);
            if (s->n_appeals)
                memcpy(na, s->appeals, s->n_appeals * sizeof *na);
            s->appeals = na; /* the old block stays in the arena: appeal files are small */
        }
        DgAppeal *a = &s->appeals[s->n_appeals++];
        a->record_id = dg_catalog_strdup(s, f[A_RECORD].ptr, f[A_RECORD].len);
        a->check = (uint8_t)check;
        a->decision = decision;
        a->note = dg_catalog_strdup(s, f[A_NOTE].ptr, f[A_NOTE].len);
        a->line = t.line;
    }
    free(seen);
    dg_intern_free(ids);
    dg_catalog_table_close(&t);
    return st;
}

/* ---- advances.csv --------------------------------------------------------------- */

enum { V_UNIT, V_POOL, V_AMOUNT, V_N };
static const DgCfgCol advance_cols[V_N] = {{"unit_id", true}, {"pool_id", true}, {"amount", true}};

DgStatus dg_catalog_load_advances(DgScheme *s, DgError *err)
{
    if (!s->advances_path)
        return DG_OK;
    size_t nu = s->n_units;
    s->advanced = dg_xcalloc(s->n_pools * nu + 1, sizeof *s->advanced);
    DgCfgTable t;
    DgStatus st = dg_catalog_table_open(&t, s->advances_path, advance_cols, V_N, err);
    while (!st) {
        bool got;
        if ((st = dg_catalog_table_next(&t, &got, err)) || !got)
            break;
        DgCsvField f[V_N];
        for (size_t k = 0; k < V_N; k++)
            f[k] = dg_catalog_table_field(&t, k);
        char qu[80], qp[80], qa[80];
        dg_catalog_quote(f[V_UNIT].ptr, f[V_UNIT].len, qu, sizeof qu);
        dg_catalog_quote(f[V_POOL].ptr, f[V_POOL].len, qp, sizeof qp);
        dg_catalog_quote(f[V_AMOUNT].ptr, f[V_AMOUNT].len, qa, sizeof qa);
        int64_t u = dg_scheme_unit_find(s, f[V_UNIT].ptr, f[V_UNIT].len);
        if (u < 0) {
            st = cerr(&t, dg_catalog_table_col(&t, V_UNIT), err,
                      "unit_id \"%s\" is not in the units file %s; an advance must go to a known unit", qu,
                      s->units_path);
            break;
        }
        size_t k = 0;
        while (k < s->n_pools && !field_is(f[V_POOL], s->pools[k].id))
            k++;
        if (k == s->n_pools) {
            char known[400];
            size_t o = 0;
            known[0] = 0;
            for (size_t j = 0; j < s->n_pools && o < sizeof known - 80; j++)
                o += (size_t)snprintf(known + o, sizeof known - o, "%s%s", j ? ", " : "", s->pools[j].id);
            st = cerr(&t, dg_catalog_table_col(&t, V_POOL), err,
                      "pool_id \"%s\" is not a pool of the scheme (pools: %s)", qp, known);
            break;
        }
        if (!s->pool_unit[k * nu + (size_t)u]) {
            st = cerr(&t, 0, err,
                      "unit %s is not in the scope of pool %s, so it is paid nothing from it and cannot be "
                      "settled against an advance; fix the unit_id or pool_id, or widen the pool's scope",
                      qu, s->pools[k].id);
            break;
        }
        int64_t v;
        DgDecResult r = dg_decimal_parse(f[V_AMOUNT].ptr, f[V_AMOUNT].len, 2, true, &v);
        if (f[V_AMOUNT].len == 0) {
            st = cerr(&t, dg_catalog_table_col(&t, V_AMOUNT), err,
                      "amount is empty; write the yuan advanced (e.g. 12000.00), or delete the line");
            break;
        }
        if (r != DG_DEC_OK) {
            char why[200];
            dg_catalog_dec_problem(f[V_AMOUNT].ptr, f[V_AMOUNT].len, r, 2, why, sizeof why);
            st = cerr(&t, dg_catalog_table_col(&t, V_AMOUNT), err, "amount \"%s\" %s", qa, why);
            break;
        }
        if (v < 0) {
            st = cerr(&t, dg_catalog_table_col(&t, V_AMOUNT), err,
                      "amount \"%s\" is negative; an advance is money paid out (>= 0) — money to recover is what "
                      "settlement.csv computes",
                      qa);
            break;
        }
        if (v > MAX_AMOUNT_FEN) {
            st = cerr(&t, dg_catalog_table_col(&t, V_AMOUNT), err, "amount \"%s\" is above the maximum of 10^12 yuan",
                      qa);
            break;
        }
        int64_t *cell = &s->advanced[k * nu + (size_t)u];
        if (__builtin_add_overflow(*cell, v, cell) || *cell > MAX_AMOUNT_FEN) {
            st = cerr(&t, 0, err, "the advances of unit %s from pool %s add up to more than 10^12 yuan", qu,
                      s->pools[k].id);
            break;
        }
        s->n_advance_rows++;
    }
    dg_catalog_table_close(&t);
    return st;
}
