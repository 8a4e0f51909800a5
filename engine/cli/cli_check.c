/*
 * `dangliang check`: accounting of every row and the rejects file, without
 * payouts — what a manager runs on a month of logs before the period
 * closes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_logopts.h"
#include "cli_scale.h"
#include "dangliang/appeals.h"
#include "dangliang/output.h"
#include "dangliang/scheme.h"
#include "dangliang/payouts.h"
#include "dangliang/runfolder.h"
#include "dangliang/validate.h"
#include "mpi/dgmpi.h"

int dg_cli_check(int argc, char **argv)
{
    DgCliLogOpts o;
    bool done;
    int rc = dg_cli_parse_logopts("check", argc, argv, &o, &done);
    if (done)
        return rc;
    DgError err = {0};
    DgScheme *s = NULL;
    DgDataset *d = NULL;
    DgAudit *au = NULL;
    DgWarnings warn = {0};
    size_t shown = 0;
    if (dg_mpi_agree(dg_scheme_load(o.scheme, &s, &err), &err) != DG_OK) {
        dg_scheme_free(s);
        return dg_cli_fail(&err);
    }
    /* the pre-flight: every configuration check `run` makes that needs no
     * log row, and that --out can be written, before the logs are read */
    DgStatus st = dg_payouts_preflight(s, &warn, &err);
    if (st == DG_OK && o.out && dg_mpi_rank() == 0)
        st = dg_output_probe_dir(o.out, &err);
    st = dg_mpi_agree(st, &err);
    if (st != DG_OK) {
        rc = dg_cli_fail(&err);
        goto done;
    }
    dg_cli_print_warnings(&warn, &shown);
    if (o.strict && (rc = dg_cli_strict_warnings(&warn)) != 0)
        goto done;
    dg_cli_trap_signals();
    st = dg_partition_run(s, (const char *const *)o.logs, (size_t)o.n_logs, &o.v, &o.part, &d, &au, NULL, NULL, NULL,
                          NULL, NULL, &err);
    dg_cli_progress_end();
    if (dg_mpi_rank() != 0) { /* the other ranks' part is done (rank 0's exit code is everyone's) */
        rc = st == DG_OK ? 0 : dg_cli_fail(&err);
        goto done;
    }
    if (st == DG_OK)
        st = dg_validate_review(s, d, &warn, &err);
    if (st != DG_OK) {
        rc = dg_cli_fail(&err);
        goto done;
    }
    dg_cli_print_unknown_columns(d);
    dg_cli_print_warnings(&warn, &shown);
    if (!o.quiet && !o.json) {
        char *sid = dg_text_escape(s->id, strlen(s->id), false);
        printf("dangliang check: scheme %s, %d log file%s\n", sid, o.n_logs, o.n_logs == 1 ? "" : "s");
        free(sid);
        dg_cli_print_accounting(d);
        dg_cli_print_flags(au);
        dg_cli_print_appeals(s, au);
    }
    static const char *const outputs[] = {"rejects.csv", "flags.csv"};
    if (o.out) {
        DgOutputOptions ro = {.no_bom = o.no_bom};
        if (dg_output_rejects(d, o.out, &ro, &err) != DG_OK) {
            rc = dg_cli_fail(&err);
            goto done;
        }
        if (dg_output_flags(s, d, au, o.out, &ro, &err) != DG_OK) {
            rc = dg_cli_fail(&err);
            goto done;
        }
        if (!o.quiet && !o.json)
            printf("rejects: %s/rejects.csv\nflags: %s/flags.csv\n", o.out, o.out);
    }
    rc = o.strict && d->rows_rejected ? DG_E_REJECTED : 0;
    if (o.json)
        rc = dg_cli_json_summary("check", s, d, au, o.out, outputs, 2, (const char *const *)o.logs, (size_t)o.n_logs,
                                 rc);
done:
    dg_warnings_clear(&warn);
    dg_audit_free(au);
    dg_dataset_free(d);
    dg_scheme_free(s);
    return rc;
}
