/*
 * `dangliang explain --run DIR --unit ID [--format text|json] [--scheme FILE]`:
 * every number of one unit of a finished run, step by step, recomputed and
 * checked against the run's files (see review.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dangliang/review.h"

int dg_cli_explain(int argc, char **argv)
{
    enum { O_RUN = 1, O_UNIT, O_FMT, O_SCHEME };
    static const struct option lo[] = {{"run", required_argument, 0, O_RUN},
                                       {"unit", required_argument, 0, O_UNIT},
                                       {"format", required_argument, 0, O_FMT},
                                       {"scheme", required_argument, 0, O_SCHEME},
                                       {0, 0, 0, 0}};
    DgExplainOptions o = {0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case O_RUN: o.run_dir = optarg; break;
        case O_UNIT: o.unit_id = optarg; break;
        case O_SCHEME: o.scheme_path = optarg; break;
        case O_FMT:
            if (!strcmp(optarg, "text"))
                o.json = false;
            else if (!strcmp(optarg, "json"))
                o.json = true;
            else
                return dg_cli_usage("explain", "--format must be text or json, not \"%s\"", optarg);
            break;
        default:
            return dg_cli_usage("explain", "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (!o.run_dir || !o.unit_id)
        return dg_cli_usage("explain", "--run DIR and --unit ID are required");
    if (optind < argc)
        return dg_cli_usage("explain", "unexpected argument \"%s\"", argv[optind]);
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
