/*
 * `run --json` and `check --json`: one JSON object on stdout for scripts.
 * run's object is summary.json (read back from the finished run folder, so
 * the two never disagree) plus what only the command line knows; check's
 * has the same shape for the parts check computes (scheme, period,
 * accounting, flags).  Money and workloads are decimal strings, as in
 * summary.json; counts are integers.  No timings or commit: the same
 * inputs give the same bytes.
 */
#include <glib.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dangliang/audit.h"
#include "dangliang/scheme.h"
#include "dangliang/validate.h"
#include "output/summary_head.h"

static json_t *jtext(const char *s)
{
    json_t *j = json_string(s ? s : "");
    return j ? j : json_string("(not UTF-8)");
}

/* check: the parts of summary.json that check computes. */
static void check_part(json_t *root, const DgScheme *s, const DgDataset *d, const DgAudit *au)
{
    json_t *head = dg_output_summary_head(s, d);
    json_object_update(root, head);
    json_decref(head);
    json_t *fl = json_object();
    json_object_set_new(fl, "rows_flagged", json_integer(au ? (json_int_t)au->rows_flagged : 0));
    json_t *bc = json_object();
    for (int c = 0; c < DG_CHECK_COUNT; c++) {
        json_t *e = json_object();
        json_object_set_new(e, "flags", json_integer(au ? (json_int_t)au->flags_by_check[c] : 0));
        json_object_set_new(e, "quantity_removed", json_integer(au ? (json_int_t)au->excess_by_check[c] : 0));
        json_object_set_new(bc, dg_check_name((DgCheck)c), e);
    }
    json_object_set_new(fl, "by_check", bc);
    json_object_set_new(root, "flags", fl);
}

int dg_cli_json_summary(const char *cmd, const DgScheme *s, const DgDataset *d, const DgAudit *au, const char *out,
                        const char *const *outputs, size_t n_outputs, const char *const *logs, size_t n_logs, int rc)
{
    json_t *root = json_object();
    json_object_set_new(root, "command", json_string(cmd));
    if (!strcmp(cmd, "run")) {
        char *path = g_build_filename(out, "summary.json", NULL);
        json_error_t je;
        json_t *sum = json_load_file(path, 0, &je);
        g_free(path);
        if (!sum || !json_is_object(sum)) {
            fprintf(stderr, "dangliang run: cannot read back %s/summary.json for --json: %s\n", out, je.text);
            json_decref(sum);
            json_decref(root);
            return DG_E_IO;
        }
        json_object_update(root, sum);
        json_decref(sum);
    } else {
        check_part(root, s, d, au);
    }
    json_t *jl = json_array();
    for (size_t i = 0; i < n_logs; i++)
        json_array_append_new(jl, jtext(logs[i]));
    json_object_set_new(root, "logs", jl);
    json_object_set_new(root, "out", out ? jtext(out) : json_null());
    json_t *jo = json_array();
    for (size_t i = 0; out && i < n_outputs; i++)
        json_array_append_new(jo, json_string(outputs[i]));
    if (out && !strcmp(cmd, "run"))
        json_array_append_new(jo, json_string("manifest.json"));
    json_object_set_new(root, "outputs", jo);
    json_object_set_new(root, "exit_code", json_integer(rc));
    int bad = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (bad || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "dangliang %s: cannot write to standard output\n", cmd);
        return DG_E_IO;
    }
    return rc;
}
