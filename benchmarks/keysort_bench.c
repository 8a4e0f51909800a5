/*
 * Micro-benchmark of the audit's key sorts (engine/validate/keysort.h), one
 * thread: `make build/bench/keysort_bench && build/bench/keysort_bench [N] [REPS]`.
 *
 * Keys are laid out as the audit's patient pass lays them out for one
 * bucket of N keys (default 80 000, about a bucket of a 20M-row run): 2 000
 * units, 60 codes, 3M patients, 366 days, rows increasing.  Reports the
 * minimum CPU time of the comparison sort and of the radix sort over REPS
 * runs (default 9), in million keys per second, and checks they agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "validate/keysort.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 80000;
    int reps = argc > 2 ? atoi(argv[2]) : 9;
    DgAuditKey *src = malloc(n * sizeof *src), *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    uint64_t s = 88172645463325252ULL;
    uint32_t row = 0;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        uint64_t unit = s % 2000, code = (s >> 11) % 60, pat = (s >> 17) % 3000000, day = (s >> 40) % 366;
        row += 1 + (uint32_t)((s >> 50) % 200);
        src[i].hi = unit << 44 | code << 32 | pat;
        src[i].lo = day << 48 | (uint64_t)row << 16 | 1;
    }
    double tc = 1e30, tr = 1e30;
    for (int r = 0; r < reps; r++) {
        memcpy(a, src, n * sizeof *a);
        double t0 = cpu_s();
        dg_keysort_cmp(a, n);
        double t = cpu_s() - t0;
        tc = t < tc ? t : tc;
        memcpy(b, src, n * sizeof *b);
        t0 = cpu_s();
        dg_keysort_radix(b, n, 16, 16);
        t = cpu_s() - t0;
        tr = t < tr ? t : tr;
    }
    int same = memcmp(a, b, n * sizeof *a) == 0;
    printf("keysort_bench: %zu keys, min CPU time of %d runs\n", n, reps);
    printf("| sort | min CPU ms | M keys/s |\n|---|---:|---:|\n");
    printf("| comparison (quicksort) | %.2f | %.1f |\n", tc * 1e3, (double)n / tc / 1e6);
    printf("| LSD radix, varying bits | %.2f | %.1f |\n", tr * 1e3, (double)n / tr / 1e6);
    printf("%s\n", same ? "orders agree" : "ORDERS DIFFER");
    free(src);
    free(a);
    free(b);
    return same ? 0 : 1;
}
