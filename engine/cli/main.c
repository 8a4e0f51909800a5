/*
 * dangliang entry point: subcommand dispatch only (shared helpers live in
 * cli_common.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dangliang/runfolder.h"

static const char usage_text[] =
    "dangliang " DG_VERSION " — standardized work equivalents (标化工作当量) and exact payouts\n"
    "\n"
    "usage:\n"
    "  dangliang run     --scheme FILE --out DIR [--threads N] [--encoding E] [--format F] [--no-bom] [--strict]\n"
    "                    [--max-record SIZE] [--memory SIZE] [--tmp DIR] [--force] [--no-xlsx] [--xlsx-rows N]\n"
    "                    LOG...\n"
    "  dangliang check   --scheme FILE [--out DIR] [--threads N] [--encoding E] [--format F] [--strict]\n"
    "                    [--max-record SIZE] [--memory SIZE] [--tmp DIR] LOG...\n"
    "  dangliang gen     --scheme FILE --rows N [--seed S] [--format csv|jsonl] [--bad-rate F] -o LOG\n"
    "                    [--registry REG.csv]\n"
    "  dangliang explain --run DIR --unit ID [--format text|json] [--scheme FILE]\n"
    "  dangliang diff    DIR_A DIR_B [--out FILE.csv] [--no-bom] [--top N]\n"
    "  dangliang --version\n"
    "\n"
    "LOG is a file (.csv, .jsonl, optionally .gz), a FIFO, or - for standard input (format from --format,\n"
    "default csv).  --max-record SIZE (default 1M): a longer record is one malformed row.\n"
    "run --force: replace a non-empty --out folder (the new run replaces it as a whole).\n"
    "\n"
    "exit codes: 0 ok, 1 rows rejected under --strict, 2 usage, 3 scheme/configuration, 4 I/O, 5 internal\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return DG_E_USAGE;
    }
    const char *cmd = argv[1];
    dg_output_test_fault(getenv("DANGLIANG_TEST_FAULT")); /* tests only: see dangliang/runfolder.h */
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
