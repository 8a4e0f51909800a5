/*
 * Validation against inputs that misbehave: a log truncated or rewritten
 * while it is read (plain, gzip and GB18030), records far longer than the
 * record-size cap (inside one window and across windows, CSV and JSON
 * Lines), ids longer than DG_MAX_ID_BYTES, and the input digest of
 * decoding sources computed in the same pass.
 *
 * The truncation needs no second process and no timing: the progress
 * callback runs on the reading thread between two windows, so truncating
 * the file there is a deterministic "the file changed after the first
 * window" (with a memory-mapped reader this died of SIGBUS).
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "dangliang/validate.h"
#include "unit/validate_fixture.h"

static const char *tpath(const char *name)
{
    static char buf[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "/tmp/dg_test_robust_%d_%s", (int)getpid(), name);
    return buf[k];
}

static void write_bytes(const char *path, const char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* A log of `rows` good rows (about 40 bytes each). */
static GString *good_log(int rows)
{
    GString *g = g_string_new(LOG_HEADER);
    for (int i = 0; i < rows; i++)
        g_string_append_printf(g, "R%d,U01,S%d,P%d,MED-VISIT,2020-03-%02d,1\n", i, i % 7, i % 50, 1 + i % 28);
    return g;
}

static void write_gzip(const char *path, const char *p, size_t n)
{
    gzFile z = gzopen(path, "wb6");
    cr_assert(z);
    cr_assert_eq(gzwrite(z, p, (unsigned)n), (int)n);
    gzclose(z);
}

/* ---- the input changes while it is read ------------------------------------ */

typedef struct Truncator {
    const char *path;
    off_t to;
    int calls;
} Truncator;

static void truncate_after_first_window(void *ctx, uint64_t done, uint64_t total)
{
    (void)done;
    (void)total;
    Truncator *t = ctx;
    if (t->calls++ == 0)
        cr_assert_eq(truncate(t->path, t->to), 0);
}

static void expect_changed(const char *path, const char *encoding, off_t to)
{
    DgScheme *s = load_small();
    Truncator t = {.path = path, .to = to};
    DgValidateOptions o = {.threads = 2,
                           .window_size = 4096,
                           .chunk_size = 1000,
                           .encoding = encoding,
                           .hash_inputs = true,
                           .progress = truncate_after_first_window,
                           .progress_ctx = &t};
    const char *paths[] = {path};
    DgDataset *d = NULL;
    DgError e = {0};
    DgStatus st = dg_validate_files(s, paths, 1, &o, &d, &e);
    cr_expect_eq(st, DG_E_IO, "%s: status %d, want DG_E_IO (%s)", path, (int)st, e.text);
    cr_expect(strstr(e.text, "the input changed while it was being read") != NULL, "%s", e.text);
    cr_expect_geq(t.calls, 1, "the callback ran");
    cr_expect_null(d);
    dg_dataset_free(d);
    dg_scheme_free(s);
}

Test(robust, plain_log_truncated_while_read)
{
    GString *g = good_log(20000); /* ~800 KB: many 4 KiB windows */
    const char *p = tpath("trunc.csv");
    write_bytes(p, g->str, g->len);
    expect_changed(p, NULL, 10000);
    /* truncated to nothing, and to just before the end */
    write_bytes(p, g->str, g->len);
    expect_changed(p, NULL, 0);
    write_bytes(p, g->str, g->len);
    expect_changed(p, NULL, (off_t)g->len - 1);
    unlink(p);
    g_string_free(g, TRUE);
}

Test(robust, gzip_log_truncated_while_read)
{
    GString *g = good_log(20000);
    const char *p = tpath("trunc.csv.gz");
    write_gzip(p, g->str, g->len);
    expect_changed(p, NULL, 1000);
    unlink(p);
    g_string_free(g, TRUE);
}

Test(robust, gb18030_log_truncated_while_read)
{
    /* ASCII is the same in GB18030; more than the 1 MiB the decoder fills
     * at once, so the change comes before the end has been read */
    GString *g = good_log(80000);
    const char *p = tpath("trunc_gb.csv");
    write_bytes(p, g->str, g->len);
    expect_changed(p, "GB18030", 100000);
    unlink(p);
    g_string_free(g, TRUE);
}

static void append_after_first_window(void *ctx, uint64_t done, uint64_t total)
{
    (void)done;
    (void)total;
    Truncator *t = ctx;
    if (t->calls++ == 0) {
        FILE *f = fopen(t->path, "ab");
        fputs("Z1,U01,S1,P1,MED-VISIT,2020-03-01,1\n", f);
        fclose(f);
    }
}

Test(robust, log_appended_while_read)
{
    DgScheme *s = load_small();
    GString *g = good_log(5000);
    const char *p = tpath("append.csv");
    write_bytes(p, g->str, g->len);
    Truncator t = {.path = p};
    DgValidateOptions o = {.threads = 1, .window_size = 4096, .progress = append_after_first_window, .progress_ctx = &t};
    const char *paths[] = {p};
    DgDataset *d = NULL;
    DgError e = {0};
    cr_expect_eq(dg_validate_files(s, paths, 1, &o, &d, &e), DG_E_IO);
    cr_expect(strstr(e.text, "changed while it was being read") != NULL, "%s", e.text);
    dg_dataset_free(d);
    unlink(p);
    g_string_free(g, TRUE);
    dg_scheme_free(s);
}

/* An unchanged file still reads, and a decoding source's digest is the
 * digest of the bytes on disk, computed in the same pass. */
Test(robust, decoded_inputs_hashed_in_one_pass)
{
    DgScheme *s = load_small();
    GString *g = good_log(3000);
    const char *pg = tpath("h.csv.gz"), *pb = tpath("h_gb.csv");
    write_gzip(pg, g->str, g->len);
    write_bytes(pb, g->str, g->len);
    const char *paths[] = {pg, pb};
    gchar *raw = NULL;
    gsize n = 0;
    cr_assert(g_file_get_contents(pg, &raw, &n, NULL));
    gchar *want_gz = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)raw, n);
    gchar *want_gb = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)g->str, g->len);
    DgValidateOptions o = {.threads = 2, .window_size = 5000, .encoding = "GB18030", .hash_inputs = true};
    DgDataset *d = NULL;
    DgError e = {0};
    cr_assert_eq(dg_validate_files(s, paths, 2, &o, &d, &e), DG_OK, "%s", e.text);
    cr_expect_eq(d->rows_read, 6000);
    cr_expect_str_eq(d->input_sha256[0], want_gz);
    cr_expect_str_eq(d->input_sha256[1], want_gb);
    dg_dataset_free(d);
    g_free(raw);
    g_free(want_gz);
    g_free(want_gb);
    g_string_free(g, TRUE);
    unlink(pg);
    unlink(pb);
    dg_scheme_free(s);
}

/* ---- records over the cap ------------------------------------------------ */

/* header, good row (line 2), a row of `big` bytes plus "\n" (line 3), good
 * row (line 4).  The big row is a valid-looking CSV record whose patient
 * id is huge, so only the cap rejects it as a whole. */
static GString *log_with_big_record(size_t big, bool jsonl, bool crlf)
{
    GString *g = g_string_new(jsonl ? "" : LOG_HEADER);
    const char *eol = crlf ? "\r\n" : "\n";
    if (jsonl) {
        g_string_append_printf(g, "{\"record_id\":\"A\",\"unit_id\":\"U01\",\"staff_id\":\"S1\",\"item_code\":\"MED-VISIT\","
                                  "\"service_date\":\"2020-03-01\"}%s",
                               eol);
        size_t head = strlen("{\"record_id\":\"B\",\"patient_id\":\"\"}");
        g_string_append(g, "{\"record_id\":\"B\",\"patient_id\":\"");
        for (size_t i = 0; i < big - head; i++)
            g_string_append_c(g, 'x');
        g_string_append_printf(g, "\"}%s", eol);
        g_string_append_printf(g, "{\"record_id\":\"C\",\"unit_id\":\"U01\",\"staff_id\":\"S1\",\"item_code\":\"MED-VISIT\","
                                  "\"service_date\":\"2020-03-02\"}%s",
                               eol);
    } else {
        g_string_append_printf(g, "A,U01,S1,P1,MED-VISIT,2020-03-01,1%s", eol);
        const char *pre = "B,U01,S1,\"", *post = "\",MED-VISIT,2020-03-01,1";
        g_string_append(g, pre);
        size_t fill = big - strlen(pre) - strlen(post);
        for (size_t i = 0; i < fill; i++)
            g_string_append_c(g, i % 1000 == 999 ? '\n' : 'x'); /* quoted newlines: the record spans lines */
        g_string_append_printf(g, "%s%s", post, eol);
        g_string_append_printf(g, "C,U01,S1,P1,MED-VISIT,2020-03-02,1%s", eol);
    }
    return g;
}

static void expect_big_rejected(const char *name, size_t big, bool jsonl, bool crlf)
{
    DgScheme *s = load_small();
    GString *g = log_with_big_record(big, jsonl, crlf);
    const char *p = tpath(name);
    write_bytes(p, g->str, g->len);
    const char *paths[] = {p};
    /* big windows (the record is inside one) and small ones (it spans many) */
    const size_t windows[] = {0, 4096, 3u << 20};
    char want[200];
    snprintf(want, sizeof want, "the record is %zu bytes long, more than the limit of %zu (--max-record)", big,
             DG_MAX_RECORD_DEFAULT);
    /* the line of row C: 1 + the '\n' bytes before it */
    const char *c_row = strstr(g->str, jsonl ? "{\"record_id\":\"C\"" : "C,U01");
    uint64_t c_line = 1;
    for (const char *q = g->str; q < c_row; q++)
        c_line += *q == '\n';
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++)
        for (int t = 1; t <= 2; t++) {
            DgValidateOptions o = {.threads = t, .window_size = windows[w], .format = jsonl ? DG_LOG_JSONL : DG_LOG_CSV,
                                   .hash_inputs = true};
            DgDataset *d = NULL;
            DgError e = {0};
            cr_assert_eq(dg_validate_files(s, paths, 1, &o, &d, &e), DG_OK, "%s", e.text);
            cr_expect_eq(d->rows_read, 3, "window %zu: %llu rows read", windows[w], (unsigned long long)d->rows_read);
            cr_expect_eq(d->rows_accepted, 2);
            cr_assert_eq(d->n_rejects, 1);
            cr_expect_eq(d->rejects[0].reason, DG_REASON_MALFORMED);
            cr_expect_str_eq(d->rejects[0].detail, want, "window %zu", windows[w]);
            cr_expect_str_eq(d->rejects[0].record_id, "");
            uint64_t l0 = jsonl ? 2 : 3;
            cr_expect_eq(d->rejects[0].line, l0);
            cr_expect_eq(d->rows[1].line, c_line, "reading resumes at the next line (window %zu)", windows[w]);
            gchar *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)g->str, g->len);
            cr_expect_str_eq(d->input_sha256[0], sum, "skipped bytes are hashed too");
            g_free(sum);
            dg_dataset_free(d);
        }
    unlink(p);
    g_string_free(g, TRUE);
    dg_scheme_free(s);
}

Test(robust, two_mib_csv_record_is_one_malformed_row)
{
    expect_big_rejected("big.csv", 2u << 20, false, false);
    expect_big_rejected("big_crlf.csv", (2u << 20) + 7, false, true);
}

Test(robust, two_mib_jsonl_record_is_one_malformed_row)
{
    expect_big_rejected("big.jsonl", 2u << 20, true, false);
}

/* At the cap exactly a record is read as usual; one byte more is one
 * malformed row; a header that does not end within the cap is an error. */
Test(robust, cap_is_exact_and_settable)
{
    DgScheme *s = load_small();
    char staff[80];
    memset(staff, 's', sizeof staff - 1);
    staff[sizeof staff - 1] = 0;
    GString *g = g_string_new(LOG_HEADER);
    /* "A,U01," (6) + 79 + ",P1,MED-VISIT,2020-03-01,1" (26) = 111 bytes */
    g_string_append_printf(g, "A,U01,%s,P1,MED-VISIT,2020-03-01,1\r\n", staff);
    g_string_append_printf(g, "B,U01,%s,P1,MED-VISIT,2020-03-01,10\n", staff); /* 112 */
    g_string_append_printf(g, "C,U01,%s,P1,MED-VISIT,2020-03-01,1", staff);     /* 111, at the end */
    const char *p = tpath("cap.csv");
    write_bytes(p, g->str, g->len);
    const char *paths[] = {p};
    for (size_t w = 0; w < 2; w++) {
        DgValidateOptions o = {.threads = 1, .max_record = 111, .window_size = w ? 64 : 0};
        DgDataset *d = NULL;
        DgError e = {0};
        cr_assert_eq(dg_validate_files(s, paths, 1, &o, &d, &e), DG_OK, "%s", e.text);
        cr_expect_eq(d->rows_accepted, 2);
        cr_assert_eq(d->n_rejects, 1);
        cr_expect_eq(d->rejects[0].line, 3);
        cr_expect_str_eq(d->rejects[0].detail, "the record is 112 bytes long, more than the limit of 111 (--max-record)");
        dg_dataset_free(d);
    }
    g_string_free(g, TRUE);

    /* a header of 2 MiB without a line end: a configuration error, in
     * bounded memory */
    g = g_string_new("record_id,");
    for (size_t i = 0; i < (2u << 20); i++)
        g_string_append_c(g, 'h');
    write_bytes(p, g->str, g->len);
    DgDataset *d = NULL;
    DgError e = {0};
    cr_expect_eq(dg_validate_files(s, paths, 1, NULL, &d, &e), DG_E_CONFIG);
    cr_expect(strstr(e.text, "header line is longer than 1048576 bytes") != NULL, "%s", e.text);
    cr_expect_null(d);
    unlink(p);
    g_string_free(g, TRUE);
    dg_scheme_free(s);
}

/* ---- ids over DG_MAX_ID_BYTES --------------------------------------------- */

Test(robust, long_ids_are_malformed)
{
    DgScheme *s = load_small();
    char id256[DG_MAX_ID_BYTES + 1], id257[DG_MAX_ID_BYTES + 2];
    memset(id256, 'a', DG_MAX_ID_BYTES);
    id256[DG_MAX_ID_BYTES] = 0;
    memset(id257, 'b', DG_MAX_ID_BYTES + 1);
    id257[DG_MAX_ID_BYTES + 1] = 0;
    GString *g = g_string_new(LOG_HEADER);
    g_string_append_printf(g, "%s,U01,%s,%s,MED-VISIT,2020-03-01,1\n", id256, id256, id256); /* line 2: ok */
    g_string_append_printf(g, "%s,U01,S1,P1,MED-VISIT,2020-03-01,1\n", id257);                /* 3 */
    g_string_append_printf(g, "B,%s,S1,P1,MED-VISIT,2020-03-01,1\n", id257);                  /* 4 */
    g_string_append_printf(g, "C,U01,%s,P1,MED-VISIT,2020-03-01,1\n", id257);                 /* 5 */
    g_string_append_printf(g, "D,U01,S1,%s,MED-VISIT,2020-03-01,1\n", id257);                 /* 6 */
    g_string_append_printf(g, "E,U01,S1,P1,%s,2020-03-01,1\n", id257);                        /* 7 */
    g_string_append_printf(g, "F,U01,S1,%s,MED-VISIT,2020-03-01,0\n", id257); /* 8: malformed before bad_quantity */
    const char *p = tpath("ids.csv");
    write_bytes(p, g->str, g->len);
    DgDataset *d = validate_one(s, p);
    cr_expect_eq(d->rows_accepted, 1);
    cr_assert_eq(d->n_rejects, 6);
    static const char *const col[] = {"record_id", "unit_id", "staff_id", "patient_id", "item_code", "patient_id"};
    static const char *const rid[] = {"", "B", "C", "D", "E", "F"};
    for (size_t i = 0; i < 6; i++) {
        char want[160];
        snprintf(want, sizeof want, "%s is %d bytes long; an id may have at most %d bytes", col[i],
                 DG_MAX_ID_BYTES + 1, DG_MAX_ID_BYTES);
        cr_expect_eq(d->rejects[i].reason, DG_REASON_MALFORMED, "reject %zu", i);
        cr_expect_eq(d->rejects[i].line, 3 + i);
        cr_expect_str_eq(d->rejects[i].detail, want);
        cr_expect_str_eq(d->rejects[i].record_id, rid[i], "a too-long record id is not copied to rejects");
    }
    dg_dataset_free(d);
    unlink(p);
    g_string_free(g, TRUE);
    dg_scheme_free(s);
}
