/*
 * Unit/code tables and the straight-line date and quantity parsers; see
 * fieldparse.h for the design and the equivalence each function keeps.
 */
#include "fieldparse.h"

#include <stdlib.h>
#include <string.h>

#define INLINE_MAX 16

static inline uint64_t ld8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline uint64_t ld4(const char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/* The packed form of a 1..16-byte string. */
static inline void pack(const char *p, size_t len, uint64_t *a, uint64_t *b)
{
    if (len >= 8) {
        *a = ld8(p);
        *b = ld8(p + len - 8);
    } else if (len >= 4) {
        *a = ld4(p) | ld4(p + len - 4) << 32;
        *b = 0;
    } else {
        *a = (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[len / 2] << 8 |
             (uint64_t)(unsigned char)p[len - 1] << 16;
        *b = 0;
    }
}

static inline uint32_t slot_of(const DgCodeTab *t, uint64_t a, uint64_t b, size_t len)
{
    uint64_t h = (a ^ (uint64_t)len) * 0x9E3779B97F4A7C15ULL ^ b * 0xC2B2AE3D27D4EB4FULL;
    h ^= h >> 31;
    return (uint32_t)((h * 0xD6E8FEB86659FD93ULL) >> t->shift) & t->mask;
}

static void tab_build(DgCodeTab *t, size_t n, const char *(*key)(const DgScheme *, size_t), const DgScheme *s)
{
    size_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    t->slot = dg_xcalloc(cap, sizeof *t->slot);
    t->mask = (uint32_t)(cap - 1);
    t->shift = 64 - (unsigned)__builtin_ctzll(cap);
    for (size_t i = 0; i < n; i++) {
        const char *k = key(s, i);
        size_t len = strlen(k);
        if (len == 0 || len > INLINE_MAX)
            continue;
        uint64_t a, b;
        pack(k, len, &a, &b);
        uint32_t j = slot_of(t, a, b, len);
        while (t->slot[j].len)
            j = (j + 1) & t->mask;
        t->slot[j] = (DgCodeSlot){a, b, (uint32_t)len, (int32_t)i};
    }
}

static inline int64_t tab_find(const DgCodeTab *t, const char *p, size_t len)
{
    uint64_t a, b;
    pack(p, len, &a, &b);
    uint32_t j = slot_of(t, a, b, len);
    for (;;) {
        const DgCodeSlot *e = &t->slot[j];
        if (e->len == len && e->a == a && e->b == b)
            return e->id;
        if (!e->len)
            return -1;
        j = (j + 1) & t->mask;
    }
}

static const char *unit_key(const DgScheme *s, size_t i)
{
    return s->units[i].id;
}

static const char *code_key(const DgScheme *s, size_t i)
{
    return s->catalog[s->code_first[i]].code;
}

void dg_fieldtabs_init(DgFieldTabs *t, const DgScheme *s)
{
    memset(t, 0, sizeof *t);
    t->s = s;
    tab_build(&t->units, s->n_units, unit_key, s);
    tab_build(&t->codes, s->n_codes, code_key, s);
}

void dg_fieldtabs_free(DgFieldTabs *t)
{
    if (!t)
        return;
    free(t->units.slot);
    free(t->codes.slot);
    memset(t, 0, sizeof *t);
}

int64_t dg_fieldtabs_unit(const DgFieldTabs *t, const char *p, size_t len)
{
    if (len == 0 || len > INLINE_MAX)
        return dg_scheme_unit_find(t->s, p, len);
    return tab_find(&t->units, p, len);
}

int64_t dg_fieldtabs_code(const DgFieldTabs *t, const char *p, size_t len)
{
    if (len == 0 || len > INLINE_MAX)
        return dg_scheme_code_find(t->s, p, len);
    return tab_find(&t->codes, p, len);
}

/* YYYY-MM-DD by SWAR: XOR with "0000-00-" turns digits into 0..9 and the
 * dashes into 0; a byte is a digit iff the result is < 16 and adding 6
 * keeps it < 16.  No branch on the bytes, one on the verdict. */
bool dg_field_date(const char *s, size_t len, int32_t *day)
{
    if (len == 10) {
        const uint64_t hi4 = 0xF0F0F0F0F0F0F0F0ULL, six = 0x0606060606060606ULL;
        uint64_t w = ld8(s) ^ 0x2D30302D30303030ULL; /* bytes 0..7, little-endian */
        uint16_t t2;
        memcpy(&t2, s + 8, 2);
        uint64_t t = (uint64_t)t2 ^ 0x3030u;
        uint64_t bad = (w & hi4) | ((w + six) & hi4) | (w & 0xFF0000FF00000000ULL) | (t & 0xF0F0u) |
                       ((t + 0x0606u) & 0xF0F0u);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        bad = 1; /* the constants assume little-endian loads */
#endif
        if (!bad) {
            int y = (int)((w & 0xFF) * 1000 + (w >> 8 & 0xFF) * 100 + (w >> 16 & 0xFF) * 10 + (w >> 24 & 0xFF));
            int m = (int)((w >> 40 & 0xFF) * 10 + (w >> 48 & 0xFF));
            int dd = (int)((t & 0xFF) * 10 + (t >> 8));
            static const unsigned char dim[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            if (y >= 1 && m >= 1 && m <= 12 && dd >= 1 && dd <= dim[m] + (m == 2 && leap)) {
                *day = dg_date_from_ymd(y, m, dd);
                return true;
            }
        }
    }
    return dg_date_parse(s, len, day);
}

bool dg_field_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    if (len == 1 && (unsigned)(unsigned char)s[0] - '0' <= 9 && (uint64_t)(s[0] - '0') <= max) {
        *out = (uint64_t)(s[0] - '0');
        return true;
    }
    return dg_uint_parse(s, len, max, out);
}
