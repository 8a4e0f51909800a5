/*
 * Authenticity checks (see audit.h for the design).
 *
 * Order of work, as SPEC §3.2 defines it:
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

#include "common/intern.h"

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

/* Sort keys: the group key packed into `hi`, (date, row) into `lo`; the
 * row number makes every key distinct, so the order is total. */
typedef struct Key {
    uint64_t hi, lo;
} Key;

static inline bool key_lt(const Key *a, const Key *b)
{
    return a->hi < b->hi || (a->hi == b->hi && a->lo < b->lo);
}

static inline uint32_t key_row(const Key *k)
{
    return (uint32_t)k->lo;
}

static inline int32_t key_date(const Key *k)
{
    return (int32_t)((uint32_t)(k->lo >> 32) + (uint32_t)INT32_MIN); /* wraps back: GCC converts modulo 2^32 */
}

static inline uint64_t lo_of(int32_t date, uint32_t row)
{
    return (uint64_t)((uint32_t)date - (uint32_t)INT32_MIN) << 32 | row;
}

/* Quicksort (median of three, insertion sort for short runs, recursion on
 * the smaller side): glibc's qsort copies elements through memcpy and an
 * indirect comparison, several times slower on millions of 16-byte keys. */
static void key_sort(Key *a, size_t n)
{
    while (n > 24) {
        size_t m = n / 2;
        Key *x = &a[0], *y = &a[m], *z = &a[n - 1];
        Key piv = key_lt(x, y) ? (key_lt(y, z) ? *y : key_lt(x, z) ? *z : *x)
                               : (key_lt(x, z) ? *x : key_lt(y, z) ? *z : *y);
        size_t i = 0, j = n - 1;
        for (;;) {
            while (key_lt(&a[i], &piv))
                i++;
            while (key_lt(&piv, &a[j]))
                j--;
            if (i >= j)
                break;
            Key t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        size_t left = j + 1;
        if (left < n - left) {
            key_sort(a, left);
            a += left;
            n -= left;
        } else {
            key_sort(a + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        Key t = a[i];
        size_t j = i;
        while (j > 0 && key_lt(&t, &a[j - 1])) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = t;
    }
}

static uint32_t bucket_of(uint64_t key)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (uint32_t)(key % BUCKETS);
}

/* Deal row numbers into buckets (counting sort): order[] holds the rows of
 * bucket b at first[b] .. first[b+1], each run in row order. */
static void deal(const uint8_t *bucket, size_t n, uint32_t *first, uint32_t *order)
{
    memset(first, 0, (BUCKETS + 1) * sizeof *first);
    for (size_t i = 0; i < n; i++)
        first[bucket[i] + 1]++;
    for (int b = 0; b < BUCKETS; b++)
        first[b + 1] += first[b];
    uint32_t *pos = dg_xcalloc(BUCKETS, sizeof *pos);
    memcpy(pos, first, BUCKETS * sizeof *pos);
    for (size_t i = 0; i < n; i++)
        order[pos[bucket[i]]++] = (uint32_t)i;
    free(pos);
}

static void patient_caps(const DgScheme *s, const DgDataset *d, const uint32_t *rows, size_t n, uint32_t *aq,
                         FlagList *fl, Key *keys)
{
    if (n == 0)
        return;
    /* hi = unit (20 bits) | code (12 bits) | patient (32 bits); the caller
     * checked the ranges */
    for (size_t i = 0; i < n; i++) {
        const DgRow *r = &d->rows[rows[i]];
        keys[i].hi = (uint64_t)r->unit << 44 | (uint64_t)s->catalog[r->crow].code_id << 32 | r->patient;
        keys[i].lo = lo_of(r->date, rows[i]);
    }
    key_sort(keys, n);
    size_t g = 0;
    while (g < n) {
        /* period group [g, ge) */
        size_t ge = g + 1;
        while (ge < n && keys[ge].hi == keys[g].hi)
            ge++;
        uint64_t period_total = 0;
        size_t dg = g;
        while (dg < ge) {
            size_t de = dg + 1;
            while (de < ge && keys[de].lo >> 32 == keys[dg].lo >> 32)
                de++;
            uint64_t day_total = 0;
            for (size_t i = dg; i < de; i++) {
                uint32_t row = key_row(&keys[i]);
                const DgRow *r = &d->rows[row];
                const DgCatalogRow *cr = &s->catalog[r->crow];
                char ord[80], day[11];
                /* 1. day cap on the raw quantity */
                uint32_t kept = r->qty;
                if (cr->max_per_patient_day != DG_NONE) {
                    uint64_t cap = (uint64_t)cr->max_per_patient_day;
                    uint64_t room = day_total >= cap ? 0 : cap - day_total;
                    if (kept > room) {
                        dg_date_format(r->date, day);
                        add_flag(fl, row, DG_CHECK_OVER_PATIENT_DAY, (uint32_t)(kept - room),
                                 "%s %s of patient %s on %s, day cap %lld",
                                 ordinals(day_total + 1, day_total + r->qty, ord, sizeof ord), cr->code,
                                 dg_dataset_patient(d, r->patient), day, (long long)cap);
                        kept = (uint32_t)room;
                    }
                }
                day_total += r->qty;
                /* 2. period cap on what the day cap kept */
                uint32_t kept2 = kept;
                if (cr->max_per_patient_period != DG_NONE && kept > 0) {
                    uint64_t cap = (uint64_t)cr->max_per_patient_period;
                    uint64_t room = period_total >= cap ? 0 : cap - period_total;
                    if (kept > room) {
                        add_flag(fl, row, DG_CHECK_OVER_PATIENT_PERIOD, (uint32_t)(kept - room),
                                 "%s %s of patient %s in the period, period cap %lld",
                                 ordinals(period_total + 1, period_total + kept, ord, sizeof ord), cr->code,
                                 dg_dataset_patient(d, r->patient), (long long)cap);
                        kept2 = (uint32_t)room;
                    }
                }
                period_total += kept;
                aq[row] = kept2;
            }
            dg = de;
        }
        g = ge;
    }
}

static void staff_days(const DgScheme *s, const DgDataset *d, const uint32_t *rows, size_t n, uint32_t *aq,
                       FlagList *fl, Key *keys)
{
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        const DgRow *r = &d->rows[rows[i]];
        keys[i].hi = r->staff;
        keys[i].lo = lo_of(r->date, rows[i]);
    }
    key_sort(keys, n);
    uint64_t limit = (uint64_t)s->staff_day_minutes;
    bool exclude = s->staff_policy == DG_STAFF_EXCLUDE;
    size_t g = 0;
    while (g < n) {
        size_t ge = g + 1;
        while (ge < n && keys[ge].hi == keys[g].hi && keys[ge].lo >> 32 == keys[g].lo >> 32)
            ge++;
        DgU128 minutes = 0;
        for (size_t i = g; i < ge; i++) {
            uint32_t row = key_row(&keys[i]);
            minutes += (DgU128)aq[row] * (uint64_t)s->catalog[d->rows[row].crow].minutes;
        }
        if (minutes > limit) {
            char day[11], mb[48];
            dg_date_format(key_date(&keys[g]), day);
            dg_decimal_format_u128(minutes, 0, 0, mb);
            for (size_t i = g; i < ge; i++) {
                uint32_t row = key_row(&keys[i]);
                uint32_t ex = exclude ? aq[row] : 0;
                add_flag(fl, row, DG_CHECK_STAFF_OVERLOAD, ex,
                         "staff %s on %s: %s minutes of services, limit %llu (%s)",
                         dg_dataset_staff(d, d->rows[row].staff), day, mb, (unsigned long long)limit,
                         exclude ? "excluded" : "kept for review");
                if (exclude)
                    aq[row] = 0;
            }
        }
        g = ge;
    }
}

static int flag_cmp(const void *x, const void *y)
{
    const DgFlag *a = x, *b = y;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    return (int)a->check - (int)b->check;
}

DgStatus dg_audit_rows(const DgScheme *s, const DgDataset *d, DgAudit **out, DgError *err)
{
    size_t n = d->n_rows;
    if (s->n_units >= (1u << 20) || s->n_codes >= (1u << 12))
        return dg_error_set(err, DG_E_CONFIG, s->path, 0, 0,
                            "the checks support at most 1048575 units and 4095 item codes (this scheme has %zu and %zu)",
                            s->n_units, s->n_codes);
    if (n >= UINT32_MAX)
        return dg_error_set(err, DG_E_CONFIG, NULL, 0, 0,
                            "%zu accepted rows is more than one run can check (at most 4294967294); split the period",
                            n);
    DgAudit *a = dg_xcalloc(1, sizeof *a);
    a->audited_qty = dg_xcalloc(n ? n : 1, sizeof *a->audited_qty);
    for (size_t i = 0; i < n; i++)
        a->audited_qty[i] = d->rows[i].qty;

    /* which codes have a cap in any version */
    uint8_t *capped = dg_xcalloc(s->n_codes + 1, 1);
    for (size_t c = 0; c < s->n_catalog; c++)
        if (s->catalog[c].max_per_patient_day != DG_NONE || s->catalog[c].max_per_patient_period != DG_NONE)
            capped[s->catalog[c].code_id] = 1;

    uint8_t *sb = dg_xmalloc(n ? n : 1);
    uint32_t *subj = dg_xcalloc(n ? n : 1, sizeof *subj);
    uint32_t *order = dg_xcalloc(n ? n : 1, sizeof *order);
    uint32_t first[BUCKETS + 1];
    FlagList lists[BUCKETS];
    memset(lists, 0, sizeof lists);

    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && s->staff_day_minutes == DG_NONE)
            break;
        /* rows subject to this pass, with their bucket */
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            const DgRow *r = &d->rows[i];
            if (pass == 0 && (r->patient == DG_NO_PATIENT || !capped[s->catalog[r->crow].code_id]))
                continue;
            uint64_t key = pass == 0 ? ((uint64_t)r->unit << 32 | r->patient) : r->staff;
            subj[m] = (uint32_t)i;
            sb[m] = (uint8_t)bucket_of(key);
            m++;
        }
        deal(sb, m, first, order);
        for (size_t i = 0; i < m; i++)
            order[i] = subj[order[i]];
#pragma omp parallel
        {
            void *keys = NULL;
            size_t kcap = 0;
#pragma omp for schedule(dynamic, 1)
            for (int b = 0; b < BUCKETS; b++) {
                size_t cnt = first[b + 1] - first[b];
                size_t need = cnt * sizeof(Key);
                if (need > kcap) {
                    free(keys);
                    kcap = need;
                    keys = dg_xmalloc(kcap);
                }
                if (pass == 0)
                    patient_caps(s, d, order + first[b], cnt, a->audited_qty, &lists[b], keys);
                else
                    staff_days(s, d, order + first[b], cnt, a->audited_qty, &lists[b], keys);
            }
            free(keys);
        }
    }
    free(sb);
    free(subj);
    free(order);
    free(capped);

    size_t total = 0;
    for (int b = 0; b < BUCKETS; b++)
        total += lists[b].n;
    a->flags = dg_xcalloc(total ? total : 1, sizeof *a->flags);
    for (int b = 0; b < BUCKETS; b++) {
        if (lists[b].n)
            memcpy(a->flags + a->n_flags, lists[b].f, lists[b].n * sizeof *lists[b].f);
        a->n_flags += lists[b].n;
        free(lists[b].f);
    }
    qsort(a->flags, a->n_flags, sizeof *a->flags, flag_cmp);
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
