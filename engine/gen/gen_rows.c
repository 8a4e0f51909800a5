/*
 * One block of generated rows.
 *
 * Design: a block first lists its slice of every follow-up schedule (see
 * gen_model.c) and shuffles it, then walks its rows: each next row is a
 * scheduled one with probability (scheduled left)/(rows left), which
 * spreads them uniformly, otherwise an "episode" of unscheduled rows
 * starts — an encounter (1–3 items for one patient, one staff member, one
 * day), a same-day double entry, or rarely a staff-day far over the
 * minutes limit.  Episodes are cut at the block's row budget, so the
 * block has exactly its row count.  Plain rows are formatted by hand into
 * the block buffer from pre-escaped strings; only faulty and unusual rows
 * (gen_fault.c) take a slower, general path.
 */
#include "gen_priv.h"

#include <stdlib.h>
#include <string.h>

void dg_gen_ctx_init(DgGenCtx *cx, const DgGenModel *m)
{
    memset(cx, 0, sizeof *cx);
    cx->m = m;
}

void dg_gen_ctx_free(DgGenCtx *cx)
{
    if (!cx)
        return;
    free(cx->buf);
    free(cx->sched);
    free(cx->scratch);
    memset(cx, 0, sizeof *cx);
}

/* ---- plain rows ------------------------------------------------------------- */

static inline char *put_str(char *p, DgGenStr s)
{
    memcpy(p, s.p, s.n);
    return p + s.n;
}

static inline char *put_lit(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}
#define PUT_LIT(p, s) put_lit((p), (s), sizeof(s) - 1)

static inline char *put_uint(char *p, uint64_t v)
{
    return dg_gen_put_padded(p, v, dg_gen_digits(v));
}

void dg_gen_emit_plain(DgGenCtx *cx, const DgGenRow *r)
{
    const DgGenModel *m = cx->m;
    const DgGenUnit *u = &m->units[r->unit];
    char *p = dg_gen_reserve(cx, m->max_row), *p0 = p;
    const char *date = m->day_txt + (size_t)r->day * 10;
    if (m->format == DG_GEN_CSV) {
        *p++ = 'R';
        p = dg_gen_put_padded(p, r->g + 1, m->rid_width);
        *p++ = ',';
        p = put_str(p, u->fld);
        *p++ = ',';
        p = put_str(p, u->staff_pre);
        p = dg_gen_put_padded(p, r->staff + 1, u->staff_digits);
        p = put_str(p, u->staff_post);
        *p++ = ',';
        if (r->patient >= 0) {
            *p++ = 'P';
            p = dg_gen_put_padded(p, u->pat_base + (uint64_t)r->patient + 1, m->pat_width);
        }
        *p++ = ',';
        p = put_str(p, m->codes[r->code].fld);
        *p++ = ',';
        memcpy(p, date, 10);
        p += 10;
        *p++ = ',';
        p = put_uint(p, r->qty);
        *p++ = '\n';
    } else {
        p = PUT_LIT(p, "{\"record_id\":\"R");
        p = dg_gen_put_padded(p, r->g + 1, m->rid_width);
        p = PUT_LIT(p, "\",\"unit_id\":");
        p = put_str(p, u->fld);
        p = PUT_LIT(p, ",\"staff_id\":");
        p = put_str(p, u->staff_pre);
        p = dg_gen_put_padded(p, r->staff + 1, u->staff_digits);
        p = put_str(p, u->staff_post);
        if (r->patient >= 0) {
            p = PUT_LIT(p, ",\"patient_id\":\"P");
            p = dg_gen_put_padded(p, u->pat_base + (uint64_t)r->patient + 1, m->pat_width);
            *p++ = '"';
        } else {
            p = PUT_LIT(p, ",\"patient_id\":null");
        }
        p = PUT_LIT(p, ",\"item_code\":");
        p = put_str(p, m->codes[r->code].fld);
        p = PUT_LIT(p, ",\"service_date\":\"");
        memcpy(p, date, 10);
        p += 10;
        p = PUT_LIT(p, "\",\"quantity\":");
        p = put_uint(p, r->qty);
        *p++ = '}';
        *p++ = '\n';
    }
    cx->len += (size_t)(p - p0);
    cx->st.lines++;
    cx->have_last = true;
    cx->last_numeric = false;
    cx->last_g = r->g;
}

static inline void emit(DgGenCtx *cx, const DgGenRow *r)
{
    cx->st.records++;
    cx->file_last = r->g + 1 == cx->m->rows;
    if (cx->m->bad_ppm && dg_gen_emit_special(cx, r))
        return;
    dg_gen_emit_plain(cx, r);
}

/* ---- choices ---------------------------------------------------------------- */

/* Skewed towards low numbers (density 2(1 − x)): a few busy staff, a few
 * frequent patients. */
static inline uint64_t skewed(DgGenRng *rng, uint64_t n)
{
    uint64_t a = dg_gen_below(rng, n), b = dg_gen_below(rng, n);
    return a < b ? a : b;
}

/* Mostly 1.  Items capped at one per patient-day are almost never
 * entered twice; injections, tests and prescriptions sometimes are; a
 * group service is sometimes held two or three times a day. */
static inline uint32_t quantity(const DgGenModel *m, DgGenRng *rng, uint32_t code)
{
    const DgGenCode *k = &m->codes[code];
    uint64_t x = dg_gen_below(rng, 1000);
    if (k->group)
        return x < 850 ? 1 : (uint32_t)(2 + dg_gen_below(rng, 2));
    if (k->day_cap == 1)
        return x < 998 ? 1 : 2;
    return x < 970 ? 1 : x < 990 ? 2 : 3;
}

/* A code in force on `day` that is not a group service and not one of
 * used[0..n_used), by the free frequencies; -1 when a few tries find none. */
static int64_t code_on_day(const DgGenModel *m, DgGenRng *rng, int32_t day, const uint32_t *used, int n_used)
{
    if (!m->free_nongroup)
        return -1;
    for (int t = 0; t < 24; t++) {
        uint32_t c = dg_gen_alias_draw(&m->free_alias, rng);
        bool again = false;
        for (int i = 0; i < n_used; i++)
            again |= used[i] == c;
        if (!again && !m->codes[c].group && dg_gen_in_force(m, c, day))
            return c;
    }
    return -1;
}

/* ---- episodes ------------------------------------------------------------- */

static uint64_t encounter(DgGenCtx *cx, uint64_t g, uint64_t budget, bool double_entry)
{
    const DgGenModel *m = cx->m;
    DgGenRng *rng = &cx->rng;
    DgGenRow r;
    r.g = g;
    r.unit = dg_gen_alias_draw(&m->unit_alias, rng);
    r.code = dg_gen_alias_draw(&m->free_alias, rng);
    r.day = dg_gen_day_of_code(m, r.code, rng);
    const DgGenUnit *u = &m->units[r.unit];
    r.staff = (uint32_t)skewed(rng, u->n_staff);
    bool group = m->codes[r.code].group;
    r.patient = group ? -1 : (int64_t)skewed(rng, u->n_patients);
    r.qty = quantity(m, rng, r.code);
    emit(cx, &r);
    uint64_t n = 1;
    if (double_entry) {
        if (n < budget) {
            r.g = g + n++;
            emit(cx, &r);
        }
        return n;
    }
    if (group)
        return n;
    uint64_t x = dg_gen_below(rng, 100);
    uint64_t extra = x < 8 ? 2 : x < 30 ? 1 : 0;
    uint32_t used[3] = {r.code};
    while (extra-- && n < budget) {
        /* another item for the same patient, not one already given today */
        int64_t c = code_on_day(m, rng, r.day, used, (int)n);
        if (c < 0)
            break;
        used[n] = (uint32_t)c;
        r.g = g + n++;
        r.code = (uint32_t)c;
        r.qty = quantity(m, rng, r.code);
        emit(cx, &r);
    }
    return n;
}

/* One staff member logging far more minutes than a day has. */
static uint64_t overload(DgGenCtx *cx, uint64_t g, uint64_t budget)
{
    const DgGenModel *m = cx->m;
    DgGenRng *rng = &cx->rng;
    DgGenRow r;
    r.unit = dg_gen_alias_draw(&m->unit_alias, rng);
    const DgGenUnit *u = &m->units[r.unit];
    r.staff = (uint32_t)skewed(rng, u->n_staff);
    r.day = dg_gen_day_any(m, rng);
    int64_t limit = m->staff_day_minutes != DG_NONE && m->staff_day_minutes > 0 ? m->staff_day_minutes : 480;
    int64_t target = limit + limit * (int64_t)(10 + dg_gen_below(rng, 60)) / 100, minutes = 0;
    uint64_t n = 0;
    while (n < budget && n < 200 && minutes <= target) {
        int64_t c = code_on_day(m, rng, r.day, NULL, 0);
        if (c < 0)
            break;
        const DgCatalogRow *row = dg_gen_row_at(m, (uint32_t)c, r.day);
        minutes += row && row->minutes > 0 ? row->minutes : 5;
        r.g = g + n++;
        r.code = (uint32_t)c;
        r.patient = (int64_t)dg_gen_below(rng, u->n_patients);
        r.qty = 1;
        emit(cx, &r);
    }
    return n ? n : encounter(cx, g, budget, false);
}

static void scheduled(DgGenCtx *cx, const DgGenSched *sd, uint64_t g)
{
    const DgGenModel *m = cx->m;
    const DgGenPair *pr = &m->pairs[sd->pair];
    const DgGenCode *k = &m->codes[pr->code];
    const DgGenUnit *u = &m->units[pr->unit];
    uint64_t slot = (uint64_t)(((DgU128)pr->a * sd->j + pr->b) % pr->e);
    uint64_t round = slot / pr->c, pat = slot % pr->c;
    uint64_t h = dg_gen_hash(pr->salt, pat);
    int64_t len = (int64_t)k->span_hi - k->span_lo + 1, day;
    if (round < k->k) {
        /* the patient's own phase within each interval, a week of jitter */
        day = k->span_lo + (int64_t)round * pr->spacing + (int64_t)(h % pr->spacing);
        if (pr->spacing >= 28)
            day += (int64_t)(dg_gen_hash(h, round) % 15) - 7;
    } else {
        day = k->span_lo + (int64_t)(dg_gen_hash(h, round) % (uint64_t)len);
    }
    if (day < k->span_lo)
        day = k->span_lo;
    if (day > k->span_hi)
        day = k->span_hi;
    if (k->iv_n > 1 && !dg_gen_in_force(m, pr->code, (int32_t)day)) {
        /* inside a gap between catalog versions: the start of the next one */
        for (uint32_t i = 0; i < k->iv_n; i++)
            if (m->ivs[k->iv_first + i].lo > day) {
                day = m->ivs[k->iv_first + i].lo;
                break;
            }
    }
    /* follow-ups are booked on working days: Sunday -> Monday, half the
     * Saturdays -> Friday (when the code is in force there) */
    int dow = (int)((((int64_t)m->from + day) % 7 + 7 + 4) % 7);
    int64_t moved = dow == 0 ? day + 1 : dow == 6 && (h >> 63) ? day - 1 : day;
    if (moved != day && moved >= k->span_lo && moved <= k->span_hi && dg_gen_in_force(m, pr->code, (int32_t)moved))
        day = moved;
    DgGenRow r;
    r.g = g;
    r.unit = pr->unit;
    r.code = pr->code;
    r.day = (int32_t)day;
    r.patient = (int64_t)((pr->off + pat) % u->n_patients);
    /* the patient's family doctor: the same for every scheduled item */
    r.staff = (uint32_t)(dg_gen_hash(m->seed ^ 0x646f63746f72ull, ((uint64_t)pr->unit << 40) ^ (uint64_t)r.patient) %
                         u->n_staff);
    r.qty = quantity(m, &cx->rng, r.code);
    emit(cx, &r);
}

/* ---- the block ---------------------------------------------------------------- */

void dg_gen_block(DgGenCtx *cx, uint64_t b)
{
    const DgGenModel *m = cx->m;
    uint64_t start = b * m->block_rows;
    uint64_t end = b + 1 == m->n_blocks ? m->rows : start + m->block_rows;
    dg_gen_rng_seed(&cx->rng, m->seed, b);
    cx->len = 0;
    cx->have_last = false;
    memset(&cx->st, 0, sizeof cx->st);

    size_t ns = 0;
    for (size_t i = 0; i < m->n_pairs; i++) {
        const DgGenPair *pr = &m->pairs[i];
        uint64_t q0 = (uint64_t)((DgU128)pr->e * start / m->rows);
        uint64_t q1 = (uint64_t)((DgU128)pr->e * end / m->rows);
        if (q1 - q0 > cx->sched_cap - ns) {
            size_t want = cx->sched_cap ? cx->sched_cap : 1024;
            while (want - ns < q1 - q0)
                want *= 2;
            cx->sched = dg_xrealloc(cx->sched, want * sizeof *cx->sched);
            cx->sched_cap = want;
        }
        for (uint64_t j = q0; j < q1; j++)
            cx->sched[ns++] = (DgGenSched){(uint32_t)i, j};
    }
    for (size_t i = ns; i > 1; i--) {
        size_t k = (size_t)dg_gen_below(&cx->rng, i);
        DgGenSched t = cx->sched[i - 1];
        cx->sched[i - 1] = cx->sched[k];
        cx->sched[k] = t;
    }

    uint64_t g = start;
    size_t si = 0;
    while (g < end) {
        uint64_t left = end - g, sleft = ns - si;
        if (sleft && dg_gen_below(&cx->rng, left) < sleft) {
            scheduled(cx, &cx->sched[si++], g++);
            continue;
        }
        uint64_t budget = left - sleft; /* >= 1 here */
        uint64_t x = dg_gen_below(&cx->rng, 10000);
        if (x < 2 && budget > 1)
            g += overload(cx, g, budget);
        else if (x < 27 && budget > 1)
            g += encounter(cx, g, budget, true);
        else
            g += encounter(cx, g, budget, false);
    }
}
