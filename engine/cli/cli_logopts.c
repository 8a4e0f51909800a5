/*
 * Option parsing shared by `run` and `check`.  --chunk-size and
 * --window-size are undocumented knobs for tests that prove results do not
 * depend on how the input is cut; --tmp-fail-after makes temporary writes
 * fail, for tests of a full --tmp folder.
 */
#include "cli_logopts.h"

#include <getopt.h>
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

int dg_cli_parse_logopts(const char *cmd, int argc, char **argv, DgCliLogOpts *o)
{
    enum { O_SCHEME = 1, O_OUT, O_THREADS, O_ENC, O_FMT, O_STRICT, O_NOBOM, O_CHUNK, O_WINDOW, O_MAXREC, O_MEMORY,
           O_TMP, O_TMP_FAIL, O_FORCE, O_NOXLSX, O_XLSXROWS };
    static const struct option lo[] = {
        {"scheme", required_argument, 0, O_SCHEME},   {"out", required_argument, 0, O_OUT},
        {"threads", required_argument, 0, O_THREADS}, {"encoding", required_argument, 0, O_ENC},
        {"format", required_argument, 0, O_FMT},      {"strict", no_argument, 0, O_STRICT},
        {"no-bom", no_argument, 0, O_NOBOM},          {"chunk-size", required_argument, 0, O_CHUNK},
        {"window-size", required_argument, 0, O_WINDOW}, {"max-record", required_argument, 0, O_MAXREC},
        {"memory", required_argument, 0, O_MEMORY},   {"tmp", required_argument, 0, O_TMP},
        {"tmp-fail-after", required_argument, 0, O_TMP_FAIL},
        {"force", no_argument, 0, O_FORCE},
        {"no-xlsx", no_argument, 0, O_NOXLSX},           {"xlsx-rows", required_argument, 0, O_XLSXROWS},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->v.progress = dg_cli_progress;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case O_SCHEME: o->scheme = optarg; break;
        case O_OUT: o->out = optarg; break;
        case O_THREADS:
            if (!dg_cli_parse_threads(optarg, &o->v.threads))
                return dg_cli_usage(cmd, "--threads wants a whole number from 1 to 256, not \"%s\"", optarg);
            break;
        case O_ENC:
            if (strcasecmp(optarg, "GB18030") && strcasecmp(optarg, "GBK") && strcasecmp(optarg, "GB2312") &&
                strcasecmp(optarg, "UTF-8") && strcasecmp(optarg, "UTF8"))
                return dg_cli_usage(cmd, "--encoding must be UTF-8, GB18030, GBK or GB2312, not \"%s\"", optarg);
            o->v.encoding = optarg;
            break;
        case O_FMT:
            if (!strcmp(optarg, "csv"))
                o->v.format = DG_LOG_CSV;
            else if (!strcmp(optarg, "jsonl"))
                o->v.format = DG_LOG_JSONL;
            else
                return dg_cli_usage(cmd, "--format must be csv or jsonl, not \"%s\"", optarg);
            break;
        case O_MAXREC:
            if (!parse_size(optarg, 256, (uint64_t)1 << 30, &v))
                return dg_cli_usage(cmd, "--max-record wants a size from 256 bytes to 1G (e.g. 4M), not \"%s\"",
                                    optarg);
            o->v.max_record = (size_t)v;
            break;
        case O_STRICT: o->strict = true; break;
        case O_NOBOM: o->no_bom = true; break;
        case O_FORCE: o->force = true; break;
        case O_NOXLSX: o->no_xlsx = true; break;
        case O_XLSXROWS:
            if (!dg_uint_parse(optarg, strlen(optarg), 1048000, &v) || v == 0)
                return dg_cli_usage(cmd, "--xlsx-rows wants a whole number from 1 to 1048000, not \"%s\"", optarg);
            o->xlsx_rows = v;
            break;
        case O_CHUNK:
        case O_WINDOW:
            if (!dg_uint_parse(optarg, strlen(optarg), (uint64_t)1 << 34, &v) || v == 0)
                return dg_cli_usage(cmd, "%s wants a positive byte count", c == O_CHUNK ? "--chunk-size" : "--window-size");
            if (c == O_CHUNK)
                o->v.chunk_size = (size_t)v;
            else
                o->v.window_size = (size_t)v;
            break;
        case O_MEMORY:
            if (!dg_cli_parse_size(optarg, &o->part.memory))
                return dg_cli_usage(cmd, "--memory wants a size such as 512M or 4G, not \"%s\"", optarg);
            break;
        case O_TMP: o->part.tmp = optarg; break;
        case O_TMP_FAIL: /* undocumented: tests of a full temporary folder */
            if (!dg_cli_parse_size(optarg, &o->part.tmp_fail_after))
                return dg_cli_usage(cmd, "--tmp-fail-after wants a byte count");
            break;
        default:
            return dg_cli_usage(cmd, "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (!o->scheme)
        return dg_cli_usage(cmd, "--scheme FILE is required");
    o->logs = argv + optind;
    o->n_logs = argc - optind;
    if (o->n_logs == 0)
        return dg_cli_usage(cmd, "give at least one service log file");
    if (o->v.threads > 0)
        omp_set_num_threads(o->v.threads);
    else
        o->v.threads = omp_get_max_threads();
    return 0;
}
