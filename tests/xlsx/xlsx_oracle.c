/*
 * The ORACLE of the workbook writer, for tests only: the libxlsxwriter 1.1.4
 * writer that engine/output/xlsxout.c replaced, kept as it was (renamed
 * dg_xlsxout_write_lxw).  xlsxout.c must write the same bytes; the tests
 * link this file (and libxlsxwriter) and compare.  Original comment:
 *
 * Workbook writer (see xlsxout.h).  Each sheet is filled through a
 * DgCellSink: the table writer that makes the CSV calls text/num/end, and
 * this file buffers one row, then writes it with libxlsxwriter.  Text goes
 * through worksheet_write_string only (no formula is ever written, so a
 * unit named =HYPERLINK(…) stays text); numbers are parsed from the exact
 * decimal the CSV prints and shown with as many decimals.  Money totals are
 * summed in integer fen from those same strings, never in floating point.
 * The library runs in constant-memory mode (rows are streamed to a
 * temporary file), so a sheet of a million flags does not sit in memory.
 * Deterministic bytes: fixed document date, and libxlsxwriter stamps zip
 * members with a fixed date.
 */
#include "output/xlsxout.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "output/outfile.h"
#include "xlsx_oracle.h"

#define MAX_DEC 12
#define MAX_WIDTH 60.0
#define MIN_WIDTH 6.0

typedef struct Cell {
    size_t off; /* into Sheet.buf, NUL-terminated */
    bool num;
} Cell;

typedef struct Sheet {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    const DgXlsxSheet *spec;
    lxw_format *f_head, *f_text, *f_int, *f_dec[MAX_DEC + 1], *f_total_text, *f_total_money;
    GString *buf;       /* the current row's cell bytes */
    Cell *cells;
    size_t n_cells, cap_cells;
    size_t n_cols;      /* from the header row */
    double *width;
    lxw_row_t row;      /* next sheet row */
    uint64_t dropped;   /* data rows past the sheet's limit */
    uint64_t n_data;    /* data rows written */
    uint64_t limit;     /* data rows the sheet may hold */
    int group, sum;     /* column indexes, -1 = no totals */
    char *gkey, *glabel; /* current group's key and the cell after it */
    int64_t gsum, grand;
    size_t n_groups;
    bool sum_bad;       /* a money cell that is not an exact 2-decimal number */
    lxw_error lerr;
} Sheet;

/* Display width: CJK and other wide characters count two. */
static double text_width(const char *s)
{
    size_t n = 0;
    while (s[n] && (unsigned char)s[n] < 0x80 && s[n] != '\n')
        n++;
    if (!s[n]) /* plain ASCII on one line, most cells: one column per byte */
        return (double)n;
    double w = 0, line = 0;
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char_validated(p, -1);
        if (c == '\n') {
            w = line > w ? line : w;
            line = 0;
            continue;
        }
        line += (c != (gunichar)-1 && c != (gunichar)-2 && g_unichar_iswide(c)) ? 2.0 : 1.0;
    }
    return line > w ? line : w;
}

static void fit(Sheet *sh, size_t col, double w)
{
    if (col < sh->n_cols && w > sh->width[col])
        sh->width[col] = w > MAX_WIDTH ? MAX_WIDTH : w;
}

static void note_err(Sheet *sh, lxw_error e)
{
    if (e != LXW_NO_ERROR && sh->lerr == LXW_NO_ERROR)
        sh->lerr = e;
}

static void sink_text(void *ctx, const char *s, size_t n)
{
    Sheet *sh = ctx;
    if (sh->n_cells == sh->cap_cells) {
        sh->cap_cells = sh->cap_cells ? sh->cap_cells * 2 : 16;
        sh->cells = dg_xrealloc(sh->cells, sh->cap_cells * sizeof *sh->cells);
    }
    sh->cells[sh->n_cells++] = (Cell){.off = sh->buf->len, .num = false};
    g_string_append_len(sh->buf, s, (gssize)n);
    g_string_append_c(sh->buf, '\0');
}

static void sink_num(void *ctx, const char *s)
{
    Sheet *sh = ctx;
    sink_text(ctx, s, strlen(s));
    sh->cells[sh->n_cells - 1].num = true;
}

static const char *cell_str(const Sheet *sh, size_t i)
{
    return sh->buf->str + sh->cells[i].off;
}

/* Decimals after the point of a decimal string ("12.3400" → 4). */
static int decimals(const char *s)
{
    const char *dot = strchr(s, '.');
    if (!dot)
        return 0;
    int n = (int)strlen(dot + 1);
    return n > MAX_DEC ? MAX_DEC : n;
}

static lxw_format *dec_format(Sheet *sh, int dec)
{
    if (!sh->f_dec[dec]) {
        char f[32] = "#,##0";
        if (dec > 0) {
            strcat(f, ".");
            for (int i = 0; i < dec; i++)
                strcat(f, "0");
        }
        sh->f_dec[dec] = workbook_add_format(sh->wb);
        format_set_num_format(sh->f_dec[dec], f);
    }
    return sh->f_dec[dec];
}

/* Exact fen from a money string with exactly two decimals ("-1,234.5" is not one). */
static bool parse_fen(const char *s, int64_t *out)
{
    bool neg = *s == '-';
    if (neg)
        s++;
    int64_t v = 0;
    int ndig = 0;
    for (; *s >= '0' && *s <= '9'; s++, ndig++)
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *s - '0', &v))
            return false;
    if (!ndig || s[0] != '.' || !(s[1] >= '0' && s[1] <= '9') || !(s[2] >= '0' && s[2] <= '9') || s[3])
        return false;
    int64_t f = (s[1] - '0') * 10 + (s[2] - '0');
    if (__builtin_mul_overflow(v, 100, &v) || __builtin_add_overflow(v, f, &v))
        return false;
    *out = neg ? -v : v;
    return true;
}

static void fen_format(int64_t v, char *b, size_t n)
{
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    snprintf(b, n, "%s%llu.%02llu", v < 0 ? "-" : "", (unsigned long long)(a / 100), (unsigned long long)(a % 100));
}

/* The double nearest to a decimal string, as strtod gives it.  Fast path
 * (Clinger): a mantissa of at most 15 digits is exact in a double, and so
 * is 10^k for k <= 22, so one correctly rounded division gives the
 * correctly rounded value — the same double as strtod, for the bytes of
 * the workbook not to change; anything else goes to g_ascii_strtod. */
static double decimal_value(const char *s)
{
    const char *p = s;
    bool neg = *p == '-';
    if (neg)
        p++;
    uint64_t m = 0;
    int digits = 0, frac = -1;
    for (; *p; p++) {
        if (*p == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (*p < '0' || *p > '9' || ++digits > 15)
            return g_ascii_strtod(s, NULL);
        m = m * 10 + (uint64_t)(*p - '0');
        if (frac >= 0)
            frac++;
    }
    if (!digits)
        return g_ascii_strtod(s, NULL);
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double v = frac > 0 ? (double)m / p10[frac] : (double)m;
    return neg ? -v : v;
}

static void write_num(Sheet *sh, size_t col, const char *s, lxw_format *bold)
{
    if (!*s)
        return;
    int dec = decimals(s);
    note_err(sh, worksheet_write_number(sh->ws, sh->row, (lxw_col_t)col, decimal_value(s),
                                        bold ? bold : dec || strchr(s, '.') ? dec_format(sh, dec) : sh->f_int));
    size_t len = strlen(s), ip = strcspn(s, ".") - (s[0] == '-');
    fit(sh, col, (double)(len + (ip > 3 ? (ip - 1) / 3 : 0)));
}

static void write_text(Sheet *sh, size_t col, const char *s, lxw_format *f)
{
    note_err(sh, worksheet_write_string(sh->ws, sh->row, (lxw_col_t)col, s, f));
    fit(sh, col, text_width(s));
}

/* A totals row: key, the cell after it, 合计 in the next, the sum under sum_col. */
static void write_total(Sheet *sh, const char *key, const char *label, const char *word, int64_t v)
{
    char b[40];
    fen_format(v, b, sizeof b);
    for (size_t c = 0; c < sh->n_cols; c++) {
        if ((int)c == sh->sum)
            write_num(sh, c, b, sh->f_total_money);
        else if ((int)c == sh->group && key)
            write_text(sh, c, key, sh->f_total_text);
        else if ((int)c == sh->group + 1 && label && (int)c != sh->sum)
            write_text(sh, c, label, sh->f_total_text);
        else if ((int)c == sh->group + 2 || (!key && c == 0))
            write_text(sh, c, word, sh->f_total_text);
    }
    sh->row++;
}

static void flush_group(Sheet *sh)
{
    if (!sh->gkey)
        return;
    if (!sh->sum_bad && !sh->dropped)
        write_total(sh, sh->gkey, sh->glabel, "合计 total", sh->gsum);
    g_free(sh->gkey);
    g_free(sh->glabel);
    sh->gkey = sh->glabel = NULL;
    sh->gsum = 0;
}

static int col_of(const Sheet *sh, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < sh->n_cells; i++)
        if (!strcmp(cell_str(sh, i), name))
            return (int)i;
    return -1;
}

static void header_row(Sheet *sh)
{
    sh->n_cols = sh->n_cells;
    sh->width = dg_xcalloc(sh->n_cols ? sh->n_cols : 1, sizeof *sh->width);
    sh->group = col_of(sh, sh->spec->group_col);
    sh->sum = col_of(sh, sh->spec->sum_col);
    if (sh->group < 0 || sh->sum < 0)
        sh->group = sh->sum = -1;
    note_err(sh, worksheet_set_row(sh->ws, 0, 31.5, NULL));
    for (size_t c = 0; c < sh->n_cells; c++) {
        const char *en = cell_str(sh, c), *zh = dg_xlsxout_label(en);
        char *h = zh ? g_strconcat(zh, "\n", en, NULL) : g_strdup(en);
        write_text(sh, c, h, sh->f_head);
        g_free(h);
    }
    worksheet_freeze_panes(sh->ws, 1, 0);
    sh->row = 1;
}

static void data_row(Sheet *sh)
{
    if (sh->n_data >= sh->limit || sh->row >= LXW_ROW_MAX - 4) { /* room for a total and the note */
        sh->dropped++;
        return;
    }
    sh->n_data++;
    if (sh->group >= 0 && (size_t)sh->group < sh->n_cells) {
        const char *k = cell_str(sh, (size_t)sh->group);
        if (sh->gkey && strcmp(sh->gkey, k))
            flush_group(sh);
        if (!sh->gkey) {
            sh->gkey = g_strdup(k);
            sh->glabel = (size_t)sh->group + 1 < sh->n_cells && !sh->cells[sh->group + 1].num
                             ? g_strdup(cell_str(sh, (size_t)sh->group + 1))
                             : NULL;
            sh->n_groups++;
        }
        int64_t v;
        if ((size_t)sh->sum < sh->n_cells && parse_fen(cell_str(sh, (size_t)sh->sum), &v) &&
            !__builtin_add_overflow(sh->gsum, v, &sh->gsum) && !__builtin_add_overflow(sh->grand, v, &sh->grand))
            ;
        else
            sh->sum_bad = true;
    }
    for (size_t c = 0; c < sh->n_cells; c++) {
        if (sh->cells[c].num)
            write_num(sh, c, cell_str(sh, c), NULL);
        else
            write_text(sh, c, cell_str(sh, c), sh->f_text);
    }
    sh->row++;
}

static void sink_end(void *ctx)
{
    Sheet *sh = ctx;
    if (!sh->width)
        header_row(sh);
    else
        data_row(sh);
    sh->n_cells = 0;
    g_string_truncate(sh->buf, 0);
}

/* A data row now would only be counted (data_row drops every row once the
 * limit is reached: n_data and row stop moving). */
static bool sink_full(void *ctx)
{
    Sheet *sh = ctx;
    return sh->width && sh->n_cells == 0 && (sh->n_data >= sh->limit || sh->row >= LXW_ROW_MAX - 4);
}

static void sink_skip(void *ctx, uint64_t rows)
{
    ((Sheet *)ctx)->dropped += rows;
}

static void sheet_finish(Sheet *sh)
{
    flush_group(sh);
    if (sh->n_groups > 1 && !sh->sum_bad && !sh->dropped)
        write_total(sh, NULL, NULL, "总计 grand total", sh->grand);
    if (sh->dropped) {
        char *m = g_strdup_printf("… %llu more rows not shown here: every row is in %s",
                                  (unsigned long long)sh->dropped, sh->spec->csv);
        note_err(sh, worksheet_write_string(sh->ws, sh->row, 0, m, sh->f_total_text));
        g_free(m);
    }
    for (size_t c = 0; c < sh->n_cols; c++) {
        double w = sh->width[c] + 2 < MIN_WIDTH ? MIN_WIDTH : sh->width[c] + 2;
        note_err(sh, worksheet_set_column(sh->ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL));
    }
}

DgStatus dg_xlsxout_write_lxw(const char *dir, const char *name, const DgXlsxSheet *sheets, size_t n_sheets,
                          const void *ctx, time_t created, uint64_t max_detail, long ordinal, DgOutFileDone *done,
                          DgError *err)
{
    DgOutFile o;
    DgStatus st = dg_outfile_open(&o, dir, name, err);
    if (st != DG_OK)
        return st;
    o.ordinal = ordinal;
    /* libxlsxwriter writes the temporary file itself; ours stays empty and open until commit */
    lxw_workbook_options wo = {.constant_memory = LXW_TRUE};
    char *tmp_path = g_build_filename(dir, o.tmp_name, NULL);
    lxw_workbook *wb = workbook_new_opt(tmp_path, &wo);
    g_free(tmp_path);
    if (!wb) {
        dg_outfile_abort(&o);
        return dg_error_set(err, DG_E_IO, dir, 0, 0, "cannot create the workbook %s", name);
    }
    lxw_doc_properties props = {.title = "dangliang payouts", .created = created};
    workbook_set_properties(wb, &props);
    Sheet sh = {.wb = wb};
    sh.f_head = workbook_add_format(wb);
    format_set_bold(sh.f_head);
    format_set_text_wrap(sh.f_head);
    format_set_align(sh.f_head, LXW_ALIGN_VERTICAL_TOP);
    format_set_bg_color(sh.f_head, 0xE8EEF4);
    format_set_bottom(sh.f_head, LXW_BORDER_THIN);
    sh.f_text = workbook_add_format(wb);
    format_set_num_format(sh.f_text, "@");
    sh.f_int = workbook_add_format(wb);
    format_set_num_format(sh.f_int, "0");
    sh.f_total_text = workbook_add_format(wb);
    format_set_bold(sh.f_total_text);
    format_set_num_format(sh.f_total_text, "@");
    sh.f_total_money = workbook_add_format(wb);
    format_set_bold(sh.f_total_money);
    format_set_num_format(sh.f_total_money, "#,##0.00");
    format_set_top(sh.f_total_money, LXW_BORDER_THIN);
    sh.buf = g_string_new(NULL);
    lxw_error lerr = LXW_NO_ERROR;
    for (size_t i = 0; i < n_sheets && lerr == LXW_NO_ERROR; i++) {
        if (sheets[i].present && !sheets[i].present(ctx))
            continue;
        sh.spec = &sheets[i];
        sh.limit = sheets[i].detail && max_detail ? max_detail : UINT64_MAX;
        sh.ws = workbook_add_worksheet(wb, sheets[i].name);
        if (!sh.ws) {
            lerr = LXW_ERROR_SHEETNAME_ALREADY_USED;
            break;
        }
        DgCellSink sink = {.text = sink_text, .num = sink_num, .end = sink_end, .full = sink_full, .skip = sink_skip,
                           .ctx = &sh};
        DgCsvOut w;
        dg_csvout_init_sink(&w, &sink);
        sheets[i].fill(ctx, &w);
        if (!sh.width) /* a table that wrote no header: still a valid sheet */
            sink_end(&sh);
        sheet_finish(&sh);
        lerr = sh.lerr;
        free(sh.width);
        sh.width = NULL;
        sh.n_cols = sh.n_cells = 0;
        sh.row = 0;
        sh.dropped = sh.n_data = 0;
        sh.n_groups = 0;
        sh.grand = 0;
        sh.sum_bad = false;
        g_string_truncate(sh.buf, 0);
    }
    struct timespec c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &c0);
    lxw_error cerr = workbook_close(wb);
    clock_gettime(CLOCK_MONOTONIC, &c1);
    if (lerr == LXW_NO_ERROR)
        lerr = cerr;
    g_string_free(sh.buf, TRUE);
    free(sh.cells);
    if (lerr != LXW_NO_ERROR) {
        dg_outfile_abort(&o);
        return dg_error_set(err, DG_E_IO, dir, 0, 0, "cannot write the workbook %s: %s", name, lxw_strerror(lerr));
    }
    st = dg_outfile_commit_external(&o, done, err);
    if (st == DG_OK && done)
        done->us_write = (uint64_t)((int64_t)(c1.tv_sec - c0.tv_sec) * 1000000 + (c1.tv_nsec - c0.tv_nsec) / 1000);
    return st;
}
