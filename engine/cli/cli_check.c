/*
 * `dangliang check`: accounting of every row and the rejects file, without
 * payouts — what a manager runs on a month of logs before the period
 * closes.
 */
#include <stdio.h>

#include "cli.h"
#include "cli_logopts.h"
#include "dangliang/report.h"
#include "dangliang/scheme.h"
#include "dangliang/validate.h"

void dg_cli_print_accounting(const DgDataset *d)
{
    char a[32];
    printf("rows read      %15s\n", dg_cli_commas(d->rows_read, a));
    printf("rows accepted  %15s\n", dg_cli_commas(d->rows_accepted, a));
    printf("rows rejected  %15s\n", dg_cli_commas(d->rows_rejected, a));
    for (int r = 0; r < DG_REASON_COUNT; r++)
        if (d->by_reason[r])
            printf("  %-21s %9s\n", dg_reason_name((DgReason)r), dg_cli_commas(d->by_reason[r], a));
    printf("check: rows_read = rows_accepted + rows_rejected (%llu = %llu + %llu) %s\n",
           (unsigned long long)d->rows_read, (unsigned long long)d->rows_accepted,
           (unsigned long long)d->rows_rejected,
           d->rows_read == d->rows_accepted + d->rows_rejected ? "ok" : "FAILED");
}

void dg_cli_print_flags(const DgAudit *au)
{
    char a[32], b[32];
    printf("rows flagged   %15s\n", dg_cli_commas(au->rows_flagged, a));
    for (int c = 0; c < DG_CHECK_COUNT; c++)
        if (au->flags_by_check[c])
            printf("  %-21s %9s flags, %s quantity removed\n", dg_check_name((DgCheck)c),
                   dg_cli_commas(au->flags_by_check[c], a), dg_cli_commas(au->excess_by_check[c], b));
}

int dg_cli_check(int argc, char **argv)
{
    DgCliLogOpts o;
    int rc = dg_cli_parse_logopts("check", argc, argv, &o);
    if (rc)
        return rc;
    DgError err = {0};
    DgScheme *s = NULL;
    DgDataset *d = NULL;
    DgAudit *au = NULL;
    if (dg_scheme_load(o.scheme, &s, &err) != DG_OK)
        return dg_cli_fail(&err);
    DgStatus st = dg_validate_files(s, (const char *const *)o.logs, (size_t)o.n_logs, &o.v, &d, &err);
    dg_cli_progress_end();
    if (st != DG_OK) {
        dg_scheme_free(s);
        return dg_cli_fail(&err);
    }
    if ((st = dg_audit_rows(s, d, &au, &err)) != DG_OK) {
        rc = dg_cli_fail(&err);
        goto done;
    }
    printf("dangliang check: scheme %s, %d log file%s\n", s->id, o.n_logs, o.n_logs == 1 ? "" : "s");
    dg_cli_print_accounting(d);
    dg_cli_print_flags(au);
    if (o.out) {
        DgReportOptions ro = {.no_bom = o.no_bom};
        if (dg_report_rejects(d, o.out, &ro, &err) != DG_OK) {
            rc = dg_cli_fail(&err);
            goto done;
        }
        if (dg_report_flags(s, d, au, o.out, &ro, &err) != DG_OK) {
            rc = dg_cli_fail(&err);
            goto done;
        }
        printf("rejects: %s/rejects.csv\nflags: %s/flags.csv\n", o.out, o.out);
    }
    rc = o.strict && d->rows_rejected ? DG_E_REJECTED : 0;
done:
    dg_audit_free(au);
    dg_dataset_free(d);
    dg_scheme_free(s);
    return rc;
}
