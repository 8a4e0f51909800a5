/*
 * Strict JSON reader for scheme files (see scheme_json.h for why it exists).
 *
 * The whole buffer is checked for valid UTF-8 first, so the string scanner
 * only has to care about quotes, escapes and control bytes.  Containers are
 * collected into growable vectors of DgJson and shrunk when closed; the
 * recursion depth is bounded.  Duplicate keys are found by sorting the key
 * indexes, so an object with many keys costs n log n, not n^2.
 */
#include "common/textutil.h"
#include "catalog/scheme_json.h"

#include "common/csvscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Parser {
    const char *buf;
    size_t len, pos;
    uint64_t line;
    size_t line_start; /* offset of the current line's first byte */
    const char *file;
    DgError *err;
} Parser;

const char *dg_catalog_json_type_name(DgJType t)
{
    switch (t) {
    case DG_JNULL: return "null";
    case DG_JBOOL: return "a boolean";
    case DG_JNUM: return "a number";
    case DG_JSTR: return "a string";
    case DG_JARR: return "an array";
    case DG_JOBJ: return "an object";
    }
    return "a value";
}

bool dg_catalog_utf8_check(const char *buf, size_t len, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c == 0) {
            *bad = i;
            return false;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned min, cp;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1, min = 0x80, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2, min = 0x800, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3, min = 0x10000, cp = c & 0x07;
        } else {
            *bad = i;
            return false;
        }
        if (len - i <= need) {
            *bad = i;
            return false;
        }
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                *bad = i;
                return false;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            *bad = i;
            return false;
        }
        i += need + 1;
    }
    return true;
}

static DgStatus perr(Parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static DgStatus perr(Parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dg_error_setv(p->err, DG_E_CONFIG, p->file, p->line, (uint32_t)(p->pos - p->line_start + 1), fmt, ap);
    va_end(ap);
    return DG_E_CONFIG;
}

static void skip_ws(Parser *p)
{
    while (p->pos < p->len) {
        char c = p->buf[p->pos];
        if (c == '\n') {
            p->line++;
            p->line_start = p->pos + 1;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            return;
        }
        p->pos++;
    }
}

static void describe_here(const Parser *p, char *buf, size_t cap)
{
    if (p->pos >= p->len) {
        snprintf(buf, cap, "the end of the file");
        return;
    }
    unsigned char c = (unsigned char)p->buf[p->pos];
    if (c >= 0x21 && c < 0x7F)
        snprintf(buf, cap, "'%c'", c);
    else if (c >= 0x80)
        snprintf(buf, cap, "a non-ASCII character");
    else
        snprintf(buf, cap, "byte 0x%02X", c);
}

static void free_value(DgJson *v)
{
    if (!v)
        return;
    free(v->text);
    for (size_t i = 0; i < v->n; i++) {
        free_value(&v->kids[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->kids);
    free(v->keys);
    free(v->key_lines);
    memset(v, 0, sizeof *v);
}

void dg_catalog_json_free(DgJson *v)
{
    if (!v)
        return;
    free_value(v);
    free(v);
}

static bool read_hex4(Parser *p, unsigned *out)
{
    if (p->len - p->pos < 4)
        return false;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = dg_hexval(p->buf[p->pos + (size_t)i]);
        if (h < 0)
            return false;
        v = v * 16 + (unsigned)h;
    }
    p->pos += 4;
    *out = v;
    return true;
}

/* p->pos is at the opening quote.  The buffer is valid UTF-8 already. */
static DgStatus parse_string(Parser *p, char **out, size_t *out_len)
{
    p->pos++;
    size_t start = p->pos;
    /* decoded text is never longer than the raw text */
    const char *q = p->buf + start;
    size_t cap = 0;
    while (start + cap < p->len && q[cap] != '"') {
        if (q[cap] == '\\' && start + cap + 1 < p->len)
            cap++;
        cap++;
    }
    char *o = dg_xmalloc(cap + 1);
    size_t n = 0;
    for (;;) {
        if (p->pos >= p->len) {
            free(o);
            return perr(p, "a string is not closed: add the missing '\"'");
        }
        unsigned char c = (unsigned char)p->buf[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20) {
            free(o);
            if (c == '\n')
                return perr(p, "a string is not closed before the end of the line: add the missing '\"'");
            return perr(p, "control character 0x%02X inside a string; write it as an escape such as \\t", c);
        }
        if (c != '\\') {
            o[n++] = (char)c;
            p->pos++;
            continue;
        }
        p->pos++;
        if (p->pos >= p->len) {
            free(o);
            return perr(p, "a string is not closed: add the missing '\"'");
        }
        char e = p->buf[p->pos++];
        switch (e) {
        case '"': o[n++] = '"'; break;
        case '\\': o[n++] = '\\'; break;
        case '/': o[n++] = '/'; break;
        case 'b': o[n++] = '\b'; break;
        case 'f': o[n++] = '\f'; break;
        case 'n': o[n++] = '\n'; break;
        case 'r': o[n++] = '\r'; break;
        case 't': o[n++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (!read_hex4(p, &cp)) {
                free(o);
                return perr(p, "\\u must be followed by 4 hexadecimal digits");
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (p->len - p->pos < 2 || p->buf[p->pos] != '\\' || p->buf[p->pos + 1] != 'u') {
                    free(o);
                    return perr(p, "\\u%04X starts a surrogate pair but no low surrogate follows", cp);
                }
                p->pos += 2;
                if (!read_hex4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    free(o);
                    return perr(p, "\\u%04X must be followed by a low surrogate \\uDC00..\\uDFFF", cp);
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                free(o);
                return perr(p, "\\u%04X is a lone low surrogate; it is not a character", cp);
            } else if (cp == 0) {
                free(o);
                return perr(p, "\\u0000 is not allowed in a scheme string");
            }
            /* an escape's UTF-8 (<= 4 bytes) is never longer than the escape (6 or 12 bytes) */
            n += dg_utf8_put(o + n, cp);
            break;
        }
        default:
            free(o);
            p->pos--;
            return perr(p, "unknown escape \\%c in a string (allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                        (e >= 0x21 && e < 0x7F) ? e : '?');
        }
    }
    o[n] = 0;
    *out = o;
    *out_len = n;
    return DG_OK;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static DgStatus parse_number(Parser *p, DgJson *v)
{
    size_t s = p->pos, i = s;
    const char *b = p->buf;
    if (i < p->len && b[i] == '-')
        i++;
    if (i >= p->len || !is_digit(b[i])) {
        p->pos = i;
        return perr(p, "a number needs a digit here");
    }
    if (b[i] == '0') {
        i++;
        if (i < p->len && is_digit(b[i])) {
            p->pos = i;
            return perr(p, "a JSON number cannot have a leading zero; write the value as a string, e.g. \"007\"");
        }
    } else {
        while (i < p->len && is_digit(b[i]))
            i++;
    }
    if (i < p->len && b[i] == '.') {
        i++;
        if (i >= p->len || !is_digit(b[i])) {
            p->pos = i;
            return perr(p, "a number needs digits after the decimal point");
        }
        while (i < p->len && is_digit(b[i]))
            i++;
    }
    if (i < p->len && (b[i] == 'e' || b[i] == 'E')) {
        i++;
        if (i < p->len && (b[i] == '+' || b[i] == '-'))
            i++;
        if (i >= p->len || !is_digit(b[i])) {
            p->pos = i;
            return perr(p, "a number's exponent needs digits");
        }
        while (i < p->len && is_digit(b[i]))
            i++;
    }
    v->type = DG_JNUM;
    v->text = dg_xstrndup(b + s, i - s);
    v->len = i - s;
    p->pos = i;
    return DG_OK;
}

static DgStatus parse_value(Parser *p, DgJson *v, int depth);

typedef struct KeyRef {
    const char *key;
    size_t idx;
} KeyRef;

static int key_cmp(const void *x, const void *y)
{
    const KeyRef *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    if (c)
        return c;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static DgStatus check_duplicate_keys(Parser *p, DgJson *v)
{
    if (v->n < 2)
        return DG_OK;
    KeyRef *r = dg_xmalloc(v->n * sizeof *r);
    for (size_t i = 0; i < v->n; i++) {
        r[i].key = v->keys[i];
        r[i].idx = i;
    }
    qsort(r, v->n, sizeof *r, key_cmp);
    /* report the duplicate whose second occurrence comes first in the file */
    size_t best_first = 0, best_second = SIZE_MAX;
    for (size_t i = 1; i < v->n; i++) {
        if (strcmp(r[i - 1].key, r[i].key) == 0 && r[i].idx < best_second) {
            best_second = r[i].idx;
            best_first = r[i - 1].idx;
        }
    }
    free(r);
    if (best_second == SIZE_MAX)
        return DG_OK;
    uint64_t l1 = v->key_lines[best_first], l2 = v->key_lines[best_second];
    char where[64];
    if (l1 == l2)
        snprintf(where, sizeof where, "on this line");
    else
        snprintf(where, sizeof where, "(lines %llu and %llu)", (unsigned long long)l1, (unsigned long long)l2);
    dg_error_set(p->err, DG_E_CONFIG, p->file, l2, 0, "key \"%s\" appears twice in the same object %s; keep only one",
                 v->keys[best_second], where);
    return DG_E_CONFIG;
}

static DgStatus parse_container(Parser *p, DgJson *v, int depth, bool is_obj)
{
    v->type = is_obj ? DG_JOBJ : DG_JARR;
    char close = is_obj ? '}' : ']';
    p->pos++;
    size_t cap = 0;
    skip_ws(p);
    if (p->pos < p->len && p->buf[p->pos] == close) {
        p->pos++;
        return DG_OK;
    }
    for (;;) {
        skip_ws(p);
        if (v->n == cap) {
            cap = cap ? cap * 2 : 4;
            v->kids = dg_xrealloc(v->kids, cap * sizeof *v->kids);
            if (is_obj) {
                v->keys = dg_xrealloc(v->keys, cap * sizeof *v->keys);
                v->key_lines = dg_xrealloc(v->key_lines, cap * sizeof *v->key_lines);
            }
        }
        DgJson *kid = &v->kids[v->n];
        memset(kid, 0, sizeof *kid);
        if (is_obj) {
            if (p->pos < p->len && p->buf[p->pos] == '/')
                return perr(p, "comments are not allowed in JSON; remove them (use a \"title\" to describe the scheme)");
            if (p->pos >= p->len || p->buf[p->pos] != '"') {
                char what[32];
                describe_here(p, what, sizeof what);
                return perr(p, "expected a key in double quotes, found %s", what);
            }
            uint64_t kline = p->line;
            char *key;
            size_t klen;
            DgStatus st = parse_string(p, &key, &klen);
            if (st)
                return st;
            v->keys[v->n] = key;
            v->key_lines[v->n] = kline;
            v->n++; /* owned from here on, even if the value fails */
            skip_ws(p);
            if (p->pos >= p->len || p->buf[p->pos] != ':') {
                char what[32];
                describe_here(p, what, sizeof what);
                return perr(p, "expected ':' after the key \"%s\", found %s", key, what);
            }
            p->pos++;
            skip_ws(p);
            st = parse_value(p, kid, depth + 1);
            if (st)
                return st;
        } else {
            v->n++;
            DgStatus st = parse_value(p, kid, depth + 1);
            if (st)
                return st;
        }
        skip_ws(p);
        if (p->pos < p->len && p->buf[p->pos] == ',') {
            p->pos++;
            skip_ws(p);
            if (p->pos < p->len && p->buf[p->pos] == close)
                return perr(p, "a trailing comma before '%c' is not allowed in JSON; remove it", close);
            continue;
        }
        if (p->pos < p->len && p->buf[p->pos] == close) {
            p->pos++;
            break;
        }
        char what[32];
        describe_here(p, what, sizeof what);
        if (is_obj)
            return perr(p, "expected ',' or '}' after the value of \"%s\", found %s", v->keys[v->n - 1], what);
        return perr(p, "expected ',' or ']' after an array element, found %s", what);
    }
    if (v->n < cap) {
        v->kids = dg_xrealloc(v->kids, v->n * sizeof *v->kids);
        if (is_obj) {
            v->keys = dg_xrealloc(v->keys, v->n * sizeof *v->keys);
            v->key_lines = dg_xrealloc(v->key_lines, v->n * sizeof *v->key_lines);
        }
    }
    return is_obj ? check_duplicate_keys(p, v) : DG_OK;
}

static bool match_word(Parser *p, const char *w)
{
    size_t n = strlen(w);
    if (p->len - p->pos < n || memcmp(p->buf + p->pos, w, n) != 0)
        return false;
    p->pos += n;
    return true;
}

static DgStatus parse_value(Parser *p, DgJson *v, int depth)
{
    memset(v, 0, sizeof *v);
    v->line = p->line;
    v->col = (uint32_t)(p->pos - p->line_start + 1);
    if (depth > DG_SJSON_MAX_DEPTH)
        return perr(p, "the scheme is nested more than %d levels deep", DG_SJSON_MAX_DEPTH);
    if (p->pos >= p->len)
        return perr(p, "expected a value, found the end of the file");
    char c = p->buf[p->pos];
    switch (c) {
    case '{': return parse_container(p, v, depth, true);
    case '[': return parse_container(p, v, depth, false);
    case '"':
        v->type = DG_JSTR;
        return parse_string(p, &v->text, &v->len);
    case 't':
    case 'f':
    case 'n':
        if (match_word(p, "true") || match_word(p, "false")) {
            v->type = DG_JBOOL;
            v->boolean = c == 't';
            return DG_OK;
        }
        if (match_word(p, "null")) {
            v->type = DG_JNULL;
            return DG_OK;
        }
        break;
    default:
        if (c == '-' || is_digit(c))
            return parse_number(p, v);
        break;
    }
    char what[32];
    describe_here(p, what, sizeof what);
    if (c == '\'')
        return perr(p, "strings take double quotes in JSON, not single quotes");
    if (c == '/')
        return perr(p, "comments are not allowed in JSON; remove them (use a \"title\" to describe the scheme)");
    if (c == '.' || c == '+')
        return perr(p, "a number cannot start with '%c'; write the decimal as a string, e.g. \"0.5\"", c);
    return perr(p, "expected a value (object, array, string, number, true, false or null), found %s", what);
}

DgStatus dg_catalog_json_parse(const char *buf, size_t len, const char *file, DgJson **out, DgError *err)
{
    *out = NULL;
    Parser p = {.buf = buf, .len = len, .pos = dg_bom_len(buf, len), .line = 1, .file = file, .err = err};
    p.line_start = p.pos;
    size_t bad;
    if (!dg_catalog_utf8_check(buf, len, &bad)) {
        p.pos = bad;
        for (size_t i = 0; i < bad; i++)
            if (buf[i] == '\n') {
                p.line++;
                p.line_start = i + 1;
            }
        if (buf[bad] == 0)
            return perr(&p, "the file contains a NUL byte; a scheme must be UTF-8 text");
        return perr(&p, "the file is not valid UTF-8 here; save the scheme as UTF-8");
    }
    DgJson *root = dg_xcalloc(1, sizeof *root);
    skip_ws(&p);
    if (p.pos >= p.len) {
        free(root);
        return perr(&p, "the scheme file is empty; it must hold one JSON object");
    }
    DgStatus st = parse_value(&p, root, 0);
    if (!st) {
        skip_ws(&p);
        if (p.pos < p.len)
            st = perr(&p, "unexpected text after the end of the JSON value; a scheme is exactly one object");
    }
    if (st) {
        dg_catalog_json_free(root);
        return st;
    }
    *out = root;
    return DG_OK;
}

const DgJson *dg_catalog_json_get(const DgJson *v, const char *key)
{
    if (!v || v->type != DG_JOBJ)
        return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0)
            return &v->kids[i];
    return NULL;
}
