/*
 * The command-line front end: the only code that touches argv, stdout,
 * stderr and exit codes.  Each subcommand is one function returning the
 * process exit code; library errors become "dangliang: file:line: text"
 * on stderr and the status's exit code.
 */
#ifndef DG_CLI_H
#define DG_CLI_H

#include "dangliang/common.h"

int dg_cli_check(int argc, char **argv);
int dg_cli_gen(int argc, char **argv);
int dg_cli_run(int argc, char **argv);
int dg_cli_explain(int argc, char **argv);
int dg_cli_diff(int argc, char **argv);

/* Print err on stderr and return its exit code. */
int dg_cli_fail(const DgError *err);
/* Print a usage error on stderr and return 2. */
int dg_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parse --threads: 1..256. */
bool dg_cli_parse_threads(const char *s, int *out);
/* Progress callback printing one rewritten line on a terminal (stderr). */
void dg_cli_progress(void *ctx, uint64_t done, uint64_t total);
/* Finish a progress line (newline) if one was printed. */
void dg_cli_progress_end(void);
/* Thousands separators: 1234567 -> "1,234,567". buf >= 32. */
const char *dg_cli_commas(uint64_t v, char *buf);

struct DgDataset;
/* Print the accounting block shared by check and run. */
void dg_cli_print_accounting(const struct DgDataset *d);
struct DgAudit;
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
/* Aggregate and payouts on the audited quantities before the appeals (both
 * NULL when the scheme has no appeals, or when that allocation fails — then
 * the outputs only leave out what the appeals moved). */
DgStatus dg_cli_before_appeals(const struct DgScheme *s, const struct DgDataset *d, const struct DgAudit *au,
                               struct DgAggregate **a, struct DgPayouts **p);

#endif
