/*
 * Unit tests of report.html (engine/output/html.c, htmlout.c): the
 * escaping helpers byte for byte, and one page written from the golden
 * payout case (tests/golden/run_basic, hand-computed in its README), checked
 * for the figures a reviewer reads, for determinism and for a
 * Content-Security-Policy hash that really matches the inline script (a
 * wrong hash would silently disable sorting and the drill-down).
 * The page in a real browser: tests/browser/report_test.sh.
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dangliang/audit.h"
#include "dangliang/payouts.h"
#include "dangliang/output.h"
#include "output/htmlout.h"

/* Run fn(fp) into memory and return the bytes (NUL-terminated). */
static char *capture(void (*fn)(FILE *, const char *), const char *arg)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&buf, &n);
    fn(fp, arg);
    fclose(fp);
    return buf;
}

static void w_text(FILE *fp, const char *s)
{
    dg_html_text(fp, s);
}

static void w_json(FILE *fp, const char *s)
{
    dg_html_json_string(fp, s);
}

static void expect_out(void (*fn)(FILE *, const char *), const char *in, const char *want)
{
    char *got = capture(fn, in);
    cr_expect_str_eq(got, want, "input %s", in);
    free(got);
}

Test(report_html, escapes_text_and_attributes)
{
    expect_out(w_text, "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
    expect_out(w_text, "=HYPERLINK(\"x\")", "=HYPERLINK(&quot;x&quot;)");
    expect_out(w_text, "a&b'c", "a&amp;b&#39;c");
    expect_out(w_text, "定海区 tab\there", "定海区 tab\there");
    expect_out(w_text, "bell\x07!", "bell\xEF\xBF\xBD!"); /* C0 control -> U+FFFD */
    expect_out(w_text, "", "");
}

Test(report_html, json_strings_cannot_close_the_script)
{
    expect_out(w_json, "</script><b>", "\"\\u003c/script\\u003e\\u003cb\\u003e\"");
    expect_out(w_json, "a\"b\\c", "\"a\\\"b\\\\c\"");
    expect_out(w_json, "x\ny&'", "\"x\\u000ay\\u0026\\u0027\"");
    expect_out(w_json, "p\xE2\x80\xA8q", "\"p\\u2028q\""); /* U+2028 */
    expect_out(w_json, "岱山县", "\"岱山县\"");
}

Test(report_html, utf8_prefix_and_grouping)
{
    bool cut = false;
    cr_expect_eq(dg_html_utf8_prefix("定海区ab", 2, &cut), 6);
    cr_expect(cut);
    cr_expect_eq(dg_html_utf8_prefix("定海区ab", 5, &cut), 11);
    cr_expect(!cut);
    char b[64];
    dg_html_group("1234567.89", b);
    cr_expect_str_eq(b, "1,234,567.89");
    dg_html_group("-1234", b);
    cr_expect_str_eq(b, "-1,234");
    dg_html_group("999.1234", b);
    cr_expect_str_eq(b, "999.1234");
    dg_html_group("1000", b);
    cr_expect_str_eq(b, "1,000");
    char t1[] = "0.450000", t2[] = "2.000000", t3[] = "10";
    dg_html_trim_zeros(t1);
    dg_html_trim_zeros(t2);
    dg_html_trim_zeros(t3);
    cr_expect_str_eq(t1, "0.45");
    cr_expect_str_eq(t2, "2");
    cr_expect_str_eq(t3, "10");
}

/* ---- a page from the golden payout case ------------------------------------- */

static char *read_all(const char *path)
{
    gchar *text = NULL;
    cr_assert(g_file_get_contents(path, &text, NULL, NULL), "cannot read %s", path);
    return text;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static char *write_page(const char *dir)
{
    DgError e = {0};
    DgScheme *s = NULL;
    DgDataset *d = NULL;
    DgAudit *au = NULL;
    DgAggregate *a = NULL;
    DgPayouts *p = NULL;
    const char *logs[] = {"tests/golden/run_basic/log.csv"};
    DgValidateOptions vo = {.threads = 1};
    cr_assert_eq(dg_scheme_load("tests/golden/_pay/scheme.json", &s, &e), DG_OK, "%s", e.text);
    cr_assert_eq(dg_validate_files(s, logs, 1, &vo, &d, &e), DG_OK, "%s", e.text);
    cr_assert_eq(dg_audit_rows(s, d, &au, &e), DG_OK, "%s", e.text);
    cr_assert_eq(dg_aggregate_rows(s, d, au->audited_qty, &a, &e), DG_OK, "%s", e.text);
    cr_assert_eq(dg_payouts_compute(s, d, a, &p, &e), DG_OK, "%s", e.text);
    cr_assert_eq(dg_output_html(s, d, au, a, p, dir, NULL, &e), DG_OK, "%s", e.text);
    dg_payouts_free(p);
    dg_aggregate_free(a);
    dg_audit_free(au);
    dg_dataset_free(d);
    dg_scheme_free(s);
    char *path = g_build_filename(dir, "report.html", NULL);
    char *html = read_all(path);
    g_free(path);
    return html;
}

Test(report_html, golden_page)
{
    char *dir = g_dir_make_tmp("dg-html-XXXXXX", NULL);
    cr_assert(dir);
    char *html = write_page(dir);

    /* one row per unit, in unit_id order; out-of-scope pool cells are empty */
    cr_expect_eq(count(html, "<tr class=\"unit-row\""), 6);
    cr_expect(strstr(html, "<tr class=\"unit-row\" data-i=\"0\"><td>A1<td>"));
    /* unit prices from the README: 1000 / 21.09515 and 500 / 18.9525 */
    cr_expect(strstr(html, "<b>47.4043</b>"));
    cr_expect(strstr(html, "<b>26.3817</b>"));
    /* A1 total: 303.39 (phs) + 0.01 (dh_comm, the tie) + 300.00 (visits) = 603.40 */
    cr_expect(strstr(html, "<td class=\"tot\">603.40\n"));
    /* C1 is below the floor: Q 0.0000 marked, listed with its computed 0.5000 */
    cr_expect(strstr(html, "<td class=\"bad\">0.0000"));
    cr_expect(strstr(html, "data-open=\"5\">C1 普陀区东港街道社区卫生服务中心</a>（0.5000）"));
    /* drill-down data for A1 in phs: W 6.4 (equivalents have one decimal: sent as 64 with wz 3),
     * C 6.4000, weight 0.30338727, 30339 fen, won the first remainder fen */
    cr_expect(strstr(html, "\"wz\":3"));
    cr_expect(strstr(html, "[0,64,64000,\"0.30338727\",30339,1,"), "A1's phs entry");
    /* B2 in med_ds won the only leftover fen: 16482 fen */
    cr_expect(strstr(html, "1,70,62475,\"0.32963989\",16482,1"), "B2's med_ds entry");
    /* nothing from outside the page */
    cr_expect(!strstr(html, "http:") && !strstr(html, "https:") && !strstr(html, " src="));

    /* the CSP hash is the SHA-256 of exactly the inline script */
    const char *m = strstr(html, "script-src 'sha256-");
    cr_assert(m);
    m += strlen("script-src 'sha256-");
    const char *q = strchr(m, '\'');
    char *want = g_strndup(m, (gsize)(q - m));
    const char *s0 = strstr(html, "<script>");
    cr_assert(s0);
    s0 += strlen("<script>");
    const char *s1 = strstr(s0, "</script>");
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(c, (const guchar *)s0, s1 - s0);
    guint8 dig[32];
    gsize n = sizeof dig;
    g_checksum_get_digest(c, dig, &n);
    g_checksum_free(c);
    gchar *got = g_base64_encode(dig, n);
    cr_expect_str_eq(got, want);
    cr_expect_eq(count(html, "<script"), 2, "the data block and the script, nothing else");
    g_free(got);
    g_free(want);

    /* same bytes on a second run */
    char *dir2 = g_dir_make_tmp("dg-html-XXXXXX", NULL);
    char *html2 = write_page(dir2);
    cr_expect_str_eq(html, html2);

    g_free(html);
    g_free(html2);
    char *cmd = g_strdup_printf("rm -rf '%s' '%s'", dir, dir2);
    cr_expect_eq(system(cmd), 0);
    g_free(cmd);
    g_free(dir);
    g_free(dir2);
}
