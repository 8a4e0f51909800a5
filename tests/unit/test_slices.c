/*
 * Slices of a run (validate.h "Slices"): for n = 1, 2, 3, 4, 7 slices run
 * one after the other (phase 1 for every slice, the table, then phase 2 for
 * every slice), the union of the slices' candidates (numbered with
 * dg_slice_cand_offsets), rejects and counts must be exactly the
 * one-process validation: on logs with quoted fields spanning newlines,
 * CRLF, a record straddling every raw boundary, tiny files (fewer records
 * than slices, nothing after the header, no final newline), a gzip file,
 * JSON Lines, bad rows, every golden fixture's log, and the fuzz corpora
 * (a header put in front of the csv corpus).  Slice boundaries depend on
 * the quote parity gathered from the other slices: with the parity ignored,
 * the quoted-newline cases cut records in two and these tests fail.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dangliang/validate.h"
#include "unit/validate_fixture.h"

static char *tmp_path(const char *name)
{
    return g_strdup_printf("/tmp/dg_test_slices_%d_%s", (int)getpid(), name);
}

static char *write_file(const char *name, const char *body, size_t len)
{
    char *p = tmp_path(name);
    FILE *fp = fopen(p, "wb");
    cr_assert(fp);
    cr_assert_eq(fwrite(body, 1, len, fp), len);
    fclose(fp);
    return p;
}

/* Every kind of row, quoted newlines, CRLF, blank lines, duplicate ids. */
static char *write_mixed(const char *name, unsigned seed, int rows)
{
    GString *g = g_string_new(LOG_HEADER);
    mixed_rows(g, seed, rows, rows + 1, true);
    char *p = write_file(name, g->str, g->len);
    g_string_free(g, true);
    return p;
}

/* A few rows, then one record whose quoted field holds `inner` newlines
 * (and doubled quotes) so that every raw boundary of a small n falls in
 * it, then a few rows. */
static char *write_straddle(const char *name, int inner, bool final_newline)
{
    GString *g = g_string_new(LOG_HEADER);
    g_string_append(g, "A1,U01,S1,P1,MED-VISIT,2020-03-01,1\nA2,U01,S1,P2,MED-VISIT,2020-03-02,1\n");
    g_string_append(g, "B1,U01,\"long");
    for (int i = 0; i < inner; i++)
        g_string_append(g, i % 3 ? "\nline \"\"x\"\"" : "\r\n,,");
    g_string_append(g, "\",P3,MED-VISIT,2020-03-03,1\n");
    g_string_append(g, "C1,U02,S2,P4,PH-HTN-FU,2020-04-01,2\nC2,U02,S2,P4,PH-HTN-FU,2020-04-02,2");
    if (final_newline)
        g_string_append(g, "\n");
    char *p = write_file(name, g->str, g->len);
    g_string_free(g, true);
    return p;
}

static char *write_gzip(const char *name, const char *body)
{
    char *p = tmp_path(name);
    gzFile z = gzopen(p, "wb");
    cr_assert(z);
    cr_assert_eq(gzwrite(z, body, (unsigned)strlen(body)), (int)strlen(body));
    gzclose(z);
    return p;
}

/* ---- one-process and sliced runs ---------------------------------------- */

static DgValidateOptions base_opts(int variant)
{
    DgValidateOptions o = {0};
    o.threads = variant % 3 == 0 ? 2 : 1; /* tiny windows start many thread teams: one thread there */
    o.chunk_size = variant % 3 == 0 ? 0 : (size_t)(7 + 50 * variant);
    o.window_size = variant % 3 == 0 ? 0 : 256;
    o.max_record = 600;
    return o;
}

static DgDataset *run_whole(const DgScheme *s, const char *const *paths, size_t n, int variant)
{
    DgValidateOptions o = base_opts(variant);
    o.hash_inputs = true;
    DgDataset *d = NULL;
    DgError e = {0};
    DgStatus st = dg_validate_files(s, paths, n, &o, &d, &e);
    cr_assert_eq(st, DG_OK, "whole run: %s", e.text);
    return d;
}

/* Phase 1 on every slice, then phase 2 on every slice with the table.
 * When the one-process run fails (werr != NULL), every slice must fail with
 * the same status and message. */
static DgDataset **run_sliced(const DgScheme *s, const char *const *paths, size_t n, unsigned ns, int variant,
                              const DgError *werr)
{
    size_t w = dg_slice_words(n);
    uint64_t *table = g_new0(uint64_t, ns * w);
    for (unsigned k = 0; k < ns; k++) {
        DgValidateOptions o = base_opts(variant + (int)k);
        o.slice = k;
        o.n_slices = ns;
        DgError e = {0};
        cr_assert_eq(dg_validate_slice_counts(paths, n, &o, table + k * w, &e), DG_OK, "counts: %s", e.text);
    }
    DgDataset **ds = g_new0(DgDataset *, ns);
    for (unsigned k = 0; k < ns; k++) {
        DgValidateOptions o = base_opts(variant + (int)k);
        o.slice = k;
        o.n_slices = ns;
        o.slice_table = table;
        o.hash_inputs = k == 0;
        DgError e = {0};
        DgStatus st = dg_validate_files(s, paths, n, &o, &ds[k], &e);
        if (werr) {
            cr_assert_eq(st, werr->status, "slice %u of %u: status %d, one process %d", k, ns, st, werr->status);
            cr_assert_str_eq(e.text, werr->text);
            ds[k] = NULL;
        } else {
            cr_assert_eq(st, DG_OK, "slice %u of %u: %s", k, ns, e.text);
        }
    }
    g_free(table);
    return ds;
}

/* ---- comparison ----------------------------------------------------------- */

typedef struct Cand {
    uint32_t file;
    uint64_t line;
    const char *rec;
    bool row; /* a kept row (else a repeat, known from its reject only) */
    const char *staff, *patient;
    uint32_t unit, crow;
    int32_t date;
    uint16_t qty;
} Cand;

static Cand row_cand(const DgDataset *d, size_t i)
{
    const DgRow *r = &d->rows[i];
    return (Cand){.file = r->file, .line = r->line, .rec = dg_dataset_record_id(d, i), .row = true,
                  .staff = dg_dataset_staff(d, r->staff), .patient = dg_dataset_patient(d, r->patient),
                  .unit = dg_row_unit(d, r), .crow = r->crow, .date = r->date, .qty = r->qty};
}

static bool before(uint32_t fa, uint64_t la, uint32_t fb, uint64_t lb)
{
    return fa != fb ? fa < fb : la < lb;
}

/* The one-process candidates: rows and duplicate-id rejects in (file, line) order. */
static Cand *whole_cands(const DgDataset *d, size_t *n)
{
    Cand *c = g_new0(Cand, d->n_rows + d->n_rejects + 1);
    size_t k = 0, j = 0;
    for (size_t i = 0; i < d->n_rows; i++) {
        for (; j < d->n_rejects; j++) {
            const DgReject *r = &d->rejects[j];
            if (!before(r->file, r->line, d->rows[i].file, d->rows[i].line))
                break;
            if (r->reason == DG_REASON_DUPLICATE_RECORD_ID)
                c[k++] = (Cand){.file = r->file, .line = r->line, .rec = r->record_id};
        }
        c[k++] = row_cand(d, i);
    }
    for (; j < d->n_rejects; j++)
        if (d->rejects[j].reason == DG_REASON_DUPLICATE_RECORD_ID)
            c[k++] = (Cand){.file = d->rejects[j].file, .line = d->rejects[j].line, .rec = d->rejects[j].record_id};
    *n = k;
    return c;
}

static int cmp_reject(const void *a, const void *b)
{
    const DgReject *x = *(const DgReject *const *)a, *y = *(const DgReject *const *)b;
    return before(x->file, x->line, y->file, y->line) ? -1 : before(y->file, y->line, x->file, x->line) ? 1 : 0;
}

static void same_union(const DgDataset *w, DgDataset **ds, unsigned ns, const char *what)
{
    size_t nf = w->n_files;
    /* counts */
    uint64_t read = 0, acc = 0, rej = 0, bytes = 0, by[DG_REASON_COUNT] = {0};
    uint64_t *frows = g_new0(uint64_t, nf), *fbad = g_new0(uint64_t, nf), *fgb = g_new0(uint64_t, nf);
    uint64_t *cands = g_new0(uint64_t, (size_t)ns * nf);
    for (unsigned k = 0; k < ns; k++) {
        const DgDataset *d = ds[k];
        read += d->rows_read;
        acc += d->rows_accepted;
        rej += d->rows_rejected;
        bytes += d->bytes_in;
        for (int r = 0; r < DG_REASON_COUNT; r++)
            by[r] += d->by_reason[r];
        for (size_t f = 0; f < nf; f++) {
            frows[f] += d->file_rows[f];
            fbad[f] += d->file_bad_text[f];
            fgb[f] += d->file_bad_text_gb[f];
            cands[k * nf + f] = d->slice_cands[f];
        }
    }
    uint64_t dups = ns > 1 ? w->by_reason[DG_REASON_DUPLICATE_RECORD_ID] : 0;
    cr_assert_eq(read, w->rows_read, "%s: rows_read %llu vs %llu", what, (unsigned long long)read,
                 (unsigned long long)w->rows_read);
    cr_assert_eq(acc, w->rows_accepted + dups, "%s: accepted", what);
    cr_assert_eq(rej + dups, w->rows_rejected, "%s: rejected", what);
    cr_assert_eq(bytes, w->bytes_in, "%s: bytes_in %llu vs %llu", what, (unsigned long long)bytes,
                 (unsigned long long)w->bytes_in);
    for (int r = 0; r < DG_REASON_COUNT; r++)
        if (r != DG_REASON_DUPLICATE_RECORD_ID || ns == 1)
            cr_assert_eq(by[r], w->by_reason[r], "%s: reason %d", what, r);
    for (size_t f = 0; f < nf; f++) {
        cr_assert_eq(frows[f], w->file_rows[f], "%s: file_rows[%zu]", what, f);
        cr_assert_eq(fbad[f], w->file_bad_text[f]);
        cr_assert_eq(fgb[f], w->file_bad_text_gb[f]);
        cr_assert_str_eq(ds[0]->input_sha256[f], w->input_sha256[f], "%s: sha256 of file %zu", what, f);
    }
    /* whole-run header facts on slice 0 */
    cr_assert_eq(ds[0]->n_unknown_columns, w->n_unknown_columns, "%s: unknown columns", what);
    for (size_t i = 0; i < w->n_unknown_columns; i++) {
        cr_assert_str_eq(ds[0]->unknown_columns[i], w->unknown_columns[i]);
        cr_assert_eq(ds[0]->unknown_column_file[i], w->unknown_column_file[i]);
    }
    /* candidates, placed by their offsets */
    size_t nw;
    Cand *wc = whole_cands(w, &nw);
    if (ns > 1) {
        cr_assert_eq(acc, nw, "%s: candidates %llu vs %zu", what, (unsigned long long)acc, nw);
        bool *seen = g_new0(bool, nw + 1);
        uint64_t *off = g_new0(uint64_t, nf ? nf : 1);
        for (unsigned k = 0; k < ns; k++) {
            const DgDataset *d = ds[k];
            dg_slice_cand_offsets(cands, ns, k, nf, off);
            cr_assert_eq(d->n_rows, d->rows_accepted);
            for (size_t i = 0; i < d->n_rows; i++) {
                Cand c = row_cand(d, i);
                uint64_t g = i + off[c.file];
                cr_assert_lt(g, nw, "%s: slice %u row %zu numbered %llu", what, k, i, (unsigned long long)g);
                cr_assert(!seen[g], "%s: candidate %llu twice", what, (unsigned long long)g);
                seen[g] = true;
                const Cand *e = &wc[g];
                cr_assert_eq(c.file, e->file, "%s: slice %u row %zu file", what, k, i);
                cr_assert_eq(c.line, e->line, "%s: slice %u row %zu line %llu vs %llu", what, k, i,
                             (unsigned long long)c.line, (unsigned long long)e->line);
                cr_assert_str_eq(c.rec, e->rec, "%s: record id", what);
                if (e->row) {
                    cr_assert_str_eq(c.staff, e->staff);
                    cr_assert_str_eq(c.patient, e->patient);
                    cr_assert_eq(c.unit, e->unit);
                    cr_assert_eq(c.crow, e->crow);
                    cr_assert_eq(c.date, e->date);
                    cr_assert_eq(c.qty, e->qty);
                }
            }
        }
        g_free(seen);
        g_free(off);
    } else {
        size_t n1;
        Cand *c1 = whole_cands(ds[0], &n1);
        cr_assert_eq(n1, nw);
        for (size_t i = 0; i < nw; i++) {
            cr_assert_eq(c1[i].line, wc[i].line);
            cr_assert_str_eq(c1[i].rec, wc[i].rec);
        }
        g_free(c1);
    }
    g_free(wc);
    /* rejects (other than repeated ids), merged by (file, line) */
    size_t nr = 0;
    for (unsigned k = 0; k < ns; k++)
        nr += ds[k]->n_rejects;
    const DgReject **all = g_new0(const DgReject *, nr + 1);
    size_t m = 0;
    for (unsigned k = 0; k < ns; k++) {
        uint64_t per_file[64] = {0};
        for (size_t i = 0; i < ds[k]->n_rejects; i++) {
            all[m++] = &ds[k]->rejects[i];
            if (ds[k]->rejects[i].reason != DG_REASON_DUPLICATE_RECORD_ID && ds[k]->rejects[i].file < 64)
                per_file[ds[k]->rejects[i].file]++;
        }
        for (size_t f = 0; f < nf && f < 64; f++)
            cr_assert_eq(per_file[f], ds[k]->slice_rejects[f], "%s: slice_rejects", what);
    }
    qsort(all, m, sizeof *all, cmp_reject);
    size_t j = 0;
    for (size_t i = 0; i < w->n_rejects; i++) {
        const DgReject *r = &w->rejects[i];
        if (ns > 1 && r->reason == DG_REASON_DUPLICATE_RECORD_ID)
            continue;
        cr_assert_lt(j, m, "%s: missing reject at line %llu", what, (unsigned long long)r->line);
        const DgReject *q = all[j++];
        cr_assert_eq(q->file, r->file, "%s: reject file", what);
        cr_assert_eq(q->line, r->line, "%s: reject line %llu vs %llu", what, (unsigned long long)q->line,
                     (unsigned long long)r->line);
        cr_assert_eq(q->reason, r->reason, "%s: reason at line %llu", what, (unsigned long long)r->line);
        cr_assert_str_eq(q->record_id, r->record_id);
        cr_assert_str_eq(q->detail, r->detail);
    }
    cr_assert_eq(j, m, "%s: %zu extra rejects", what, m - j);
    g_free(all);
    g_free(frows);
    g_free(fbad);
    g_free(fgb);
    g_free(cands);
}

static const unsigned NS[] = {1, 2, 3, 4, 7};

/* every_variant: each n with 3 option sets (threads, chunk and window
 * sizes); else one per n, in turn (the corpora, to keep the test short). */
static void check_paths_v(const DgScheme *s, const char *const *paths, size_t n, const char *what, bool every_variant)
{
    for (size_t i = 0; i < sizeof NS / sizeof NS[0]; i++)
        for (int variant = every_variant ? 0 : (int)(i % 3); variant < (every_variant ? 3 : (int)(i % 3) + 1);
             variant++) {
            DgValidateOptions o = base_opts(variant);
            o.hash_inputs = true;
            DgDataset *w = NULL;
            DgError we = {0};
            DgStatus wst = dg_validate_files(s, paths, n, &o, &w, &we);
            DgDataset **ds = run_sliced(s, paths, n, NS[i], variant, wst == DG_OK ? NULL : &we);
            if (wst == DG_OK) {
                char *label = g_strdup_printf("%s, %u slices, variant %d", what, NS[i], variant);
                same_union(w, ds, NS[i], label);
                g_free(label);
            }
            for (unsigned k = 0; k < NS[i]; k++)
                dg_dataset_free(ds[k]);
            g_free(ds);
            dg_dataset_free(w);
        }
}

static void check_paths(const DgScheme *s, const char *const *paths, size_t n, const char *what)
{
    check_paths_v(s, paths, n, what, true);
}

/* One written file: checked, then removed and its path freed. */
static void check_one_and_drop(const DgScheme *s, char *path, const char *what)
{
    const char *one = path;
    check_paths(s, &one, 1, what);
    unlink(path);
    g_free(path);
}

static void check_one_quick(const DgScheme *s, const char *path, const char *what)
{
    check_paths_v(s, &path, 1, what, false);
}

Test(slices, mixed_logs_union_is_the_whole)
{
    DgScheme *s = load_small();
    for (unsigned seed = 1; seed <= 6; seed++) {
        char name[32];
        snprintf(name, sizeof name, "mixed%u.csv", seed);
        char *p = write_mixed(name, seed, 20 + 37 * (int)seed);
        check_one_and_drop(s, p, name);
    }
    dg_scheme_free(s);
}

Test(slices, a_record_straddling_every_boundary)
{
    DgScheme *s = load_small();
    int inner[] = {5, 40, 300};
    for (int i = 0; i < 3; i++)
        for (int nl = 0; nl < 2; nl++) {
            char *p = write_straddle("straddle.csv", inner[i], nl);
            check_one_and_drop(s, p, "straddle");
        }
    dg_scheme_free(s);
}

Test(slices, tiny_files)
{
    DgScheme *s = load_small();
    static const char *const bodies[] = {
        "",                                              /* header only */
        "\n\n\r\n",                                      /* blank lines only */
        "A1,U01,S1,P1,MED-VISIT,2020-03-01,1",           /* one row, no final newline */
        "A1,U01,S1,P1,MED-VISIT,2020-03-01,1\n",
        "A1,U01,S1,P1,MED-VISIT,2020-03-01,1\r\nA2,U01,\"S\n1\",P1,MED-VISIT,2020-03-01,1\r\n",
        "\"",                                            /* an unterminated quote */
        "A1,U01,\"S1\nA2,U01,S1,P1,MED-VISIT,2020-03-01,1\n", /* open quote to the end */
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        GString *g = g_string_new(i == 1 ? "\n" : "");
        g_string_append(g, LOG_HEADER);
        g_string_append(g, bodies[i]);
        char *p = write_file("tiny.csv", g->str, g->len);
        check_one_and_drop(s, p, bodies[i]);
        g_string_free(g, true);
    }
    /* a BOM and CRLF header */
    const char *bom = "\xEF\xBB\xBFrecord_id,unit_id,staff_id,patient_id,item_code,service_date,quantity,extra\r\n"
                      "A1,U01,S1,P1,MED-VISIT,2020-03-01,1,x\r\nA2,U01,S1,P1,MED-VISIT,2020-03-01,1,y\r\n";
    char *p = write_file("bom.csv", bom, strlen(bom));
    check_one_and_drop(s, p, "bom");
    dg_scheme_free(s);
}

Test(slices, several_files_with_gzip_and_jsonl)
{
    DgScheme *s = load_small();
    char *a = write_mixed("multi_a.csv", 11, 90);
    char *gz = write_gzip("multi_b.csv.gz", "record_id,unit_id,staff_id,patient_id,item_code,service_date,quantity\n"
                                            "G1,U01,S1,P1,MED-VISIT,2020-03-01,1\n"
                                            "G2,U01,\"S\n1\",P1,MED-VISIT,2020-03-01,1\nbad\n");
    const char *jl = "{\"record_id\":\"J1\",\"unit_id\":\"U01\",\"staff_id\":\"S1\",\"item_code\":\"MED-VISIT\","
                     "\"service_date\":\"2020-03-01\",\"quantity\":1}\n\n{not json}\r\n"
                     "{\"record_id\":\"J2\",\"unit_id\":\"U02\",\"staff_id\":\"S\\\"2\",\"item_code\":\"MED-VISIT\","
                     "\"service_date\":\"2020-03-01\",\"quantity\":2}\n"
                     "{\"record_id\":\"G1\",\"unit_id\":\"U02\",\"staff_id\":\"S3\",\"item_code\":\"MED-VISIT\","
                     "\"service_date\":\"2020-03-05\"}";
    char *j = write_file("multi_c.jsonl", jl, strlen(jl));
    char *b = write_straddle("multi_d.csv", 50, true);
    const char *paths[] = {a, gz, j, b, gz};
    check_paths(s, paths, 5, "four files, one twice");
    for (int i = 0; i < 4; i++)
        unlink(paths[i]);
    g_free(a);
    g_free(gz);
    g_free(j);
    g_free(b);
    dg_scheme_free(s);
}

/* Every golden fixture's log, each alone and all together in one run. */
Test(slices, golden_logs)
{
    DgScheme *s = load_small();
    DIR *dir = opendir("tests/golden");
    cr_assert(dir);
    GPtrArray *logs = g_ptr_array_new_with_free_func(g_free);
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        static const char *const names[] = {"log.csv", "log_b.csv", "log.csv.gz", "log.jsonl"};
        for (size_t i = 0; i < 4; i++) {
            char *p = g_strdup_printf("tests/golden/%s/%s", e->d_name, names[i]);
            if (access(p, R_OK) == 0)
                g_ptr_array_add(logs, p);
            else
                g_free(p);
        }
    }
    closedir(dir);
    cr_assert_gt(logs->len, 20);
    g_ptr_array_sort(logs, (GCompareFunc)(void (*)(void))strcmp);
    for (guint i = 0; i < logs->len; i++)
        check_one_quick(s, g_ptr_array_index(logs, i), g_ptr_array_index(logs, i));
    check_paths(s, (const char *const *)logs->pdata, logs->len, "all golden logs");
    g_ptr_array_free(logs, true);
    dg_scheme_free(s);
}

/* The fuzz corpora: the pipeline's logs as they are, the csv scanner's
 * inputs after a log header. */
Test(slices, fuzz_corpus_replay)
{
    DgScheme *s = load_small();
    static const char *const dirs[] = {"tests/fuzz/corpus/pipeline", "tests/fuzz/corpus/csv"};
    for (int di = 0; di < 2; di++) {
        DIR *dir = opendir(dirs[di]);
        cr_assert(dir);
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char *src = g_strdup_printf("%s/%s", dirs[di], e->d_name);
            gchar *body = NULL;
            gsize len = 0;
            cr_assert(g_file_get_contents(src, &body, &len, NULL));
            GString *g = g_string_new(di == 1 ? LOG_HEADER : "");
            g_string_append_len(g, body, (gssize)len);
            const char *ext = di == 0 && strstr(e->d_name, ".jsonl") ? "corpus.jsonl" : "corpus.csv";
            char *p = write_file(ext, g->str, g->len);
            check_one_quick(s, p, src);
            unlink(p);
            g_free(p);
            g_string_free(g, true);
            g_free(body);
            g_free(src);
        }
        closedir(dir);
    }
    dg_scheme_free(s);
}

/* ---- the gather callback, failures, changes -------------------------------- */

typedef struct Gather {
    const uint64_t *table;
    unsigned slice;
    int calls;
    DgStatus mine_status;
} Gather;

static DgStatus gather_fake(void *ctx, const uint64_t *mine, size_t n, uint64_t *all, DgError *err)
{
    (void)err;
    Gather *g = ctx;
    g->calls++;
    g->mine_status = (DgStatus)mine[0];
    if (mine[0] == 0)
        cr_assert_eq(memcmp(mine, g->table + g->slice * n, n * sizeof *mine), 0, "gather got another row");
    memcpy(all, g->table, 3 * n * sizeof *all);
    return DG_OK;
}

Test(slices, gather_callback_and_failing_slice)
{
    DgScheme *s = load_small();
    char *p = write_mixed("gather.csv", 5, 200);
    const char *paths[] = {p};
    size_t w = dg_slice_words(1);
    uint64_t table[3 * 6];
    cr_assert_eq(w, 6u);
    for (unsigned k = 0; k < 3; k++) {
        DgValidateOptions o = {.slice = k, .n_slices = 3};
        cr_assert_eq(dg_validate_slice_counts(paths, 1, &o, table + k * w, NULL), DG_OK);
    }
    DgDataset *whole = run_whole(s, paths, 1, 0);
    DgDataset *ds[3];
    for (unsigned k = 0; k < 3; k++) {
        Gather g = {.table = table, .slice = k};
        DgValidateOptions o = {.slice = k, .n_slices = 3, .gather = gather_fake, .gather_ctx = &g, .hash_inputs = !k};
        DgError e = {0};
        cr_assert_eq(dg_validate_files(s, paths, 1, &o, &ds[k], &e), DG_OK, "%s", e.text);
        cr_assert_eq(g.calls, 1);
    }
    same_union(whole, ds, 3, "gather");
    for (unsigned k = 0; k < 3; k++)
        dg_dataset_free(ds[k]);
    dg_dataset_free(whole);

    /* slice 1 failed in phase 1: every slice stops with its status */
    uint64_t bad[3 * 6];
    memcpy(bad, table, sizeof bad);
    bad[1 * w] = DG_E_IO;
    DgValidateOptions o = {.slice = 0, .n_slices = 3, .slice_table = bad};
    DgDataset *d = NULL;
    DgError e = {0};
    cr_assert_eq(dg_validate_files(s, paths, 1, &o, &d, &e), DG_E_IO);
    cr_assert(strstr(e.text, "slice 1 of 3"), "%s", e.text);
    /* slices that saw different sizes */
    memcpy(bad, table, sizeof bad);
    bad[2 * w + 2]++;
    cr_assert_eq(dg_validate_files(s, paths, 1, &o, &d, &e), DG_E_IO);
    cr_assert(strstr(e.text, "changed"), "%s", e.text);
    /* a missing input: phase 1 fails, the gather still happens, with the failure */
    const char *missing[] = {"/nonexistent/dg_slices.csv"};
    uint64_t t1[3 * 6] = {0};
    Gather g = {.table = t1, .slice = 0};
    DgValidateOptions om = {.slice = 0, .n_slices = 3, .gather = gather_fake, .gather_ctx = &g};
    cr_assert_eq(dg_validate_files(s, missing, 1, &om, &d, &e), DG_E_IO);
    cr_assert_eq(g.calls, 1);
    cr_assert_eq(g.mine_status, DG_E_IO);
    cr_assert(strstr(e.text, "cannot open"), "%s", e.text);
    /* bad slice numbers */
    DgValidateOptions ob = {.slice = 3, .n_slices = 3, .slice_table = table};
    cr_assert_eq(dg_validate_files(s, paths, 1, &ob, &d, &e), DG_E_USAGE);
    /* the input grew after phase 1: the slices whose share it is say so */
    FILE *fp = fopen(p, "ab");
    fputs("Z9,U01,S1,P1,MED-VISIT,2020-03-01,1\n", fp);
    fclose(fp);
    for (unsigned k = 0; k < 3; k++) {
        DgValidateOptions oc = {.slice = k, .n_slices = 3, .slice_table = table};
        cr_assert_eq(dg_validate_files(s, paths, 1, &oc, &d, &e), DG_E_IO, "slice %u", k);
        cr_assert(strstr(e.text, "changed"), "%s", e.text);
    }
    unlink(p);
    g_free(p);
    dg_scheme_free(s);
}

Test(slices, cand_offsets_by_hand)
{
    /* 2 slices, 3 files: slice 0 has 2, 0, 5 candidates, slice 1 has 3, 4, 1 */
    const uint64_t c[] = {2, 0, 5, 3, 4, 1};
    uint64_t off[3];
    /* run order: f0 s0 [0,2) f0 s1 [2,5) f1 s0 [5,5) f1 s1 [5,9) f2 s0 [9,14) f2 s1 [14,15) */
    dg_slice_cand_offsets(c, 2, 0, 3, off);
    cr_assert_eq(off[0], 0);     /* local 0..1 -> 0..1 */
    cr_assert_eq(off[1], 5 - 2); /* local first of f1 is 2, run's is 5 */
    cr_assert_eq(off[2], 9 - 2); /* local 2..6 -> 9..13 */
    dg_slice_cand_offsets(c, 2, 1, 3, off);
    cr_assert_eq(off[0], 2);      /* local 0..2 -> 2..4 */
    cr_assert_eq(off[1], 5 - 3);  /* local 3..6 -> 5..8 */
    cr_assert_eq(off[2], 14 - 7); /* local 7 -> 14 */
}

/* A FIFO goes whole to slice 0: no other slice opens it (which would block
 * or steal its bytes), phase 1 neither. */
static gpointer fifo_writer(gpointer p)
{
    FILE *fp = fopen(p, "wb");
    if (fp) {
        fputs(LOG_HEADER, fp);
        fputs("F1,U01,S1,P1,MED-VISIT,2020-03-01,1\nF2,U01,\"S\n2\",P1,MED-VISIT,2020-03-01,1\n", fp);
        fclose(fp);
    }
    return NULL;
}

Test(slices, fifo_goes_to_slice_zero, .timeout = 30)
{
    DgScheme *s = load_small();
    char *fifo = tmp_path("fifo.csv");
    unlink(fifo);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    char *plain = write_mixed("beside_fifo.csv", 3, 60);
    const char *paths[] = {plain, fifo};
    size_t w = dg_slice_words(2);
    uint64_t table[2 * 11];
    for (unsigned k = 0; k < 2; k++) {
        DgValidateOptions o = {.slice = k, .n_slices = 2};
        cr_assert_eq(dg_validate_slice_counts(paths, 2, &o, table + k * w, NULL), DG_OK);
    }
    DgDataset *d1 = NULL, *d0 = NULL;
    DgError e = {0};
    DgValidateOptions o1 = {.slice = 1, .n_slices = 2, .slice_table = table};
    cr_assert_eq(dg_validate_files(s, paths, 2, &o1, &d1, &e), DG_OK, "%s", e.text);
    cr_assert_eq(d1->file_rows[1], 0);
    GThread *t = g_thread_new("fifo", fifo_writer, fifo);
    DgValidateOptions o0 = {.slice = 0, .n_slices = 2, .slice_table = table, .hash_inputs = true};
    cr_assert_eq(dg_validate_files(s, paths, 2, &o0, &d0, &e), DG_OK, "%s", e.text);
    g_thread_join(t);
    cr_assert_eq(d0->file_rows[1], 2);
    cr_assert_eq(d0->slice_cands[1], 2);
    cr_assert_eq(d0->rows[d0->n_rows - 1].line, 3); /* the FIFO's own line numbers */
    cr_assert_eq(strlen(d0->input_sha256[1]), 64);
    DgDataset *w1 = run_whole(s, (const char *const *)&plain, 1, 0);
    cr_assert_eq(d0->file_rows[0] + d1->file_rows[0], w1->file_rows[0]);
    cr_assert_str_eq(d0->input_sha256[0], w1->input_sha256[0]);
    dg_dataset_free(w1);
    dg_dataset_free(d0);
    dg_dataset_free(d1);
    unlink(fifo);
    unlink(plain);
    g_free(fifo);
    g_free(plain);
    dg_scheme_free(s);
}

/* hash_whole_only: each slice digests only what it reads whole (the gzip
 * input, on slice 1 of 3 since it is input 1), the byte-ranged input is left
 * to dg_validate_slice_digests, which gives the one-process digest, touches
 * no other input, and says when the input changed since phase 1. */
Test(slices, digests_of_ranged_inputs_later)
{
    DgScheme *s = load_small();
    char *plain = write_mixed("digest_plain.csv", 9, 300);
    char *gz = write_gzip("digest.csv.gz", LOG_HEADER "G1,U01,S1,P1,MED-VISIT,2020-03-01,1\n");
    const char *paths[] = {plain, gz};
    size_t w = dg_slice_words(2);
    uint64_t table[3 * 11];
    for (unsigned k = 0; k < 3; k++) {
        DgValidateOptions o = {.slice = k, .n_slices = 3};
        cr_assert_eq(dg_validate_slice_counts(paths, 2, &o, table + k * w, NULL), DG_OK);
    }
    DgDataset *whole = run_whole(s, paths, 2, 0);
    for (unsigned k = 0; k < 3; k++) {
        DgValidateOptions o = {.slice = k, .n_slices = 3, .slice_table = table, .hash_inputs = true,
                               .hash_whole_only = true};
        DgDataset *d = NULL;
        DgError e = {0};
        cr_assert_eq(dg_validate_files(s, paths, 2, &o, &d, &e), DG_OK, "%s", e.text);
        cr_assert_str_eq(d->input_sha256[0], "", "slice %u digested the ranged input", k);
        cr_assert_str_eq(d->input_sha256[1], k == 1 ? whole->input_sha256[1] : "", "slice %u", k);
        dg_dataset_free(d);
    }
    char hex[2][65] = {"", ""};
    size_t n = 9, file = 9;
    DgError e = {0};
    cr_assert_eq(dg_validate_slice_digests(table, 3, paths, 2, hex, &n, &file, &e), DG_OK, "%s", e.text);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(hex[0], whole->input_sha256[0]);
    cr_assert_str_eq(hex[1], "");
    /* one slice: nothing is ranged */
    cr_assert_eq(dg_validate_slice_digests(table, 1, paths, 2, hex, &n, &file, &e), DG_OK);
    cr_assert_eq(n, 0);
    /* the input grew after phase 1 */
    FILE *fp = fopen(plain, "ab");
    fputs("Z9,U01,S1,P1,MED-VISIT,2020-03-01,1\n", fp);
    fclose(fp);
    cr_assert_eq(dg_validate_slice_digests(table, 3, paths, 2, hex, &n, &file, &e), DG_E_IO);
    cr_assert_eq(file, 0);
    cr_assert(strstr(e.text, "changed"), "%s", e.text);
    dg_dataset_free(whole);
    unlink(plain);
    unlink(gz);
    g_free(plain);
    g_free(gz);
    dg_scheme_free(s);
}
