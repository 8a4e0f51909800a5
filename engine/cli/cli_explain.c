/*
 * `dangliang explain --run DIR --unit ID [--format text|json] [--scheme FILE]`:
 * every number of one unit of a finished run, step by step, recomputed and
 * checked against the run's files (see review.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "dangliang/review.h"

static const DgCliCmd explain_cmd = {
    "explain", "--run DIR --unit ID [OPTION...]",
    "Print every number of one unit of a finished run, step by step as a finance officer redoes it by\n"
    "hand (items and workload W, quality Q, adjustment A, each pool's exact share and remainder, payout),\n"
    "and check that the recomputation gives the run's own numbers (exit 5 if not).",
    DG_CLI_EXIT_CODES};

int dg_cli_explain(int argc, char **argv)
{
    enum { O_FMT = 1 };
    DgExplainOptions o = {0};
    const DgCliOpt opts[] = {
        DG_CLI_STR("run", 0, "DIR", &o.run_dir, "the run folder written by `dangliang run` (required)"),
        DG_CLI_STR("unit", 0, "ID", &o.unit_id, "the unit_id to explain (required)"),
        DG_CLI_OPT("format", 0, "F", O_FMT, "text (default) or json"),
        DG_CLI_STR("scheme", 0, "FILE", &o.scheme_path,
                   "another copy of the run's scheme (its files must have the SHA-256\nrecorded in manifest.json)"),
        DG_CLI_END_OPTS};
    DgCliArgs ar;
    dg_cli_args_init(&ar, &explain_cmd, opts, argc, argv);
    int c;
    while ((c = dg_cli_next(&ar)) > 0) {
        switch (c) {
        case O_FMT:
            if (!strcmp(ar.arg, "text"))
                o.json = false;
            else if (!strcmp(ar.arg, "json"))
                o.json = true;
            else
                return dg_cli_usage("explain", "--format must be text or json, not \"%s\"", ar.arg);
            break;
        default:
            return dg_cli_usage("explain", "option %d is not handled", c);
        }
    }
    if (c != DG_CLI_END)
        return dg_cli_args_exit(c);
    if (!o.run_dir || !o.unit_id)
        return dg_cli_usage("explain", "--run DIR and --unit ID are required");
    if (ar.first_arg < argc)
        return dg_cli_usage("explain", "unexpected argument \"%s\"", argv[ar.first_arg]);
    DgError err = {0};
    char *text = NULL;
    DgStatus st = dg_review_explain(&o, &text, &err);
    if (text && o.json)
        fputs(text, stdout); /* JSON: control characters are \u escapes already */
    else if (text)
        dg_cli_show(stdout, text);
    free(text);
    if (fflush(stdout) != 0 && st == DG_OK) {
        fprintf(stderr, "dangliang explain: cannot write to standard output\n");
        return DG_E_IO;
    }
    return st == DG_OK ? 0 : dg_cli_fail(&err);
}
