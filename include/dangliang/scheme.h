/*
 * The scheme (方案): everything a run needs besides the service logs —
 * period, catalog of items with their equivalents (当量), units, quality
 * indicators and their measured values, adjustment factors, authenticity
 * check settings and funding pools.
 *
 * Design: dg_scheme_load() reads scheme.json and the CSV files it names,
 * checks every rule of docs/formats.md (unknown keys, exact decimals,
 * overlapping catalog rows, unknown ids, patterns that match nothing …) and
 * returns one immutable DgScheme.  After loading, the scheme is read-only
 * and may be shared by any number of threads without locking; all lookups
 * below are pure.  Every string in it is owned by the scheme.
 *
 * Fixed-point units: equivalents, Q, factors in 10^-4; indicator targets and
 * values in 10^-6; money in fen.
 */
#ifndef DANGLIANG_SCHEME_H
#define DANGLIANG_SCHEME_H

#include "dangliang/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DG_NONE (-1)                /* "absent" for optional int64 settings */
#define DG_IND_MISSING INT64_MIN    /* indicator value not given */

/* One row of catalog.csv.  Rows of one item code are contiguous in
 * DgScheme.catalog, sorted by valid_from, and never overlap. */
typedef struct DgCatalogRow {
    uint32_t code_id;               /* dense id of item_code (0..n_codes-1) */
    uint32_t category_id;           /* dense id of category (0..n_categories-1) */
    const char *code;
    const char *name;
    const char *category;
    int64_t eq[3];                  /* equivalent for tier 1, 2, 3 (10^-4); tiers 2/3 default to eq[0] */
    int64_t minutes;                /* standard minutes of one service, 0 when empty */
    int32_t valid_from, valid_to;   /* inclusive day numbers; DG_DATE_MIN / DG_DATE_MAX when open */
    int64_t max_per_patient_day;    /* DG_NONE when no cap */
    int64_t max_per_patient_period; /* DG_NONE when no cap */
    uint64_t line;                  /* line in catalog.csv (header = 1) */
} DgCatalogRow;

typedef struct DgUnit {
    const char *id, *name, *kind, *community, *county;
    int tier;                       /* 1, 2 or 3 */
    const char **tags;              /* split on ';', trimmed, empty parts dropped */
    size_t n_tags;
    int64_t population;             /* DG_NONE when empty */
    uint64_t line;
} DgUnit;

/* How a computed indicator is counted from the person registry and the
 * audited service rows (the "compute" key of a quality indicator; see
 * docs/formats.md and docs/methodology.md).  Flag masks are bits over
 * DgScheme.reg_flags. */
typedef struct DgCompute {
    bool of_population;             /* "of": "population" — D is the unit's population */
    uint32_t of_mask;               /* "of": [flags] — D counts persons with all of them */
    uint32_t count_mask;            /* "count": [flags] — N also needs all of these */
    bool has_services;              /* "services" present */
    const char **items; size_t n_items;            /* services.items patterns */
    const char **categories; size_t n_categories;  /* services.categories */
    uint8_t *crow;                  /* [n_catalog] 1 when the catalog row is a matching service (NULL without services) */
    int64_t min;                    /* services.min, default 1 */
    int quarters;                   /* services.quarters 1..4, 0 when absent */
} DgCompute;

typedef struct DgIndicator {
    const char *id, *name;
    int64_t weight;                 /* positive integer */
    int64_t target;                 /* 10^-6, > 0 */
    bool lower_is_better;           /* "better": "lower" */
    const DgCompute *compute;       /* NULL: the value is given in indicators.csv */
} DgIndicator;

struct DgRegistry; /* the person registry, dangliang/registry.h */

typedef struct DgAdjustment {
    const char *tag;
    int64_t factor;                 /* 10^-4, 0 < f <= 10 */
} DgAdjustment;

typedef struct DgPool {
    const char *id, *name;
    int64_t budget;                 /* fen; for a per-capita pool the computed B = per_capita × population */
    int64_t per_capita;             /* fen per resident when "budget": {"per_capita": …}, else DG_NONE */
    int64_t population;             /* Σ population of the units in scope (per-capita pools only, else 0) */
    const char **categories; size_t n_categories;
    const char **items; size_t n_items;          /* patterns; '*' only at the end */
    bool scope_all;
    const char **communities; size_t n_communities;
    const char **counties; size_t n_counties;
    const char **units; size_t n_units;
} DgPool;

/* Decisions of an appeal (申诉, appeals.csv). */
typedef enum DgAppealDecision { DG_APPEAL_NONE = 0, DG_APPEAL_OVERTURN = 1, DG_APPEAL_UPHOLD = 2 } DgAppealDecision;

/* One row of appeals.csv: a decision on the flag of one check on one record. */
typedef struct DgAppeal {
    const char *record_id;
    uint8_t check;                  /* 0 over_patient_day, 1 over_patient_period, 2 staff_overload (DgCheck order) */
    uint8_t decision;               /* DG_APPEAL_OVERTURN or DG_APPEAL_UPHOLD */
    const char *note;               /* "" when empty */
    uint64_t line;                  /* line in appeals.csv (header = 1) */
} DgAppeal;

typedef enum DgStaffPolicy { DG_STAFF_REVIEW = 0, DG_STAFF_EXCLUDE = 1 } DgStaffPolicy;

typedef struct DgScheme {
    char *path;                     /* scheme.json as given */
    const char *id, *title;
    int32_t period_from, period_to; /* inclusive day numbers */
    const char *catalog_path, *units_path, *indicators_path; /* resolved; indicators_path may be NULL */

    bool has_quality;               /* false: Q = 1.0000 for every unit */
    DgIndicator *indicators; size_t n_indicators;
    bool missing_zero;              /* "missing": "zero" */
    bool missing_skip;              /* "missing": "skip" (neither: "error") */
    size_t n_computed;              /* indicators with a compute rule */
    const char **reg_flags; size_t n_reg_flags; /* registry flag columns the scheme names (at most 32) */
    const char *registry_path;      /* resolved; NULL when the scheme names no registry */
    struct DgRegistry *registry;    /* loaded and checked registry, NULL when none */
    int64_t floor;                  /* 10^-4 or DG_NONE */
    int64_t full_at;                /* 10^-4 or DG_NONE */

    DgAdjustment *adjustments; size_t n_adjustments;

    int64_t staff_day_minutes;      /* DG_NONE = no staff-day check */
    DgStaffPolicy staff_policy;
    int64_t max_reject_rate;        /* checks.max_reject_rate, 10^-4 (default 0.1000): a higher share of
                                     * rejected rows is warned about (an error under --strict) */

    DgPool *pools; size_t n_pools;

    const char *appeals_path;       /* resolved "appeals" file, or NULL */
    DgAppeal *appeals; size_t n_appeals; /* in file order */
    const char *advances_path;      /* resolved "advances" file, or NULL */
    int64_t *advanced;              /* [n_pools * n_units] Σ advances, fen; NULL when no advances file */
    size_t n_advance_rows;          /* data rows of the advances file */

    DgCatalogRow *catalog; size_t n_catalog;
    size_t n_codes;
    uint32_t *code_first;           /* [n_codes] index of the first catalog row of the code */
    uint32_t *code_nrows;           /* [n_codes] number of rows of the code */
    const char **categories; size_t n_categories; /* dense category names, first-seen order */

    DgUnit *units; size_t n_units;  /* sorted by unit_id in byte order */

    int64_t *indicator_values;      /* [n_units * n_indicators], 10^-6, DG_IND_MISSING when absent
                                     * (always missing for a computed indicator) */
    uint8_t *pool_unit;             /* [n_pools * n_units]  1 when the unit is in the pool's scope */
    uint8_t *pool_row;              /* [n_pools * n_catalog] 1 when the catalog row counts toward the pool */

    struct DgSchemeIndex *index;    /* private lookup tables */
} DgScheme;

/* Load and check a scheme.  On success *out owns everything; free with
 * dg_scheme_free.  Errors: DG_E_IO when a file cannot be read, DG_E_CONFIG
 * for any rule violation, with file, line and a sentence saying how to fix
 * it.  Thread safety: reentrant. */
DgStatus dg_scheme_load(const char *path, DgScheme **out, DgError *err);

/* The same without reading the registry file the scheme names (its
 * computed indicators are parsed and checked as usual, and registry stays
 * NULL).  For `dangliang gen`, which writes that registry. */
DgStatus dg_scheme_load_no_registry(const char *path, DgScheme **out, DgError *err);

/* Accepts NULL. */
void dg_scheme_free(DgScheme *s);

/* Index of the unit with this id in s->units, or -1.  Pure; thread-safe. */
int64_t dg_scheme_unit_find(const DgScheme *s, const char *id, size_t len);

/* Dense code id of an item code, or -1.  Pure; thread-safe. */
int64_t dg_scheme_code_find(const DgScheme *s, const char *code, size_t len);

/* Index in s->catalog of the row of `code_id` in force on `day`, or -1. */
int64_t dg_scheme_row_at(const DgScheme *s, uint32_t code_id, int32_t day);

#ifdef __cplusplus
}
#endif
#endif
