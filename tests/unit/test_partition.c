/*
 * The partitioned run (docs/scale.md): a run spilled to many temporary
 * partitions gives the same accounting, rejects, flags, flagged rows and
 * sums as the in-memory run; the temporary folder is gone afterwards, also
 * when a temporary write fails (DG_E_IO).  The CLI-level byte identity of
 * every output is tests/scale.sh.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dangliang/gen.h"
#include "dangliang/partition.h"

static DgScheme *s;
static char log_path[64], tmp_dir[64];

static void setup(void)
{
    DgError e = {0};
    cr_assert_eq(dg_scheme_load("configs/zhoushan-2020/scheme-given.json", &s, &e), DG_OK, "%s", e.text);
    snprintf(log_path, sizeof log_path, "/tmp/dg_test_part_%d.csv", (int)getpid());
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/dg_test_part_%d.d", (int)getpid());
    mkdir(tmp_dir, 0700);
    /* duplicates and bad rows included: both paths must agree on them too */
    DgGenOptions go = {.rows = 40000, .seed = 5, .format = DG_GEN_CSV, .bad_ppm = 20000};
    cr_assert_eq(dg_gen_write(s, &go, log_path, &e), DG_OK, "%s", e.text);
}

static void teardown(void)
{
    unlink(log_path);
    rmdir(tmp_dir);
    dg_scheme_free(s);
}

static bool dir_empty(const char *p)
{
    DIR *dir = opendir(p);
    cr_assert(dir);
    struct dirent *de;
    bool empty = true;
    while ((de = readdir(dir)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            empty = false;
    closedir(dir);
    return empty;
}

typedef struct Run {
    DgDataset *d;
    DgAudit *au;
    DgAggregate *a;
    DgPartitionStats ps;
} Run;

static char head_path[64]; /* when set, read before log_path */

static Run run_with(uint64_t memory, int threads)
{
    omp_set_num_threads(threads);
    const char *two[] = {head_path, log_path}, *one[] = {log_path};
    const char *const *paths = head_path[0] ? two : one;
    size_t n_paths = head_path[0] ? 2 : 1;
    DgPartitionOptions po = {.memory = memory, .tmp = tmp_dir};
    Run r = {0};
    DgError e = {0};
    cr_assert_eq(dg_partition_run(s, paths, n_paths, NULL, &po, &r.d, &r.au, &r.a, NULL, NULL, NULL, &r.ps, &e), DG_OK, "%s",
                 e.text);
    cr_assert(dir_empty(tmp_dir), "temporary files left after a run");
    return r;
}

static void run_free(Run *r)
{
    dg_aggregate_free(r->a);
    dg_audit_free(r->au);
    dg_dataset_free(r->d);
}

static void same(const Run *m, const Run *x)
{
    const DgDataset *a = m->d, *b = x->d;
    cr_assert_eq(a->rows_read, b->rows_read);
    cr_assert_eq(a->rows_accepted, b->rows_accepted);
    cr_assert_eq(a->rows_rejected, b->rows_rejected);
    cr_assert_eq(memcmp(a->by_reason, b->by_reason, sizeof a->by_reason), 0);
    cr_assert_eq(a->n_rejects, b->n_rejects);
    for (size_t i = 0; i < a->n_rejects; i++) {
        cr_assert_eq(a->rejects[i].file, b->rejects[i].file);
        cr_assert_eq(a->rejects[i].line, b->rejects[i].line);
        cr_assert_eq(a->rejects[i].reason, b->rejects[i].reason);
        cr_assert_str_eq(a->rejects[i].record_id, b->rejects[i].record_id);
        cr_assert_str_eq(a->rejects[i].detail, b->rejects[i].detail);
    }
    cr_assert_eq(m->au->n_flags, x->au->n_flags);
    cr_assert_eq(m->au->rows_flagged, x->au->rows_flagged);
    cr_assert_eq(memcmp(m->au->flags_by_check, x->au->flags_by_check, sizeof m->au->flags_by_check), 0);
    cr_assert_eq(memcmp(m->au->excess_by_check, x->au->excess_by_check, sizeof m->au->excess_by_check), 0);
    for (size_t i = 0; i < m->au->n_flags; i++) {
        const DgFlag *f = &m->au->flags[i], *g = &x->au->flags[i];
        cr_assert_eq(f->check, g->check);
        cr_assert_eq(f->excess, g->excess);
        cr_assert_str_eq(f->detail, g->detail);
        /* the same row: its place in the input and its record id (not its
         * patient number: a spilled run numbers patients per partition and
         * keeps none for the flagged rows; the detail names the patient) */
        const DgRow *ra = &a->rows[f->row], *rb = &b->rows[g->row];
        cr_assert_eq(ra->crow, rb->crow);
        cr_assert_eq(ra->staff, rb->staff);
        cr_assert_eq(ra->date, rb->date);
        cr_assert_eq(ra->qty, rb->qty);
        cr_assert_eq(ra->file, rb->file);
        cr_assert_eq(ra->line, rb->line);
        cr_assert_eq(rb->patient, x->ps.spilled ? DG_NO_PATIENT : ra->patient);
        cr_assert_str_eq(dg_dataset_record_id(a, f->row), dg_dataset_record_id(b, g->row));
    }
    size_t nuc = s->n_units * s->n_catalog;
    cr_assert_eq(memcmp(m->a->qty, x->a->qty, nuc * sizeof *m->a->qty), 0);
    cr_assert_eq(memcmp(m->a->audited_qty, x->a->audited_qty, nuc * sizeof *m->a->audited_qty), 0);
    cr_assert_eq(memcmp(m->a->unit_audited_w, x->a->unit_audited_w, s->n_units * sizeof(DgU128)), 0);
    cr_assert_eq(m->a->n_staff, x->a->n_staff);
    cr_assert_eq(memcmp(m->a->pool_staff_w, x->a->pool_staff_w, s->n_pools * m->a->n_staff * sizeof(DgU128)), 0);
    cr_assert_eq(memcmp(m->a->staff_order, x->a->staff_order, m->a->n_staff * sizeof(uint32_t)), 0);
}

Test(partition, spilled_equals_in_memory, .init = setup, .fini = teardown)
{
    Run m = run_with(0, 2);
    cr_assert(!m.ps.spilled);
    cr_assert(m.d->rows_rejected > 0 && m.d->by_reason[DG_REASON_DUPLICATE_RECORD_ID] > 0,
              "the log should hold duplicates");
    cr_assert(m.au->n_flags > 0);
    static const uint64_t caps[] = {1, 64 << 10, 1 << 20};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++)
        for (int t = 1; t <= 2; t++) {
            Run x = run_with(caps[c], t);
            cr_assert(x.ps.spilled, "--memory %llu should spill", (unsigned long long)caps[c]);
            cr_assert(x.ps.unit_parts >= 2 && x.ps.id_parts >= 2);
            same(&m, &x);
            run_free(&x);
        }
    run_free(&m);
}

/* The switch to spilling in the middle of the input: a first file of few
 * accepted rows (most are malformed: an extra field) keeps the projection
 * under the cap, so its rows are kept in memory and handed over when the
 * second file passes the cap. */
Test(partition, switch_after_rows_were_kept, .init = setup, .fini = teardown)
{
    snprintf(head_path, sizeof head_path, "/tmp/dg_test_part_%d_a.csv", (int)getpid());
    FILE *in = fopen(log_path, "r"), *out = fopen(head_path, "w");
    cr_assert(in && out);
    char line[4096];
    for (int i = 0; fgets(line, sizeof line, in) && i <= 20000; i++)
        fprintf(out, "%s%s", i > 600 ? "x," : "", line);
    fclose(in);
    fclose(out);
    Run m = run_with(0, 2);
    Run x = run_with(80 * 5000, 2);
    unlink(head_path);
    head_path[0] = 0;
    cr_assert(x.ps.spilled);
    cr_assert(x.ps.rows_kept_at_switch > 100, "kept %llu rows before spilling",
              (unsigned long long)x.ps.rows_kept_at_switch);
    same(&m, &x);
    run_free(&x);
    run_free(&m);
}

Test(partition, full_temporary_space_is_io_error, .init = setup, .fini = teardown)
{
    const char *paths[] = {log_path};
    DgPartitionOptions po = {.memory = 1, .tmp = tmp_dir, .tmp_fail_after = 100000};
    DgDataset *d = NULL;
    DgAudit *au = NULL;
    DgAggregate *a = NULL;
    DgError e = {0};
    cr_assert_eq(dg_partition_run(s, paths, 1, NULL, &po, &d, &au, &a, NULL, NULL, NULL, NULL, &e), DG_E_IO);
    cr_assert(strstr(e.text, "No space left on device"), "%s", e.text);
    cr_assert(dir_empty(tmp_dir), "temporary files left after a failed write");
    po.tmp = "/nonexistent-dg-dir";
    cr_assert_eq(dg_partition_run(s, paths, 1, NULL, &po, &d, &au, &a, NULL, NULL, NULL, NULL, &e), DG_E_IO);
}

/* The datasets an MPI run builds on each rank (dg_dataset_new_ids): the
 * same staff ids added in the same order get the same dense ids on every
 * rank, ids holding a NUL byte stay distinct, patients are numbered once. */
Test(partition, gathered_ids_number_alike)
{
    const char *files[] = {"a.csv", "b.csv"};
    DgDataset *x = dg_dataset_new_ids(files, 2), *y = dg_dataset_new_ids(files, 2);
    static const char ids[][4] = {"S1", "S2", {'S', 0, '1'}, {'S', 0, '2'}, "S1"};
    static const size_t lens[] = {2, 2, 3, 3, 2};
    static const uint32_t units[] = {0, 0, 0, 0, 1};
    uint32_t px[5], py[5];
    for (int i = 0; i < 5; i++) {
        px[i] = dg_dataset_add_staff(x, units[i], ids[i], lens[i]);
        py[i] = dg_dataset_add_staff(y, units[i], ids[i], lens[i]);
    }
    cr_assert_eq(dg_dataset_add_staff(x, 0, "S1", 2), px[0], "an id added twice is one staff member");
    dg_dataset_staff_done(x);
    dg_dataset_staff_done(y);
    cr_assert_eq(dg_dataset_n_staff(x), 5, "S1 at two units is two staff; S\\0 1 and S\\0 2 are two");
    for (int i = 0; i < 5; i++) {
        uint32_t dx = dg_dataset_staff_final(x, px[i]);
        cr_assert_eq(dx, dg_dataset_staff_final(y, py[i]));
        size_t len;
        const char *b = dg_dataset_staff_bytes(x, dx, &len);
        cr_assert_eq(len, lens[i]);
        cr_assert(memcmp(b, ids[i], len) == 0);
        cr_assert_eq(dg_dataset_staff_unit(x, dx), units[i]);
    }
    uint32_t p1 = dg_dataset_add_patient(x, "P1", 2), p2 = dg_dataset_add_patient(x, "P\0002", 3);
    cr_assert_eq(dg_dataset_add_patient(x, "P1", 2), p1);
    cr_assert_neq(p1, p2);
    cr_assert_eq(dg_dataset_n_patients(x), 2);
    size_t len;
    cr_assert(memcmp(dg_dataset_patient_bytes(x, p2, &len), "P\0002", 3) == 0 && len == 3);
    cr_assert_str_eq(dg_dataset_patient(x, p1), "P1");
    cr_assert_eq(x->n_rows, 0);
    cr_assert_eq(x->n_files, 2);
    cr_assert_str_eq(x->files[1], "b.csv");
    dg_dataset_free(x);
    dg_dataset_free(y);
}

/* ---- the compact entries of the partition files (spillcodec.h) ---------- */

#include "partition/spillcodec.h"

/* Ids of every length class: empty, sharing a long prefix with the one
 * before, over 127 bytes (two-byte lengths), over 32 (no block copy). */
static void make_id(char *b, unsigned k, uint32_t *len)
{
    static const uint32_t lens[] = {0, 1, 9, 10, 31, 32, 33, 127, 128, 200, 256};
    uint32_t l = lens[k % (sizeof lens / sizeof *lens)];
    for (uint32_t i = 0; i < l; i++)
        b[i] = (char)('A' + (i * 7 + (i + 1 == l ? k : 0)) % 26);
    *len = l;
}

Test(spillcodec, unit_and_id_entries_round_trip)
{
    enum { N = 500, SEGS = 3 };
    static char rec[N][256], pat[N][256];
    static uint32_t rl[N], pl[N];
    static DgRow rows[N];
    char *buf = malloc((size_t)N * (dg_spillcodec_unit_bound(256, 256) + dg_spillcodec_id_bound(256)) +
                       SEGS * 2 * DG_SPILLCODEC_HEADER_MAX);
    for (unsigned k = 0; k < N; k++) {
        make_id(rec[k], k, &rl[k]);
        make_id(pat[k], k * 3 + 1, &pl[k]);
        rows[k] = (DgRow){.staff = k * 1000003u, .patient = k % 5 ? 0 : DG_NO_PATIENT, .crow = k % 3 ? k : UINT32_MAX,
                          .date = k % 2 ? -(int32_t)k * 40 : (int32_t)k * 17, .qty = (uint16_t)(k % 4 ? k : 10000),
                          .file = (uint16_t)(k % 7 ? 0 : 65535), .line = k % 11 ? k * 3 : UINT32_MAX - k};
    }
    /* unit entries in SEGS segments, candidates increasing with gaps */
    size_t at = 0;
    for (unsigned g = 0; g < SEGS; g++) {
        DgSpillEnc e = {0};
        char body[N * 600];
        char *w = body;
        for (unsigned k = g; k < N; k += SEGS)
            w = dg_spillcodec_put_unit(&e, w, &rows[k], k * 2 + 1, rec[k], rl[k], pat[k], pl[k]);
        at += dg_spillcodec_put_header(buf + at, &e, (size_t)(w - body));
        memcpy(buf + at, body, (size_t)(w - body));
        at += (size_t)(w - body);
    }
    DgSpillSegs sg;
    cr_assert(dg_spillcodec_segments(buf, at, &sg));
    cr_assert_eq(sg.n, SEGS);
    cr_assert_eq(sg.entries, N);
    DgRow out[N];
    uint32_t cand[N], orl[N], opl[N];
    uint64_t roff[N], poff[N];
    char *ra = malloc(sg.rec_bytes), *pa = malloc(sg.pat_bytes);
    for (size_t g = 0; g < sg.n; g++)
        cr_assert(dg_spillcodec_get_units(&sg.v[g], out, cand, ra, roff, orl, pa, poff, opl));
    size_t i = 0;
    for (unsigned g = 0; g < SEGS; g++)
        for (unsigned k = g; k < N; k += SEGS, i++) {
            cr_assert_eq(memcmp(&out[i], &rows[k], sizeof *out), 0, "row %u", k);
            cr_assert_eq(cand[i], k * 2 + 1);
            cr_assert_eq(orl[i], rl[k]);
            cr_assert_eq(memcmp(ra + roff[i], rec[k], rl[k]), 0, "record id %u", k);
            if (rows[k].patient != DG_NO_PATIENT) {
                cr_assert_eq(opl[i], pl[k]);
                cr_assert_eq(memcmp(pa + poff[i], pat[k], pl[k]), 0, "patient id %u", k);
            } else {
                cr_assert_eq(opl[i], 0);
            }
        }
    /* a damaged file: every truncation fails cleanly, never reads past the end */
    for (size_t cut = 1; cut < 40; cut++) {
        DgSpillSegs bad;
        if (!dg_spillcodec_segments(buf, at - cut, &bad))
            continue;
        bool ok = true;
        char *ra2 = malloc(bad.rec_bytes + 1), *pa2 = malloc(bad.pat_bytes + 1);
        for (size_t g = 0; g < bad.n; g++)
            ok = ok && dg_spillcodec_get_units(&bad.v[g], out, cand, ra2, roff, orl, pa2, poff, opl);
        cr_assert(!ok, "a file cut by %zu bytes decoded", cut);
        free(ra2);
        free(pa2);
        free(bad.v);
    }
    free(sg.v);
    free(ra);
    free(pa);

    /* id entries: one segment */
    DgSpillEnc e = {0};
    char *w = buf + DG_SPILLCODEC_HEADER_MAX;
    for (unsigned k = 0; k < N; k++)
        w = dg_spillcodec_put_id(&e, w, k * 3, rows[k].file, rows[k].line, rec[k], rl[k]);
    size_t body = (size_t)(w - (buf + DG_SPILLCODEC_HEADER_MAX));
    size_t h = dg_spillcodec_put_header(buf, &e, body);
    memmove(buf + h, buf + DG_SPILLCODEC_HEADER_MAX, body);
    cr_assert(dg_spillcodec_segments(buf, h + body, &sg));
    uint16_t file[N];
    uint32_t line[N], len[N];
    uint64_t off[N];
    char *ia = malloc(sg.rec_bytes);
    cr_assert(dg_spillcodec_get_ids(&sg.v[0], cand, file, line, ia, off, len));
    for (unsigned k = 0; k < N; k++) {
        cr_assert_eq(cand[k], k * 3);
        cr_assert_eq(file[k], rows[k].file);
        cr_assert_eq(line[k], rows[k].line);
        cr_assert_eq(len[k], rl[k]);
        cr_assert_eq(memcmp(ia + off[k], rec[k], rl[k]), 0);
    }
    free(sg.v);
    free(ia);
    free(buf);
}
