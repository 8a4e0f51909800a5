/*
 * Option parsing shared by `run` and `check`: one table (cli_opts.h) gives
 * the parser and the --help text.  --chunk-size and --window-size are
 * knobs for tests that prove results do not depend on how the input is cut;
 * --tmp-fail-after makes temporary writes fail, for tests of a full --tmp
 * folder.
 */
#include "cli_logopts.h"

#include <omp.h>
#include <strings.h>
#include <string.h>

#include "cli.h"
#include "cli_scale.h"

/* A byte count: digits, optionally followed by K, M or G (KiB, MiB, GiB;
 * "KiB"/"KB"/"k" spellings accepted).  false when malformed or outside
 * [lo, hi]. */
static bool parse_size(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    size_t n = strspn(s, "0123456789");
    uint64_t v;
    if (n == 0 || !dg_uint_parse(s, n, hi, &v))
        return false;
    const char *u = s + n;
    unsigned shift = 0;
    if (*u) {
        switch (*u) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return false;
        }
        u++;
        if (strcmp(u, "") && strcmp(u, "B") && strcmp(u, "iB"))
            return false;
    }
    if (v > hi >> shift)
        return false;
    v <<= shift;
    if (v < lo)
        return false;
    *out = v;
    return true;
}

static const DgCliCmd run_cmd = {
    "run", "--scheme FILE --out DIR [OPTION...] LOG...",
    "Validate the service logs (CSV or JSON Lines, .gz allowed), run the authenticity checks, score\n"
    "every unit and allocate each pool's budget exactly; write payouts.csv, units.csv, items.csv,\n"
    "staff.csv, rejects.csv, flags.csv, quality.csv, summary.json, report.html, settlement.csv (when\n"
    "the scheme names advances) and, last, manifest.json into DIR.",
    DG_CLI_EXIT_CODES};

static const DgCliCmd check_cmd = {
    "check", "--scheme FILE [--out DIR] [OPTION...] LOG...",
    "Validate the service logs and run the authenticity checks without scoring: print the accounting\n"
    "of every row, and with --out write rejects.csv and flags.csv into DIR.",
    DG_CLI_EXIT_CODES};

int dg_cli_parse_logopts(const char *cmd, int argc, char **argv, DgCliLogOpts *o, bool *done)
{
    enum { O_THREADS = 1, O_ENC, O_FMT, O_CHUNK, O_WINDOW, O_MAXREC, O_MEMORY, O_TMP_FAIL, O_XLSXROWS };
    memset(o, 0, sizeof *o);
    *done = true;
    const DgCliOpt opts[] = {
        DG_CLI_STR("scheme", 0, "FILE", &o->scheme,
                   "the scheme (scheme.json); the catalog, units and indicators files\nit names are relative to it"),
        DG_CLI_STR_IN("run", "out", 0, "DIR", &o->out, "the run folder to write (required)"),
        DG_CLI_STR_IN("check", "out", 0, "DIR", &o->out, "also write rejects.csv and flags.csv into DIR"),
        DG_CLI_OPT("threads", 0, "N", O_THREADS,
                   "worker threads, 1 to 256 (default: the number of cores);\noutputs are byte-identical for any N"),
        DG_CLI_OPT("encoding", 0, "E", O_ENC, "encoding of the logs: UTF-8 (default), GB18030, GBK or GB2312"),
        DG_CLI_OPT("format", 0, "F", O_FMT, "csv or jsonl, instead of guessing from the file extension"),
        DG_CLI_FLAG("strict", 0, &o->strict,
                    "exit 1 when any row was rejected (outputs are still written);\nwarnings that move money "
                    "(a category no pool counts, workload in no pool)\nbecome errors (exit 3)"),
        DG_CLI_FLAG_IN("run", "force", 0, &o->force,
                       "replace a non-empty --out folder (an earlier run) as a whole;\nwithout it such a folder is refused"),
        DG_CLI_FLAG_IN("run", "no-xlsx", 0, &o->no_xlsx, "do not write payouts.xlsx"),
        DG_CLI_OPT_IN("run", "xlsx-rows", 0, "N", O_XLSXROWS,
                      "rows kept on the flags and rejects sheets of payouts.xlsx\n(default 20000, at most 1048000)"),
        DG_CLI_FLAG("no-bom", 0, &o->no_bom, "CSV outputs without the UTF-8 byte-order mark"),
        DG_CLI_FLAG("quiet", 'q', &o->quiet,
                    "print nothing on stdout but --json output, and no progress line;\nwarnings and errors still go to stderr"),
        DG_CLI_FLAG("json", 0, &o->json, "print a JSON summary on stdout instead of the text report"),
        DG_CLI_OPT("max-record", 0, "SIZE", O_MAXREC,
                   "longest record, 256 to 1G, K/M/G suffixes (default 1M);\na longer one is one malformed row"),
        DG_CLI_OPT("memory", 0, "SIZE", O_MEMORY,
                   "memory budget such as 512M or 4G: a larger input is split into\nhash partitions spilled to --tmp (docs/scale.md)"),
        DG_CLI_STR("tmp", 0, "DIR", &o->part.tmp, "folder for the spilled partitions (default: $TMPDIR or /tmp)"),
        DG_CLI_OPT("tmp-fail-after", 0, "BYTES", O_TMP_FAIL, "for tests: temporary writes fail after BYTES (a full --tmp)"),
        DG_CLI_OPT("chunk-size", 0, "BYTES", O_CHUNK, "for tests: parse in chunks of BYTES (results never depend on it)"),
        DG_CLI_OPT("window-size", 0, "BYTES", O_WINDOW, "for tests: read in windows of BYTES (results never depend on it)"),
        DG_CLI_END_OPTS};
    o->v.progress = dg_cli_progress;
    DgCliArgs *a = &o->args;
    dg_cli_args_init(a, strcmp(cmd, "run") ? &check_cmd : &run_cmd, opts, argc, argv);
    int c;
    while ((c = dg_cli_next(a)) > 0) {
        const char *arg = a->arg;
        uint64_t v;
        switch (c) {
        case O_THREADS:
            if (!dg_cli_parse_threads(arg, &o->v.threads))
                return dg_cli_usage(cmd, "--threads wants a whole number from 1 to 256, not \"%s\"", arg);
            break;
        case O_ENC:
            if (strcasecmp(arg, "GB18030") && strcasecmp(arg, "GBK") && strcasecmp(arg, "GB2312") &&
                strcasecmp(arg, "UTF-8") && strcasecmp(arg, "UTF8"))
                return dg_cli_usage(cmd, "--encoding must be UTF-8, GB18030, GBK or GB2312, not \"%s\"", arg);
            o->v.encoding = arg;
            break;
        case O_FMT:
            if (!strcmp(arg, "csv"))
                o->v.format = DG_LOG_CSV;
            else if (!strcmp(arg, "jsonl"))
                o->v.format = DG_LOG_JSONL;
            else
                return dg_cli_usage(cmd, "--format must be csv or jsonl, not \"%s\"", arg);
            break;
        case O_MAXREC:
            if (!parse_size(arg, 256, (uint64_t)1 << 30, &v))
                return dg_cli_usage(cmd, "--max-record wants a size from 256 bytes to 1G (e.g. 4M), not \"%s\"",
                                    arg);
            o->v.max_record = (size_t)v;
            break;
        case O_CHUNK:
        case O_WINDOW:
            if (!dg_uint_parse(arg, strlen(arg), (uint64_t)1 << 34, &v) || v == 0)
                return dg_cli_usage(cmd, "%s wants a positive byte count", c == O_CHUNK ? "--chunk-size" : "--window-size");
            if (c == O_CHUNK)
                o->v.chunk_size = (size_t)v;
            else
                o->v.window_size = (size_t)v;
            break;
        case O_MEMORY:
            if (!dg_cli_parse_size(arg, &o->part.memory))
                return dg_cli_usage(cmd, "--memory wants a size such as 512M or 4G, not \"%s\"", arg);
            break;
        case O_XLSXROWS:
            if (!dg_uint_parse(arg, strlen(arg), 1048000, &v) || v == 0)
                return dg_cli_usage(cmd, "--xlsx-rows wants a whole number from 1 to 1048000, not \"%s\"", arg);
            o->xlsx_rows = v;
            break;
        case O_TMP_FAIL:
            if (!dg_cli_parse_size(arg, &o->part.tmp_fail_after))
                return dg_cli_usage(cmd, "--tmp-fail-after wants a byte count");
            break;
        default:
            return dg_cli_usage(cmd, "option %d is not handled", c);
        }
    }
    if (c != DG_CLI_END)
        return dg_cli_args_exit(c);
    if (!o->scheme)
        return dg_cli_usage(cmd, "--scheme FILE is required");
    o->logs = argv + a->first_arg;
    o->n_logs = argc - a->first_arg;
    if (o->n_logs == 0)
        return dg_cli_usage(cmd, "give at least one service log file");
    if (o->quiet)
        o->v.progress = NULL;
    if (o->v.threads > 0)
        omp_set_num_threads(o->v.threads);
    else
        o->v.threads = omp_get_max_threads();
    *done = false;
    return 0;
}
