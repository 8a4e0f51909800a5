/*
 * Attributing payout changes only to inputs that changed (see
 * diff_inputs.h).  The attribution of dg_review_attribute estimates the
 * catalog step from items.csv: W_mid = run B's quantities at run A's
 * average equivalent per item code.  When a code has several catalog rows
 * (its equivalent changes on a date), that average moves with the share of
 * the work done in each row's dates even though the catalog file is
 * byte-identical — a shift in the mix of versions, which used to be
 * reported as "catalog".  The manifests record the SHA-256 of the scheme,
 * catalog, units, indicators and every log, so the diff knows which inputs
 * really changed and names the step accordingly.
 */
#include "review/diff_inputs.h"

#include <string.h>

static const char *const input_names[DG_DIFF_N_INPUTS] = {"scheme",  "catalog",  "units", "indicators",
                                                          "appeals", "registry", "logs"};

static DgInputState compare(const char *a, const char *b, bool absent_ok)
{
    if (!a && !b)
        return absent_ok ? DG_INPUT_SAME : DG_INPUT_UNKNOWN;
    if (!a || !b)
        return absent_ok ? DG_INPUT_CHANGED : DG_INPUT_UNKNOWN;
    return strcmp(a, b) ? DG_INPUT_CHANGED : DG_INPUT_SAME;
}

void dg_diff_inputs_compare(DgDiff *d, const DgRunInfo *a, const DgRunInfo *b)
{
    d->inputs[DG_DIFF_SCHEME] = compare(a->sha_scheme, b->sha_scheme, false);
    d->inputs[DG_DIFF_CATALOG] = compare(a->sha_catalog, b->sha_catalog, false);
    d->inputs[DG_DIFF_UNITS] = compare(a->sha_units, b->sha_units, false);
    /* a scheme may have no indicators, appeals or registry file: absent from both runs is the same */
    bool known = a->sha_scheme && b->sha_scheme;
    d->inputs[DG_DIFF_INDICATORS] = compare(a->sha_indicators, b->sha_indicators, known);
    d->inputs[DG_DIFF_APPEALS] = compare(a->sha_appeals, b->sha_appeals, known);
    d->inputs[DG_DIFF_REGISTRY] = compare(a->sha_registry, b->sha_registry, known);
    d->inputs[DG_DIFF_LOGS] = compare(a->sha_logs, b->sha_logs, false);
}

void dg_diff_inputs_fix_mid(const DgDiff *d, DgAttrUnit *u, size_t n)
{
    if (d->inputs[DG_DIFF_LOGS] != DG_INPUT_SAME || d->inputs[DG_DIFF_CATALOG] == DG_INPUT_SAME)
        return;
    /* W_mid = the state after the appeals step (dg_review_attribute): run A's W with run B's appeals */
    for (size_t i = 0; i < n; i++)
        if (u[i].in_a && u[i].in_b)
            u[i].w_mid = u[i].w_a + u[i].appeal_b >= u[i].appeal_a ? u[i].w_a + u[i].appeal_b - u[i].appeal_a : 0;
}

void dg_diff_inputs_relabel(DgDiff *d)
{
    if (d->inputs[DG_DIFF_CATALOG] != DG_INPUT_SAME)
        return;
    for (size_t i = 0; i < d->n_rows; i++) {
        DgAttrResult *r = &d->rows[i].r;
        r->effect[DG_CAUSE_VERSION_MIX] = r->effect[DG_CAUSE_CATALOG];
        r->effect[DG_CAUSE_CATALOG] = 0;
        if (r->cause == DG_CAUSE_CATALOG)
            r->cause = DG_CAUSE_VERSION_MIX;
    }
}

void dg_diff_inputs_describe(const DgDiff *d, GString *g)
{
    const char *label[3] = {"the same", "changed", "not recorded"};
    int order[3] = {DG_INPUT_CHANGED, DG_INPUT_SAME, DG_INPUT_UNKNOWN};
    g_string_append(g, "inputs (SHA-256 in manifest.json):");
    const char *sep = " ";
    for (int o = 0; o < 3; o++) {
        bool any = false;
        for (int i = 0; i < DG_DIFF_N_INPUTS; i++) {
            if ((int)d->inputs[i] != order[o])
                continue;
            g_string_append_printf(g, "%s%s", any ? ", " : sep, input_names[i]);
            any = true;
        }
        if (any) {
            g_string_append_printf(g, " %s", label[order[o]]);
            sep = "; ";
        }
    }
    g_string_append_c(g, '\n');
}

void dg_diff_inputs_note_mix(const DgDiff *d, GString *g)
{
    for (size_t i = 0; i < d->n_rows; i++)
        if (d->rows[i].r.cause == DG_CAUSE_VERSION_MIX) {
            g_string_append(g, "version_mix: the catalog file is the same in both runs; an item whose equivalent "
                               "changes during the period was delivered more in one version's dates than before, "
                               "so its average equivalent moved\n");
            return;
        }
}
