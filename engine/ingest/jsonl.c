/*
 * Strict JSON Lines row parser (see jsonl.h).
 *
 * Recursive descent over one line with a nesting limit, so hostile input
 * cannot exhaust the stack.  Strings without a backslash — nearly all of
 * them — are returned as pointers into the line; a string with escapes is
 * decoded into the scratch buffer.  A decoded string is never longer than
 * its source (\uXXXX is 6 bytes for at most 3, a surrogate pair 12 for 4),
 * so the scratch is sized from the line length once, before parsing, and
 * pointers into it never move during a call.  The same scratch holds the
 * list of top-level keys for the duplicate check: pairwise for a handful of
 * keys, an in-place heapsort beyond that (no allocation, O(k log k) even
 * for a line of a million keys).
 */
#include "common/textutil.h"
#include "jsonl.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define PAIRWISE_MAX 16
#define KEYLEN_CACHE 16 /* wanted keys whose lengths are computed once per call */

typedef struct KeyRef {
    const char *p;
    size_t n;
} KeyRef;

typedef struct P {
    const char *s;
    size_t i, n;
    char *out;  /* decoded strings */
    size_t o;
    KeyRef *keys;
    size_t n_keys, cap_keys;
    const char *why;
} P;

void dg_json_scratch_free(DgJsonScratch *s)
{
    if (!s)
        return;
    free(s->buf);
    s->buf = NULL;
    s->cap = 0;
}

static bool fail(P *p, const char *why)
{
    if (!p->why)
        p->why = why;
    return false;
}

static inline void skip_ws(P *p)
{
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            break;
        p->i++;
    }
}

/* Four hex digits at s[i..i+4) -> *cp. */
static bool hex4(const P *p, size_t i, unsigned *cp)
{
    if (p->n - i < 4)
        return false;
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = dg_hexval(p->s[i + (size_t)k]);
        if (h < 0)
            return false;
        v = v << 4 | (unsigned)h;
    }
    *cp = v;
    return true;
}

/* 1 for bytes that end the fast scan of a string body: '"', '\\', controls. */
static const unsigned char str_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1,
};

/* String at s[i] == '"'.  With decode, *ptr and *len receive the value (into the
 * line when it has no escape, else into out); otherwise it is only checked. */
static bool parse_string(P *p, bool decode, const char **ptr, size_t *len)
{
    const char *s = p->s;
    size_t i = p->i + 1, n = p->n;
    size_t start = i;
    /* 8 bytes at a time while none is '"', '\\' or a control byte */
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    while (n - i >= 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        uint64_t hit = ((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w);
        if (hit & high)
            break;
        i += 8;
    }
    while (i < n && !str_stop[(unsigned char)s[i]])
        i++;
    if (i < n && s[i] == '"') { /* fast path: no escape */
        if (decode) {
            *ptr = s + start;
            *len = i - start;
        }
        p->i = i + 1;
        return true;
    }
    char *o = decode ? p->out + p->o : NULL;
    size_t olen = 0;
    if (decode) {
        memcpy(o, s + start, i - start);
        olen = i - start;
    }
    for (;;) {
        if (i >= n)
            return fail(p, "unterminated JSON string");
        unsigned char c = (unsigned char)s[i];
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(p, "control character in a JSON string");
        if (c != '\\') {
            if (decode)
                o[olen++] = (char)c;
            i++;
            continue;
        }
        if (i + 1 >= n)
            return fail(p, "unterminated JSON string");
        char e = s[i + 1];
        char d;
        switch (e) {
        case '"': d = '"'; break;
        case '\\': d = '\\'; break;
        case '/': d = '/'; break;
        case 'b': d = '\b'; break;
        case 'f': d = '\f'; break;
        case 'n': d = '\n'; break;
        case 'r': d = '\r'; break;
        case 't': d = '\t'; break;
        case 'u': {
            unsigned cp;
            if (!hex4(p, i + 2, &cp))
                return fail(p, "invalid \\u escape in a JSON string");
            i += 6;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return fail(p, "lone surrogate in a JSON string");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (!(n - i >= 6 && s[i] == '\\' && s[i + 1] == 'u' && hex4(p, i + 2, &lo) && lo >= 0xDC00 &&
                      lo <= 0xDFFF))
                    return fail(p, "lone surrogate in a JSON string");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            if (decode)
                olen += dg_utf8_put(o + olen, cp);
            continue;
        }
        default:
            return fail(p, "invalid escape in a JSON string");
        }
        if (decode)
            o[olen++] = d;
        i += 2;
    }
    if (decode) {
        *ptr = o;
        *len = olen;
        p->o += olen;
    }
    p->i = i + 1;
    return true;
}

/* Number at s[i]: sets *is_int when it has neither fraction nor exponent. */
static bool parse_number(P *p, bool *is_int)
{
    const char *s = p->s;
    size_t i = p->i, n = p->n;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n || s[i] < '0' || s[i] > '9')
        return fail(p, "invalid JSON number");
    if (s[i] == '0') {
        i++;
    } else {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    bool integer = true;
    if (i < n && s[i] == '.') {
        integer = false;
        i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return fail(p, "invalid JSON number");
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        integer = false;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return fail(p, "invalid JSON number");
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    /* "01" or "1x": the number must end at a delimiter */
    if (i < n) {
        char c = s[i];
        if (c != ',' && c != '}' && c != ']' && c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return fail(p, "invalid JSON number");
    }
    p->i = i;
    *is_int = integer;
    return true;
}

static bool parse_literal(P *p, const char *lit, size_t k)
{
    if (p->n - p->i < k || memcmp(p->s + p->i, lit, k) != 0)
        return fail(p, "invalid JSON value");
    p->i += k;
    return true;
}

static bool parse_value(P *p, int depth, DgJsonVal *v);

static bool parse_container(P *p, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(p, "JSON nested too deeply");
    bool obj = p->s[p->i] == '{';
    char close = obj ? '}' : ']';
    p->i++;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
        return true;
    }
    for (;;) {
        if (obj) {
            if (p->i >= p->n || p->s[p->i] != '"')
                return fail(p, "expected a key in a JSON object");
            if (!parse_string(p, false, NULL, NULL))
                return false;
            skip_ws(p);
            if (p->i >= p->n || p->s[p->i] != ':')
                return fail(p, "expected ':' in a JSON object");
            p->i++;
            skip_ws(p);
        }
        if (!parse_value(p, depth, NULL))
            return false;
        skip_ws(p);
        if (p->i >= p->n)
            return fail(p, obj ? "unterminated JSON object" : "unterminated JSON array");
        char c = p->s[p->i];
        if (c == close) {
            p->i++;
            return true;
        }
        if (c != ',')
            return fail(p, obj ? "expected ',' or '}' in a JSON object" : "expected ',' or ']' in a JSON array");
        p->i++;
        skip_ws(p);
    }
}

/* Value at s[i] (whitespace already skipped); v may be NULL (skip). */
static bool parse_value(P *p, int depth, DgJsonVal *v)
{
    if (p->i >= p->n)
        return fail(p, "missing JSON value");
    char c = p->s[p->i];
    DgJsonType t;
    size_t b = p->i;
    switch (c) {
    case '"':
        if (v) {
            if (!parse_string(p, true, &v->ptr, &v->len))
                return false;
            v->type = DG_JSON_STRING;
            return true;
        }
        return parse_string(p, false, NULL, NULL);
    case '{':
    case '[':
        if (!parse_container(p, depth + 1))
            return false;
        t = DG_JSON_OTHER;
        break;
    case 't':
        if (!parse_literal(p, "true", 4))
            return false;
        t = DG_JSON_OTHER;
        break;
    case 'f':
        if (!parse_literal(p, "false", 5))
            return false;
        t = DG_JSON_OTHER;
        break;
    case 'n':
        if (!parse_literal(p, "null", 4))
            return false;
        t = DG_JSON_NULL;
        break;
    default: {
        if (c != '-' && (c < '0' || c > '9'))
            return fail(p, "invalid JSON value");
        bool is_int;
        if (!parse_number(p, &is_int))
            return false;
        t = is_int ? DG_JSON_INT : DG_JSON_OTHER;
        break;
    }
    }
    if (v) {
        v->type = t;
        v->ptr = t == DG_JSON_INT ? p->s + b : NULL;
        v->len = t == DG_JSON_INT ? p->i - b : 0;
    }
    return true;
}

static inline bool key_eq(const KeyRef *a, const KeyRef *b)
{
    return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

static int key_cmp(const KeyRef *a, const KeyRef *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    return memcmp(a->p, b->p, a->n);
}

static void sift_down(KeyRef *k, size_t root, size_t n)
{
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n)
            return;
        if (c + 1 < n && key_cmp(&k[c], &k[c + 1]) < 0)
            c++;
        if (key_cmp(&k[root], &k[c]) >= 0)
            return;
        KeyRef t = k[root];
        k[root] = k[c];
        k[c] = t;
        root = c;
    }
}

static bool has_duplicate(KeyRef *k, size_t n)
{
    if (n <= PAIRWISE_MAX) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (key_eq(&k[i], &k[j]))
                    return true;
        return false;
    }
    for (size_t i = n / 2; i-- > 0;)
        sift_down(k, i, n);
    for (size_t e = n; e-- > 1;) {
        KeyRef t = k[0];
        k[0] = k[e];
        k[e] = t;
        sift_down(k, 0, e);
    }
    for (size_t i = 1; i < n; i++)
        if (key_eq(&k[i], &k[i - 1]))
            return true;
    return false;
}

bool dg_jsonl_parse(const char *line, size_t len, const char *const *keys, size_t n_keys, DgJsonVal *vals,
                    DgJsonScratch *scratch, const char **why)
{
    size_t klen[KEYLEN_CACHE];
    for (size_t k = 0; k < n_keys; k++) {
        vals[k].type = DG_JSON_ABSENT;
        vals[k].ptr = NULL;
        vals[k].len = 0;
        if (k < KEYLEN_CACHE)
            klen[k] = strlen(keys[k]);
    }
    size_t next_key = 0;
    *why = NULL;

    /* Every top-level member takes at least 5 bytes ("":0,), so len / 4 + 1
     * key slots are enough; strings take at most len bytes. */
    size_t str_bytes = (len + alignof(KeyRef)) / alignof(KeyRef) * alignof(KeyRef);
    size_t cap_keys = len / 4 + 1;
    size_t need = str_bytes + cap_keys * sizeof(KeyRef);
    if (scratch->cap < need) {
        size_t c = scratch->cap ? scratch->cap : 1024;
        while (c < need)
            c *= 2;
        free(scratch->buf);
        scratch->buf = dg_xmalloc(c);
        scratch->cap = c;
    }
    P p = {.s = line, .n = len, .out = scratch->buf, .keys = (KeyRef *)(void *)(scratch->buf + str_bytes),
           .cap_keys = cap_keys};

    skip_ws(&p);
    if (p.i >= p.n || line[p.i] != '{') {
        *why = "not a JSON object";
        return false;
    }
    p.i++;
    skip_ws(&p);
    bool ok = true;
    if (p.i < p.n && line[p.i] == '}') {
        p.i++;
    } else {
        for (;;) {
            if (p.i >= p.n || line[p.i] != '"') {
                ok = fail(&p, "expected a key in a JSON object");
                break;
            }
            const char *kp;
            size_t kn;
            if (!(ok = parse_string(&p, true, &kp, &kn)))
                break;
            if (p.n_keys < p.cap_keys) { /* always true by the size argument above */
                p.keys[p.n_keys].p = kp;
                p.keys[p.n_keys].n = kn;
                p.n_keys++;
            }
            skip_ws(&p);
            if (p.i >= p.n || line[p.i] != ':') {
                ok = fail(&p, "expected ':' in a JSON object");
                break;
            }
            p.i++;
            skip_ws(&p);
            /* rows usually list the keys in the same order: try the one after
             * the previous match first */
            DgJsonVal *v = NULL;
            for (size_t t = 0; t < n_keys; t++) {
                size_t k = next_key + t < n_keys ? next_key + t : next_key + t - n_keys;
                size_t kl = k < KEYLEN_CACHE ? klen[k] : strlen(keys[k]);
                if (kl == kn && memcmp(keys[k], kp, kn) == 0) {
                    v = &vals[k];
                    next_key = k + 1 < n_keys ? k + 1 : 0;
                    break;
                }
            }
            if (!(ok = parse_value(&p, 1, v)))
                break;
            skip_ws(&p);
            if (p.i >= p.n) {
                ok = fail(&p, "unterminated JSON object");
                break;
            }
            if (line[p.i] == '}') {
                p.i++;
                break;
            }
            if (line[p.i] != ',') {
                ok = fail(&p, "expected ',' or '}' in a JSON object");
                break;
            }
            p.i++;
            skip_ws(&p);
        }
    }
    if (!ok) {
        *why = p.why ? p.why : "invalid JSON";
        return false;
    }
    skip_ws(&p);
    if (p.i != p.n) {
        *why = "text after the JSON object";
        return false;
    }
    if (has_duplicate(p.keys, p.n_keys)) {
        *why = "duplicate key";
        return false;
    }
    return true;
}
