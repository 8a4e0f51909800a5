/*
 * quality.csv: every quality indicator of every unit paid by some pool —
 * given or computed, N and D of a computed one, the value and the
 * attainment a_k — and the registry block of summary.json.
 *
 * The value of a computed indicator is N/D rounded half-up to 6 decimals
 * for display only; a_k comes from the scoring stage, which rounds it once
 * from the exact fraction.
 */
#include <jansson.h>

#include "csvout.h"
#include "dangliang/output.h"
#include "dangliang/registry.h"
#include "outfile.h"
#include "output_util.h"

static bool unit_paid(const DgScheme *s, size_t u)
{
    for (size_t p = 0; p < s->n_pools; p++)
        if (s->pool_unit[p * s->n_units + u])
            return true;
    return false;
}

DgStatus dg_output_quality(const DgScheme *s, const DgPayouts *p, const char *dir, const DgOutputOptions *opt,
                           DgError *err)
{
    DgOutFile o;
    DgStatus st = dg_outfile_open(&o, dir, "quality.csv", err);
    if (st != DG_OK)
        return st;
    DgCsvOut w;
    dg_csvout_init(&w, o.fp, !(opt && opt->no_bom));
    static const char *const hdr[] = {"unit_id",     "indicator", "source", "numerator",
                                      "denominator", "value",     "attainment", NULL};
    dg_csvout_header(&w, hdr);
    size_t nk = p->n_indicators, nu = s->n_units;
    const DgQualityValues *qv = p->qv;
    for (size_t u = 0; u < nu; u++) {
        if (!unit_paid(s, u))
            continue;
        for (size_t k = 0; k < nk; k++) {
            const DgIndicator *ind = &s->indicators[k];
            size_t c = u * nk + k;
            char b[80];
            dg_csvout_text(&w, s->units[u].id);
            dg_csvout_text(&w, ind->id);
            dg_csvout_text(&w, ind->compute ? "computed" : "given");
            bool have = false;
            if (ind->compute) {
                int64_t n = qv ? qv->num[c] : -1, d = qv ? qv->den[c] : -1;
                if (n >= 0 && d >= 0) {
                    snprintf(b, sizeof b, "%lld", (long long)n);
                    dg_csvout_num(&w, b);
                    snprintf(b, sizeof b, "%lld", (long long)d);
                    dg_csvout_num(&w, b);
                } else {
                    dg_csvout_num(&w, "");
                    dg_csvout_num(&w, "");
                }
                if (n >= 0 && d > 0) {
                    dg_output_ratio((DgU128)n, (DgU128)d, 6, b);
                    dg_csvout_num(&w, b);
                    have = true;
                }
            } else {
                dg_csvout_num(&w, "");
                dg_csvout_num(&w, "");
                int64_t v = s->indicator_values ? s->indicator_values[c] : DG_IND_MISSING;
                if (v != DG_IND_MISSING) {
                    dg_decimal_format(v, 6, b);
                    dg_csvout_num(&w, b);
                    have = true;
                }
            }
            if (!have)
                dg_csvout_num(&w, "");
            int64_t a = p->achievement[c];
            if (a >= 0) {
                dg_decimal_format(a, 6, b);
                dg_csvout_num(&w, b);
            } else {
                dg_csvout_num(&w, s->missing_skip ? "" : "0.000000");
            }
            dg_csvout_end(&w);
        }
    }
    return dg_outfile_commit(&o, err);
}

void *dg_output_registry_summary(const DgScheme *s, const DgPayouts *p)
{
    if (!s->registry)
        return NULL;
    json_t *j = json_object();
    json_object_set_new(j, "file", json_string(s->registry->path));
    json_object_set_new(j, "persons", json_integer((json_int_t)s->registry->n_persons));
    const DgQualityValues *qv = p ? p->qv : NULL;
    json_object_set_new(j, "rows_with_patient", json_integer((json_int_t)(qv ? qv->rows_with_patient : 0)));
    json_object_set_new(j, "rows_patient_not_in_registry", json_integer((json_int_t)(qv ? qv->rows_unregistered : 0)));
    json_object_set_new(j, "rows_patient_of_other_unit", json_integer((json_int_t)(qv ? qv->rows_other_unit : 0)));
    return j;
}
