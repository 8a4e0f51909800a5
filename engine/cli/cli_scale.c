/*
 * `--memory SIZE` parsing and the signal handler that removes a spilled
 * run's temporary folder (docs/scale.md).  The handler calls only
 * async-signal-safe functions (unlink, rmdir inside
 * dg_partition_cleanup_now; signal, raise) and re-raises the signal with
 * its default action, so the exit status still says how the process died.
 */
#include "cli_scale.h"

#include <signal.h>
#include <string.h>

#include "dangliang/partition.h"

bool dg_cli_parse_size(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    if (s[0] < '0' || s[0] > '9')
        return false;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    int shift = 0;
    switch (s[i]) {
    case 'k': case 'K': shift = 10; i++; break;
    case 'm': case 'M': shift = 20; i++; break;
    case 'g': case 'G': shift = 30; i++; break;
    case 't': case 'T': shift = 40; i++; break;
    default: break;
    }
    if (shift && s[i] == 'i')
        i++;
    if (s[i] == 'B' || s[i] == 'b')
        i++;
    if (s[i] || v == 0 || (shift && v > (UINT64_MAX >> shift)))
        return false;
    *out = v << shift;
    return true;
}

static void on_signal(int sig)
{
    dg_partition_cleanup_now();
    signal(sig, SIG_DFL);
    raise(sig);
}

void dg_cli_trap_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}
