/*
 * `dangliang diff DIR_A DIR_B [--out FILE.csv] [--no-bom] [--top N]`: what
 * changed between two runs per pool and unit, and the main cause of each
 * payout change (see review.h; the method is in docs/cli.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dangliang/review.h"

int dg_cli_diff(int argc, char **argv)
{
    enum { O_OUT = 1, O_NOBOM, O_TOP };
    static const struct option lo[] = {{"out", required_argument, 0, O_OUT},
                                       {"no-bom", no_argument, 0, O_NOBOM},
                                       {"top", required_argument, 0, O_TOP},
                                       {0, 0, 0, 0}};
    const char *out = NULL;
    bool no_bom = false;
    uint64_t top = 20;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case O_OUT: out = optarg; break;
        case O_NOBOM: no_bom = true; break;
        case O_TOP:
            if (!dg_uint_parse(optarg, strlen(optarg), 1000000000, &top))
                return dg_cli_usage("diff", "--top wants a whole number (0 = every changed row), not \"%s\"", optarg);
            break;
        default:
            return dg_cli_usage("diff", "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return dg_cli_usage("diff", "give exactly two run folders: dangliang diff DIR_A DIR_B");
    DgError err = {0};
    DgDiff *d = NULL;
    if (dg_review_diff(argv[optind], argv[optind + 1], &d, &err) != DG_OK)
        return dg_cli_fail(&err);
    if (out && dg_review_diff_csv(d, out, no_bom, &err) != DG_OK) {
        dg_review_diff_free(d);
        return dg_cli_fail(&err);
    }
    char *t = dg_review_diff_table(d, (size_t)top);
    dg_cli_show(stdout, t);
    if (out)
        printf("every row with the effect of each cause: %s\n", out);
    free(t);
    dg_review_diff_free(d);
    return 0;
}
