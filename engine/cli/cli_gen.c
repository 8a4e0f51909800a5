/*
 * `dangliang gen`: realistic synthetic service logs for a scheme; `-o -`
 * writes them to standard output.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "dangliang/gen.h"
#include "dangliang/scheme.h"

static const DgCliCmd gen_cmd = {
    "gen", "--scheme FILE --rows N [OPTION...] -o LOG|-",
    "Write a realistic synthetic service log for the scheme: skewed item frequencies, patients with\n"
    "repeat follow-ups, staff per unit, dates across the period, only items in force.  The same --seed\n"
    "gives the same bytes on any machine.",
    DG_CLI_EXIT_CODES};

int dg_cli_gen(int argc, char **argv)
{
    enum { O_ROWS = 1, O_SEED, O_FMT, O_BAD };
    const char *scheme = NULL, *out = NULL, *appeals = NULL, *advances = NULL, *registry = NULL;
    bool quiet = false;
    DgGenOptions go = {.rows = 0, .seed = 1, .format = DG_GEN_CSV, .bad_ppm = 0};
    bool have_rows = false, have_fmt = false;
    const DgCliOpt opts[] = {
        DG_CLI_STR("scheme", 0, "FILE", &scheme, "the scheme (scheme.json) whose units and catalog the rows use"),
        DG_CLI_OPT("rows", 0, "N", O_ROWS, "how many rows to write (required)"),
        DG_CLI_STR("output", 'o', "LOG", &out,
                   "the log file to write (required); - for standard output;\n.jsonl or .ndjson: JSON Lines; .gz: gzip"),
        DG_CLI_OPT("seed", 0, "S", O_SEED, "random seed, a whole number (default 1)"),
        DG_CLI_OPT("format", 0, "F", O_FMT, "csv or jsonl, instead of guessing from the file name (default csv)"),
        DG_CLI_OPT("bad-rate", 0, "F", O_BAD,
                   "share of faulty rows, 0 to 1 with at most 6 decimals (default 0),\nspread over every reject reason"),
        DG_CLI_STR("registry", 0, "REG.csv", &registry,
                   "also write the person registry matching the log's patients\n(for computed quality indicators)"),
        DG_CLI_STR("appeals", 0, "FILE", &appeals,
                   "also write sample appeals over the log's flags (about 12 per check)\nto FILE; needs -o LOG, not -"),
        DG_CLI_STR("advances", 0, "FILE", &advances,
                   "also write three quarterly advances per pool and unit to FILE;\nneeds -o LOG, not -"),
        DG_CLI_FLAG("quiet", 'q', &quiet, "do not report the number of rows written on stderr"),
        DG_CLI_END_OPTS};
    DgCliArgs ar;
    dg_cli_args_init(&ar, &gen_cmd, opts, argc, argv);
    int c;
    while ((c = dg_cli_next(&ar)) > 0) {
        const char *arg = ar.arg;
        uint64_t v;
        int64_t ppm;
        switch (c) {
        case O_ROWS:
            if (!dg_uint_parse(arg, strlen(arg), (uint64_t)1 << 40, &v))
                return dg_cli_usage("gen", "--rows wants a whole number, not \"%s\"", arg);
            go.rows = v;
            have_rows = true;
            break;
        case O_SEED:
            if (!dg_uint_parse(arg, strlen(arg), UINT64_MAX, &v))
                return dg_cli_usage("gen", "--seed wants a whole number, not \"%s\"", arg);
            go.seed = v;
            break;
        case O_FMT:
            have_fmt = true;
            if (!strcmp(arg, "csv"))
                go.format = DG_GEN_CSV;
            else if (!strcmp(arg, "jsonl"))
                go.format = DG_GEN_JSONL;
            else
                return dg_cli_usage("gen", "--format must be csv or jsonl, not \"%s\"", arg);
            break;
        case O_BAD:
            /* a rate such as 0.002, kept exact as parts per million */
            if (dg_decimal_parse(arg, strlen(arg), 6, false, &ppm) != DG_DEC_OK || ppm > 1000000)
                return dg_cli_usage("gen", "--bad-rate wants a fraction from 0 to 1 with at most 6 decimals, not \"%s\"",
                                    arg);
            go.bad_ppm = (uint32_t)ppm;
            break;
        default:
            return dg_cli_usage("gen", "option %d is not handled", c);
        }
    }
    if (c != DG_CLI_END)
        return dg_cli_args_exit(c);
    if (!scheme || !out || !have_rows)
        return dg_cli_usage("gen", "--scheme FILE, --rows N and -o LOG are required");
    if (ar.first_arg < argc)
        return dg_cli_usage("gen", "unexpected argument \"%s\"", argv[ar.first_arg]);
    bool to_stdout = !strcmp(out, "-");
    if (to_stdout && (appeals || advances))
        return dg_cli_usage("gen", "--appeals and --advances read the log back: give -o LOG, not -");
    if (!have_fmt && !to_stdout) {
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
    DgStatus st = to_stdout ? dg_gen_write_stream(s, &go, stdout, "standard output", false, &err)
                            : dg_gen_write(s, &go, out, &err);
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
    if (!quiet) {
        fprintf(stderr, "dangliang gen: wrote %s rows to %s\n", dg_cli_commas(go.rows, a),
                to_stdout ? "standard output" : out);
        if (registry)
            fprintf(stderr, "dangliang gen: wrote the matching person registry to %s\n", registry);
        if (appeals)
            fprintf(stderr, "dangliang gen: wrote %s appeals to %s\n", dg_cli_commas(n_app, a), appeals);
        if (advances)
            fprintf(stderr, "dangliang gen: wrote %s quarterly advances to %s\n", dg_cli_commas(n_adv, a), advances);
    }
    return 0;
}
