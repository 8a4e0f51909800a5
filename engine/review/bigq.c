/*
 * Fixed-capacity big integers and rationals (see bigq.h).  Schoolbook
 * multiplication over the used limbs; division only where the quotient is
 * known to be small (a rounded money amount), by shift-and-subtract over
 * the quotient's bits.
 */
#include "bigq.h"

#include <string.h>

static void trim(DgBig *x)
{
    while (x->n > 0 && x->v[x->n - 1] == 0)
        x->n--;
}

void dg_big_from_u128(DgBig *x, DgU128 v)
{
    x->n = 0;
    while (v) {
        x->v[x->n++] = (uint32_t)v;
        v >>= 32;
    }
}

bool dg_big_is_zero(const DgBig *x)
{
    return x->n == 0;
}

int dg_big_cmp(const DgBig *a, const DgBig *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (uint32_t i = a->n; i-- > 0;)
        if (a->v[i] != b->v[i])
            return a->v[i] < b->v[i] ? -1 : 1;
    return 0;
}

void dg_big_add(DgBig *out, const DgBig *a, const DgBig *b, bool *ok)
{
    uint32_t n = a->n > b->n ? a->n : b->n;
    uint64_t carry = 0;
    DgBig r;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t t = carry + (i < a->n ? a->v[i] : 0) + (i < b->n ? b->v[i] : 0);
        r.v[i] = (uint32_t)t;
        carry = t >> 32;
    }
    r.n = n;
    if (carry) {
        if (n == DG_BIG_LIMBS) {
            *ok = false;
            dg_big_from_u128(out, 0);
            return;
        }
        r.v[r.n++] = (uint32_t)carry;
    }
    *out = r;
}

void dg_big_sub(DgBig *out, const DgBig *a, const DgBig *b)
{
    int64_t borrow = 0;
    DgBig r;
    r.n = a->n;
    for (uint32_t i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->v[i] - (i < b->n ? (int64_t)b->v[i] : 0) - borrow;
        borrow = t < 0;
        r.v[i] = (uint32_t)(t + (borrow ? ((int64_t)1 << 32) : 0));
    }
    trim(&r);
    *out = r;
}

void dg_big_mul(DgBig *out, const DgBig *a, const DgBig *b, bool *ok)
{
    if (a->n == 0 || b->n == 0) {
        out->n = 0;
        return;
    }
    if (a->n + b->n > DG_BIG_LIMBS) {
        *ok = false;
        out->n = 0;
        return;
    }
    DgBig r;
    uint32_t n = a->n + b->n;
    memset(r.v, 0, n * sizeof r.v[0]);
    for (uint32_t i = 0; i < a->n; i++) {
        uint64_t carry = 0;
        for (uint32_t j = 0; j < b->n; j++) {
            uint64_t t = (uint64_t)a->v[i] * b->v[j] + r.v[i + j] + carry;
            r.v[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        r.v[i + b->n] = (uint32_t)carry;
    }
    r.n = n;
    trim(&r);
    *out = r;
}

static uint32_t bit_length(const DgBig *x)
{
    if (x->n == 0)
        return 0;
    uint32_t top = x->v[x->n - 1], b = 0;
    while (top) {
        b++;
        top >>= 1;
    }
    return (x->n - 1) * 32 + b;
}

/* out = x << s (s < capacity; *ok cleared when it does not fit). */
static void shl(DgBig *out, const DgBig *x, uint32_t s, bool *ok)
{
    if (x->n == 0) {
        out->n = 0;
        return;
    }
    uint32_t limbs = s / 32, bits = s % 32;
    if (x->n + limbs + 1 > DG_BIG_LIMBS) {
        *ok = false;
        out->n = 0;
        return;
    }
    DgBig r;
    memset(r.v, 0, (x->n + limbs + 1) * sizeof r.v[0]);
    for (uint32_t i = 0; i < x->n; i++) {
        uint64_t t = (uint64_t)x->v[i] << bits;
        r.v[i + limbs] |= (uint32_t)t;
        r.v[i + limbs + 1] |= (uint32_t)(t >> 32);
    }
    r.n = x->n + limbs + 1;
    trim(&r);
    *out = r;
}

int64_t dg_big_div_round(const DgBig *a, uint64_t m, const DgBig *d, bool *ok)
{
    if (d->n == 0) {
        *ok = false;
        return 0;
    }
    /* round_half_up(a·m/d) = floor((2·a·m + d) / (2·d)) */
    DgBig mm, num, den, two;
    dg_big_from_u128(&mm, (DgU128)m * 2);
    dg_big_mul(&num, a, &mm, ok);
    dg_big_add(&num, &num, d, ok);
    dg_big_from_u128(&two, 2);
    dg_big_mul(&den, d, &two, ok);
    if (!*ok)
        return 0;
    uint32_t bn = bit_length(&num), bd = bit_length(&den);
    if (bn < bd)
        return 0;
    if (bn - bd > 62) {
        *ok = false;
        return 0;
    }
    uint64_t q = 0;
    for (uint32_t s = bn - bd + 1; s-- > 0;) {
        DgBig t;
        shl(&t, &den, s, ok);
        if (dg_big_cmp(&num, &t) >= 0) {
            dg_big_sub(&num, &num, &t);
            q |= (uint64_t)1 << s;
        }
    }
    return (int64_t)q;
}

void dg_q_make(DgQ *q, const DgBig *num, const DgBig *den)
{
    if (den->n == 0 || num->n == 0) {
        dg_q_from_i64(q, 0);
        return;
    }
    q->sign = 1;
    q->num = *num;
    q->den = *den;
}

void dg_q_from_i64(DgQ *q, int64_t v)
{
    q->sign = v > 0 ? 1 : v < 0 ? -1 : 0;
    dg_big_from_u128(&q->num, v < 0 ? (DgU128)(-(DgI128)v) : (DgU128)v);
    dg_big_from_u128(&q->den, 1);
}

void dg_q_sub(DgQ *out, const DgQ *a, const DgQ *b, bool *ok)
{
    /* a − b = (sa·na·db − sb·nb·da) / (da·db) */
    DgBig x, y, den;
    dg_big_mul(&x, &a->num, &b->den, ok);
    dg_big_mul(&y, &b->num, &a->den, ok);
    dg_big_mul(&den, &a->den, &b->den, ok);
    int sx = a->sign, sy = -b->sign;
    DgQ r;
    if (sx == 0 || x.n == 0) {
        r.sign = y.n ? sy : 0;
        r.num = y;
    } else if (sy == 0 || y.n == 0) {
        r.sign = sx;
        r.num = x;
    } else if (sx == sy) {
        r.sign = sx;
        dg_big_add(&r.num, &x, &y, ok);
    } else {
        int c = dg_big_cmp(&x, &y);
        if (c == 0) {
            r.sign = 0;
            r.num.n = 0;
        } else if (c > 0) {
            r.sign = sx;
            dg_big_sub(&r.num, &x, &y);
        } else {
            r.sign = sy;
            dg_big_sub(&r.num, &y, &x);
        }
    }
    if (r.sign == 0) {
        dg_q_from_i64(out, 0);
        return;
    }
    r.den = den;
    *out = r;
}

int dg_q_cmp_abs(const DgQ *a, const DgQ *b, bool *ok)
{
    if (a->sign == 0 || b->sign == 0)
        return (a->sign != 0) - (b->sign != 0);
    DgBig x, y;
    dg_big_mul(&x, &a->num, &b->den, ok);
    dg_big_mul(&y, &b->num, &a->den, ok);
    return dg_big_cmp(&x, &y);
}
