/*
 * Pre-flight checks of a scheme, and the warning about workload no pool
 * pays for.
 *
 * dg_payouts_preflight runs every configuration check `run` makes that
 * needs no log row — the quality coefficients (a missing given indicator
 * value of a paid unit, indicator weights adding up to 0; computed
 * indicators need the rows and are checked by the run) and the adjustment
 * coefficients — so `check` finds them before reading a month of logs, and
 * `run` before reading them too.  It also warns about catalog categories
 * whose rows no pool counts: a typo such as `public_heath` in the catalog
 * moves that workload out of every pool, which shows only as in_no_pool.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "dangliang/payouts.h"
#include "dangliang/quality.h"
#include "dangliang/score.h"

static void warn_categories(const DgScheme *s, DgWarnings *w)
{
    size_t nc = s->n_categories;
    if (nc == 0 || s->n_pools == 0)
        return;
    bool *paid = calloc(nc, sizeof *paid);
    if (!paid)
        return;
    for (size_t r = 0; r < s->n_catalog; r++)
        for (size_t k = 0; k < s->n_pools && !paid[s->catalog[r].category_id]; k++)
            if (s->pool_row[k * s->n_catalog + r])
                paid[s->catalog[r].category_id] = true;
    /* the categories the pools name, for the message */
    GString *named = g_string_new("");
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t k = 0; k < s->n_pools; k++)
        for (size_t j = 0; j < s->pools[k].n_categories; j++) {
            const char *c = s->pools[k].categories[j];
            if (g_hash_table_add(seen, (gpointer)c))
                g_string_append_printf(named, "%s\"%s\"", named->len ? ", " : "", c);
        }
    g_hash_table_destroy(seen);
    for (size_t c = 0; c < nc; c++) {
        if (paid[c])
            continue;
        size_t rows = 0;
        uint64_t first = 0;
        for (size_t r = 0; r < s->n_catalog; r++)
            if (s->catalog[r].category_id == c && rows++ == 0)
                first = s->catalog[r].line;
        char *shown = dg_text_escape(s->categories[c], strlen(s->categories[c]), false);
        dg_warnings_add(w, true,
                        "%s:%llu: catalog category \"%s\" (%zu item row%s) is counted by no pool, so its workload "
                        "is paid by none; a typo? the pools name %s",
                        s->catalog_path, (unsigned long long)first, shown, rows, rows == 1 ? "" : "s",
                        named->len ? named->str : "no category");
        free(shown);
    }
    g_string_free(named, TRUE);
    free(paid);
}

DgStatus dg_payouts_preflight(const DgScheme *s, DgWarnings *w, DgError *err)
{
    /* Computed indicators depend on the rows: stand in N = D = 1 for them, so
     * only the given values (the indicators file) are checked here. */
    size_t nu = s->n_units, nk = s->has_quality ? s->n_indicators : 0;
    DgQualityValues qv = {.n_units = nu, .n_indicators = nk};
    qv.num = dg_xcalloc(nu * nk + 1, sizeof *qv.num);
    qv.den = dg_xcalloc(nu * nk + 1, sizeof *qv.den);
    for (size_t i = 0; i < nu * nk; i++)
        qv.num[i] = qv.den[i] = s->indicators[i % nk].compute ? 1 : -1;
    DgQuality q;
    DgStatus st = dg_score_quality_values(s, &qv, &q, err);
    free(qv.num);
    free(qv.den);
    if (st != DG_OK)
        return st;
    dg_score_quality_clear(&q);
    int64_t *a = dg_xcalloc(s->n_units ? s->n_units : 1, sizeof *a);
    st = dg_score_adjustment(s, a, err);
    free(a);
    if (st != DG_OK)
        return st;
    if (w)
        warn_categories(s, w);
    return DG_OK;
}

void dg_payouts_warn_unpooled(const DgScheme *s, const DgAggregate *a, DgWarnings *w)
{
    if (!a->unpooled_w)
        return;
    DgU128 total = 0;
    for (size_t u = 0; u < s->n_units; u++)
        total += a->unit_audited_w[u];
    char wl[64], pct[64];
    dg_decimal_format_u128(a->unpooled_w, 4, 4, wl);
    dg_ratio_format(a->unpooled_w * 100, total ? total : 1, 2, pct);
    dg_warnings_add(w, true,
                    "%s equivalents of accepted workload (%s%% of the audited workload) fall in no pool and are "
                    "paid by none: their item is counted by no pool, or their unit is outside the scope of the "
                    "pools that count it (summary.json workload.in_no_pool)",
                    wl, pct);
}
