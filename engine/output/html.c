/*
 * report.html (docs/review.md): one self-contained page for the people who
 * check a run — managers of a medical community, finance officers, the
 * units themselves.  It must open from a USB stick on an offline PC, so
 * everything is inline (CSS, SVG charts, one small script) and nothing is
 * fetched; a Content-Security-Policy forbids every load and allows only
 * our own script, by its hash, so even a missed escape could not run code.
 *
 * Design:
 *   - Every figure is formatted from the same exact integers as the CSV
 *     files (money in fen, workloads in 10^-4, C in 10^-12), with the same
 *     rounding; thousands separators are inserted into the exact decimal
 *     string.  Chart geometry is integer arithmetic too, so the bytes are
 *     identical run to run and for any --threads (nothing here reads the
 *     clock or the manifest's timings).
 *   - Size and speed: the unit table is one row per unit, 200 displayed at
 *     a time; the drill-down (items, staff, per-pool figures, indicators,
 *     flags) and the unit × indicator matrix come from one compact JSON
 *     document (integers, no repeated names) in a <script
 *     type="application/json">, turned into tables only when opened.
 *     2,000 units with 1M rows: about 3.5 MB, interactive in Chromium.
 *   - Escaping: every input string goes through dg_html_text or
 *     dg_html_json_string (htmlout.h); the script sets textContent only.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "dangliang/allocate.h"
#include "dangliang/output.h"
#include "dangliang/registry.h"
#include "dangliang/score.h"
#include "cycle.h"
#include "htmlout.h"
#include "outfile.h"
#include "output_util.h"

#define TOP_UNITS 30       /* bars in the payout chart */
#define TOP_FLAGGED 20     /* rows in "units with most flagged workload" */
#define SAMPLE_REJECTS 20  /* rejected rows quoted in the page */
#define FLOOR_LIST 20      /* units named in the "below the floor" note */
#define MATRIX_OPEN_MAX 100 /* quality matrix starts expanded up to this many units */
#define PAGE_ROWS 200      /* unit rows shown at once (the rest: "show all"), so 2,000 units stay fast */
#define LABEL_CHARS 16     /* chart labels: unit names cut to this many characters */

static const char *const pool_colors[] = {"#2f6fb0", "#e07b39", "#3a9d5d", "#c44e52", "#8172b2",
                                          "#937860", "#d67fb8", "#7f8c8d", "#b5a33a", "#3fa7c4"};
#define N_COLORS (sizeof pool_colors / sizeof pool_colors[0])

typedef struct H {
    FILE *fp;
    const DgScheme *s;
    const DgDataset *d;
    const DgAudit *au;
    const DgAggregate *a;
    const DgPayouts *p;
    DgFlagStats fs;
    const DgWarnings *warn;
    char **files; /* d->files as shown (dg_output_file_names) */
    int wzeros; /* every workload (Σ quantity × equivalent, 10^-4) is a multiple of 10^wzeros */
} H;

#define OUT(...) fprintf(h->fp, __VA_ARGS__)

static void T(const H *h, const char *s)
{
    dg_html_text(h->fp, s);
}

/* ---- exact numbers, formatted for people ---------------------------------- */

typedef struct Num {
    char b[160];
} Num;

static Num grouped(const char *raw)
{
    Num n;
    dg_html_group(raw, n.b);
    return n;
}

static Num money(int64_t fen)
{
    char r[64];
    dg_decimal_format(fen, 2, r);
    return grouped(r);
}

static Num money_u(DgU128 fen)
{
    char r[64];
    dg_decimal_format_u128(fen, 2, 2, r);
    return grouped(r);
}

/* workload (or any non-negative value at 10^-from) with `to` decimals */
static Num wl(DgU128 v, int from, int to)
{
    char r[64];
    dg_decimal_format_u128(v, from, to, r);
    return grouped(r);
}

static Num fixed(int64_t v, int scale)
{
    Num n;
    dg_decimal_format(v, scale, n.b);
    return n;
}

static Num count(uint64_t v)
{
    char r[32];
    snprintf(r, sizeof r, "%llu", (unsigned long long)v);
    return grouped(r);
}

/* 100·n/d with `scale` decimals, "0.0…" when d == 0 */
static Num pct(DgU128 n, DgU128 d, int scale)
{
    Num x;
    dg_output_ratio(n * 100, d, scale, x.b);
    return x;
}

static Num trimmed(int64_t v, int scale)
{
    Num n;
    dg_decimal_format(v, scale, n.b);
    dg_html_trim_zeros(n.b);
    return n;
}

static Num date(int32_t day)
{
    Num n;
    dg_date_format(day, n.b);
    return n;
}

static const char *reason_zh(int r)
{
    static const char *const zh[DG_REASON_COUNT] = {"格式错误", "缺少必填字段", "数量无效", "日期无效",
                                                    "不在考核期内", "未知单位", "未知服务项目",
                                                    "项目当日未生效", "记录编号重复"};
    return (unsigned)r < DG_REASON_COUNT ? zh[r] : "";
}

static const char *check_zh(int c)
{
    static const char *const zh[DG_CHECK_COUNT] = {"同一患者单日超次数上限", "同一患者考核期超次数上限",
                                                   "医务人员单日工时超限"};
    return (unsigned)c < DG_CHECK_COUNT ? zh[c] : "";
}

/* Chinese label of the usual categories; other names are shown as given. */
static const char *category_zh(const char *c)
{
    if (!strcmp(c, "public_health"))
        return "基本公共卫生";
    if (!strcmp(c, "family_doctor"))
        return "家庭医生签约";
    if (!strcmp(c, "medical"))
        return "基本医疗";
    return NULL;
}

static void category_label(const H *h, const char *c)
{
    const char *zh = category_zh(c);
    if (zh)
        OUT("%s <span class=\"muted\">", zh);
    T(h, c);
    if (zh)
        OUT("</span>");
}

/* A unit name cut to LABEL_CHARS characters for chart labels. */
static void short_name(const H *h, const char *name)
{
    bool cut = false;
    size_t n = dg_html_utf8_prefix(name, LABEL_CHARS, &cut);
    dg_html_textn(h->fp, name, n);
    if (cut)
        OUT("…");
}

/* ---- SVG helpers ----------------------------------------------------------- */

/* Smallest 1-2-5 step so that at most 5 steps cover max. */
static DgU128 nice_step(DgU128 max)
{
    DgU128 step = 1;
    for (;;) {
        static const unsigned m[3] = {1, 2, 5};
        for (int i = 0; i < 3; i++)
            if ((max + step * m[i] - 1) / (step * m[i]) <= 5)
                return step * m[i];
        step *= 10;
    }
}

/* Bar length in px for v on an axis from 0 to max spanning len px. */
static unsigned bar_len(DgU128 v, DgU128 max, unsigned len)
{
    if (max == 0)
        return 0;
    while (max > ((DgU128)1 << 100)) {
        v >>= 8;
        max >>= 8;
    }
    return (unsigned)(v * len / max);
}

/* Axis label of v at 10^-scale: "1,200万" when v is a whole number of 万 (10^4), else grouped and trimmed. */
static Num axis_label(DgU128 v, int scale)
{
    char r[64];
    DgU128 wan = 1;
    for (int i = 0; i < scale + 4; i++)
        wan *= 10;
    if (v != 0 && v % wan == 0) {
        dg_decimal_format_u128(v / wan, 0, 0, r);
        Num n = grouped(r);
        strcat(n.b, "万");
        return n;
    }
    dg_decimal_format_u128(v, scale, scale, r);
    dg_html_trim_zeros(r);
    return grouped(r);
}

/* Vertical grid lines and their labels for an axis [0, axis_max]. */
static void svg_grid(const H *h, unsigned x0, unsigned len, unsigned y0, unsigned y1, DgU128 step, DgU128 axis_max,
                     int scale)
{
    for (DgU128 v = 0; v <= axis_max; v += step) {
        unsigned x = x0 + bar_len(v, axis_max, len);
        OUT("<line class=\"grid\" x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\"/>", x, y0, x, y1);
        OUT("<text class=\"tick\" x=\"%u\" y=\"%u\" text-anchor=\"middle\">%s</text>\n", x, y0 - 6,
            axis_label(v, scale).b);
    }
}

/* ---- sections -------------------------------------------------------------- */

static void csp_hash(char *out, size_t cap)
{
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    for (size_t i = 0; dg_html_js[i]; i++) {
        g_checksum_update(c, (const guchar *)dg_html_js[i], (gssize)strlen(dg_html_js[i]));
        g_checksum_update(c, (const guchar *)"\n", 1);
    }
    guint8 dig[32];
    gsize n = sizeof dig;
    g_checksum_get_digest(c, dig, &n);
    g_checksum_free(c);
    gchar *b64 = g_base64_encode(dig, n);
    snprintf(out, cap, "%s", b64);
    g_free(b64);
}

static void page_head(H *h)
{
    const DgScheme *s = h->s;
    char hash[64];
    csp_hash(hash, sizeof hash);
    OUT("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'sha256-%s'; base-uri 'none'; form-action 'none'\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"generator\" content=\"dangliang %s\">\n<title>",
        hash, DG_VERSION);
    T(h, s->id);
    OUT(" · 标化工作当量核算报告</title>\n<style>\n");
    dg_html_lines(h->fp, dg_html_css);
    OUT("</style>\n</head>\n<body>\n");
    OUT("<header class=\"top\"><div class=\"wrap\">\n"
        "<div class=\"kicker\">标化工作当量核算报告 <span>Workload-equivalent payout report</span></div>\n<h1>");
    T(h, s->title && *s->title ? s->title : s->id);
    OUT("</h1>\n<div class=\"meta\"><span>方案 Scheme <b>");
    T(h, s->id);
    OUT("</b></span><span>考核期 Period <b>%s — %s</b></span><span>引擎 Engine <b>dangliang %s</b></span></div>\n",
        date(s->period_from).b, date(s->period_to).b, DG_VERSION);
    OUT("</div></header>\n");
    OUT("<nav class=\"toc\"><div class=\"wrap\"><a href=\"#overview\">概览</a><a href=\"#pools\">资金池</a>"
        "<a href=\"#charts\">图表</a><a href=\"#units\">单位</a><a href=\"#quality\">质量指标</a>"
        "<a href=\"#data-quality\">数据质量</a></div></nav>\n<main class=\"wrap\">\n");
}

static void kpi(const H *h, const char *label, const char *en, const char *value, const char *note)
{
    OUT("<div class=\"kpi\"><div class=\"k\">%s <span>%s</span></div><div class=\"v\">%s</div>", label, en, value);
    if (note)
        OUT("<div class=\"note\">%s</div>", note);
    OUT("</div>\n");
}

static void overview(H *h)
{
    const DgScheme *s = h->s;
    const DgDataset *d = h->d;
    const DgAggregate *a = h->a;
    size_t nu = s->n_units;
    DgU128 budget = 0, paid = 0, raw = 0, aud = 0;
    for (size_t k = 0; k < s->n_pools; k++) {
        budget += (DgU128)s->pools[k].budget;
        paid += (DgU128)h->p->pool_total[k];
    }
    size_t in_scope = 0;
    for (size_t u = 0; u < nu; u++) {
        raw += a->unit_raw_w[u];
        aud += a->unit_audited_w[u];
        bool any = false;
        for (size_t k = 0; k < s->n_pools; k++)
            any = any || s->pool_unit[k * nu + u];
        in_scope += any;
    }
    OUT("<section id=\"overview\" class=\"card\">\n<h2>概览 <small>Overview</small></h2>\n<div class=\"kpis\">\n");
    char note[256];
    snprintf(note, sizeof note, "%s 个在资金池范围内", count(in_scope).b);
    kpi(h, "单位", "Units", count(nu).b, note);
    kpi(h, "服务记录", "Rows read", count(d->rows_read).b, NULL);
    snprintf(note, sizeof note, "%s%%", pct(d->rows_accepted, d->rows_read, 2).b);
    kpi(h, "已接收", "Accepted", count(d->rows_accepted).b, note);
    snprintf(note, sizeof note, "%s%%，见数据质量", pct(d->rows_rejected, d->rows_read, 2).b);
    kpi(h, "拒收", "Rejected", count(d->rows_rejected).b, note);
    uint64_t flagged = h->au ? h->au->rows_flagged : 0;
    snprintf(note, sizeof note, "%s%% 的接收记录", pct(flagged, d->rows_accepted, 2).b);
    kpi(h, "核查标记行", "Flagged rows", count(flagged).b, note);
    snprintf(note, sizeof note, "原始 %s", wl(raw, 4, 0).b);
    kpi(h, "核定工作量", "Audited workload", wl(aud, 4, 0).b, note);
    kpi(h, "资金总额（元）", "Budget", money_u(budget).b, NULL);
    kpi(h, "已分配（元）", "Paid", money_u(paid).b,
        budget == paid ? "<span class=\"okc\">✓ Σ拨付 = 预算，精确到分</span>" : "<span class=\"bad\">与预算不符</span>");
    OUT("</div>\n<dl class=\"facts\">\n<dt>服务日志 Logs</dt><dd>");
    for (size_t i = 0; i < d->n_files; i++) {
        OUT("%s<code>", i ? " " : "");
        T(h, h->files[i]);
        OUT("</code>");
    }
    OUT("</dd>\n<dt>方案文件 Scheme</dt><dd><code>");
    T(h, s->path);
    OUT("</code> <code>");
    T(h, s->catalog_path);
    OUT("</code> <code>");
    T(h, s->units_path);
    OUT("</code>");
    if (s->indicators_path) {
        OUT(" <code>");
        T(h, s->indicators_path);
        OUT("</code>");
    }
    OUT("</dd>\n<dt>调整系数 Adjustments</dt><dd>");
    if (!s->n_adjustments)
        OUT("无（A = 1.0000）");
    for (size_t i = 0; i < s->n_adjustments; i++) {
        OUT("%s<span class=\"tag\">", i ? " " : "");
        T(h, s->adjustments[i].tag);
        OUT(" ×%s</span>", fixed(s->adjustments[i].factor, 4).b);
    }
    OUT("</dd>\n<dt>真实性核查 Checks</dt><dd>按目录上限核减同一患者超次数服务");
    if (s->staff_day_minutes != DG_NONE)
        OUT("；医务人员单日标准工时上限 %lld 分钟（%s）", (long long)s->staff_day_minutes,
            s->staff_policy == DG_STAFF_EXCLUDE ? "exclude：超出部分核减" : "review：仅标记待复核，不核减");
    OUT("</dd>\n<dt>计算 Method</dt><dd>校正工作量 C = 核定工作量 W × 质量系数 Q × 调整系数 A；"
        "拨付 = 预算 × C / ΣC，按最大余数法精确分配到分</dd>\n</dl>\n</section>\n");
}

static void pool_scope(const H *h, const DgPool *pl)
{
    if (pl->scope_all) {
        OUT("全部单位 <span class=\"muted\">all</span>");
        return;
    }
    struct {
        const char *label;
        const char **v;
        size_t n;
    } parts[] = {{"区县", pl->counties, pl->n_counties},
                 {"医共体", pl->communities, pl->n_communities},
                 {"单位", pl->units, pl->n_units}};
    bool first = true;
    for (size_t i = 0; i < 3; i++) {
        if (!parts[i].n)
            continue;
        OUT("%s%s ", first ? "" : "；", parts[i].label);
        first = false;
        for (size_t j = 0; j < parts[i].n; j++) {
            OUT("%s", j ? "、" : "");
            T(h, parts[i].v[j]);
        }
    }
}

static void pools(H *h)
{
    const DgScheme *s = h->s;
    const DgPayouts *p = h->p;
    size_t nu = s->n_units;
    OUT("<section id=\"pools\" class=\"card\">\n<h2>资金池 <small>Funding pools</small></h2>\n"
        "<div class=\"scroll-x\"><table class=\"t\">\n<thead><tr><th>资金池 Pool</th><th>计入项目 Counts</th>"
        "<th>范围 Scope</th><th class=\"n\">单位 Units<br><small>范围内 / 获拨付</small></th>"
        "<th class=\"n\">核定工作量 W</th><th class=\"n\">校正工作量 ΣC</th><th class=\"n\">预算 Budget（元）</th>"
        "<th class=\"n\">Σ拨付 Paid（元）</th><th class=\"n\">当量单价<br><small>元/当量 yuan per equiv.</small></th>"
        "</tr></thead>\n<tbody>\n");
    DgU128 tb = 0, tp = 0;
    for (size_t k = 0; k < s->n_pools; k++) {
        const DgPool *pl = &s->pools[k];
        DgU128 w = 0;
        size_t sc = 0, paid = 0;
        for (size_t u = 0; u < nu; u++) {
            if (!s->pool_unit[k * nu + u])
                continue;
            sc++;
            paid += p->payout[k * nu + u] > 0;
            w += h->a->pool_unit_w[k * nu + u];
        }
        char price[80];
        dg_allocate_unit_price(pl->budget, p->sum_c[k], price);
        OUT("<tr><td><span class=\"sw\" style=\"background:%s\"></span><b>", pool_colors[k % N_COLORS]);
        T(h, pl->id);
        OUT("</b><br>");
        T(h, pl->name);
        OUT("</td><td>");
        for (size_t i = 0; i < pl->n_categories; i++) {
            OUT("%s<span class=\"tag\">", i ? " " : "");
            category_label(h, pl->categories[i]);
            OUT("</span>");
        }
        for (size_t i = 0; i < pl->n_items; i++) {
            OUT("%s<span class=\"tag mono\">", i || pl->n_categories ? " " : "");
            T(h, pl->items[i]);
            OUT("</span>");
        }
        OUT("</td><td class=\"nw\">");
        pool_scope(h, pl);
        OUT("</td><td class=\"n\">%s / %s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>", count(sc).b,
            count(paid).b, wl(w, 4, 4).b, wl(p->sum_c[k], 12, 4).b);
        OUT("<td class=\"n\">%s</td><td class=\"n\">%s%s</td><td class=\"n\"><b>%s</b></td></tr>\n",
            money(pl->budget).b, money(p->pool_total[k]).b,
            p->pool_total[k] == pl->budget ? " <span class=\"okc\">✓</span>" : "", grouped(price).b);
        tb += (DgU128)pl->budget;
        tp += (DgU128)p->pool_total[k];
    }
    OUT("</tbody>\n<tfoot><tr><td colspan=\"6\">合计 Total</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
        "<td></td></tr></tfoot>\n</table></div>\n",
        money_u(tb).b, money_u(tp).b);
    OUT("<p class=\"hint\">当量单价 = 预算 ÷ ΣC（元/当量，四舍五入至 4 位小数）；单位拨付 = 预算 × C ÷ ΣC，"
        "余下的分按余数从大到小逐分分配。</p>\n</section>\n");
}

/* A unit and its sort keys: sorted descending by k1, then k2, ties in unit_id order. */
typedef struct Ranked {
    DgU128 k1;
    uint64_t k2;
    size_t u;
} Ranked;

static int by_keys_desc(const void *x, const void *y)
{
    const Ranked *a = x, *b = y;
    if (a->k1 != b->k1)
        return a->k1 > b->k1 ? -1 : 1;
    if (a->k2 != b->k2)
        return a->k2 > b->k2 ? -1 : 1;
    return a->u < b->u ? -1 : a->u > b->u;
}

static void chart_payouts(H *h)
{
    const DgScheme *s = h->s;
    const DgPayouts *p = h->p;
    size_t nu = s->n_units, np = s->n_pools;
    Ranked *idx = dg_xmalloc((nu ? nu : 1) * sizeof *idx);
    for (size_t u = 0; u < nu; u++)
        idx[u] = (Ranked){.k1 = (DgU128)p->unit_payout[u], .u = u};
    qsort(idx, nu, sizeof *idx, by_keys_desc);
    size_t n = nu < TOP_UNITS ? nu : TOP_UNITS;
    OUT("<figure class=\"chart\">\n<figcaption>单位拨付金额（元，按资金池分段）<span>Payouts by unit");
    if (n < nu)
        OUT(", top %zu of %zu", n, nu);
    OUT("</span></figcaption>\n<div class=\"legend\">");
    for (size_t k = 0; k < np; k++) {
        OUT("<span><i style=\"background:%s\"></i>", pool_colors[k % N_COLORS]);
        T(h, s->pools[k].id);
        OUT("</span>");
    }
    OUT("</div>\n");
    DgU128 max = n ? idx[0].k1 : 0;
    DgU128 step = nice_step(max ? max : 1), axis = ((max ? max : 1) + step - 1) / step * step;
    const unsigned X0 = 300, L = 760, TOP = 28, ROW = 22, W = 1180;
    unsigned height = TOP + (unsigned)n * ROW + 6;
    OUT("<svg class=\"svgc\" viewBox=\"0 0 %u %u\" width=\"%u\" height=\"%u\" role=\"img\" "
        "aria-label=\"单位拨付金额 payouts by unit\">\n",
        W, height, W, height);
    svg_grid(h, X0, L, TOP, height - 4, step, axis, 2);
    for (size_t i = 0; i < n; i++) {
        size_t u = idx[i].u;
        unsigned y = TOP + (unsigned)i * ROW;
        OUT("<g><title>");
        T(h, s->units[u].id);
        OUT(" ");
        T(h, s->units[u].name);
        OUT("：%s 元</title>", money(p->unit_payout[u]).b);
        OUT("<text class=\"lbl\" x=\"%u\" y=\"%u\" text-anchor=\"end\"><tspan class=\"id\">", X0 - 8, y + 15);
        T(h, s->units[u].id);
        OUT("</tspan> ");
        short_name(h, s->units[u].name);
        OUT("</text>");
        DgU128 cum = 0;
        unsigned prev = 0;
        for (size_t k = 0; k < np; k++) {
            int64_t v = p->payout[k * nu + u];
            if (v <= 0)
                continue;
            cum += (DgU128)v;
            unsigned end = bar_len(cum, axis, L);
            if (end > prev)
                OUT("<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"15\" fill=\"%s\"/>", X0 + prev, y + 3, end - prev,
                    pool_colors[k % N_COLORS]);
            prev = end;
        }
        OUT("<text class=\"val\" x=\"%u\" y=\"%u\">%s</text></g>\n", X0 + prev + 6, y + 15,
            money(p->unit_payout[u]).b);
    }
    OUT("</svg>\n</figure>\n");
    free(idx);
}

static void chart_categories(H *h)
{
    const DgScheme *s = h->s;
    const DgAggregate *a = h->a;
    size_t ncat = s->n_categories, nc = s->n_catalog;
    DgU128 *raw = dg_xcalloc(ncat + 1, sizeof *raw), *aud = dg_xcalloc(ncat + 1, sizeof *aud);
    for (size_t u = 0; u < s->n_units; u++)
        for (size_t c = 0; c < nc; c++) {
            uint64_t q = a->qty[u * nc + c], aq = a->audited_qty[u * nc + c];
            if (!q)
                continue;
            uint64_t eq = (uint64_t)dg_aggregate_eq(s, (uint32_t)u, (uint32_t)c);
            raw[s->catalog[c].category_id] += (DgU128)q * eq;
            aud[s->catalog[c].category_id] += (DgU128)aq * eq;
        }
    DgU128 max = 0;
    for (size_t i = 0; i < ncat; i++)
        if (raw[i] > max)
            max = raw[i];
    DgU128 step = nice_step(max ? max : 1), axis = ((max ? max : 1) + step - 1) / step * step;
    OUT("<figure class=\"chart\">\n<figcaption>各类别工作量（当量）<span>Workload by category, raw vs audited"
        "</span></figcaption>\n<div class=\"legend\"><span><i class=\"raw\"></i>原始 raw</span>"
        "<span><i class=\"aud\"></i>核定 audited（核查后）</span></div>\n");
    const unsigned X0 = 300, L = 760, TOP = 28, ROW = 46, W = 1180;
    unsigned height = TOP + (unsigned)ncat * ROW + 6;
    OUT("<svg class=\"svgc\" viewBox=\"0 0 %u %u\" width=\"%u\" height=\"%u\" role=\"img\" "
        "aria-label=\"各类别工作量 workload by category\">\n",
        W, height, W, height);
    svg_grid(h, X0, L, TOP, height - 4, step, axis, 4);
    for (size_t i = 0; i < ncat; i++) {
        unsigned y = TOP + (unsigned)i * ROW;
        const char *zh = category_zh(s->categories[i]);
        OUT("<g><title>");
        T(h, s->categories[i]);
        OUT("：原始 %s，核定 %s</title>", wl(raw[i], 4, 4).b, wl(aud[i], 4, 4).b);
        OUT("<text class=\"lbl\" x=\"%u\" y=\"%u\" text-anchor=\"end\">", X0 - 8, y + 18);
        if (zh)
            OUT("%s", zh);
        else
            short_name(h, s->categories[i]);
        OUT("</text>");
        if (zh) {
            OUT("<text class=\"sub\" x=\"%u\" y=\"%u\" text-anchor=\"end\">", X0 - 8, y + 33);
            T(h, s->categories[i]);
            OUT("</text>");
        }
        unsigned lr = bar_len(raw[i], axis, L), la = bar_len(aud[i], axis, L);
        OUT("<rect class=\"raw\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"16\"/>", X0, y + 5, lr);
        OUT("<text class=\"val\" x=\"%u\" y=\"%u\">%s</text>", X0 + lr + 6, y + 18, wl(raw[i], 4, 0).b);
        OUT("<rect class=\"aud\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"16\"/>", X0, y + 23, la);
        OUT("<text class=\"val\" x=\"%u\" y=\"%u\">%s</text></g>\n", X0 + la + 6, y + 36, wl(aud[i], 4, 0).b);
    }
    OUT("</svg>\n</figure>\n");
    free(raw);
    free(aud);
}

static void charts(H *h)
{
    OUT("<section id=\"charts\" class=\"card\">\n<h2>图表 <small>Charts</small></h2>\n<div class=\"charts\">\n");
    chart_payouts(h);
    chart_categories(h);
    OUT("</div>\n</section>\n");
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* <option>s of the distinct values of one unit field, in byte order. */
static void options(H *h, size_t field)
{
    const DgScheme *s = h->s;
    size_t nu = s->n_units, n = 0;
    const char **v = dg_xmalloc((nu ? nu : 1) * sizeof *v);
    for (size_t u = 0; u < nu; u++)
        v[n++] = field ? s->units[u].county : s->units[u].community;
    qsort(v, n, sizeof *v, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i && !strcmp(v[i], v[i - 1]))
            continue;
        OUT("<option value=\"");
        T(h, v[i]);
        OUT("\">");
        T(h, v[i]);
        OUT("</option>");
    }
    free(v);
}

static void units_table(H *h)
{
    const DgScheme *s = h->s;
    const DgAggregate *a = h->a;
    const DgPayouts *p = h->p;
    size_t nu = s->n_units, np = s->n_pools;
    OUT("<section id=\"units\" class=\"card\">\n<h2>单位 <small>Units</small></h2>\n<div class=\"controls\">"
        "<input id=\"f-text\" type=\"search\" placeholder=\"搜索 编码 / 名称 / 医共体 / 区县　Search\" "
        "aria-label=\"搜索单位 filter units\">"
        "<select id=\"f-county\" aria-label=\"区县 county\"><option value=\"\">全部区县 All counties</option>");
    options(h, 1);
    OUT("</select><select id=\"f-comm\" aria-label=\"医共体 community\"><option value=\"\">全部医共体 All communities"
        "</option>");
    options(h, 0);
    OUT("</select><span id=\"f-count\" class=\"count\">显示 %zu / %zu 个单位</span></div>\n",
        nu < PAGE_ROWS ? nu : (size_t)PAGE_ROWS, nu);
    OUT("<p class=\"hint\">点击表头排序；点击单位行展开明细（系数、各资金池、质量指标、服务项目、医务人员、核查标记）。"
        "Click a column header to sort, a row to drill down.</p>\n");
    OUT("<div class=\"scroll\"><table id=\"unit-table\" class=\"t units\" data-page=\"%d\">\n<thead><tr>"
        "<th data-type=\"text\" tabindex=\"0\">编码<br><small>Unit</small></th>"
        "<th data-type=\"text\" tabindex=\"0\">名称<br><small>Name</small></th>"
        "<th data-type=\"num\" tabindex=\"0\" class=\"tot\">合计拨付<br><small>Total 元</small></th>"
        "<th data-type=\"num\" tabindex=\"0\" class=\"q\">质量系数<br><small>Q</small></th>"
        "<th data-type=\"num\" tabindex=\"0\" class=\"a\">调整系数<br><small>A</small></th>"
        "<th data-type=\"text\" tabindex=\"0\">医共体<br><small>Community</small></th>"
        "<th data-type=\"text\" tabindex=\"0\">区县<br><small>County</small></th>"
        "<th data-type=\"num\" tabindex=\"0\">等级<br><small>Tier</small></th>"
        "<th data-type=\"num\" tabindex=\"0\">原始工作量<br><small>Raw W</small></th>"
        "<th data-type=\"num\" tabindex=\"0\">核定工作量<br><small>Audited W</small></th>"
        "<th data-type=\"num\" tabindex=\"0\">标记行<br><small>Flagged</small></th>",
        PAGE_ROWS);
    for (size_t k = 0; k < np; k++) {
        OUT("<th data-type=\"num\" tabindex=\"0\" class=\"pool\" title=\"");
        T(h, s->pools[k].name);
        OUT("\"><span class=\"sw\" style=\"background:%s\"></span>", pool_colors[k % N_COLORS]);
        T(h, s->pools[k].id);
        OUT("<br><small>拨付 元</small></th>");
    }
    OUT("</tr></thead>\n<tbody>\n");
    DgU128 sraw = 0, saud = 0;
    uint64_t sflag = 0;
    for (size_t u = 0; u < nu; u++) {
        const DgUnit *un = &s->units[u];
        /* optional </td> and </tr> left out (HTML5): 2,000 rows are 200 KB lighter */
        OUT("<tr class=\"unit-row\" data-i=\"%zu\"%s><td>", u, u < PAGE_ROWS ? "" : " hidden");
        T(h, un->id);
        OUT("<td>");
        T(h, un->name);
        /* the total, Q and A beside the name: on screen at any width and on paper */
        OUT("<td class=\"tot\">%s", money(p->unit_payout[u]).b);
        OUT("<td%s>%s<td>%s", p->q_rule[u] == DG_QRULE_FLOOR ? " class=\"bad\"" : "", fixed(p->q[u], 4).b,
            fixed(p->a[u], 4).b);
        OUT("<td>");
        T(h, un->community);
        OUT("<td>");
        T(h, un->county);
        OUT("<td>%d<td>%s<td>%s<td>%s", un->tier, wl(a->unit_raw_w[u], 4, 4).b, wl(a->unit_audited_w[u], 4, 4).b,
            count(h->fs.rows[u]).b);
        for (size_t k = 0; k < np; k++) {
            if (s->pool_unit[k * nu + u])
                OUT("<td>%s", money(p->payout[k * nu + u]).b);
            else
                OUT("<td>"); /* out of the pool's scope: CSS shows a dash */
        }
        OUT("\n");
        sraw += a->unit_raw_w[u];
        saud += a->unit_audited_w[u];
        sflag += h->fs.rows[u];
    }
    DgU128 all = 0;
    for (size_t k = 0; k < np; k++)
        all += (DgU128)p->pool_total[k];
    /* one cell per column (no colspan), so the print stylesheet can hide columns by position */
    OUT("</tbody>\n<tfoot><tr><td></td><td>合计 Total（全部 %zu 个单位）</td><td class=\"tot\">%s</td><td></td><td></td>"
        "<td></td><td></td><td></td><td>%s</td><td>%s</td><td>%s</td>",
        nu, money_u(all).b, wl(sraw, 4, 4).b, wl(saud, 4, 4).b, count(sflag).b);
    for (size_t k = 0; k < np; k++)
        OUT("<td>%s</td>", money(p->pool_total[k]).b);
    OUT("</tr></tfoot>\n</table></div>\n");
    OUT("<div class=\"more\"><button id=\"f-more\" type=\"button\"%s>显示全部 %zu 个单位 Show all</button></div>\n"
        "</section>\n",
        nu > PAGE_ROWS ? "" : " hidden", nu);
}

static const char *ach_class(int64_t a)
{
    if (a < 0)
        return "miss";
    if (a >= 1000000)
        return "ok";
    return a >= 800000 ? "mid" : "low";
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static void chart_q(H *h)
{
    const DgScheme *s = h->s;
    const DgPayouts *p = h->p;
    size_t bins[11] = {0};
    for (size_t u = 0; u < s->n_units; u++) {
        int64_t q = p->q_raw[u];
        size_t b = q >= 10000 ? 10 : q < 0 ? 0 : (size_t)(q / 1000);
        bins[b]++;
    }
    size_t max = 1;
    for (int b = 0; b < 11; b++)
        if (bins[b] > max)
            max = bins[b];
    const unsigned X0 = 30, BW = 46, H0 = 150, TOP = 18, W = X0 + 11 * BW + 10;
    OUT("<figure class=\"chart small\">\n<figcaption>质量系数分布（计算值）<span>Units by computed Q");
    if (s->floor != DG_NONE)
        OUT("; red: below floor %s", fixed(s->floor, 4).b);
    OUT("</span></figcaption>\n<svg class=\"svgc\" viewBox=\"0 0 %u %u\" width=\"%u\" height=\"%u\" role=\"img\" "
        "aria-label=\"质量系数分布 distribution of Q\">\n",
        W, TOP + H0 + 40, W, TOP + H0 + 40);
    OUT("<line class=\"axis\" x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\"/>\n", X0, TOP + H0, W - 10, TOP + H0);
    for (int b = 0; b < 11; b++) {
        unsigned bh = (unsigned)(bins[b] * (H0 - 14) / max), x = X0 + (unsigned)b * BW;
        int64_t hi = b == 10 ? 10001 : (int64_t)(b + 1) * 1000;
        const char *cls = b == 10 ? "qfull" : (s->floor != DG_NONE && hi <= s->floor) ? "qlow" : "qmid";
        OUT("<g><title>%zu 个单位</title><rect class=\"%s\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\"/>", bins[b],
            cls, x + 6, TOP + H0 - bh, BW - 12, bh);
        OUT("<text class=\"val\" x=\"%u\" y=\"%u\" text-anchor=\"middle\">%zu</text>", x + BW / 2, TOP + H0 - bh - 4,
            bins[b]);
        if (b == 10)
            OUT("<text class=\"tick\" x=\"%u\" y=\"%u\" text-anchor=\"middle\">1.0</text></g>\n", x + BW / 2,
                TOP + H0 + 16);
        else
            OUT("<text class=\"tick\" x=\"%u\" y=\"%u\" text-anchor=\"middle\">%d.%d–%d.%d</text></g>\n",
                x + BW / 2, TOP + H0 + 16, b / 10, b % 10, (b + 1) / 10, (b + 1) % 10);
    }
    OUT("<text class=\"tick\" x=\"%u\" y=\"%u\" text-anchor=\"middle\">Q（四舍五入前区间 bins of 0.1）</text>\n",
        X0 + 11 * BW / 2, TOP + H0 + 34);
    OUT("</svg>\n</figure>\n");
}

/* One sentence per computed indicator: how N and D are counted, and the
 * totals over the units paid by some pool. */
static void computed_rules(H *h)
{
    const DgScheme *s = h->s;
    const DgPayouts *p = h->p;
    const DgQualityValues *qv = p->qv;
    size_t nu = s->n_units, ni = p->n_indicators;
    if (!s->n_computed || !qv)
        return;
    OUT("<div class=\"scroll-x\"><table class=\"t\">\n<thead><tr><th>计算指标 Computed indicator</th>"
        "<th>分母 D</th><th>分子 N</th><th class=\"n\">Σ N / Σ D</th><th class=\"n\">次数不足<br><small>&lt; min</small></th>"
        "<th class=\"n\">季度不足<br><small>quarters</small></th><th class=\"n\">缺标记<br><small>no flag</small></th>"
        "</tr></thead>\n<tbody>\n");
    for (size_t k = 0; k < ni; k++) {
        const DgIndicator *ind = &s->indicators[k];
        const DgCompute *cp = ind->compute;
        if (!cp)
            continue;
        OUT("<tr><td><b>");
        T(h, ind->name);
        OUT("</b><br><span class=\"mono muted\">");
        T(h, ind->id);
        OUT("</span></td><td>");
        if (cp->of_population) {
            OUT("单位常住人口 population");
        } else {
            OUT("登记人员");
            for (size_t f = 0; f < s->n_reg_flags; f++)
                if (cp->of_mask & (1u << f)) {
                    OUT(" · ");
                    T(h, s->reg_flags[f]);
                    OUT("=1");
                }
        }
        OUT("</td><td>本单位登记人员");
        for (size_t f = 0; f < s->n_reg_flags; f++)
            if ((cp->count_mask | (cp->of_population ? 0 : cp->of_mask)) & (1u << f)) {
                OUT(" · ");
                T(h, s->reg_flags[f]);
                OUT("=1");
            }
        if (cp->has_services) {
            OUT("，本单位提供的核定服务（");
            for (size_t i = 0; i < cp->n_items; i++) {
                OUT("%s", i ? "、" : "");
                T(h, cp->items[i]);
            }
            for (size_t i = 0; i < cp->n_categories; i++) {
                OUT("%s", i || cp->n_items ? "、" : "");
                T(h, cp->categories[i]);
            }
            OUT("）≥ %lld 次", (long long)cp->min);
            if (cp->quarters)
                OUT("，分布于 ≥ %d 个季度", cp->quarters);
        }
        int64_t sn = 0, sd = 0, sm = 0, sq = 0, nf = 0;
        for (size_t u = 0; u < nu; u++) {
            bool paid = false;
            for (size_t q = 0; q < s->n_pools && !paid; q++)
                paid = s->pool_unit[q * nu + u];
            size_t c = u * ni + k;
            if (!paid || qv->den[c] <= 0)
                continue;
            sn += qv->num[c];
            sd += qv->den[c];
            sm += qv->n_short_min[c];
            sq += qv->n_short_quarters[c];
            nf += qv->n_no_flag[c];
        }
        OUT("</td><td class=\"n\">%s / %s", count((uint64_t)sn).b, count((uint64_t)sd).b);
        if (sd)
            OUT("<br><small>%s%%</small>", pct((DgU128)sn, (DgU128)sd, 2).b);
        OUT("</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n", count((uint64_t)sm).b,
            count((uint64_t)sq).b, count((uint64_t)nf).b);
    }
    OUT("</tbody></table></div>\n<p class=\"hint\">计算指标取值 = N ÷ D（精确分数），达成度由精确分数计算后保留 6 位小数；"
        "登记表 %s 人；接收记录中 %s 行的患者不在登记表内，%s 行由患者登记单位以外的单位提供（不计入任何单位的分子）。"
        "各单位名单见单位明细，逐项数字见 quality.csv。</p>\n",
        count(s->registry ? s->registry->n_persons : 0).b, count(qv->rows_unregistered).b, count(qv->rows_other_unit).b);
}

static void quality(H *h)
{
    const DgScheme *s = h->s;
    const DgPayouts *p = h->p;
    size_t nu = s->n_units, ni = p->n_indicators;
    OUT("<section id=\"quality\" class=\"card\">\n<h2>质量指标 <small>Quality indicators against targets</small></h2>\n");
    if (!s->has_quality || ni == 0) {
        OUT("<p>本方案未设质量指标，所有单位 Q = 1.0000。<span class=\"muted\">No quality section: Q = 1.0000 for "
            "every unit.</span></p>\n</section>\n");
        return;
    }
    OUT("<p class=\"hint\">达成度 a = min(实际值 ÷ 目标, 1)（越低越好的指标为 目标 ÷ 实际值），保留 6 位小数；"
        "Q = Σ 权重 × a ÷ Σ 权重，保留 4 位小数");
    if (s->floor != DG_NONE)
        OUT("；Q &lt; %s 时记为 0（本期不得分）", fixed(s->floor, 4).b);
    if (s->full_at != DG_NONE)
        OUT("；Q ≥ %s 时记为 1.0000", fixed(s->full_at, 4).b);
    OUT("；缺失值%s。</p>\n", s->missing_zero ? "按 0 计" : s->missing_skip ? "不计入该单位的 Q（skip）" : "视为错误");
    computed_rules(h);
    OUT("<div class=\"split q\"><div class=\"scroll-x\"><table class=\"t ind\">\n<thead><tr><th>指标 Indicator</th>"
        "<th class=\"n\">权重<br><small>weight</small></th><th class=\"n\">目标<br><small>target</small></th>"
        "<th>方向<br><small>better</small></th><th class=\"n\">达标单位<br>"
        "<small>a = 1</small></th><th class=\"n\">平均达成度<br><small>mean a</small></th>"
        "<th class=\"n\">中位数<br><small>median</small></th><th class=\"n\">最低<br><small>min</small></th>"
        "</tr></thead>\n<tbody>\n");
    int64_t *vals = dg_xmalloc((nu ? nu : 1) * sizeof *vals);
    for (size_t k = 0; k < ni; k++) {
        const DgIndicator *ind = &s->indicators[k];
        size_t n = 0, full = 0, missing = 0;
        DgU128 sum = 0;
        for (size_t u = 0; u < nu; u++) {
            int64_t ak = p->achievement[u * ni + k];
            if (ak < 0) {
                missing++;
                continue;
            }
            vals[n++] = ak;
            sum += (DgU128)ak;
            full += ak >= 1000000;
        }
        qsort(vals, n, sizeof *vals, cmp_i64);
        OUT("<tr><td><b>");
        T(h, ind->name);
        OUT("</b><br><span class=\"mono muted\">");
        T(h, ind->id);
        OUT("</span></td><td class=\"n\">%lld</td><td class=\"n\">%s</td><td>%s</td>", (long long)ind->weight,
            trimmed(ind->target, 6).b, ind->lower_is_better ? "越低越好" : "越高越好");
        OUT("<td class=\"n\">%zu / %zu</td>", full, n);
        if (n) {
            char mean[80];
            dg_output_ratio(sum, (DgU128)n * 1000000, 6, mean);
            OUT("<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\"><span class=\"pill %s\">%s</span>",
                mean, fixed(vals[(n - 1) / 2], 6).b, ach_class(vals[0]), fixed(vals[0], 6).b);
        } else {
            OUT("<td class=\"n\">—</td><td class=\"n\">—</td><td class=\"n\">—");
        }
        if (missing)
            OUT("<br><small class=\"bad\">缺失 %zu</small>", missing);
        OUT("</td></tr>\n");
    }
    free(vals);
    OUT("</tbody>\n</table></div>\n");
    chart_q(h);
    OUT("</div>\n");

    /* Units whose Q was changed by floor / full_at. */
    size_t n_floor = 0, n_full = 0;
    for (size_t u = 0; u < nu; u++) {
        n_floor += p->q_rule[u] == DG_QRULE_FLOOR;
        n_full += p->q_rule[u] == DG_QRULE_FULL_AT;
    }
    if (n_floor)
        OUT("<p class=\"warn\">%zu 个单位的 Q 低于下限 %s，记为 0，本期不参与分配：", n_floor, fixed(s->floor, 4).b);
    for (size_t u = 0, i = 0; n_floor && u < nu; u++) {
        if (p->q_rule[u] != DG_QRULE_FLOOR)
            continue;
        if (i == FLOOR_LIST) {
            OUT("…（其余见下表，最终 Q 为 0.0000）");
            break;
        }
        OUT("%s<a href=\"#units\" data-open=\"%zu\">", i++ ? "、" : "", u);
        T(h, s->units[u].id);
        OUT(" ");
        T(h, s->units[u].name);
        OUT("</a>（%s）", fixed(p->q_raw[u], 4).b);
    }
    if (n_floor)
        OUT("</p>\n");
    if (n_full)
        OUT("<p class=\"hint\">%zu 个单位的 Q 达到 %s，记为 1.0000。</p>\n", n_full, fixed(s->full_at, 4).b);

    /* The unit × indicator matrix: the script builds its rows from the
     * drill-down data (values and achievements are there already), which
     * keeps a 2,000-unit page from carrying them twice. */
    OUT("<details class=\"matrix\"%s><summary>各单位指标达成情况 <span class=\"muted\">Per unit: value "
        "(achievement)</span></summary>\n<div class=\"scroll\"><table class=\"t qm\" id=\"qm\">\n<thead><tr>"
        "<th>编码</th><th>名称</th>",
        nu <= MATRIX_OPEN_MAX ? " open" : "");
    for (size_t k = 0; k < ni; k++) {
        OUT("<th class=\"n\" title=\"");
        T(h, s->indicators[k].id);
        OUT("\">");
        T(h, s->indicators[k].name);
        OUT("<br><small>目标 %s</small></th>", trimmed(s->indicators[k].target, 6).b);
    }
    OUT("<th class=\"n\">计算 Q</th><th class=\"n\">最终 Q</th></tr></thead>\n<tbody></tbody></table></div>\n"
        "<noscript><p class=\"hint\">需要启用 JavaScript；各单位指标值见 indicators.csv。</p></noscript>\n"
        "</details>\n</section>\n");
}

static void data_quality(H *h)
{
    const DgScheme *s = h->s;
    const DgDataset *d = h->d;
    const DgAudit *au = h->au;
    size_t nu = s->n_units;
    OUT("<section id=\"data-quality\" class=\"card\">\n<h2>数据质量 <small>Data quality</small></h2>\n");
    OUT("<p class=\"hint\">读取 %s 行 = 接收 %s 行 + 拒收 %s 行。拒收行不计入工作量（逐行见 rejects.csv）；"
        "真实性核查标记的行保留在原始工作量中，超出上限的数量从核定工作量中核减（逐行见 flags.csv）。</p>\n",
        count(d->rows_read).b, count(d->rows_accepted).b, count(d->rows_rejected).b);
    OUT("<div class=\"split\">\n<div><h3>拒收原因 <small>Rejects by reason</small></h3>\n<table class=\"t\">"
        "<thead><tr><th>原因 Reason</th><th class=\"n\">行数 Rows</th><th class=\"n\">占读取 %%</th></tr></thead>"
        "<tbody>\n");
    for (int r = 0; r < DG_REASON_COUNT; r++)
        OUT("<tr%s><td>%s <span class=\"mono muted\">%s</span></td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
            "</tr>\n",
            d->by_reason[r] ? "" : " class=\"zero\"", reason_zh(r), dg_reason_name((DgReason)r),
            count(d->by_reason[r]).b, pct(d->by_reason[r], d->rows_read, 2).b);
    OUT("</tbody><tfoot><tr><td>合计</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr></tfoot></table></div>\n",
        count(d->rows_rejected).b, pct(d->rows_rejected, d->rows_read, 2).b);
    OUT("<div><h3>真实性核查 <small>Flags by check</small></h3>\n<table class=\"t\"><thead><tr><th>核查 Check</th>"
        "<th class=\"n\">标记 Flags</th><th class=\"n\">核减数量<br><small>qty removed</small></th>"
        "<th class=\"n\">核减工作量<br><small>workload removed</small></th></tr></thead><tbody>\n");
    DgU128 removed_all = 0;
    for (int c = 0; c < DG_CHECK_COUNT; c++) {
        uint64_t nf = au ? au->flags_by_check[c] : 0, ex = au ? au->excess_by_check[c] : 0;
        OUT("<tr%s><td>%s <span class=\"mono muted\">%s</span></td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
            "<td class=\"n\">%s</td></tr>\n",
            nf ? "" : " class=\"zero\"", check_zh(c), dg_check_name((DgCheck)c), count(nf).b, count(ex).b,
            wl(h->fs.total_removed[c], 4, 4).b);
        removed_all += h->fs.total_removed[c];
    }
    OUT("</tbody><tfoot><tr><td>标记行 rows flagged</td><td class=\"n\">%s</td><td></td><td class=\"n\">%s</td></tr>"
        "</tfoot></table></div>\n</div>\n",
        count(au ? au->rows_flagged : 0).b, wl(removed_all, 4, 4).b);

    /* units with flags, by flagged workload, then flagged rows */
    Ranked *idx = dg_xmalloc((nu ? nu : 1) * sizeof *idx);
    size_t n = 0;
    for (size_t u = 0; u < nu; u++)
        if (h->fs.rows[u])
            idx[n++] = (Ranked){.k1 = h->fs.flagged_w[u], .k2 = h->fs.rows[u], .u = u};
    qsort(idx, n, sizeof *idx, by_keys_desc);
    OUT("<h3>标记工作量最多的单位 <small>Units with most flagged workload");
    if (n > TOP_FLAGGED)
        OUT(", top %d of %zu", TOP_FLAGGED, n);
    OUT("</small></h3>\n");
    if (!n) {
        OUT("<p class=\"muted\">无核查标记。No flags.</p>\n");
    } else {
        OUT("<div class=\"scroll-x\"><table class=\"t\"><thead><tr><th>编码</th><th>名称</th>"
            "<th class=\"n\">标记行<br><small>rows</small></th><th class=\"n\">标记行工作量<br><small>flagged W"
            "</small></th>");
        for (int c = 0; c < DG_CHECK_COUNT; c++)
            OUT("<th class=\"n\">%s<br><small>标记 / 核减</small></th>", dg_check_name((DgCheck)c));
        OUT("<th class=\"n\">核减占原始 %%</th></tr></thead><tbody>\n");
        for (size_t i = 0; i < n && i < TOP_FLAGGED; i++) {
            size_t u = idx[i].u;
            DgU128 rem = 0;
            OUT("<tr><td><a href=\"#units\" data-open=\"%zu\">", u);
            T(h, s->units[u].id);
            OUT("</a></td><td>");
            T(h, s->units[u].name);
            OUT("</td><td class=\"n\">%s</td><td class=\"n\">%s</td>", count(h->fs.rows[u]).b,
                wl(h->fs.flagged_w[u], 4, 4).b);
            for (int c = 0; c < DG_CHECK_COUNT; c++) {
                DgU128 r = h->fs.removed[u * DG_CHECK_COUNT + c];
                rem += r;
                OUT("<td class=\"n\">%s / %s</td>", count(h->fs.flags[u * DG_CHECK_COUNT + c]).b, wl(r, 4, 4).b);
            }
            OUT("<td class=\"n\">%s</td></tr>\n", pct(rem, h->a->unit_raw_w[u], 2).b);
        }
        OUT("</tbody></table></div>\n");
    }
    free(idx);

    if (d->n_rejects) {
        size_t m = d->n_rejects < SAMPLE_REJECTS ? d->n_rejects : SAMPLE_REJECTS;
        OUT("<details><summary>拒收记录示例 <span class=\"muted\">First %zu of %zu rejected rows (all in rejects.csv)"
            "</span></summary>\n<div class=\"scroll-x\"><table class=\"t\"><thead><tr><th>文件:行</th>"
            "<th>record_id</th><th>原因</th><th>说明 detail</th></tr></thead><tbody>\n",
            m, d->n_rejects);
        for (size_t i = 0; i < m; i++) {
            const DgReject *r = &d->rejects[i];
            OUT("<tr><td class=\"mono\">");
            T(h, h->files[r->file]);
            OUT(":%llu</td><td class=\"mono\">", (unsigned long long)r->line);
            T(h, r->record_id);
            OUT("</td><td>%s</td><td>", reason_zh(r->reason));
            T(h, r->detail);
            OUT("</td></tr>\n");
        }
        OUT("</tbody></table></div>\n</details>\n");
    }
    OUT("</section>\n");
}

/* ---- drill-down data ---------------------------------------------------------
 * One JSON document read by the script (layout documented there):
 * {"pools":[[id,name]…], "codes":[[code,name,category]…], "inds":[[id,name,weight,target,lower]…],
 *  "adj":[[tag,factor]…], "floor":…, "full":…, "u":[unit…]}                                            */

static void js_str(H *h, const char *s)
{
    dg_html_json_string(h->fp, s);
}

static void js_u64(H *h, uint64_t v)
{
    if (v < ((uint64_t)1 << 53))
        OUT("%llu", (unsigned long long)v);
    else
        OUT("\"%llu\"", (unsigned long long)v);
}

/* An exact decimal string ("1234.5600", "-0.01") as the integer count of its
 * last decimal place (12345600, -1): a JSON number while it is below 10^15
 * (exact in a double), else a string of digits.  The script puts the point
 * back with string operations, so nothing is ever rounded twice. */
static void js_digits(H *h, const char *dec)
{
    char b[80];
    size_t o = 0;
    bool neg = dec[0] == '-';
    for (const char *c = dec + neg; *c && o < sizeof b - 1; c++)
        if (*c != '.')
            b[o++] = *c;
    b[o] = 0;
    const char *p = b;
    while (p[0] == '0' && p[1])
        p++;
    if (strlen(p) < 16)
        OUT("%s%s", neg && strcmp(p, "0") ? "-" : "", p);
    else
        OUT("\"%s%s\"", neg ? "-" : "", p);
}

/* a workload (any scale) rounded to 10^-4, as an integer of 10^-4 */
static void js_w4(H *h, DgU128 v, int from)
{
    char r[64];
    dg_decimal_format_u128(v, from, 4, r);
    js_digits(h, r);
}

/* a workload of 10^-4 (a sum of quantity × equivalent) divided by 10^wzeros, exactly:
 * "21.4000" goes out as 214 when every equivalent has at most one decimal */
static void js_wl(H *h, DgU128 v)
{
    for (int i = 0; i < h->wzeros; i++)
        v /= 10;
    char r[64];
    dg_decimal_format_u128(v, 0, 0, r);
    js_digits(h, r);
}

/* The largest k <= 4 such that 10^k divides every equivalent of the catalog. */
static int equivalent_zeros(const DgScheme *s)
{
    int k = 4;
    for (size_t c = 0; c < s->n_catalog && k > 0; c++)
        for (int t = 0; t < 3; t++) {
            int64_t eq = s->catalog[c].eq[t], m = 1;
            for (int i = 0; i < k; i++)
                m *= 10;
            while (k > 0 && eq % m != 0) {
                k--;
                m /= 10;
            }
        }
    return k;
}

static void js_fen(H *h, int64_t fen)
{
    char r[64];
    dg_decimal_format(fen, 2, r);
    js_digits(h, r);
}

/* Length of the common prefix of the staff ids of unit u, cut back to a UTF-8 boundary. */
static size_t staff_prefix(const H *h, size_t u)
{
    const DgAggregate *a = h->a;
    uint32_t j0 = a->unit_staff_first[u], j1 = a->unit_staff_first[u + 1];
    if (j0 == j1)
        return 0;
    const char *first = dg_dataset_staff(h->d, a->staff_order[j0]);
    size_t n = strlen(first);
    for (uint32_t j = j0 + 1; j < j1 && n; j++) {
        const char *id = dg_dataset_staff(h->d, a->staff_order[j]);
        size_t k = 0;
        while (k < n && id[k] == first[k])
            k++;
        n = k;
    }
    while (n > 0 && ((unsigned char)first[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* u[12] of the drill-down, only when the scheme has computed indicators:
 * per indicator null (given) or [N, D, group, no flag, short of min, short
 * of quarters, [persons counted], [persons short]] — at most DRILL_PERSONS
 * ids in each list, in person_id order. */
#define DRILL_PERSONS 20
static void drill_computed(H *h, size_t u)
{
    const DgScheme *s = h->s;
    const DgQualityValues *qv = h->p->qv;
    size_t ni = h->p->n_indicators;
    if (!s->n_computed || !qv || !s->registry)
        return;
    const DgRegistry *reg = s->registry;
    OUT(",[");
    for (size_t k = 0; k < ni; k++) {
        OUT("%s", k ? "," : "");
        if (!s->indicators[k].compute) {
            OUT("null");
            continue;
        }
        size_t c = u * ni + k;
        OUT("[%lld,%lld,%lld,%lld,%lld,%lld,[", (long long)qv->num[c], (long long)qv->den[c], (long long)qv->n_group[c],
            (long long)qv->n_no_flag[c], (long long)qv->n_short_min[c], (long long)qv->n_short_quarters[c]);
        for (int want = 0; want < 2; want++) {
            size_t shown = 0;
            for (uint32_t pp = reg->unit_first[u]; pp < reg->unit_first[u + 1] && shown < DRILL_PERSONS; pp++) {
                uint8_t st = qv->status[(size_t)pp * ni + k];
                bool hit = want == 0 ? st == DG_QP_COUNTS : (st == DG_QP_SHORT_MIN || st == DG_QP_SHORT_QUARTERS);
                if (!hit)
                    continue;
                OUT("%s", shown ? "," : "");
                js_str(h, reg->person_id[pp]);
                shown++;
            }
            OUT(want == 0 ? "],[" : "]]");
        }
    }
    OUT("]");
}

/* The scheme part of the drill-down data: pools, codes, indicators,
 * adjustments, check names and the Q rule's floor and full marks. */
static void drill_scheme(H *h)
{
    const DgScheme *s = h->s;
    size_t np = s->n_pools, ni = h->p->n_indicators;
    OUT("<script type=\"application/json\" id=\"dl-data\">{\"pools\":[");
    for (size_t k = 0; k < np; k++) {
        OUT("%s[", k ? "," : "");
        js_str(h, s->pools[k].id);
        OUT(",");
        js_str(h, s->pools[k].name);
        OUT("]");
    }
    OUT("],\n\"codes\":[");
    for (size_t c = 0; c < s->n_codes; c++) {
        const DgCatalogRow *cr = &s->catalog[s->code_first[c]];
        OUT("%s[", c ? "," : "");
        js_str(h, cr->code);
        OUT(",");
        js_str(h, cr->name);
        OUT(",");
        const char *zh = category_zh(cr->category);
        js_str(h, zh ? zh : cr->category);
        OUT("]");
    }
    OUT("],\n\"inds\":[");
    for (size_t k = 0; k < ni; k++) {
        const DgIndicator *ind = &s->indicators[k];
        OUT("%s[", k ? "," : "");
        js_str(h, ind->id);
        OUT(",");
        js_str(h, ind->name);
        OUT(",%lld,\"%s\",%d]", (long long)ind->weight, trimmed(ind->target, 6).b, ind->lower_is_better ? 1 : 0);
    }
    OUT("],\n\"adj\":[");
    for (size_t i = 0; i < s->n_adjustments; i++) {
        OUT("%s[", i ? "," : "");
        js_str(h, s->adjustments[i].tag);
        OUT(",\"%s\"]", fixed(s->adjustments[i].factor, 4).b);
    }
    OUT("],\n\"checks\":[");
    for (int c = 0; c < DG_CHECK_COUNT; c++)
        OUT("%s\"%s\"", c ? "," : "", check_zh(c));
    OUT("],\"wz\":%d,\"floor\":", h->wzeros);
    if (s->floor != DG_NONE)
        OUT("\"%s\"", fixed(s->floor, 4).b);
    else
        OUT("null");
    OUT(",\"full\":");
    if (s->full_at != DG_NONE)
        OUT("\"%s\"", fixed(s->full_at, 4).b);
    else
        OUT("null");
}

/* A unit's pools in scope: k, W, C, weight, payout, won. */
static void drill_unit_pools(H *h, size_t u)
{
    const DgScheme *s = h->s;
    const DgAggregate *a = h->a;
    const DgPayouts *p = h->p;
    size_t nu = s->n_units, np = s->n_pools;
    bool first = true;
    for (size_t k = 0; k < np; k++) {
        if (!s->pool_unit[k * nu + u])
            continue;
        char wgt[80];
        dg_allocate_weight_format(p->c[k * nu + u], p->sum_c[k], wgt);
        OUT("%s%zu,", first ? "" : ",", k);
        js_wl(h, a->pool_unit_w[k * nu + u]);
        OUT(",");
        js_w4(h, p->c[k * nu + u], 12);
        OUT(",\"%s\",", wgt);
        js_fen(h, p->payout[k * nu + u]);
        OUT(",%d", p->won[k * nu + u] ? 1 : 0);
        first = false;
    }
}

/* A unit's indicators: value, achievement (10^-6). */
static void drill_unit_indicators(H *h, size_t u)
{
    const DgScheme *s = h->s;
    const DgPayouts *p = h->p;
    size_t ni = p->n_indicators;
    for (size_t k = 0; k < ni; k++) {
        int64_t v = s->indicator_values ? s->indicator_values[u * ni + k] : DG_IND_MISSING;
        int64_t ak = p->achievement[u * ni + k];
        OUT("%s", k ? "," : "");
        if (s->indicators[k].compute && p->qv && p->qv->den[u * ni + k] > 0) {
            char vb[80];
            dg_output_ratio((DgU128)p->qv->num[u * ni + k], (DgU128)p->qv->den[u * ni + k], 6, vb);
            OUT("\"%s\"", vb);
        } else if (v == DG_IND_MISSING)
            OUT("null");
        else
            OUT("\"%s\"", trimmed(v, 6).b);
        if (ak < 0)
            OUT(",null");
        else
            OUT(",%lld", (long long)ak);
    }
}

/* A unit's items: code, qty, audited W — or -(code+1), qty, audited qty,
 * audited W when a check removed some. */
static void drill_unit_items(H *h, size_t u)
{
    const DgScheme *s = h->s;
    bool first = true;
    for (size_t c = 0; c < s->n_codes; c++) {
        DgUnitItem it;
        dg_unit_item(s, h->a, u, c, &it);
        if (!it.qty)
            continue;
        if (it.audited_qty == it.qty) {
            OUT("%s%zu,", first ? "" : ",", c);
            js_u64(h, it.qty);
        } else {
            OUT("%s-%zu,", first ? "" : ",", c + 1);
            js_u64(h, it.qty);
            OUT(",");
            js_u64(h, it.audited_qty);
        }
        OUT(",");
        js_wl(h, it.audited_w);
        first = false;
    }
}

/* A unit's staff: the ids' common prefix, then [suffix, (k, W, amount)*]. */
static void drill_unit_staff(H *h, size_t u)
{
    const DgScheme *s = h->s;
    const DgDataset *d = h->d;
    const DgAggregate *a = h->a;
    const DgPayouts *p = h->p;
    size_t nu = s->n_units, np = s->n_pools, ns = a->n_staff;
    size_t pre = staff_prefix(h, u);
    if (a->unit_staff_first[u] < a->unit_staff_first[u + 1]) {
        char *prefix = dg_xstrndup(dg_dataset_staff(d, a->staff_order[a->unit_staff_first[u]]), pre);
        js_str(h, prefix);
        free(prefix);
    }
    for (uint32_t j = a->unit_staff_first[u]; j < a->unit_staff_first[u + 1]; j++) {
        uint32_t st = a->staff_order[j];
        OUT(",[");
        js_str(h, dg_dataset_staff(d, st) + pre);
        for (size_t k = 0; k < np; k++) {
            DgU128 sw = a->pool_staff_w[k * ns + st];
            if (!s->pool_unit[k * nu + u] || sw == 0)
                continue;
            OUT(",%zu,", k);
            js_wl(h, sw);
            OUT(",");
            js_fen(h, p->staff_amount[k * ns + st]);
        }
        OUT("]");
    }
}

/* A unit's flags: rows, flagged W, then per check: flags, removed W. */
static void drill_unit_flags(H *h, size_t u)
{
    js_u64(h, h->fs.rows[u]);
    OUT(",");
    js_wl(h, h->fs.flagged_w[u]);
    for (int c = 0; c < DG_CHECK_COUNT; c++) {
        OUT(",");
        js_u64(h, h->fs.flags[u * DG_CHECK_COUNT + c]);
        OUT(",");
        js_wl(h, h->fs.removed[u * DG_CHECK_COUNT + c]);
    }
}

/* One unit of the drill-down data. */
static void drill_unit(H *h, size_t u)
{
    const DgUnit *un = &h->s->units[u];
    const DgPayouts *p = h->p;
    OUT("%s[", u ? ",\n" : "");
    js_str(h, un->kind);
    OUT(",[");
    for (size_t t = 0; t < un->n_tags; t++) {
        OUT("%s", t ? "," : "");
        js_str(h, un->tags[t]);
    }
    OUT("],");
    if (un->population == DG_NONE)
        OUT("null");
    else
        OUT("%lld", (long long)un->population);
    OUT(",\"%s\",\"%s\",%d,\"%s\",[", fixed(p->q_raw[u], 4).b, fixed(p->q[u], 4).b, (int)p->q_rule[u],
        fixed(p->a[u], 4).b);
    drill_unit_pools(h, u);
    OUT("],[");
    drill_unit_indicators(h, u);
    OUT("],[");
    drill_unit_items(h, u);
    OUT("],[");
    drill_unit_staff(h, u);
    OUT("],[");
    drill_unit_flags(h, u);
    OUT("]");
    drill_computed(h, u);
    OUT("]");
}

/* The drill-down data: one JSON island read by the page's script. */
static void drill_data(H *h)
{
    drill_scheme(h);
    OUT(",\n\"u\":[\n");
    for (size_t u = 0; u < h->s->n_units; u++)
        drill_unit(h, u);
    OUT("\n]}</script>\n");
}

static void page_tail(H *h)
{
    OUT("</main>\n<footer class=\"wrap\"><p>由 dangliang %s 生成。金额以分为单位精确计算（无浮点），与同目录下 "
        "payouts.csv、units.csv、items.csv、staff.csv、flags.csv、rejects.csv、summary.json 一致；"
        "各文件的 SHA-256 见 manifest.json。本页离线可用，不加载任何外部资源。<br>"
        "<span class=\"muted\">Generated by dangliang %s. Exact integer arithmetic; the figures match the CSV and JSON "
        "outputs in this folder. Works offline: no external resources.</span></p></footer>\n",
        DG_VERSION, DG_VERSION);
    drill_data(h);
    OUT("<script>");
    /* the CSP hash covers exactly the bytes between <script> and </script> */
    dg_html_lines(h->fp, dg_html_js);
    OUT("</script>\n</body>\n</html>\n");
}

/* What the run warned about (a category no pool counts, workload in no
 * pool, a high reject rate, a log that looks GB18030), first on the page. */
static void warnings_box(H *h)
{
    if (!h->warn || !h->warn->n)
        return;
    OUT("<section id=\"warnings\" class=\"card\">\n<h2>警告 <small>Warnings</small></h2>\n");
    for (size_t i = 0; i < h->warn->n; i++) {
        OUT("<p class=\"warn\">");
        T(h, h->warn->text[i]);
        OUT("</p>\n");
    }
    OUT("</section>\n");
}

DgStatus dg_output_html(const DgScheme *s, const DgDataset *d, const DgAudit *au, const DgAggregate *a,
                        const DgPayouts *p, const char *dir, const DgOutputOptions *opt, DgError *err)
{
    return dg_output_html_file(s, d, au, a, p, dir, opt, 0, NULL, err);
}

DgStatus dg_output_html_file(const DgScheme *s, const DgDataset *d, const DgAudit *au, const DgAggregate *a,
                             const DgPayouts *p, const char *dir, const DgOutputOptions *opt, long ordinal,
                             DgOutFileDone *done, DgError *err)
{
    DgOutFile o;
    DgStatus st = dg_outfile_open(&o, dir, "report.html", err);
    if (st != DG_OK)
        return st;
    o.ordinal = ordinal;
    H h = {.fp = o.fp, .s = s, .d = d, .au = au, .a = a, .p = p, .warn = opt ? opt->warnings : NULL};
    h.files = dg_output_file_names(d);
    dg_flag_stats_compute(s, d, au, &h.fs);
    h.wzeros = equivalent_zeros(s);
    page_head(&h);
    warnings_box(&h);
    overview(&h);
    pools(&h);
    dg_cycle_html(h.fp, s, d, au, a, p, opt);
    charts(&h);
    units_table(&h);
    quality(&h);
    data_quality(&h);
    page_tail(&h);
    dg_flag_stats_clear(&h.fs);
    dg_output_file_names_free(h.files, d->n_files);
    return dg_outfile_commit_done(&o, done, err);
}
