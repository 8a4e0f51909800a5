/*
 * Helpers shared by every subcommand: error and usage printing, the
 * progress line, number formatting and the accounting blocks that check
 * and run both print.  Subcommands depend on this file, never on each
 * other or on main.c, so the CLI has no circle between files.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"
#include "dangliang/audit.h"
#include "dangliang/output.h"
#include "dangliang/validate.h"

int dg_cli_fail(const DgError *err)
{
    char buf[2200];
    dg_error_format(err, buf, sizeof buf);
    fprintf(stderr, "dangliang: %s\n", buf);
    return err->status == DG_OK ? DG_E_INTERNAL : (int)err->status;
}

int dg_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "dangliang %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(run `dangliang %s --help` for usage)\n", cmd);
    va_end(ap);
    return DG_E_USAGE;
}

bool dg_cli_parse_threads(const char *s, int *out)
{
    uint64_t v;
    if (!dg_uint_parse(s, strlen(s), 256, &v) || v == 0)
        return false;
    *out = (int)v;
    return true;
}

static bool progress_shown;

void dg_cli_progress(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    if (!isatty(STDERR_FILENO) || total < (64u << 20))
        return;
    unsigned pct = total ? (unsigned)(done * 100 / total) : 0;
    fprintf(stderr, "\rreading logs: %3u%%  %llu of %llu MB", pct > 100 ? 100 : pct,
            (unsigned long long)(done >> 20), (unsigned long long)(total >> 20));
    fflush(stderr);
    progress_shown = true;
}

void dg_cli_progress_end(void)
{
    if (progress_shown)
        fputc('\n', stderr);
    progress_shown = false;
}

const char *dg_cli_commas(uint64_t v, char *buf)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    int o = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = 0;
    return buf;
}

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

static int main_argc;
static char **main_argv;

void dg_cli_set_command_line(int argc, char **argv)
{
    main_argc = argc;
    main_argv = argv;
}

void dg_cli_meta_args(DgRunMeta *meta, const DgCliArgs *args)
{
    meta->argv = (const char *const *)main_argv;
    meta->argc = main_argv ? (size_t)main_argc : 0;
    meta->option_names = args->seen_name;
    meta->option_values = args->seen_value;
    meta->n_options = args->n_seen;
    meta->build_commit = dg_cli_build_commit();
}
