/*
 * `dangliang run`: the whole job — validate, aggregate, score, allocate,
 * write every output, manifest last — then a short report on stdout.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_logopts.h"
#include "cli_scale.h"
#include "dangliang/appeals.h"
#include "dangliang/output.h"
#include "dangliang/payouts.h"
#include "dangliang/runfolder.h"
#include "dangliang/quality.h"
#include "mpi/dgmpi.h"
#include "dangliang/registry.h"

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void print_pools(const DgScheme *s, const DgAggregate *a, const DgPayouts *p)
{
    printf("\n%-14s %18s %18s %14s  %s\n", "pool", "budget (yuan)", "paid (yuan)", "yuan/equiv.", "name");
    for (size_t k = 0; k < s->n_pools; k++) {
        char b[64], t[64], price[80];
        dg_decimal_format(s->pools[k].budget, 2, b);
        dg_decimal_format(p->pool_total[k], 2, t);
        if (p->sum_c[k])
            dg_ratio_format((DgU128)s->pools[k].budget * (DgU128)10000000000ULL, p->sum_c[k], 4, price);
        else
            strcpy(price, "-");
        char *id = dg_text_escape(s->pools[k].id, strlen(s->pools[k].id), false);
        char *name = dg_text_escape(s->pools[k].name, strlen(s->pools[k].name), false);
        printf("%-14s %18s %18s %14s  %s\n", id, b, t, price, name);
        free(id);
        free(name);
    }
    (void)a;
}

static void print_top_units(const DgScheme *s, const DgPayouts *p, size_t top)
{
    size_t n = s->n_units;
    size_t *idx = dg_xcalloc(n ? n : 1, sizeof *idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    /* selection of the top few by payout, ties by unit order (already unit_id order) */
    if (top > n)
        top = n;
    for (size_t i = 0; i < top; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < n; j++)
            if (p->unit_payout[idx[j]] > p->unit_payout[idx[best]])
                best = j;
        size_t t = idx[i];
        idx[i] = idx[best];
        idx[best] = t;
    }
    printf("\ntop %zu units by payout:\n%-12s %16s %8s %8s  %s\n", top, "unit", "payout (yuan)", "Q", "A", "name");
    for (size_t i = 0; i < top; i++) {
        size_t u = idx[i];
        char pay[64], q[32], a[32];
        dg_decimal_format(p->unit_payout[u], 2, pay);
        dg_decimal_format(p->q[u], 4, q);
        dg_decimal_format(p->a[u], 4, a);
        char *id = dg_text_escape(s->units[u].id, strlen(s->units[u].id), false);
        char *name = dg_text_escape(s->units[u].name, strlen(s->units[u].name), false);
        printf("%-12s %16s %8s %8s  %s\n", id, pay, q, a, name);
        free(id);
        free(name);
    }
    free(idx);
}

/* The file the environment variable `name` names, opened for appending
 * (NULL: unset or not writable; a benchmark aid, never an error). */
static FILE *dg_cli_stats_file(const char *name)
{
    const char *path = getenv(name);
    return path ? fopen(path, "a") : NULL;
}

/* Benchmarks: with DANGLIANG_MPI_STATS=FILE set, each rank of an MPI run
 * appends one line to FILE — its bytes exchanged and its step times
 * (benchmarks/mpi.sh).  Not an output of the run. */
static void dg_cli_mpi_stats(const DgPartitionStats *ps)
{
    FILE *f = ps->ranks ? dg_cli_stats_file("DANGLIANG_MPI_STATS") : NULL;
    if (!f)
        return;
    fprintf(f, "rank %d of %u: sent %llu bytes, received %llu bytes, validate %llu ms, units %llu ms; steps%s\n",
            dg_mpi_rank(), ps->ranks, (unsigned long long)ps->mpi_sent, (unsigned long long)ps->mpi_received,
            (unsigned long long)ps->ms_validate, (unsigned long long)ps->ms_units, ps->mpi_steps);
    fclose(f);
}

/* Benchmarks: with DANGLIANG_SPILL_STATS=FILE set, a spilled run appends
 * one line to FILE — its partitions, temporary bytes and step times
 * (benchmarks/scale.sh).  Not an output of the run. */
static void dg_cli_spill_stats(const DgPartitionStats *ps)
{
    FILE *f = ps->spilled ? dg_cli_stats_file("DANGLIANG_SPILL_STATS") : NULL;
    if (!f)
        return;
    fprintf(f, "spilled: %u unit partitions, %u id partitions, %llu temporary bytes (largest unit partition %llu), "
               "%llu rows kept at the switch, validate %llu ms, units %llu ms\n",
            ps->unit_parts, ps->id_parts, (unsigned long long)ps->tmp_bytes, (unsigned long long)ps->largest_part,
            (unsigned long long)ps->rows_kept_at_switch, (unsigned long long)ps->ms_validate,
            (unsigned long long)ps->ms_units);
    fclose(f);
}

int dg_cli_run(int argc, char **argv)
{
    DgCliLogOpts o;
    bool done;
    int rc = dg_cli_parse_logopts("run", argc, argv, &o, &done);
    if (done)
        return rc;
    if (!o.out)
        return dg_cli_usage("run", "--out DIR is required");
    uint64_t t0 = now_ms();
    DgError err = {0};
    DgScheme *s = NULL;
    DgDataset *d = NULL;
    DgAudit *au = NULL;
    DgAggregate *a = NULL;
    DgPayouts *p = NULL;
    DgQualityValues *qv = NULL;
    DgRunMeta meta = {.threads = o.v.threads, .command = "run"};
    DgRunFolder *rf = NULL;
    dg_cli_meta_args(&meta, &o.args);
    DgAggregate *a0 = NULL; /* before the appeals, to show what they moved */
    DgPayouts *p0 = NULL;
    DgQualityValues *qv0 = NULL;
    DgWarnings warn = {0};
    size_t shown = 0;
    /* under mpirun every rank loads the scheme; one that cannot stops them all */
    if (dg_mpi_agree(dg_scheme_load(o.scheme, &s, &err), &err) != DG_OK) {
        dg_scheme_free(s);
        return dg_cli_fail(&err);
    }
    /* every configuration check that needs no log row, before the logs are read */
    if (dg_payouts_preflight(s, &warn, &err) != DG_OK) {
        rc = dg_cli_fail(&err);
        goto done;
    }
    dg_cli_print_warnings(&warn, &shown);
    if (o.strict && (rc = dg_cli_strict_warnings(&warn)) != 0)
        goto done;
    /* every output goes to a private folder renamed into place at the end */
    if (dg_mpi_agree(dg_mpi_rank() == 0 ? dg_runfolder_begin(o.out, o.force, &rf, &err) : DG_OK, &err) != DG_OK) {
        rc = dg_cli_fail(&err);
        goto done;
    }
    const char *dir = rf ? dg_runfolder_dir(rf) : NULL; /* rank 0 writes the run folder */
    o.v.hash_inputs = true; /* for manifest.json */
    dg_cli_trap_signals();
    DgPartitionStats ps;
    DgStatus st = dg_partition_run(s, (const char *const *)o.logs, (size_t)o.n_logs, &o.v, &o.part, &d, &au, &a,
                                   &a0, &qv, &qv0, &ps, &err);
    dg_cli_progress_end();
    dg_cli_mpi_stats(&ps);
    dg_cli_spill_stats(&ps);
    if (dg_mpi_rank() != 0) { /* the other ranks' part is done (rank 0's exit code is everyone's) */
        rc = st == DG_OK ? 0 : dg_cli_fail(&err);
        goto done;
    }
    if (st == DG_OK)
        st = dg_validate_review(s, d, &warn, &err);
    if (st == DG_OK) {
        dg_cli_print_unknown_columns(d);
        dg_cli_print_warnings(&warn, &shown);
    }
    if (st == DG_OK) {
        dg_payouts_warn_unpooled(s, a, &warn);
        dg_cli_print_warnings(&warn, &shown);
        if (o.strict && (rc = dg_cli_strict_warnings(&warn)) != 0)
            goto done;
    }
    /* validation, then checks, appeals, sums and computed indicators,
     * partition by partition (docs/scale.md) */
    uint64_t t1a = now_ms(), t1 = st == DG_OK ? t1a - ps.ms_units : t1a;
    if (st == DG_OK)
        st = dg_payouts_compute_q(s, d, a, qv, &p, &err);
    uint64_t t2 = now_ms();
    if (st == DG_OK && a0) {
        /* e.g. a pool whose only workload came back through appeals: there
         * is no "before" allocation to compare with, so none is shown */
        DgError e0 = {0};
        DgStatus st0 = dg_payouts_compute_q(s, d, a0, qv0, &p0, &e0);
        if (p0)
            p0->qv = NULL; /* only the main run's payouts write quality.csv */
        if (st0 != DG_OK) {
            dg_payouts_free(p0);
            dg_aggregate_free(a0);
            p0 = NULL;
            a0 = NULL;
        }
    }
    DgOutputFiles written = {0}; /* hashed while written: the manifest reads no output back */
    DgOutputOptions ro = {.no_bom = o.no_bom, .warnings = &warn, .before_appeals_a = a0, .before_appeals_p = p0,
                          .no_xlsx = o.no_xlsx, .xlsx_rows = o.xlsx_rows, .written = &written};
    /* an MPI run: the other ranks on rank 0's machine have done their share
     * (the last one may still be hashing the logs), so rank 0 writes with
     * their threads too; the outputs do not depend on the thread count */
    if (dg_mpi_active() && dg_mpi_rank() == 0 && dg_mpi_local_size() > 1) {
        int t = o.v.threads * dg_mpi_local_size();
        omp_set_num_threads(t > 256 ? 256 : t);
    }
    if (st == DG_OK)
        st = dg_output_run(s, d, au, a, p, dir, &ro, &err);
    uint64_t t3 = now_ms();
    const char *outputs[12] = {"payouts.csv", "units.csv",   "items.csv",    "staff.csv",  "rejects.csv",
                               "flags.csv",   "quality.csv", "summary.json", "report.html"};
    size_t n_outputs = 9;
    if (s->advances_path)
        outputs[n_outputs++] = "settlement.csv";
    if (!o.no_xlsx)
        outputs[n_outputs++] = "payouts.xlsx";
    meta.ms_validate = t1 - t0;
    meta.ms_audit = t1a - t1;
    meta.ms_quality = ps.ms_quality;
    meta.ms_registry = s->registry ? s->registry->load_us / 1000 : 0;
    meta.ms_score = t2 - t1a;
    meta.ms_write = t3 - t2;
    meta.ms_total = t3 - t0;
    meta.written = &written;
    if (st == DG_OK) /* under mpirun another rank hashed the inputs while this one wrote */
        st = dg_partition_digests(d, &err);
    if (st == DG_OK)
        st = dg_output_manifest(s, d, dir, outputs, n_outputs, &meta, &err);
    if (st == DG_OK)
        st = dg_runfolder_commit(rf, &err);
    if (st != DG_OK) {
        dg_runfolder_error_path(rf, &err);
        rc = dg_cli_fail(&err);
        goto done;
    }
    rc = o.strict && d->rows_rejected ? DG_E_REJECTED : 0;
    if (o.json) {
        rc = dg_cli_json_summary("run", s, d, au, o.out, outputs, n_outputs, (const char *const *)o.logs,
                                 (size_t)o.n_logs, rc);
    } else if (!o.quiet) {
        char *sid = dg_text_escape(s->id, strlen(s->id), false);
        printf("dangliang run: scheme %s, %d log file%s, %d thread%s\n", sid, o.n_logs, o.n_logs == 1 ? "" : "s",
               o.v.threads, o.v.threads == 1 ? "" : "s");
        free(sid);
        dg_cli_print_accounting(d);
        dg_cli_print_flags(au);
        dg_cli_print_appeals(s, au);
        dg_cli_print_quality(s, p);
        print_pools(s, a, p);
        dg_cli_print_cycle(s, p);
        print_top_units(s, p, 5);
        printf("\noutputs: %s/ (", o.out);
        for (size_t i = 0; i < n_outputs; i++)
            printf("%s, ", outputs[i]);
        printf("manifest.json)\n");
    }
done:
    dg_warnings_clear(&warn);
    dg_runfolder_free(rf);
    dg_payouts_free(p0);
    dg_aggregate_free(a0);
    dg_payouts_free(p);
    dg_quality_values_free(qv);
    dg_quality_values_free(qv0);
    dg_aggregate_free(a);
    dg_audit_free(au);
    dg_dataset_free(d);
    dg_scheme_free(s);
    return rc;
}
