/*
 * Validation: accounting and determinism.  The same log must give the same
 * accepted rows, rejects and ids for any thread count, chunk size (down to
 * one byte, smaller than a line) and window size.
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dangliang/validate.h"
#include "common/intern.h"
#include "validate/recids.h"
#include "unit/validate_fixture.h"

/* A log mixing every kind of row, with quoted newlines and CRLF. */
static char *write_log(unsigned seed, int rows)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/dg_test_validate_%d_%u.csv", (int)getpid(), seed);
    GString *g = g_string_new(LOG_HEADER);
    mixed_rows(g, seed, rows, rows / 2 + 1, false); /* many duplicates */
    FILE *fp = fopen(path, "wb");
    cr_assert(fp);
    cr_assert_eq(fwrite(g->str, 1, g->len, fp), g->len);
    fclose(fp);
    g_string_free(g, true);
    return path;
}

static void same(const DgDataset *a, const DgDataset *b)
{
    cr_assert_eq(a->rows_read, b->rows_read);
    cr_assert_eq(a->rows_accepted, b->rows_accepted);
    cr_assert_eq(a->n_rows, b->n_rows);
    cr_assert_eq(a->n_rejects, b->n_rejects);
    for (size_t i = 0; i < a->n_rows; i++) {
        cr_assert_eq(memcmp(&a->rows[i], &b->rows[i], sizeof a->rows[i]), 0, "row %zu differs", i);
    }
    for (size_t i = 0; i < a->n_rejects; i++) {
        cr_assert_eq(a->rejects[i].line, b->rejects[i].line);
        cr_assert_eq(a->rejects[i].reason, b->rejects[i].reason);
        cr_assert_str_eq(a->rejects[i].record_id, b->rejects[i].record_id);
        cr_assert_str_eq(a->rejects[i].detail, b->rejects[i].detail);
    }
    for (size_t i = 0; i < a->n_rows; i++)
        cr_assert_str_eq(dg_dataset_record_id(a, i), dg_dataset_record_id(b, i), "record id of row %zu", i);
    cr_assert_eq(dg_dataset_n_staff(a), dg_dataset_n_staff(b));
    for (size_t i = 0; i < dg_dataset_n_staff(a); i++)
        cr_assert_str_eq(dg_dataset_staff(a, (uint32_t)i), dg_dataset_staff(b, (uint32_t)i));
}

Test(validate, identical_for_any_threads_chunks_windows)
{
    DgScheme *s = load_small();
    const char *path = write_log(1, 3000);
    const char *paths[] = {path};
    DgValidateOptions base = {.threads = 1};
    DgDataset *ref = NULL;
    DgError e = {0};
    cr_assert_eq(dg_validate_files(s, paths, 1, &base, &ref, &e), DG_OK, "%s", e.text);
    cr_assert_eq(ref->rows_read, ref->rows_accepted + ref->rows_rejected);
    cr_assert_gt(ref->rows_accepted, 100);
    cr_assert_gt(ref->by_reason[DG_REASON_DUPLICATE_RECORD_ID], 10);
    cr_assert_gt(ref->by_reason[DG_REASON_MALFORMED], 10);
    /* accepted record ids are distinct, and every duplicate names one of them */
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < ref->n_rows; i++)
        cr_assert(g_hash_table_add(seen, (gpointer)dg_dataset_record_id(ref, i)), "row %zu repeats %s", i,
                  dg_dataset_record_id(ref, i));
    for (size_t i = 0; i < ref->n_rejects; i++)
        if (ref->rejects[i].reason == DG_REASON_DUPLICATE_RECORD_ID)
            cr_assert(g_hash_table_contains(seen, ref->rejects[i].record_id), "%s", ref->rejects[i].record_id);
    g_hash_table_destroy(seen);
    const int threads[] = {1, 2, 4};
    const size_t chunks[] = {1, 3, 64, 4096, 0};
    const size_t windows[] = {4096, 100000, 0};
    for (size_t t = 0; t < 3; t++)
        for (size_t c = 0; c < 5; c++)
            for (size_t w = 0; w < 3; w++) {
                DgValidateOptions o = {.threads = threads[t], .chunk_size = chunks[c], .window_size = windows[w]};
                DgDataset *d = NULL;
                cr_assert_eq(dg_validate_files(s, paths, 1, &o, &d, &e), DG_OK, "%s", e.text);
                same(ref, d);
                dg_dataset_free(d);
            }
    dg_dataset_free(ref);
    dg_scheme_free(s);
    unlink(path);
}

Test(validate, line_numbers_and_first_duplicate)
{
    DgScheme *s = load_small();
    const char *path = "/tmp/dg_test_validate_lines.csv";
    FILE *fp = fopen(path, "wb");
    fputs("record_id,unit_id,staff_id,patient_id,item_code,service_date,quantity\n"
          "A,U01,S1,\"P\n\n1\",MED-VISIT,2020-01-05,1\n"     /* lines 2-4 */
          "\n"                                               /* line 5 blank */
          "A,U01,S1,P1,MED-VISIT,2020-01-05,1\n"             /* line 6: duplicate of line 2 */
          "B,U01,S1,P1,MED-VISIT,2020-01-05,1",              /* line 7, no newline */
          fp);
    fclose(fp);
    DgDataset *d = validate_one(s, path);
    cr_assert_eq(d->rows_read, 3);
    cr_assert_eq(d->n_rows, 2);
    cr_assert_eq(d->rows[0].line, 2);
    cr_assert_eq(d->rows[1].line, 7);
    cr_assert_eq(d->n_rejects, 1);
    cr_assert_eq(d->rejects[0].line, 6);
    cr_assert_eq(d->rejects[0].reason, DG_REASON_DUPLICATE_RECORD_ID);
    cr_assert_str_eq(dg_dataset_patient(d, d->rows[0].patient), "P\n\n1");
    cr_assert_str_eq(dg_dataset_record_id(d, 0), "A");
    cr_assert_str_eq(dg_dataset_record_id(d, 1), "B");
    cr_assert_str_eq(d->rejects[0].record_id, "A");
    cr_assert_str_eq(d->rejects[0].detail, "record_id first seen at /tmp/dg_test_validate_lines.csv line 2");
    dg_dataset_free(d);
    dg_scheme_free(s);
    unlink(path);
}

Test(validate, header_errors_are_config_errors)
{
    DgScheme *s = load_small();
    const char *path = "/tmp/dg_test_validate_hdr.csv";
    const char *bad[] = {"record_id,unit_id,staff_id,item_code,quantity\nR1,U01,S1,MED-VISIT,1\n",
                         "record_id,unit_id,staff_id,item_code,service_date,unit_id\n", ""};
    const char *want[] = {"service_date", "appears twice", "no header"};
    for (int i = 0; i < 3; i++) {
        FILE *fp = fopen(path, "wb");
        fputs(bad[i], fp);
        fclose(fp);
        const char *paths[] = {path};
        DgDataset *d = NULL;
        DgError e = {0};
        cr_assert_eq(dg_validate_files(s, paths, 1, NULL, &d, &e), DG_E_CONFIG, "case %d", i);
        cr_assert(strstr(e.text, want[i]), "case %d: %s", i, e.text);
        cr_assert_str_eq(e.file, path);
    }
    const char *missing[] = {"/nonexistent/x.csv"};
    DgDataset *d = NULL;
    DgError e = {0};
    cr_assert_eq(dg_validate_files(s, missing, 1, NULL, &d, &e), DG_E_IO);
    unlink(path);
    dg_scheme_free(s);
}

/* ---- record-id store -------------------------------------------------------- */

/* Distinct ids for distinct v (v = 0 is the empty id), some longer than
 * the one-byte length, some with a NUL inside. */
static size_t make_id(unsigned v, char *buf)
{
    if (v == 0)
        return 0; /* the empty id */
    if (v % 89 == 0) {
        memset(buf, 'L', 300);
        return (size_t)snprintf(buf + 300, 32, "%u", v) + 300;
    }
    int n = snprintf(buf, 32, "R%u", v);
    if (v % 7 == 0) {
        buf[n] = 0; /* "R<v>\0x": a NUL inside the id */
        buf[n + 1] = 'x';
        return (size_t)n + 2;
    }
    return (size_t)n;
}

/* dg_recids_dups against the quadratic definition, with the default key and
 * with a 12-bit key under which different ids collide all the time. */
static void recids_case(uint64_t keymask, int threads)
{
    enum { N = 6000 };
    static unsigned vals[N];
    DgRecIds *r = dg_recids_new(keymask);
    uint64_t off = 0;
    char buf[400];
    srand(7);
    for (unsigned i = 0; i < N; i++) {
        vals[i] = (unsigned)rand() % 4000;
        size_t len = make_id(vals[i], buf);
        dg_recids_grow(r, i + 1, off + dg_recids_entry_size(len));
        off = dg_recids_put(r, i, off, buf, len);
        dg_recids_add_hash(r, dg_hash_bytes(buf, len));
    }
    dg_recids_set_count(r, N);
    uint32_t *dup = NULL, *first = NULL;
    size_t nd = dg_recids_dups(r, threads, &dup, &first);
    size_t j = 0;
    for (unsigned i = 0; i < N; i++) {
        size_t len, elen = make_id(vals[i], buf);
        const char *s = dg_recids_str(r, i, &len);
        cr_assert_eq(len, elen);
        cr_assert_eq(memcmp(s, buf, len), 0);
        cr_assert_eq(s[len], 0);
        unsigned f = i;
        for (unsigned k = 0; k < i; k++)
            if (vals[k] == vals[i]) {
                f = k;
                break;
            }
        if (f == i)
            continue;
        cr_assert_lt(j, nd, "id %u (repeat of %u) not found", i, f);
        cr_assert_eq(dup[j], i);
        cr_assert_eq(first[j], f);
        j++;
    }
    cr_assert_eq(j, nd, "%zu repeats reported, %zu expected", nd, j);
    cr_assert_gt(nd, 1000);
    free(dup);
    free(first);
    dg_recids_free(r);
}

Test(validate, recids_duplicates_are_exact)
{
    recids_case(DG_RECIDS_KEYMASK, 1);
    recids_case(DG_RECIDS_KEYMASK, 2);
    /* 10 partition bits and 2 stored bits: 4096 keys for 4000 distinct ids */
    recids_case(0xFFC0000000000003ULL, 1);
    recids_case(0xFFC0000000000003ULL, 3);
}

/* The digest computed while parsing is the file's SHA-256 — BOM, header
 * and all — whatever the window, chunk and thread counts. */
Test(validate, input_sha256_while_parsing)
{
    DgScheme *s = load_small();
    const char *path = write_log(3, 2000);
    gchar *bytes = NULL;
    gsize n = 0;
    cr_assert(g_file_get_contents(path, &bytes, &n, NULL));
    /* the same rows behind a UTF-8 BOM */
    char bom_path[80];
    snprintf(bom_path, sizeof bom_path, "%s.bom.csv", path);
    FILE *fp = fopen(bom_path, "wb");
    fputs("\xEF\xBB\xBF", fp);
    fwrite(bytes, 1, n, fp);
    fclose(fp);
    gchar *want = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)bytes, n);
    gchar *bom_bytes = NULL;
    gsize bn = 0;
    cr_assert(g_file_get_contents(bom_path, &bom_bytes, &bn, NULL));
    gchar *want_bom = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)bom_bytes, bn);
    const char *paths[] = {path, bom_path};
    const size_t windows[] = {4096, 70000, 0};
    for (int t = 1; t <= 2; t++)
        for (size_t w = 0; w < 3; w++) {
            DgValidateOptions o = {.threads = t, .window_size = windows[w], .chunk_size = 1000, .hash_inputs = true};
            DgDataset *d = NULL;
            DgError e = {0};
            cr_assert_eq(dg_validate_files(s, paths, 2, &o, &d, &e), DG_OK, "%s", e.text);
            cr_assert_str_eq(d->input_sha256[0], want);
            cr_assert_str_eq(d->input_sha256[1], want_bom);
            dg_dataset_free(d);
        }
    DgValidateOptions o = {.threads = 2};
    DgDataset *d = NULL;
    DgError e = {0};
    cr_assert_eq(dg_validate_files(s, paths, 1, &o, &d, &e), DG_OK, "%s", e.text);
    cr_assert_str_eq(d->input_sha256[0], "", "not asked for, not computed");
    dg_dataset_free(d);
    g_free(want);
    g_free(want_bom);
    g_free(bytes);
    g_free(bom_bytes);
    unlink(bom_path);
    unlink(path);
    dg_scheme_free(s);
}

/* The CSV rows' one-test check of id lengths and required fields must agree
 * with the per-field rules at their edges: ids of 256 bytes pass, 257 do
 * not (malformed, whichever id), an empty patient id passes, an empty
 * required field is missing_field, and the first failing rule words the
 * reject (record_id before unit_id).  Rows by hand, line by line. */
Test(validate, id_lengths_and_required_fields_at_the_edges)
{
    DgScheme *s = load_small();
    const char *path = "/tmp/dg_test_validate_edges.csv";
    char l256[257], l257[258];
    memset(l256, 'x', 256);
    l256[256] = 0;
    memset(l257, 'y', 257);
    l257[257] = 0;
    FILE *fp = fopen(path, "wb");
    fputs("record_id,unit_id,staff_id,patient_id,item_code,service_date,quantity\n", fp);
    fprintf(fp, "%s,U01,S1,P1,MED-VISIT,2020-01-05,1\n", l256);        /* 2: accepted */
    fprintf(fp, "%s,U01,S1,P1,MED-VISIT,2020-01-05,1\n", l257);        /* 3: malformed record_id */
    fprintf(fp, "A3,U01,%s,P1,MED-VISIT,2020-01-05,1\n", l256);        /* 4: accepted */
    fprintf(fp, "A4,U01,%s,P1,MED-VISIT,2020-01-05,1\n", l257);        /* 5: malformed staff_id */
    fprintf(fp, "A5,U01,S1,%s,MED-VISIT,2020-01-05,1\n", l257);        /* 6: malformed patient_id */
    fputs("A6,U01,S1,,MED-VISIT,2020-01-05,\n", fp);                  /* 7: accepted, no patient */
    fputs("A7,U01,S1,P1,MED-VISIT,,1\n", fp);                         /* 8: missing service_date */
    fputs(",U01,S1,P1,,2020-01-05,1\n", fp);                          /* 9: missing record_id first */
    fprintf(fp, "%s,,S1,P1,MED-VISIT,2020-01-05,1\n", l257);          /* 10: length before emptiness */
    fputs("A10,U01,\"\",P1,MED-VISIT,2020-01-05,1\n", fp);            /* 11: missing staff_id (quoted "") */
    fclose(fp);
    DgDataset *d = validate_one(s, path);
    cr_assert_eq(d->rows_read, 10);
    cr_assert_eq(d->n_rows, 3);
    cr_assert_eq(d->rows[0].line, 2);
    cr_assert_eq(d->rows[1].line, 4);
    cr_assert_eq(d->rows[2].line, 7);
    cr_assert_eq(d->rows[2].patient, DG_NO_PATIENT);
    static const struct {
        uint64_t line;
        DgReason r;
        const char *detail;
    } want[] = {
        {3, DG_REASON_MALFORMED, "record_id is 257 bytes long; an id may have at most 256 bytes"},
        {5, DG_REASON_MALFORMED, "staff_id is 257 bytes long; an id may have at most 256 bytes"},
        {6, DG_REASON_MALFORMED, "patient_id is 257 bytes long; an id may have at most 256 bytes"},
        {8, DG_REASON_MISSING_FIELD, "service_date is empty"},
        {9, DG_REASON_MISSING_FIELD, "record_id is empty"},
        {10, DG_REASON_MALFORMED, "record_id is 257 bytes long; an id may have at most 256 bytes"},
        {11, DG_REASON_MISSING_FIELD, "staff_id is empty"},
    };
    cr_assert_eq(d->n_rejects, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < d->n_rejects; i++) {
        cr_expect_eq(d->rejects[i].line, want[i].line, "reject %zu", i);
        cr_expect_eq(d->rejects[i].reason, want[i].r, "reject %zu", i);
        cr_expect_str_eq(d->rejects[i].detail, want[i].detail, "reject %zu", i);
    }
    cr_assert_str_eq(dg_dataset_record_id(d, 0), l256);
    dg_dataset_free(d);
    dg_scheme_free(s);
    unlink(path);
}
