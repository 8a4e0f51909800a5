/*
 * The generator's model: everything derived once from the scheme and the
 * options, read-only while blocks are generated in parallel.
 *
 * Design: frequencies are integer weights turned into alias tables, so a
 * draw is two multiplies and a compare.  Item codes are ranked (clinic
 * visits, follow-ups, cheap before dear, group services last) and weighted
 * by a Zipf law times the share of the period they are in force; a code is
 * then drawn first and its date second, among the days it is in force, so
 * every row names a code with a catalog row in force on its date.
 * Follow-up items (a per-patient period cap of 1..24) are not drawn per
 * row: each (unit, item) gets a schedule of e rows over the whole file, e
 * fixed here from the expected shares, laid out as `cap` rounds over c
 * patients (c chosen so that ~5% of patients get one visit too many).
 * Row j of a schedule goes to slot (a j + b) mod e, which scatters rounds
 * and patients over the file while staying a bijection, and block b holds
 * rows floor(e·start_b/N) .. floor(e·end_b/N) − 1 of it — so no block
 * needs to know what another block drew.
 */
#include "gen_priv.h"

#include <stdlib.h>
#include <string.h>

const char dg_gen_digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                    "25262728293031323334353637383940414243444546474849"
                                    "50515253545556575859606162636465666768697071727374"
                                    "75767778798081828384858687888990919293949596979899";

void dg_gen_rng_seed(DgGenRng *r, uint64_t a, uint64_t b)
{
    uint64_t x = dg_gen_hash(a, b);
    for (int i = 0; i < 4; i++) {
        x += 0x9E3779B97F4A7C15ull;
        r->s[i] = dg_gen_mix64(x);
    }
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1;
}

/* ---- alias tables ---------------------------------------------------------- */

void dg_gen_alias_build(DgGenAlias *a, const uint32_t *items, const uint64_t *w, uint32_t n)
{
    uint64_t max = 0;
    for (uint32_t i = 0; i < n; i++)
        if (w[i] > max)
            max = w[i];
    uint64_t *sc = dg_xmalloc(n * sizeof *sc);
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v = max > (1ull << 32) ? (uint64_t)(((DgU128)w[i] << 32) / max) : w[i];
        if (w[i] && !v)
            v = 1;
        sc[i] = v;
        total += v;
    }
    a->n = n;
    a->total = total;
    a->prob = dg_xmalloc(n * sizeof *a->prob);
    a->alias = dg_xmalloc(n * sizeof *a->alias);
    a->item = dg_xmalloc(n * sizeof *a->item);
    memcpy(a->item, items, n * sizeof *items);
    /* Column i keeps its item with probability prob/total; scaled weights
     * are w·n so the average column holds exactly `total`. */
    uint32_t *small = dg_xmalloc(n * sizeof *small), *large = dg_xmalloc(n * sizeof *large);
    uint32_t ns = 0, nl = 0;
    for (uint32_t i = 0; i < n; i++) {
        sc[i] *= n;
        a->alias[i] = i;
        if (sc[i] < total)
            small[ns++] = i;
        else
            large[nl++] = i;
    }
    while (ns && nl) {
        uint32_t s = small[--ns], l = large[nl - 1];
        a->prob[s] = sc[s];
        a->alias[s] = l;
        sc[l] -= total - sc[s];
        if (sc[l] < total) {
            nl--;
            small[ns++] = l;
        }
    }
    while (nl)
        a->prob[large[--nl]] = total;
    while (ns) /* only reachable through rounding; cannot happen with exact integers */
        a->prob[small[--ns]] = total;
    free(small);
    free(large);
    free(sc);
}

void dg_gen_alias_free(DgGenAlias *a)
{
    free(a->prob);
    free(a->alias);
    free(a->item);
    memset(a, 0, sizeof *a);
}

/* ---- text helpers ------------------------------------------------------------ */

bool dg_gen_csv_needs_quotes(const char *s, size_t n)
{
    if (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        return true;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            return true;
    return false;
}

char *dg_gen_put_csv(char *p, const char *s, size_t n, bool force_quotes)
{
    if (!force_quotes && !dg_gen_csv_needs_quotes(s, n)) {
        memcpy(p, s, n);
        return p + n;
    }
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            *p++ = '"';
        *p++ = s[i];
    }
    *p++ = '"';
    return p;
}

char *dg_gen_put_json(char *p, const char *s, size_t n, bool u_escape_ascii)
{
    static const char hex[] = "0123456789abcdef";
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            *p++ = '\\';
            *p++ = (char)ch;
        } else if (ch == '\n') {
            *p++ = '\\';
            *p++ = 'n';
        } else if (ch < 0x20 || ch == 0x7f || (u_escape_ascii && ch < 0x80)) {
            *p++ = '\\';
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[ch >> 4];
            *p++ = hex[ch & 15];
        } else {
            *p++ = (char)ch;
        }
    }
    *p++ = '"';
    return p;
}

/* ---- days ---------------------------------------------------------------------- */

static int32_t day_search(const DgGenModel *m, uint64_t target, int32_t lo, int32_t hi)
{
    /* largest d in [lo, hi] with day_cum[d] <= target */
    if (m->day_lut)
        return (int32_t)m->day_lut[target];
    while (lo < hi) {
        int32_t mid = lo + (hi - lo + 1) / 2;
        if (m->day_cum[mid] <= target)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

int32_t dg_gen_day_of_code(const DgGenModel *m, uint32_t c, DgGenRng *r)
{
    const DgGenCode *k = &m->codes[c];
    uint64_t x = dg_gen_below(r, k->measure);
    for (uint32_t i = 0; i < k->iv_n; i++) {
        const DgGenIv *iv = &m->ivs[k->iv_first + i];
        uint64_t w = m->day_cum[iv->hi + 1] - m->day_cum[iv->lo];
        if (x < w)
            return day_search(m, m->day_cum[iv->lo] + x, iv->lo, iv->hi);
        x -= w;
    }
    return k->span_hi; /* unreachable: x < measure */
}

int32_t dg_gen_day_any(const DgGenModel *m, DgGenRng *r)
{
    return day_search(m, dg_gen_below(r, m->day_cum[m->ndays]), 0, (int32_t)m->ndays - 1);
}

bool dg_gen_in_force(const DgGenModel *m, uint32_t c, int32_t day)
{
    const DgGenCode *k = &m->codes[c];
    for (uint32_t i = 0; i < k->iv_n; i++)
        if (day >= m->ivs[k->iv_first + i].lo && day <= m->ivs[k->iv_first + i].hi)
            return true;
    return false;
}

const DgCatalogRow *dg_gen_row_at(const DgGenModel *m, uint32_t c, int32_t day)
{
    const DgScheme *s = m->s;
    int32_t abs_day = m->from + day;
    for (uint32_t i = 0; i < s->code_nrows[c]; i++) {
        const DgCatalogRow *row = &s->catalog[s->code_first[c] + i];
        if (row->valid_from <= abs_day && abs_day <= row->valid_to)
            return row;
    }
    return NULL;
}

/* ---- id lookups (for faults that must name an unknown unit or item) ------------- */

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na < nb ? -1 : na > nb);
}

typedef struct IdKey {
    const char *id;
    uint32_t idx;
} IdKey;

static int cmp_idkey(const void *x, const void *y)
{
    return strcmp(((const IdKey *)x)->id, ((const IdKey *)y)->id);
}

static const char *code_text(const DgScheme *s, uint32_t c)
{
    return s->catalog[s->code_first[c]].code;
}

/* Indices of n ids in byte order of the ids. */
static uint32_t *sorted_ids(const DgScheme *s, uint32_t n, bool units)
{
    IdKey *k = dg_xmalloc((n ? n : 1) * sizeof *k);
    for (uint32_t i = 0; i < n; i++)
        k[i] = (IdKey){units ? s->units[i].id : code_text(s, i), i};
    qsort(k, n, sizeof *k, cmp_idkey);
    uint32_t *out = dg_xmalloc((n ? n : 1) * sizeof *out);
    for (uint32_t i = 0; i < n; i++)
        out[i] = k[i].idx;
    free(k);
    return out;
}

bool dg_gen_unit_exists(const DgGenModel *m, const char *id, size_t n)
{
    size_t lo = 0, hi = m->n_units;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *u = m->s->units[m->unit_sorted[mid]].id;
        int c = cmp_bytes(u, strlen(u), id, n);
        if (!c)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool dg_gen_code_exists(const DgGenModel *m, const char *code, size_t n)
{
    size_t lo = 0, hi = m->n_codes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *u = code_text(m->s, m->code_sorted[mid]);
        int c = cmp_bytes(u, strlen(u), code, n);
        if (!c)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* ---- building ------------------------------------------------------------------- */

static char *own(DgGenModel *m, size_t n)
{
    char *p = dg_xmalloc(n ? n : 1);
    m->strs = dg_xrealloc(m->strs, (m->n_strs + 1) * sizeof *m->strs);
    m->strs[m->n_strs++] = p;
    return p;
}

/* A field as the fast path writes it: escaped for the format, JSON strings
 * with their quotes.  `suffix` is appended inside the quotes (e.g. "-S"). */
static DgGenStr field_str(DgGenModel *m, const char *s, const char *suffix, bool open_only)
{
    size_t n = strlen(s), ns = strlen(suffix);
    char *tmp = dg_xmalloc(n + ns + 1);
    memcpy(tmp, s, n);
    memcpy(tmp + n, suffix, ns);
    char *out = own(m, 6 * (n + ns) + 4), *p = out;
    if (m->format == DG_GEN_JSONL)
        p = dg_gen_put_json(p, tmp, n + ns, false);
    else
        p = dg_gen_put_csv(p, tmp, n + ns, false);
    free(tmp);
    DgGenStr r = {out, (uint32_t)(p - out)};
    /* For a prefix, drop the closing quote; the caller writes it after the digits. */
    if (open_only && r.n && out[r.n - 1] == '"' && (m->format == DG_GEN_JSONL || out[0] == '"'))
        r.n--;
    return r;
}

static bool contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

static bool contains_ci(const char *hay, const char *needle)
{
    if (!hay)
        return false;
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && (p[i] | 0x20) == (needle[i] | 0x20))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* Rank class of a code: 0 clinic visit, 1 routine follow-up (has a period
 * cap), 2 anything else, 3 group service. */
static uint32_t code_class(const DgCatalogRow *row, bool capped)
{
    const char *nm = row->name, *cd = row->code;
    if (contains(nm, "健康教育") || contains(nm, "讲座") || contains(nm, "宣传") || contains(nm, "咨询活动") ||
        contains(nm, "健康知识") || contains_ci(cd, "EDU") || contains_ci(cd, "LECT"))
        return 3;
    if ((contains(nm, "随访") || contains_ci(cd, "-FU") || contains_ci(cd, "FOLLOW")) && !contains(nm, "增加") &&
        !contains_ci(cd, "EXTRA") && capped)
        return 1;
    if ((contains(nm, "门诊") || contains(nm, "诊疗") || contains_ci(cd, "VISIT")) && !contains(nm, "出诊") &&
        !contains(nm, "上门") && !contains(nm, "家庭") && !contains_ci(cd, "HOME"))
        return 0;
    return 2;
}

typedef struct RankKey {
    uint32_t klass;
    int64_t eq;
    const char *code;
    uint32_t id;
} RankKey;

static int cmp_rank(const void *x, const void *y)
{
    const RankKey *a = x, *b = y;
    if (a->klass != b->klass)
        return a->klass < b->klass ? -1 : 1;
    if (a->eq != b->eq)
        return a->eq < b->eq ? -1 : 1;
    return strcmp(a->code, b->code);
}

static int cmp_iv(const void *x, const void *y)
{
    const DgGenIv *a = x, *b = y;
    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

typedef struct KindInfo {
    uint64_t mult, pop, staff_lo, staff_hi;
} KindInfo;

static KindInfo kind_info(const char *kind)
{
    static const KindInfo center = {12, 50000, 15, 40}, township = {10, 20000, 8, 25}, station = {8, 8000, 3, 8},
                          village = {6, 1500, 3, 5}, other = {10, 10000, 5, 15};
    if (contains_ci(kind, "center") || contains_ci(kind, "centre") || contains(kind, "中心"))
        return center;
    if (contains_ci(kind, "township") || contains(kind, "卫生院"))
        return township;
    if (contains_ci(kind, "station") || contains(kind, "站"))
        return station;
    if (contains_ci(kind, "village") || contains(kind, "村"))
        return village;
    return other;
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c, DgU128 d)
{
    return (uint64_t)((DgU128)a * b * c / d);
}

#define MAX_PERIOD_DAYS 1000000

/* Scratch shared by the build steps, freed at the end of the build. */
typedef struct GenBuild {
    uint64_t day_total;         /* sum of the day weights over the period */
    RankKey *rk;                /* the live codes in rank order */
    uint32_t n_live;
    uint64_t w_all, w_sched;    /* total weight, weight of scheduled codes */
    bool all_sched;
    uint32_t *ids;              /* alias-table ids, reused for codes then units */
    uint64_t *ws;               /* weights of the free codes */
    uint64_t *wu, w_units;      /* unit weights and their sum */
    uint64_t *sched_patients;   /* per unit: patients of its schedules */
    size_t max_unit;            /* longest unit id */
} GenBuild;

static DgStatus check_options(const DgScheme *s, const DgGenOptions *o, DgError *err)
{
    if (o->format != DG_GEN_CSV && o->format != DG_GEN_JSONL)
        return dg_error_set(err, DG_E_USAGE, NULL, 0, 0, "gen: unknown output format %d (csv or jsonl)", o->format);
    if (o->rows > (1ull << 40))
        return dg_error_set(err, DG_E_USAGE, NULL, 0, 0, "gen: at most 2^40 rows, not %llu",
                            (unsigned long long)o->rows);
    if (o->bad_ppm > 1000000)
        return dg_error_set(err, DG_E_USAGE, NULL, 0, 0, "gen: the bad-row rate is %u per million; at most 1000000",
                            o->bad_ppm);
    if (s->period_to < s->period_from || (int64_t)s->period_to - s->period_from >= MAX_PERIOD_DAYS)
        return dg_error_set(err, DG_E_CONFIG, s->path, 0, 0,
                            "gen: the scheme period must run forward and span at most %d days", MAX_PERIOD_DAYS);
    if (!s->n_units || !s->n_codes)
        return dg_error_set(err, DG_E_CONFIG, s->path, 0, 0,
                            "gen: the scheme has no %s; there is nothing to generate rows for",
                            s->n_units ? "catalog items" : "units");
    return DG_OK;
}

/* Days: weekday 10, Saturday 5, Sunday 3; their running sum, text and a
 * lookup table when small enough. */
static void build_days(DgGenModel *m, GenBuild *b)
{
    m->day_cum = dg_xmalloc((m->ndays + 1) * sizeof *m->day_cum);
    m->day_txt = dg_xmalloc((size_t)m->ndays * 10 + 1);
    m->day_cum[0] = 0;
    for (uint32_t d = 0; d < m->ndays; d++) {
        int32_t day = m->from + (int32_t)d;
        int dow = (int)((((int64_t)day % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
        m->day_cum[d + 1] = m->day_cum[d] + (dow == 0 ? 3 : dow == 6 ? 5 : 10);
        char t[16];
        dg_date_format(day, t);
        memcpy(m->day_txt + (size_t)d * 10, t, 10);
    }
    b->day_total = m->day_cum[m->ndays];
    if (b->day_total <= (1u << 24)) {
        m->day_lut = dg_xmalloc(b->day_total * sizeof *m->day_lut);
        for (uint32_t d = 0; d < m->ndays; d++)
            for (uint64_t x = m->day_cum[d]; x < m->day_cum[d + 1]; x++)
                m->day_lut[x] = d;
    }
}

/* One code: its in-force intervals within the period (merged), the gaps
 * between them, its class and its caps.  *n_ivs is the used length of m->ivs. */
static void build_code(DgGenModel *m, const DgScheme *s, uint32_t c, size_t *n_ivs, size_t *gap_cap)
{
    DgGenCode *k = &m->codes[c];
    const DgCatalogRow *rows = &s->catalog[s->code_first[c]];
    uint32_t nr = s->code_nrows[c];
    k->iv_first = (uint32_t)*n_ivs;
    int64_t cap_min = INT64_MAX;
    for (uint32_t i = 0; i < nr; i++) {
        int64_t lo = rows[i].valid_from > s->period_from ? rows[i].valid_from : s->period_from;
        int64_t hi = rows[i].valid_to < s->period_to ? rows[i].valid_to : s->period_to;
        if (lo > hi)
            continue;
        m->ivs[*n_ivs].lo = (int32_t)(lo - m->from);
        m->ivs[*n_ivs].hi = (int32_t)(hi - m->from);
        (*n_ivs)++;
        if (rows[i].max_per_patient_day != DG_NONE && (!k->day_cap || rows[i].max_per_patient_day < k->day_cap))
            k->day_cap = rows[i].max_per_patient_day;
        if (rows[i].max_per_patient_period != DG_NONE && rows[i].max_per_patient_period < cap_min)
            cap_min = rows[i].max_per_patient_period;
    }
    uint32_t n_raw = (uint32_t)*n_ivs - k->iv_first;
    DgGenIv *iv = &m->ivs[k->iv_first];
    qsort(iv, n_raw, sizeof *iv, cmp_iv);
    uint32_t n_merged = 0;
    for (uint32_t i = 0; i < n_raw; i++) {
        if (n_merged && iv[i].lo <= iv[n_merged - 1].hi + 1) {
            if (iv[i].hi > iv[n_merged - 1].hi)
                iv[n_merged - 1].hi = iv[i].hi;
        } else {
            iv[n_merged++] = iv[i];
        }
    }
    *n_ivs = k->iv_first + n_merged;
    k->iv_n = n_merged;
    /* gaps: the complement within the period */
    int32_t next = 0;
    for (uint32_t i = 0; i <= n_merged; i++) {
        int32_t end = i < n_merged ? iv[i].lo - 1 : (int32_t)m->ndays - 1;
        if (end >= next) {
            if (m->n_gaps == *gap_cap)
                m->gaps = dg_xrealloc(m->gaps, (*gap_cap *= 2) * sizeof *m->gaps);
            m->gaps[m->n_gaps++] = (DgGenGap){c, next, end};
        }
        if (i < n_merged)
            next = iv[i].hi + 1;
    }
    for (uint32_t i = 0; i < n_merged; i++)
        k->measure += m->day_cum[iv[i].hi + 1] - m->day_cum[iv[i].lo];
    if (n_merged) {
        k->span_lo = iv[0].lo;
        k->span_hi = iv[n_merged - 1].hi;
    }
    k->klass = code_class(&rows[0], cap_min != INT64_MAX);
    k->group = k->klass == 3;
    k->sched = !k->group && n_merged && cap_min >= 1 && cap_min <= 24;
    k->k = k->sched ? (uint32_t)cap_min : 0;
    k->fld = field_str(m, rows[0].code, "", false);
    size_t cl = strlen(rows[0].code);
    if (cl > m->max_id)
        m->max_id = cl;
}

/* Codes: in-force intervals within the period, gaps, classes, caps. */
static void build_codes(DgGenModel *m, const DgScheme *s)
{
    m->codes = dg_xcalloc(m->n_codes, sizeof *m->codes);
    m->ivs = dg_xmalloc((s->n_catalog + 1) * sizeof *m->ivs);
    size_t n_ivs = 0, gap_cap = 16;
    m->gaps = dg_xmalloc(gap_cap * sizeof *m->gaps);
    for (uint32_t c = 0; c < m->n_codes; c++)
        build_code(m, s, c, &n_ivs, &gap_cap);
}

/* Zipf weights over the ranking, times the share of the period in force.
 * False when no code is in force at all. */
static bool rank_codes(DgGenModel *m, const DgScheme *s, GenBuild *b)
{
    b->rk = dg_xmalloc(m->n_codes * sizeof *b->rk);
    for (uint32_t c = 0; c < m->n_codes; c++) {
        if (!m->codes[c].measure)
            continue;
        const DgCatalogRow *row = dg_gen_row_at(m, c, m->ivs[m->codes[c].iv_first].lo);
        b->rk[b->n_live++] = (RankKey){m->codes[c].klass, row ? row->eq[0] : 0, code_text(s, c), c};
    }
    if (!b->n_live)
        return false;
    qsort(b->rk, b->n_live, sizeof *b->rk, cmp_rank);
    for (uint32_t r = 0; r < b->n_live; r++) {
        DgGenCode *k = &m->codes[b->rk[r].id];
        k->weight = mul_div((1ull << 32) / (r + 1), k->measure, 1, b->day_total);
        if (!k->weight)
            k->weight = 1;
        b->w_all += k->weight;
        if (k->sched)
            b->w_sched += k->weight;
    }
    return true;
}

/* Free codes: everything not scheduled (all codes when every code is). */
static void build_free_alias(DgGenModel *m, GenBuild *b)
{
    size_t n_ids = m->n_codes > m->n_units ? m->n_codes : m->n_units; /* reused for the units */
    b->ids = dg_xmalloc(n_ids * sizeof *b->ids);
    b->ws = dg_xmalloc(n_ids * sizeof *b->ws);
    uint32_t nf = 0;
    b->all_sched = b->w_sched == b->w_all;
    for (uint32_t r = 0; r < b->n_live; r++) {
        DgGenCode *k = &m->codes[b->rk[r].id];
        if (k->sched && !b->all_sched)
            continue;
        b->ids[nf] = b->rk[r].id;
        b->ws[nf++] = k->weight;
        if (!k->group)
            m->free_nongroup = true;
    }
    dg_gen_alias_build(&m->free_alias, b->ids, b->ws, nf);
}

/* Units: weight = population (or the kind's default) × the kind's factor. */
static void build_unit_alias(DgGenModel *m, const DgScheme *s, GenBuild *b)
{
    m->units = dg_xcalloc(m->n_units, sizeof *m->units);
    b->wu = dg_xmalloc(m->n_units * sizeof *b->wu);
    for (uint32_t u = 0; u < m->n_units; u++) {
        KindInfo ki = kind_info(s->units[u].kind);
        int64_t pop = s->units[u].population;
        if (pop == DG_NONE || pop <= 0)
            pop = (int64_t)ki.pop;
        if (pop > 1000000000)
            pop = 1000000000;
        b->wu[u] = (uint64_t)pop * ki.mult;
        b->w_units += b->wu[u];
        b->ids[u] = u;
    }
    dg_gen_alias_build(&m->unit_alias, b->ids, b->wu, m->n_units);
}

/* The schedules of the follow-up items, one per (unit, scheduled code). */
static void build_schedules(DgGenModel *m, GenBuild *b)
{
    DgU128 den = b->w_sched * 2 > b->w_all ? (DgU128)b->w_units * b->w_sched * 2 : (DgU128)b->w_units * b->w_all;
    size_t pair_cap = 0;
    b->sched_patients = dg_xcalloc(m->n_units, sizeof *b->sched_patients);
    for (uint32_t u = 0; u < m->n_units; u++) {
        for (uint32_t r = 0; r < b->n_live; r++) {
            uint32_t c = b->rk[r].id;
            DgGenCode *k = &m->codes[c];
            if (!k->sched || b->all_sched)
                continue;
            uint64_t e = mul_div(m->rows, b->wu[u], k->weight, den);
            if (!e)
                continue;
            if (m->n_pairs == pair_cap)
                m->pairs = dg_xrealloc(m->pairs, (pair_cap = pair_cap ? pair_cap * 2 : 64) * sizeof *m->pairs);
            DgGenPair *p = &m->pairs[m->n_pairs++];
            memset(p, 0, sizeof *p);
            p->unit = u;
            p->code = c;
            p->e = e;
            /* e / (k + 0.05) patients, to the nearest: about one in twenty gets a visit too many */
            p->c = (uint64_t)(((DgU128)e * 40 + 20 * (uint64_t)k->k + 1) / (2 * (20 * (uint64_t)k->k + 1)));
            if (!p->c)
                p->c = 1;
            b->sched_patients[u] += p->c;
            p->salt = dg_gen_hash(m->seed ^ 0x7363686564ull, ((uint64_t)u << 32) | c);
            uint64_t a = dg_gen_hash(p->salt, 1) % e;
            if (!a)
                a = 1;
            while (gcd64(a, e) != 1)
                a = a + 1 < e ? a + 1 : 1;
            p->a = e == 1 ? 0 : a;
            p->b = dg_gen_hash(p->salt, 2) % e;
            uint32_t len = (uint32_t)(k->span_hi - k->span_lo + 1);
            p->spacing = len / k->k ? len / k->k : 1;
        }
    }
}

/* Staff and patients per unit.  Mean minutes of a row (a code without
 * minutes counts 5) set the staff count, so that an average staff member
 * logs about 120 minutes a day and only the busiest, on a busy day, come
 * near checks.staff_day_minutes. */
static void build_staff(DgGenModel *m, const DgScheme *s, GenBuild *b)
{
    DgU128 min_num = 0;
    for (uint32_t r = 0; r < b->n_live; r++) {
        const DgGenCode *k = &m->codes[b->rk[r].id];
        const DgCatalogRow *row = dg_gen_row_at(m, b->rk[r].id, k->span_lo);
        int64_t mins = row && row->minutes > 0 ? row->minutes : 5;
        min_num += (DgU128)k->weight * (uint64_t)(mins > 100000 ? 100000 : mins);
    }
    uint64_t pat_total = 0;
    for (uint32_t u = 0; u < m->n_units; u++) {
        DgGenUnit *gu = &m->units[u];
        KindInfo ki = kind_info(s->units[u].kind);
        uint64_t expect = mul_div(m->rows, b->wu[u], 1, b->w_units);
        uint64_t staff = ki.staff_lo + dg_gen_hash(m->seed ^ 0x7374616666ull, u) % (ki.staff_hi - ki.staff_lo + 1);
        DgU128 load_den = (DgU128)b->w_all * m->ndays * 120;
        uint64_t by_load = (uint64_t)(((DgU128)expect * min_num + load_den - 1) / load_den);
        if (by_load > staff)
            staff = by_load;
        if (staff > 99999)
            staff = 99999;
        gu->n_staff = (uint32_t)staff;
        gu->staff_digits = dg_gen_digits(staff) < 2 ? 2 : dg_gen_digits(staff);
        uint64_t pats = expect / 6;
        if (pats < 50)
            pats = 50;
        if (pats < 2 * b->sched_patients[u])
            pats = 2 * b->sched_patients[u];
        gu->n_patients = pats;
        gu->pat_base = pat_total;
        pat_total += pats;
        gu->fld = field_str(m, s->units[u].id, "", false);
        gu->staff_pre = field_str(m, s->units[u].id, "-S", true);
        bool quoted = gu->staff_pre.n && gu->staff_pre.p[0] == '"';
        gu->staff_post = (DgGenStr){quoted ? "\"" : "", quoted ? 1u : 0u};
        size_t ul = strlen(s->units[u].id);
        if (ul > b->max_unit)
            b->max_unit = ul;
    }
    if (b->max_unit > m->max_id)
        m->max_id = b->max_unit;
    for (size_t i = 0; i < m->n_pairs; i++)
        m->pairs[i].off = dg_gen_hash(m->pairs[i].salt, 3) % m->units[m->pairs[i].unit].n_patients;
    m->pat_width = dg_gen_digits(pat_total) < 8 ? 8 : dg_gen_digits(pat_total);
    m->rid_width = dg_gen_digits(m->rows) < 9 ? 9 : dg_gen_digits(m->rows);
}

/* Blocks, id indexes for faults and the longest row. */
static void build_blocks(DgGenModel *m, const DgScheme *s, const GenBuild *b)
{
    /* A block of B rows holds at most e·B/N + 1 rows of each schedule, and
     * schedules take at most half the rows, so B >= 4 × pairs leaves at
     * least a quarter of every block to unscheduled rows.  The last block
     * absorbs the remainder.  Nothing here depends on threads. */
    uint64_t B = 32768;
    if (B < 4 * (uint64_t)m->n_pairs)
        B = 4 * (uint64_t)m->n_pairs;
    m->block_rows = B;
    m->n_blocks = m->rows == 0 ? 0 : m->rows <= B ? 1 : m->rows / B;

    /* id indexes for faults */
    m->unit_sorted = sorted_ids(s, m->n_units, true);
    m->code_sorted = sorted_ids(s, m->n_codes, false);

    /* A plain row: the ids escaped (up to 6 bytes per byte in JSON), the
     * numbers, and the JSON keys. */
    m->max_row = 6 * (2 * b->max_unit + m->max_id) + 3 * 24 + 10 + 10 + 160;
}

static void gen_build_free(GenBuild *b)
{
    free(b->sched_patients);
    free(b->wu);
    free(b->ws);
    free(b->ids);
    free(b->rk);
}

DgStatus dg_gen_model_build(DgGenModel *m, const DgScheme *s, const DgGenOptions *o, DgError *err)
{
    memset(m, 0, sizeof *m);
    DgStatus st = check_options(s, o, err);
    if (st != DG_OK)
        return st;
    m->s = s;
    m->format = o->format;
    m->rows = o->rows;
    m->seed = o->seed;
    m->bad_ppm = o->bad_ppm;
    m->from = s->period_from;
    m->ndays = (uint32_t)(s->period_to - s->period_from + 1);
    m->staff_day_minutes = s->staff_day_minutes;
    m->n_units = (uint32_t)s->n_units;
    m->n_codes = (uint32_t)s->n_codes;

    GenBuild b = {0};
    build_days(m, &b);
    build_codes(m, s);
    if (!rank_codes(m, s, &b)) {
        gen_build_free(&b);
        dg_gen_model_free(m);
        return dg_error_set(err, DG_E_CONFIG, s->path, 0, 0,
                            "gen: no catalog row is in force during the scheme period; check valid_from/valid_to");
    }
    build_free_alias(m, &b);
    build_unit_alias(m, s, &b);
    build_schedules(m, &b);
    build_staff(m, s, &b);
    build_blocks(m, s, &b);
    gen_build_free(&b);
    return DG_OK;
}

void dg_gen_model_free(DgGenModel *m)
{
    if (!m)
        return;
    free(m->day_cum);
    free(m->day_lut);
    free(m->day_txt);
    free(m->units);
    free(m->codes);
    free(m->ivs);
    dg_gen_alias_free(&m->unit_alias);
    dg_gen_alias_free(&m->free_alias);
    free(m->pairs);
    free(m->gaps);
    free(m->unit_sorted);
    free(m->code_sorted);
    for (size_t i = 0; i < m->n_strs; i++)
        free(m->strs[i]);
    free(m->strs);
    memset(m, 0, sizeof *m);
}
