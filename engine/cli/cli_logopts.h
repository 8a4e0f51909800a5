/* Options shared by `run` and `check`. */
#ifndef DG_CLI_LOGOPTS_H
#define DG_CLI_LOGOPTS_H

#include "cli_opts.h"
#include "dangliang/partition.h"
#include "dangliang/validate.h"

typedef struct DgCliLogOpts {
    const char *scheme;
    const char *out;
    bool strict;
    bool no_bom;
    bool force; /* run: replace a non-empty --out */
    bool no_xlsx; /* run: skip payouts.xlsx */
    uint64_t xlsx_rows; /* run: rows of the flags and rejects sheets (0 = default) */
    bool quiet; /* nothing on stdout but --json */
    bool json;  /* a JSON summary on stdout instead of the text report */
    DgValidateOptions v;
    DgPartitionOptions part;  /* --memory, --tmp (docs/scale.md) */
    char **logs;
    int n_logs;
    DgCliArgs args; /* the parse, with the options as given (for manifest.json) */
} DgCliLogOpts;

/* Parse argv (argv[0] = command name).  Returns 0, or the exit code to
 * return at once (2 for usage, 0 after --help) with *done set. */
int dg_cli_parse_logopts(const char *cmd, int argc, char **argv, DgCliLogOpts *o, bool *done);

#endif
