/*
 * The command-line front end: the only code that touches argv, stdout,
 * stderr and exit codes.  Each subcommand is one function returning the
 * process exit code; library errors become "dangliang: file:line: text"
 * on stderr and the status's exit code.
 */
#ifndef DG_CLI_H
#define DG_CLI_H

#include <stdio.h>

#include "dangliang/common.h"

int dg_cli_check(int argc, char **argv);
int dg_cli_gen(int argc, char **argv);
int dg_cli_run(int argc, char **argv);
int dg_cli_explain(int argc, char **argv);
int dg_cli_diff(int argc, char **argv);

/* The exit codes, for the end of every --help. */
#define DG_CLI_EXIT_CODES                                                                                      \
    "exit codes: 0 ok, 1 rows rejected under --strict, 2 usage, 3 scheme/configuration, 4 I/O, 5 internal\n"

/* The commit the program was built from (`git describe --always --dirty`
 * at build time), or "unknown" outside a git checkout. */
const char *dg_cli_build_commit(void);

/* Print err on stderr and return its exit code. */
int dg_cli_fail(const DgError *err);
/* Print a usage error on stderr and return 2. */
int dg_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write "PREFIXtext\n" on stderr with control characters and bytes that are
 * not UTF-8 shown as \xNN (dg_text_escape): nothing read from an input
 * reaches the terminal raw. */
void dg_cli_eputs(const char *prefix, const char *text);
/* fputs text with the same escaping, newlines kept. */
void dg_cli_show(FILE *fp, const char *text);
/* Print warnings w->text[*shown..] on stderr and advance *shown. */
void dg_cli_print_warnings(const DgWarnings *w, size_t *shown);
/* Print the strict warnings as errors; DG_E_CONFIG if there was one, else 0. */
int dg_cli_strict_warnings(const DgWarnings *w);
struct DgDataset;
/* One stderr line listing the log columns that were ignored, if any. */
void dg_cli_print_unknown_columns(const struct DgDataset *d);
/* Parse --threads: 1..256. */
bool dg_cli_parse_threads(const char *s, int *out);
/* Progress callback printing one rewritten line on a terminal (stderr). */
void dg_cli_progress(void *ctx, uint64_t done, uint64_t total);
/* Finish a progress line (newline) if one was printed. */
void dg_cli_progress_end(void);
/* Thousands separators: 1234567 -> "1,234,567". buf >= 32. */
const char *dg_cli_commas(uint64_t v, char *buf);

/* Remember main's argc/argv: the command line manifest.json records. */
void dg_cli_set_command_line(int argc, char **argv);
struct DgRunMeta;
struct DgCliArgs;
/* Fill meta's command line (main's, see dg_cli_set_command_line), the
 * options as parsed in args, and the build commit. */
void dg_cli_meta_args(struct DgRunMeta *meta, const struct DgCliArgs *args);

struct DgDataset;
struct DgAudit;
struct DgScheme;
/* `--json` of run and check: one JSON object on stdout (see docs/cli.md):
 * command, engine, scheme, period, accounting, flags (run: everything in
 * DIR/summary.json), logs, out, outputs, exit_code.  Returns rc, or the
 * exit code of a failure to read summary.json or to write stdout. */
int dg_cli_json_summary(const char *cmd, const struct DgScheme *s, const struct DgDataset *d,
                        const struct DgAudit *au, const char *out, const char *const *outputs, size_t n_outputs,
                        const char *const *logs, size_t n_logs, int rc);

/* Print the accounting block shared by check and run. */
void dg_cli_print_accounting(const struct DgDataset *d);
/* Print the authenticity-check counts shared by check and run. */
void dg_cli_print_flags(const struct DgAudit *au);
struct DgScheme;
struct DgPayouts;
/* Print the quality indicators of a run: for each computed one Σ N / Σ D
 * over paid units, and the registry match counts (cli_quality.c). */
void dg_cli_print_quality(const struct DgScheme *s, const struct DgPayouts *p);

struct DgScheme;
struct DgPayouts;
struct DgAggregate;
/* Appeals applied (per check), when the scheme names an appeals file (cli_cycle.c). */
void dg_cli_print_appeals(const struct DgScheme *s, const struct DgAudit *au);
/* Per-capita budgets and the settlement against advances, when the scheme has them. */
void dg_cli_print_cycle(const struct DgScheme *s, const struct DgPayouts *p);

#endif
