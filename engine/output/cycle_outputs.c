/*
 * Per-capita budgets, appeals and settlement in the outputs (cycle.h).
 *
 * Design: every figure is an exact integer difference or sum of what the
 * run already holds — B and the population from the scheme, advances per
 * pool × unit from the scheme, payouts from DgPayouts, and what the appeals
 * moved as (after − before) of two aggregates and two payout sets computed
 * by the same library functions on the audited quantities after and before
 * the appeals.  Money is fen throughout; a balance may be negative (money
 * to recover) and is formatted with its sign.
 */
#include "cycle.h"

#include <string.h>

#include "dangliang/appeals.h"
#include "htmlout.h"

static json_t *jfen(int64_t v)
{
    char b[64];
    dg_decimal_format(v, 2, b);
    return json_string(b);
}

static json_t *jw4(DgU128 v)
{
    char b[64];
    dg_decimal_format_u128(v, 4, 4, b);
    return json_string(b);
}

/* A signed workload difference a − b (10^-4), as a decimal string. */
static void wdiff(DgU128 a, DgU128 b, char *buf)
{
    if (a >= b) {
        dg_decimal_format_u128(a - b, 4, 4, buf);
    } else {
        buf[0] = '-';
        dg_decimal_format_u128(b - a, 4, 4, buf + 1);
    }
}

/* Σ advanced and Σ payouts of pool k over its units in scope. */
static void pool_sums(const DgScheme *s, const DgPayouts *p, size_t k, int64_t *adv, int64_t *paid)
{
    size_t nu = s->n_units;
    *adv = *paid = 0;
    for (size_t u = 0; u < nu; u++) {
        if (!s->pool_unit[k * nu + u])
            continue;
        *adv += s->advanced ? s->advanced[k * nu + u] : 0;
        *paid += p->payout[k * nu + u];
    }
}

void dg_cycle_pool_json(const DgScheme *s, const DgPayouts *p, size_t k, json_t *jp)
{
    const DgPool *pl = &s->pools[k];
    if (pl->per_capita != DG_NONE) {
        json_object_set_new(jp, "per_capita", jfen(pl->per_capita));
        json_object_set_new(jp, "population", json_integer((json_int_t)pl->population));
    }
    if (s->advanced) {
        int64_t adv, paid;
        pool_sums(s, p, k, &adv, &paid);
        json_object_set_new(jp, "advanced", jfen(adv));
        json_object_set_new(jp, "balance", jfen(paid - adv));
    }
}

json_t *dg_cycle_settlement_json(const DgScheme *s, const DgPayouts *p)
{
    if (!s->advanced)
        return NULL;
    size_t nu = s->n_units, owe = 0, due = 0;
    int64_t adv = 0, paid = 0, recover = 0;
    for (size_t k = 0; k < s->n_pools; k++)
        for (size_t u = 0; u < nu; u++) {
            if (!s->pool_unit[k * nu + u])
                continue;
            int64_t b = p->payout[k * nu + u] - s->advanced[k * nu + u];
            adv += s->advanced[k * nu + u];
            paid += p->payout[k * nu + u];
            owe += b < 0;
            due += b > 0;
            recover += b < 0 ? -b : 0;
        }
    json_t *j = json_object();
    json_object_set_new(j, "file", json_string(s->advances_path));
    json_object_set_new(j, "advance_rows", json_integer((json_int_t)s->n_advance_rows));
    json_object_set_new(j, "paid", jfen(paid));
    json_object_set_new(j, "advanced", jfen(adv));
    json_object_set_new(j, "balance", jfen(paid - adv));
    json_object_set_new(j, "to_pay", json_integer((json_int_t)due));
    json_object_set_new(j, "to_recover", json_integer((json_int_t)owe));
    json_object_set_new(j, "amount_to_recover", jfen(recover));
    return j;
}

void dg_cycle_settlement_csv(const DgScheme *s, const DgPayouts *p, DgCsvOut *w)
{
    static const char *const hdr[] = {"pool_id", "unit_id", "unit_name", "payout", "advanced", "balance", NULL};
    dg_csvout_header(w, hdr);
    size_t nu = s->n_units;
    for (size_t k = 0; k < s->n_pools; k++)
        for (size_t u = 0; u < nu; u++) {
            if (!s->pool_unit[k * nu + u])
                continue;
            int64_t pay = p->payout[k * nu + u], adv = s->advanced ? s->advanced[k * nu + u] : 0;
            char b[64];
            dg_csvout_text(w, s->pools[k].id);
            dg_csvout_text(w, s->units[u].id);
            dg_csvout_text(w, s->units[u].name);
            dg_decimal_format(pay, 2, b);
            dg_csvout_num(w, b);
            dg_decimal_format(adv, 2, b);
            dg_csvout_num(w, b);
            dg_decimal_format(pay - adv, 2, b);
            dg_csvout_num(w, b);
            dg_csvout_end(w);
        }
}

/* ---- appeals ------------------------------------------------------------------ */

/* Per unit: appeals decided on its flags ([u][0] overturn, [u][1] uphold). */
static uint64_t (*unit_appeals(const DgScheme *s, const DgDataset *d, const DgAudit *au))[2]
{
    uint64_t(*n)[2] = dg_xcalloc(s->n_units + 1, sizeof *n);
    for (size_t i = 0; au && i < au->n_flags; i++) {
        const DgFlag *f = &au->flags[i];
        if (f->appeal == DG_APPEAL_NONE)
            continue;
        n[dg_row_unit(d, &d->rows[f->row])][f->appeal == DG_APPEAL_OVERTURN ? 0 : 1]++;
    }
    return n;
}

static uint64_t unit_audited_qty(const DgAggregate *a, size_t u)
{
    uint64_t q = 0;
    for (size_t c = 0; c < a->n_catalog; c++)
        q += a->audited_qty[u * a->n_catalog + c];
    return q;
}

json_t *dg_cycle_appeals_json(const DgScheme *s, const DgDataset *d, const DgAudit *au, const DgAggregate *a,
                              const DgPayouts *p, const DgOutputOptions *opt)
{
    if (!s->appeals_path)
        return NULL;
    const DgAggregate *ba = opt ? opt->before_appeals_a : NULL;
    const DgPayouts *bp = opt ? opt->before_appeals_p : NULL;
    json_t *j = json_object();
    json_object_set_new(j, "file", json_string(s->appeals_path));
    json_object_set_new(j, "appeals", json_integer((json_int_t)s->n_appeals));
    json_t *by = json_object();
    uint64_t tot[2] = {0, 0};
    for (int c = 0; c < DG_CHECK_COUNT; c++) {
        json_t *e = json_object();
        uint64_t o = au ? au->appeals_by_check[c][0] : 0, h = au ? au->appeals_by_check[c][1] : 0;
        json_object_set_new(e, "overturn", json_integer((json_int_t)o));
        json_object_set_new(e, "uphold", json_integer((json_int_t)h));
        json_object_set_new(by, dg_check_name((DgCheck)c), e);
        tot[0] += o;
        tot[1] += h;
    }
    json_object_set_new(j, "by_check", by);
    json_object_set_new(j, "overturn", json_integer((json_int_t)tot[0]));
    json_object_set_new(j, "uphold", json_integer((json_int_t)tot[1]));
    json_object_set_new(j, "quantity_restored", json_integer(au ? (json_int_t)au->qty_restored : 0));
    size_t nu = s->n_units;
    if (ba) {
        DgU128 after = 0, before = 0;
        for (size_t u = 0; u < nu; u++) {
            after += a->unit_audited_w[u];
            before += ba->unit_audited_w[u];
        }
        char w[72];
        wdiff(after, before, w);
        json_object_set_new(j, "workload_restored", json_string(w));
    }
    uint64_t(*ua)[2] = unit_appeals(s, d, au);
    json_t *units = json_array();
    for (size_t u = 0; u < nu; u++) {
        bool moved = false;
        for (size_t k = 0; bp && k < s->n_pools && !moved; k++)
            moved = p->payout[k * nu + u] != bp->payout[k * nu + u];
        if (!ua[u][0] && !ua[u][1] && !moved)
            continue;
        json_t *e = json_object();
        json_object_set_new(e, "unit_id", json_string(s->units[u].id));
        json_object_set_new(e, "overturn", json_integer((json_int_t)ua[u][0]));
        json_object_set_new(e, "uphold", json_integer((json_int_t)ua[u][1]));
        if (ba) {
            char w[72];
            json_object_set_new(e, "quantity_restored",
                                json_integer((json_int_t)(unit_audited_qty(a, u) - unit_audited_qty(ba, u))));
            wdiff(a->unit_audited_w[u], ba->unit_audited_w[u], w);
            json_object_set_new(e, "workload_restored", json_string(w));
        }
        if (bp) {
            json_object_set_new(e, "payout_without_appeals", jfen(bp->unit_payout[u]));
            json_object_set_new(e, "payout", jfen(p->unit_payout[u]));
            json_object_set_new(e, "payout_change", jfen(p->unit_payout[u] - bp->unit_payout[u]));
            json_t *pools = json_array();
            for (size_t k = 0; k < s->n_pools; k++) {
                if (!s->pool_unit[k * nu + u])
                    continue;
                json_t *jp = json_object();
                char w[72];
                json_object_set_new(jp, "pool_id", json_string(s->pools[k].id));
                json_object_set_new(jp, "workload_without_appeals", jw4(ba->pool_unit_w[k * nu + u]));
                wdiff(a->pool_unit_w[k * nu + u], ba->pool_unit_w[k * nu + u], w);
                json_object_set_new(jp, "workload_restored", json_string(w));
                json_object_set_new(jp, "payout_without_appeals", jfen(bp->payout[k * nu + u]));
                json_object_set_new(jp, "payout_change", jfen(p->payout[k * nu + u] - bp->payout[k * nu + u]));
                json_array_append_new(pools, jp);
            }
            json_object_set_new(e, "pools", pools);
        }
        json_array_append_new(units, e);
    }
    free(ua);
    json_object_set_new(j, "units", units);
    return j;
}

/* ---- report.html ----------------------------------------------------------------- */

#define OUT(...) fprintf(fp, __VA_ARGS__)

static const char *money(int64_t fen, char *buf)
{
    char b[64];
    dg_decimal_format(fen, 2, b);
    dg_html_group(b, buf);
    return buf;
}

static const char *group_u(uint64_t v, char *buf)
{
    char b[32];
    snprintf(b, sizeof b, "%llu", (unsigned long long)v);
    dg_html_group(b, buf);
    return buf;
}

static const char *const check_zh[DG_CHECK_COUNT] = {"同一患者单日超次", "同一患者期内超次", "人员单日超工时"};

static void html_budgets(FILE *fp, const DgScheme *s)
{
    bool any = false;
    for (size_t k = 0; k < s->n_pools; k++)
        any = any || s->pools[k].per_capita != DG_NONE;
    if (!any)
        return;
    OUT("<h3>按人头核定的预算 <small>Per-capita budgets</small></h3>\n<div class=\"scroll-x\"><table class=\"t\">"
        "<thead><tr><th>资金池 Pool</th><th class=\"n\">人均标准（元）<br><small>per capita</small></th>"
        "<th class=\"n\">服务人口<br><small>Σ population in scope</small></th><th class=\"n\">预算 B（元）</th>"
        "</tr></thead><tbody>\n");
    for (size_t k = 0; k < s->n_pools; k++) {
        const DgPool *pl = &s->pools[k];
        if (pl->per_capita == DG_NONE)
            continue;
        char a[96], b[96], c[96];
        OUT("<tr><td><b>");
        dg_html_text(fp, pl->id);
        OUT("</b> ");
        dg_html_text(fp, pl->name);
        OUT("</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\"><b>%s</b></td></tr>\n",
            money(pl->per_capita, a), group_u((uint64_t)pl->population, b), money(pl->budget, c));
    }
    OUT("</tbody></table></div>\n<p class=\"hint\">B = 人均标准 × 范围内各单位 population 之和，精确到分。</p>\n");
}

static void html_settlement(FILE *fp, const DgScheme *s, const DgPayouts *p)
{
    if (!s->advanced)
        return;
    size_t nu = s->n_units, rows = 0;
    for (size_t k = 0; k < s->n_pools; k++)
        for (size_t u = 0; u < nu; u++)
            rows += s->pool_unit[k * nu + u];
    OUT("<h3>预拨与清算 <small>Advances and settlement</small></h3>\n<div class=\"scroll-x\"><table class=\"t\">"
        "<thead><tr><th>资金池 Pool</th><th class=\"n\">Σ拨付 Paid（元）</th><th class=\"n\">已预拨 Advanced（元）"
        "</th><th class=\"n\">清算差额 Balance（元）</th></tr></thead><tbody>\n");
    int64_t tp = 0, ta = 0;
    for (size_t k = 0; k < s->n_pools; k++) {
        int64_t adv, paid;
        pool_sums(s, p, k, &adv, &paid);
        char a[96], b[96], c[96];
        OUT("<tr><td><b>");
        dg_html_text(fp, s->pools[k].id);
        OUT("</b> ");
        dg_html_text(fp, s->pools[k].name);
        OUT("</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n%s\">%s</td></tr>\n", money(paid, a),
            money(adv, b), paid - adv < 0 ? " bad" : "", money(paid - adv, c));
        tp += paid;
        ta += adv;
    }
    char a[96], b[96], c[96];
    OUT("</tbody><tfoot><tr><td>合计 Total</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
        "</tr></tfoot></table></div>\n",
        money(tp, a), money(ta, b), money(tp - ta, c));
    OUT("<details%s><summary>各单位清算 <span class=\"muted\">Payout, advanced and balance of every unit (as in "
        "settlement.csv; a negative balance is to be recovered)</span></summary>\n<div class=\"scroll-x\">"
        "<table class=\"t\"><thead><tr><th>资金池 Pool</th><th>单位 Unit</th><th class=\"n\">拨付 Payout（元）</th>"
        "<th class=\"n\">已预拨 Advanced（元）</th><th class=\"n\">差额 Balance（元）</th></tr></thead><tbody>\n",
        rows <= 200 ? " open" : "");
    for (size_t k = 0; k < s->n_pools; k++)
        for (size_t u = 0; u < nu; u++) {
            if (!s->pool_unit[k * nu + u])
                continue;
            int64_t pay = p->payout[k * nu + u], adv = s->advanced[k * nu + u];
            OUT("<tr><td class=\"mono\">");
            dg_html_text(fp, s->pools[k].id);
            OUT("</td><td><span class=\"mono\">");
            dg_html_text(fp, s->units[u].id);
            OUT("</span> ");
            dg_html_text(fp, s->units[u].name);
            OUT("</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n%s\">%s</td></tr>\n",
                money(pay, a), money(adv, b), pay - adv < 0 ? " bad" : "", money(pay - adv, c));
        }
    OUT("</tbody></table></div></details>\n");
}

static void html_appeals(FILE *fp, const DgScheme *s, const DgDataset *d, const DgAudit *au, const DgAggregate *a,
                         const DgPayouts *p, const DgOutputOptions *opt)
{
    if (!s->appeals_path)
        return;
    const DgAggregate *ba = opt ? opt->before_appeals_a : NULL;
    const DgPayouts *bp = opt ? opt->before_appeals_p : NULL;
    char x[96], y[96];
    OUT("<h3>申诉 <small>Appeals</small></h3>\n<p>申诉文件 <code>");
    dg_html_text(fp, s->appeals_path);
    OUT("</code>：%s 条申诉，申诉成立（overturn）的核查标记不再核减，维持（uphold）的照旧；核查不重跑。"
        "共恢复数量 %s。</p>\n",
        group_u(s->n_appeals, x), group_u(au ? au->qty_restored : 0, y));
    OUT("<div class=\"scroll-x\"><table class=\"t\"><thead><tr><th>核查 Check</th><th class=\"n\">成立 overturn</th>"
        "<th class=\"n\">维持 uphold</th></tr></thead><tbody>\n");
    for (int c = 0; c < DG_CHECK_COUNT; c++)
        OUT("<tr><td>%s <span class=\"muted mono\">%s</span></td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
            check_zh[c], dg_check_name((DgCheck)c), group_u(au ? au->appeals_by_check[c][0] : 0, x),
            group_u(au ? au->appeals_by_check[c][1] : 0, y));
    OUT("</tbody></table></div>\n");
    uint64_t(*ua)[2] = unit_appeals(s, d, au);
    size_t nu = s->n_units;
    OUT("<div class=\"scroll-x\"><table class=\"t\"><thead><tr><th>单位 Unit</th><th class=\"n\">成立</th>"
        "<th class=\"n\">维持</th><th class=\"n\">恢复数量<br><small>quantity</small></th>"
        "<th class=\"n\">恢复工作量<br><small>workload</small></th><th class=\"n\">无申诉时拨付（元）<br><small>without "
        "appeals</small></th><th class=\"n\">拨付（元）<br><small>payout</small></th><th class=\"n\">变化（元）<br>"
        "<small>change</small></th></tr></thead><tbody>\n");
    for (size_t u = 0; u < nu; u++) {
        bool moved = false;
        for (size_t k = 0; bp && k < s->n_pools && !moved; k++)
            moved = p->payout[k * nu + u] != bp->payout[k * nu + u];
        if (!ua[u][0] && !ua[u][1] && !moved)
            continue;
        OUT("<tr><td><span class=\"mono\">");
        dg_html_text(fp, s->units[u].id);
        OUT("</span> ");
        dg_html_text(fp, s->units[u].name);
        OUT("</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>", (unsigned long long)ua[u][0],
            (unsigned long long)ua[u][1]);
        if (ba) {
            char w[72], g[160];
            wdiff(a->unit_audited_w[u], ba->unit_audited_w[u], w);
            dg_html_group(w, g);
            OUT("<td class=\"n\">%s</td><td class=\"n\">%s</td>",
                group_u(unit_audited_qty(a, u) - unit_audited_qty(ba, u), x), g);
        } else {
            OUT("<td></td><td></td>");
        }
        if (bp) {
            char z[96];
            int64_t ch = p->unit_payout[u] - bp->unit_payout[u];
            OUT("<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n%s\">%s%s</td>",
                money(bp->unit_payout[u], x), money(p->unit_payout[u], y), ch < 0 ? " bad" : "", ch > 0 ? "+" : "",
                money(ch, z));
        } else {
            OUT("<td></td><td></td><td></td>");
        }
        OUT("</tr>\n");
    }
    free(ua);
    OUT("</tbody></table></div>\n<p class=\"hint\">无申诉时拨付：同一次运行按申诉前的核定数量计算的拨付；"
        "变化包括其他单位申诉带来的份额变化（资金池总额不变）。flags.csv 的 appeal、appeal_note 两列逐条列出申诉结果。"
        "</p>\n");
}

void dg_cycle_html(FILE *fp, const DgScheme *s, const DgDataset *d, const DgAudit *au, const DgAggregate *a,
                   const DgPayouts *p, const DgOutputOptions *opt)
{
    bool per_capita = false;
    for (size_t k = 0; k < s->n_pools; k++)
        per_capita = per_capita || s->pools[k].per_capita != DG_NONE;
    if (!per_capita && !s->advanced && !s->appeals_path)
        return;
    OUT("<section id=\"cycle\" class=\"card\">\n<h2>预算、申诉与清算 <small>Budgets, appeals and settlement</small>"
        "</h2>\n");
    html_budgets(fp, s);
    html_appeals(fp, s, d, au, a, p, opt);
    html_settlement(fp, s, p);
    OUT("</section>\n");
}
