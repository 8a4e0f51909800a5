/*
 * Micro-benchmark of the CSV scanner, one thread (so the numbers are per
 * core): `make scanbench`, or
 *
 *   build/bench/scan_bench [--scheme S] [--rows N] [--reps R] [--bad-ppm P] [FILE]
 *
 * Without FILE it generates a service log in memory with `dangliang gen`'s
 * generator (default: configs/zhoushan-2020/scheme-given.json, 1M rows, seed 7, 1000 bad rows
 * per million, as the bench logs).  It reports the minimum wall time over R
 * repetitions (default 7), the minimum CPU time of the thread, and the
 * throughputs in GB/s (10^9 bytes) of:
 *
 *   memchr '\n'        counting lines with memchr: a floor, like `wc -l`
 *   index <impl>       stage 1 only (masks, prefix XOR, structural index)
 *   records <impl>     stage 1 + 2: every record split into fields
 *   dg_csv_scan        the serial scanner the engine used before
 *
 * for every implementation the CPU supports.  Each loop folds a checksum of
 * what it found (record ends, field lengths), and the records loops must all
 * agree with dg_csv_scan's or the benchmark fails (exit 1).  The minimum of
 * several runs is the figure to quote on a shared machine; the machine and
 * the implementation picked at run time are printed with the numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/csvscan.h"
#include "dangliang/gen.h"
#include "dangliang/scheme.h"
#include "ingest/csvsimd.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef uint64_t (*Loop)(const char *buf, size_t len, DgScanImpl impl);

static uint64_t loop_memchr(const char *buf, size_t len, DgScanImpl impl)
{
    (void)impl;
    uint64_t n = 0;
    const char *p = buf, *e = buf + len;
    while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

static uint64_t loop_index(const char *buf, size_t len, DgScanImpl impl)
{
    /* in batches, as the cursor does */
    const size_t batch = 32u << 10;
    static uint32_t *idx;
    if (!idx)
        idx = dg_xmalloc((batch + 8) * sizeof *idx);
    uint64_t inq = 0, sum = 0;
    for (size_t at = 0; at < len; at += batch) {
        size_t n = len - at < batch ? len - at : batch;
        bool ws;
        size_t k = dg_csvsimd_index(impl, buf + at, n, &inq, idx, &ws);
        sum += k + (k ? idx[k - 1] : 0) + ws;
    }
    return sum;
}

static uint64_t loop_records(const char *buf, size_t len, DgScanImpl impl)
{
    DgCsvCursor c;
    DgCsvRecord r;
    dg_csv_record_init(&r);
    dg_csv_cursor_init(&c, buf, 0, len, impl);
    uint64_t sum = 0;
    size_t pos = 0;
    while (dg_csv_cursor_next(&c, &r, &pos)) {
        sum += pos + r.n_fields;
        for (size_t f = 0; f < r.n_fields; f++)
            sum += r.fields[f].len;
    }
    dg_csv_cursor_free(&c);
    dg_csv_record_clear(&r);
    return sum;
}

static uint64_t loop_serial(const char *buf, size_t len, DgScanImpl impl)
{
    (void)impl;
    DgCsvRecord r;
    dg_csv_record_init(&r);
    uint64_t sum = 0;
    size_t pos = 0;
    while (dg_csv_scan(buf, len, &pos, &r)) {
        sum += pos + r.n_fields;
        for (size_t f = 0; f < r.n_fields; f++)
            sum += r.fields[f].len;
    }
    dg_csv_record_clear(&r);
    return sum;
}

/* Minimum wall time and minimum CPU time of the thread over reps runs: on a
 * shared machine the CPU time leaves out the time the thread waited for a
 * core, so it is the steadier figure "per core". */
static double best_of(Loop f, const char *buf, size_t len, DgScanImpl impl, int reps, uint64_t *sum, double *cpu)
{
    double best = 1e30, bcpu = 1e30;
    for (int i = 0; i < reps; i++) {
        double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        *sum = f(buf, len, impl);
        double c = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0, t = clock_s(CLOCK_MONOTONIC) - t0;
        best = t < best ? t : best;
        bcpu = c < bcpu ? c : bcpu;
    }
    *cpu = bcpu;
    return best;
}

static void row(const char *name, const char *impl, double t, double cpu, size_t len)
{
    printf("| %s%s%s | %.4f | %.2f | %.4f | %.2f |\n", name, impl ? " " : "", impl ? impl : "", t,
           (double)len / t / 1e9, cpu, (double)len / cpu / 1e9);
}

static void cpu_model(char *out, size_t cap)
{
    snprintf(out, cap, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                c += 2;
                c[strcspn(c, "\n")] = 0;
                snprintf(out, cap, "%s", c);
            }
            break;
        }
    fclose(f);
}

int main(int argc, char **argv)
{
    const char *scheme = "configs/zhoushan-2020/scheme-given.json", *file = NULL;
    uint64_t rows = 1000000;
    uint32_t bad_ppm = 1000;
    int reps = 7;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--scheme") && i + 1 < argc)
            scheme = argv[++i];
        else if (!strcmp(argv[i], "--rows") && i + 1 < argc)
            rows = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--bad-ppm") && i + 1 < argc)
            bad_ppm = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (argv[i][0] != '-')
            file = argv[i];
        else {
            fprintf(stderr, "usage: scan_bench [--scheme S] [--rows N] [--reps R] [--bad-ppm P] [FILE]\n");
            return 2;
        }
    }
    if (reps < 1)
        reps = 1;
    char *buf = NULL;
    size_t len = 0;
    DgError err = {0};
    if (file) {
        FILE *f = fopen(file, "rb");
        if (!f) {
            perror(file);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = dg_xmalloc(sz > 0 ? (size_t)sz : 1);
        len = fread(buf, 1, sz > 0 ? (size_t)sz : 0, f);
        fclose(f);
    } else {
        DgScheme *s = NULL;
        if (dg_scheme_load(scheme, &s, &err) != DG_OK) {
            fprintf(stderr, "scan_bench: %s\n", err.text);
            return 1;
        }
        DgGenOptions o = {.rows = rows, .seed = 7, .format = DG_GEN_CSV, .bad_ppm = bad_ppm, .threads = 0};
        if (dg_gen_to_memory(s, &o, &buf, &len, &err) != DG_OK) {
            fprintf(stderr, "scan_bench: %s\n", err.text);
            return 1;
        }
        dg_scheme_free(s);
    }
    char model[256];
    cpu_model(model, sizeof model);
    printf("scan_bench: %zu bytes (%s), min of %d runs, one thread\n", len,
           file ? file : "generated log", reps);
    printf("machine: %s; run-time choice: %s\n\n", model, dg_csvsimd_name(DG_SCAN_AUTO));
    printf("| loop | min wall s | GB/s (wall) | min CPU s | GB/s per core (CPU) |\n|---|---:|---:|---:|---:|\n");
    uint64_t sum = 0, want = 0;
    double cpu;
    double t = best_of(loop_memchr, buf, len, DG_SCAN_SCALAR, reps, &sum, &cpu);
    row("memchr '\\n' (floor)", NULL, t, cpu, len);
    t = best_of(loop_serial, buf, len, DG_SCAN_SCALAR, reps, &want, &cpu);
    row("dg_csv_scan (serial, before)", NULL, t, cpu, len);
    int bad = 0;
    uint64_t isum[DG_SCAN_IMPL_COUNT] = {0};
    for (int m = DG_SCAN_SCALAR; m < DG_SCAN_IMPL_COUNT; m++) {
        if (!dg_csvsimd_supported((DgScanImpl)m))
            continue;
        t = best_of(loop_index, buf, len, (DgScanImpl)m, reps, &isum[m], &cpu);
        row("index", dg_csvsimd_name((DgScanImpl)m), t, cpu, len);
        if (isum[m] != isum[DG_SCAN_SCALAR]) {
            fprintf(stderr, "scan_bench: index %s differs from scalar\n", dg_csvsimd_name((DgScanImpl)m));
            bad = 1;
        }
    }
    for (int m = DG_SCAN_SCALAR; m < DG_SCAN_IMPL_COUNT; m++) {
        if (!dg_csvsimd_supported((DgScanImpl)m))
            continue;
        t = best_of(loop_records, buf, len, (DgScanImpl)m, reps, &sum, &cpu);
        row("records", dg_csvsimd_name((DgScanImpl)m), t, cpu, len);
        if (sum != want) {
            fprintf(stderr, "scan_bench: records %s differ from dg_csv_scan\n", dg_csvsimd_name((DgScanImpl)m));
            bad = 1;
        }
    }
    free(buf);
    return bad;
}
