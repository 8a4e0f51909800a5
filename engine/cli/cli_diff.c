/*
 * `dangliang diff DIR_A DIR_B [--out FILE.csv] [--no-bom] [--top N]`: what
 * changed between two runs per pool and unit, and the main cause of each
 * payout change (see review.h; the method is in docs/cli.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "dangliang/review.h"

static const DgCliCmd diff_cmd = {
    "diff", "DIR_A DIR_B [OPTION...]",
    "Compare two run folders per pool and unit and name the main cause of every payout change\n"
    "(budget, workload, catalog equivalents, quality Q, adjustment A, scope, rounding).",
    DG_CLI_EXIT_CODES};

int dg_cli_diff(int argc, char **argv)
{
    enum { O_TOP = 1 };
    const char *out = NULL;
    bool no_bom = false, quiet = false;
    uint64_t top = 20;
    const DgCliOpt opts[] = {
        DG_CLI_STR("out", 0, "FILE.csv", &out, "also write every changed row with the effect of each cause"),
        DG_CLI_FLAG("no-bom", 0, &no_bom, "the CSV without the UTF-8 byte-order mark"),
        DG_CLI_OPT("top", 0, "N", O_TOP, "show the N largest changes (default 20; 0 = every changed row)"),
        DG_CLI_FLAG("quiet", 'q', &quiet, "print nothing on stdout (with --out, only the CSV is written)"),
        DG_CLI_END_OPTS};
    DgCliArgs ar;
    dg_cli_args_init(&ar, &diff_cmd, opts, argc, argv);
    int c;
    while ((c = dg_cli_next(&ar)) > 0) {
        switch (c) {
        case O_TOP:
            if (!dg_uint_parse(ar.arg, strlen(ar.arg), 1000000000, &top))
                return dg_cli_usage("diff", "--top wants a whole number (0 = every changed row), not \"%s\"", ar.arg);
            break;
        default:
            return dg_cli_usage("diff", "option %d is not handled", c);
        }
    }
    if (c != DG_CLI_END)
        return dg_cli_args_exit(c);
    int first = ar.first_arg;
    if (argc - first != 2)
        return dg_cli_usage("diff", "give exactly two run folders: dangliang diff DIR_A DIR_B");
    DgError err = {0};
    DgDiff *d = NULL;
    if (dg_review_diff(argv[first], argv[first + 1], &d, &err) != DG_OK)
        return dg_cli_fail(&err);
    if (out && dg_review_diff_csv(d, out, no_bom, &err) != DG_OK) {
        dg_review_diff_free(d);
        return dg_cli_fail(&err);
    }
    if (!quiet) {
        char *t = dg_review_diff_table(d, (size_t)top);
        dg_cli_show(stdout, t);
        if (out)
            printf("every row with the effect of each cause: %s\n", out);
        free(t);
    }
    dg_review_diff_free(d);
    return 0;
}
