/*
 * The tables of a run (docs/cli.md): payouts, units, items, staff, flags and
 * the JSON summary.  Every number is formatted from exact integers:
 * workloads and coefficients with 4 decimals, weights and shares with 8,
 * money with 2, all rounded half-up from the exact value — so a finance
 * officer re-adding a column in Excel gets the printed total.
 *
 * dg_output_run writes the files concurrently, one task per file (an
 * OpenMP dynamic loop over the files, largest first, so the workbook —
 * the longest — starts at once and the other threads take the rest).
 * Every writer only reads the run's results, so the bytes of each file do
 * not depend on the thread count or on which file finishes first.  What
 * must not depend on timing either is the error: each task keeps its own,
 * and the one reported is that of the first failing file in the fixed
 * order of the list; the fault counter of the tests follows that order.
 * Each file is hashed as it is written (outfile.c), and the manifest uses
 * those digests instead of reading the outputs back.
 */
#include <glib.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common/jsonpath.h"
#include "csvout.h"
#include "cycle.h"
#include "dangliang/allocate.h"
#include "dangliang/output.h"
#include "outfile.h"
#include "output_util.h"
#include "summary_head.h"
#include "xlsxout.h"

static void cell_w4(DgCsvOut *w, DgU128 v, int from_scale)
{
    char b[64];
    dg_decimal_format_u128(v, from_scale, 4, b);
    dg_csvout_num(w, b);
}

static void cell_fixed(DgCsvOut *w, int64_t v, int scale)
{
    char b[64];
    dg_decimal_format(v, scale, b);
    dg_csvout_num(w, b);
}

static void cell_ratio(DgCsvOut *w, DgU128 n, DgU128 d, int scale)
{
    char b[80];
    dg_output_ratio(n, d, scale, b);
    dg_csvout_num(w, b);
}

typedef struct Ctx {
    const DgScheme *s;
    const DgDataset *d;
    const DgAudit *au;
    const DgAggregate *a;
    const DgPayouts *p;
    const DgOutputOptions *opt;
} Ctx;

typedef void (*Writer)(const Ctx *x, DgCsvOut *w);

static DgStatus write_csv(const char *dir, const char *name, const DgOutputOptions *opt, Writer fn, const Ctx *x,
                          long ordinal, DgOutFileDone *done, DgError *err)
{
    DgOutFile o;
    DgStatus st = dg_outfile_open(&o, dir, name, err);
    if (st != DG_OK)
        return st;
    o.ordinal = ordinal;
    DgCsvOut w;
    dg_csvout_init(&w, o.fp, !(opt && opt->no_bom));
    fn(x, &w);
    return dg_outfile_commit_done(&o, done, err);
}

static void w_payouts(const Ctx *x, DgCsvOut *w)
{
    const DgScheme *s = x->s;
    const DgAggregate *a = x->a;
    const DgPayouts *p = x->p;
    static const char *const hdr[] = {"pool_id", "pool_name", "unit_id", "unit_name", "community",
                                      "county", "audited_workload", "quality", "adjustment",
                                      "corrected_workload", "weight", "payout", NULL};
    dg_csvout_header(w, hdr);
    size_t nu = s->n_units;
    for (size_t k = 0; k < s->n_pools; k++) {
        const DgPool *pl = &s->pools[k];
        for (size_t u = 0; u < nu; u++) {
            if (!s->pool_unit[k * nu + u])
                continue;
            const DgUnit *un = &s->units[u];
            dg_csvout_text(w, pl->id);
            dg_csvout_text(w, pl->name);
            dg_csvout_text(w, un->id);
            dg_csvout_text(w, un->name);
            dg_csvout_text(w, un->community);
            dg_csvout_text(w, un->county);
            cell_w4(w, a->pool_unit_w[k * nu + u], 4);
            cell_fixed(w, p->q[u], 4);
            cell_fixed(w, p->a[u], 4);
            cell_w4(w, p->c[k * nu + u], 12);
            cell_ratio(w, p->c[k * nu + u], p->sum_c[k], 8);
            cell_fixed(w, p->payout[k * nu + u], 2);
            dg_csvout_end(w);
        }
    }
}

static void w_units(const Ctx *x, DgCsvOut *w)
{
    const DgScheme *s = x->s;
    const DgAggregate *a = x->a;
    const DgPayouts *p = x->p;
    static const char *const hdr[] = {"unit_id",       "unit_name",    "kind",         "community",
                                      "county",        "tier",         "rows_accepted", "rows_flagged",
                                      "raw_workload",  "audited_workload", "quality",   "adjustment",
                                      "payout",        NULL};
    dg_csvout_header(w, hdr);
    DgFlagStats fs;
    dg_flag_stats_compute(s, x->d, x->au, &fs);
    for (size_t u = 0; u < s->n_units; u++) {
        const DgUnit *un = &s->units[u];
        dg_csvout_text(w, un->id);
        dg_csvout_text(w, un->name);
        dg_csvout_text(w, un->kind);
        dg_csvout_text(w, un->community);
        dg_csvout_text(w, un->county);
        dg_csvout_u64(w, (uint64_t)un->tier);
        dg_csvout_u64(w, a->unit_rows[u]);
        dg_csvout_u64(w, fs.rows[u]);
        cell_w4(w, a->unit_raw_w[u], 4);
        cell_w4(w, a->unit_audited_w[u], 4);
        cell_fixed(w, p->q[u], 4);
        cell_fixed(w, p->a[u], 4);
        cell_fixed(w, p->unit_payout[u], 2);
        dg_csvout_end(w);
    }
    dg_flag_stats_clear(&fs);
}

static void w_items(const Ctx *x, DgCsvOut *w)
{
    const DgScheme *s = x->s;
    const DgAggregate *a = x->a;
    static const char *const hdr[] = {"unit_id",  "item_code",        "item_name",    "category", "quantity",
                                      "audited_quantity", "raw_workload", "audited_workload", NULL};
    dg_csvout_header(w, hdr);
    for (size_t u = 0; u < s->n_units; u++) {
        for (size_t code = 0; code < s->n_codes; code++) {
            DgUnitItem it;
            dg_unit_item(s, a, u, code, &it);
            if (!it.qty)
                continue;
            const DgCatalogRow *cr = &s->catalog[s->code_first[code]];
            dg_csvout_text(w, s->units[u].id);
            dg_csvout_text(w, cr->code);
            dg_csvout_text(w, cr->name);
            dg_csvout_text(w, cr->category);
            dg_csvout_u64(w, it.qty);
            dg_csvout_u64(w, it.audited_qty);
            cell_w4(w, it.raw_w, 4);
            cell_w4(w, it.audited_w, 4);
            dg_csvout_end(w);
        }
    }
}

static void w_staff(const Ctx *x, DgCsvOut *w)
{
    const DgScheme *s = x->s;
    const DgDataset *d = x->d;
    const DgAggregate *a = x->a;
    const DgPayouts *p = x->p;
    static const char *const hdr[] = {"pool_id", "unit_id", "staff_id", "audited_workload", "share", "amount",
                                      NULL};
    dg_csvout_header(w, hdr);
    size_t nu = s->n_units, ns = a->n_staff;
    for (size_t k = 0; k < s->n_pools; k++) {
        for (size_t u = 0; u < nu; u++) {
            if (!s->pool_unit[k * nu + u])
                continue;
            DgU128 uw = a->pool_unit_w[k * nu + u];
            for (uint32_t j = a->unit_staff_first[u]; j < a->unit_staff_first[u + 1]; j++) {
                uint32_t st = a->staff_order[j];
                DgU128 sw = a->pool_staff_w[k * ns + st];
                if (sw == 0)
                    continue;
                dg_csvout_text(w, s->pools[k].id);
                dg_csvout_text(w, s->units[u].id);
                dg_csvout_text(w, dg_dataset_staff(d, st));
                cell_w4(w, sw, 4);
                cell_ratio(w, sw, uw, 8);
                cell_fixed(w, p->staff_amount[k * ns + st], 2);
                dg_csvout_end(w);
            }
        }
    }
}

static void flags_rows(const DgScheme *s, const DgDataset *d, const DgAudit *au, DgCsvOut *w)
{
    static const char *const hdr[] = {"file", "line", "record_id", "unit_id", "check", "excess_quantity", "detail",
                                      "appeal", "appeal_note", NULL};
    dg_csvout_header(w, hdr);
    char **files = dg_output_file_names(d);
    for (size_t i = 0; au && i < au->n_flags; i++) {
        if (dg_csvout_full(w)) { /* a workbook sheet at its limit: the rest is only counted */
            dg_csvout_skip(w, au->n_flags - i);
            break;
        }
        const DgFlag *f = &au->flags[i];
        const DgRow *r = &d->rows[f->row];
        dg_csvout_text(w, files[r->file]);
        dg_csvout_u64(w, r->line);
        dg_csvout_text(w, dg_dataset_record_id(d, f->row));
        dg_csvout_text(w, s->units[dg_row_unit(d, r)].id);
        dg_csvout_text(w, dg_check_name((DgCheck)f->check));
        dg_csvout_u64(w, f->excess);
        dg_csvout_text(w, f->detail);
        dg_csvout_text(w, f->appeal == DG_APPEAL_OVERTURN ? "overturn" : f->appeal == DG_APPEAL_UPHOLD ? "uphold" : "");
        dg_csvout_text(w, f->appeal != DG_APPEAL_NONE ? s->appeals[f->appeal_index].note : "");
        dg_csvout_end(w);
    }
    dg_output_file_names_free(files, d->n_files);
}

static void w_flags(const Ctx *x, DgCsvOut *w)
{
    flags_rows(x->s, x->d, x->au, w);
}

DgStatus dg_output_flags(const DgScheme *s, const DgDataset *d, const DgAudit *au, const char *dir,
                         const DgOutputOptions *opt, DgError *err)
{
    Ctx x = {.s = s, .d = d, .au = au};
    return write_csv(dir, "flags.csv", opt, w_flags, &x, 0, NULL, err);
}

/* A JSON string of text that may not be valid UTF-8 (shown with \xNN). */
static json_t *jtext(const char *t)
{
    if (!t)
        t = "";
    json_t *v = json_string(t);
    if (v)
        return v;
    char *e = dg_text_escape(t, strlen(t), false);
    v = json_string(e);
    free(e);
    return v ? v : json_string("");
}

static void w_settlement(const Ctx *x, DgCsvOut *w)
{
    dg_cycle_settlement_csv(x->s, x->p, w);
}

static json_t *jdec_u128(DgU128 v, int from, int to)
{
    char b[64];
    dg_decimal_format_u128(v, from, to, b);
    return json_string(b);
}

static json_t *jdec(int64_t v, int scale)
{
    char b[64];
    dg_decimal_format(v, scale, b);
    return json_string(b);
}

/* Write `root` (taken: freed here) as indented JSON to DIR/NAME, atomically. */
static DgStatus write_json_take(const char *dir, const char *name, json_t *root, long ordinal, DgOutFileDone *done,
                                DgError *err)
{
    DgOutFile o;
    DgStatus st = dg_outfile_open(&o, dir, name, err);
    if (st == DG_OK) {
        o.ordinal = ordinal;
        json_dumpf(root, o.fp, JSON_INDENT(2));
        fputc('\n', o.fp);
        st = dg_outfile_commit_done(&o, done, err);
    }
    json_decref(root);
    return st;
}

/* Flags by check (count, quantity and workload removed) and per unit. */
static json_t *audit_summary(const Ctx *x)
{
    const DgScheme *s = x->s;
    const DgAudit *au = x->au;
    json_t *root = json_object();
    size_t nu = s->n_units;
    DgFlagStats fs;
    dg_flag_stats_compute(s, x->d, au, &fs);
    const uint64_t *unit_rows = fs.rows;
    const DgU128 *removed = fs.removed;
    const DgU128 *total_removed = fs.total_removed;
    json_t *by = json_object();
    for (int c = 0; c < DG_CHECK_COUNT; c++) {
        json_t *e = json_object();
        json_object_set_new(e, "flags", json_integer(au ? (json_int_t)au->flags_by_check[c] : 0));
        json_object_set_new(e, "quantity_removed", json_integer(au ? (json_int_t)au->excess_by_check[c] : 0));
        json_object_set_new(e, "workload_removed", jdec_u128(total_removed[c], 4, 4));
        json_object_set_new(by, dg_check_name((DgCheck)c), e);
    }
    json_object_set_new(root, "rows_flagged", json_integer(au ? (json_int_t)au->rows_flagged : 0));
    json_object_set_new(root, "by_check", by);
    json_t *units = json_array();
    for (size_t u = 0; u < nu; u++) {
        if (!unit_rows[u])
            continue;
        json_t *e = json_object();
        json_object_set_new(e, "unit_id", json_string(s->units[u].id));
        json_object_set_new(e, "rows_flagged", json_integer((json_int_t)unit_rows[u]));
        json_t *wr = json_object();
        for (int c = 0; c < DG_CHECK_COUNT; c++)
            json_object_set_new(wr, dg_check_name((DgCheck)c), jdec_u128(removed[u * DG_CHECK_COUNT + c], 4, 4));
        json_object_set_new(e, "workload_removed", wr);
        json_array_append_new(units, e);
    }
    json_object_set_new(root, "units", units);
    dg_flag_stats_clear(&fs);
    return root;
}

json_t *dg_output_summary_head(const DgScheme *s, const DgDataset *d)
{
    json_t *root = json_object();
    json_object_set_new(root, "engine", json_string("dangliang " DG_VERSION));
    json_t *js = json_object();
    json_object_set_new(js, "id", json_string(s->id));
    json_object_set_new(js, "title", json_string(s->title ? s->title : ""));
    dg_json_path_set(js, "file", s->path);
    json_object_set_new(root, "scheme", js);
    char d0[11], d1[11];
    dg_date_format(s->period_from, d0);
    dg_date_format(s->period_to, d1);
    json_t *per = json_object();
    json_object_set_new(per, "from", json_string(d0));
    json_object_set_new(per, "to", json_string(d1));
    json_object_set_new(root, "period", per);

    json_t *acc = json_object();
    json_object_set_new(acc, "rows_read", json_integer((json_int_t)d->rows_read));
    json_object_set_new(acc, "rows_accepted", json_integer((json_int_t)d->rows_accepted));
    json_object_set_new(acc, "rows_rejected", json_integer((json_int_t)d->rows_rejected));
    json_t *by = json_object();
    for (int r = 0; r < DG_REASON_COUNT; r++)
        json_object_set_new(by, dg_reason_name((DgReason)r), json_integer((json_int_t)d->by_reason[r]));
    json_object_set_new(acc, "rejected_by_reason", by);
    json_object_set_new(root, "accounting", acc);
    return root;
}

static DgStatus write_summary(const Ctx *x, const char *dir, long ordinal, DgOutFileDone *done, DgError *err)
{
    const DgScheme *s = x->s;
    const DgDataset *d = x->d;
    const DgAggregate *a = x->a;
    const DgPayouts *p = x->p;
    json_t *root = dg_output_summary_head(s, d);

    DgU128 raw = 0, aud = 0;
    for (size_t u = 0; u < s->n_units; u++) {
        raw += a->unit_raw_w[u];
        aud += a->unit_audited_w[u];
    }
    json_t *wl = json_object();
    json_object_set_new(wl, "raw", jdec_u128(raw, 4, 4));
    json_object_set_new(wl, "audited", jdec_u128(aud, 4, 4));
    json_object_set_new(wl, "in_no_pool", jdec_u128(a->unpooled_w, 4, 4));
    json_object_set_new(wl, "in_two_or_more_pools", jdec_u128(a->multi_pool_w, 4, 4));
    json_object_set_new(root, "workload", wl);

    json_t *pools = json_array();
    size_t nu = s->n_units;
    for (size_t k = 0; k < s->n_pools; k++) {
        const DgPool *pl = &s->pools[k];
        json_t *jp = json_object();
        json_object_set_new(jp, "id", json_string(pl->id));
        json_object_set_new(jp, "name", json_string(pl->name));
        json_object_set_new(jp, "budget", jdec(pl->budget, 2));
        json_object_set_new(jp, "paid", jdec(p->pool_total[k], 2));
        DgU128 pw = 0;
        size_t in_scope = 0, paid = 0;
        for (size_t u = 0; u < nu; u++) {
            if (!s->pool_unit[k * nu + u])
                continue;
            in_scope++;
            pw += a->pool_unit_w[k * nu + u];
            paid += p->payout[k * nu + u] > 0;
        }
        json_object_set_new(jp, "units_in_scope", json_integer((json_int_t)in_scope));
        json_object_set_new(jp, "units_paid", json_integer((json_int_t)paid));
        json_object_set_new(jp, "audited_workload", jdec_u128(pw, 4, 4));
        json_object_set_new(jp, "corrected_workload", jdec_u128(p->sum_c[k], 12, 4));
        char price[80];
        dg_allocate_unit_price(pl->budget, p->sum_c[k], price);
        json_object_set_new(jp, "unit_price", json_string(price));
        dg_cycle_pool_json(s, p, k, jp);
        json_array_append_new(pools, jp);
    }
    json_object_set_new(root, "pools", pools);
    json_object_set_new(root, "units", json_integer((json_int_t)nu));
    json_object_set_new(root, "flags", audit_summary(x));
    json_t *uc = json_array();
    for (size_t i = 0; i < d->n_unknown_columns; i++) {
        json_t *e = json_object();
        dg_json_path_set(e, "column", d->unknown_columns[i]);
        dg_json_path_set(e, "file", d->files[d->unknown_column_file[i]]);
        json_array_append_new(uc, e);
    }
    json_object_set_new(root, "unknown_columns", uc);
    json_t *jw = json_array();
    const DgWarnings *wn = x->opt ? x->opt->warnings : NULL;
    for (size_t i = 0; wn && i < wn->n; i++)
        json_array_append_new(jw, jtext(wn->text[i]));
    json_object_set_new(root, "warnings", jw);
    json_t *cyc;
    if ((cyc = dg_cycle_appeals_json(s, d, x->au, a, p, x->opt)))
        json_object_set_new(root, "appeals", cyc);
    if ((cyc = dg_cycle_settlement_json(s, p)))
        json_object_set_new(root, "settlement", cyc);
    json_t *reg = dg_output_registry_summary(s, p);
    if (reg)
        json_object_set_new(root, "registry", reg);

    return write_json_take(dir, "summary.json", root, ordinal, done, err);
}

static void x_payouts(const void *x, DgCsvOut *w) { w_payouts(x, w); }
static void x_units(const void *x, DgCsvOut *w) { w_units(x, w); }
static void x_items(const void *x, DgCsvOut *w) { w_items(x, w); }
static void x_staff(const void *x, DgCsvOut *w) { w_staff(x, w); }
static void x_flags(const void *x, DgCsvOut *w) { w_flags(x, w); }
static void x_rejects(const void *x, DgCsvOut *w) { dg_output_rejects_fill(((const Ctx *)x)->d, w); }
static void x_settlement(const void *x, DgCsvOut *w) { w_settlement(x, w); }
static bool has_settlement(const void *x) { return ((const Ctx *)x)->s->advances_path != NULL; }
static void x_rejects_w(const Ctx *x, DgCsvOut *w) { dg_output_rejects_fill(x->d, w); }
static void x_quality_w(const Ctx *x, DgCsvOut *w) { dg_output_quality_fill(x->s, x->p, w); }
static void x_quality(const void *x, DgCsvOut *w) { dg_output_quality_fill(((const Ctx *)x)->s, ((const Ctx *)x)->p, w); }

/* payouts.xlsx: one sheet per table, filled by the CSV writers above; an
 * optional table (settlement) has a `present` test and is a sheet only when
 * the run writes the CSV. */
static DgStatus write_workbook(const Ctx *x, const char *dir, const DgOutputOptions *opt, long ordinal,
                               DgOutFileDone *done, DgError *err)
{
    static const DgXlsxSheet sheets[] = {
        {.name = "拨付 payouts", .csv = "payouts.csv", .fill = x_payouts, .group_col = "pool_id", .sum_col = "payout"},
        {.name = "单位 units", .csv = "units.csv", .fill = x_units},
        {.name = "项目 items", .csv = "items.csv", .fill = x_items},
        {.name = "人员 staff", .csv = "staff.csv", .fill = x_staff},
        {.name = "核查标记 flags", .csv = "flags.csv", .fill = x_flags, .detail = true},
        {.name = "拒收 rejects", .csv = "rejects.csv", .fill = x_rejects, .detail = true},
        {.name = "质量 quality", .csv = "quality.csv", .fill = x_quality},
        {.name = "结算 settlement", .csv = "settlement.csv", .fill = x_settlement, .present = has_settlement},
    };
    int y, m, d;
    dg_date_to_ymd(x->s->period_to, &y, &m, &d);
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    return dg_xlsxout_write(dir, "payouts.xlsx", sheets, sizeof sheets / sizeof sheets[0], x, timegm(&tm),
                            opt && opt->xlsx_rows ? opt->xlsx_rows : DG_XLSX_DETAIL_ROWS, ordinal, done, err);
}

/* One output file of a run: a task of the output stage. */
typedef enum { J_CSV, J_SUMMARY, J_WORKBOOK, J_HTML } JobKind;
typedef struct Job {
    const char *name;
    JobKind kind;
    Writer fn;        /* J_CSV */
    unsigned cost;    /* rough size, to start the longest first */
    long ordinal;     /* fault-counter number: the fixed order */
    DgStatus st;
    DgError err;
    DgOutFileDone done;
    uint64_t us, us_cpu;
} Job;

/* CPU time of the calling thread (user + system), microseconds. */
static uint64_t thread_cpu_us(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0)
        return 0;
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static DgStatus run_job(Job *j, const Ctx *x, const char *dir)
{
    const DgOutputOptions *opt = x->opt;
    switch (j->kind) {
    case J_CSV:
        return write_csv(dir, j->name, opt, j->fn, x, j->ordinal, &j->done, &j->err);
    case J_SUMMARY:
        return write_summary(x, dir, j->ordinal, &j->done, &j->err);
    case J_WORKBOOK:
        return write_workbook(x, dir, opt, j->ordinal, &j->done, &j->err);
    case J_HTML:
        return dg_output_html_file(x->s, x->d, x->au, x->a, x->p, dir, opt, j->ordinal, &j->done, &j->err);
    }
    return DG_E_INTERNAL;
}

DgStatus dg_output_run(const DgScheme *s, const DgDataset *d, const DgAudit *au, const DgAggregate *a,
                       const DgPayouts *p, const char *dir, const DgOutputOptions *opt, DgError *err)
{
    uint64_t t0 = mono_us();
    Ctx x = {.s = s, .d = d, .au = au, .a = a, .p = p, .opt = opt};
    /* the fixed order (errors and the fault counter follow it) */
    Job jobs[DG_OUTPUT_MAX_FILES];
    size_t n = 0;
    jobs[n++] = (Job){.name = "rejects.csv", .kind = J_CSV, .fn = x_rejects_w, .cost = 3};
    jobs[n++] = (Job){.name = "payouts.csv", .kind = J_CSV, .fn = w_payouts, .cost = 2};
    jobs[n++] = (Job){.name = "units.csv", .kind = J_CSV, .fn = w_units, .cost = 1};
    jobs[n++] = (Job){.name = "items.csv", .kind = J_CSV, .fn = w_items, .cost = 4};
    jobs[n++] = (Job){.name = "staff.csv", .kind = J_CSV, .fn = w_staff, .cost = 4};
    jobs[n++] = (Job){.name = "flags.csv", .kind = J_CSV, .fn = w_flags, .cost = 6};
    if (s->advances_path)
        jobs[n++] = (Job){.name = "settlement.csv", .kind = J_CSV, .fn = w_settlement, .cost = 0};
    jobs[n++] = (Job){.name = "quality.csv", .kind = J_CSV, .fn = x_quality_w, .cost = 1};
    jobs[n++] = (Job){.name = "summary.json", .kind = J_SUMMARY, .cost = 2};
    if (!(opt && opt->no_xlsx))
        jobs[n++] = (Job){.name = "payouts.xlsx", .kind = J_WORKBOOK, .cost = 9};
    jobs[n++] = (Job){.name = "report.html", .kind = J_HTML, .cost = 5};
    long first = dg_outfile_reserve((long)n);
    size_t order[DG_OUTPUT_MAX_FILES];
    for (size_t i = 0; i < n; i++) {
        jobs[i].ordinal = first + (long)i;
        jobs[i].st = DG_OK;
        order[i] = i;
    }
    /* largest first (list scheduling: the workbook compresses every table
     * and takes longest, flags has a line per flag, the report and
     * items/staff grow with units x codes and staff), ties in the fixed
     * order (insertion sort: n <= 16) */
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && jobs[order[k]].cost > jobs[order[k - 1]].cost; k--) {
            size_t t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    /* failed: the lowest fixed-order index that failed so far; a job after
     * it is skipped (its error could not be the one reported), a job
     * before it still runs, so the error reported is always that of the
     * first failing file in the fixed order */
    atomic_size_t failed = n;
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t i = 0; i < n; i++) {
        size_t k = order[i];
        if (atomic_load(&failed) < k)
            continue;
        uint64_t j0 = mono_us(), c0 = thread_cpu_us();
        jobs[k].st = run_job(&jobs[k], &x, dir);
        jobs[k].us = mono_us() - j0;
        jobs[k].us_cpu = thread_cpu_us() - c0 + jobs[k].done.us_cpu_other; /* + its tasks on other threads */
        if (jobs[k].st != DG_OK) {
            size_t f = atomic_load(&failed);
            while (k < f && !atomic_compare_exchange_weak(&failed, &f, k))
                ;
        }
    }
    if (failed < n) {
        *err = jobs[failed].err;
        return jobs[failed].st;
    }
    if (opt && opt->written) {
        DgOutputFiles *w = opt->written;
        memset(w, 0, sizeof *w);
        for (size_t i = 0; i < n; i++) {
            DgOutputWritten *f = &w->file[w->n++];
            snprintf(f->name, sizeof f->name, "%s", jobs[i].name);
            memcpy(f->sha256, jobs[i].done.sha256, sizeof f->sha256);
            f->bytes = jobs[i].done.bytes;
            f->us_total = jobs[i].us;
            f->us_write = jobs[i].done.us_write;
            f->us_fsync = jobs[i].done.us_fsync;
            f->us_cpu = jobs[i].us_cpu;
        }
        w->us_wall = mono_us() - t0;
    }
    return DG_OK;
}

static int cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The files the manifest lists: `outputs` in their order, then every other
 * regular file in DIR (sorted by name, manifest.json itself excepted), so an
 * output added by any writer is hashed even if the caller's list lacks it. */
static GPtrArray *output_names(const char *dir, const char *const *outputs, size_t n_outputs)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < n_outputs; i++) {
        g_ptr_array_add(names, g_strdup(outputs[i]));
        g_hash_table_add(seen, (gpointer)outputs[i]);
    }
    GPtrArray *more = g_ptr_array_new_with_free_func(g_free);
    GDir *gd = g_dir_open(dir, 0, NULL);
    const char *n;
    while (gd && (n = g_dir_read_name(gd)) != NULL) {
        if (!strcmp(n, "manifest.json") || g_hash_table_contains(seen, n) || n[0] == '.')
            continue;
        char *p = g_build_filename(dir, n, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_REGULAR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
            g_ptr_array_add(more, g_strdup(n));
        g_free(p);
    }
    if (gd)
        g_dir_close(gd);
    g_ptr_array_sort(more, cmp_str);
    for (guint i = 0; i < more->len; i++)
        g_ptr_array_add(names, g_strdup(g_ptr_array_index(more, i)));
    g_ptr_array_free(more, TRUE);
    g_hash_table_destroy(seen);
    return names;
}


/* known: the digest computed while reading the file, or NULL/"" to hash it now */
static json_t *hash_entry(const char *path, const char *role, const char *known, DgStatus *st, DgError *err)
{
    char hex[65];
    if (*st != DG_OK)
        return NULL;
    if (known && known[0])
        memcpy(hex, known, sizeof hex);
    else if ((*st = dg_sha256_file(path, hex, err)) != DG_OK)
        return NULL;
    json_t *e = json_object();
    dg_json_path_set(e, "path", path);
    if (role)
        json_object_set_new(e, "role", json_string(role));
    json_object_set_new(e, "sha256", json_string(hex));
    return e;
}

DgStatus dg_output_manifest(const DgScheme *s, const DgDataset *d, const char *dir, const char *const *outputs,
                            size_t n_outputs, const DgRunMeta *meta, DgError *err)
{
    DgStatus st = DG_OK;
    json_t *root = json_object();
    json_object_set_new(root, "engine", json_string("dangliang"));
    json_object_set_new(root, "version", json_string(DG_VERSION));
    json_object_set_new(root, "command", json_string(meta && meta->command ? meta->command : "run"));
    if (meta && meta->build_commit)
        json_object_set_new(root, "build_commit", json_string(meta->build_commit));
    if (meta && meta->argv) {
        json_t *cl = json_array();
        for (size_t i = 0; i < meta->argc; i++)
            json_array_append_new(cl, jtext(meta->argv[i]));
        json_object_set_new(root, "command_line", cl);
    }
    if (meta && meta->option_names) {
        json_t *op = json_object();
        for (size_t i = 0; i < meta->n_options; i++)
            json_object_set_new(op, meta->option_names[i],
                                meta->option_values[i] ? jtext(meta->option_values[i]) : json_true());
        json_object_set_new(root, "options", op);
    }
    json_t *sch = json_array();
    json_t *e;
    if ((e = hash_entry(s->path, "scheme", NULL, &st, err)))
        json_array_append_new(sch, e);
    if ((e = hash_entry(s->catalog_path, "catalog", NULL, &st, err)))
        json_array_append_new(sch, e);
    if ((e = hash_entry(s->units_path, "units", NULL, &st, err)))
        json_array_append_new(sch, e);
    if (s->indicators_path && (e = hash_entry(s->indicators_path, "indicators", NULL, &st, err)))
        json_array_append_new(sch, e);
    if (s->appeals_path && (e = hash_entry(s->appeals_path, "appeals", NULL, &st, err)))
        json_array_append_new(sch, e);
    if (s->advances_path && (e = hash_entry(s->advances_path, "advances", NULL, &st, err)))
        json_array_append_new(sch, e);
    if (s->registry_path && (e = hash_entry(s->registry_path, "registry", NULL, &st, err)))
        json_array_append_new(sch, e);
    json_object_set_new(root, "scheme", sch);
    json_t *ins = json_array();
    for (size_t i = 0; i < d->n_files; i++)
        if ((e = hash_entry(d->files[i], NULL, d->input_sha256[i], &st, err)))
            json_array_append_new(ins, e);
    json_object_set_new(root, "inputs", ins);
    json_t *outs = json_array();
    GPtrArray *names = output_names(dir, outputs, n_outputs);
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        char *p = g_build_filename(dir, name, NULL);
        const char *known = NULL;
        for (size_t k = 0; meta && meta->written && k < meta->written->n; k++)
            if (!strcmp(meta->written->file[k].name, name))
                known = meta->written->file[k].sha256;
        if ((e = hash_entry(p, NULL, known, &st, err))) {
            json_object_del(e, "path_hex"); /* the folder's path: only the name is kept */
            dg_json_path_set(e, "path", name);
            json_array_append_new(outs, e);
        }
        g_free(p);
    }
    g_ptr_array_free(names, TRUE);
    json_object_set_new(root, "outputs", outs);
    json_object_set_new(root, "threads", json_integer(meta ? meta->threads : 0));
    json_t *t = json_object();
    if (meta) {
        json_object_set_new(t, "validate_ms", json_integer((json_int_t)meta->ms_validate));
        json_object_set_new(t, "validate_parse_ms", json_integer((json_int_t)(d->us_parse / 1000)));
        json_object_set_new(t, "validate_ids_ms", json_integer((json_int_t)(d->us_ids / 1000)));
        json_object_set_new(t, "validate_merge_ms", json_integer((json_int_t)(d->us_merge / 1000)));
        json_object_set_new(t, "audit_ms", json_integer((json_int_t)meta->ms_audit));
        json_object_set_new(t, "score_ms", json_integer((json_int_t)meta->ms_score));
        json_object_set_new(t, "quality_ms", json_integer((json_int_t)meta->ms_quality));
        json_object_set_new(t, "registry_ms", json_integer((json_int_t)meta->ms_registry));
        json_object_set_new(t, "write_ms", json_integer((json_int_t)meta->ms_write));
        json_object_set_new(t, "total_ms", json_integer((json_int_t)meta->ms_total));
        if (meta->written) {
            /* each output's task: bytes, and milliseconds in all, inside
             * write(2) (the workbook: closing it, i.e. the zip) and fsync(2) */
            json_t *fs = json_array();
            for (size_t k = 0; k < meta->written->n; k++) {
                const DgOutputWritten *f = &meta->written->file[k];
                json_t *jf = json_object();
                json_object_set_new(jf, "path", json_string(f->name));
                json_object_set_new(jf, "bytes", json_integer((json_int_t)f->bytes));
                json_object_set_new(jf, "ms", json_integer((json_int_t)(f->us_total / 1000)));
                json_object_set_new(jf, "write_ms", json_integer((json_int_t)(f->us_write / 1000)));
                json_object_set_new(jf, "fsync_ms", json_integer((json_int_t)(f->us_fsync / 1000)));
                json_object_set_new(jf, "cpu_ms", json_integer((json_int_t)(f->us_cpu / 1000)));
                json_array_append_new(fs, jf);
            }
            json_object_set_new(t, "files", fs);
        }
    }
    json_object_set_new(root, "timings", t);
    if (st != DG_OK) {
        json_decref(root);
        return st;
    }
    dg_fault_point("before-manifest");
    return write_json_take(dir, "manifest.json", root, 0, NULL, err);
}
