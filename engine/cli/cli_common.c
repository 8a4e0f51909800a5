/*
 * Helpers shared by every subcommand: error and usage printing, the
 * progress line, number formatting and the accounting blocks that check
 * and run both print.  Subcommands depend on this file, never on each
 * other or on main.c, so the CLI has no circle between files.
 */
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"
#include "dangliang/audit.h"
#include "dangliang/output.h"
#include "dangliang/validate.h"

void dg_cli_eputs(const char *prefix, const char *text)
{
    char *e = dg_text_escape(text, strlen(text), false);
    fprintf(stderr, "%s%s\n", prefix, e);
    free(e);
}

int dg_cli_fail(const DgError *err)
{
    char buf[2200];
    dg_error_format(err, buf, sizeof buf);
    dg_cli_eputs("dangliang: ", buf);
    return err->status == DG_OK ? DG_E_INTERNAL : (int)err->status;
}

int dg_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *pre = g_strdup_printf("dangliang %s: ", cmd);
    dg_cli_eputs(pre, t);
    fprintf(stderr, "(run `dangliang %s --help` for usage)\n", cmd);
    g_free(pre);
    g_free(t);
    return DG_E_USAGE;
}

void dg_cli_show(FILE *fp, const char *text)
{
    char *e = dg_text_escape(text, strlen(text), true);
    fputs(e, fp);
    free(e);
}

void dg_cli_print_warnings(const DgWarnings *w, size_t *shown)
{
    for (; *shown < w->n; (*shown)++)
        dg_cli_eputs("dangliang: warning: ", w->text[*shown]);
}

int dg_cli_strict_warnings(const DgWarnings *w)
{
    int rc = 0;
    for (size_t i = 0; i < w->n; i++)
        if (w->strict[i]) {
            dg_cli_eputs("dangliang: error under --strict: ", w->text[i]);
            rc = DG_E_CONFIG;
        }
    return rc;
}

void dg_cli_print_unknown_columns(const DgDataset *d)
{
    if (!d->n_unknown_columns)
        return;
    GString *g = g_string_new("");
    for (size_t i = 0; i < d->n_unknown_columns; i++)
        g_string_append_printf(g, "%s\"%s\"", i ? ", " : "", d->unknown_columns[i]);
    char *t = g_strdup_printf("%zu column%s of the logs %s not log column%s and %s ignored: %s "
                              "(listed in summary.json unknown_columns)",
                              d->n_unknown_columns, d->n_unknown_columns == 1 ? "" : "s",
                              d->n_unknown_columns == 1 ? "is" : "are", d->n_unknown_columns == 1 ? "" : "s",
                              d->n_unknown_columns == 1 ? "is" : "are", g->str);
    dg_cli_eputs("dangliang: note: ", t);
    g_free(t);
    g_string_free(g, TRUE);
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
