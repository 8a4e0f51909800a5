/*
 * dangliang entry point: subcommand dispatch only (shared helpers live in
 * cli_common.c, option tables in each subcommand, see cli_opts.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dangliang/runfolder.h"
#include "mpi/dgmpi.h"

static const char usage_text[] =
    "dangliang " DG_VERSION " — standardized work equivalents (标化工作当量) and exact payouts\n"
    "\n"
    "usage:\n"
    "  dangliang run     --scheme FILE --out DIR [OPTION...] LOG...\n"
    "  dangliang check   --scheme FILE [--out DIR] [OPTION...] LOG...\n"
    "  dangliang gen     --scheme FILE --rows N [OPTION...] -o LOG|-\n"
    "  dangliang explain --run DIR --unit ID [OPTION...]\n"
    "  dangliang diff    DIR_A DIR_B [OPTION...]\n"
    "  dangliang -V | --version\n"
    "  dangliang -h | --help\n"
    "\n"
    "commands:\n"
    "  run      validate the logs, score every unit and write the payouts and reports\n"
    "  check    validate the logs and print the accounting of every row, without payouts\n"
    "  gen      write a synthetic service log for a scheme\n"
    "  explain  every number of one unit of a finished run, recomputed and checked\n"
    "  diff     what changed between two runs, and why\n"
    "\n"
    "LOG is a file (.csv, .jsonl, optionally .gz), a FIFO, or - for standard input (format from --format,\n"
    "default csv).\n"
    "\n"
    "`dangliang COMMAND --help` describes every option of a command; `man dangliang` has the details.\n"
    "\n" DG_CLI_EXIT_CODES;

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return DG_E_USAGE;
    }
    const char *cmd = argv[1];
    dg_output_test_fault(getenv("DANGLIANG_TEST_FAULT")); /* tests only: see dangliang/runfolder.h */
    dg_cli_set_command_line(argc, argv);
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("dangliang %s (commit %s)\n", DG_VERSION, dg_cli_build_commit());
        printf("MPI: %s\n", dg_mpi_built() ? "built in (mpirun -np N dangliang run ...)" : "not built");
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

/* Under mpirun (docs/scale.md) every rank runs this program; only rank 0
 * prints, and every rank exits with rank 0's code, which has seen every
 * rank's error. */
int main(int argc, char **argv)
{
    dg_mpi_start(&argc, &argv);
    if (dg_mpi_rank() != 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            return dg_mpi_end(DG_E_IO);
    }
    /* only run and check share their work between ranks; any other
     * command (gen writing a file above all) runs on rank 0 alone */
    bool shared = argc >= 2 && (!strcmp(argv[1], "run") || !strcmp(argv[1], "check"));
    if (dg_mpi_rank() != 0 && !shared)
        return dg_mpi_end(0);
    return dg_mpi_end(dispatch(argc, argv));
}
