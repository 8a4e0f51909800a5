/*
 * String interning.  Strings live in large arena blocks that never move
 * (so returned pointers stay valid), each preceded by its 4-byte length;
 * the id table holds one pointer per string; the hash table holds 8-byte
 * slots (the high 32 bits of the hash as a tag, id + 1) with linear probing
 * at load <= 3/4.  Slot index uses the low bits, the tag the high bits, so
 * a tag match is a near-certain hit before the byte comparison.  Memory per
 * distinct string: its bytes + 5, 8 for the id table, 11-21 for slots —
 * this is what record-id deduplication costs per row.
 */
#include "intern.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK (1u << 20)

typedef struct Slot {
    uint32_t tag; /* hash >> 32 */
    uint32_t id1; /* id + 1; 0 = empty */
} Slot;

static inline uint32_t ref_len(const char *p)
{
    uint32_t n;
    memcpy(&n, p - 4, 4);
    return n;
}

struct DgIntern {
    Slot *slots;
    size_t mask;
    const char **refs;
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
    uint64_t w = 0;
    if (i < len)
        memcpy(&w, s + i, len - i);
    h = mix(h ^ w ^ k2, k1 ^ (uint64_t)len);
    return mix(h, k2) ^ h;
}

DgIntern *dg_intern_new(void)
{
    DgIntern *t = dg_xcalloc(1, sizeof *t);
    t->mask = 63;
    t->slots = dg_xcalloc(t->mask + 1, sizeof *t->slots);
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

static const char *store(DgIntern *t, const char *s, size_t len)
{
    if (t->n_blocks == 0 || t->used + len + 5 > t->block_cap) {
        size_t cap = len + 5 > BLOCK ? len + 5 : BLOCK;
        t->blocks = dg_xrealloc(t->blocks, (t->n_blocks + 1) * sizeof *t->blocks);
        t->blocks[t->n_blocks++] = dg_xmalloc(cap);
        t->block_cap = cap;
        t->used = 0;
        t->bytes += cap;
    }
    char *p = t->blocks[t->n_blocks - 1] + t->used;
    uint32_t n32 = (uint32_t)len;
    memcpy(p, &n32, 4);
    p += 4;
    memcpy(p, s, len);
    p[len] = 0;
    t->used += len + 5;
    return p;
}

static void grow(DgIntern *t)
{
    size_t ncap = (t->mask + 1) * 2;
    Slot *ns = dg_xcalloc(ncap, sizeof *ns);
    for (size_t i = 0; i <= t->mask; i++) {
        if (!t->slots[i].id1)
            continue;
        const char *str = t->refs[t->slots[i].id1 - 1];
        size_t j = dg_hash_bytes(str, ref_len(str)) & (ncap - 1);
        while (ns[j].id1)
            j = (j + 1) & (ncap - 1);
        ns[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = ns;
    t->mask = ncap - 1;
}

int64_t dg_intern_find(const DgIntern *t, const char *s, size_t len)
{
    uint64_t h = dg_hash_bytes(s, len);
    uint32_t tag = (uint32_t)(h >> 32);
    size_t j = h & t->mask;
    while (t->slots[j].id1) {
        if (t->slots[j].tag == tag) {
            const char *r = t->refs[t->slots[j].id1 - 1];
            if (ref_len(r) == len && memcmp(r, s, len) == 0)
                return (int64_t)t->slots[j].id1 - 1;
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
    uint32_t tag = (uint32_t)(h >> 32);
    size_t j = h & t->mask;
    while (t->slots[j].id1) {
        if (t->slots[j].tag == tag) {
            const char *r = t->refs[t->slots[j].id1 - 1];
            if (ref_len(r) == len && memcmp(r, s, len) == 0) {
                if (added)
                    *added = false;
                return t->slots[j].id1 - 1;
            }
        }
        j = (j + 1) & t->mask;
    }
    if (len > UINT32_MAX || t->n >= UINT32_MAX - 1) {
        /* ids and lengths are 32-bit by design; a 4 GiB field is not data */
        abort();
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->refs = dg_xrealloc(t->refs, t->cap * sizeof *t->refs);
    }
    uint32_t id = (uint32_t)t->n++;
    t->refs[id] = store(t, s, len);
    t->slots[j].tag = tag;
    t->slots[j].id1 = id + 1;
    if (t->n * 4 > (t->mask + 1) * 3)
        grow(t);
    if (added)
        *added = true;
    return id;
}

const char *dg_intern_str(const DgIntern *t, uint32_t id, size_t *len)
{
    if (len)
        *len = ref_len(t->refs[id]);
    return t->refs[id];
}

size_t dg_intern_count(const DgIntern *t)
{
    return t->n;
}

size_t dg_intern_bytes(const DgIntern *t)
{
    return t->bytes + (t->mask + 1) * sizeof(Slot) + t->cap * sizeof *t->refs;
}
