/*
 * Internals of the catalog stage.  scheme_base.c (arena, file reader,
 * message helpers) is used by the scheme loader (scheme.c) and the loaders
 * of the CSV files it names (scheme_tables.c); scheme.c calls
 * scheme_tables.c, never the other way round.
 *
 * Design: every string and small array the scheme hands out lives in one
 * bump arena owned by the scheme, so freeing is one loop over blocks and
 * a partly loaded scheme (after an error) frees the same way.  Lookups go
 * through intern tables whose dense ids equal array positions: unit ids are
 * interned in unit_id byte order, item codes in code byte order.
 */
#ifndef DG_SCHEME_PRIV_H
#define DG_SCHEME_PRIV_H

#include "common/intern.h"
#include "dangliang/scheme.h"

typedef struct DgArena {
    char **blocks;
    size_t n_blocks, cap_blocks;
    char *cur;
    size_t left;
} DgArena;

struct DgSchemeIndex {
    DgIntern *unit_ids;   /* id == index in s->units */
    DgIntern *codes;      /* id == code_id */
    DgIntern *categories; /* id == category_id */
    DgArena arena;
};

/* Arena allocation (aborts on out-of-memory); memory is zeroed and 8-byte aligned. */
void *dg_catalog_alloc(DgScheme *s, size_t n);
/* Free the arena's blocks (the DgArena itself is not freed). */
void dg_catalog_arena_free(DgArena *a);
/* Copy of s[0..n) with a terminating NUL, owned by the scheme. */
const char *dg_catalog_strdup(DgScheme *s, const char *p, size_t n);

/* Read a whole regular file (no FIFOs or devices, at most 1 GiB).  The
 * buffer is NUL-terminated; the caller frees it.  DG_E_IO naming the path. */
DgStatus dg_catalog_read_file(const char *path, char **buf, size_t *len, DgError *err);

/* Quote s[0..n) for a message: at most ~60 bytes, cut on a UTF-8 boundary,
 * control bytes shown as '?', "..." appended when cut.  buf >= 80 bytes. */
void dg_catalog_quote(const char *p, size_t n, char *buf, size_t cap);

/* The part of a message that says why a decimal did not parse, e.g.
 * "has 5 decimals; at most 4 are allowed (values are never rounded)". */
void dg_catalog_dec_problem(const char *p, size_t n, DgDecResult r, int scale, char *buf, size_t cap);

/* scheme_tables.c: load the CSV files named by the scheme (paths already resolved).  Each
 * fills its part of *s and its index; errors name file and line. */
DgStatus dg_catalog_load_catalog(DgScheme *s, DgError *err);
DgStatus dg_catalog_load_units(DgScheme *s, DgError *err);
DgStatus dg_catalog_load_indicators(DgScheme *s, DgError *err);

#endif
