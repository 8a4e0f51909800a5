/*
 * String interning: byte strings -> dense uint32 ids, in first-seen order.
 *
 * Design: one open-addressing table of (hash, id) slots over an append-only
 * arena of the bytes.  Ids are dense so hot loops index plain arrays
 * instead of hashing strings again.  Lookups (dg_intern_find) on a table
 * that is no longer being modified are safe from any number of threads.
 */
#ifndef DG_INTERN_H
#define DG_INTERN_H

#include "dangliang/common.h"
#include "hugemem.h"

typedef struct DgIntern DgIntern;

DgIntern *dg_intern_new(void);
void dg_intern_free(DgIntern *t); /* accepts NULL */

/* Id of the string, adding it when new (*added set accordingly; may be NULL). */
uint32_t dg_intern_add(DgIntern *t, const char *s, size_t len, bool *added);

/* The same with the caller's dg_hash_bytes(s, len), computed earlier (e.g.
 * in parallel): the hash must be exactly that value. */
uint32_t dg_intern_add_h(DgIntern *t, const char *s, size_t len, uint64_t hash, bool *added);

/* Make room for n strings in all without growing (an estimate is fine:
 * more strings still fit, the table just grows then). */
void dg_intern_reserve(DgIntern *t, size_t n);

/* Hint that a lookup of hash h is coming: start loading its slot.  Loops
 * over many ids call this a few ids ahead so cache misses overlap. */
void dg_intern_prefetch(const DgIntern *t, uint64_t h);

/* Second stage of the same hint, a few ids later, once the slot is in the
 * cache: start loading the string the slot points to (when its tag
 * matches), so that a hit's two misses (slot, string) both overlap with
 * other work instead of the second one stalling the lookup. */
void dg_intern_prefetch_entry(const DgIntern *t, uint64_t h);

/* The same for a string of len bytes (the one about to be looked up):
 * also the line its entry ends in, when that is the next one. */
void dg_intern_prefetch_entry_len(const DgIntern *t, uint64_t h, size_t len);

/* Id of the string or -1.  Pure. */
int64_t dg_intern_find(const DgIntern *t, const char *s, size_t len);

/* Bytes of id (NUL-terminated; stable for the table's lifetime). */
const char *dg_intern_str(const DgIntern *t, uint32_t id, size_t *len);

size_t dg_intern_count(const DgIntern *t);

/* Drop the lookup index, keeping the strings: afterwards only
 * dg_intern_str, dg_intern_count and dg_intern_bytes may be called (add,
 * find and reserve abort).  For tables that are complete — the dataset's
 * staff and patient ids need no lookups once validation has numbered
 * them. */
void dg_intern_seal(DgIntern *t);

/* Bytes held (arena + table), for memory accounting. */
size_t dg_intern_bytes(const DgIntern *t);

/* 64-bit hash of bytes (wyhash-style mixing; not cryptographic). */
uint64_t dg_hash_bytes(const char *s, size_t len);

#endif
