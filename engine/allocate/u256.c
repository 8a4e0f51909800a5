/*
 * 256-bit multiply and divide (see u256.h).  Schoolbook on 64-bit halves;
 * restoring binary long division.
 */
#include "allocate/u256.h"

DgU256 dg_allocate_mul(DgU128 a, DgU128 b)
{
    const DgU128 M = ((DgU128)1 << 64) - 1;
    DgU128 a0 = a & M, a1 = a >> 64, b0 = b & M, b1 = b >> 64;
    DgU128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    /* middle column: high half of p00 + low halves of p01 and p10 (< 3·2^64, no overflow) */
    DgU128 mid = (p00 >> 64) + (p01 & M) + (p10 & M);
    DgU256 r;
    r.lo = (mid << 64) | (p00 & M);
    r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    return r;
}

bool dg_allocate_divmod(DgU256 n, DgU128 d, DgU128 *quot, DgU128 *rem)
{
    if (d == 0 || n.hi >= d)
        return false;
    if (n.hi == 0) {
        *quot = n.lo / d;
        *rem = n.lo % d;
        return true;
    }
    DgU128 r = n.hi, q = n.lo;
    for (int i = 0; i < 128; i++) {
        /* shift (r:q) left by one; the bit leaving r is the 2^128 place of the partial remainder */
        bool top = (r >> 127) != 0;
        r = (r << 1) | (q >> 127);
        q <<= 1;
        if (top || r >= d) {
            r -= d; /* wraps to the true value when top is set: 2^128 + r - d < d */
            q |= 1;
        }
    }
    *quot = q;
    *rem = r;
    return true;
}
