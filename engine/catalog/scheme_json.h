/*
 * A small strict JSON reader for scheme files.
 *
 * Design: the scheme's money and coefficients must never pass through binary
 * floating point, and every error must name the scheme file's line.  General
 * JSON libraries convert numbers to double and drop positions, so the scheme
 * is read by this recursive-descent parser instead: it keeps each number's
 * literal text (judged later by dg_decimal_parse), records the line and
 * column of every value and key, rejects duplicate keys (a second value
 * would silently win otherwise), \u0000, lone surrogates, invalid UTF-8,
 * and nesting deeper than DG_SJSON_MAX_DEPTH (so hostile input cannot
 * exhaust the stack).  Strings are decoded to NUL-terminated UTF-8.
 */
#ifndef DG_SCHEME_JSON_H
#define DG_SCHEME_JSON_H

#include "dangliang/common.h"

#define DG_SJSON_MAX_DEPTH 64

typedef enum DgJType { DG_JNULL, DG_JBOOL, DG_JNUM, DG_JSTR, DG_JARR, DG_JOBJ } DgJType;

typedef struct DgJson {
    DgJType type;
    bool boolean;              /* DG_JBOOL */
    uint64_t line;             /* where the value starts (1-based) */
    uint32_t col;              /* byte column, 1-based */
    char *text;                /* DG_JSTR: decoded UTF-8; DG_JNUM: the literal as written */
    size_t len;                /* bytes of text (a decoded string holds no NUL) */
    struct DgJson *kids;       /* DG_JARR elements, DG_JOBJ member values */
    char **keys;               /* DG_JOBJ: keys[i] names kids[i] */
    uint64_t *key_lines;       /* DG_JOBJ: line of each key */
    size_t n;
} DgJson;

/* Parse buf[0..len) (a leading UTF-8 BOM is skipped).  On success *out owns
 * the tree (free with dg_catalog_json_free).  Errors: DG_E_CONFIG naming
 * `file`, line and column.  Thread safety: reentrant. */
DgStatus dg_catalog_json_parse(const char *buf, size_t len, const char *file, DgJson **out, DgError *err);

/* Accepts NULL. */
void dg_catalog_json_free(DgJson *v);

/* Member `key` of an object, or NULL when absent (or v is not an object). */
const DgJson *dg_catalog_json_get(const DgJson *v, const char *key);

/* Human name of a type ("a string", "an array", ...), for messages. */
const char *dg_catalog_json_type_name(DgJType t);

/* Check that buf[0..len) is valid UTF-8 without NUL bytes.  Returns true, or
 * false with *bad set to the offset of the first offending byte. */
bool dg_catalog_utf8_check(const char *buf, size_t len, size_t *bad);

#endif
