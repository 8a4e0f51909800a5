/*
 * The quality block of `dangliang run`'s terminal summary: one line per
 * quality indicator — for a computed one Σ N / Σ D over the units paid by
 * some pool, the pooled rate and how many of those units reach the target —
 * then how the logs' patients matched the person registry.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dangliang/payouts.h"

void dg_cli_print_quality(const DgScheme *s, const DgPayouts *p)
{
    if (!s->has_quality || !s->n_indicators)
        return;
    const DgQualityValues *qv = p->qv;
    size_t nu = s->n_units, nk = s->n_indicators;
    printf("\nquality indicators (%s):\n%-18s %-9s %21s %9s %8s %12s  %s\n",
           s->n_computed ? "computed ones from the person registry and the audited logs" : "given",
           "indicator", "source", "Σ N / Σ D (paid units)", "value", "target", "units ≥ target", "name");
    for (size_t k = 0; k < nk; k++) {
        const DgIndicator *ind = &s->indicators[k];
        char tg[48], val[64] = "-", nd[64] = "-", c1[32], c2[32];
        dg_decimal_format(ind->target, 6, tg);
        for (size_t n = strlen(tg); n > 2 && tg[n - 1] == '0' && tg[n - 3] != '.'; n--)
            tg[n - 1] = 0; /* 0.400000 -> 0.40 */
        int64_t sn = 0, sd = 0;
        size_t paid = 0, met = 0;
        for (size_t u = 0; u < nu; u++) {
            bool in = false;
            for (size_t q = 0; q < s->n_pools && !in; q++)
                in = s->pool_unit[q * nu + u];
            if (!in)
                continue;
            paid++;
            met += p->achievement[u * nk + k] == 1000000;
            if (ind->compute && qv && qv->den[u * nk + k] > 0) {
                sn += qv->num[u * nk + k];
                sd += qv->den[u * nk + k];
            }
        }
        if (ind->compute && sd > 0) {
            snprintf(nd, sizeof nd, "%s / %s", dg_cli_commas((uint64_t)sn, c1), dg_cli_commas((uint64_t)sd, c2));
            dg_ratio_format((DgU128)sn, (DgU128)sd, 4, val);
        }
        char units[48];
        snprintf(units, sizeof units, "%zu of %zu", met, paid);
        printf("%-18s %-9s %21s %9s %8s %12s  %s\n", ind->id, ind->compute ? "computed" : "given", nd, val, tg, units,
               ind->name);
    }
    if (qv && s->registry) {
        char a[32], b[32], c[32];
        printf("registry: %s rows name a patient; %s of them a patient not in the registry, %s a patient registered "
               "with another unit (not counted for either unit)\n",
               dg_cli_commas(qv->rows_with_patient, a), dg_cli_commas(qv->rows_unregistered, b),
               dg_cli_commas(qv->rows_other_unit, c));
    }
}
