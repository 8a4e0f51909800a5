/*
 * Record-id store: the record ids of validation's candidate rows (rows that
 * passed every row check), numbered in input order, and the search for
 * duplicates among them (the duplicate_record_id rule of docs/formats.md).
 *
 * Design: a string table that can answer "seen before?" for each of tens of
 * millions of ids costs a cache miss per row and ~40 bytes per id.  Most ids
 * are unique and only a handful of rows (flags.csv) ever need their id text
 * again, so the store keeps
 *  - the bytes, packed one after another ([len][bytes][NUL]), with the
 *    offset of every DG_RECIDS_STRIDE-th id (about 12 bytes per id);
 *  - a 42-bit key per id — 10 bits of the 64-bit hash choose one of 1024
 *    partitions, 32 more bits are stored (4 bytes per id).
 * Duplicates are found once, after all ids are in: each partition (small
 * enough for the cache) is searched for repeated keys, and only ids whose
 * key repeats are compared as strings, in input order.  A key collision
 * between different ids therefore costs a string comparison, never a wrong
 * answer.
 *
 * Threads: dg_recids_put may be called concurrently for disjoint id ranges,
 * dg_recids_add_hash concurrently for hashes with different top 6 bits (each
 * thread owns whole partitions).  Everything else is single-threaded.
 */
#ifndef DG_RECIDS_H
#define DG_RECIDS_H

#include "dangliang/common.h"

typedef struct DgRecIds DgRecIds;

/* Default key: the top 10 and the low 32 bits of the hash. */
#define DG_RECIDS_KEYMASK 0xFFC00000FFFFFFFFULL

/* keymask: which hash bits make the key, among the top 10 (always kept:
 * they choose the partition) and the low 32 (other bits are ignored).
 * Tests pass a narrow mask so that different ids collide often. */
DgRecIds *dg_recids_new(uint64_t keymask);
void dg_recids_free(DgRecIds *r); /* accepts NULL */

/* Bytes an id of len bytes takes in the store (for prefix sums). */
static inline uint64_t dg_recids_entry_size(size_t len)
{
    return (len < 255 ? 1 : 5) + (uint64_t)len + 1;
}

/* Room for n ids in total taking `bytes` (sum of dg_recids_entry_size);
 * an estimate of the final size avoids regrowing.  Serial. */
void dg_recids_reserve(DgRecIds *r, uint64_t n, uint64_t bytes);

/* Make room for ids [0, n) taking `bytes` bytes, before writing them from
 * several threads.  Serial. */
void dg_recids_grow(DgRecIds *r, uint64_t n, uint64_t bytes);

/* The store's bytes and the room reserved for them (dg_recids_reserve,
 * _grow), valid until the next of those calls: for the caller to populate
 * the pages that dg_recids_put will write (hugemem.h, dg_prefault), never
 * to write through. */
char *dg_recids_area(DgRecIds *r, uint64_t *room);

/* Store id number i at byte offset off (both from prefix sums of earlier
 * ids); returns the offset after it.  Ids must end up contiguous: every
 * number below the final count written exactly once. */
uint64_t dg_recids_put(DgRecIds *r, uint64_t i, uint64_t off, const char *s, size_t len);

/* Declare ids [0, n) written.  Serial. */
void dg_recids_set_count(DgRecIds *r, uint64_t n);

/* Remember the key of an id whose dg_hash_bytes is h (any order). */
void dg_recids_add_hash(DgRecIds *r, uint64_t h);

/* Find the ids that repeat an earlier id, exactly.  Call once, after all
 * ids and hashes are in (it frees the keys).  On return *dup[j] is the
 * number of the j-th repeat (ascending) and *first[j] the number of the
 * first id with the same bytes; the caller frees both (NULL when none).
 * Uses up to `threads` OpenMP threads (<= 0: default); the result does
 * not depend on it. */
size_t dg_recids_dups(DgRecIds *r, int threads, uint32_t **dup, uint32_t **first);

/* Bytes of id i (NUL-terminated; stable until the store is freed). */
const char *dg_recids_str(const DgRecIds *r, uint64_t i, size_t *len);

#endif
