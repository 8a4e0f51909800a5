/* `--memory`/`--tmp` for run and check (docs/scale.md): size parsing and
 * removing temporary files when the process is interrupted. */
#ifndef DG_CLI_SCALE_H
#define DG_CLI_SCALE_H

#include <stdbool.h>
#include <stdint.h>

/* "512M", "4G", "300000K", "1048576" (K, M, G, T: powers of 1024; an
 * optional trailing "B" or "iB").  False on anything else or zero. */
bool dg_cli_parse_size(const char *s, uint64_t *out);

/* On SIGINT, SIGTERM, SIGHUP and SIGABRT: remove the run's temporary
 * files, then die of the same signal. */
void dg_cli_trap_signals(void);

#endif
