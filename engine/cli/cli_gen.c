/*
 * `dangliang gen`: realistic synthetic service logs for a scheme.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dangliang/gen.h"
#include "dangliang/scheme.h"

int dg_cli_gen(int argc, char **argv)
{
    enum { O_SCHEME = 1, O_ROWS, O_SEED, O_FMT, O_BAD, O_APPEALS, O_ADVANCES, O_REG };
    static const struct option lo[] = {{"scheme", required_argument, 0, O_SCHEME},
                                       {"rows", required_argument, 0, O_ROWS},
                                       {"seed", required_argument, 0, O_SEED},
                                       {"format", required_argument, 0, O_FMT},
                                       {"bad-rate", required_argument, 0, O_BAD},
                                       {"output", required_argument, 0, 'o'},
                                       {"appeals", required_argument, 0, O_APPEALS},
                                       {"advances", required_argument, 0, O_ADVANCES},
                                       {"registry", required_argument, 0, O_REG},
                                       {0, 0, 0, 0}};
    const char *scheme = NULL, *out = NULL, *appeals = NULL, *advances = NULL, *registry = NULL;
    DgGenOptions go = {.rows = 0, .seed = 1, .format = DG_GEN_CSV, .bad_ppm = 0};
    bool have_rows = false, have_fmt = false;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
        uint64_t v;
        int64_t ppm;
        switch (c) {
        case O_SCHEME: scheme = optarg; break;
        case 'o': out = optarg; break;
        case O_APPEALS: appeals = optarg; break;
        case O_ADVANCES: advances = optarg; break;
        case O_REG: registry = optarg; break;
        case O_ROWS:
            if (!dg_uint_parse(optarg, strlen(optarg), (uint64_t)1 << 40, &v))
                return dg_cli_usage("gen", "--rows wants a whole number, not \"%s\"", optarg);
            go.rows = v;
            have_rows = true;
            break;
        case O_SEED:
            if (!dg_uint_parse(optarg, strlen(optarg), UINT64_MAX, &v))
                return dg_cli_usage("gen", "--seed wants a whole number, not \"%s\"", optarg);
            go.seed = v;
            break;
        case O_FMT:
            have_fmt = true;
            if (!strcmp(optarg, "csv"))
                go.format = DG_GEN_CSV;
            else if (!strcmp(optarg, "jsonl"))
                go.format = DG_GEN_JSONL;
            else
                return dg_cli_usage("gen", "--format must be csv or jsonl, not \"%s\"", optarg);
            break;
        case O_BAD:
            /* a rate such as 0.002, kept exact as parts per million */
            if (dg_decimal_parse(optarg, strlen(optarg), 6, false, &ppm) != DG_DEC_OK || ppm > 1000000)
                return dg_cli_usage("gen", "--bad-rate wants a fraction from 0 to 1 with at most 6 decimals, not \"%s\"",
                                    optarg);
            go.bad_ppm = (uint32_t)ppm;
            break;
        default:
            return dg_cli_usage("gen", "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (!scheme || !out || !have_rows)
        return dg_cli_usage("gen", "--scheme FILE, --rows N and -o LOG are required");
    if (optind < argc)
        return dg_cli_usage("gen", "unexpected argument \"%s\"", argv[optind]);
    if (!have_fmt) {
        size_t n = strlen(out);
        const char *e = n > 3 && !strcmp(out + n - 3, ".gz") ? out + n - 3 : out + n;
        if ((e - out >= 6 && !strncmp(e - 6, ".jsonl", 6)) || (e - out >= 7 && !strncmp(e - 7, ".ndjson", 7)))
            go.format = DG_GEN_JSONL;
    }
    DgError err = {0};
    DgScheme *s = NULL;
    /* with --registry the scheme's registry file is what we are about to write */
    if ((registry ? dg_scheme_load_no_registry(scheme, &s, &err) : dg_scheme_load(scheme, &s, &err)) != DG_OK)
        return dg_cli_fail(&err);
    DgStatus st = dg_gen_write(s, &go, out, &err);
    if (st == DG_OK && registry)
        st = dg_gen_registry_write(s, &go, registry, &err);
    size_t n_app = 0, n_adv = 0;
    if (st == DG_OK && registry && (appeals || advances)) {
        /* the sample advances follow this year's payouts, computed indicators included:
         * load the scheme again, now with the registry just written */
        dg_scheme_free(s);
        s = NULL;
        st = dg_scheme_load(scheme, &s, &err);
    }
    if (st == DG_OK && (appeals || advances))
        st = dg_gen_cycle_files(s, out, go.seed, appeals, advances, &n_app, &n_adv, &err);
    dg_scheme_free(s);
    if (st != DG_OK)
        return dg_cli_fail(&err);
    char a[32];
    fprintf(stderr, "dangliang gen: wrote %s rows to %s\n", dg_cli_commas(go.rows, a), out);
    if (registry)
        fprintf(stderr, "dangliang gen: wrote the matching person registry to %s\n", registry);
    if (appeals)
        fprintf(stderr, "dangliang gen: wrote %s appeals to %s\n", dg_cli_commas(n_app, a), appeals);
    if (advances)
        fprintf(stderr, "dangliang gen: wrote %s quarterly advances to %s\n", dg_cli_commas(n_adv, a), advances);
    return 0;
}
