/*
 * dg_quality_compute: N and D of the computed quality indicators (see
 * quality.h).
 *
 * Patients are looked up in the registry once per distinct patient number
 * (a small open-addressing table from the dataset's patient number to the
 * registry person and its unit, or -1, probed a few rows ahead): the
 * distinct patients are collected first, looked up in parallel (each slot
 * on its own, so threads change nothing), and the row pass is then one
 * cache line and a few adds per row.  Audited quantities are summed per (indicator, person) with
 * saturation at 2^32 - 1 (far above any `min`), and the calendar quarters
 * of the period a person was served in are kept as a bit mask (the scheme
 * loader limits a "quarters" rule to periods of at most 32 quarters).
 */
#include <stdlib.h>
#include <string.h>

#include "dangliang/quality.h"
#include "dangliang/registry.h"

/* One slot: the dataset's patient number, and what it resolved to — the
 * registry person (-1: not registered) and that person's unit — so a row
 * costs one cache line, not three. */
typedef struct PSlot {
    uint32_t key;    /* UINT32_MAX: empty */
    uint32_t unit;   /* registry unit of the person */
    int64_t person;  /* registry index, -1 when not registered */
} PSlot;

typedef struct PMap {
    PSlot *slot;
    size_t mask;
} PMap;

static size_t mix(uint32_t k)
{
    uint64_t h = (uint64_t)k * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 17);
}

static void pmap_init(PMap *m, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 16)
        cap *= 2;
    m->slot = dg_xmalloc(cap * sizeof *m->slot);
    for (size_t i = 0; i < cap; i++)
        m->slot[i].key = UINT32_MAX;
    m->mask = cap - 1;
}

/* Slot of patient k (its key is set when new; *fresh says so). */
static PSlot *pmap_slot(PMap *m, uint32_t k, bool *fresh)
{
    size_t i = mix(k) & m->mask;
    while (m->slot[i].key != UINT32_MAX && m->slot[i].key != k)
        i = (i + 1) & m->mask;
    *fresh = m->slot[i].key == UINT32_MAX;
    m->slot[i].key = k;
    return &m->slot[i];
}

static int32_t quarter_num(int32_t day)
{
    int y, mo, dd;
    dg_date_to_ymd(day, &y, &mo, &dd);
    return (int32_t)(y * 4 + (mo - 1) / 3);
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
    v->status = dg_xcalloc(np * nk + 1, 1);
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
    uint32_t **qty = dg_xcalloc(n_svc + 1, sizeof *qty);
    uint32_t **qmask = dg_xcalloc(n_svc + 1, sizeof *qmask);
    for (size_t j = 0; j < n_svc; j++) {
        qty[j] = dg_xcalloc(np + 1, sizeof **qty);
        qmask[j] = dg_xcalloc(np + 1, sizeof **qmask);
    }
    int32_t q0 = quarter_num(s->period_from);
    size_t ndays = (size_t)(s->period_to - s->period_from) + 1;
    uint8_t *day_q = dg_xmalloc(ndays);
    for (size_t i = 0; i < ndays; i++) {
        int32_t q = quarter_num(s->period_from + (int32_t)i) - q0;
        day_q[i] = (uint8_t)(q < 32 ? q : 31);
    }
    PMap pm;
    pmap_init(&pm, dg_dataset_n_patients(d));
    /* the distinct patients first (keys only), then their registry lookups in
     * parallel — each slot is independent, so the result does not depend on
     * the thread count — then the row pass */
    for (size_t r = 0; r < d->n_rows; r++) {
        if (d->rows[r].patient == DG_NO_PATIENT)
            continue;
        if (r + 8 < d->n_rows && d->rows[r + 8].patient != DG_NO_PATIENT)
            __builtin_prefetch(&pm.slot[mix(d->rows[r + 8].patient) & pm.mask]);
        bool fresh;
        pmap_slot(&pm, d->rows[r].patient, &fresh);
    }
    long n_slots = (long)pm.mask + 1;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n_slots; i++) {
        PSlot *sl = &pm.slot[i];
        if (sl->key == UINT32_MAX)
            continue;
        const char *pid = dg_dataset_patient(d, sl->key);
        sl->person = dg_registry_find(reg, pid, strlen(pid));
        sl->unit = sl->person >= 0 ? reg->unit[sl->person] : UINT32_MAX;
    }
    for (size_t r = 0; r < d->n_rows; r++) {
        const DgRow *row = &d->rows[r];
        if (row->patient == DG_NO_PATIENT)
            continue;
        v->rows_with_patient++;
        if (r + 8 < d->n_rows && d->rows[r + 8].patient != DG_NO_PATIENT)
            __builtin_prefetch(&pm.slot[mix(d->rows[r + 8].patient) & pm.mask]);
        bool fresh;
        PSlot *sl = pmap_slot(&pm, row->patient, &fresh);
        int64_t p = sl->person;
        if (p < 0) {
            v->rows_unregistered++;
            continue;
        }
        uint32_t unit = dg_row_unit(d, row);
        if (sl->unit != unit) {
            v->rows_other_unit++;
            continue;
        }
        uint32_t aq = audited_qty ? audited_qty[r] : row->qty;
        if (aq == 0)
            continue;
        int32_t di = row->date - s->period_from;
        uint32_t bit = (di >= 0 && (size_t)di < ndays) ? 1u << day_q[di] : 0;
        for (size_t j = 0; j < n_svc; j++) {
            const DgCompute *cp = s->indicators[svc_k[j]].compute;
            if (!cp->crow[row->crow])
                continue;
            uint32_t t = qty[j][p];
            qty[j][p] = t > UINT32_MAX - aq ? UINT32_MAX : t + aq;
            qmask[j][p] |= bit;
        }
    }
    free(pm.slot);
    free(day_q);

    /* ---- pass 2: per unit, per computed indicator, classify its persons */
    for (size_t u = 0; u < nu; u++) {
        for (size_t k = 0, j = 0; k < nk; k++) {
            const DgCompute *cp = s->indicators[k].compute;
            if (!cp)
                continue;
            size_t jj = cp->has_services ? j++ : 0;
            int64_t n = 0, g = 0, nf = 0, sm = 0, sq = 0;
            for (uint32_t p = reg->unit_first[u]; p < reg->unit_first[u + 1]; p++) {
                uint32_t fl = reg->flags[p];
                uint8_t stt;
                if (!cp->of_population && (fl & cp->of_mask) != cp->of_mask) {
                    stt = DG_QP_OUT;
                } else if ((fl & cp->count_mask) != cp->count_mask) {
                    stt = DG_QP_NO_FLAG;
                } else if (cp->has_services && (int64_t)qty[jj][p] < cp->min) {
                    stt = DG_QP_SHORT_MIN;
                } else if (cp->has_services && cp->quarters &&
                           __builtin_popcount(qmask[jj][p]) < cp->quarters) {
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
    free(svc_k);
    return DG_OK;
}
