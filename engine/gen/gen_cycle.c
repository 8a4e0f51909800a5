/*
 * Sample appeals.csv and advances.csv for a generated log (dg_gen_cycle_files,
 * gen.h): what a demo needs to show the whole payout cycle — run, appeals,
 * re-run, settle against advances.
 *
 * Design: the files must name real flags and real pool × unit pairs, so the
 * log is read back and taken through the same library stages a run uses
 * (validate, checks, aggregate, payouts).  Choices are deterministic: the
 * appealed flags are evenly spaced through each check's flags, decisions
 * and notes follow a fixed pattern offset by the seed, and each unit's
 * "previous year" factor comes from a hash of (seed, unit index).  Money
 * is integer fen throughout; advances are whole yuan.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dangliang/audit.h"
#include "dangliang/gen.h"
#include "dangliang/payouts.h"

#define APPEALS_PER_CHECK 12

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* A CSV field, quoted when it holds a comma, quote or line break. */
static void field(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static const char *const overturn_notes[] = {"家访记录与患者签字齐全，核实属实", "同日上午、下午各随访一次，有就诊记录为证",
                                             "当日另有护士协助，工时合理", "", "补充提交服务影像资料，予以认定"};
static const char *const uphold_notes[] = {"核实为重复录入，维持核减", "无法提供佐证材料，维持", ""};

static DgStatus open_out(const char *path, FILE **fp, DgError *err)
{
    *fp = fopen(path, "w");
    if (!*fp)
        return dg_error_set(err, DG_E_IO, path, 0, 0, "cannot write: %s", strerror(errno));
    return DG_OK;
}

static DgStatus close_out(const char *path, FILE *fp, DgError *err)
{
    bool bad = ferror(fp) != 0;
    if (fclose(fp) != 0 || bad)
        return dg_error_set(err, DG_E_IO, path, 0, 0, "cannot write: %s", strerror(errno));
    return DG_OK;
}

static DgStatus write_appeals(const DgDataset *d, const DgAudit *au, uint64_t seed, const char *path, size_t *n,
                              DgError *err)
{
    FILE *fp;
    DgStatus st = open_out(path, &fp, err);
    if (st != DG_OK)
        return st;
    fputs("record_id,check,decision,note\n", fp);
    *n = 0;
    for (int c = 0; c < DG_CHECK_COUNT; c++) {
        size_t total = au->flags_by_check[c];
        if (!total)
            continue;
        size_t want = total < APPEALS_PER_CHECK ? total : APPEALS_PER_CHECK;
        size_t step = total / want, k = 0, pick = (size_t)(mix(seed + (uint64_t)c) % step), made = 0;
        for (size_t i = 0; i < au->n_flags && made < want; i++) {
            const DgFlag *f = &au->flags[i];
            if (f->check != c)
                continue;
            if (k++ != pick)
                continue;
            pick += step;
            uint64_t h = mix(seed ^ ((uint64_t)f->row << 8 | (uint64_t)c));
            bool over = h % 3 != 0;
            const char *note = over ? overturn_notes[(h >> 8) % 5] : uphold_notes[(h >> 8) % 3];
            field(fp, dg_dataset_record_id(d, f->row));
            fprintf(fp, ",%s,%s,", dg_check_name((DgCheck)c), over ? "overturn" : "uphold");
            field(fp, note);
            fputc('\n', fp);
            made++;
            (*n)++;
        }
    }
    return close_out(path, fp, err);
}

static DgStatus write_advances(const DgScheme *s, const DgPayouts *p, uint64_t seed, const char *path, size_t *n,
                               DgError *err)
{
    FILE *fp;
    DgStatus st = open_out(path, &fp, err);
    if (st != DG_OK)
        return st;
    fputs("unit_id,pool_id,amount,quarter\n", fp);
    *n = 0;
    size_t nu = s->n_units;
    int year = 0;
    char day[11];
    dg_date_format(s->period_from, day);
    year = atoi(day);
    for (int q = 1; q <= 3; q++)
        for (size_t k = 0; k < s->n_pools; k++)
            for (size_t u = 0; u < nu; u++) {
                if (!s->pool_unit[k * nu + u] || p->payout[k * nu + u] <= 0)
                    continue;
                /* previous year = this year's payout × (85..115) %, or × (145..160) % for about one unit in
                 * eight (its work fell this year, so it was advanced more than it earns: a negative
                 * balance to recover); the three quarters ≈ 70 % of it */
                uint64_t h = mix(seed * 1000003u + u);
                int64_t pct = h % 8 == 0 ? 145 + (int64_t)(h / 8 % 16) : 85 + (int64_t)(h / 8 % 31);
                DgI128 prev = (DgI128)p->payout[k * nu + u] * pct / 100;
                int64_t quarter_fen = (int64_t)(prev * 70 / 100 / 3 / 100 * 100); /* whole yuan */
                if (quarter_fen <= 0)
                    continue;
                char amt[48];
                dg_decimal_format(quarter_fen, 2, amt);
                field(fp, s->units[u].id);
                fputc(',', fp);
                field(fp, s->pools[k].id);
                fprintf(fp, ",%s,%dQ%d\n", amt, year, q);
                (*n)++;
            }
    return close_out(path, fp, err);
}

DgStatus dg_gen_cycle_files(const DgScheme *s, const char *log_path, uint64_t seed, const char *appeals_path,
                            const char *advances_path, size_t *n_appeals, size_t *n_advances, DgError *err)
{
    *n_appeals = *n_advances = 0;
    if (!appeals_path && !advances_path)
        return DG_OK;
    DgDataset *d = NULL;
    DgAudit *au = NULL;
    DgAggregate *a = NULL;
    DgPayouts *p = NULL;
    const char *paths[] = {log_path};
    DgStatus st = dg_validate_files(s, paths, 1, NULL, &d, err);
    if (st == DG_OK)
        st = dg_audit_rows(s, d, &au, err);
    if (st == DG_OK && appeals_path)
        st = write_appeals(d, au, seed, appeals_path, n_appeals, err);
    if (st == DG_OK && advances_path) {
        st = dg_aggregate_rows(s, d, au->audited_qty, &a, err);
        DgQualityValues *qv = NULL;
        if (st == DG_OK)
            st = dg_quality_compute(s, d, au->audited_qty, &qv, err);
        if (st == DG_OK)
            st = dg_payouts_compute_q(s, d, a, qv, &p, err);
        if (p)
            p->qv = NULL;
        dg_quality_values_free(qv);
        if (st == DG_OK)
            st = write_advances(s, p, seed, advances_path, n_advances, err);
    }
    dg_payouts_free(p);
    dg_aggregate_free(a);
    dg_audit_free(au);
    dg_dataset_free(d);
    return st;
}
