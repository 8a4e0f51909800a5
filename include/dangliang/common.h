/*
 * dangliang common definitions: status codes, the error record, exact
 * fixed-point types and the small date/decimal helpers every stage shares.
 *
 * Design: one status table (like libuv's single error table) maps every
 * failure class to the CLI exit code, so a library caller and the CLI agree
 * on what "configuration error" means.  Functions that can fail return a
 * DgStatus and take a DgError * last; the error records where (file, line,
 * column) and what, in words a finance officer can act on.  The library
 * never prints.  Out-of-memory aborts (see dg_xmalloc).
 *
 * Money is int64 fen; equivalents, coefficients and factors are int64 in
 * units of 10^-4; indicator values and targets in 10^-6.  Products that can
 * exceed 64 bits use DgI128.  No float touches these quantities.
 */
#ifndef DANGLIANG_COMMON_H
#define DANGLIANG_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DG_VERSION "0.1.0"

/* Exact 128-bit integers (GCC/Clang extension, marked so -Wpedantic accepts it). */
__extension__ typedef __int128 DgI128;
__extension__ typedef unsigned __int128 DgU128;

/* Status codes.  The numeric value of each non-OK code is the CLI exit code. */
typedef enum DgStatus {
    DG_OK = 0,
    DG_E_REJECTED = 1, /* rows were rejected and --strict was given */
    DG_E_USAGE = 2,    /* bad command line */
    DG_E_CONFIG = 3,   /* scheme / configuration / data-dependent failure (overflow, missing indicator) */
    DG_E_IO = 4,       /* cannot open, read or write a file */
    DG_E_INTERNAL = 5  /* a self-check failed: a bug */
} DgStatus;

/* Short stable name of a status ("ok", "usage", "config", "io", "internal"). */
const char *dg_status_name(DgStatus s);

/* Where and what.  line/column are 1-based, 0 when not applicable. */
typedef struct DgError {
    DgStatus status;
    char file[1024];
    uint64_t line;
    uint32_t column;
    char text[1024];
} DgError;

/* Fill *err (if non-NULL) and return `status`.  `file` may be NULL.
 * The text is truncated to fit.  Thread safety: touches only *err. */
DgStatus dg_error_set(DgError *err, DgStatus status, const char *file, uint64_t line, uint32_t column,
                      const char *fmt, ...) __attribute__((format(printf, 6, 7)));
DgStatus dg_error_setv(DgError *err, DgStatus status, const char *file, uint64_t line, uint32_t column,
                       const char *fmt, va_list ap);

/* Format "file:line:column: text" (parts omitted when absent) into buf. */
void dg_error_format(const DgError *err, char *buf, size_t cap);

/* ---- allocation: abort on out-of-memory ---------------------------------- */
void *dg_xmalloc(size_t n);
void *dg_xcalloc(size_t n, size_t size);
void *dg_xrealloc(void *p, size_t n);
char *dg_xstrndup(const char *s, size_t n);
char *dg_xstrdup(const char *s);

/* ---- dates ---------------------------------------------------------------
 * A date is an int32 day number: days since 1970-01-01 (proleptic Gregorian).
 */
#define DG_DATE_MIN INT32_MIN /* "open" lower bound */
#define DG_DATE_MAX INT32_MAX /* "open" upper bound */

int32_t dg_date_from_ymd(int y, int m, int d);
void dg_date_to_ymd(int32_t day, int *y, int *m, int *d);
/* Format as YYYY-MM-DD into buf (>= 11 bytes). */
void dg_date_format(int32_t day, char *buf);

/* Parse a service date per docs/formats.md (service log): 4-digit year, 1-2 digit month and day,
 * separated twice by the same '-' or '/', a valid Gregorian date, then end
 * of field or 'T' or ' ' followed by anything (time not checked).
 * Returns true and sets *day on success. */
bool dg_date_parse(const char *s, size_t len, int32_t *day);

/* Parse a strict configuration date "YYYY-MM-DD" (same grammar as above, no time). */
bool dg_date_parse_strict(const char *s, size_t len, int32_t *day);

/* ---- exact decimals ------------------------------------------------------
 * Parse a plain decimal ("12", "0.4213", "35000000.00", "-1.5" when
 * allow_negative) into an integer scaled by 10^scale.  More fractional
 * digits than `scale` are accepted only when the extra digits are zeros
 * ("0.60000" at scale 4 is fine); otherwise DG_DEC_TOO_PRECISE.  No
 * exponent, no hex, no inf/nan, no leading '+', no spaces.  Overflow of
 * int64 is DG_DEC_OVERFLOW.
 */
typedef enum DgDecResult { DG_DEC_OK = 0, DG_DEC_SYNTAX, DG_DEC_TOO_PRECISE, DG_DEC_OVERFLOW } DgDecResult;
DgDecResult dg_decimal_parse(const char *s, size_t len, int scale, bool allow_negative, int64_t *out);

/* Format an integer scaled by 10^scale with exactly `scale` decimals. buf >= 48 bytes. */
void dg_decimal_format(int64_t v, int scale, char *buf);

/* Format a non-negative 128-bit value scaled by 10^from_scale, rounded
 * half-up to `to_scale` decimals (to_scale <= from_scale). buf >= 64 bytes. */
void dg_decimal_format_u128(DgU128 v, int from_scale, int to_scale, char *buf);

/* Format n / d (n >= 0, d > 0) rounded half-up to `scale` decimals. buf >= 64 bytes. */
void dg_ratio_format(DgU128 n, DgU128 d, int scale, char *buf);

/* Parse an unsigned decimal integer consisting only of [0-9]+ (no sign).  False on
 * empty, non-digit or value > max. */
bool dg_uint_parse(const char *s, size_t len, uint64_t max, uint64_t *out);

/* ---- warnings ------------------------------------------------------------
 * Things a run should not pass over in silence but that do not stop it (a
 * catalog category no pool pays for, a high reject rate, a log that looks
 * GB18030): the library collects them, the CLI prints them on stderr, and
 * summary.json and report.html list them.  `strict` marks those that are
 * errors under --strict. */
typedef struct DgWarnings {
    char **text;
    bool *strict;
    size_t n;
} DgWarnings;
void dg_warnings_add(DgWarnings *w, bool strict, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Frees the texts and zeroes *w.  Accepts NULL. */
void dg_warnings_clear(DgWarnings *w);

/* ---- text made safe to show ----------------------------------------------
 * Copy s[0..n) replacing C0 control characters (keeping '\n' when
 * keep_newlines), DEL, C1 controls (U+0080..U+009F) and bytes that are not
 * valid UTF-8 with "\xNN" (each byte, upper-case hex).  Everything the
 * CLI writes to a terminal or to stderr goes through this.  Returns a
 * malloc'd string. */
char *dg_text_escape(const char *s, size_t n, bool keep_newlines);
/* True when dg_text_escape would change s[0..n) (keep_newlines false). */
bool dg_text_needs_escape(const char *s, size_t n);

#ifdef __cplusplus
}
#endif
#endif
