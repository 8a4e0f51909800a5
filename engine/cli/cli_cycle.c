/*
 * Terminal lines for the payout cycle shared by `run` and `check`:
 * appeals applied, per-capita budgets and the settlement against advances
 * (the sums before the appeals, which `run` scores a second time to show what
 * the appeals moved, come from dg_partition_run).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "dangliang/quality.h"
#include "dangliang/appeals.h"
#include "dangliang/output.h"

void dg_cli_print_appeals(const DgScheme *s, const DgAudit *au)
{
    if (!s->appeals_path)
        return;
    uint64_t o = 0, h = 0;
    for (int c = 0; c < DG_CHECK_COUNT; c++) {
        o += au->appeals_by_check[c][0];
        h += au->appeals_by_check[c][1];
    }
    char a[32], b[32], n[32], q[32];
    printf("appeals        %15s  (%s overturned, %s upheld; %s quantity restored)\n",
           dg_cli_commas(s->n_appeals, n), dg_cli_commas(o, a), dg_cli_commas(h, b),
           dg_cli_commas(au->qty_restored, q));
    for (int c = 0; c < DG_CHECK_COUNT; c++)
        if (au->appeals_by_check[c][0] || au->appeals_by_check[c][1])
            printf("  %-21s %9s overturned, %s upheld\n", dg_check_name((DgCheck)c),
                   dg_cli_commas(au->appeals_by_check[c][0], a), dg_cli_commas(au->appeals_by_check[c][1], b));
}

void dg_cli_print_cycle(const DgScheme *s, const DgPayouts *p)
{
    size_t nu = s->n_units;
    for (size_t k = 0; k < s->n_pools; k++) {
        const DgPool *pl = &s->pools[k];
        if (pl->per_capita == DG_NONE)
            continue;
        char r[64], b[64], n[32];
        dg_decimal_format(pl->per_capita, 2, r);
        dg_decimal_format(pl->budget, 2, b);
        printf("budget of %s: %s yuan per capita × %s residents in scope = %s yuan\n", pl->id, r,
               dg_cli_commas((uint64_t)pl->population, n), b);
    }
    if (!s->advanced)
        return;
    printf("\n%-14s %18s %18s %18s %10s\n", "settlement", "paid (yuan)", "advanced (yuan)", "balance (yuan)",
           "recover");
    for (size_t k = 0; k < s->n_pools; k++) {
        int64_t paid = 0, adv = 0;
        size_t owe = 0;
        for (size_t u = 0; u < nu; u++) {
            if (!s->pool_unit[k * nu + u])
                continue;
            paid += p->payout[k * nu + u];
            adv += s->advanced[k * nu + u];
            owe += p->payout[k * nu + u] < s->advanced[k * nu + u];
        }
        char a[64], b[64], c[64];
        dg_decimal_format(paid, 2, a);
        dg_decimal_format(adv, 2, b);
        dg_decimal_format(paid - adv, 2, c);
        printf("%-14s %18s %18s %18s %10zu\n", s->pools[k].id, a, b, c, owe);
    }
    printf("(balance = payout − advanced; \"recover\" counts units whose balance is negative; per unit in "
           "settlement.csv)\n");
}
