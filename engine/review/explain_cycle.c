/*
 * Appeals in `dangliang explain` (explain_cycle.h).
 *
 * Design: the decisions come from flags.csv (every flag of the unit with a
 * non-empty appeal column, in file order); the figures they moved come
 * from summary.json's "appeals" block, which the run computed exactly by
 * scoring the same data twice (before and after the appeals).  Nothing is
 * recomputed here: the run's own numbers are shown with where they come
 * from.
 */
#include "review/explain_cycle.h"

#include <string.h>

DgStatus dg_explain_appeals(const char *run_dir, const char *unit_id, const DgRunTable *flags,
                            const DgExplainFlagCols *c, json_t **out, DgError *err)
{
    *out = NULL;
    char *path = g_build_filename(run_dir, "summary.json", NULL);
    json_error_t je;
    json_t *sum = json_load_file(path, 0, &je);
    if (!sum) {
        DgStatus st = dg_error_set(err, DG_E_IO, path, 0, 0, "cannot read: %s", je.text);
        g_free(path);
        return st;
    }
    g_free(path);
    json_t *ap = json_object_get(sum, "appeals");
    if (!json_is_object(ap)) {
        json_decref(sum);
        return DG_OK;
    }
    json_t *j = json_object();
    json_object_set(j, "file", json_object_get(ap, "file"));
    json_t *list = json_array();
    long long n_over = 0, n_up = 0;
    for (size_t r = 0; r < flags->n_rows; r++) {
        if (strcmp(dg_runread_cell(flags, r, c->unit), unit_id))
            continue;
        const char *dec = dg_runread_cell(flags, r, c->appeal);
        if (!dec[0])
            continue;
        n_over += !strcmp(dec, "overturn");
        n_up += !strcmp(dec, "uphold");
        json_t *e = json_object();
        json_object_set_new(e, "record_id", json_string(dg_runread_cell(flags, r, c->record_id)));
        json_object_set_new(e, "check", json_string(dg_runread_cell(flags, r, c->check)));
        json_object_set_new(e, "excess_quantity", json_string(dg_runread_cell(flags, r, c->excess)));
        json_object_set_new(e, "decision", json_string(dec));
        json_object_set_new(e, "note", json_string(dg_runread_cell(flags, r, c->note)));
        json_array_append_new(list, e);
    }
    json_object_set_new(j, "overturn", json_integer(n_over));
    json_object_set_new(j, "uphold", json_integer(n_up));
    json_object_set_new(j, "flags", list);
    json_t *units = json_object_get(ap, "units"), *mine = NULL;
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u)
    {
        json_t *id = json_object_get(u, "unit_id");
        if (json_is_string(id) && !strcmp(json_string_value(id), unit_id))
            mine = u;
    }
    static const char *const keys[] = {"quantity_restored", "workload_restored", "payout_without_appeals", "payout",
                                       "payout_change", "pools"};
    json_object_set_new(j, "moved", json_boolean(mine != NULL));
    for (size_t k = 0; mine && k < sizeof keys / sizeof keys[0]; k++) {
        json_t *v = json_object_get(mine, keys[k]);
        if (v)
            json_object_set(j, keys[k], v);
    }
    json_decref(sum);
    *out = j;
    return DG_OK;
}

static const char *S(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

void dg_explain_render_appeals(GString *g, json_t *root)
{
    json_t *a = json_object_get(root, "appeals");
    if (!json_is_object(a))
        return;
    g_string_append_printf(g, "\nAppeals (申诉, %s; decided after the checks, which are not re-run)\n", S(a, "file"));
    json_t *flags = json_object_get(a, "flags");
    if (json_array_size(flags) == 0)
        g_string_append(g, "  no appeal on this unit's flags\n");
    else
        g_string_append_printf(g, "  %lld overturned, %lld upheld (flags.csv, appeal column):\n",
                               (long long)json_integer_value(json_object_get(a, "overturn")),
                               (long long)json_integer_value(json_object_get(a, "uphold")));
    size_t i;
    json_t *f;
    json_array_foreach(flags, i, f)
    {
        const char *note = S(f, "note");
        g_string_append_printf(g, "    %-12s %-20s excess %-5s %s%s%s\n", S(f, "record_id"), S(f, "check"),
                               S(f, "excess_quantity"), S(f, "decision"), note[0] ? "  " : "", note);
    }
    if (!json_is_true(json_object_get(a, "moved"))) {
        g_string_append(g, "  the appeals moved neither this unit's workload nor its payout\n");
        return;
    }
    if (json_is_integer(json_object_get(a, "quantity_restored")))
        g_string_append_printf(g, "  quantity restored %lld, workload restored %s (W above is after the appeals)\n",
                               (long long)json_integer_value(json_object_get(a, "quantity_restored")),
                               S(a, "workload_restored"));
    if (json_is_string(json_object_get(a, "payout_change"))) {
        g_string_append_printf(g, "  payout without the appeals %s yuan, with them %s yuan: change %s yuan\n",
                               S(a, "payout_without_appeals"), S(a, "payout"), S(a, "payout_change"));
        json_t *p;
        json_array_foreach(json_object_get(a, "pools"), i, p)
        {
            g_string_append_printf(g, "    pool %-14s W without appeals %s, restored %s; payout without %s, change %s\n",
                                   S(p, "pool_id"), S(p, "workload_without_appeals"), S(p, "workload_restored"),
                                   S(p, "payout_without_appeals"), S(p, "payout_change"));
        }
        g_string_append(g, "  (a change can come from other units' appeals: the pool's budget is fixed)\n");
    }
}
