/*
 * dg_gen_registry_write: a synthetic person registry that matches the
 * synthetic log dg_gen_write makes for the same scheme, --rows and --seed.
 *
 * Design: the log's model is built again (same inputs, same model), so the
 * registry knows every patient number of every unit and every follow-up
 * schedule.  A unit's registry holds all its log patients, then persons who
 * never appear in the log (residents with a health record and no service
 * this period) up to about 55 % of its population.  Flags follow the
 * scheme's computed indicators:
 *   - a flag in the "of" list of an indicator with a "services" rule (htn,
 *     dm …) marks the patients scheduled for a matching follow-up item in
 *     that unit, plus a quarter as many persons without any service;
 *   - a flag counted by a population-based indicator (signed) is drawn so
 *     that the unit's N / population lands near the target (×0.85–1.20 by
 *     unit, so some units miss it); inside the group of a flag-based
 *     indicator counting it (key_group signing) it is drawn near that
 *     indicator's target instead, and outside the group correspondingly
 *     less often;
 *   - any other "of" flag (key_group) marks about 35 % of persons, and any
 *     other counted flag (ehr_open) is drawn near its indicator's target.
 * About 1 % of log patients are left out (visitors) and 2 % are registered
 * with the next unit, so the registry match counts of a run are not zero.
 * Every draw is a hash of (seed, unit, person, flag), so the file does not
 * depend on threads or order.  Persons are written unit by unit.
 */
#include "gen_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* p in parts per million from hash */
static bool draw(uint64_t seed, uint64_t a, uint64_t b, uint64_t ppm)
{
    return dg_gen_hash(seed ^ a, b) % 1000000 < ppm;
}

static uint64_t clamp_ppm(int64_t v)
{
    return v < 0 ? 0 : v > 1000000 ? 1000000 : (uint64_t)v;
}

DgStatus dg_gen_registry_write(const DgScheme *s, const DgGenOptions *o, const char *path, DgError *err)
{
    DgGenModel m;
    DgStatus st = dg_gen_model_build(&m, s, o, err);
    if (st != DG_OK)
        return st;
    size_t nf = s->n_reg_flags, nk = s->has_quality ? s->n_indicators : 0;
    /* roles of the flags */
    bool *svc_flag = dg_xcalloc(nf + 1, 1), *of_flag = dg_xcalloc(nf + 1, 1);
    int64_t *t_pop = dg_xcalloc(nf + 1, sizeof *t_pop);  /* target of a population indicator counting f, ppm */
    int64_t *t_grp = dg_xcalloc(nf + 1, sizeof *t_grp);  /* target of a flag-based indicator counting f, ppm */
    uint32_t *grp_mask = dg_xcalloc(nf + 1, sizeof *grp_mask);
    for (size_t k = 0; k < nk; k++) {
        const DgCompute *cp = s->indicators[k].compute;
        if (!cp)
            continue;
        int64_t t = s->indicators[k].target; /* 10^-6 = ppm */
        for (size_t f = 0; f < nf; f++) {
            uint32_t b = 1u << f;
            if (cp->of_mask & b)
                (cp->has_services ? svc_flag : of_flag)[f] = true;
            if (cp->count_mask & b) {
                if (cp->of_population)
                    t_pop[f] = t;
                else {
                    t_grp[f] = t;
                    grp_mask[f] = cp->of_mask;
                }
            }
        }
    }
    size_t pn = strlen(path);
    char *tmp = dg_xmalloc(pn + 32);
    snprintf(tmp, pn + 32, "%s.tmp%ld", path, (long)getpid());
    FILE *fp = fopen(tmp, "wb");
    if (!fp) {
        int e = errno;
        st = dg_error_set(err, DG_E_IO, path, 0, 0, "cannot write the registry: %s", strerror(e));
        goto out;
    }
    fputs("person_id,unit_id", fp);
    for (size_t f = 0; f < nf; f++)
        fprintf(fp, ",%s", s->reg_flags[f]);
    fputc('\n', fp);
    uint64_t pat_total = 0;
    for (uint32_t u = 0; u < m.n_units; u++)
        pat_total += m.units[u].n_patients;
    uint64_t extra_next = pat_total;
    uint8_t *sched = NULL;
    size_t sched_cap = 0;
    for (uint32_t u = 0; u < m.n_units; u++) {
        const DgGenUnit *gu = &m.units[u];
        const DgUnit *un = &s->units[u];
        uint64_t np = gu->n_patients;
        uint64_t n = np + np / 8;
        int64_t pop = un->population == DG_NONE ? 0 : un->population;
        if ((uint64_t)pop * 55 / 100 > n)
            n = (uint64_t)pop * 55 / 100;
        if (n > sched_cap) {
            sched_cap = n;
            sched = dg_xrealloc(sched, sched_cap * nf + 1);
        }
        memset(sched, 0, n * nf + 1);
        /* service-group flags: the scheduled patients of matching codes */
        uint64_t n_sched[32] = {0};
        for (size_t i = 0; i < m.n_pairs; i++) {
            const DgGenPair *pr = &m.pairs[i];
            if (pr->unit != u)
                continue;
            for (size_t k = 0; k < nk; k++) {
                const DgCompute *cp = s->indicators[k].compute;
                if (!cp || !cp->has_services)
                    continue;
                bool match = false;
                for (uint32_t c = s->code_first[pr->code]; c < s->code_first[pr->code] + s->code_nrows[pr->code]; c++)
                    match |= cp->crow[c] != 0;
                if (!match)
                    continue;
                for (size_t f = 0; f < nf; f++) {
                    if (!(cp->of_mask & (1u << f)))
                        continue;
                    for (uint64_t j = 0; j < pr->c && j < np; j++) {
                        uint64_t pat = (pr->off + j) % np;
                        if (!sched[pat * nf + f])
                            n_sched[f]++;
                        sched[pat * nf + f] = 1;
                    }
                }
            }
        }
        /* persons without services in the group: a quarter as many, among the non-patients */
        for (size_t f = 0; f < nf; f++) {
            uint64_t want = n_sched[f] / 4, have = 0;
            for (uint64_t p = np; p < n && have < want; p++)
                if (svc_flag[f] && draw(m.seed, 0x67727000 + f, ((uint64_t)u << 40) ^ p, 300000)) {
                    sched[p * nf + f] = 1;
                    have++;
                }
        }
        /* unit variation of coverage: 0.85 .. 1.20 */
        uint64_t vary = 850 + dg_gen_hash(m.seed ^ 0x766172ull, u) % 351;
        for (uint64_t p = 0; p < n; p++) {
            char id[48];
            if (p < np)
                snprintf(id, sizeof id, "P%0*llu", m.pat_width, (unsigned long long)(gu->pat_base + p + 1));
            else
                snprintf(id, sizeof id, "P%0*llu", m.pat_width, (unsigned long long)(++extra_next));
            /* about 1 % of the log's patients are not registered (visitors), and
             * about 2 % are registered with the next unit (they are served here
             * but managed there) */
            const char *reg_unit = un->id;
            if (p < np) {
                uint64_t x = dg_gen_hash(m.seed ^ 0x726567ull, ((uint64_t)u << 40) ^ p) % 1000;
                if (x < 10)
                    continue;
                if (x < 30 && m.n_units > 1)
                    reg_unit = s->units[(u + 1) % m.n_units].id;
            }
            fprintf(fp, "%s,%s", id, reg_unit);
            uint32_t have = 0;
            uint64_t key = ((uint64_t)u << 40) ^ p;
            /* group flags first (service groups and other "of" flags), then counted flags */
            for (size_t f = 0; f < nf; f++) {
                if (svc_flag[f])
                    have |= sched[p * nf + f] ? 1u << f : 0;
                else if (of_flag[f] && !t_pop[f] && !t_grp[f])
                    have |= draw(m.seed, 0x6f66 + f, key, 350000) ? 1u << f : 0;
            }
            for (size_t f = 0; f < nf; f++) {
                if (svc_flag[f] || (of_flag[f] && !t_pop[f] && !t_grp[f]))
                    continue;
                int64_t ppm;
                bool in_grp = t_grp[f] && (have & grp_mask[f]) == grp_mask[f];
                if (in_grp) {
                    ppm = t_grp[f] * (int64_t)vary / 1000;
                } else if (t_pop[f]) {
                    /* N ≈ t·vary·pop over the whole unit; the group members take their share first */
                    int64_t want = t_pop[f] * (int64_t)vary / 1000 * pop; /* ppm × persons */
                    int64_t grp_n = t_grp[f] ? (int64_t)n * 35 / 100 : 0;
                    int64_t grp_take = t_grp[f] ? grp_n * (t_grp[f] * (int64_t)vary / 1000) : 0;
                    int64_t rest = (int64_t)n - grp_n;
                    ppm = rest > 0 ? (want - grp_take) / rest : 0;
                } else {
                    ppm = t_grp[f] ? t_grp[f] * (int64_t)vary / 1000 / 2 : 500000;
                }
                have |= draw(m.seed, 0x636e74 + f, key, clamp_ppm(ppm)) ? 1u << f : 0;
            }
            for (size_t f = 0; f < nf; f++)
                fputs(have & (1u << f) ? ",1" : ",0", fp);
            fputc('\n', fp);
        }
    }
    free(sched);
    if (fclose(fp) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        st = dg_error_set(err, DG_E_IO, path, 0, 0, "cannot write the registry: %s", strerror(e));
    }
out:
    free(tmp);
    free(svc_flag);
    free(of_flag);
    free(t_pop);
    free(t_grp);
    free(grp_mask);
    dg_gen_model_free(&m);
    return st;
}
