/*
 * Fuzz target: the parallel chunker must find exactly the records of a
 * serial dg_csv_scan loop, for any bytes.
 *
 * Three checks per input, each aborting on a mismatch: (1) one window
 * holding the whole input (eof and not eof), split with several chunk
 * sizes, chunks scanned in order = serial scan of the consumed prefix,
 * with equal start offsets and line numbers; (2) the validator's window
 * loop (small windows that grow when a record does not fit, the unconsumed
 * tail carried into the next window) = one serial scan of the whole
 * input; (3) every field lies inside the input or the record's scratch.
 * The same is done with quote_aware = false (JSON Lines boundaries).
 * (4) The block scanner (csvsimd.h), every implementation the CPU runs,
 * from offset 0 and from every chunk start, gives exactly the records of
 * dg_csv_scan: ends, fields, flags and newline counts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csvscan.h"
#include "dangliang/common.h"
#include "ingest/chunker.h"
#include "ingest/csvsimd.h"

#define CHECK(c)                                                                                                 \
    do {                                                                                                         \
        if (!(c)) {                                                                                              \
            fprintf(stderr, "fuzz_csv: check failed at line %d: %s\n", __LINE__, #c);                            \
            abort();                                                                                             \
        }                                                                                                        \
    } while (0)

typedef struct Rec {
    size_t start;
    uint64_t line;
} Rec;

typedef struct Recs {
    Rec *v;
    size_t n, cap;
} Recs;

static void push(Recs *r, size_t start, uint64_t line)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        CHECK(r->v != NULL);
    }
    r->v[r->n].start = start;
    r->v[r->n].line = line;
    r->n++;
}

/* One record at *pos, limit `end`; returns its newline count. */
static uint64_t next_record(const char *buf, size_t end, size_t *pos, bool qa, DgCsvRecord *rec)
{
    size_t start = *pos;
    if (!qa) {
        const char *p = memchr(buf + start, '\n', end - start);
        *pos = p ? (size_t)(p - buf) + 1 : end;
        return p ? 1 : 0;
    }
    CHECK(dg_csv_scan(buf, end, pos, rec));
    CHECK(*pos > start && *pos <= end);
    for (size_t f = 0; f < rec->n_fields; f++) {
        const DgCsvField *fd = &rec->fields[f];
        bool in_input = fd->ptr >= buf + start && fd->ptr + fd->len <= buf + *pos;
        bool in_scratch = rec->scratch && fd->ptr >= rec->scratch &&
                          fd->ptr + fd->len <= rec->scratch + rec->scratch_cap;
        CHECK(in_input || in_scratch);
        CHECK(fd->len <= *pos - start);
    }
    uint64_t nl = 0;
    for (size_t i = start; i < *pos; i++)
        nl += buf[i] == '\n';
    CHECK(rec->n_newlines == nl);
    return rec->n_newlines;
}

/* Serial scan of buf[0..end) starting at line0, appended to out. */
static void serial(const char *buf, size_t end, bool qa, uint64_t line0, size_t base, Recs *out, DgCsvRecord *rec)
{
    size_t pos = 0;
    uint64_t line = line0;
    while (pos < end) {
        size_t st = pos;
        uint64_t nl = next_record(buf, end, &pos, qa, rec);
        push(out, base + st, line);
        line += nl;
    }
}

/* Records of one window through the chunker, appended to out; returns consumed. */
static size_t chunked(const char *buf, size_t len, bool eof, bool qa, size_t cs, uint64_t line0, size_t base,
                      Recs *out, DgCsvRecord *rec)
{
    DgChunk *ch = NULL;
    size_t n = 0, cons = 0;
    dg_chunk_split(buf, len, eof, qa, cs, line0, &ch, &n, &cons);
    CHECK(cons <= len);
    CHECK(!eof || cons == len);
    CHECK(n == (cons ? (cons - 1) / cs + 1 : 0));
    CHECK(cons == 0 || cons == len || buf[cons - 1] == '\n');
    for (size_t i = 0; i < n; i++) {
        CHECK(ch[i].begin >= i * cs || i == 0);
        CHECK(ch[i].begin <= ch[i].end && ch[i].end <= cons);
        CHECK(ch[i].end == (i + 1 < n ? ch[i + 1].begin : cons));
        size_t pos = ch[i].begin;
        uint64_t line = ch[i].first_line;
        while (pos < ch[i].end) {
            size_t st = pos;
            uint64_t nl = next_record(buf, cons, &pos, qa, rec);
            push(out, base + st, line);
            line += nl;
        }
    }
    free(ch);
    return cons;
}

static void same(const Recs *a, const Recs *b)
{
    CHECK(a->n == b->n);
    for (size_t i = 0; i < a->n; i++) {
        CHECK(a->v[i].start == b->v[i].start);
        CHECK(a->v[i].line == b->v[i].line);
    }
}

/* (4) cursor of impl over buf[from..end) = dg_csv_scan loop */
static void cursor_agrees(const char *buf, size_t end, size_t from, DgScanImpl impl, DgCsvRecord *a,
                          DgCsvRecord *r)
{
    DgCsvCursor c;
    dg_csv_cursor_init(&c, buf, from, end, impl);
    size_t pa = from, pr = 0;
    for (;;) {
        bool ga = dg_csv_scan(buf, end, &pa, a);
        bool gr = dg_csv_cursor_next(&c, r, &pr);
        CHECK(ga == gr);
        if (!ga)
            break;
        CHECK(pa == pr);
        CHECK(a->blank == r->blank && a->malformed == r->malformed && a->n_newlines == r->n_newlines);
        CHECK(a->why == r->why || (a->why && r->why && strcmp(a->why, r->why) == 0));
        CHECK(a->n_fields == r->n_fields);
        for (size_t f = 0; f < a->n_fields; f++) {
            CHECK(a->fields[f].len == r->fields[f].len && a->fields[f].quoted == r->fields[f].quoted);
            CHECK(memcmp(a->fields[f].ptr, r->fields[f].ptr, a->fields[f].len) == 0);
        }
    }
    dg_csv_cursor_free(&c);
}

static void check_cursor(const char *buf, size_t size, DgCsvRecord *rec)
{
    DgCsvRecord r;
    dg_csv_record_init(&r);
    static const DgScanImpl impls[] = {DG_SCAN_SCALAR, DG_SCAN_SSE42, DG_SCAN_AVX2};
    for (size_t m = 0; m < sizeof impls / sizeof impls[0]; m++) {
        if (!dg_csvsimd_supported(impls[m]))
            continue;
        cursor_agrees(buf, size, 0, impls[m], rec, &r);
        /* chunk starts are record starts: scan each chunk to its end as validate does */
        DgChunk *ch = NULL;
        size_t n = 0, cons = 0;
        dg_chunk_split(buf, size, true, true, 64, 1, &ch, &n, &cons);
        for (size_t i = 0; i < n; i++)
            if (ch[i].begin < ch[i].end)
                cursor_agrees(buf, ch[i].end, ch[i].begin, impls[m], rec, &r);
        free(ch);
    }
    dg_csv_record_clear(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    DgCsvRecord rec;
    dg_csv_record_init(&rec);
    Recs ref = {0}, got = {0};
    static const size_t sizes[] = {1, 3, 16, 4096};
    for (int qa = 0; qa < 2; qa++) {
        /* (1) the whole input as one window */
        ref.n = 0;
        serial(buf, size, qa, 1, 0, &ref, &rec);
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            if (sizes[k] == 1 && size > 8192)
                continue;
            got.n = 0;
            CHECK(chunked(buf, size, true, qa, sizes[k], 1, 0, &got, &rec) == size);
            same(&got, &ref);
            /* not at eof: only the records before `consumed`, which is a record end */
            got.n = 0;
            size_t cons = chunked(buf, size, false, qa, sizes[k], 1, 0, &got, &rec);
            Recs pre = {0};
            serial(buf, cons, qa, 1, 0, &pre, &rec);
            same(&got, &pre);
            CHECK(pre.n <= ref.n);
            for (size_t i = 0; i < pre.n; i++)
                CHECK(pre.v[i].start == ref.v[i].start);
            CHECK(pre.n == ref.n || ref.v[pre.n].start == cons);
            free(pre.v);
        }
        /* (2) the validator's window loop */
        for (size_t want0 = 1; want0 <= 64; want0 *= 8) {
            got.n = 0;
            size_t start = 0, want = want0;
            uint64_t line = 1;
            while (start < size) {
                size_t len = size - start < want ? size - start : want;
                bool eof = start + len == size;
                size_t cons = chunked(buf + start, len, eof, qa, 5, line, start, &got, &rec);
                if (cons == 0) {
                    CHECK(!eof);
                    want *= 2;
                    continue;
                }
                for (size_t i = start; i < start + cons; i++)
                    line += buf[i] == '\n';
                start += cons;
            }
            same(&got, &ref);
        }
    }
    check_cursor(buf, size, &rec);
    free(ref.v);
    free(got.v);
    dg_csv_record_clear(&rec);
    return 0;
}
