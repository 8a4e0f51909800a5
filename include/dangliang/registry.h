/*
 * The person registry (人群登记): one row per person, the one unit
 * responsible for them, and the 0/1 flags the scheme's computed quality
 * indicators name (signed, htn, key_group …).  Format: docs/formats.md.
 *
 * Design: the registry is loaded once with the scheme (dg_scheme_load
 * calls dg_registry_load when the scheme names one) and is read-only
 * afterwards.  Persons are stored grouped by unit and sorted by person_id
 * inside a unit (byte order), so a computation can walk one unit's persons
 * as a contiguous range — the same whatever the row order of the file —
 * and a lookup by person_id is one hash probe.  The file is parsed in
 * fixed-size chunks in parallel (the result and the first error reported
 * do not depend on the thread count or the chunk size), and a person costs
 * about 35 bytes in memory (its id bytes, a pointer, unit, flags, index).
 */
#ifndef DANGLIANG_REGISTRY_H
#define DANGLIANG_REGISTRY_H

#include "dangliang/scheme.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DgRegistry {
    const char *path;         /* as resolved from the scheme */
    size_t n_persons;
    const char **person_id;   /* [n_persons] */
    uint32_t *unit;           /* [n_persons] index in scheme->units */
    uint32_t *flags;          /* [n_persons] bit f set when flag scheme->reg_flags[f] is 1 */
    uint32_t *unit_first;     /* [n_units + 1] persons of unit u: unit_first[u] .. unit_first[u+1]-1 */
    uint64_t load_us;         /* wall time the load took (manifest timings) */
    struct DgRegistryIndex *index; /* private: person_id lookup */
} DgRegistry;

/* Load and check the registry at `path` against the units and the flag
 * names of `s` (s->units, s->reg_flags must be filled).  Errors
 * (DG_E_CONFIG, with file, line, column and a fix): a named flag absent
 * from the header, a duplicated header name, a flag value other than 1, 0
 * or empty, an empty or duplicated person_id, an unknown unit_id, a row
 * whose field count differs from the header's; DG_E_IO when unreadable.
 * On success *out is owned by the caller (dg_registry_free).  Reentrant. */
DgStatus dg_registry_load(const char *path, const DgScheme *s, DgRegistry **out, DgError *err);

/* The same with the data rows cut into chunks of `chunk_bytes` (0 = the
 * default, 1 MiB).  For tests: any chunk size gives the same registry and
 * the same error as any other. */
DgStatus dg_registry_load_chunked(const char *path, const DgScheme *s, size_t chunk_bytes, DgRegistry **out,
                                  DgError *err);

void dg_registry_free(DgRegistry *r); /* accepts NULL */

/* Index of the person with this person_id, or -1.  Pure; thread-safe. */
int64_t dg_registry_find(const DgRegistry *r, const char *id, size_t len);

/* For lookups of many ids in a row, split so that a caller can overlap
 * their cache misses: h = dg_registry_hash(id, len); dg_registry_prefetch
 * (r, h) a few ids ahead; then dg_registry_candidate(r, h) is -1 when no
 * person can have that id, else the first person whose hash agrees (equal
 * to the id in all but rare cases: compare person_id, and fall back to
 * dg_registry_find_h when it differs).  All pure and thread-safe. */
uint64_t dg_registry_hash(const char *id, size_t len);
void dg_registry_prefetch(const DgRegistry *r, uint64_t h);
int64_t dg_registry_candidate(const DgRegistry *r, uint64_t h);
int64_t dg_registry_find_h(const DgRegistry *r, const char *id, size_t len, uint64_t h);

#ifdef __cplusplus
}
#endif
#endif
