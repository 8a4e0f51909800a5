/*
 * Workbook writer (see xlsxout.h): our own SpreadsheetML and zip, byte for
 * byte what libxlsxwriter 1.1.4 (constant-memory mode, inline strings)
 * wrote before, but with one task per sheet.
 *
 * Cells.  Each sheet is filled through a DgCellSink: the table writer that
 * makes the CSV calls text/num/end, and the state machine below buffers one
 * row and lays it out — header (Chinese over English), data rows, group
 * totals, the note of rows left out.  Text is always a string cell (never a
 * formula, so a unit named =HYPERLINK(…) stays text); numbers are parsed
 * from the exact decimal the CSV prints and shown with as many decimals.
 * Money totals are summed in integer fen from those same strings.
 *
 * Two passes per sheet.  The XML puts things known only at the end of a
 * sheet before its rows (the dimension ref, column widths), and the style
 * indices (xf) of the whole workbook are numbered in the order formats are
 * first used, sheet after sheet.  So each sheet is filled twice: a scan
 * (cheap next to XML and deflate: no output) gives its dimension, widths
 * and formats in first-use order; the scans are merged in sheet order into
 * the workbook's xf table; then the second fill streams the sheet's XML
 * through zlib into a compressed buffer in memory (the XML itself is never
 * held whole).  Both rounds are OpenMP tasks (nested in the output stage's
 * parallel loop: a thread done with its own files joins in) taking sheets
 * from a shared counter, the XML round largest first; each writes only its
 * own sheet's slot, so the bytes do not depend on the thread count or on
 * which thread ran what.  The workbook's other parts are small and written
 * after; then the zip is laid out in libxlsxwriter's member order.
 *
 * Same bytes as libxlsxwriter.  The XML follows its 1.1.4 sources (element
 * and attribute order, %.16G numbers, _xHHHH_ escapes of control
 * characters, xml:space="preserve", 31.5 pt header row, frozen first row,
 * tabSelected on the first sheet, numFmt ids from 164 in first-use order,
 * fonts/fills/borders deduplicated in xf order).  Members are deflated as
 * minizip does (raw deflate, Z_DEFAULT_COMPRESSION, window 15, memLevel 8,
 * default strategy; deflate's output does not depend on how the input is
 * cut without flushes), stamped 1980-01-01 with no data descriptor, and
 * the central directory marks a member text as zlib guessed it.  The
 * libxlsxwriter writer is kept as the oracle of the tests
 * (tests/xlsx/xlsx_oracle.c, compared byte for byte in `make check`).
 */
#include "xlsxout.h"

#include <glib.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "outfile.h"
#include "xlsx_theme.h"

#define MAX_DEC 12
#define MAX_WIDTH 60.0
#define MIN_WIDTH 6.0
#define ROW_MAX 1048576u /* rows of a sheet (libxlsxwriter's LXW_ROW_MAX) */
#define COL_MAX 16384u   /* columns (LXW_COL_MAX) */
#define STR_MAX 32767u   /* characters of a text cell (LXW_STR_MAX) */
#define XBUF 65536       /* XML bytes gathered before each deflate call */

DgXlsxWriteFn dg_xlsxout_test_writer;

static const struct {
    const char *en, *zh;
} LABELS[] = {
    {"pool_id", "资金池编码"},      {"pool_name", "资金池名称"},   {"unit_id", "单位编码"},
    {"unit_name", "单位名称"},      {"community", "医共体"},       {"county", "区县"},
    {"kind", "单位类型"},           {"tier", "层级"},              {"rows_accepted", "接收行数"},
    {"rows_flagged", "标记行数"},   {"raw_workload", "原始当量"},  {"audited_workload", "核定当量"},
    {"quality", "质量系数 Q"},      {"adjustment", "调整系数 A"},  {"corrected_workload", "校正当量 C"},
    {"weight", "权重 C/ΣC"},        {"payout", "拨付金额（元）"},  {"item_code", "项目编码"},
    {"item_name", "项目名称"},      {"category", "类别"},          {"quantity", "数量"},
    {"audited_quantity", "核定数量"}, {"staff_id", "人员编码"},    {"share", "份额"},
    {"amount", "金额（元）"},       {"file", "文件"},              {"line", "行号"},
    {"record_id", "记录编号"},      {"check", "核查项"},           {"excess_quantity", "核减数量"},
    {"detail", "说明"},             {"reason", "拒收原因"},        {"budget", "预算（元）"},
    {"advanced", "预拨（元）"},     {"balance", "清算差额（元）"}, {"appeal", "申诉"},
    {"appeal_note", "申诉说明"},    {"indicator", "指标"},         {"source", "来源"},
    {"numerator", "分子 N"},        {"denominator", "分母 D"},     {"value", "实际值"},
    {"attainment", "达成度 a"},
};

const char *dg_xlsxout_label(const char *column)
{
    for (size_t i = 0; i < sizeof LABELS / sizeof LABELS[0]; i++)
        if (!strcmp(LABELS[i].en, column))
            return LABELS[i].zh;
    return NULL;
}

/* ---- cell formats ------------------------------------------------------ */

/* The formats a sheet can use; F_DEC0 + d shows d decimals with thousands
 * separators.  Their xf index is their rank in first use (0 is Excel's
 * default format, used by no cell). */
enum { F_HEAD, F_TEXT, F_INT, F_TTEXT, F_TMONEY, F_DEC0, N_FMT = F_DEC0 + MAX_DEC + 1 };

static void fmt_code(int f, char *b)
{
    switch (f) {
    case F_HEAD: b[0] = 0; return;
    case F_TEXT: case F_TTEXT: strcpy(b, "@"); return;
    case F_INT: strcpy(b, "0"); return;
    case F_TMONEY: strcpy(b, "#,##0.00"); return;
    }
    int dec = f - F_DEC0;
    strcpy(b, "#,##0");
    if (dec > 0) {
        strcat(b, ".");
        for (int i = 0; i < dec; i++)
            strcat(b, "0");
    }
}
static bool fmt_bold(int f) { return f == F_HEAD || f == F_TTEXT || f == F_TMONEY; }
static int fmt_border(int f) { return f == F_HEAD ? 1 : f == F_TMONEY ? 2 : 0; } /* bottom, top thin */

/* ---- compressed members ------------------------------------------------ */

typedef struct Member {
    const char *name;
    unsigned char *z; /* the deflated bytes */
    size_t zlen, zcap;
    uint32_t crc;
    uint64_t usize;
    bool text;        /* zlib's guess (data_type), the central directory's internal attribute */
    bool bad;         /* zlib or memory failure */
    bool open;
    z_stream zs;
    char *buf;        /* XML not yet deflated */
    size_t n;
} Member;

static bool member_open(Member *m, const char *name)
{
    memset(m, 0, sizeof *m);
    m->name = name;
    m->buf = malloc(XBUF);
    if (!m->buf || deflateInit2(&m->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(m->buf);
        m->buf = NULL;
        m->bad = true;
        return false;
    }
    m->open = true;
    return true;
}

static void member_deflate(Member *m, const char *p, size_t n, int flush)
{
    if (m->bad)
        return;
    if (flush == Z_NO_FLUSH) {
        m->crc = (uint32_t)crc32(m->crc, (const Bytef *)p, (uInt)n);
        m->usize += n;
    }
    m->zs.next_in = (Bytef *)p;
    m->zs.avail_in = (uInt)n;
    for (;;) {
        if (m->zcap - m->zlen < XBUF) {
            size_t cap = m->zcap ? m->zcap * 2 : 4 * XBUF;
            unsigned char *z = realloc(m->z, cap);
            if (!z) {
                m->bad = true;
                return;
            }
            m->z = z;
            m->zcap = cap;
        }
        size_t room = m->zcap - m->zlen;
        if (room > (1u << 30))
            room = 1u << 30;
        m->zs.next_out = m->z + m->zlen;
        m->zs.avail_out = (uInt)room;
        int r = deflate(&m->zs, flush);
        m->zlen += room - m->zs.avail_out;
        if (r == Z_STREAM_ERROR) {
            m->bad = true;
            return;
        }
        if (flush == Z_FINISH ? r == Z_STREAM_END : m->zs.avail_in == 0 && m->zs.avail_out != 0)
            return;
    }
}

static void member_flush(Member *m)
{
    if (m->n)
        member_deflate(m, m->buf, m->n, Z_NO_FLUSH);
    m->n = 0;
}

/* Room for `need` (<= XBUF) more bytes at m->buf + m->n. */
static inline char *room(Member *m, size_t need)
{
    if (m->n + need > XBUF)
        member_flush(m);
    return m->buf + m->n;
}

static void put(Member *m, const char *s, size_t n)
{
    if (m->n + n > XBUF) {
        member_flush(m);
        if (n > XBUF) {
            member_deflate(m, s, n, Z_NO_FLUSH);
            return;
        }
    }
    memcpy(m->buf + m->n, s, n);
    m->n += n;
}

static void puts_(Member *m, const char *s) { put(m, s, strlen(s)); }
#define PUTL(m, lit) put((m), lit, sizeof lit - 1)

static void member_close(Member *m)
{
    if (!m->open)
        return;
    member_flush(m);
    member_deflate(m, NULL, 0, Z_FINISH);
    m->text = m->zs.data_type == Z_TEXT;
    deflateEnd(&m->zs);
    m->open = false;
    free(m->buf);
    m->buf = NULL;
}

static void member_free(Member *m)
{
    if (m->open) {
        deflateEnd(&m->zs);
        m->open = false;
    }
    free(m->buf);
    free(m->z);
    m->buf = NULL;
    m->z = NULL;
}

/* ---- numbers and references ------------------------------------------- */

static size_t u32_dec(uint32_t v, char *b)
{
    char t[12];
    size_t n = 0;
    do
        t[n++] = (char)('0' + v % 10);
    while (v /= 10);
    for (size_t i = 0; i < n; i++)
        b[i] = t[n - 1 - i];
    return n;
}

/* Column letters of a 0-based column (0 → A, 26 → AA). */
static size_t col_name(uint32_t col, char *b)
{
    char t[8];
    size_t n = 0;
    col++;
    while (col) {
        uint32_t r = (col - 1) % 26;
        t[n++] = (char)('A' + r);
        col = (col - 1) / 26;
    }
    for (size_t i = 0; i < n; i++)
        b[i] = t[n - 1 - i];
    return n;
}

static void cell_ref(uint32_t row, uint32_t col, char *b)
{
    size_t n = col_name(col, b);
    n += u32_dec(row + 1, b + n);
    b[n] = 0;
}

static const double P10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The double nearest to a decimal string, as strtod gives it.  Fast path
 * (Clinger): a mantissa of at most 15 digits is exact in a double, and so
 * is 10^k for k <= 22, so one correctly rounded division gives the
 * correctly rounded value; anything else goes to g_ascii_strtod. */
/* A plain decimal [-]digits[.digits] of 1 to 15 digits: its sign, its
 * digits as an integer m and the digits after the point (k).  False for
 * anything else (the callers' slow path). */
static bool short_decimal(const char *s, bool *neg, uint64_t *m, int *k)
{
    const char *p = s;
    *neg = *p == '-';
    if (*neg)
        p++;
    uint64_t v = 0;
    int digits = 0, frac = -1;
    for (; *p; p++) {
        if (*p == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (*p < '0' || *p > '9' || ++digits > 15)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
        if (frac >= 0)
            frac++;
    }
    *m = v;
    *k = frac > 0 ? frac : 0;
    return digits > 0;
}

static double decimal_value(const char *s)
{
    bool neg;
    uint64_t m;
    int k;
    if (!short_decimal(s, &neg, &m, &k))
        return g_ascii_strtod(s, NULL);
    double v = k ? (double)m / P10[k] : (double)m;
    return neg ? -v : v;
}

/* printf("%.16G") of decimal_value(s) — how libxlsxwriter prints a number —
 * without printf for the usual decimal.  With d = m·10^-k (m < 10^15) and x
 * the nearest double, 16 significant digits of x are y = m·10^(16-nd)
 * (nd = digits of m) plus round(t), t = (x - d)·10^(16-nd+k); fma gives
 * x·10^k - m with one rounding, and |t| < 1.12 because x is within half an
 * ulp of d.  Close calls (t near ±0.5), exponent changes and %G's
 * exponent form go to snprintf.  Returns the length written to b. */
static size_t fmt_g16(const char *s, char *b)
{
    bool neg;
    uint64_t m;
    int k;
    if (!short_decimal(s, &neg, &m, &k))
        goto slow;
    if (m == 0) {
        size_t n = 0;
        if (neg)
            b[n++] = '-';
        b[n++] = '0';
        b[n] = 0;
        return n;
    }
    int nd = 1;
    for (uint64_t t = m; t >= 10; t /= 10)
        nd++;
    int e10 = nd - 1 - k;
    if (e10 < -4)
        goto slow;
    double x = k ? (double)m / P10[k] : (double)m;
    double r = fma(x, P10[k], -(double)m);
    double t = r * P10[16 - nd];
    uint64_t y = m;
    for (int i = 0; i < 16 - nd; i++)
        y *= 10;
    double at = fabs(t);
    if (at > 0.5 - 1e-6 && at < 0.5 + 1e-6)
        goto slow;
    if (at > 0.5) {
        y = t > 0 ? y + 1 : y - 1;
        if (y < 1000000000000000ull)
            goto slow;
    }
    /* y: 16 digits, the first worth 10^e10 */
    char dg[16];
    for (int i = 15; i >= 0; i--, y /= 10)
        dg[i] = (char)('0' + y % 10);
    int last = 15; /* last digit kept: trailing zeros of the fraction go */
    int int_digits = e10 >= 0 ? e10 + 1 : 0;
    while (last >= int_digits && dg[last] == '0')
        last--;
    size_t n = 0;
    if (neg)
        b[n++] = '-';
    if (e10 >= 0) {
        for (int i = 0; i <= e10; i++)
            b[n++] = dg[i];
        if (last > e10) {
            b[n++] = '.';
            for (int i = e10 + 1; i <= last; i++)
                b[n++] = dg[i];
        }
    } else {
        b[n++] = '0';
        b[n++] = '.';
        for (int i = 0; i < -e10 - 1; i++)
            b[n++] = '0';
        for (int i = 0; i <= last; i++)
            b[n++] = dg[i];
    }
    b[n] = 0;
    return n;
slow:
    return (size_t)snprintf(b, 32, "%.16G", decimal_value(s));
}

/* ---- the sheet: cells in, XML out --------------------------------------- */

typedef enum { XE_OK, XE_RANGE, XE_LONG } XErr;

static const char *xerr_str(XErr e)
{
    return e == XE_LONG ? "String exceeds Excel's limit of 32,767 characters."
                        : "Worksheet row or column index out of range.";
}

typedef struct Cell {
    size_t off; /* into Sheet.buf, NUL-terminated */
    bool num;
} Cell;

/* What the scan of a sheet found, and what its XML needs before the rows. */
typedef struct Scan {
    uint32_t rowmax, colmax; /* the dimension (from A1) */
    double *width;           /* n_cols widths, as set_column got them */
    size_t n_cols;
    /* formats in first use: in the rows written while filling, and in the
     * last row, which libxlsxwriter holds until the workbook is closed and
     * so numbers after every sheet's other rows */
    uint8_t order[N_FMT], tail[N_FMT];
    int n_order, n_tail;
    XErr err;
    uint64_t cells;          /* cells written, to start the largest sheet first */
} Scan;

typedef struct Sheet {
    const DgXlsxSheet *spec;
    const void *ctx;
    Member *out;        /* NULL in the scan */
    Scan *scan;
    const char (*xf)[12]; /* format → its s="…" digits (XML pass) */
    GString *buf;       /* the current row's cell bytes */
    Cell *cells;
    size_t n_cells, cap_cells;
    size_t n_cols;      /* from the header row */
    double *width;
    uint32_t row;       /* next sheet row */
    uint64_t dropped;   /* data rows past the sheet's limit */
    uint64_t n_data;    /* data rows written */
    uint64_t limit;     /* data rows the sheet may hold */
    int group, sum;     /* column indexes, -1 = no totals */
    char *gkey, *glabel; /* current group's key and the cell after it */
    int64_t gsum, grand;
    size_t n_groups;
    bool sum_bad;       /* a money cell that is not an exact 2-decimal number */
    /* the row being written (libxlsxwriter's one-row buffer) */
    uint32_t cur;
    bool row_set;       /* set_row on it (the header's height) */
    bool row_open;      /* its <row> tag is out */
    char rowstr[12];
    size_t rowlen;
    bool used[N_FMT];   /* in scan->order already */
    uint8_t rowf[N_FMT]; /* the current row's formats in first use */
    int n_rowf;
    bool in_row[N_FMT];
} Sheet;

static void note_err(Sheet *sh, XErr e)
{
    if (sh->scan->err == XE_OK)
        sh->scan->err = e;
}

static void row_flush(Sheet *sh, bool last)
{
    for (int i = 0; i < sh->n_rowf; i++) {
        int f = sh->rowf[i];
        sh->in_row[f] = false;
        if (last)
            sh->scan->tail[sh->scan->n_tail++] = (uint8_t)f;
        else if (!sh->used[f]) {
            sh->used[f] = true;
            sh->scan->order[sh->scan->n_order++] = (uint8_t)f;
        }
    }
    sh->n_rowf = 0;
    if (sh->out) {
        if (sh->row_open)
            PUTL(sh->out, "</row>");
        else if (sh->row_set) {
            char *b = room(sh->out, 64);
            size_t n = (size_t)sprintf(b, "<row r=\"%u\" ht=\"31.5\" customHeight=\"1\"/>", sh->cur + 1);
            sh->out->n += n;
        }
    }
    sh->row_open = sh->row_set = false;
}

static void row_to(Sheet *sh, uint32_t r)
{
    if (r > sh->cur) {
        row_flush(sh, false);
        sh->cur = r;
    }
}

static void dims(Sheet *sh, uint32_t col)
{
    if (sh->row > sh->scan->rowmax)
        sh->scan->rowmax = sh->row;
    if (col > sh->scan->colmax)
        sh->scan->colmax = col;
}

/* Open the current row's <row> tag and write `<c r="REF" s="XF"`. */
static void cell_start(Sheet *sh, uint32_t col, int f)
{
    Member *o = sh->out;
    if (!sh->row_open) {
        sh->rowlen = u32_dec(sh->cur + 1, sh->rowstr);
        char *b = room(o, 64);
        size_t n = 0;
        memcpy(b, "<row r=\"", 8);
        n = 8;
        memcpy(b + n, sh->rowstr, sh->rowlen);
        n += sh->rowlen;
        if (sh->row_set) {
            memcpy(b + n, "\" ht=\"31.5\" customHeight=\"1\">", sizeof "\" ht=\"31.5\" customHeight=\"1\">" - 1);
            n += sizeof "\" ht=\"31.5\" customHeight=\"1\">" - 1;
        } else {
            memcpy(b + n, "\">", 2);
            n += 2;
        }
        o->n += n;
        sh->row_open = true;
    }
    char *b = room(o, 64);
    size_t n = 0;
    memcpy(b, "<c r=\"", 6);
    n = 6;
    n += col_name(col, b + n);
    memcpy(b + n, sh->rowstr, sh->rowlen);
    n += sh->rowlen;
    memcpy(b + n, "\" s=\"", 5);
    n += 5;
    size_t xl = strlen(sh->xf[f]);
    memcpy(b + n, sh->xf[f], xl);
    n += xl;
    o->n += n;
}

static void use_fmt(Sheet *sh, int f)
{
    if (!sh->in_row[f]) {
        sh->in_row[f] = true;
        sh->rowf[sh->n_rowf++] = (uint8_t)f;
    }
    sh->scan->cells++;
}

static void x_number(Sheet *sh, size_t col, const char *s, int f)
{
    if (col >= COL_MAX) {
        note_err(sh, XE_RANGE);
        return;
    }
    dims(sh, (uint32_t)col);
    row_to(sh, sh->row);
    if (!sh->out) {
        use_fmt(sh, f);
        return;
    }
    cell_start(sh, (uint32_t)col, f);
    char *b = room(sh->out, 64);
    memcpy(b, "\"><v>", 5);
    size_t n = 5 + fmt_g16(s, b + 5);
    memcpy(b + n, "</v></c>", 8);
    sh->out->n += n + 8;
}

/* 0: copy, 1: &, 2: <, 3: >, 4: a control character (_xHHHH_) */
static const uint8_t XCLASS[256] = {
    ['&'] = 1, ['<'] = 2, ['>'] = 3,
    [0x01] = 4, [0x02] = 4, [0x03] = 4, [0x04] = 4, [0x05] = 4, [0x06] = 4, [0x07] = 4, [0x08] = 4,
    [0x0B] = 4, [0x0C] = 4, [0x0D] = 4, [0x0E] = 4, [0x0F] = 4, [0x10] = 4, [0x11] = 4, [0x12] = 4,
    [0x13] = 4, [0x14] = 4, [0x15] = 4, [0x16] = 4, [0x17] = 4, [0x18] = 4, [0x19] = 4, [0x1A] = 4,
    [0x1B] = 4, [0x1C] = 4, [0x1D] = 4, [0x1E] = 4, [0x1F] = 4,
};

/* Text as libxlsxwriter escapes an inline string: control characters as
 * _xHHHH_, then & < > as entities (quotes stay). */
static void put_escaped(Member *o, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && !XCLASS[(unsigned char)s[j]])
            j++;
        put(o, s + i, j - i);
        if (j == len)
            break;
        unsigned char c = (unsigned char)s[j];
        switch (XCLASS[c]) {
        case 1: PUTL(o, "&amp;"); break;
        case 2: PUTL(o, "&lt;"); break;
        case 3: PUTL(o, "&gt;"); break;
        default: {
            char e[8];
            snprintf(e, sizeof e, "_x%04X_", c);
            put(o, e, 7);
        }
        }
        i = j + 1;
    }
}

static bool xml_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

static void x_text(Sheet *sh, size_t col, const char *s, int f)
{
    if (col >= COL_MAX) {
        note_err(sh, XE_RANGE);
        return;
    }
    size_t len = strlen(s);
    dims(sh, (uint32_t)col);
    if (len > STR_MAX) { /* count characters only when it could matter */
        size_t chars = 0;
        for (size_t i = 0; i < len; i++)
            chars += ((unsigned char)s[i] & 0xC0) != 0x80;
        if (chars > STR_MAX) {
            note_err(sh, XE_LONG);
            return;
        }
    }
    row_to(sh, sh->row);
    if (!sh->out) {
        use_fmt(sh, f);
        return;
    }
    cell_start(sh, (uint32_t)col, f);
    if (!len) { /* an empty string with a format: a blank cell */
        PUTL(sh->out, "\"/>");
        return;
    }
    if (xml_space(s[0]) || xml_space(s[len - 1]))
        PUTL(sh->out, "\" t=\"inlineStr\"><is><t xml:space=\"preserve\">");
    else
        PUTL(sh->out, "\" t=\"inlineStr\"><is><t>");
    put_escaped(sh->out, s, len);
    PUTL(sh->out, "</t></is></c>");
}

/* ---- the table → cells state machine (as the CSV sees it) --------------- */

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

/* A number cell; bold: a totals format, else by its decimals. */
static void write_num(Sheet *sh, size_t col, const char *s, int bold)
{
    if (!*s)
        return;
    int dec = decimals(s);
    x_number(sh, col, s, bold >= 0 ? bold : dec || strchr(s, '.') ? F_DEC0 + dec : F_INT);
    if (sh->out) /* the widths are the scan's */
        return;
    size_t len = strlen(s), ip = strcspn(s, ".") - (s[0] == '-');
    fit(sh, col, (double)(len + (ip > 3 ? (ip - 1) / 3 : 0)));
}

static void write_text(Sheet *sh, size_t col, const char *s, int f)
{
    x_text(sh, col, s, f);
    if (!sh->out) /* the widths are the scan's */
        fit(sh, col, text_width(s));
}

/* A totals row: key, the cell after it, 合计 in the next, the sum under sum_col. */
static void write_total(Sheet *sh, const char *key, const char *label, const char *word, int64_t v)
{
    char b[40];
    fen_format(v, b, sizeof b);
    for (size_t c = 0; c < sh->n_cols; c++) {
        if ((int)c == sh->sum)
            write_num(sh, c, b, F_TMONEY);
        else if ((int)c == sh->group && key)
            write_text(sh, c, key, F_TTEXT);
        else if ((int)c == sh->group + 1 && label && (int)c != sh->sum)
            write_text(sh, c, label, F_TTEXT);
        else if ((int)c == sh->group + 2 || (!key && c == 0))
            write_text(sh, c, word, F_TTEXT);
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
    /* set_row(0, 31.5): row 0 and column 0 join the dimension */
    row_to(sh, 0);
    sh->row_set = true;
    for (size_t c = 0; c < sh->n_cells; c++) {
        const char *en = cell_str(sh, c), *zh = dg_xlsxout_label(en);
        char *h = zh ? g_strconcat(zh, "\n", en, NULL) : g_strdup(en);
        write_text(sh, c, h, F_HEAD);
        g_free(h);
    }
    sh->row = 1;
}

static void data_row(Sheet *sh)
{
    if (sh->n_data >= sh->limit || sh->row >= ROW_MAX - 4) { /* room for a total and the note */
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
            write_num(sh, c, cell_str(sh, c), -1);
        else
            write_text(sh, c, cell_str(sh, c), F_TEXT);
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
    return sh->width && sh->n_cells == 0 && (sh->n_data >= sh->limit || sh->row >= ROW_MAX - 4);
}

static void sink_skip(void *ctx, uint64_t rows)
{
    ((Sheet *)ctx)->dropped += rows;
}

/* Fill the sheet once: the scan (out == NULL) or the XML rows. */
static void sheet_fill(Sheet *sh)
{
    sh->buf = g_string_new(NULL);
    DgCellSink sink = {.text = sink_text, .num = sink_num, .end = sink_end, .full = sink_full, .skip = sink_skip,
                       .ctx = sh};
    DgCsvOut w;
    dg_csvout_init_sink(&w, &sink);
    sh->spec->fill(sh->ctx, &w);
    if (!sh->width) /* a table that wrote no header: still a valid sheet */
        sink_end(sh);
    flush_group(sh);
    if (sh->n_groups > 1 && !sh->sum_bad && !sh->dropped)
        write_total(sh, NULL, NULL, "总计 grand total", sh->grand);
    if (sh->dropped) {
        char *m = g_strdup_printf("… %llu more rows not shown here: every row is in %s",
                                  (unsigned long long)sh->dropped, sh->spec->csv);
        x_text(sh, 0, m, F_TTEXT);
        g_free(m);
    }
    row_flush(sh, true);
    g_string_free(sh->buf, TRUE);
    free(sh->cells);
}

/* Column widths as libxlsxwriter stores them (characters → pixels → characters). */
static double col_width(double w)
{
    w = w + 2 < MIN_WIDTH ? MIN_WIDTH : w + 2;
    if (w > 0) {
        if (w < 1)
            w = (uint16_t)(((uint16_t)(w * (7.0 + 5.0) + 0.5)) / 7.0 * 256.0) / 256.0;
        else
            w = (uint16_t)(((uint16_t)(w * 7.0 + 0.5) + 5.0) / 7.0 * 256.0) / 256.0;
    }
    return w;
}

typedef struct Job {
    const DgXlsxSheet *spec;
    const void *ctx;
    uint64_t limit;
    bool first;         /* the selected tab */
    Scan scan;
    Member m;
    const char (*xf)[12];
    char name[40];      /* xl/worksheets/sheetN.xml */
    bool bare;          /* the empty Sheet1 of a workbook without sheets */
    pthread_t caller;   /* the thread of dg_xlsxout_write */
    uint64_t us_other;  /* CPU of this sheet's tasks run by other threads */
} Job;

static uint64_t thread_cpu_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static void job_scan(Job *j);
static void job_xml(Job *j);

/* A task: run one round of a sheet, counting its CPU when another thread
 * ran it (the caller's own CPU time already includes the rest). */
static void job_run(Job *j, bool xml)
{
    uint64_t c0 = thread_cpu_us();
    if (xml)
        job_xml(j);
    else
        job_scan(j);
    if (!pthread_equal(pthread_self(), j->caller))
        j->us_other += thread_cpu_us() - c0;
}

/* One round (scans or XML) over the sheets: n tasks that each take the
 * next sheet in `order` until none is left, so the sheets start in that
 * order whichever thread is free (largest first: the list scheduling does
 * not depend on the order in which the runtime picks tasks). */
typedef struct Round {
    Job *jobs;
    const size_t *order;
    size_t n;
    atomic_size_t next;
    bool xml;
} Round;

static void round_worker(Round *r)
{
    size_t i;
    while ((i = atomic_fetch_add(&r->next, 1)) < r->n)
        job_run(&r->jobs[r->order[i]], r->xml);
}

static void run_round(Job *jobs, const size_t *order, size_t n, bool xml)
{
    Round r = {.jobs = jobs, .order = order, .n = n, .xml = xml};
    atomic_init(&r.next, 0);
    Round *rp = &r;
#pragma omp taskgroup
    {
        for (size_t t = 0; t < n; t++) {
#pragma omp task firstprivate(rp)
            round_worker(rp);
        }
    }
}

static void job_scan(Job *j)
{
    if (j->bare)
        return;
    Sheet sh = {.spec = j->spec, .ctx = j->ctx, .scan = &j->scan, .limit = j->limit};
    sheet_fill(&sh);
    j->scan.width = sh.width;
    j->scan.n_cols = sh.n_cols;
}

static void job_xml(Job *j)
{
    Member *o = &j->m;
    if (!member_open(o, j->name))
        return;
    const Scan *sc = &j->scan;
    if (j->bare) {
        puts_(o, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                 "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
                 "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><dimension ref=\"A1\"/>"
                 "<sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\"/></sheetViews>"
                 "<sheetFormatPr defaultRowHeight=\"15\"/><sheetData/><pageMargins left=\"0.7\" right=\"0.7\" "
                 "top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>");
        member_close(o);
        return;
    }
    puts_(o, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
             "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
             "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><dimension ref=\"A1");
    if (sc->rowmax || sc->colmax) {
        char ref[24];
        cell_ref(sc->rowmax, sc->colmax, ref);
        PUTL(o, ":");
        puts_(o, ref);
    }
    puts_(o, "\"/><sheetViews><sheetView ");
    if (j->first)
        puts_(o, "tabSelected=\"1\" ");
    puts_(o, "workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"
             "<selection pane=\"bottomLeft\"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>");
    if (sc->n_cols) {
        puts_(o, "<cols>");
        for (size_t c = 0; c < sc->n_cols; c++) {
            char b[128];
            snprintf(b, sizeof b, "<col min=\"%zu\" max=\"%zu\" width=\"%.16G\" customWidth=\"1\"/>", c + 1, c + 1,
                     col_width(sc->width[c]));
            puts_(o, b);
        }
        puts_(o, "</cols>");
    }
    puts_(o, "<sheetData>");
    Scan again = {0}; /* the second fill's own counts, thrown away */
    Sheet sh = {.spec = j->spec, .ctx = j->ctx, .scan = &again, .limit = j->limit, .out = o, .xf = j->xf};
    sheet_fill(&sh);
    free(sh.width);
    puts_(o, "</sheetData><pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" "
             "footer=\"0.3\"/></worksheet>");
    member_close(o);
}

/* ---- the workbook's other parts ---------------------------------------- */

static void put_attr(Member *o, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': puts_(o, "&amp;"); break;
        case '<': puts_(o, "&lt;"); break;
        case '>': puts_(o, "&gt;"); break;
        case '"': puts_(o, "&quot;"); break;
        case '\n': puts_(o, "&#xA;"); break;
        default: put(o, s, 1);
        }
    }
}

static void put_data(Member *o, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': puts_(o, "&amp;"); break;
        case '<': puts_(o, "&lt;"); break;
        case '>': puts_(o, "&gt;"); break;
        default: put(o, s, 1);
        }
    }
}

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define NS_PKG_REL "http://schemas.openxmlformats.org/package/2006/relationships"
#define NS_DOC_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

static void content_types(Member *o, size_t n)
{
    puts_(o, XML_DECL "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                      "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                      "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                      "<Override PartName=\"/docProps/app.xml\" "
                      "ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>"
                      "<Override PartName=\"/docProps/core.xml\" "
                      "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
                      "<Override PartName=\"/xl/styles.xml\" "
                      "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
                      "<Override PartName=\"/xl/theme/theme1.xml\" "
                      "ContentType=\"application/vnd.openxmlformats-officedocument.theme+xml\"/>"
                      "<Override PartName=\"/xl/workbook.xml\" "
                      "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>");
    for (size_t i = 0; i < n; i++) {
        char b[200];
        snprintf(b, sizeof b,
                 "<Override PartName=\"/xl/worksheets/sheet%zu.xml\" "
                 "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>",
                 i + 1);
        puts_(o, b);
    }
    puts_(o, "</Types>");
}

static void root_rels(Member *o)
{
    puts_(o, XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\">"
                      "<Relationship Id=\"rId1\" Type=\"" NS_DOC_REL "/officeDocument\" Target=\"xl/workbook.xml\"/>"
                      "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/"
                      "metadata/core-properties\" Target=\"docProps/core.xml\"/>"
                      "<Relationship Id=\"rId3\" Type=\"" NS_DOC_REL "/extended-properties\" Target=\"docProps/app.xml\"/>"
                      "</Relationships>");
}

static void workbook_rels(Member *o, size_t n)
{
    char b[200];
    puts_(o, XML_DECL "<Relationships xmlns=\"" NS_PKG_REL "\">");
    for (size_t i = 0; i < n; i++) {
        snprintf(b, sizeof b, "<Relationship Id=\"rId%zu\" Type=\"" NS_DOC_REL "/worksheet\" Target=\"worksheets/sheet%zu.xml\"/>",
                 i + 1, i + 1);
        puts_(o, b);
    }
    snprintf(b, sizeof b, "<Relationship Id=\"rId%zu\" Type=\"" NS_DOC_REL "/theme\" Target=\"theme/theme1.xml\"/>", n + 1);
    puts_(o, b);
    snprintf(b, sizeof b, "<Relationship Id=\"rId%zu\" Type=\"" NS_DOC_REL "/styles\" Target=\"styles.xml\"/>", n + 2);
    puts_(o, b);
    puts_(o, "</Relationships>");
}

static void workbook_xml(Member *o, const Job *jobs, size_t n)
{
    puts_(o, XML_DECL "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"" NS_DOC_REL
                      "\"><fileVersion appName=\"xl\" lastEdited=\"4\" lowestEdited=\"4\" rupBuild=\"4505\"/>"
                      "<workbookPr defaultThemeVersion=\"124226\"/><bookViews><workbookView xWindow=\"240\" "
                      "yWindow=\"15\" windowWidth=\"16095\" windowHeight=\"9660\"/></bookViews><sheets>");
    for (size_t i = 0; i < n; i++) {
        char b[96];
        puts_(o, "<sheet name=\"");
        put_attr(o, jobs[i].spec->name);
        snprintf(b, sizeof b, "\" sheetId=\"%zu\" r:id=\"rId%zu\"/>", i + 1, i + 1);
        puts_(o, b);
    }
    puts_(o, "</sheets><calcPr calcId=\"124519\" fullCalcOnLoad=\"1\"/></workbook>");
}

static void app_xml(Member *o, const Job *jobs, size_t n)
{
    char b[200];
    puts_(o, XML_DECL "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" "
                      "xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">");
    puts_(o, "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
             "<HeadingPairs><vt:vector size=\"2\" baseType=\"variant\"><vt:variant><vt:lpstr>Worksheets</vt:lpstr>"
             "</vt:variant><vt:variant>");
    snprintf(b, sizeof b, "<vt:i4>%zu</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts>"
                          "<vt:vector size=\"%zu\" baseType=\"lpstr\">", n, n);
    puts_(o, b);
    for (size_t i = 0; i < n; i++) {
        puts_(o, "<vt:lpstr>");
        put_data(o, jobs[i].spec->name);
        puts_(o, "</vt:lpstr>");
    }
    puts_(o, "</vt:vector></TitlesOfParts><Company></Company><LinksUpToDate>false</LinksUpToDate>"
             "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion>"
             "</Properties>");
}

static void core_xml(Member *o, const char *title, time_t created)
{
    char date[32];
    struct tm tm;
    gmtime_r(&created, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    puts_(o, XML_DECL "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
                      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" "
                      "xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
                      "<dc:title>");
    put_data(o, title);
    puts_(o, "</dc:title><dc:creator></dc:creator><cp:lastModifiedBy></cp:lastModifiedBy>"
             "<dcterms:created xsi:type=\"dcterms:W3CDTF\">");
    puts_(o, date);
    puts_(o, "</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">");
    puts_(o, date);
    puts_(o, "</dcterms:modified></cp:coreProperties>");
}

/* styles.xml for the formats used, in xf order (xf[0] is the default). */
static void styles_xml(Member *o, const int *xf_fmt, int n_xf)
{
    char b[256];
    /* number formats: ids from 164 for each new code, in xf order */
    char codes[N_FMT][24];
    int numfmt[N_FMT + 1] = {0}, n_codes = 0;
    for (int i = 1; i < n_xf; i++) {
        char c[24];
        fmt_code(xf_fmt[i], c);
        if (!*c)
            continue;
        int k = 0;
        while (k < n_codes && strcmp(codes[k], c))
            k++;
        if (k == n_codes)
            strcpy(codes[n_codes++], c);
        numfmt[i] = 164 + k;
    }
    puts_(o, XML_DECL "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">");
    if (n_codes) {
        snprintf(b, sizeof b, "<numFmts count=\"%d\">", n_codes);
        puts_(o, b);
        for (int k = 0; k < n_codes; k++) {
            snprintf(b, sizeof b, "<numFmt numFmtId=\"%d\" formatCode=\"", 164 + k);
            puts_(o, b);
            put_attr(o, codes[k]);
            puts_(o, "\"/>");
        }
        puts_(o, "</numFmts>");
    }
    /* fonts (regular or bold), fills (the two defaults, the header's), borders: in first use */
    int font[N_FMT + 1], fill[N_FMT + 1], border[N_FMT + 1];
    int font_key[3], n_fonts = 0, border_key[3], n_borders = 0, n_fills = 2;
    for (int i = 0; i < n_xf; i++) {
        int fk = i && fmt_bold(xf_fmt[i]), bk = i ? fmt_border(xf_fmt[i]) : 0;
        int k = 0;
        while (k < n_fonts && font_key[k] != fk)
            k++;
        if (k == n_fonts)
            font_key[n_fonts++] = fk;
        font[i] = k;
        k = 0;
        while (k < n_borders && border_key[k] != bk)
            k++;
        if (k == n_borders)
            border_key[n_borders++] = bk;
        border[i] = k;
        fill[i] = i && xf_fmt[i] == F_HEAD ? 2 : 0;
        if (fill[i])
            n_fills = 3;
    }
    snprintf(b, sizeof b, "<fonts count=\"%d\">", n_fonts);
    puts_(o, b);
    for (int k = 0; k < n_fonts; k++)
        puts_(o, font_key[k] ? "<font><b/><sz val=\"11\"/><color theme=\"1\"/><name val=\"Calibri\"/><family val=\"2\"/>"
                               "<scheme val=\"minor\"/></font>"
                             : "<font><sz val=\"11\"/><color theme=\"1\"/><name val=\"Calibri\"/><family val=\"2\"/>"
                               "<scheme val=\"minor\"/></font>");
    snprintf(b, sizeof b, "</fonts><fills count=\"%d\"><fill><patternFill patternType=\"none\"/></fill>"
                          "<fill><patternFill patternType=\"gray125\"/></fill>", n_fills);
    puts_(o, b);
    if (n_fills == 3)
        puts_(o, "<fill><patternFill patternType=\"solid\"><fgColor rgb=\"FFE8EEF4\"/><bgColor indexed=\"64\"/>"
                 "</patternFill></fill>");
    snprintf(b, sizeof b, "</fills><borders count=\"%d\">", n_borders);
    puts_(o, b);
    for (int k = 0; k < n_borders; k++)
        puts_(o, border_key[k] == 1   ? "<border><left/><right/><top/><bottom style=\"thin\"><color auto=\"1\"/></bottom>"
                                        "<diagonal/></border>"
                 : border_key[k] == 2 ? "<border><left/><right/><top style=\"thin\"><color auto=\"1\"/></top><bottom/>"
                                        "<diagonal/></border>"
                                      : "<border><left/><right/><top/><bottom/><diagonal/></border>");
    snprintf(b, sizeof b, "</borders><cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" "
                          "borderId=\"0\"/></cellStyleXfs><cellXfs count=\"%d\">", n_xf);
    puts_(o, b);
    for (int i = 0; i < n_xf; i++) {
        snprintf(b, sizeof b, "<xf numFmtId=\"%d\" fontId=\"%d\" fillId=\"%d\" borderId=\"%d\" xfId=\"0\"%s%s%s%s%s",
                 numfmt[i], font[i], fill[i], border[i], numfmt[i] ? " applyNumberFormat=\"1\"" : "",
                 font[i] ? " applyFont=\"1\"" : "", fill[i] ? " applyFill=\"1\"" : "",
                 border[i] ? " applyBorder=\"1\"" : "", i && xf_fmt[i] == F_HEAD ? " applyAlignment=\"1\"" : "");
        puts_(o, b);
        puts_(o, i && xf_fmt[i] == F_HEAD ? "><alignment vertical=\"top\" wrapText=\"1\"/></xf>" : "/>");
    }
    puts_(o, "</cellXfs><cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
             "<dxfs count=\"0\"/><tableStyles count=\"0\" defaultTableStyle=\"TableStyleMedium9\" "
             "defaultPivotStyle=\"PivotStyleLight16\"/></styleSheet>");
}

/* ---- the zip ------------------------------------------------------------ */

static void le16(unsigned char *p, unsigned v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void le32(unsigned char *p, uint32_t v)
{
    le16(p, v & 0xFFFF);
    le16(p + 2, v >> 16);
}

/* The fields a local header and a central-directory entry share, at the
 * local header's offsets (p = the header, or the central entry + 2):
 * version 2.0 needed, no flags, deflate, 1980-01-01 00:00, CRC, sizes and
 * the name's length. */
static void entry_fields(unsigned char *p, const Member *m, size_t nl)
{
    le16(p + 4, 20);
    le16(p + 8, 8);
    le16(p + 12, 0x21);
    le32(p + 14, m->crc);
    le32(p + 18, (uint32_t)m->zlen);
    le32(p + 22, (uint32_t)m->usize);
    le16(p + 26, (unsigned)nl);
}

/* Members as minizip lays them out for libxlsxwriter: local header (version
 * 2.0, no flags, deflate, 1980-01-01 00:00, sizes known), data, then the
 * central directory and its end record.  false on a write error. */
static bool write_zip(FILE *fp, Member *const *ms, size_t n)
{
    uint64_t off = 0;
    uint32_t *offs = dg_xcalloc(n ? n : 1, sizeof *offs);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const Member *m = ms[i];
        unsigned char h[30] = {0};
        size_t nl = strlen(m->name);
        le32(h, 0x04034b50);
        entry_fields(h, m, nl);
        offs[i] = (uint32_t)off;
        ok = fwrite(h, 1, 30, fp) == 30 && fwrite(m->name, 1, nl, fp) == nl &&
             (!m->zlen || fwrite(m->z, 1, m->zlen, fp) == m->zlen);
        off += 30 + nl + m->zlen;
    }
    uint64_t cd = off;
    for (size_t i = 0; i < n && ok; i++) {
        const Member *m = ms[i];
        unsigned char h[46] = {0};
        size_t nl = strlen(m->name);
        le32(h, 0x02014b50);
        entry_fields(h + 2, m, nl); /* the same fields, after the central header's "made by" */
        le16(h + 36, m->text ? 1 : 0);
        le32(h + 42, offs[i]);
        ok = fwrite(h, 1, 46, fp) == 46 && fwrite(m->name, 1, nl, fp) == nl;
        off += 46 + nl;
    }
    unsigned char e[22] = {0};
    le32(e, 0x06054b50);
    le16(e + 8, (unsigned)n);
    le16(e + 10, (unsigned)n);
    le32(e + 12, (uint32_t)(off - cd));
    le32(e + 16, (uint32_t)cd);
    ok = ok && fwrite(e, 1, 22, fp) == 22;
    free(offs);
    return ok;
}

/* A zip without zip64 records: every size and offset below 4 GiB. */
static bool zip_fits(Member *const *ms, size_t n)
{
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (ms[i]->usize >= 0xFFFFFFFFu || ms[i]->zlen >= 0xFFFFFFFFu || off >= 0xFFFFFFFFu)
            return false;
        off += 30 + strlen(ms[i]->name) + ms[i]->zlen;
    }
    return off + 46 * n < 0xFFFFFFFFu;
}

/* libxlsxwriter's sheet-name rules: 1..31 characters, none of []:*?/\,
 * no leading or trailing apostrophe, no two alike (ignoring ASCII case). */
static bool name_ok(const Job *jobs, size_t i)
{
    const char *s = jobs[i].spec->name;
    size_t len = strlen(s);
    if (!len || g_utf8_strlen(s, -1) > 31 || strpbrk(s, "[]:*?/\\") || s[0] == '\'' || s[len - 1] == '\'')
        return false;
    for (size_t k = 0; k < i; k++)
        if (!g_ascii_strcasecmp(jobs[k].spec->name, s))
            return false;
    return true;
}

DgStatus dg_xlsxout_write(const char *dir, const char *name, const DgXlsxSheet *sheets, size_t n_sheets,
                          const void *ctx, time_t created, uint64_t max_detail, long ordinal, DgOutFileDone *done,
                          DgError *err)
{
    if (dg_xlsxout_test_writer)
        return dg_xlsxout_test_writer(dir, name, sheets, n_sheets, ctx, created, max_detail, ordinal, done, err);
    DgOutFile o;
    DgStatus st = dg_outfile_open(&o, dir, name, err);
    if (st != DG_OK)
        return st;
    o.ordinal = ordinal;
    Job *jobs = dg_xcalloc(n_sheets ? n_sheets : 1, sizeof *jobs);
    size_t n = 0;
    const char *why = NULL, *why_name = NULL;
    for (size_t i = 0; i < n_sheets; i++) {
        if (sheets[i].present && !sheets[i].present(ctx))
            continue;
        Job *j = &jobs[n];
        j->spec = &sheets[i];
        j->ctx = ctx;
        j->limit = sheets[i].detail && max_detail ? max_detail : UINT64_MAX;
        j->first = n == 0;
        j->caller = pthread_self();
        snprintf(j->name, sizeof j->name, "xl/worksheets/sheet%zu.xml", n + 1);
        if (!name_ok(jobs, n)) { /* the sheets before it are still filled, as libxlsxwriter did */
            why_name = "Worksheet name is already in use.";
            break;
        }
        n++;
    }
    bool bare = !why_name && !n; /* no sheet: libxlsxwriter adds an empty "Sheet1" */
    static const DgXlsxSheet sheet1 = {.name = "Sheet1"};
    if (bare) {
        jobs[0] = (Job){.spec = &sheet1, .first = true, .bare = true, .caller = pthread_self()};
        snprintf(jobs[0].name, sizeof jobs[0].name, "xl/worksheets/sheet1.xml");
        n = 1;
    }
    /* round 1: scan every sheet (dimension, widths, formats in first use) */
    if (!why) {
        size_t *order = dg_xcalloc(n, sizeof *order);
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        run_round(jobs, order, n, false);
        free(order);
        for (size_t i = 0; i < n && !why; i++)
            if (jobs[i].scan.err != XE_OK)
                why = xerr_str(jobs[i].scan.err);
        if (!why)
            why = why_name;
    }
    /* the workbook's xf table: formats in first use, sheet after sheet */
    int xf_of[N_FMT], xf_fmt[N_FMT + 1], n_xf = 1;
    char xf_str[N_FMT][12];
    for (int f = 0; f < N_FMT; f++)
        xf_of[f] = -1;
    xf_fmt[0] = -1;
    for (int tail = 0; tail < 2; tail++)
        for (size_t i = 0; i < n && !why; i++) {
            const Scan *sc = &jobs[i].scan;
            for (int k = 0; k < (tail ? sc->n_tail : sc->n_order); k++) {
                int f = tail ? sc->tail[k] : sc->order[k];
                if (xf_of[f] < 0) {
                    xf_of[f] = n_xf;
                    xf_fmt[n_xf++] = f;
                }
            }
        }
    for (int f = 0; f < N_FMT; f++)
        snprintf(xf_str[f], sizeof xf_str[f], "%d", xf_of[f] < 0 ? 0 : xf_of[f]);
    /* round 2: each sheet's XML deflated, the largest first */
    if (!why) {
        size_t *order = dg_xcalloc(n, sizeof *order);
        for (size_t i = 0; i < n; i++) {
            jobs[i].xf = (const char(*)[12])xf_str;
            size_t k = i;
            for (; k > 0 && jobs[order[k - 1]].scan.cells < jobs[i].scan.cells; k--)
                order[k] = order[k - 1];
            order[k] = i;
        }
        run_round(jobs, order, n, true);
        free(order);
    }
    /* the small parts, in libxlsxwriter's member order around the sheets */
    Member small[8];
    memset(small, 0, sizeof small);
    Member **ms = dg_xcalloc(n + 8, sizeof *ms);
    size_t nm = 0;
    bool bad = false;
    if (!why) {
        static const char *const names[] = {"[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels",
                                            "xl/workbook.xml",     "xl/theme/theme1.xml", "xl/styles.xml",
                                            "docProps/core.xml",   "docProps/app.xml"};
        for (int k = 0; k < 8; k++)
            member_open(&small[k], names[k]);
        content_types(&small[0], n);
        root_rels(&small[1]);
        workbook_rels(&small[2], n);
        workbook_xml(&small[3], jobs, n);
        for (const char *const *p = dg_xlsx_theme; *p; p++)
            puts_(&small[4], *p);
        styles_xml(&small[5], xf_fmt, n_xf);
        core_xml(&small[6], "dangliang payouts", created);
        app_xml(&small[7], jobs, n);
        for (int k = 0; k < 8; k++)
            member_close(&small[k]);
        ms[nm++] = &small[0];
        ms[nm++] = &small[1];
        ms[nm++] = &small[2];
        for (size_t i = 0; i < n; i++)
            ms[nm++] = &jobs[i].m;
        for (int k = 3; k < 8; k++)
            ms[nm++] = &small[k];
        for (size_t i = 0; i < nm; i++)
            bad |= ms[i]->bad;
        if (bad)
            why = "Memory error or zlib failure.";
        else if (!zip_fits(ms, nm))
            why = "The workbook is too large for a zip without zip64.";
    }
    bool wrote = !why && write_zip(o.fp, ms, nm);
    uint64_t us_other = 0;
    for (size_t i = 0; i < n; i++)
        us_other += jobs[i].us_other;
    for (size_t i = 0; i < n_sheets; i++) {
        free(jobs[i].scan.width);
        member_free(&jobs[i].m);
    }
    for (int k = 0; k < 8; k++)
        member_free(&small[k]);
    free(ms);
    free(jobs);
    if (why) {
        dg_outfile_abort(&o);
        return dg_error_set(err, DG_E_IO, dir, 0, 0, "cannot write the workbook %s: %s", name, why);
    }
    if (!wrote) {
        dg_outfile_abort(&o);
        return dg_error_set(err, DG_E_IO, dir, 0, 0, "cannot write the workbook %s: %s", name,
                            "Error creating output xlsx file. Usually a permissions error.");
    }
    st = dg_outfile_commit_done(&o, done, err);
    if (st == DG_OK && done)
        done->us_cpu_other = us_other;
    return st;
}
