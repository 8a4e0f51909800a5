/*
 * Exact 256-bit unsigned helpers for the allocation stage (internal).
 *
 * Design: B × C_i needs up to ~175 bits (B <= 10^14 fen, C_i < 2^128), and
 * its quotient by ΣC fits in 128 bits because C_i <= ΣC.  So only two
 * operations are needed: a full 128×128 -> 256 product and a 256 / 128
 * division whose high half is below the divisor.  The division is plain
 * restoring shift-subtract (128 steps): obviously correct, and fast enough
 * for one call per unit and pool.
 */
#ifndef DANGLIANG_ALLOCATE_U256_H
#define DANGLIANG_ALLOCATE_U256_H

#include "dangliang/common.h"

typedef struct DgU256 {
    DgU128 hi, lo; /* value = hi · 2^128 + lo */
} DgU256;

/* Exact a × b. Pure. */
DgU256 dg_allocate_mul(DgU128 a, DgU128 b);

/* Quotient of n / d with *rem = n mod d.  Requires d > 0 and n.hi < d (so
 * the quotient fits in 128 bits); returns false and touches nothing
 * otherwise.  Pure. */
bool dg_allocate_divmod(DgU256 n, DgU128 d, DgU128 *quot, DgU128 *rem);

#endif
