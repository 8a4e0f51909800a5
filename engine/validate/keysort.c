/*
 * Sorting the audit's keys: see keysort.h for the contract.
 *
 * The radix sort plans its digits per call: OR and AND over the keys give
 * the bits that vary, and digits of up to RADIX_BITS bits are laid from the
 * lowest varying bit upward, first over lo's ordering bits (less
 * significant), then over hi.  Each digit is one stable counting pass
 * (histogram, prefix sum, scatter) between the array and a scratch copy.
 */
#include "keysort.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dangliang/common.h"


static inline bool key_lt(const DgAuditKey *a, const DgAuditKey *b)
{
    return a->hi < b->hi || (a->hi == b->hi && a->lo < b->lo);
}

/* Quicksort (median of three, insertion sort for short runs, recursion on
 * the smaller side): glibc's qsort copies elements through memcpy and an
 * indirect comparison, several times slower on millions of 16-byte keys. */
void dg_keysort_cmp(DgAuditKey *a, size_t n)
{
    while (n > 24) {
        size_t m = n / 2;
        DgAuditKey *x = &a[0], *y = &a[m], *z = &a[n - 1];
        DgAuditKey piv = key_lt(x, y) ? (key_lt(y, z) ? *y : key_lt(x, z) ? *z : *x)
                               : (key_lt(x, z) ? *x : key_lt(y, z) ? *z : *y);
        size_t i = 0, j = n - 1;
        for (;;) {
            while (key_lt(&a[i], &piv))
                i++;
            while (key_lt(&piv, &a[j]))
                j--;
            if (i >= j)
                break;
            DgAuditKey t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        size_t left = j + 1;
        if (left < n - left) {
            dg_keysort_cmp(a, left);
            a += left;
            n -= left;
        } else {
            dg_keysort_cmp(a + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        DgAuditKey t = a[i];
        size_t j = i;
        while (j > 0 && key_lt(&t, &a[j - 1])) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = t;
    }
}

/* LSD radix sort of a bucket's keys, equal in result to dg_keysort_cmp.
 *
 * The keys of a bucket arrive in increasing row order (the scans deal rows
 * in order into bucket-major arrays), and the row number is the only part
 * of `lo` after the top `lo_bits` bits (the day, patient pass) that can
 * decide an order: it makes every key distinct.  A stable sort by
 * (hi, top lo_bits of lo) therefore gives exactly the order of (hi, lo).
 * Only the bits that vary inside the bucket are sorted — unit, code and
 * patient bits are mostly constant or narrow — in digits of up to
 * RADIX_BITS bits, least significant first: about five counting passes
 * over 16-byte keys instead of ~17 levels of comparisons.  If the input is
 * ever not in row order the comparison sort is used instead. */
#define RADIX_BITS 11
#define RADIX_BITS_SMALL 8 /* under RADIX_SMALL keys: 2^11 counters would cost more than the keys */
#define RADIX_SMALL 16384
#define RADIX_MIN 1024 /* below this the comparison sort takes fewer instructions */

typedef struct Digit {
    uint8_t word; /* 0 hi, 1 lo */
    uint8_t shift, width;
} Digit;

static size_t plan_digits(uint64_t vary, uint8_t word, unsigned from, unsigned bits, Digit *d, size_t nd)
{
    unsigned b = from;
    while (b < 64) {
        uint64_t rest = vary >> b;
        if (!rest)
            break;
        b += (unsigned)__builtin_ctzll(rest);
        unsigned w = 64 - b < bits ? 64 - b : bits;
        d[nd++] = (Digit){word, (uint8_t)b, (uint8_t)w};
        b += w;
    }
    return nd;
}

static inline uint32_t digit_of(const DgAuditKey *k, Digit g)
{
    uint64_t w = g.word ? k->lo : k->hi;
    return (uint32_t)(w >> g.shift) & ((1u << g.width) - 1);
}

/* lo_bits: how many top bits of lo take part in the order (16 or 0);
 * row_shift: where the row number sits in lo. */
void dg_keysort_radix(DgAuditKey *a, size_t n, unsigned lo_bits, unsigned row_shift)
{
    if (n < RADIX_MIN) {
        dg_keysort_cmp(a, n);
        return;
    }
    uint64_t hor = 0, hand = UINT64_MAX, lor = 0, land = UINT64_MAX;
    uint32_t prev = 0;
    bool in_order = true;
    for (size_t i = 0; i < n; i++) {
        hor |= a[i].hi;
        hand &= a[i].hi;
        lor |= a[i].lo;
        land &= a[i].lo;
        uint32_t row = (uint32_t)(a[i].lo >> row_shift);
        in_order &= i == 0 || row > prev;
        prev = row;
    }
    if (!in_order) {
        dg_keysort_cmp(a, n);
        return;
    }
    Digit d[24];
    size_t nd = 0;
    unsigned bits = n < RADIX_SMALL ? RADIX_BITS_SMALL : RADIX_BITS;
    if (lo_bits)
        nd = plan_digits(lor ^ land, 1, 64 - lo_bits, bits, d, nd);
    nd = plan_digits(hor ^ hand, 0, 0, bits, d, nd);
    if (!nd)
        return;
    DgAuditKey *tmp = dg_xmalloc(n * sizeof *tmp), *src = a, *dst = tmp;
    uint32_t *count = dg_xmalloc(((size_t)1 << RADIX_BITS) * sizeof *count);
    for (size_t p = 0; p < nd; p++) {
        size_t nb = (size_t)1 << d[p].width;
        memset(count, 0, nb * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[digit_of(&src[i], d[p])]++;
        uint32_t at = 0;
        for (size_t b = 0; b < nb; b++) {
            uint32_t c = count[b];
            count[b] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[digit_of(&src[i], d[p])]++] = src[i];
        DgAuditKey *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
    free(count);
    free(tmp);
}

