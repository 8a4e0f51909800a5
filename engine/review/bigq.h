/*
 * Exact rationals for the diff's cause attribution (review.h).
 *
 * Design: a payout share is B·C/ΣC; an effect is the difference of two
 * shares, and naming the largest effect compares such differences by
 * cross-multiplication — numbers of up to ~1200 bits for the largest
 * inputs the engine accepts (W < 2^128, Q and A < 2^63, B < 2^63 fen).
 * So the magnitude is a fixed-capacity little-endian array of 32-bit limbs
 * with a used-limb count (operations cost only what is used), and every
 * operation that could exceed the capacity clears a sticky `ok` flag
 * instead of wrapping; the caller turns that into an error.  No heap, no
 * float; rationals are never reduced (only compared and rounded).
 */
#ifndef DG_BIGQ_H
#define DG_BIGQ_H

#include "dangliang/common.h"

#define DG_BIG_LIMBS 56 /* 1792 bits */

typedef struct DgBig {
    uint32_t n;                /* limbs in use; 0 is zero */
    uint32_t v[DG_BIG_LIMBS];  /* little-endian */
} DgBig;

/* A signed rational num/den with den > 0 (sign -1, 0 or +1; num is the magnitude). */
typedef struct DgQ {
    int sign;
    DgBig num, den;
} DgQ;

void dg_big_from_u128(DgBig *x, DgU128 v);
bool dg_big_is_zero(const DgBig *x);
int dg_big_cmp(const DgBig *a, const DgBig *b);
/* out = a + b / a · b (out may alias neither input for mul; may alias for add). */
void dg_big_add(DgBig *out, const DgBig *a, const DgBig *b, bool *ok);
void dg_big_mul(DgBig *out, const DgBig *a, const DgBig *b, bool *ok);
/* out = a − b, requires a >= b. */
void dg_big_sub(DgBig *out, const DgBig *a, const DgBig *b);
/* round_half_up(a·m / d) for d > 0 when the result fits in int64; else *ok = false. */
int64_t dg_big_div_round(const DgBig *a, uint64_t m, const DgBig *d, bool *ok);

/* q = num/den (den 0 -> q = 0). */
void dg_q_make(DgQ *q, const DgBig *num, const DgBig *den);
void dg_q_from_i64(DgQ *q, int64_t v);
/* out = a − b, exact. */
void dg_q_sub(DgQ *out, const DgQ *a, const DgQ *b, bool *ok);
/* Compare |a| and |b|: -1, 0, +1. */
int dg_q_cmp_abs(const DgQ *a, const DgQ *b, bool *ok);

#endif
