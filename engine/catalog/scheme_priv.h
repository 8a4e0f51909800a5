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

#include "common/csvscan.h"
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
    uint32_t pop_col;     /* 1-based column of "population" in units.csv, 0 when absent */
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

/* A configuration CSV read whole and walked record by record (scheme_tables.c). */
typedef struct DgCfgCol {
    const char *name;
    bool required;
} DgCfgCol;

#define DG_CFG_MAX_COLS 16

typedef struct DgCfgTable {
    const char *path;
    char *buf;
    size_t len, pos;
    uint64_t next_line; /* physical line where the next record starts */
    uint64_t line;      /* line of the current record */
    DgCsvRecord rec;
    const DgCfgCol *cols;
    size_t ncols;
    int idx[DG_CFG_MAX_COLS]; /* field index of each spec'd column, -1 when absent */
    size_t n_header;
} DgCfgTable;

/* Open a configuration CSV: read it whole, check it is UTF-8, read the
 * header and find the columns of `cols` (a missing required column or a
 * duplicated header name is DG_E_CONFIG naming the file).  Close with
 * dg_catalog_table_close even after an error. */
DgStatus dg_catalog_table_open(DgCfgTable *t, const char *path, const DgCfgCol *cols, size_t ncols, DgError *err);
/* Next non-blank record; *got false at the end.  A record whose field
 * count differs from the header's is DG_E_CONFIG naming its line. */
DgStatus dg_catalog_table_next(DgCfgTable *t, bool *got, DgError *err);
void dg_catalog_table_close(DgCfgTable *t);
/* Field of spec'd column k of the current record ("" when the column is absent). */
DgCsvField dg_catalog_table_field(const DgCfgTable *t, size_t k);
/* 1-based field number of spec'd column k, 0 when absent (for error columns). */
uint32_t dg_catalog_table_col(const DgCfgTable *t, size_t k);

/* appeals.csv and advances.csv (scheme_cycle.c); advances need the pool
 * scopes, so they load after the pools are checked.  Errors name the
 * file and line. */
DgStatus dg_catalog_load_appeals(DgScheme *s, DgError *err);
DgStatus dg_catalog_load_advances(DgScheme *s, DgError *err);

#endif
