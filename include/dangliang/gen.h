/*
 * Synthetic service logs (`dangliang gen`, docs/cli.md): realistic rows for the
 * units and catalog of a scheme, for demos, benchmarks and tests.
 *
 * Design: the output depends only on (scheme, rows, seed, format, bad_ppm).
 * Rows are produced in fixed-size blocks whose size depends only on the
 * scheme and the row count; each block draws from its own xoshiro256**
 * stream seeded from (seed, block index) and is written in block order, so
 * the bytes are identical for any thread count and on any machine (gzip
 * output also depends on the zlib deflate implementation).  All sampling
 * is integer arithmetic (alias tables, cumulative day weights); no float.
 *
 * What the rows look like:
 *  - units are drawn in proportion to population × a per-kind activity
 *    factor; each unit has 3–40 staff by kind (more when the row count
 *    would otherwise overload them), ids "<unit_id>-S07";
 *  - item codes follow a Zipf law over a ranking that puts clinic visits
 *    first, then follow-ups, then cheap items before dear ones, and group
 *    services (health-education lectures) last; a code is only used on a
 *    date when one of its catalog rows is in force; weekdays are busier
 *    than weekends;
 *  - items with a per-patient period cap (1..24, e.g. hypertension and
 *    diabetes follow-ups) are scheduled: each patient gets `cap` visits
 *    spread evenly over the period (roughly quarterly for a cap of 4) by
 *    one family doctor, and about 5% of patients get one visit more (over
 *    the period cap);
 *  - encounters of 1–3 items for one patient on one day; occasional exact
 *    same-day double entries (over the day cap) and staff-days far beyond
 *    checks.staff_day_minutes; group items without patient_id; quantity
 *    mostly 1, sometimes more (more often for group items);
 *  - record ids "R" + zero-padded row number, unique.
 * With bad_ppm > 0, about bad_ppm rows per million carry exactly one fault,
 * spread over every reject reason of docs/formats.md (the reason a conforming
 * validator must give is counted in DgGenStats.by_reason; item_not_in_force
 * needs a code that is not in force on some day of the period, and a
 * duplicate id needs an earlier valid row in its block), and about as
 * many other rows are valid but unusual (quoted fields with commas, quotes
 * or a newline, dates like 2020/5/7 or with a time, spaces around fields,
 * CRLF, empty quantity; in JSON Lines reordered and unknown keys, \u
 * escapes, quantity as a string or null).  A CSV row with an unterminated
 * quote (which runs to the end of the file) is only ever the last row.
 */
#ifndef DANGLIANG_GEN_H
#define DANGLIANG_GEN_H

#include <stdio.h>

#include "dangliang/scheme.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DG_GEN_CSV 0
#define DG_GEN_JSONL 1

/* Fault kinds in the order of docs/formats.md (the same order as DgReason in validate.h). */
enum {
    DG_GEN_MALFORMED = 0,
    DG_GEN_MISSING_FIELD,
    DG_GEN_BAD_QUANTITY,
    DG_GEN_BAD_DATE,
    DG_GEN_OUT_OF_PERIOD,
    DG_GEN_UNKNOWN_UNIT,
    DG_GEN_UNKNOWN_ITEM,
    DG_GEN_ITEM_NOT_IN_FORCE,
    DG_GEN_DUPLICATE_RECORD_ID,
    DG_GEN_N_FAULTS
};

/* What was written. */
typedef struct DgGenStats {
    uint64_t records;                   /* data records (== rows) */
    uint64_t lines;                     /* physical lines, CSV header included */
    uint64_t bytes;                     /* uncompressed bytes */
    uint64_t faulty;                    /* records that a validator must reject */
    uint64_t by_reason[DG_GEN_N_FAULTS]; /* ... by the reason it must give */
    uint64_t unusual;                   /* valid records written in an unusual form */
} DgGenStats;

typedef struct DgGenOptions {
    uint64_t rows;       /* data records to write (the CSV header is extra) */
    uint64_t seed;
    int format;          /* DG_GEN_CSV or DG_GEN_JSONL */
    uint32_t bad_ppm;    /* faulty rows per million, 0..1000000 */
    int threads;         /* <= 0: OpenMP default.  Never changes the output. */
    /* Called after each block is written, serially and in order, possibly
     * from a worker thread; may be NULL. */
    void (*progress)(void *ctx, uint64_t rows_done, uint64_t rows_total);
    void *progress_ctx;
    DgGenStats *stats;   /* if non-NULL, filled on success */
} DgGenOptions;

/* Write a synthetic service log for `s` to `path` (gzip-compressed when the
 * path ends in ".gz": independent gzip members, one per block, which every
 * gzip reader concatenates).  The file is written under a temporary name
 * next to it and renamed into place (written directly when `path` exists
 * and is not a regular file, e.g. /dev/null).  Needs s->units, s->catalog,
 * s->code_first/code_nrows, s->period_* and s->staff_day_minutes; nothing
 * else, so hand-built schemes work.
 * Errors: DG_E_USAGE (bad options: format, bad_ppm > 10^6), DG_E_CONFIG
 * (no units, or no catalog row in force during the period), DG_E_IO (with
 * the path and the system's reason; no partial file is left behind).
 * Thread safety: reentrant; the scheme is only read. */
DgStatus dg_gen_write(const DgScheme *s, const DgGenOptions *o, const char *path, DgError *err);

/* The same bytes as dg_gen_write into an open stream f (gzip members when
 * gzip is true), flushed but not closed — for `gen -o -` (standard
 * output).  name is the stream's name in error messages.
 * Errors: as dg_gen_write; on DG_E_IO part of the rows may have been written. */
DgStatus dg_gen_write_stream(const DgScheme *s, const DgGenOptions *o, FILE *f, const char *name, bool gzip,
                             DgError *err);

/* The same bytes as dg_gen_write without compression, into a malloc'ed
 * buffer (*out, *len; NUL-terminated, owned by the caller: free()).  For
 * tests and small samples.  Errors: DG_E_USAGE, DG_E_CONFIG. */
DgStatus dg_gen_to_memory(const DgScheme *s, const DgGenOptions *o, char **out, size_t *len, DgError *err);

/* Write a person registry (person_id, unit_id, then the scheme's registry
 * flags) that matches the log dg_gen_write writes for the same scheme and
 * options (--rows and --seed): every log patient is registered with the
 * unit that treats them, plus persons without services, with flag
 * coverage near the targets of the scheme's computed indicators (see
 * engine/gen/gen_registry.c).  The scheme may be loaded without its
 * registry (dg_scheme_load_no_registry).  Errors: DG_E_IO. */
DgStatus dg_gen_registry_write(const DgScheme *s, const DgGenOptions *o, const char *path, DgError *err);

/* Sample files for the rest of the payout cycle (the demo): reads the log at
 * `log_path` back with the scheme, runs the checks and the allocation (the
 * scheme's own appeals, if any, are not applied), then writes
 *  - appeals_path (if non-NULL): a few dozen appeals spread over the flags
 *    of every check that raised any (about 12 per check, two in three
 *    overturned), with short notes;
 *  - advances_path (if non-NULL): three quarterly advances per pool × unit
 *    with a payout, together about 70 % of a "previous year's" payout — this
 *    year's payout scaled by a per-unit factor between 0.85 and 1.15 drawn
 *    from the seed — in whole yuan, so that some balances come out negative.
 * Deterministic for (scheme, log, seed).  *n_appeals / *n_advances get the
 * rows written.  Errors: those of reading, checking and allocating the log;
 * DG_E_IO writing.  Uses OpenMP (through the stages it calls). */
DgStatus dg_gen_cycle_files(const DgScheme *s, const char *log_path, uint64_t seed, const char *appeals_path,
                            const char *advances_path, size_t *n_appeals, size_t *n_advances, DgError *err);

#ifdef __cplusplus
}
#endif
#endif
