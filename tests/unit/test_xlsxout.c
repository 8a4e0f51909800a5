/*
 * The workbook writer (engine/output/xlsxout.c) against its oracle, the
 * libxlsxwriter 1.1.4 writer it replaced (tests/xlsx/xlsx_oracle.c): the
 * same sheets written both ways must give the same bytes (memcmp of the
 * whole .xlsx), the same status and the same message.  The sheets here are
 * the corners the golden runs do not reach: every sheet kind (totals,
 * detail with its note, no header, header only, absent, no sheet at all),
 * text that needs escaping (< > & " ', control characters, leading and
 * trailing blanks, CJK, long and too long), numbers of 0 to 12 decimals and
 * of more than 15 digits, negative and -0.00 money, the row limit, more
 * than 26 columns, formats first used in a sheet's last row, sheet names to
 * escape or refused, and the writer inside a parallel region (its sheet
 * tasks run on several threads).  tests/xlsx/oracle.sh does the same for
 * every golden run.  (libxlsxwriter prints a [WARNING] line for each sheet
 * name it refuses: expected.)
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/csvout.h"
#include "output/xlsxout.h"
#include "xlsx/xlsx_oracle.h"

/* A table: header names (NULL-terminated; NULL for a table that writes
 * nothing), then rows of cells; a cell starting with '#' is a number (the
 * rest), a NULL cell ends the row early. */
typedef struct Tab {
    const char *const *head;
    GPtrArray *cells; /* char *, n_rows * width */
    size_t width;
} Tab;

static Tab TABS[8];

static void fill_tab(const Tab *t, DgCsvOut *w)
{
    if (!t->head)
        return;
    dg_csvout_header(w, t->head);
    dg_csvout_end(w);
    for (size_t r = 0; t->cells && (r + 1) * t->width <= t->cells->len; r++) {
        if (dg_csvout_full(w)) {
            dg_csvout_skip(w, t->cells->len / t->width - r);
            return;
        }
        for (size_t c = 0; c < t->width; c++) {
            const char *s = g_ptr_array_index(t->cells, r * t->width + c);
            if (!s)
                break;
            if (s[0] == '#')
                dg_csvout_num(w, s + 1);
            else
                dg_csvout_text(w, s);
        }
        dg_csvout_end(w);
    }
}

#define FILL(k) \
    static void fill##k(const void *ctx, DgCsvOut *w) { fill_tab(&((const Tab *)ctx)[k], w); }
FILL(0)
FILL(1)
FILL(2)
FILL(3)
FILL(4)
FILL(5)
FILL(6)
FILL(7)
static void (*const FILLS[8])(const void *, DgCsvOut *) = {fill0, fill1, fill2, fill3, fill4, fill5, fill6, fill7};

static bool absent(const void *ctx)
{
    (void)ctx;
    return false;
}

static void tab_reset(void)
{
    for (int i = 0; i < 8; i++) {
        if (TABS[i].cells)
            g_ptr_array_free(TABS[i].cells, TRUE);
        TABS[i] = (Tab){0};
    }
}

static void row(Tab *t, ...)
{
    if (!t->cells)
        t->cells = g_ptr_array_new_with_free_func(g_free);
    va_list ap;
    va_start(ap, t);
    size_t n = 0;
    for (const char *s; n < t->width && (s = va_arg(ap, const char *)) != NULL; n++)
        g_ptr_array_add(t->cells, g_strdup(s));
    va_end(ap);
    for (; n < t->width; n++)
        g_ptr_array_add(t->cells, NULL);
}

static void cell(Tab *t, char *owned)
{
    if (!t->cells)
        t->cells = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(t->cells, owned);
}

static char *slurp(const char *path, size_t *n)
{
    gchar *b = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &b, &len, NULL))
        return NULL;
    *n = len;
    return b;
}

/* Write the sheets both ways; same status, message and bytes. */
static void same(const DgXlsxSheet *sheets, size_t n, uint64_t max_detail, bool parallel)
{
    char dir[] = "/tmp/dg_xlsx_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *dn = g_build_filename(dir, "new", NULL), *dl = g_build_filename(dir, "lxw", NULL);
    DgError e1 = {0}, e2 = {0};
    DgOutFileDone d1 = {0}, d2 = {0};
    DgStatus s1 = DG_OK, s2;
    time_t created = 1609416000; /* 2020-12-31 12:00 UTC */
    if (parallel) {
#pragma omp parallel num_threads(3)
#pragma omp single
        s1 = dg_xlsxout_write(dn, "payouts.xlsx", sheets, n, TABS, created, max_detail, 0, &d1, &e1);
    } else
        s1 = dg_xlsxout_write(dn, "payouts.xlsx", sheets, n, TABS, created, max_detail, 0, &d1, &e1);
    s2 = dg_xlsxout_write_lxw(dl, "payouts.xlsx", sheets, n, TABS, created, max_detail, 0, &d2, &e2);
    cr_assert_eq(s1, s2, "status %d, oracle %d (%s / %s)", s1, s2, e1.text, e2.text);
    char *p1 = g_build_filename(dn, "payouts.xlsx", NULL), *p2 = g_build_filename(dl, "payouts.xlsx", NULL);
    if (s1 == DG_OK) {
        size_t n1 = 0, n2 = 0;
        char *b1 = slurp(p1, &n1), *b2 = slurp(p2, &n2);
        cr_assert_not_null(b1);
        cr_assert_not_null(b2);
        cr_expect_eq(n1, n2, "%zu bytes, oracle %zu", n1, n2);
        cr_expect(n1 == n2 && !memcmp(b1, b2, n1), "the workbook differs from libxlsxwriter's (kept in %s)", dir);
        cr_expect_str_eq(d1.sha256, d2.sha256);
        bool ok = n1 == n2 && !memcmp(b1, b2, n1);
        g_free(b1);
        g_free(b2);
        if (ok) {
            unlink(p1);
            unlink(p2);
        }
    } else {
        /* the messages name the folder: the same once it is cut out */
        cr_expect_str_eq(e1.text, e2.text);
        cr_expect(!g_file_test(p1, G_FILE_TEST_EXISTS));
    }
    rmdir(dn);
    rmdir(dl);
    rmdir(dir);
    g_free(dn);
    g_free(dl);
    g_free(p1);
    g_free(p2);
}

static DgXlsxSheet sheet(int k, const char *name)
{
    return (DgXlsxSheet){.name = name, .csv = "x.csv", .fill = FILLS[k]};
}

static const char *const PAY_HEAD[] = {"pool_id", "pool_name", "unit_id", "payout", "weight", NULL};

/* The sheet kinds of a run, as run_outputs.c declares them. */
Test(xlsx_oracle, every_sheet_kind)
{
    tab_reset();
    /* totals: three groups, the last with one row */
    Tab *t = &TABS[0];
    t->head = PAY_HEAD;
    t->width = 5;
    row(t, "phs", "基本公共卫生", "033090200002", "#1234.50", "#0.30338727", NULL);
    row(t, "phs", "基本公共卫生", "A2", "#-12.05", "#0.1", NULL);
    row(t, "visits", "门诊", "B1", "#0.00", "#0", NULL);
    row(t, "visits", "门诊", "B2", "#99999999999.99", "#1", NULL);
    row(t, "z", "", "C1", "#-0.00", "#0.5", NULL);
    /* plain: ints, decimals, empty cells, a row longer than the header */
    t = &TABS[1];
    static const char *const h1[] = {"unit_id", "rows_accepted", "quality", "no_label", NULL};
    t->head = h1;
    t->width = 6;
    row(t, "007", "#12", "#0.850", "x", "extra", "#5", NULL);
    row(t, "", "#", "#12.", "", NULL);
    row(t, "U9", "#3", "#1.000000000000", "=HYPERLINK(\"http://x\")", NULL);
    /* detail: cut at max_detail, with its note */
    t = &TABS[2];
    static const char *const h2[] = {"file", "line", "record_id", "check", NULL};
    t->head = h2;
    t->width = 4;
    for (int i = 0; i < 40; i++) {
        cell(t, g_strdup("log.csv"));
        cell(t, g_strdup_printf("#%d", i + 2));
        cell(t, g_strdup_printf("r%05d", i));
        cell(t, g_strdup("over_patient_day"));
    }
    /* a table that writes nothing; a header of one column only */
    TABS[3] = (Tab){0};
    static const char *const h4[] = {"value", NULL};
    TABS[4].head = h4;
    TABS[4].width = 1;
    DgXlsxSheet sh[] = {
        {.name = "拨付 payouts", .csv = "payouts.csv", .fill = fill0, .group_col = "pool_id", .sum_col = "payout"},
        sheet(1, "单位 units"),
        {.name = "核查标记 flags", .csv = "flags.csv", .fill = fill2, .detail = true},
        sheet(3, "empty"),
        {.name = "absent", .csv = "a.csv", .fill = fill4, .present = absent},
        sheet(4, "header & <only>"),
    };
    same(sh, 6, 10, false);
    same(sh, 6, 0, false);
    same(sh, 6, 40, true);
    same(sh, 6, 39, true);
    /* money that is not an exact 2-decimal number: no totals */
    row(&TABS[0], "z", "", "C2", "#1.005", "#0.5", NULL);
    same(sh, 6, 10, false);
    tab_reset();
}

Test(xlsx_oracle, text_escapes_blanks_cjk_and_long)
{
    tab_reset();
    Tab *t = &TABS[0];
    static const char *const h[] = {"unit_name", "detail", NULL};
    t->head = h;
    t->width = 2;
    row(t, "a<b>&c\"d'e", "&amp; is not decoded", NULL);
    row(t, " leading", "trailing ", NULL);
    row(t, "\ttab", "newline\n", NULL);
    row(t, "line one\nline two", "\r\n", NULL);
    row(t, "\x01\x02\x08\x0b\x0c\x0e\x1f", "x\x7fy", NULL);
    row(t, "_x0041_ stays", "\x0b", NULL);
    row(t, "定海区城东街道社区卫生服务中心（测试）", "ｆｕｌｌ　width　space", NULL);
    row(t, "\xff\xfe not UTF-8", "é ü ß", NULL);
    GString *g = g_string_new(NULL);
    for (int i = 0; i < 32767; i++)
        g_string_append(g, "卫");
    row(t, g->str, "exactly the limit in characters", NULL);
    g_string_truncate(g, 0);
    for (int i = 0; i < 9000; i++)
        g_string_append(g, "<&>");
    row(t, g->str, "27,000 characters to escape", NULL);
    DgXlsxSheet sh[] = {sheet(0, "text")};
    same(sh, 1, 0, false);
    /* one character too many: both refuse the workbook */
    g_string_truncate(g, 0);
    for (int i = 0; i < 32768; i++)
        g_string_append_c(g, 'x');
    row(t, "too long", g->str, NULL);
    same(sh, 1, 0, false);
    g_string_free(g, TRUE);
    tab_reset();
}

/* Numbers print as libxlsxwriter's %.16G of the nearest double: random
 * decimals of 0 to 12 decimals and up to 17 digits (past 15 the slow path),
 * and the close calls of the fast path. */
Test(xlsx_oracle, numbers_of_every_size)
{
    tab_reset();
    Tab *t = &TABS[0];
    static const char *const h[] = {"value", "quantity", "share", "amount", NULL};
    t->head = h;
    t->width = 4;
    static const char *const special[] = {
        "0", "-0", "-0.00", "0.0", "9.3", "0.1", "0.3", "0.7", "8.5", "99.99", "999999999999999", "9999999999999.99",
        "1000000000000000", "12345678901234567", "0.0001", "0.00001", "0.000012345", "-0.00009", "1e5", "12.",
        "4.35", "1.005", "1152921504606846976", "0.9999999999999999", "2.675", "1234567.123456789012",
        "123456789012.345", "7.000000000001", "-42", "00012.50",
    };
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        cell(t, g_strdup_printf("#%s", special[i]));
    while (t->cells->len % 4)
        cell(t, g_strdup("#1"));
    GRand *r = g_rand_new_with_seed(13);
    for (int i = 0; i < 40000; i++) {
        int ip = g_rand_int_range(r, 0, 16), dec = g_rand_int_range(r, 0, 13);
        GString *g = g_string_new("#");
        if (g_rand_boolean(r))
            g_string_append_c(g, '-');
        g_string_append_c(g, (char)('0' + (ip ? g_rand_int_range(r, 1, 10) : 0)));
        for (int k = 1; k < ip; k++)
            g_string_append_c(g, (char)('0' + g_rand_int_range(r, 0, 10)));
        if (dec) {
            g_string_append_c(g, '.');
            for (int k = 0; k < dec; k++)
                g_string_append_c(g, (char)('0' + g_rand_int_range(r, 0, 10)));
        }
        cell(t, g_string_free(g, FALSE));
    }
    g_rand_free(r);
    DgXlsxSheet sh[] = {sheet(0, "numbers")};
    same(sh, 1, 0, true);
    tab_reset();
}

/* libxlsxwriter numbers a format when it writes a row out, and holds each
 * sheet's last row until the workbook closes: a format first used in sheet
 * 1's last row comes after those of sheet 2's other rows. */
Test(xlsx_oracle, formats_first_used_in_a_last_row)
{
    tab_reset();
    static const char *const h[] = {"a", "b", NULL};
    TABS[0].head = h;
    TABS[0].width = 2;
    row(&TABS[0], "x", "#1", NULL);
    row(&TABS[0], "y", "#1.234", NULL);
    TABS[1].head = h;
    TABS[1].width = 2;
    row(&TABS[1], "x", "#1.5", NULL);
    row(&TABS[1], "x", "#1.5000000", NULL);
    row(&TABS[1], "x", "#7.12", NULL);
    TABS[2].head = h;
    TABS[2].width = 2;
    DgXlsxSheet sh[] = {sheet(0, "one"), sheet(1, "two"), sheet(2, "header only")};
    same(sh, 3, 0, false);
    same(sh, 3, 0, true);
    tab_reset();
}

/* 30 columns (AA, AD refs) and a sheet at the spreadsheet's row limit. */
Test(xlsx_oracle, wide_and_at_the_row_limit, .timeout = 300)
{
    tab_reset();
    static const char *h30[31];
    static char names[30][8];
    for (int i = 0; i < 30; i++) {
        snprintf(names[i], sizeof names[i], "c%d", i);
        h30[i] = names[i];
    }
    h30[30] = NULL;
    TABS[0].head = h30;
    TABS[0].width = 30;
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 30; c++)
            cell(&TABS[0], g_strdup_printf(c % 2 ? "#%d.%d" : "v%d_%d", r, c));
    static const char *const h1[] = {"line", NULL};
    TABS[1].head = h1;
    TABS[1].width = 1;
    for (int r = 0; r < 1048576 + 3; r++)
        cell(&TABS[1], g_strdup_printf("#%d", r));
    DgXlsxSheet sh[] = {sheet(0, "wide"), sheet(1, "tall")};
    same(sh, 2, 0, true);
    tab_reset();
}

Test(xlsx_oracle, no_sheet_and_refused_names)
{
    tab_reset();
    static const char *const h[] = {"a", NULL};
    TABS[0].head = h;
    TABS[0].width = 1;
    row(&TABS[0], "x", NULL);
    DgXlsxSheet none[] = {{.name = "gone", .csv = "g.csv", .fill = fill0, .present = absent}};
    same(none, 1, 0, false); /* libxlsxwriter's empty Sheet1 */
    DgXlsxSheet dup[] = {sheet(0, "Same"), sheet(0, "same")};
    same(dup, 2, 0, false);
    DgXlsxSheet bad[] = {sheet(0, "ok"), sheet(0, "a/b")};
    same(bad, 2, 0, false);
    DgXlsxSheet longname[] = {sheet(0, "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一")};
    same(longname, 1, 0, false);
    DgXlsxSheet longer[] = {sheet(0, "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二")};
    same(longer, 1, 0, false);
    DgXlsxSheet quote[] = {sheet(0, "'quoted'")};
    same(quote, 1, 0, false);
    tab_reset();
}
