/*
 * The audit's key sorts (engine/validate/keysort.c): the radix sort must
 * give exactly the comparison sort's order on keys laid out as the audit
 * lays them out (patient pass: lo = day | row | quantity, ordered by hi and
 * the day; staff pass: lo = row | minutes, ordered by hi), with rows
 * increasing along the input; sizes on both sides of the radix threshold,
 * narrow and full-width varying bits, many equal groups.  And when the rows
 * are not increasing it must still sort (by falling back).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "validate/keysort.h"

static uint64_t st = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void)
{
    st ^= st << 13;
    st ^= st >> 7;
    st ^= st << 17;
    return st;
}

static void check(DgAuditKey *a, size_t n, unsigned lo_bits, unsigned row_shift)
{
    DgAuditKey *b = malloc((n ? n : 1) * sizeof *b);
    memcpy(b, a, n * sizeof *a);
    dg_keysort_cmp(b, n);
    for (size_t i = 1; i < n; i++)
        cr_assert(b[i - 1].hi < b[i].hi || (b[i - 1].hi == b[i].hi && b[i - 1].lo < b[i].lo),
                  "comparison sort out of order at %zu", i);
    dg_keysort_radix(a, n, lo_bits, row_shift);
    for (size_t i = 0; i < n; i++)
        cr_assert(a[i].hi == b[i].hi && a[i].lo == b[i].lo, "radix differs at %zu of %zu", i, n);
    free(b);
}

Test(keysort, patient_layout_matches_comparison_sort)
{
    static const size_t sizes[] = {0, 1, 5, 255, 256, 257, 1000, 5000, 40000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        for (int shape = 0; shape < 4; shape++) {
            size_t n = sizes[k];
            DgAuditKey *a = malloc((n ? n : 1) * sizeof *a);
            uint64_t umask = shape == 0 ? 0 : shape == 1 ? 0x7FF : 0xFFFFF;
            uint64_t pmask = shape == 3 ? 0xFFFFFFFFULL : 0x3FFFFF;
            uint64_t dmask = shape == 2 ? 0xFFFF : 0x1FF;
            uint32_t row = (uint32_t)(rnd() % 1000);
            for (size_t i = 0; i < n; i++) {
                uint64_t unit = rnd() & umask, code = rnd() % (shape == 0 ? 3 : 4095),
                         pat = rnd() & (i % 7 ? pmask : 0xF), day = rnd() & dmask, qty = rnd() & 0xFFFF;
                row += 1 + (uint32_t)(rnd() % 3);
                a[i].hi = unit << 44 | code << 32 | pat;
                a[i].lo = day << 48 | (uint64_t)row << 16 | qty;
            }
            check(a, n, 16, 16);
            free(a);
        }
}

Test(keysort, staff_layout_matches_comparison_sort)
{
    for (size_t n = 100; n < 100000; n *= 3) {
        DgAuditKey *a = malloc(n * sizeof *a);
        for (size_t i = 0; i < n; i++) {
            uint64_t staff = rnd() % (n / 10 + 1), day = rnd() % 366;
            a[i].hi = staff << 32 | day;
            a[i].lo = (uint64_t)i << 32 | (uint32_t)rnd();
        }
        check(a, n, 0, 32);
        free(a);
    }
}

Test(keysort, rows_not_increasing_still_sorted)
{
    size_t n = 3000;
    DgAuditKey *a = malloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++) {
        a[i].hi = rnd() % 50;
        a[i].lo = (uint64_t)(rnd() % 20) << 48 | (uint64_t)(n - i) << 16;
    }
    check(a, n, 16, 16);
    free(a);
}
