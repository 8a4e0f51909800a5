/*
 * Status table, error records, aborting allocators, dates and exact
 * decimals.  Everything here is pure and thread-safe.
 *
 * Decimals are parsed digit by digit into scaled int64 values; nothing goes
 * through strtod, so "0.1" is exactly 1000 at scale 4 and a value with more
 * significant decimals than allowed is reported, never rounded away.
 */
#include "dangliang/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    DgStatus status;
    const char *name;
} status_table[] = {
    {DG_OK, "ok"},         {DG_E_REJECTED, "rejected"}, {DG_E_USAGE, "usage"},
    {DG_E_CONFIG, "config"}, {DG_E_IO, "io"},           {DG_E_INTERNAL, "internal"},
};

const char *dg_status_name(DgStatus s)
{
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
        if (status_table[i].status == s)
            return status_table[i].name;
    return "unknown";
}

DgStatus dg_error_setv(DgError *err, DgStatus status, const char *file, uint64_t line, uint32_t column,
                       const char *fmt, va_list ap)
{
    if (!err)
        return status;
    err->status = status;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->column = column;
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    return status;
}

DgStatus dg_error_set(DgError *err, DgStatus status, const char *file, uint64_t line, uint32_t column,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dg_error_setv(err, status, file, line, column, fmt, ap);
    va_end(ap);
    return status;
}

void dg_error_format(const DgError *err, char *buf, size_t cap)
{
    if (!cap)
        return;
    buf[0] = 0;
    size_t n = 0;
    if (err->file[0]) {
        if (err->line && err->column)
            n = (size_t)snprintf(buf, cap, "%s:%llu:%u: ", err->file, (unsigned long long)err->line,
                                 err->column);
        else if (err->line)
            n = (size_t)snprintf(buf, cap, "%s:%llu: ", err->file, (unsigned long long)err->line);
        else
            n = (size_t)snprintf(buf, cap, "%s: ", err->file);
    }
    if (n < cap)
        snprintf(buf + n, cap - n, "%s", err->text);
}

static void oom(size_t n)
{
    fprintf(stderr, "dangliang: out of memory allocating %zu bytes\n", n);
    abort();
}

void *dg_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *dg_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *dg_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *dg_xstrndup(const char *s, size_t n)
{
    char *p = dg_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *dg_xstrdup(const char *s)
{
    return dg_xstrndup(s, strlen(s));
}

/* ---- dates: Howard Hinnant's days_from_civil, exact for the proleptic calendar ---- */

int32_t dg_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

void dg_date_to_ymd(int32_t z0, int *y, int *m, int *d)
{
    long z = (long)z0 + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned long doe = (unsigned long)(z - era * 146097);
    unsigned long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = (long)yoe + era * 400;
    unsigned long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

void dg_date_format(int32_t day, char *buf)
{
    int y, m, d;
    dg_date_to_ymd(day, &y, &m, &d);
    unsigned uy = (unsigned)y % 10000u, um = (unsigned)m % 100u, ud = (unsigned)d % 100u;
    buf[0] = (char)('0' + uy / 1000);
    buf[1] = (char)('0' + uy / 100 % 10);
    buf[2] = (char)('0' + uy / 10 % 10);
    buf[3] = (char)('0' + uy % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + um / 10);
    buf[6] = (char)('0' + um % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + ud / 10);
    buf[9] = (char)('0' + ud % 10);
    buf[10] = 0;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : dm[m - 1];
}

static inline bool isdig(char c)
{
    return c >= '0' && c <= '9';
}

/* Parses the date part; sets *used to the bytes consumed. */
static bool date_core(const char *s, size_t len, int32_t *day, size_t *used)
{
    if (len < 8)
        return false;
    for (int i = 0; i < 4; i++)
        if (!isdig(s[i]))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    char sep = s[4];
    if (sep != '-' && sep != '/')
        return false;
    size_t i = 5;
    int m = 0, nd = 0;
    while (i < len && isdig(s[i]) && nd < 2) {
        m = m * 10 + (s[i] - '0');
        i++;
        nd++;
    }
    if (nd == 0 || i >= len || s[i] != sep)
        return false;
    i++;
    int d = 0;
    nd = 0;
    while (i < len && isdig(s[i]) && nd < 2) {
        d = d * 10 + (s[i] - '0');
        i++;
        nd++;
    }
    if (nd == 0)
        return false;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    *day = dg_date_from_ymd(y, m, d);
    *used = i;
    return true;
}

bool dg_date_parse(const char *s, size_t len, int32_t *day)
{
    size_t used;
    if (!date_core(s, len, day, &used))
        return false;
    return used == len || s[used] == 'T' || s[used] == ' ';
}

bool dg_date_parse_strict(const char *s, size_t len, int32_t *day)
{
    size_t used;
    return date_core(s, len, day, &used) && used == len;
}

/* ---- decimals ---- */

DgDecResult dg_decimal_parse(const char *s, size_t len, int scale, bool allow_negative, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (len && s[0] == '-') {
        if (!allow_negative)
            return DG_DEC_SYNTAX;
        neg = true;
        i = 1;
    }
    size_t int_start = i;
    DgU128 v = 0;
    const DgU128 lim = (DgU128)INT64_MAX + (neg ? 1 : 0);
    while (i < len && isdig(s[i])) {
        v = v * 10 + (unsigned)(s[i] - '0');
        if (v > lim * 10) /* keep v bounded; the scaled check follows */
            return DG_DEC_OVERFLOW;
        i++;
    }
    size_t nint = i - int_start;
    size_t nfrac = 0;
    int kept = 0;
    bool extra_nonzero = false;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && isdig(s[i])) {
            if (kept < scale) {
                v = v * 10 + (unsigned)(s[i] - '0');
                kept++;
            } else if (s[i] != '0') {
                extra_nonzero = true;
            }
            nfrac++;
            i++;
        }
        if (nfrac == 0)
            return DG_DEC_SYNTAX;
    }
    if (nint == 0 || i != len)
        return DG_DEC_SYNTAX;
    if (extra_nonzero)
        return DG_DEC_TOO_PRECISE;
    for (; kept < scale; kept++) {
        v *= 10;
        if (v > lim)
            return DG_DEC_OVERFLOW;
    }
    if (v > lim)
        return DG_DEC_OVERFLOW;
    *out = neg ? (int64_t)(-(DgI128)v) : (int64_t)v;
    return DG_DEC_OK;
}

static DgU128 pow10_u128(int n)
{
    DgU128 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

/* Write the decimal digits of v (no sign) into buf; returns length. */
static size_t u128_digits(DgU128 v, char *buf)
{
    char tmp[48];
    size_t n = 0;
    /* 128-bit division is a library call (__udivmodti4) per digit; every
     * amount an output prints fits in 64 bits, where it is a multiply */
    while (v > UINT64_MAX) {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    }
    uint64_t w = (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + (int)(w % 10));
        w /= 10;
    } while (w);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = 0;
    return n;
}

static void format_scaled_u128(DgU128 v, int scale, bool neg, char *buf)
{
    DgU128 p = pow10_u128(scale);
    DgU128 ip = v / p, fp = v % p;
    size_t n = 0;
    if (neg)
        buf[n++] = '-';
    n += u128_digits(ip, buf + n);
    if (scale > 0) {
        buf[n++] = '.';
        char fr[48];
        size_t fl = u128_digits(fp, fr);
        for (size_t k = fl; k < (size_t)scale; k++)
            buf[n++] = '0';
        memcpy(buf + n, fr, fl);
        n += fl;
    }
    buf[n] = 0;
}

void dg_decimal_format(int64_t v, int scale, char *buf)
{
    bool neg = v < 0;
    DgU128 a = neg ? (DgU128)(-(DgI128)v) : (DgU128)v;
    format_scaled_u128(a, scale, neg, buf);
}

void dg_decimal_format_u128(DgU128 v, int from_scale, int to_scale, char *buf)
{
    int drop = from_scale - to_scale;
    if (drop > 0) {
        DgU128 p = pow10_u128(drop);
        DgU128 q = v / p, r = v % p;
        if (r * 2 >= p)
            q++;
        v = q;
    }
    format_scaled_u128(v, to_scale, false, buf);
}

void dg_ratio_format(DgU128 n, DgU128 d, int scale, char *buf)
{
    /* Long division digit by digit keeps everything within 128 bits even
     * when n is close to the limit. */
    DgU128 ip = n / d, r = n % d;
    char digits[64] = {0};
    if (scale > 60)
        scale = 60;
    int k = 0;
    for (; k < scale + 1; k++) {
        /* r < d, so r*10 could overflow only when d > 2^124: split then. */
        DgU128 r10;
        if (r > (~(DgU128)0) / 10) {
            /* rare: compute via subtraction to avoid overflow */
            DgU128 acc = 0, q = 0;
            for (int t = 0; t < 10; t++) {
                if (acc >= d - r) {
                    acc = acc - (d - r);
                    q++;
                } else {
                    acc += r;
                }
            }
            digits[k] = (char)('0' + (int)q);
            r = acc;
            continue;
        }
        r10 = r * 10;
        digits[k] = (char)('0' + (int)(r10 / d));
        r = r10 % d;
    }
    /* round half-up on the extra digit */
    bool up = digits[scale] >= '5';
    int i = scale - 1;
    while (up && i >= 0) {
        if (digits[i] == '9') {
            digits[i] = '0';
            i--;
        } else {
            digits[i]++;
            up = false;
        }
    }
    if (up)
        ip++;
    size_t n0 = u128_digits(ip, buf);
    if (scale > 0) {
        buf[n0++] = '.';
        memcpy(buf + n0, digits, (size_t)scale);
        n0 += (size_t)scale;
    }
    buf[n0] = 0;
}

bool dg_uint_parse(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    if (len == 0 || len > 20)
        return false;
    DgU128 v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdig(s[i]))
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint64_t)v;
    return true;
}

