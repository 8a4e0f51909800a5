/*
 * Record-id store and duplicate search; see recids.h for the design.
 *
 * The search is two passes so that the expensive part never touches the
 * strings:
 *  1. per partition (1024 of them, ~20k keys each at 20M rows, so the work
 *     stays in L2), a small open-addressing set finds the keys seen twice;
 *  2. if any, the ids are walked in input order in a fixed number of
 *     segments, rehashed (hashing ~10 bytes is cheaper than keeping an
 *     8-byte hash per id, which would cost 160 MB at 20M rows), and those
 *     whose key is among the repeated ones are compared as strings in one
 *     serial pass (first occurrence wins).
 * Both passes split work in units that do not depend on the thread count
 * and combine results in a fixed order, so the answer is the same for any
 * number of threads.
 */
#include "recids.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "common/intern.h"

#define PART_BITS 10
#define PARTS (1u << PART_BITS)
#define STRIDE 64 /* ids between two remembered offsets */
#define SEGMENTS 64

typedef struct KeyVec {
    uint32_t *v;
    size_t n, cap;
} KeyVec;

struct DgRecIds {
    uint64_t keymask;
    char *bytes;
    uint64_t cap_bytes;
    uint64_t *marks; /* byte offset of id k * STRIDE */
    uint64_t cap_marks;
    uint64_t n;
    KeyVec part[PARTS];
};

DgRecIds *dg_recids_new(uint64_t keymask)
{
    DgRecIds *r = dg_xcalloc(1, sizeof *r);
    /* the partition is the top 10 bits, and only the low 32 are stored */
    r->keymask = (keymask | 0xFFC0000000000000ULL) & 0xFFC00000FFFFFFFFULL;
    return r;
}

void dg_recids_free(DgRecIds *r)
{
    if (!r)
        return;
    free(r->bytes);
    free(r->marks);
    for (uint32_t p = 0; p < PARTS; p++)
        free(r->part[p].v);
    free(r);
}

static void grow_bytes(DgRecIds *r, uint64_t need)
{
    if (need <= r->cap_bytes)
        return;
    uint64_t cap = r->cap_bytes * 2 > need ? r->cap_bytes * 2 : need;
    r->bytes = dg_xrealloc(r->bytes, cap);
    r->cap_bytes = cap; /* no huge-page hint: written and read in order (hugemem.h) */
}

static void grow_marks(DgRecIds *r, uint64_t n_ids)
{
    uint64_t need = n_ids / STRIDE + 1;
    if (need <= r->cap_marks)
        return;
    uint64_t cap = r->cap_marks * 2 > need ? r->cap_marks * 2 : need;
    r->marks = dg_xrealloc(r->marks, cap * sizeof *r->marks);
    r->cap_marks = cap;
}

void dg_recids_reserve(DgRecIds *r, uint64_t n, uint64_t bytes)
{
    grow_bytes(r, bytes);
    grow_marks(r, n);
    size_t per = (size_t)(n / PARTS + n / PARTS / 8 + 16);
    for (uint32_t p = 0; p < PARTS; p++)
        if (r->part[p].cap < per) {
            r->part[p].v = dg_xrealloc(r->part[p].v, per * sizeof *r->part[p].v);
            r->part[p].cap = per;
        }
}

void dg_recids_grow(DgRecIds *r, uint64_t n, uint64_t bytes)
{
    grow_bytes(r, bytes);
    grow_marks(r, n);
}

char *dg_recids_area(DgRecIds *r, uint64_t *room)
{
    *room = r->cap_bytes;
    return r->bytes;
}

uint64_t dg_recids_put(DgRecIds *r, uint64_t i, uint64_t off, const char *s, size_t len)
{
    if (i % STRIDE == 0)
        r->marks[i / STRIDE] = off;
    unsigned char *o = (unsigned char *)r->bytes + off;
    if (len < 255) {
        *o++ = (unsigned char)len;
    } else {
        uint32_t l32 = (uint32_t)len;
        *o++ = 255;
        memcpy(o, &l32, 4);
        o += 4;
    }
    memcpy(o, s, len);
    o[len] = 0;
    return off + dg_recids_entry_size(len);
}

void dg_recids_set_count(DgRecIds *r, uint64_t n)
{
    r->n = n;
}

void dg_recids_add_hash(DgRecIds *r, uint64_t h)
{
    uint64_t k = h & r->keymask;
    KeyVec *v = &r->part[k >> (64 - PART_BITS)];
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 256;
        v->v = dg_xrealloc(v->v, v->cap * sizeof *v->v);
    }
    v->v[v->n++] = (uint32_t)k;
}

/* Entry at byte offset off: its bytes and length; returns the next offset. */
static inline uint64_t entry_at(const DgRecIds *r, uint64_t off, const char **s, size_t *len)
{
    const unsigned char *o = (const unsigned char *)r->bytes + off;
    size_t l = *o++;
    if (l == 255) {
        uint32_t l32;
        memcpy(&l32, o, 4);
        o += 4;
        l = l32;
    }
    *s = (const char *)o;
    *len = l;
    return off + dg_recids_entry_size(l);
}

static uint64_t offset_of(const DgRecIds *r, uint64_t i)
{
    uint64_t off = r->marks[i / STRIDE];
    const char *s;
    size_t len;
    for (uint64_t k = i - i % STRIDE; k < i; k++)
        off = entry_at(r, off, &s, &len);
    return off;
}

const char *dg_recids_str(const DgRecIds *r, uint64_t i, size_t *len)
{
    const char *s;
    size_t l;
    entry_at(r, offset_of(r, i), &s, &l);
    if (len)
        *len = l;
    return s;
}

/* ---- pass 1: keys seen twice ------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Repeated keys of one partition, appended to out (unsorted, maybe twice).
 * tab is scratch of at least 2 * n slots rounded up to a power of two. */
static void repeated_keys(const KeyVec *v, uint32_t part, uint32_t *tab, size_t tab_n, uint64_t **out,
                          size_t *n_out, size_t *cap_out)
{
    size_t mask = tab_n - 1;
    memset(tab, 0, tab_n * sizeof *tab);
    size_t zeros = 0;
    for (size_t i = 0; i < v->n; i++) {
        uint32_t k = v->v[i];
        bool again = false;
        if (k == 0) {
            again = ++zeros == 2; /* 0 marks an empty slot */
        } else {
            size_t s = k & mask;
            while (tab[s] != 0 && tab[s] != k)
                s = (s + 1) & mask;
            again = tab[s] == k;
            tab[s] = k;
        }
        if (!again)
            continue;
        if (*n_out == *cap_out) {
            *cap_out = *cap_out ? *cap_out * 2 : 64;
            *out = dg_xrealloc(*out, *cap_out * sizeof **out);
        }
        (*out)[(*n_out)++] = (uint64_t)part << (64 - PART_BITS) | k;
    }
}

/* Sorted, distinct keys that occur more than once. */
static size_t find_repeated(DgRecIds *r, int threads, uint64_t **keys)
{
    uint64_t *outs[PARTS] = {0};
    size_t n_outs[PARTS] = {0};
#pragma omp parallel num_threads(threads)
    {
        uint32_t *tab = NULL;
        size_t tab_cap = 0;
#pragma omp for schedule(dynamic, 8)
        for (uint32_t p = 0; p < PARTS; p++) {
            const KeyVec *v = &r->part[p];
            if (v->n < 2)
                continue;
            size_t t = 64;
            while (t < 2 * v->n)
                t *= 2;
            if (t > tab_cap) {
                free(tab);
                tab = dg_xmalloc(t * sizeof *tab);
                tab_cap = t;
            }
            size_t cap = 0;
            repeated_keys(v, p, tab, t, &outs[p], &n_outs[p], &cap);
        }
        free(tab);
    }
    size_t total = 0;
    for (uint32_t p = 0; p < PARTS; p++)
        total += n_outs[p];
    uint64_t *all = total ? dg_xmalloc(total * sizeof *all) : NULL;
    size_t n = 0;
    for (uint32_t p = 0; p < PARTS; p++) {
        if (n_outs[p])
            memcpy(all + n, outs[p], n_outs[p] * sizeof *all);
        n += n_outs[p];
        free(outs[p]);
        free(r->part[p].v);
        r->part[p] = (KeyVec){0};
    }
    if (n > 1)
        qsort(all, n, sizeof *all, cmp_u64);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || all[w - 1] != all[i])
            all[w++] = all[i];
    *keys = all;
    return w;
}

/* ---- pass 2: compare the ids behind repeated keys ------------------------- */

typedef struct Match {
    uint64_t id, h, off;
} Match;

typedef struct MatchVec {
    Match *m;
    size_t n, cap;
} MatchVec;

static bool key_in(const uint64_t *keys, size_t n, uint64_t k)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && keys[lo] == k;
}

#define FILTER_BITS 20

size_t dg_recids_dups(DgRecIds *r, int threads, uint32_t **dup, uint32_t **first)
{
    *dup = *first = NULL;
    if (threads <= 0)
        threads = omp_get_max_threads();
    uint64_t *keys = NULL;
    size_t n_keys = find_repeated(r, threads, &keys);
    if (n_keys == 0) {
        free(keys);
        return 0;
    }
    /* a bitmap of the keys' low bits turns most non-matches away with one
     * cached load instead of a binary search */
    uint64_t *filter = dg_xcalloc((1u << FILTER_BITS) / 64, sizeof *filter);
    for (size_t i = 0; i < n_keys; i++) {
        uint32_t b = (uint32_t)keys[i] & ((1u << FILTER_BITS) - 1);
        filter[b / 64] |= 1ULL << (b % 64);
    }
    MatchVec seg[SEGMENTS] = {{0}};
    uint64_t n = r->n;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (uint32_t sgi = 0; sgi < SEGMENTS; sgi++) {
        uint64_t lo = n * sgi / SEGMENTS / STRIDE * STRIDE;
        uint64_t hi = sgi + 1 == SEGMENTS ? n : n * (sgi + 1) / SEGMENTS / STRIDE * STRIDE;
        if (lo >= hi)
            continue;
        uint64_t off = r->marks[lo / STRIDE];
        MatchVec *mv = &seg[sgi];
        for (uint64_t i = lo; i < hi; i++) {
            const char *s;
            size_t len;
            uint64_t here = off;
            off = entry_at(r, off, &s, &len);
            uint64_t h = dg_hash_bytes(s, len);
            uint64_t k = h & r->keymask;
            uint32_t b = (uint32_t)k & ((1u << FILTER_BITS) - 1);
            if (!(filter[b / 64] >> (b % 64) & 1) || !key_in(keys, n_keys, k))
                continue;
            if (mv->n == mv->cap) {
                mv->cap = mv->cap ? mv->cap * 2 : 64;
                mv->m = dg_xrealloc(mv->m, mv->cap * sizeof *mv->m);
            }
            mv->m[mv->n++] = (Match){i, h, here};
        }
    }
    free(filter);
    free(keys);

    /* serial, in input order: the first id with given bytes is the original */
    size_t total = 0;
    for (uint32_t sgi = 0; sgi < SEGMENTS; sgi++)
        total += seg[sgi].n;
    size_t tn = 16;
    while (tn < 2 * total)
        tn *= 2;
    Match **tab = dg_xcalloc(tn, sizeof *tab);
    uint32_t *d = dg_xmalloc(total * sizeof *d), *f = dg_xmalloc(total * sizeof *f);
    size_t nd = 0;
    for (uint32_t sgi = 0; sgi < SEGMENTS; sgi++) {
        for (size_t j = 0; j < seg[sgi].n; j++) {
            Match *m = &seg[sgi].m[j];
            size_t len;
            const char *s;
            entry_at(r, m->off, &s, &len);
            size_t slot = (size_t)m->h & (tn - 1);
            for (;; slot = (slot + 1) & (tn - 1)) {
                Match *o = tab[slot];
                if (!o) {
                    tab[slot] = m;
                    break;
                }
                size_t olen;
                const char *os;
                if (o->h != m->h)
                    continue;
                entry_at(r, o->off, &os, &olen);
                if (olen == len && memcmp(os, s, len) == 0) {
                    d[nd] = (uint32_t)m->id;
                    f[nd] = (uint32_t)o->id;
                    nd++;
                    break;
                }
            }
        }
    }
    free(tab);
    for (uint32_t sgi = 0; sgi < SEGMENTS; sgi++)
        free(seg[sgi].m);
    if (nd == 0) {
        free(d);
        free(f);
        return 0;
    }
    *dup = d;
    *first = f;
    return nd;
}
