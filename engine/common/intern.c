/*
 * String interning.  Strings live in arena blocks that never move (so
 * returned pointers stay valid while the table grows), each entry laid out
 * as [len:4][id:4][bytes][NUL].  A 32-bit reference names an entry: block
 * number in the high 12 bits, offset in the low 20 (a string longer than a
 * block gets a block of its own at offset 0), so a table holds up to about
 * 4 GiB of strings.  The first block is 16 KiB and each next one twice the
 * last, up to 1 MiB: validation keeps 64 shard tables per kind of id, and
 * the staff shards hold a few KiB each — 64 blocks of 1 MiB were 64 MiB
 * reserved for about 1 MiB of ids (untouched pages, but resident where the
 * kernel backs the heap with huge pages; docs/scale.md).
 *
 * The hash table holds 8-byte slots (the low 32 bits of the hash as a tag,
 * the entry reference + 1) with linear probing at load <= 3/4.  Two choices
 * serve the hot loop of validation, which looks up tens of millions of
 * staff and patient ids:
 *  - the slot points at the entry, not at an id, so a hit costs two memory
 *    accesses (slot, string) instead of three (slot, id table, string);
 *  - the slot index is the tag's low bits, so growing the table re-slots
 *    entries from their tags alone, without touching (and missing the cache
 *    on) every string again.
 * The price of deriving the index from the tag is that neighbours share the
 * tag's low bits: a false tag match costs one string comparison, which is
 * rare (1 in 2^(32 - log2 slots) per probe) and never wrong.
 * Memory per distinct string: its bytes + 9, 4 for the id table, 11-21 for
 * slots — which is why record ids, unique per row, do not live here
 * (validate/recids.h).
 */
#include "intern.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_BITS 20
#define BLOCK ((size_t)1 << BLOCK_BITS)
#define BLOCK_FIRST ((size_t)16 << 10)
#define MAX_BLOCKS ((size_t)1 << (32 - BLOCK_BITS))
#define HDR 8 /* len + id */

typedef struct Slot {
    uint32_t tag;  /* (uint32_t)hash */
    uint32_t ref1; /* entry reference + 1; 0 = empty */
} Slot;

struct DgIntern {
    Slot *slots;
    size_t mask;
    uint32_t *refs; /* id -> entry reference */
    size_t n, cap;
    char **blocks;
    size_t n_blocks;
    size_t used, block_cap; /* in the current block */
    size_t bytes;
};

static inline uint64_t mix(uint64_t a, uint64_t b)
{
    DgU128 r = (DgU128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* The last n < 8 bytes at p as a little-endian word with zero high bytes —
 * what memcpy into a zeroed word gives — from two overlapping loads
 * instead of a variable-length copy (a call per id in the hot loop).
 * Overlapping bytes are the same bytes, so OR-ing them is exact. */
static inline uint64_t tail_word(const char *p, size_t n)
{
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    uint64_t w = 0;
    if (n)
        memcpy(&w, p, n);
    return w;
#else
    const unsigned char *u = (const unsigned char *)p;
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, u, 4);
        memcpy(&hi, u + n - 4, 4);
        return (uint64_t)lo | (uint64_t)hi << (8 * (n - 4));
    }
    if (n == 0)
        return 0;
    return (uint64_t)u[0] | (uint64_t)u[n / 2] << (8 * (n / 2)) | (uint64_t)u[n - 1] << (8 * (n - 1));
#endif
}

uint64_t dg_hash_bytes(const char *s, size_t len)
{
    const uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL, k2 = 0x8ebc6af09c88c6e3ULL;
    uint64_t h = k0 ^ (uint64_t)len;
    size_t i = 0;
    while (i + 8 <= len) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = mix(h ^ w, k1);
        i += 8;
    }
    uint64_t w = tail_word(s + i, len - i);
    h = mix(h ^ w ^ k2, k1 ^ (uint64_t)len);
    return mix(h, k2) ^ h;
}

/* s[0..len) == e[0..len), without memcmp for the short ids validation
 * looks up: glibc's memcmp reads up to 32 bytes with one masked vector
 * load, which for an interned string near the end of a cache line waits
 * for the next line too (another entry, rarely cached) — profiles of 20M
 * rows put more time in that load than in the lookup's slot.  These loads
 * stay inside both strings. */
static inline bool same_bytes(const char *a, const char *b, size_t len)
{
    if (len > 16)
        return memcmp(a, b, len) == 0;
    if (len >= 8) {
        uint64_t a0, a1, b0, b1;
        memcpy(&a0, a, 8);
        memcpy(&b0, b, 8);
        memcpy(&a1, a + len - 8, 8);
        memcpy(&b1, b + len - 8, 8);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    return tail_word(a, len) == tail_word(b, len);
}

static inline const char *entry(const DgIntern *t, uint32_t ref)
{
    return t->blocks[ref >> BLOCK_BITS] + (ref & (BLOCK - 1));
}

static inline uint32_t entry_len(const char *e)
{
    uint32_t n;
    memcpy(&n, e, 4);
    return n;
}

static inline uint32_t entry_id(const char *e)
{
    uint32_t id;
    memcpy(&id, e + 4, 4);
    return id;
}

static void slots_alloc(DgIntern *t, size_t n_slots)
{
    size_t bytes = n_slots * sizeof *t->slots;
    t->slots = dg_xcalloc(n_slots, sizeof *t->slots);
    t->mask = n_slots - 1;
    dg_hint_huge(t->slots, bytes);
    /* A big calloc is fresh, unmapped memory.  rehash and the lookups
     * read a slot before writing it, so each page would first be mapped
     * to the shared zero page and then copied on the write — a second
     * fault, and a TLB shootdown to every CPU (profiles of 20M rows: 0.7 s
     * of CPU in rehash).  Mapping the pages writable at once costs one. */
    if (bytes >= ((size_t)256 << 10))
        dg_prefault(t->slots, bytes);
}

DgIntern *dg_intern_new(void)
{
    DgIntern *t = dg_xcalloc(1, sizeof *t);
    slots_alloc(t, 64);
    return t;
}

void dg_intern_free(DgIntern *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_blocks; i++)
        free(t->blocks[i]);
    free(t->blocks);
    free(t->refs);
    free(t->slots);
    free(t);
}

static uint32_t store(DgIntern *t, const char *s, size_t len, uint32_t id)
{
    size_t need = len + HDR + 1;
    if (t->n_blocks == 0 || t->used + need > t->block_cap) {
        if (t->n_blocks == MAX_BLOCKS)
            abort(); /* 4 GiB of distinct ids in one table is not data */
        /* 16 KiB, 32 KiB, ... 1 MiB: the last block's size doubled */
        size_t cap = t->n_blocks == 0 ? BLOCK_FIRST : t->block_cap < BLOCK ? 2 * t->block_cap : BLOCK;
        if (cap > BLOCK)
            cap = BLOCK;
        if (need > cap)
            cap = need > BLOCK ? need : BLOCK;
        t->blocks = dg_xrealloc(t->blocks, (t->n_blocks + 1) * sizeof *t->blocks);
        t->blocks[t->n_blocks++] = dg_xmalloc(cap);
        t->block_cap = cap;
        t->used = 0;
        t->bytes += cap;
    }
    uint32_t ref = (uint32_t)((t->n_blocks - 1) << BLOCK_BITS | t->used);
    char *p = t->blocks[t->n_blocks - 1] + t->used;
    uint32_t n32 = (uint32_t)len;
    memcpy(p, &n32, 4);
    memcpy(p + 4, &id, 4);
    memcpy(p + HDR, s, len);
    p[HDR + len] = 0;
    t->used += need;
    return ref;
}

static void rehash(DgIntern *t, size_t n_slots)
{
    Slot *old = t->slots;
    size_t old_n = t->mask + 1;
    slots_alloc(t, n_slots);
    for (size_t i = 0; i < old_n; i++) {
        if (!old[i].ref1)
            continue;
        size_t j = old[i].tag & t->mask;
        while (t->slots[j].ref1)
            j = (j + 1) & t->mask;
        t->slots[j] = old[i];
    }
    free(old);
}

void dg_intern_reserve(DgIntern *t, size_t n)
{
    if (!t->slots)
        abort(); /* sealed */
    size_t want = t->mask + 1;
    while (n * 4 > want * 3 && want <= (size_t)UINT32_MAX)
        want *= 2;
    if (want > t->mask + 1)
        rehash(t, want);
    if (n > t->cap) {
        t->refs = dg_xrealloc(t->refs, n * sizeof *t->refs);
        t->cap = n;
        dg_hint_huge(t->refs, n * sizeof *t->refs);
    }
}

void dg_intern_prefetch(const DgIntern *t, uint64_t h)
{
    __builtin_prefetch(&t->slots[(uint32_t)h & t->mask]);
}

void dg_intern_prefetch_entry(const DgIntern *t, uint64_t h)
{
    const Slot *sl = &t->slots[(uint32_t)h & t->mask];
    if (sl->ref1 && sl->tag == (uint32_t)h)
        __builtin_prefetch(entry(t, sl->ref1 - 1));
}

void dg_intern_prefetch_entry_len(const DgIntern *t, uint64_t h, size_t len)
{
    const Slot *sl = &t->slots[(uint32_t)h & t->mask];
    if (sl->ref1 && sl->tag == (uint32_t)h) {
        const char *e = entry(t, sl->ref1 - 1);
        __builtin_prefetch(e);
        /* an entry that crosses into the next line needs that line too */
        if (len < 256)
            __builtin_prefetch(e + HDR + len);
    }
}

int64_t dg_intern_find(const DgIntern *t, const char *s, size_t len)
{
    if (!t->slots)
        abort(); /* sealed: a caller bug, see dg_intern_seal */
    uint64_t h = dg_hash_bytes(s, len);
    uint32_t tag = (uint32_t)h;
    size_t j = tag & t->mask;
    while (t->slots[j].ref1) {
        if (t->slots[j].tag == tag) {
            const char *e = entry(t, t->slots[j].ref1 - 1);
            if (entry_len(e) == len && same_bytes(e + HDR, s, len))
                return entry_id(e);
        }
        j = (j + 1) & t->mask;
    }
    return -1;
}

uint32_t dg_intern_add(DgIntern *t, const char *s, size_t len, bool *added)
{
    return dg_intern_add_h(t, s, len, dg_hash_bytes(s, len), added);
}

uint32_t dg_intern_add_h(DgIntern *t, const char *s, size_t len, uint64_t h, bool *added)
{
    if (!t->slots)
        abort(); /* sealed: a caller bug, see dg_intern_seal */
    uint32_t tag = (uint32_t)h;
    size_t j = tag & t->mask;
    while (t->slots[j].ref1) {
        if (t->slots[j].tag == tag) {
            const char *e = entry(t, t->slots[j].ref1 - 1);
            if (entry_len(e) == len && same_bytes(e + HDR, s, len)) {
                if (added)
                    *added = false;
                return entry_id(e);
            }
        }
        j = (j + 1) & t->mask;
    }
    if (len > UINT32_MAX - HDR - 1 || t->n >= UINT32_MAX - 1) {
        /* ids and lengths are 32-bit by design; a 4 GiB field is not data */
        abort();
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->refs = dg_xrealloc(t->refs, t->cap * sizeof *t->refs);
    }
    uint32_t id = (uint32_t)t->n++;
    uint32_t ref = store(t, s, len, id);
    t->refs[id] = ref;
    t->slots[j].tag = tag;
    t->slots[j].ref1 = ref + 1;
    if (t->n * 4 > (t->mask + 1) * 3) {
        if (t->mask + 1 > (size_t)UINT32_MAX)
            abort(); /* the index comes from a 32-bit tag */
        rehash(t, (t->mask + 1) * 2);
    }
    if (added)
        *added = true;
    return id;
}

const char *dg_intern_str(const DgIntern *t, uint32_t id, size_t *len)
{
    const char *e = entry(t, t->refs[id]);
    if (len)
        *len = entry_len(e);
    return e + HDR;
}

size_t dg_intern_count(const DgIntern *t)
{
    return t->n;
}

void dg_intern_seal(DgIntern *t)
{
    free(t->slots);
    t->slots = NULL;
    t->mask = 0;
}

size_t dg_intern_bytes(const DgIntern *t)
{
    return t->bytes + (t->slots ? (t->mask + 1) * sizeof(Slot) : 0) + t->cap * sizeof *t->refs;
}
