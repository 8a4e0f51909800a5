/*
 * dg_quality_compute: N and D of the computed quality indicators (see
 * quality.h).
 *
 * Patients are resolved to registry persons once per run (DgQualityPrep:
 * one 4-byte entry per distinct patient number, looked up in parallel, each
 * entry on its own).  Persons are sorted by unit, so "the person's unit is
 * the unit that delivered the row" is a range test on the unit's first and
 * last person — no second lookup.  The row pass then runs over fixed
 * blocks of rows in parallel: it counts rows, and for each indicator with a
 * "services" rule adds the audited quantity of a matching service to the
 * person's 64-bit sum and ORs the calendar quarter into the person's mask
 * (atomic adds and ORs: the result is the same in any order and for any
 * thread count; the scheme loader limits a "quarters" rule to periods of
 * at most 32 quarters).  The per-unit pass classifies each unit's persons
 * (a contiguous range) in parallel over units.  Both passes give sums and
 * per-unit counts, so the result does not depend on row order, registry
 * order or thread count, and the per-unit pass can run on any partition
 * of the units.  The values are exact integers; Q is computed from N/D by
 * dg_score_quality_values (score.h).
 */
#include <stdlib.h>
#include <string.h>

#include "dangliang/quality.h"
#include "dangliang/registry.h"

#define NO_PERSON UINT32_MAX
#define ROW_BLOCK ((size_t)1 << 16) /* rows per block of the row pass */
#define PREP_BLOCK 32               /* patients resolved together (prefetching) */

struct DgQualityPrep {
    size_t n_patients;
    uint32_t *person; /* [dg_dataset_patient_limit] registry index, NO_PERSON when not registered */
};

static int32_t quarter_num(int32_t day)
{
    int y, mo, dd;
    dg_date_to_ymd(day, &y, &mo, &dd);
    return (int32_t)(y * 4 + (mo - 1) / 3);
}

DgQualityPrep *dg_quality_prepare(const DgScheme *s, const DgDataset *d)
{
    const DgRegistry *reg = s->registry;
    if (!reg)
        return NULL;
    DgQualityPrep *p = dg_xcalloc(1, sizeof *p);
    size_t n = dg_dataset_patient_limit(d);
    p->n_patients = n;
    p->person = dg_xmalloc((n ? n : 1) * sizeof *p->person);
    /* in blocks of PREP_BLOCK patients, stage by stage, so that the cache
     * misses of a block (patient string, table slot, person_id pointer,
     * person_id bytes) overlap instead of following one another */
    size_t nb = (n + PREP_BLOCK - 1) / PREP_BLOCK;
#pragma omp parallel for schedule(dynamic, 16)
    for (size_t b = 0; b < nb; b++) {
        size_t i0 = b * PREP_BLOCK, m = i0 + PREP_BLOCK < n ? PREP_BLOCK : n - i0;
        const char *pid[PREP_BLOCK];
        size_t len[PREP_BLOCK];
        uint64_t h[PREP_BLOCK];
        int64_t c[PREP_BLOCK];
        for (size_t k = 0; k < m; k++) {
            pid[k] = dg_dataset_patient_at(d, (uint32_t)(i0 + k));
            len[k] = pid[k] ? strlen(pid[k]) : 0;
            h[k] = len[k] ? dg_registry_hash(pid[k], len[k]) : 0;
            if (len[k])
                dg_registry_prefetch(reg, h[k]);
        }
        for (size_t k = 0; k < m; k++) {
            c[k] = len[k] ? dg_registry_candidate(reg, h[k]) : -1;
            if (c[k] >= 0)
                __builtin_prefetch(&reg->person_id[c[k]]);
        }
        for (size_t k = 0; k < m; k++)
            if (c[k] >= 0)
                __builtin_prefetch(reg->person_id[c[k]]);
        for (size_t k = 0; k < m; k++) {
            int64_t f = c[k];
            if (f >= 0 && !(strncmp(reg->person_id[f], pid[k], len[k]) == 0 && reg->person_id[f][len[k]] == 0))
                f = dg_registry_find_h(reg, pid[k], len[k], h[k]); /* another id with the same 32-bit tag */
            p->person[i0 + k] = f < 0 ? NO_PERSON : (uint32_t)f;
        }
    }
    return p;
}

void dg_quality_prep_free(DgQualityPrep *p)
{
    if (!p)
        return;
    free(p->person);
    free(p);
}

void dg_quality_values_free(DgQualityValues *v)
{
    if (!v)
        return;
    free(v->num);
    free(v->den);
    free(v->n_group);
    free(v->n_no_flag);
    free(v->n_short_min);
    free(v->n_short_quarters);
    free(v->status);
    free(v);
}

DgStatus dg_quality_compute(const DgScheme *s, const DgDataset *d, const uint16_t *audited_qty,
                            DgQualityValues **out, DgError *err)
{
    return dg_quality_compute_prep(s, d, audited_qty, NULL, NULL, out, err);
}

DgStatus dg_quality_compute_prep(const DgScheme *s, const DgDataset *d, const uint16_t *audited_qty,
                                 const DgQualityPrep *prep, const uint8_t *units, DgQualityValues **out,
                                 DgError *err)
{
    (void)err;
    size_t nu = s->n_units, nk = s->has_quality ? s->n_indicators : 0;
    const DgRegistry *reg = s->registry;
    size_t np = reg ? reg->n_persons : 0;
    DgQualityValues *v = dg_xcalloc(1, sizeof *v);
    v->n_units = nu;
    v->n_indicators = nk;
    v->n_persons = np;
    size_t cells = nu * nk + 1;
    v->num = dg_xmalloc(cells * sizeof *v->num);
    v->den = dg_xmalloc(cells * sizeof *v->den);
    v->n_group = dg_xcalloc(cells, sizeof *v->n_group);
    v->n_no_flag = dg_xcalloc(cells, sizeof *v->n_no_flag);
    v->n_short_min = dg_xcalloc(cells, sizeof *v->n_short_min);
    v->n_short_quarters = dg_xcalloc(cells, sizeof *v->n_short_quarters);
    v->status = dg_xcalloc(np * nk + 1, 1); /* pages of units not classified here stay untouched */
    for (size_t i = 0; i < cells; i++)
        v->num[i] = v->den[i] = -1;
    *out = v;
    if (!reg)
        return DG_OK;

    /* ---- pass 1: rows -> per (services indicator, person) quantity and quarters */
    size_t n_svc = 0;
    size_t *svc_k = dg_xcalloc(nk + 1, sizeof *svc_k);
    for (size_t k = 0; k < nk; k++)
        if (s->indicators[k].compute && s->indicators[k].compute->has_services)
            svc_k[n_svc++] = k;
    uint64_t **qty = dg_xcalloc(n_svc + 1, sizeof *qty);
    uint32_t **qmask = dg_xcalloc(n_svc + 1, sizeof *qmask);
    const uint8_t **svc_crow = dg_xcalloc(n_svc + 1, sizeof *svc_crow);
    for (size_t j = 0; j < n_svc; j++) {
        qty[j] = dg_xcalloc(np + 1, sizeof **qty);
        qmask[j] = dg_xcalloc(np + 1, sizeof **qmask);
        svc_crow[j] = s->indicators[svc_k[j]].compute->crow;
    }
    int32_t q0 = quarter_num(s->period_from);
    size_t ndays = (size_t)(s->period_to - s->period_from) + 1;
    uint8_t *day_q = dg_xmalloc(ndays);
    for (size_t i = 0; i < ndays; i++) {
        int32_t q = quarter_num(s->period_from + (int32_t)i) - q0;
        day_q[i] = (uint8_t)(q < 32 ? q : 31);
    }
    DgQualityPrep *own = NULL;
    if (!prep && d->n_rows)
        prep = own = dg_quality_prepare(s, d);
    const uint32_t *person = prep ? prep->person : NULL;
    const uint32_t *ufirst = reg->unit_first;
    uint64_t with_pat = 0, unreg = 0, other = 0;
    size_t n_rows = d->n_rows, n_blocks = (n_rows + ROW_BLOCK - 1) / ROW_BLOCK;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : with_pat, unreg, other)
    for (size_t b = 0; b < n_blocks; b++) {
        size_t r0 = b * ROW_BLOCK, r1 = r0 + ROW_BLOCK < n_rows ? r0 + ROW_BLOCK : n_rows;
        for (size_t r = r0; r < r1; r++) {
            const DgRow *row = &d->rows[r];
            if (row->patient == DG_NO_PATIENT)
                continue;
            with_pat++;
            if (r + 16 < r1 && d->rows[r + 16].patient != DG_NO_PATIENT)
                __builtin_prefetch(&person[d->rows[r + 16].patient]);
            uint32_t p = person[row->patient];
            if (p == NO_PERSON) {
                unreg++;
                continue;
            }
            uint32_t unit = dg_row_unit(d, row);
            if (p < ufirst[unit] || p >= ufirst[unit + 1]) {
                other++;
                continue;
            }
            uint32_t aq = audited_qty ? audited_qty[r] : row->qty;
            if (aq == 0 || !n_svc)
                continue;
            int32_t di = row->date - s->period_from;
            uint32_t bit = (di >= 0 && (size_t)di < ndays) ? 1u << day_q[di] : 0;
            for (size_t j = 0; j < n_svc; j++) {
                if (!svc_crow[j][row->crow])
                    continue;
                uint64_t *qp = &qty[j][p];
                uint32_t *mp = &qmask[j][p];
#pragma omp atomic
                *qp += aq;
#pragma omp atomic
                *mp |= bit;
            }
        }
    }
    v->rows_with_patient = with_pat;
    v->rows_unregistered = unreg;
    v->rows_other_unit = other;
    dg_quality_prep_free(own);
    free(day_q);

    /* ---- pass 2: per unit, per computed indicator, classify its persons */
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t u = 0; u < nu; u++) {
        if (units && !units[u])
            continue;
        for (size_t k = 0, j = 0; k < nk; k++) {
            const DgCompute *cp = s->indicators[k].compute;
            if (!cp)
                continue;
            size_t jj = cp->has_services ? j++ : 0;
            int64_t n = 0, g = 0, nf = 0, sm = 0, sq = 0;
            for (uint32_t p = ufirst[u]; p < ufirst[u + 1]; p++) {
                uint32_t fl = reg->flags[p];
                uint8_t stt;
                if (!cp->of_population && (fl & cp->of_mask) != cp->of_mask) {
                    stt = DG_QP_OUT;
                } else if ((fl & cp->count_mask) != cp->count_mask) {
                    stt = DG_QP_NO_FLAG;
                } else if (cp->has_services && qty[jj][p] < (uint64_t)cp->min) {
                    stt = DG_QP_SHORT_MIN;
                } else if (cp->has_services && cp->quarters && __builtin_popcount(qmask[jj][p]) < cp->quarters) {
                    stt = DG_QP_SHORT_QUARTERS;
                } else {
                    stt = DG_QP_COUNTS;
                }
                v->status[(size_t)p * nk + k] = stt;
                g += stt != DG_QP_OUT;
                n += stt == DG_QP_COUNTS;
                nf += stt == DG_QP_NO_FLAG;
                sm += stt == DG_QP_SHORT_MIN;
                sq += stt == DG_QP_SHORT_QUARTERS;
            }
            size_t c = u * nk + k;
            v->num[c] = n;
            v->n_group[c] = g;
            v->n_no_flag[c] = nf;
            v->n_short_min[c] = sm;
            v->n_short_quarters[c] = sq;
            if (cp->of_population)
                v->den[c] = s->units[u].population == DG_NONE ? 0 : s->units[u].population;
            else
                v->den[c] = g;
        }
    }
    for (size_t j = 0; j < n_svc; j++) {
        free(qty[j]);
        free(qmask[j]);
    }
    free(qty);
    free(qmask);
    free(svc_crow);
    free(svc_k);
    return DG_OK;
}
