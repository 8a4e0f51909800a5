/*
 * dangliang entry point: subcommand dispatch and shared CLI helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage_text[] =
    "dangliang " DG_VERSION " — standardized work equivalents (标化工作当量) and exact payouts\n"
    "\n"
    "usage:\n"
    "  dangliang run     --scheme FILE --out DIR [--threads N] [--encoding E] [--format F] [--no-bom] [--strict] LOG...\n"
    "  dangliang check   --scheme FILE [--out DIR] [--threads N] [--encoding E] [--format F] [--strict] LOG...\n"
    "  dangliang gen     --scheme FILE --rows N [--seed S] [--format csv|jsonl] [--bad-rate F] -o LOG\n"
    "  dangliang explain --run DIR --unit ID [--format text|json] [--scheme FILE]\n"
    "  dangliang diff    DIR_A DIR_B [--out FILE.csv] [--no-bom] [--top N]\n"
    "  dangliang --version\n"
    "\n"
    "exit codes: 0 ok, 1 rows rejected under --strict, 2 usage, 3 scheme/configuration, 4 I/O, 5 internal\n";

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
    fprintf(stderr, "\n(run `dangliang --help` for usage)\n");
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

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return DG_E_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("dangliang %s\n", DG_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "check"))
        return dg_cli_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "gen"))
        return dg_cli_gen(argc - 1, argv + 1);
    if (!strcmp(cmd, "run"))
        return dg_cli_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "explain"))
        return dg_cli_explain(argc - 1, argv + 1);
    if (!strcmp(cmd, "diff"))
        return dg_cli_diff(argc - 1, argv + 1);
    fprintf(stderr, "dangliang: unknown command \"%s\"\n%s", cmd, usage_text);
    return DG_E_USAGE;
}
