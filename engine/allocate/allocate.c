/*
 * Largest-remainder allocation and ratio formatting (see allocate.h).
 *
 * The floors and remainders come from one exact 256-bit product and
 * division per weight (u256.c).  Leftover fen are handed out after a full
 * sort of the candidates by (remainder desc, key asc, index asc): a total
 * order, so the outcome cannot depend on qsort's instability.  Since
 * Σ remainders = R·Σw and each remainder < Σw, at least R + 1 weights have
 * a positive remainder whenever R > 0, so R < n and no weight with a zero
 * remainder ever wins.  Finally the result is re-added and compared with
 * the budget; a mismatch is a bug and is reported as DG_E_INTERNAL.
 */
#include "dangliang/allocate.h"

#include <stdlib.h>
#include <string.h>

#include "allocate/u256.h"

typedef struct Cand {
    DgU128 rem;
    const char *key;
    size_t idx;
} Cand;

static int cand_cmp(const void *x, const void *y)
{
    const Cand *a = x, *b = y;
    if (a->rem != b->rem)
        return a->rem > b->rem ? -1 : 1;
    if (a->key && b->key) {
        int c = strcmp(a->key, b->key); /* compares as unsigned char: byte order */
        if (c != 0)
            return c;
    }
    return a->idx < b->idx ? -1 : a->idx > b->idx ? 1 : 0;
}

/* memset with a NULL pointer is undefined even for 0 bytes, hence the n check. */
static void clear_outputs(int64_t *out, DgU128 *rem, uint8_t *won, size_t n)
{
    if (n == 0)
        return;
    memset(out, 0, n * sizeof *out);
    if (rem)
        memset(rem, 0, n * sizeof *rem);
    if (won)
        memset(won, 0, n * sizeof *won);
}

static DgStatus fail(DgStatus st, int64_t *out, DgU128 *rem, uint8_t *won, size_t n, DgError *err,
                     const char *text)
{
    clear_outputs(out, rem, won, n);
    return dg_error_set(err, st, NULL, 0, 0, "%s", text);
}

DgStatus dg_allocate_largest_remainder(int64_t budget, const DgU128 *w, const char *const *keys, size_t n,
                                       int64_t *out, DgU128 *rem, uint8_t *won, DgU128 *sum_out, DgError *err)
{
    DgU128 sum = 0;
    bool overflow = false;
    for (size_t i = 0; i < n; i++) {
        if (w[i] > ~(DgU128)0 - sum) {
            overflow = true;
            break;
        }
        sum += w[i];
    }
    if (sum_out)
        *sum_out = overflow ? ~(DgU128)0 : sum; /* saturated, so "0" always means "no workload" */
    if (budget < 0)
        return fail(DG_E_CONFIG, out, rem, won, n, err, "the budget is negative");
    if (overflow)
        return fail(DG_E_CONFIG, out, rem, won, n, err,
                    "workload too large: the sum of corrected workloads does not fit in 128 bits");
    if (budget > 0 && sum == 0)
        return fail(DG_E_CONFIG, out, rem, won, n, err,
                    "no workload: the budget is positive but the corrected workload of every unit in scope is 0");

    clear_outputs(out, rem, won, n);
    if (budget == 0)
        return DG_OK;

    Cand *cand = dg_xmalloc((n ? n : 1) * sizeof *cand);
    DgI128 floors = 0;
    for (size_t i = 0; i < n; i++) {
        DgU128 q = 0, r = 0;
        /* w_i <= Σw, so (B·w_i).hi < Σw and the quotient (<= B) fits */
        if (!dg_allocate_divmod(dg_allocate_mul((DgU128)budget, w[i]), sum, &q, &r) || q > (DgU128)budget) {
            free(cand);
            return fail(DG_E_INTERNAL, out, rem, won, n, err, "allocation: quotient out of range (internal error)");
        }
        out[i] = (int64_t)q;
        floors += (DgI128)q;
        if (rem)
            rem[i] = r;
        cand[i].rem = r;
        cand[i].key = keys ? keys[i] : NULL;
        cand[i].idx = i;
    }

    DgI128 left = (DgI128)budget - floors;
    if (left < 0 || left > (DgI128)n) {
        free(cand);
        return fail(DG_E_INTERNAL, out, rem, won, n, err, "allocation: leftover fen out of range (internal error)");
    }
    if (left > 0) {
        qsort(cand, n, sizeof *cand, cand_cmp);
        for (size_t k = 0; k < (size_t)left; k++) {
            out[cand[k].idx]++;
            if (won)
                won[cand[k].idx] = 1;
        }
    }
    free(cand);

    /* Self-check: the payouts add up to the budget, to the fen. */
    DgI128 total = 0;
    for (size_t i = 0; i < n; i++)
        total += out[i];
    if (total != budget)
        return fail(DG_E_INTERNAL, out, rem, won, n, err,
                    "allocation self-check failed: payouts do not add up to the budget (internal error)");
    return DG_OK;
}

void dg_allocate_unit_price(int64_t budget, DgU128 sum_c, char *buf)
{
    if (sum_c == 0 || budget <= 0) {
        strcpy(buf, "0.0000");
        return;
    }
    /* fen -> yuan is /100, 10^-12 -> 1 is ·10^12: price = B·10^10 / ΣC (B·10^10 < 2^97) */
    DgU128 e10 = 10000000000u;
    dg_ratio_format((DgU128)budget * e10, sum_c, 4, buf);
}

void dg_allocate_weight_format(DgU128 c, DgU128 sum_c, char *buf)
{
    if (sum_c == 0) {
        strcpy(buf, "0.00000000");
        return;
    }
    dg_ratio_format(c, sum_c, 8, buf);
}
