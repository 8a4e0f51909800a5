/*
 * Unit tests of engine/ingest (sources, chunker, JSON Lines parser) and of
 * the shared CSV record scanner in engine/common/csvscan.c.
 *
 * The chunker is checked against two independent references on thousands
 * of generated inputs: a serial dg_csv_scan loop (records and line numbers)
 * and a naive byte loop implementing the parity rule (chunk begins and
 * `consumed`).  Source tests write real files (plain, gzip via zlib's
 * gzopen, GB18030 via g_convert) into a temporary folder and read them back
 * through small windows consumed in odd steps.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <glib.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "common/csvscan.h"
#include "common/sha256.h"
#include "dangliang/common.h"
#include "ingest/chunker.h"
#include "ingest/jsonl.h"
#include "ingest/source.h"

/* ======================================================================
 * csvscan
 * ==================================================================== */

typedef struct Scan {
    DgCsvRecord r;
    size_t pos;
    const char *buf;
    size_t len;
} Scan;

static void scan_init(Scan *s, const char *buf)
{
    dg_csv_record_init(&s->r);
    s->pos = 0;
    s->buf = buf;
    s->len = strlen(buf);
}

static bool scan_next(Scan *s)
{
    return dg_csv_scan(s->buf, s->len, &s->pos, &s->r);
}

static void expect_field(const DgCsvRecord *r, size_t i, const char *want)
{
    cr_assert_lt(i, r->n_fields, "field %zu missing (have %zu)", i, r->n_fields);
    cr_expect_eq(r->fields[i].len, strlen(want), "field %zu length %zu, want %zu ('%s')", i, r->fields[i].len,
                 strlen(want), want);
    cr_expect(memcmp(r->fields[i].ptr, want, r->fields[i].len) == 0, "field %zu: got '%.*s' want '%s'", i,
              (int)r->fields[i].len, r->fields[i].ptr, want);
}

Test(csvscan, bom_len)
{
    cr_expect_eq(dg_bom_len("\xEF\xBB\xBF" "a", 4), 3);
    cr_expect_eq(dg_bom_len("\xEF\xBB", 2), 0);
    cr_expect_eq(dg_bom_len("abc", 3), 0);
}

Test(csvscan, simple_crlf_and_trailing_field)
{
    Scan s;
    scan_init(&s, "a,b,c\r\n1,2,3\n4,5,");
    cr_assert(scan_next(&s));
    cr_expect_eq(s.r.n_fields, 3);
    expect_field(&s.r, 0, "a");
    expect_field(&s.r, 2, "c"); /* CR removed */
    cr_expect_eq(s.r.n_newlines, 1);
    cr_expect_eq(s.pos, 7);
    cr_assert(scan_next(&s));
    expect_field(&s.r, 2, "3");
    cr_assert(scan_next(&s)); /* last record, no newline; empty trailing field */
    cr_expect_eq(s.r.n_fields, 3);
    expect_field(&s.r, 2, "");
    cr_expect_eq(s.r.n_newlines, 0);
    cr_expect(!s.r.malformed);
    cr_expect(!scan_next(&s));
    dg_csv_record_clear(&s.r);
}

Test(csvscan, quoted_comma_quote_newline)
{
    Scan s;
    scan_init(&s, "\"x,y\",\"say \"\"hi\"\"\",\"l1\nl2\r\nl3\"\nnext\n");
    cr_assert(scan_next(&s));
    cr_expect_eq(s.r.n_fields, 3);
    expect_field(&s.r, 0, "x,y");
    expect_field(&s.r, 1, "say \"hi\"");
    expect_field(&s.r, 2, "l1\nl2\r\nl3");
    cr_expect(s.r.fields[0].quoted);
    cr_expect_eq(s.r.n_newlines, 3); /* two inside the quotes + the terminator */
    cr_expect(!s.r.malformed);
    cr_assert(scan_next(&s));
    expect_field(&s.r, 0, "next");
    dg_csv_record_clear(&s.r);
}

Test(csvscan, blank_lines_and_commas_only)
{
    Scan s;
    scan_init(&s, "\n\r\n,,\n  \n");
    cr_assert(scan_next(&s));
    cr_expect(s.r.blank);
    cr_expect_eq(s.r.n_newlines, 1);
    cr_assert(scan_next(&s));
    cr_expect(s.r.blank); /* CR only: zero-length after removing it */
    cr_assert(scan_next(&s));
    cr_expect(!s.r.blank);
    cr_expect_eq(s.r.n_fields, 3);
    cr_assert(scan_next(&s));
    cr_expect(!s.r.blank); /* spaces: a row with one empty field */
    cr_expect_eq(s.r.n_fields, 1);
    expect_field(&s.r, 0, "");
    cr_expect(!scan_next(&s));
    dg_csv_record_clear(&s.r);
}

Test(csvscan, spaces_trimmed)
{
    Scan s;
    scan_init(&s, " a \t,\t \" b \" ,c d\n");
    cr_assert(scan_next(&s));
    cr_expect_eq(s.r.n_fields, 3);
    expect_field(&s.r, 0, "a");
    expect_field(&s.r, 1, " b "); /* inside the quotes kept */
    expect_field(&s.r, 2, "c d");
    cr_expect(!s.r.malformed);
    dg_csv_record_clear(&s.r);
}

Test(csvscan, stray_quote_malformed)
{
    Scan s;
    scan_init(&s, "ab\"c,d\"\nx\n");
    /* the quote in ab"c opens a quoted state that the second quote closes */
    cr_assert(scan_next(&s));
    cr_expect(s.r.malformed);
    cr_expect_str_eq(s.r.why, "quote inside an unquoted field");
    cr_expect_eq(s.pos, 8);
    cr_assert(scan_next(&s));
    expect_field(&s.r, 0, "x");
    cr_expect(!s.r.malformed);
    dg_csv_record_clear(&s.r);

    scan_init(&s, "\"a\"b,c\n");
    cr_assert(scan_next(&s));
    cr_expect(s.r.malformed);
    cr_expect_str_eq(s.r.why, "text after a closing quote");
    dg_csv_record_clear(&s.r);
}

Test(csvscan, unterminated_quote_runs_to_end)
{
    Scan s;
    scan_init(&s, "1,2\n3,\"open\n4,5\n6,7\n");
    cr_assert(scan_next(&s));
    cr_expect(!s.r.malformed);
    cr_assert(scan_next(&s));
    cr_expect(s.r.malformed);
    cr_expect_str_eq(s.r.why, "unterminated quoted field");
    cr_expect_eq(s.pos, s.len);
    cr_expect_eq(s.r.n_newlines, 3);
    cr_expect(!scan_next(&s));
    cr_expect_eq(dg_csv_record_end(s.buf, s.len, 4), s.len);
    dg_csv_record_clear(&s.r);
}

/* ======================================================================
 * chunker
 * ==================================================================== */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

/* Naive parity rule with prefix arrays: start[i] says whether i is a
 * record start; nl[i] counts the '\n' in [0, i). */
typedef struct Ref {
    bool *start;
    uint64_t *nl;
    size_t consumed;
} Ref;

static void ref_build(Ref *r, const char *buf, size_t len, bool eof, bool qa)
{
    r->start = malloc(len + 1);
    r->nl = malloc((len + 1) * sizeof *r->nl);
    bool inq = false;
    r->nl[0] = 0;
    r->start[0] = true;
    r->consumed = 0;
    for (size_t i = 0; i < len; i++) {
        r->start[i + 1] = buf[i] == '\n' && !inq;
        if (r->start[i + 1])
            r->consumed = i + 1;
        if (qa && buf[i] == '"')
            inq = !inq;
        r->nl[i + 1] = r->nl[i] + (buf[i] == '\n');
    }
    if (eof)
        r->consumed = len;
}

static void ref_free(Ref *r)
{
    free(r->start);
    free(r->nl);
}

typedef struct RecRef {
    size_t start;
    uint64_t line;
} RecRef;

/* One record at *pos (limit `end`) the way the validator reads it. */
static void next_record(const char *buf, size_t end, size_t *pos, bool qa, DgCsvRecord *r, uint64_t *nl)
{
    if (qa) {
        cr_assert(dg_csv_scan(buf, end, pos, r));
        *nl = r->n_newlines;
    } else {
        const char *p = memchr(buf + *pos, '\n', end - *pos);
        *pos = p ? (size_t)(p - buf) + 1 : end;
        *nl = p ? 1 : 0;
    }
}

static size_t n_split_checks;

static void check_split(const char *buf, size_t len, bool eof, bool qa, size_t cs, uint64_t line0)
{
    DgChunk *ch = NULL;
    size_t n = 0, cons = 0;
    dg_chunk_split(buf, len, eof, qa, cs, line0, &ch, &n, &cons);
    n_split_checks++;
    Ref rf;
    ref_build(&rf, buf, len, eof, qa);
    size_t want_cons = rf.consumed;
    cr_assert_eq(cons, want_cons, "consumed %zu, want %zu (len %zu cs %zu eof %d qa %d)", cons, want_cons, len,
                 cs, eof, qa);
    size_t want_n = cons ? (cons - 1) / cs + 1 : 0;
    cr_assert_eq(n, want_n, "n_chunks %zu want %zu", n, want_n);

    /* serial reference over [0, cons) */
    RecRef *ref = malloc((cons + 1) * sizeof *ref);
    size_t n_ref = 0;
    DgCsvRecord rec;
    dg_csv_record_init(&rec);
    size_t pos = 0;
    uint64_t line = line0;
    while (pos < cons) {
        size_t st = pos;
        uint64_t nl;
        next_record(buf, cons, &pos, qa, &rec, &nl);
        ref[n_ref].start = st;
        ref[n_ref].line = line;
        n_ref++;
        line += nl;
    }

    /* chunk structure and the records of each chunk */
    /* next record start at or after each offset, capped at cons */
    size_t *next = malloc((cons + 1) * sizeof *next);
    next[cons] = cons;
    for (size_t i = cons; i-- > 0;)
        next[i] = rf.start[i] ? i : next[i + 1];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t b = next[i * cs];
        cr_assert_eq(ch[i].begin, b, "chunk %zu begin %zu want %zu (len %zu cs %zu)", i, ch[i].begin, b, len, cs);
        cr_assert_eq(ch[i].end, i + 1 < n ? ch[i + 1].begin : cons, "chunk %zu end", i);
        cr_assert_eq(ch[i].first_line, line0 + rf.nl[ch[i].begin], "chunk %zu first_line", i);
        pos = ch[i].begin;
        line = ch[i].first_line;
        while (pos < ch[i].end) {
            cr_assert_lt(k, n_ref, "more records in chunks than serially");
            cr_assert_eq(pos, ref[k].start, "record %zu start %zu want %zu", k, pos, ref[k].start);
            cr_assert_eq(line, ref[k].line, "record %zu line", k);
            uint64_t nl;
            next_record(buf, cons, &pos, qa, &rec, &nl);
            line += nl;
            k++;
        }
    }
    cr_assert_eq(k, n_ref, "chunks hold %zu records, serial scan %zu", k, n_ref);
    dg_csv_record_clear(&rec);
    free(next);
    free(ref);
    free(ch);
    ref_free(&rf);
}

static const size_t chunk_sizes[] = {1, 2, 3, 7, 64, 4096};

static void check_all(const char *buf, size_t len)
{
    for (size_t c = 0; c < sizeof chunk_sizes / sizeof chunk_sizes[0]; c++)
        for (int eof = 0; eof < 2; eof++)
            for (int qa = 0; qa < 2; qa++)
                check_split(buf, len, eof, qa, chunk_sizes[c], 1 + (uint64_t)c * 1000);
}

Test(chunker, random_bytes_agree_with_serial_scan)
{
    static const char alpha[] = "a,\"\n\r ";
    char buf[400];
    rng_state = 0x9E3779B97F4A7C15ULL;
    for (int it = 0; it < 2500; it++) {
        size_t len = rnd() % 300;
        int skew = (int)(rnd() % 3); /* 0 uniform, 1 few quotes, 2 many newlines */
        for (size_t i = 0; i < len; i++) {
            size_t j = rnd() % 6;
            if (skew == 1 && j == 2 && rnd() % 4)
                j = 0;
            if (skew == 2 && rnd() % 3 == 0)
                j = 3;
            buf[i] = alpha[j];
        }
        check_all(buf, len);
    }
}

/* Plausible CSV: quoted fields with commas, doubled quotes and newlines,
 * CRLF and LF, blank lines, the odd stray quote. */
static size_t gen_csv(char *buf, size_t cap, int rows)
{
    size_t n = 0;
    for (int r = 0; r < rows && n + 200 < cap; r++) {
        int kind = (int)(rnd() % 20);
        if (kind == 0) {
            buf[n++] = '\n';
            continue;
        }
        int nf = 1 + (int)(rnd() % 5);
        for (int f = 0; f < nf; f++) {
            if (f)
                buf[n++] = ',';
            int fk = (int)(rnd() % 6);
            if (fk == 0) {
                n += (size_t)sprintf(buf + n, "\"q%d,\"\"x\"\"\n%s\"", r, rnd() % 2 ? "y" : "");
            } else if (fk == 1 && kind == 1) {
                n += (size_t)sprintf(buf + n, "st\"ray");
            } else {
                n += (size_t)sprintf(buf + n, "v%llu", (unsigned long long)(rnd() % 100000));
            }
        }
        if (rnd() % 3 == 0)
            buf[n++] = '\r';
        buf[n++] = '\n';
    }
    if (n && rnd() % 2)
        n--; /* sometimes no final newline */
    return n;
}

Test(chunker, generated_csv_agrees_with_serial_scan)
{
    char buf[8192];
    rng_state = 12345;
    for (int it = 0; it < 300; it++) {
        size_t len = gen_csv(buf, sizeof buf, 1 + (int)(rnd() % 60));
        check_all(buf, len);
    }
}

Test(chunker, large_window_parallel)
{
    /* big enough for the SSE2 counters and the OpenMP path */
    size_t cap = 3u << 20;
    char *buf = malloc(cap);
    rng_state = 777;
    size_t len = gen_csv(buf, cap, 1 << 30);
    cr_assert_gt(len, (size_t)(2u << 20));
    omp_set_num_threads(2);
    size_t sizes[] = {4096, 65536, 1000003, 1u << 20, 64u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        check_split(buf, len, true, true, sizes[i], 1);
        check_split(buf, len, false, true, sizes[i], 1);
        check_split(buf, len, false, false, sizes[i], 1);
    }
    /* an unterminated quote early: everything after it is one record */
    buf[100] = '"';
    for (size_t i = 101; i < len; i++)
        if (buf[i] == '"')
            buf[i] = 'x';
    check_split(buf, len, true, true, 4096, 1);
    check_split(buf, len, false, true, 4096, 1);
    free(buf);
}

Test(chunker, hand_computed)
{
    /* line 1 header, line 2 a record with a quoted newline (lines 2-3), line 4 CRLF record */
    const char *b = "h1,h2\n\"a\nb\",c\r\nd,e\r\n";
    size_t len = strlen(b);
    DgChunk *ch;
    size_t n, cons;
    dg_chunk_split(b, len, true, true, 8, 1, &ch, &n, &cons);
    cr_assert_eq(cons, len);
    cr_assert_eq(len, 20);
    cr_assert_eq(n, 3); /* [0,8) [8,16) [16,20) */
    cr_expect_eq(ch[0].begin, 0);
    cr_expect_eq(ch[0].first_line, 1);
    /* records at 0 and 6 start in chunk 0; chunk 1 starts at byte 8 (inside the quotes), its first record
     * start is 15 ("d,e") on line 4 */
    cr_expect_eq(ch[0].end, 15);
    cr_expect_eq(ch[1].begin, 15);
    cr_expect_eq(ch[1].first_line, 4);
    cr_expect_eq(ch[1].end, 20);
    cr_expect_eq(ch[2].begin, 20); /* nothing starts in [16, 20) */
    cr_expect_eq(ch[2].end, 20);
    cr_expect_eq(ch[2].first_line, 5);
    free(ch);

    /* not at eof: the partial last record is left for the next window */
    dg_chunk_split("a\nb\nc", 5, false, true, 2, 10, &ch, &n, &cons);
    cr_expect_eq(cons, 4);
    cr_expect_eq(n, 2);
    cr_expect_eq(ch[1].begin, 2);
    cr_expect_eq(ch[1].first_line, 11);
    free(ch);

    /* no complete record */
    dg_chunk_split("\"a\nb", 4, false, true, 2, 1, &ch, &n, &cons);
    cr_expect_eq(cons, 0);
    cr_expect_eq(n, 0);
    cr_expect_null(ch);
    /* JSON Lines: quotes do not matter */
    dg_chunk_split("\"a\nb", 4, false, false, 2, 1, &ch, &n, &cons);
    cr_expect_eq(cons, 3);
    cr_expect_eq(n, 2);
    free(ch);

    dg_chunk_split("", 0, true, true, 4, 1, &ch, &n, &cons);
    cr_expect_eq(n, 0);
    cr_expect_eq(cons, 0);
}

Test(chunker, result_independent_of_threads)
{
    size_t cap = 1u << 20;
    char *buf = malloc(cap);
    rng_state = 4242;
    size_t len = gen_csv(buf, cap, 1 << 30);
    DgChunk *a, *b;
    size_t na, nb, ca, cb;
    omp_set_num_threads(1);
    dg_chunk_split(buf, len, false, true, 3001, 1, &a, &na, &ca);
    omp_set_num_threads(2);
    dg_chunk_split(buf, len, false, true, 3001, 1, &b, &nb, &cb);
    cr_assert_eq(na, nb);
    cr_assert_eq(ca, cb);
    cr_expect(memcmp(a, b, na * sizeof *a) == 0);
    free(a);
    free(b);
    free(buf);
}

/* ======================================================================
 * sources
 * ==================================================================== */

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/dg_ingest_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", tmpdir);
}

static char *tpath(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* gzip members appended one after another (mode "ab" starts a new member) */
static void write_gz(const char *path, const void *data, size_t n, int members)
{
    unlink(path);
    size_t per = members > 0 ? n / (size_t)members : n;
    size_t off = 0;
    for (int m = 0; m < members; m++) {
        size_t k = m == members - 1 ? n - off : per;
        gzFile g = gzopen(path, "ab");
        cr_assert_not_null(g);
        if (k)
            cr_assert_eq(gzwrite(g, (const char *)data + off, (unsigned)k), (int)k);
        cr_assert_eq(gzclose(g), Z_OK);
        off += k;
    }
}

/* Read the whole source through windows of `want` bytes, consuming `step`
 * (varying) bytes at a time. */
static char *read_all(const char *path, const char *enc, size_t want, size_t step, size_t *out_len, DgStatus *status)
{
    DgSource *s = NULL;
    DgError err = {0};
    DgStatus st = dg_source_open(path, enc, &s, &err);
    *status = st;
    if (st != DG_OK)
        return NULL;
    size_t cap = 1024, n = 0;
    char *acc = malloc(cap);
    size_t k = 0;
    for (;;) {
        const char *buf;
        size_t len;
        bool eof;
        st = dg_source_window(s, want, &buf, &len, &eof, &err);
        if (st != DG_OK) {
            *status = st;
            break;
        }
        if (!eof)
            cr_assert_geq(len, want, "window %zu < want %zu before eof", len, want);
        if (len == 0) {
            cr_assert(eof);
            break;
        }
        size_t take = step + (k++ % 3); /* odd steps: step, step+1, step+2 */
        if (take > len)
            take = len;
        if (n + take > cap) {
            while (n + take > cap)
                cap *= 2;
            acc = realloc(acc, cap);
        }
        memcpy(acc + n, buf, take);
        n += take;
        dg_source_consume(s, take);
    }
    if (*status == DG_OK && dg_source_size(s) > 0) {
        struct stat sb;
        stat(path, &sb);
        cr_expect_eq(dg_source_bytes_in(s), (uint64_t)sb.st_size, "bytes_in %llu, file %llu",
                     (unsigned long long)dg_source_bytes_in(s), (unsigned long long)sb.st_size);
    }
    dg_source_close(s);
    *out_len = n;
    return acc;
}

static void expect_reads_as(const char *path, const char *enc, const char *want_data, size_t want_len)
{
    static const size_t wants[] = {1, 2, 5, 64, 4096, 1u << 20};
    static const size_t steps[] = {1, 3, 7, 1000};
    for (size_t w = 0; w < sizeof wants / sizeof wants[0]; w++) {
        for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
            if (want_len > 100000 && (wants[w] < 4096 || steps[s] < 1000))
                continue; /* keep the big cases fast */
            size_t n = 0;
            DgStatus st;
            char *got = read_all(path, enc, wants[w], steps[s], &n, &st);
            cr_assert_eq(st, DG_OK, "%s: status %d", path, st);
            cr_assert_eq(n, want_len, "%s (want %zu step %zu): %zu bytes, expected %zu", path, wants[w], steps[s], n,
                         want_len);
            cr_assert(memcmp(got, want_data, n) == 0, "%s: content differs (want %zu step %zu)", path, wants[w],
                      steps[s]);
            free(got);
        }
    }
}

TestSuite(source, .init = make_tmpdir, .fini = rm_tmpdir);

Test(source, format_from_path)
{
    cr_expect_eq(dg_format_from_path("a/b.csv"), DG_FORMAT_CSV);
    cr_expect_eq(dg_format_from_path("b.CSV.gz"), DG_FORMAT_CSV);
    cr_expect_eq(dg_format_from_path("b.jsonl"), DG_FORMAT_JSONL);
    cr_expect_eq(dg_format_from_path("b.ndjson.gz"), DG_FORMAT_JSONL);
    cr_expect_eq(dg_format_from_path("b.txt"), DG_FORMAT_AUTO);
    cr_expect_eq(dg_format_from_path("b.gz"), DG_FORMAT_AUTO);
    cr_expect_eq(dg_format_from_path(".csv"), DG_FORMAT_AUTO);
    cr_expect_eq(dg_format_from_path("csv"), DG_FORMAT_AUTO);
}

static char *make_text(size_t n)
{
    char *t = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        t[i] = i % 61 == 60 ? '\n' : (char)('a' + (i * 7) % 26);
    t[n] = 0;
    return t;
}

Test(source, plain_file)
{
    char *t = make_text(10000);
    write_file(tpath("p.csv"), t, 10000);
    expect_reads_as(tpath("p.csv"), NULL, t, 10000);
    expect_reads_as(tpath("p.csv"), "utf-8", t, 10000);

    DgSource *s;
    DgError err;
    cr_assert_eq(dg_source_open(tpath("p.csv"), "", &s, &err), DG_OK);
    cr_expect_eq(dg_source_size(s), 10000);
    const char *buf;
    size_t len;
    bool eof;
    cr_assert_eq(dg_source_window(s, 100, &buf, &len, &eof, &err), DG_OK);
    cr_expect_geq(len, 100);
    cr_expect(!eof);
    cr_assert_eq(dg_source_window(s, 1u << 20, &buf, &len, &eof, &err), DG_OK);
    cr_expect_eq(len, 10000);
    cr_expect(eof);
    dg_source_close(s);
    free(t);
}

/* Reads `path` window by window as validation does, with the next window
 * read ahead while the current one is "parsed", consuming `keep_less`
 * bytes fewer than planned every other window (the fallback that appends);
 * returns the bytes consumed, checks the hash against the plain read's. */
static char *read_ahead_all(const char *path, size_t want, size_t plan_keep, size_t keep_less, size_t *out_len,
                            char hex[65])
{
    DgSource *s;
    DgError err;
    cr_assert_eq(dg_source_open(path, NULL, &s, &err), DG_OK);
    dg_source_want_hash(s);
    size_t n = 0, cap = 1024, round = 0;
    char *acc = malloc(cap);
    for (;;) {
        const char *buf;
        size_t len;
        bool eof;
        cr_assert_eq(dg_source_window(s, want, &buf, &len, &eof, &err), DG_OK);
        if (len == 0)
            break;
        size_t keep = len > plan_keep ? plan_keep : 0;
        size_t take = len - keep;
        if (!eof && dg_source_can_read_ahead(s)) {
            dg_source_hash_window(s, take);
            dg_source_read_ahead(s, keep, want); /* the window's bytes stay valid */
        }
        if (round++ % 2 && take > keep_less)
            take -= keep_less; /* consumes less than planned */
        while (n + take > cap)
            acc = realloc(acc, cap *= 2);
        memcpy(acc + n, buf, take);
        n += take;
        dg_source_consume(s, take);
        if (eof && take == len)
            break;
    }
    cr_assert(dg_source_sha256(s, hex));
    cr_expect_eq(dg_source_bytes_in(s), n);
    dg_source_close(s);
    *out_len = n;
    return acc;
}

Test(source, read_ahead_gives_the_same_bytes_and_hash)
{
    size_t total = 300007;
    char *t = make_text(total);
    write_file(tpath("ra.csv"), t, total);
    DgSha256 c;
    char want_hex[65];
    dg_sha256_init(&c);
    dg_sha256_update(&c, t, total);
    dg_sha256_final_hex(&c, want_hex);
    static const size_t wants[] = {1, 100, 4096, 65536, 1u << 20};
    static const size_t keeps[] = {0, 1, 61, 5000};
    static const size_t less[] = {0, 3, 9000};
    for (size_t w = 0; w < sizeof wants / sizeof *wants; w++)
        for (size_t k = 0; k < sizeof keeps / sizeof *keeps; k++)
            for (size_t l = 0; l < sizeof less / sizeof *less; l++) {
                if (wants[w] == 1 && (k || l))
                    continue; /* byte by byte is slow; once is enough */
                size_t n;
                char hex[65];
                char *got = read_ahead_all(tpath("ra.csv"), wants[w], keeps[k], less[l], &n, hex);
                cr_assert_eq(n, total, "want %zu keep %zu less %zu: %zu bytes", wants[w], keeps[k], less[l], n);
                cr_assert(memcmp(got, t, n) == 0, "want %zu keep %zu less %zu: bytes differ", wants[w], keeps[k],
                          less[l]);
                cr_expect_str_eq(hex, want_hex);
                free(got);
            }
    /* not for a decoding source */
    DgSource *s;
    DgError err;
    cr_assert_eq(dg_source_open(tpath("ra.csv"), "GB18030", &s, &err), DG_OK);
    cr_expect(!dg_source_can_read_ahead(s));
    dg_source_close(s);
    free(t);
}

Test(source, empty_and_bom_only)
{
    write_file(tpath("e.csv"), "", 0);
    expect_reads_as(tpath("e.csv"), NULL, "", 0);
    DgSource *s;
    DgError err;
    const char *buf;
    size_t len;
    bool eof = false;
    cr_assert_eq(dg_source_open(tpath("e.csv"), NULL, &s, &err), DG_OK);
    cr_assert_eq(dg_source_window(s, 4096, &buf, &len, &eof, &err), DG_OK);
    cr_expect_eq(len, 0);
    cr_expect(eof);
    cr_expect_not_null(buf);
    dg_source_close(s);

    write_file(tpath("b.csv"), "\xEF\xBB\xBF", 3);
    expect_reads_as(tpath("b.csv"), NULL, "", 0);
    write_file(tpath("b2.csv"), "\xEF\xBB\xBF" "a,b\n", 7);
    expect_reads_as(tpath("b2.csv"), NULL, "a,b\n", 4);
    /* only the first BOM is skipped */
    write_file(tpath("b3.csv"), "\xEF\xBB\xBF\xEF\xBB\xBF", 6);
    expect_reads_as(tpath("b3.csv"), NULL, "\xEF\xBB\xBF", 3);
    write_file(tpath("b4.csv"), "\xEF\xBB", 2);
    expect_reads_as(tpath("b4.csv"), NULL, "\xEF\xBB", 2);
}

Test(source, gzip_members_and_magic)
{
    size_t n = 3u << 20; /* several read blocks and output buffers */
    char *t = make_text(n);
    write_gz(tpath("g.csv.gz"), t, n, 1);
    expect_reads_as(tpath("g.csv.gz"), NULL, t, n);
    write_gz(tpath("g3.csv.gz"), t, n, 3);
    expect_reads_as(tpath("g3.csv.gz"), NULL, t, n);
    /* detected by magic without the suffix */
    write_gz(tpath("g-small.dat"), t, 5000, 2);
    expect_reads_as(tpath("g-small.dat"), NULL, t, 5000);
    /* BOM inside the compressed data; an empty member in the middle */
    write_gz(tpath("gbom.csv.gz"), "\xEF\xBB\xBFx,y\n", 7, 1);
    expect_reads_as(tpath("gbom.csv.gz"), NULL, "x,y\n", 4);
    write_gz(tpath("gempty.csv.gz"), "", 0, 1);
    expect_reads_as(tpath("gempty.csv.gz"), NULL, "", 0);
    free(t);
}

static DgStatus open_read_status(const char *path, const char *enc, DgError *err)
{
    DgSource *s = NULL;
    DgStatus st = dg_source_open(path, enc, &s, err);
    if (st != DG_OK)
        return st;
    for (;;) {
        const char *buf;
        size_t len;
        bool eof;
        st = dg_source_window(s, 4096, &buf, &len, &eof, err);
        if (st != DG_OK || len == 0)
            break;
        dg_source_consume(s, len);
    }
    dg_source_close(s);
    return st;
}

Test(source, gzip_errors)
{
    char *t = make_text(100000);
    write_gz(tpath("t.csv.gz"), t, 100000, 1);
    gsize glen;
    gchar *g;
    cr_assert(g_file_get_contents(tpath("t.csv.gz"), &g, &glen, NULL));
    DgError err = {0};

    write_file(tpath("trunc.csv.gz"), g, glen / 2);
    cr_expect_eq(open_read_status(tpath("trunc.csv.gz"), NULL, &err), DG_E_IO);
    cr_expect(strstr(err.text, "truncated") != NULL, "%s", err.text);
    cr_expect_str_eq(err.file, tpath("trunc.csv.gz"));

    g[glen / 2] ^= 0x55;
    g[glen / 2 + 1] ^= 0x55;
    write_file(tpath("corrupt.csv.gz"), g, glen);
    cr_expect_eq(open_read_status(tpath("corrupt.csv.gz"), NULL, &err), DG_E_IO);

    write_file(tpath("notgz.csv.gz"), "plain,text\n", 11);
    cr_expect_eq(open_read_status(tpath("notgz.csv.gz"), NULL, &err), DG_E_IO);
    cr_expect(strstr(err.text, "gzip") != NULL, "%s", err.text);

    write_file(tpath("empty.csv.gz"), "", 0);
    cr_expect_eq(open_read_status(tpath("empty.csv.gz"), NULL, &err), DG_E_IO);
    g_free(g);
    free(t);
}

Test(source, open_errors)
{
    DgSource *s = (DgSource *)(uintptr_t)1;
    DgError err = {0};
    cr_expect_eq(dg_source_open(tpath("missing.csv"), NULL, &s, &err), DG_E_IO);
    cr_expect_null(s);
    cr_expect_str_eq(err.file, tpath("missing.csv"));
    cr_expect(strstr(err.text, strerror(ENOENT)) != NULL, "%s", err.text);
    cr_expect_eq(dg_source_open(tmpdir, NULL, &s, &err), DG_E_IO);
    cr_expect(strstr(err.text, strerror(EISDIR)) != NULL, "%s", err.text);
    write_file(tpath("x.csv"), "a\n", 2);
    cr_expect_eq(dg_source_open(tpath("x.csv"), "latin-1", &s, &err), DG_E_USAGE);
    cr_expect(strstr(err.text, "latin-1") != NULL, "%s", err.text);
    dg_source_close(NULL);
}

static char *to_gb(const char *utf8, gsize *n)
{
    GError *ge = NULL;
    char *g = g_convert(utf8, -1, "GB18030", "UTF-8", NULL, n, &ge);
    cr_assert_not_null(g, "g_convert: %s", ge ? ge->message : "?");
    return g;
}

Test(source, gb18030)
{
    gsize n;
    char *g = to_gb("定海区", &n);
    cr_assert_eq(n, 6); /* three 2-byte GB characters */
    cr_expect(memcmp(g, "\xB6\xA8\xBA\xA3\xC7\xF8", 6) == 0);
    write_file(tpath("gb.csv"), g, n);
    expect_reads_as(tpath("gb.csv"), "GB18030", "定海区", strlen("定海区"));
    expect_reads_as(tpath("gb.csv"), "gbk", "定海区", strlen("定海区"));
    g_free(g);

    /* 4-byte GB18030 sequences (outside GBK) and ASCII */
    const char *u = "a€𠀀,\"普陀\"\n";
    g = to_gb(u, &n);
    write_file(tpath("gb4.csv"), g, n);
    expect_reads_as(tpath("gb4.csv"), "GB18030", u, strlen(u));
    g_free(g);

    /* U+FEFF encoded in GB18030 becomes a UTF-8 BOM, which is skipped */
    g = to_gb("\xEF\xBB\xBF" "x", &n);
    write_file(tpath("gbbom.csv"), g, n);
    expect_reads_as(tpath("gbbom.csv"), "GB18030", "x", 1);
    g_free(g);
}

Test(source, gb18030_invalid_bytes_become_ff)
{
    /* 0xFF is never valid; 0x81 0x20 is a lead byte followed by an invalid trail (skip one byte, keep the
     * space); a lead byte at the very end is an incomplete sequence */
    write_file(tpath("bad.csv"), "a\xFF" "b\x81 c\x81", 7);
    expect_reads_as(tpath("bad.csv"), "GB18030", "a\xFF" "b\xFF c\xFF", 7);
}

Test(source, gb18030_large_across_buffers)
{
    /* > 256 KiB so multibyte characters straddle read blocks; odd prefix shifts the boundary */
    GString *u = g_string_new("x");
    while (u->len < (700u << 10))
        g_string_append(u, "定海区,普陀€𠀀;");
    gsize n;
    char *g = to_gb(u->str, &n);
    write_file(tpath("big.csv"), g, n);
    expect_reads_as(tpath("big.csv"), "GB18030", u->str, u->len);
    /* gzip + GB18030 together */
    write_gz(tpath("big.csv.gz"), g, n, 2);
    expect_reads_as(tpath("big.csv.gz"), "GB18030", u->str, u->len);
    g_free(g);
    g_string_free(u, TRUE);
}

/* Reference decoder: iconv over the whole input at once, 0xFF + skip one
 * byte on an invalid or truncated sequence, then the BOM rule. */
static char *ref_decode_gb(const char *in, size_t n, size_t *out_n)
{
    GIConv cd = g_iconv_open("UTF-8", "GB18030");
    cr_assert(cd != (GIConv)-1);
    char *out = malloc(4 * n + 16);
    gchar *ip = (gchar *)in, *op = out;
    gsize il = n, ol = 4 * n + 16;
    while (il > 0) {
        if (g_iconv(cd, &ip, &il, &op, &ol) == (gsize)-1) {
            cr_assert(errno == EILSEQ || errno == EINVAL, "errno %d", errno);
            *op++ = (char)0xFF;
            ol--;
            ip++;
            il--;
        }
    }
    g_iconv_close(cd);
    *out_n = (size_t)(op - out);
    if (*out_n >= 3 && memcmp(out, "\xEF\xBB\xBF", 3) == 0) {
        memmove(out, out + 3, *out_n - 3);
        *out_n -= 3;
    }
    return out;
}

Test(source, gb18030_random_bytes_match_whole_buffer_iconv)
{
    gsize gn;
    char *gb = to_gb("定海区普陀€𠀀岱山", &gn);
    rng_state = 99;
    for (int it = 0; it < 40; it++) {
        size_t n = it < 30 ? rnd() % 200 : 300000 + rnd() % 300000; /* big ones cross the 256 KiB reads */
        char *in = malloc(n + 1);
        for (size_t i = 0; i < n; i++) {
            switch (rnd() % 8) {
            case 0: in[i] = (char)(0x81 + rnd() % 126); break;   /* a lead byte */
            case 1: in[i] = (char)(0x30 + rnd() % 10); break;    /* a digit (4-byte second/fourth) */
            case 2: in[i] = (char)(rnd() % 2 ? 0x80 : 0xFF); break;
            case 3: in[i] = (char)(0x40 + rnd() % 0x40); break;  /* a 2-byte trail in ASCII range */
            case 4:
            case 5: {
                size_t k = rnd() % (gn - 3);
                size_t m = n - i < 4 ? n - i : 4;
                memcpy(in + i, gb + k, m); /* a slice of valid text, maybe cut mid-character */
                i += m - 1;
                break;
            }
            default: in[i] = (char)('a' + rnd() % 26); break;
            }
        }
        size_t rn;
        char *ref = ref_decode_gb(in, n, &rn);
        write_file(tpath("r.csv"), in, n);
        size_t got_n;
        DgStatus st;
        size_t want = it % 3 == 0 ? 1 : it % 3 == 1 ? 777 : 1u << 20;
        char *got = read_all(tpath("r.csv"), "GB18030", want, n > 1000 ? 5000 : 1 + it % 5, &got_n, &st);
        cr_assert_eq(st, DG_OK);
        cr_assert_eq(got_n, rn, "iteration %d: %zu bytes, reference %zu", it, got_n, rn);
        cr_assert(memcmp(got, ref, rn) == 0, "iteration %d differs", it);
        free(got);
        if (it % 10 == 0) {
            write_gz(tpath("r.csv.gz"), in, n, 2);
            got = read_all(tpath("r.csv.gz"), "GB18030", want, 333, &got_n, &st);
            cr_assert_eq(st, DG_OK);
            cr_assert_eq(got_n, rn);
            cr_assert(memcmp(got, ref, rn) == 0);
            free(got);
        }
        free(ref);
        free(in);
    }
    g_free(gb);
}

Test(source, fifo_is_streamed)
{
    const char *p = tpath("pipe.csv");
    cr_assert_eq(mkfifo(p, 0600), 0);
    char *t = make_text(300000);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        FILE *f = fopen(p, "wb");
        if (!f)
            _exit(1);
        fwrite("\xEF\xBB\xBF", 1, 3, f);
        fwrite(t, 1, 300000, f);
        fclose(f);
        _exit(0);
    }
    size_t n;
    DgStatus st;
    char *got = read_all(p, NULL, 5000, 777, &n, &st);
    int ws;
    waitpid(pid, &ws, 0);
    cr_assert_eq(st, DG_OK);
    cr_assert_eq(n, 300000);
    cr_assert(memcmp(got, t, n) == 0);
    free(got);
    free(t);
}

/* Resident memory (VmRSS): the read buffer, not the file, must be all that
 * reading a big file adds. */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &v) == 1)
            break;
    fclose(f);
    return v;
}

Test(source, rss_stays_bounded)
{
    size_t n = 96u << 20;
    char *t = malloc(1u << 20);
    memset(t, 'x', 1u << 20);
    FILE *f = fopen(tpath("big.csv"), "wb");
    for (size_t i = 0; i < n >> 20; i++)
        fwrite(t, 1, 1u << 20, f);
    fclose(f);
    free(t);
    long before = rss_kib();
    if (before < 0)
        cr_skip_test("no VmRSS in /proc/self/status");
    DgSource *s;
    DgError err;
    cr_assert_eq(dg_source_open(tpath("big.csv"), NULL, &s, &err), DG_OK);
    uint64_t sum = 0;
    long peak = 0;
    for (;;) {
        const char *buf;
        size_t len;
        bool eof;
        cr_assert_eq(dg_source_window(s, 4u << 20, &buf, &len, &eof, &err), DG_OK);
        if (!len)
            break;
        for (size_t i = 0; i < len; i += 512)
            sum += (unsigned char)buf[i];
        long r = rss_kib();
        if (r > peak)
            peak = r;
        dg_source_consume(s, len - 100); /* leave a tail, as a partial record would */
        if (eof && len <= 100) {
            dg_source_consume(s, len);
            break;
        }
    }
    cr_expect_eq(dg_source_bytes_in(s), n);
    dg_source_close(s);
    cr_expect_gt(sum, 0);
    /* two 4 MiB windows at most, not 96 MiB */
    cr_expect_lt(peak - before, 24 * 1024, "VmRSS grew by %ld KiB", peak - before);
}

/* ======================================================================
 * JSON Lines
 * ==================================================================== */

static const char *const K[] = {"record_id", "unit_id", "quantity", "x"};
enum { NK = 4 };

typedef struct J {
    DgJsonVal v[NK];
    DgJsonScratch sc;
    const char *why;
    bool ok;
} J;

static J *jparse(const char *line)
{
    static J j;
    static bool init;
    if (!init) {
        memset(&j, 0, sizeof j);
        init = true;
    }
    j.ok = dg_jsonl_parse(line, strlen(line), K, NK, j.v, &j.sc, &j.why);
    if (!j.ok)
        cr_expect_not_null(j.why, "no reason for failure of %s", line);
    return &j;
}

static void expect_val(const DgJsonVal *v, DgJsonType t, const char *text)
{
    cr_expect_eq(v->type, t, "type %d want %d", v->type, t);
    if (text) {
        cr_expect_eq(v->len, strlen(text), "len %zu want %zu (%s)", v->len, strlen(text), text);
        cr_expect(v->len == strlen(text) && memcmp(v->ptr, text, v->len) == 0, "value '%.*s' want '%s'",
                  (int)v->len, v->ptr ? v->ptr : "", text);
    }
}

static void expect_bad(const char *line, const char *why)
{
    J *j = jparse(line);
    cr_expect(!j->ok, "%s should be rejected", line);
    if (why && !j->ok)
        cr_expect_str_eq(j->why, why, "%s: %s", line, j->why);
}

static void expect_ok(const char *line)
{
    J *j = jparse(line);
    cr_expect(j->ok, "%s should parse (%s)", line, j->why ? j->why : "");
}

Test(jsonl, basic_types)
{
    J *j = jparse("{\"record_id\":\"R1\",\"unit_id\":17,\"quantity\":null,\"other\":[1,{\"a\":true}]}");
    cr_assert(j->ok, "%s", j->why);
    expect_val(&j->v[0], DG_JSON_STRING, "R1");
    expect_val(&j->v[1], DG_JSON_INT, "17");
    expect_val(&j->v[2], DG_JSON_NULL, NULL);
    expect_val(&j->v[3], DG_JSON_ABSENT, NULL);

    j = jparse("{\"quantity\":-12,\"x\":0}");
    cr_assert(j->ok);
    expect_val(&j->v[2], DG_JSON_INT, "-12");
    expect_val(&j->v[3], DG_JSON_INT, "0");
    expect_val(&j->v[0], DG_JSON_ABSENT, NULL);

    const char *others[] = {"1.5", "1e3", "-0.0", "1E+2", "2e-1", "true", "false", "[]", "{}", "[1,[2]]",
                            "{\"a\":{\"b\":null}}"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        char line[64];
        snprintf(line, sizeof line, "{\"quantity\":%s}", others[i]);
        j = jparse(line);
        cr_expect(j->ok, "%s", line);
        expect_val(&j->v[2], DG_JSON_OTHER, NULL);
    }
    expect_ok("{}");
    expect_ok("{ }");
}

Test(jsonl, whitespace)
{
    J *j = jparse(" \t{ \"unit_id\" :\t\"U 1\" , \"x\" : 5 }\t \r");
    cr_assert(j->ok, "%s", j->why);
    expect_val(&j->v[1], DG_JSON_STRING, "U 1");
    expect_val(&j->v[3], DG_JSON_INT, "5");
    expect_ok("{\"x\":1}\r");
    expect_bad("{\"x\":1}\r x", "text after the JSON object");
}

Test(jsonl, string_escapes)
{
    J *j = jparse("{\"x\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}");
    cr_assert(j->ok, "%s", j->why);
    expect_val(&j->v[3], DG_JSON_STRING, "a\"b\\c/d\b\f\n\r\t");

    j = jparse("{\"x\":\"\\u00e9\\u5B9A\\u0041\"}");
    cr_assert(j->ok, "%s", j->why);
    expect_val(&j->v[3], DG_JSON_STRING, "\xC3\xA9\xE5\xAE\x9A" "A"); /* é 定 A */

    j = jparse("{\"x\":\"\\ud83d\\ude00!\"}");
    cr_assert(j->ok, "%s", j->why);
    expect_val(&j->v[3], DG_JSON_STRING, "\xF0\x9F\x98\x80!");

    j = jparse("{\"x\":\"a\\u0000b\"}");
    cr_assert(j->ok);
    cr_expect_eq(j->v[3].len, 3);
    cr_expect(memcmp(j->v[3].ptr, "a\0b", 3) == 0);

    /* raw UTF-8 and DEL pass through; a string without escapes points into the line */
    const char *line = "{\"x\":\"定海\x7f\"}";
    j = jparse(line);
    cr_assert(j->ok);
    expect_val(&j->v[3], DG_JSON_STRING, "定海\x7f");
    cr_expect(j->v[3].ptr == line + 6);

    expect_bad("{\"x\":\"\\ud800\"}", "lone surrogate in a JSON string");
    expect_bad("{\"x\":\"\\udc00\"}", "lone surrogate in a JSON string");
    expect_bad("{\"x\":\"\\ud800\\u0041\"}", "lone surrogate in a JSON string");
    expect_bad("{\"x\":\"\\ud800x\"}", "lone surrogate in a JSON string");
    expect_bad("{\"x\":\"\\ude00\\ud83d\"}", "lone surrogate in a JSON string");
    expect_bad("{\"x\":\"\\u12\"}", "invalid \\u escape in a JSON string");
    expect_bad("{\"x\":\"\\u12g4\"}", "invalid \\u escape in a JSON string");
    expect_bad("{\"x\":\"\\x41\"}", "invalid escape in a JSON string");
    expect_bad("{\"x\":\"\\'\"}", "invalid escape in a JSON string");
    expect_bad("{\"x\":\"a\tb\"}", "control character in a JSON string");
    expect_bad("{\"x\":\"a\x01\"}", "control character in a JSON string");
    expect_bad("{\"other\":\"a\x1f\"}", "control character in a JSON string");
    expect_bad("{\"x\":\"abc}", "unterminated JSON string");
    expect_bad("{\"x\":\"abc\\", "unterminated JSON string");
    /* checks apply to keys and nested strings too */
    expect_bad("{\"a\\q\":1}", "invalid escape in a JSON string");
    expect_bad("{\"a\":[\"\\ud800\"]}", "lone surrogate in a JSON string");
}

Test(jsonl, numbers)
{
    expect_bad("{\"x\":01}", "invalid JSON number");
    expect_bad("{\"x\":-}", "invalid JSON number");
    expect_bad("{\"x\":1.}", "invalid JSON number");
    expect_bad("{\"x\":.5}", NULL);
    expect_bad("{\"x\":+1}", NULL);
    expect_bad("{\"x\":1e}", "invalid JSON number");
    expect_bad("{\"x\":1e+}", "invalid JSON number");
    expect_bad("{\"x\":0x10}", "invalid JSON number");
    expect_bad("{\"x\":1a}", "invalid JSON number");
    expect_bad("{\"x\":-01}", "invalid JSON number");
    expect_bad("{\"x\":Infinity}", NULL);
    expect_bad("{\"x\":NaN}", NULL);
    J *j = jparse("{\"x\":-0}");
    cr_assert(j->ok);
    expect_val(&j->v[3], DG_JSON_INT, "-0");
    j = jparse("{\"x\":123456789012345678901234567890}");
    cr_assert(j->ok);
    expect_val(&j->v[3], DG_JSON_INT, "123456789012345678901234567890");
    j = jparse("{\"x\":1 }");
    cr_assert(j->ok);
    expect_val(&j->v[3], DG_JSON_INT, "1");
}

Test(jsonl, literals_and_structure)
{
    expect_bad("{\"x\":tru}", "invalid JSON value");
    expect_bad("{\"x\":True}", NULL);
    expect_bad("{\"x\":nul}", "invalid JSON value");
    expect_bad("{\"x\":nullx}", NULL);
    expect_bad("{\"x\"}", "expected ':' in a JSON object");
    expect_bad("{\"x\":}", NULL);
    expect_bad("{\"x\":1,}", "expected a key in a JSON object");
    expect_bad("{,}", "expected a key in a JSON object");
    expect_bad("{\"x\" 1}", "expected ':' in a JSON object");
    expect_bad("{'x':1}", "expected a key in a JSON object");
    expect_bad("{x:1}", "expected a key in a JSON object");
    expect_bad("{\"x\":1 \"y\":2}", "expected ',' or '}' in a JSON object");
    expect_bad("{\"x\":1", "unterminated JSON object");
    expect_bad("{\"x\":", "missing JSON value");
    expect_bad("{", NULL);
    expect_bad("{\"x\":[1,2}", "expected ',' or ']' in a JSON array");
    expect_bad("{\"x\":[1,]}", NULL);
    expect_bad("{\"x\":[1", "unterminated JSON array");
    expect_bad("{\"x\":{\"a\"}}", NULL);
    expect_bad("{\"x\":{1:2}}", NULL);
    expect_ok("{\"x\":[ 1 , \"a\" , [ ] , { } , null ]}");
}

Test(jsonl, not_an_object_or_trailing)
{
    const char *bad[] = {"", "   ", "[1]", "\"s\"", "1", "null", "x{}", "\xEF\xBB\xBF{}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_bad(bad[i], "not a JSON object");
    expect_bad("{\"x\":1}x", "text after the JSON object");
    expect_bad("{\"x\":1} {}", "text after the JSON object");
    expect_bad("{\"x\":1},", "text after the JSON object");
    expect_bad("{}}", "text after the JSON object");
    /* an embedded NUL is not whitespace */
    J *j = jparse("{}");
    cr_assert(j->ok);
    const char nul[] = {'{', '}', '\0'};
    bool ok = dg_jsonl_parse(nul, 3, K, NK, j->v, &j->sc, &j->why);
    cr_expect(!ok);
}

Test(jsonl, nesting_limit)
{
    /* the top-level object is level 1: 63 nested arrays inside it make 64 levels */
    char line[256];
    for (int depth = 62; depth <= 66; depth++) {
        int k = depth - 1;
        size_t n = 0;
        n += (size_t)sprintf(line + n, "{\"x\":");
        for (int i = 0; i < k; i++)
            line[n++] = '[';
        for (int i = 0; i < k; i++)
            line[n++] = ']';
        line[n++] = '}';
        line[n] = 0;
        J *j = jparse(line);
        if (depth <= 64) {
            cr_expect(j->ok, "depth %d: %s", depth, j->why ? j->why : "");
            expect_val(&j->v[3], DG_JSON_OTHER, NULL);
        } else {
            cr_expect(!j->ok, "depth %d should be rejected", depth);
            cr_expect_str_eq(j->why, "JSON nested too deeply");
        }
    }
    /* deeply nested objects of a huge line do not blow the stack */
    size_t big = 1u << 20;
    char *b = malloc(big + 16);
    size_t n = 0;
    n += (size_t)sprintf(b, "{\"x\":");
    while (n < big)
        b[n++] = '[';
    DgJsonVal v[NK];
    DgJsonScratch sc = {0};
    const char *why;
    cr_expect(!dg_jsonl_parse(b, n, K, NK, v, &sc, &why));
    cr_expect_str_eq(why, "JSON nested too deeply");
    dg_json_scratch_free(&sc);
    dg_json_scratch_free(NULL);
    free(b);
}

Test(jsonl, duplicate_keys)
{
    expect_bad("{\"a\":1,\"a\":2}", "duplicate key");
    expect_bad("{\"x\":1,\"x\":1}", "duplicate key");
    expect_bad("{\"a\":1,\"\\u0061\":2}", "duplicate key");        /* compared decoded */
    expect_bad("{\"record_id\":\"A\",\"record\\u005fid\":\"B\"}", "duplicate key");
    expect_bad("{\"\":1,\"\":2}", "duplicate key");
    expect_ok("{\"a\":1,\"A\":2,\"a \":3}");
    expect_ok("{\"x\":{\"a\":1,\"a\":2}}"); /* only top-level keys are checked */

    /* an escaped wanted key is matched after decoding */
    J *j = jparse("{\"unit\\u005fid\":\"U\\u0031\"}");
    cr_assert(j->ok);
    expect_val(&j->v[1], DG_JSON_STRING, "U1");

    /* many keys: the sorted path */
    GString *s = g_string_new("{");
    for (int i = 0; i < 500; i++)
        g_string_append_printf(s, "%s\"k%d\":%d", i ? "," : "", (i * 37) % 500, i);
    g_string_append(s, "}");
    expect_ok(s->str);
    g_string_truncate(s, s->len - 1);
    g_string_append(s, ",\"k499\":1}");
    expect_bad(s->str, "duplicate key");
    g_string_free(s, TRUE);
}

Test(jsonl, scratch_values_stay_valid_across_growth)
{
    DgJsonScratch sc = {0};
    sc.buf = malloc(8); /* a tiny scratch that must grow */
    sc.cap = 8;
    DgJsonVal v[NK];
    const char *why;
    /* every wanted value has escapes, plus long escaped strings of other keys in between */
    GString *s = g_string_new("{\"record_id\":\"r\\u0031\",\"pad1\":\"");
    for (int i = 0; i < 2000; i++)
        g_string_append(s, "\\u5b9a");
    g_string_append(s, "\",\"unit_id\":\"u\\n\",\"pad2\":\"");
    for (int i = 0; i < 3000; i++)
        g_string_append(s, "\\t");
    g_string_append(s, "\",\"x\":\"\\ud83d\\ude00\"}");
    cr_assert(dg_jsonl_parse(s->str, s->len, K, NK, v, &sc, &why), "%s", why);
    expect_val(&v[0], DG_JSON_STRING, "r1");
    expect_val(&v[1], DG_JSON_STRING, "u\n");
    expect_val(&v[3], DG_JSON_STRING, "\xF0\x9F\x98\x80");
    cr_expect_geq(sc.cap, s->len);
    /* a later short line reuses the scratch */
    cr_assert(dg_jsonl_parse("{\"x\":\"\\\"\"}", 10, K, NK, v, &sc, &why));
    expect_val(&v[3], DG_JSON_STRING, "\"");
    g_string_free(s, TRUE);
    dg_json_scratch_free(&sc);
    cr_expect_null(sc.buf);
}

Test(jsonl, decoded_never_longer_than_source)
{
    /* escapes of every size; all values must lie within the scratch or the line */
    const char *lines[] = {"{\"x\":\"\\u0041\"}", "{\"x\":\"\\u07ff\"}", "{\"x\":\"\\uffff\"}",
                           "{\"x\":\"\\udbff\\udfff\"}", "{\"x\":\"\\\\\"}"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        J *j = jparse(lines[i]);
        cr_assert(j->ok, "%s: %s", lines[i], j->why);
        cr_expect_leq(j->v[3].len, strlen(lines[i]) - 8);
    }
    J *j = jparse("{\"x\":\"\\udbff\\udfff\"}");
    expect_val(&j->v[3], DG_JSON_STRING, "\xF4\x8F\xBF\xBF"); /* U+10FFFF */
}

Test(jsonl, many_wanted_keys_any_order)
{
    /* more wanted keys than the length cache holds, given in an order unlike the line's */
    const char *keys[20];
    char names[20][8];
    for (int i = 0; i < 20; i++) {
        snprintf(names[i], sizeof names[i], "key%d", i);
        keys[i] = names[i];
    }
    DgJsonVal v[20];
    DgJsonScratch sc = {0};
    const char *why;
    const char *line = "{\"key19\":\"a\",\"key3\":3,\"other\":1,\"key17\":\"b\\u0021\",\"key0\":null,\"key18\":\"c\"}";
    cr_assert(dg_jsonl_parse(line, strlen(line), keys, 20, v, &sc, &why), "%s", why);
    expect_val(&v[19], DG_JSON_STRING, "a");
    expect_val(&v[3], DG_JSON_INT, "3");
    expect_val(&v[17], DG_JSON_STRING, "b!");
    expect_val(&v[0], DG_JSON_NULL, NULL);
    expect_val(&v[18], DG_JSON_STRING, "c");
    expect_val(&v[1], DG_JSON_ABSENT, NULL);
    expect_val(&v[16], DG_JSON_ABSENT, NULL);
    /* a key that is a prefix of a wanted one does not match it */
    const char *l2 = "{\"key1\":1,\"key\":2,\"key10x\":3}";
    cr_assert(dg_jsonl_parse(l2, strlen(l2), keys, 20, v, &sc, &why));
    expect_val(&v[1], DG_JSON_INT, "1");
    expect_val(&v[10], DG_JSON_ABSENT, NULL);
    dg_json_scratch_free(&sc);
}
