/*
 * Authenticity checks (see audit.h for the design).
 *
 * Order of work, as docs/methodology.md (authenticity checks) defines it:
 *   1. over_patient_day    per (unit, patient, code, date), rows in input order;
 *   2. over_patient_period per (unit, patient, code), rows by (date, input
 *      order), counting what the day cap kept, each row judged by the cap
 *      of its own catalog version;
 *   3. staff_overload      per (staff, date) — staff ids are already per
 *      unit — on the quantity both caps kept.
 * Sorting a bucket by (unit, patient, code, date, row) gives the order of
 * both 1 and 2 at once: day groups are runs inside period groups.
 */
#include "dangliang/audit.h"

#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hugemem.h"
#include "common/intern.h"
#include "keysort.h"

#define BUCKETS 256

static const char *const check_names[DG_CHECK_COUNT] = {"over_patient_day", "over_patient_period",
                                                        "staff_overload"};

const char *dg_check_name(DgCheck c)
{
    return (unsigned)c < DG_CHECK_COUNT ? check_names[c] : "unknown";
}

typedef struct FlagList {
    DgFlag *f;
    size_t n, cap;
} FlagList;

static void add_flag(FlagList *l, uint32_t row, DgCheck c, uint32_t excess, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void add_flag(FlagList *l, uint32_t row, DgCheck c, uint32_t excess, const char *fmt, ...)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->f = dg_xrealloc(l->f, l->cap * sizeof *l->f);
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    DgFlag *f = &l->f[l->n++];
    f->row = row;
    f->check = (uint8_t)c;
    f->excess = excess;
    f->appeal = 0; /* DG_APPEAL_NONE until dg_appeals_apply */
    f->appeal_index = 0;
    f->detail = dg_xstrdup(buf);
}

/* "5th", or "3rd to 5th" when a row carries several services. */
static const char *ordinals(uint64_t first, uint64_t last, char *buf, size_t cap)
{
    char a[32], b[32];
    const uint64_t v[2] = {first, last};
    char *o[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        uint64_t n = v[i];
        const char *suf = "th";
        if (n % 100 < 11 || n % 100 > 13) {
            if (n % 10 == 1)
                suf = "st";
            else if (n % 10 == 2)
                suf = "nd";
            else if (n % 10 == 3)
                suf = "rd";
        }
        snprintf(o[i], 32, "%llu%s", (unsigned long long)n, suf);
    }
    if (first == last)
        snprintf(buf, cap, "%s", a);
    else
        snprintf(buf, cap, "%s to %s", a, b);
    return buf;
}

static uint32_t bucket_of(uint64_t key)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (uint32_t)(key % BUCKETS);
}

/* Keys carry everything a bucket's walk needs, so the walk reads no row:
 * on 20M rows every d->rows[row] read is a cache miss, and the first
 * version (sort row numbers, then read the rows) spent most of its time
 * there.  Patient pass: hi = unit (20 bits) | code (12) | patient (32);
 * lo = day - period_from (16) | row (32) | quantity (16) — sorting by lo
 * orders by (day, row), the quantity bits never decide.  Staff pass:
 * hi = staff (32) | day - period_from (32); lo = row (32) | minutes (32),
 * the staff-day's minutes of the row, or MIN_UNKNOWN when the product does
 * not fit and the walk must recompute it from the row. */
#define MIN_UNKNOWN UINT32_MAX

typedef struct Scan {
    const DgScheme *s;
    const DgDataset *d;
    const uint8_t *capped;     /* code has a patient cap in some version */
    const uint16_t *aq;        /* audited quantity so far (staff pass) */
    int pass;                  /* 0 patient caps, 1 staff days */
} Scan;

/* The row's key for the pass, or false when the pass does not look at it. */
static inline bool scan_key(const Scan *x, size_t i, DgAuditKey *k)
{
    const DgRow *r = &x->d->rows[i];
    const DgScheme *s = x->s;
    uint32_t day = (uint32_t)(r->date - s->period_from);
    if (x->pass == 0) {
        uint32_t code = s->catalog[r->crow].code_id;
        if (r->patient == DG_NO_PATIENT || !x->capped[code])
            return false;
        uint32_t unit = dg_row_unit(x->d, r);
        k->hi = (uint64_t)unit << 44 | (uint64_t)code << 32 | r->patient;
        k->lo = (uint64_t)day << 48 | (uint64_t)i << 16 | r->qty;
        return true;
    }
    DgU128 m = (DgU128)x->aq[i] * (uint64_t)s->catalog[r->crow].minutes;
    k->hi = (uint64_t)r->staff << 32 | day;
    k->lo = (uint64_t)i << 32 | (m < MIN_UNKNOWN ? (uint32_t)m : MIN_UNKNOWN);
    return true;
}

static void patient_caps(const DgScheme *s, const DgDataset *d, DgAuditKey *keys, size_t n, uint16_t *aq, FlagList *fl)
{
    dg_keysort_radix(keys, n, 16, 16); /* order: hi, day; then row */
    const DgCatalogRow *cr = NULL; /* in force on the last day group's date */
    size_t g = 0;
    while (g < n) {
        /* period group [g, ge) */
        size_t ge = g + 1;
        while (ge < n && keys[ge].hi == keys[g].hi)
            ge++;
        uint32_t code = (uint32_t)(keys[g].hi >> 32) & 0xFFF, patient = (uint32_t)keys[g].hi;
        uint64_t period_total = 0;
        size_t dg = g;
        while (dg < ge) {
            size_t de = dg + 1;
            while (de < ge && keys[de].lo >> 48 == keys[dg].lo >> 48)
                de++;
            int32_t date = s->period_from + (int32_t)(keys[dg].lo >> 48);
            /* validation stored the row in force on the date: the same
             * lookup, done again only when the last one does not cover it */
            if (!cr || cr->code_id != code || date < cr->valid_from || date > cr->valid_to)
                cr = &s->catalog[dg_scheme_row_at(s, code, date)];
            uint64_t day_total = 0;
            for (size_t i = dg; i < de; i++) {
                uint32_t row = (uint32_t)(keys[i].lo >> 16);
                uint32_t qty = (uint32_t)(keys[i].lo & 0xFFFF);
                char ord[80], day[11];
                /* 1. day cap on the raw quantity */
                uint32_t kept = qty;
                if (cr->max_per_patient_day != DG_NONE) {
                    uint64_t cap = (uint64_t)cr->max_per_patient_day;
                    uint64_t room = day_total >= cap ? 0 : cap - day_total;
                    if (kept > room) {
                        dg_date_format(date, day);
                        add_flag(fl, row, DG_CHECK_OVER_PATIENT_DAY, (uint32_t)(kept - room),
                                 "%s %s of patient %s on %s, day cap %lld",
                                 ordinals(day_total + 1, day_total + qty, ord, sizeof ord), cr->code,
                                 dg_dataset_patient(d, patient), day, (long long)cap);
                        kept = (uint32_t)room;
                    }
                }
                day_total += qty;
                /* 2. period cap on what the day cap kept */
                uint32_t kept2 = kept;
                if (cr->max_per_patient_period != DG_NONE && kept > 0) {
                    uint64_t cap = (uint64_t)cr->max_per_patient_period;
                    uint64_t room = period_total >= cap ? 0 : cap - period_total;
                    if (kept > room) {
                        add_flag(fl, row, DG_CHECK_OVER_PATIENT_PERIOD, (uint32_t)(kept - room),
                                 "%s %s of patient %s in the period, period cap %lld",
                                 ordinals(period_total + 1, period_total + kept, ord, sizeof ord), cr->code,
                                 dg_dataset_patient(d, patient), (long long)cap);
                        kept2 = (uint32_t)room;
                    }
                }
                period_total += kept;
                /* distinct rows: buckets running in parallel never write the same slot */
                if (kept2 != qty)
                    aq[row] = (uint16_t)kept2; /* kept2 <= qty <= 10000 */
            }
            dg = de;
        }
        g = ge;
    }
}

static void staff_days(const DgScheme *s, const DgDataset *d, DgAuditKey *keys, size_t n, uint16_t *aq, FlagList *fl)
{
    dg_keysort_radix(keys, n, 0, 32); /* order: hi; then row */
    uint64_t limit = (uint64_t)s->staff_day_minutes;
    bool exclude = s->staff_policy == DG_STAFF_EXCLUDE;
    size_t g = 0;
    while (g < n) {
        size_t ge = g + 1;
        while (ge < n && keys[ge].hi == keys[g].hi)
            ge++;
        DgU128 minutes = 0;
        for (size_t i = g; i < ge; i++) {
            uint32_t m = (uint32_t)keys[i].lo;
            if (m != MIN_UNKNOWN) {
                minutes += m;
            } else {
                uint32_t row = (uint32_t)(keys[i].lo >> 32);
                minutes += (DgU128)aq[row] * (uint64_t)s->catalog[d->rows[row].crow].minutes;
            }
        }
        if (minutes > limit) {
            char day[11], mb[48];
            uint32_t staff = (uint32_t)(keys[g].hi >> 32);
            dg_date_format(s->period_from + (int32_t)(uint32_t)keys[g].hi, day);
            dg_decimal_format_u128(minutes, 0, 0, mb);
            for (size_t i = g; i < ge; i++) {
                uint32_t row = (uint32_t)(keys[i].lo >> 32);
                uint32_t ex = exclude ? aq[row] : 0;
                add_flag(fl, row, DG_CHECK_STAFF_OVERLOAD, ex,
                         "staff %s on %s: %s minutes of services, limit %llu (%s)", dg_dataset_staff(d, staff),
                         day, mb, (unsigned long long)limit, exclude ? "excluded" : "kept for review");
                if (exclude)
                    aq[row] = 0;
            }
        }
        g = ge;
    }
}

/* Row ranges of the scans: a fixed number, so the layout of the keys (and
 * anything else) never depends on the thread count. */
#define SCAN_CHUNKS 64
/* Buckets are keyed in this many rounds, each keeping the keys of its share
 * of the buckets: the keys then take 16 bytes per subject row / ROUNDS
 * instead of 16 (4 rounds keep a 20M-row run under 1 GiB).  A round is the
 * buckets whose top ROUND_BITS bits are its number. */
#define ROUNDS 4
#define ROUND_BITS 2
_Static_assert(BUCKETS == 256 && ROUNDS == 1 << ROUND_BITS, "a round is the buckets of one top-bits value");
/* How many rows ahead a round asks for the rows it will read. */
#define PREFETCH_ROWS 256

/* Where the rows of each pass go: count[pass][chunk][bucket] keys, and each
 * row's bucket byte bk[pass][row].  Rows the patient pass does not look at
 * note any byte (their row number's low byte, spreading them over the
 * rounds); the round rejects them when it builds their key. */
typedef struct Deal {
    uint32_t (*count[2])[BUCKETS];
    uint8_t *bk[2];
    size_t most; /* the most keys of any round of either pass */
} Deal;

/* One scan of the rows for both passes (the staff pass's bucket depends on
 * the staff number only, not on what the patient pass decides). */
static void deal(const Scan *x, bool staff_pass, Deal *dl)
{
    size_t n = x->d->n_rows;
    const DgDataset *d = x->d;
    const DgScheme *s = x->s;
    for (int p = 0; p < 1 + staff_pass; p++) {
        dl->count[p] = dg_xcalloc(SCAN_CHUNKS, sizeof *dl->count[p]);
        dl->bk[p] = dg_xmalloc(n ? n : 1);
    }
#pragma omp parallel for schedule(static)
    for (int c = 0; c < SCAN_CHUNKS; c++) {
        size_t lo = n * (size_t)c / SCAN_CHUNKS, hi = n * (size_t)(c + 1) / SCAN_CHUNKS;
        uint32_t *c0 = dl->count[0][c];
        uint8_t *b0 = dl->bk[0];
        for (size_t i = lo; i < hi; i++) {
            const DgRow *r = &d->rows[i];
            if (r->patient == DG_NO_PATIENT || !x->capped[s->catalog[r->crow].code_id]) {
                b0[i] = (uint8_t)i;
            } else {
                uint32_t b = bucket_of((uint64_t)dg_row_unit(d, r) << 32 | r->patient);
                c0[b]++;
                b0[i] = (uint8_t)b;
            }
            if (staff_pass) {
                uint32_t b = bucket_of(r->staff);
                dl->count[1][c][b]++;
                dl->bk[1][i] = (uint8_t)b;
            }
        }
    }
    dl->most = 0;
    for (int p = 0; p < 1 + staff_pass; p++) {
        size_t per_round[ROUNDS] = {0};
        for (int b = 0; b < BUCKETS; b++)
            for (int c = 0; c < SCAN_CHUNKS; c++)
                per_round[b * ROUNDS / BUCKETS] += dl->count[p][c][b];
        for (int r = 0; r < ROUNDS; r++)
            dl->most = per_round[r] > dl->most ? per_round[r] : dl->most;
    }
}

/* 8 bucket bytes, p[j] in bits 8j..8j+7 whatever the machine's order. */
static inline uint64_t load8(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* Bit 7 of byte j set when bucket byte p[j] belongs to the round whose
 * number `want` holds in the top bits of every byte. */
static inline uint64_t in_round8(const uint8_t *p, uint64_t want)
{
    uint64_t t = (load8(p) ^ want) & 0xC0C0C0C0C0C0C0C0ULL; /* the top bits that differ */
    t |= t << 1; /* either reaches bit 7 of its byte */
    return ~t & 0x8080808080808080ULL;
}

/* One pass over the dealt rows: per round, scatter the round's keys into
 * bucket-major arrays (parallel over chunks) and walk the round's buckets
 * in parallel.  A round finds its rows in the bucket bytes eight at a time
 * and builds only their keys: building every row's key in every round was
 * most of the stage. */
static void run_pass(const Scan *x, const Deal *dl, DgAuditKey *keys, uint16_t *aq, FlagList *lists)
{
    size_t n = x->d->n_rows;
    uint32_t(*count)[BUCKETS] = dl->count[x->pass];
    const uint8_t *bk = dl->bk[x->pass];
    const DgRow *rows = x->d->rows;
    uint32_t(*pos)[BUCKETS] = dg_xcalloc(SCAN_CHUNKS, sizeof *pos);
    size_t first[BUCKETS + 1];
    for (int r = 0; r < ROUNDS; r++) {
        int b0 = r * BUCKETS / ROUNDS, b1 = (r + 1) * BUCKETS / ROUNDS;
        size_t at = 0;
        for (int b = b0; b < b1; b++) {
            first[b] = at;
            for (int c = 0; c < SCAN_CHUNKS; c++) {
                pos[c][b] = (uint32_t)at;
                at += count[c][b];
            }
        }
        first[b1] = at;
        const uint64_t want = ~(uint64_t)0 / 255 * ((uint64_t)r << (8 - ROUND_BITS));
#pragma omp parallel for schedule(static)
        for (int c = 0; c < SCAN_CHUNKS; c++) {
            size_t lo = n * (size_t)c / SCAN_CHUNKS, hi = n * (size_t)(c + 1) / SCAN_CHUNKS;
            uint32_t *p = pos[c];
            size_t i = lo;
            for (; i + 8 <= hi; i += 8) {
                /* a round reads a quarter of the rows, too sparse for the
                 * hardware prefetcher to follow: ask for them ahead */
                if (i + PREFETCH_ROWS + 8 <= n) {
                    __builtin_prefetch(&rows[i + PREFETCH_ROWS]);
                    __builtin_prefetch(&rows[i + PREFETCH_ROWS + 4]);
                    __builtin_prefetch(&rows[i + PREFETCH_ROWS + 7]);
                }
                for (uint64_t m = in_round8(bk + i, want); m; m &= m - 1) {
                    size_t j = i + ((unsigned)__builtin_ctzll(m) >> 3);
                    DgAuditKey k;
                    if (scan_key(x, j, &k))
                        keys[p[bk[j]]++] = k;
                }
            }
            for (; i < hi; i++) {
                DgAuditKey k;
                if (bk[i] >> (8 - ROUND_BITS) == r && scan_key(x, i, &k))
                    keys[p[bk[i]]++] = k;
            }
        }
#pragma omp parallel for schedule(dynamic, 1)
        for (int b = b0; b < b1; b++) {
            if (first[b + 1] == first[b])
                continue;
            if (x->pass == 0)
                patient_caps(x->s, x->d, keys + first[b], first[b + 1] - first[b], aq, &lists[b]);
            else
                staff_days(x->s, x->d, keys + first[b], first[b + 1] - first[b], aq, &lists[b]);
        }
    }
    free(pos);
}

/* The buckets' flags in (row, check) order — a row has at most one flag of
 * each check, so the order is total.  Sorted as (row, check) keys with the
 * flag's place as the tie-breaking "row" of keysort.h's radix sort: a
 * comparison sort of the 32-byte flags was a serial tenth of a second on
 * 20M rows. */
static void sorted_flags(FlagList *lists, DgAudit *a)
{
    size_t total = 0;
    for (int b = 0; b < BUCKETS; b++)
        total += lists[b].n;
    DgFlag *all = dg_xmalloc((total ? total : 1) * sizeof *all);
    DgAuditKey *order = dg_xmalloc((total ? total : 1) * sizeof *order);
    size_t at = 0;
    for (int b = 0; b < BUCKETS; b++) {
        for (size_t i = 0; i < lists[b].n; i++, at++) {
            all[at] = lists[b].f[i];
            order[at].hi = (uint64_t)all[at].row << 2 | all[at].check;
            order[at].lo = at;
        }
        free(lists[b].f);
    }
    dg_keysort_radix(order, total, 0, 0);
    a->flags = dg_xmalloc((total ? total : 1) * sizeof *a->flags);
    for (size_t i = 0; i < total; i++)
        a->flags[i] = all[order[i].lo];
    a->n_flags = total;
    free(order);
    free(all);
}

DgStatus dg_audit_rows(const DgScheme *s, const DgDataset *d, DgAudit **out, DgError *err)
{
    size_t n = d->n_rows;
    if (s->n_units >= (1u << 20) || s->n_codes >= (1u << 12))
        return dg_error_set(err, DG_E_CONFIG, s->path, 0, 0,
                            "the checks support at most 1048575 units and 4095 item codes (this scheme has %zu and %zu)",
                            s->n_units, s->n_codes);
    if ((int64_t)s->period_to - s->period_from >= 65535)
        return dg_error_set(err, DG_E_CONFIG, s->path, 0, 0,
                            "the checks support periods of at most 65535 days; split the period");
    if (n >= UINT32_MAX)
        return dg_error_set(err, DG_E_CONFIG, NULL, 0, 0,
                            "%zu accepted rows is more than one run can check (at most 4294967294); split the period",
                            n);
    DgAudit *a = dg_xcalloc(1, sizeof *a);
    a->audited_qty = dg_xcalloc(n ? n : 1, sizeof *a->audited_qty);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        a->audited_qty[i] = d->rows[i].qty;

    /* which codes have a cap in any version */
    uint8_t *capped = dg_xcalloc(s->n_codes + 1, 1);
    for (size_t c = 0; c < s->n_catalog; c++)
        if (s->catalog[c].max_per_patient_day != DG_NONE || s->catalog[c].max_per_patient_period != DG_NONE)
            capped[s->catalog[c].code_id] = 1;

    FlagList lists[BUCKETS];
    memset(lists, 0, sizeof lists);
    Scan x = {.s = s, .d = d, .capped = capped, .aq = a->audited_qty, .pass = 0};
    bool staff_pass = s->staff_day_minutes != DG_NONE;
    Deal dl = {0};
    deal(&x, staff_pass, &dl);
    /* one array for the keys of every round of both passes: its pages are
     * faulted in once */
    DgAuditKey *keys = dg_xmalloc((dl.most ? dl.most : 1) * sizeof *keys);
    dg_hint_huge(keys, dl.most * sizeof *keys);
    run_pass(&x, &dl, keys, a->audited_qty, lists);
    free(dl.count[0]); /* the staff pass runs at the run's peak of memory */
    free(dl.bk[0]);
    dl.count[0] = NULL;
    dl.bk[0] = NULL;
    if (staff_pass) {
        x.pass = 1;
        run_pass(&x, &dl, keys, a->audited_qty, lists);
    }
    free(keys);
    for (int p = 0; p < 2; p++) {
        free(dl.count[p]);
        free(dl.bk[p]);
    }
    free(capped);

    sorted_flags(lists, a);
    for (size_t i = 0; i < a->n_flags; i++) {
        a->flags_by_check[a->flags[i].check]++;
        a->excess_by_check[a->flags[i].check] += a->flags[i].excess;
        if (i == 0 || a->flags[i].row != a->flags[i - 1].row)
            a->rows_flagged++;
    }
    *out = a;
    return DG_OK;
}

void dg_audit_free(DgAudit *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n_flags; i++)
        free(a->flags[i].detail);
    free(a->flags);
    free(a->audited_qty);
    free(a);
}
