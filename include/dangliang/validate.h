/*
 * Validation (docs/formats.md, reject reasons): read service logs, account for every row, keep
 * the accepted ones in a compact form for scoring.
 *
 * Design: files are processed in command-line order, each in windows of a
 * few tens of MiB; a window is cut into chunks whose number does not depend
 * on the thread count; chunks are parsed and checked in parallel (each with
 * private output), then placed by prefix sums in chunk order.  Where input
 * order matters it is kept: a duplicate record id keeps its first
 * occurrence, and staff and patient ids are numbered by tables that see
 * the rows in input order (staff numbers dense, patient numbers not).
 * So accepted rows, rejects and every id are identical for any thread count
 * and any chunk size.  Memory grows with accepted rows and distinct ids,
 * not with bytes read.
 */
#ifndef DANGLIANG_VALIDATE_H
#define DANGLIANG_VALIDATE_H

#include "dangliang/scheme.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reject reasons in precedence order (the first that applies wins). */
typedef enum DgReason {
    DG_REASON_MALFORMED = 0,
    DG_REASON_MISSING_FIELD,
    DG_REASON_BAD_QUANTITY,
    DG_REASON_BAD_DATE,
    DG_REASON_OUT_OF_PERIOD,
    DG_REASON_UNKNOWN_UNIT,
    DG_REASON_UNKNOWN_ITEM,
    DG_REASON_ITEM_NOT_IN_FORCE,
    DG_REASON_DUPLICATE_RECORD_ID,
    DG_REASON_COUNT
} DgReason;

/* "malformed", "missing_field", … as in docs/formats.md. */
const char *dg_reason_name(DgReason r);

#define DG_NO_PATIENT UINT32_MAX

/* One accepted row, 24 bytes: a big run holds tens of millions of them,
 * so the unit is not stored — staff are numbered per (unit, staff_id), and
 * dg_row_unit() reads it from the staff number.  Its record id is
 * dg_dataset_record_id(d, index of the row). */
typedef struct DgRow {
    uint32_t staff;   /* dense id of the (unit, staff_id) pair, dg_dataset_staff() */
    uint32_t patient; /* patient number (not dense) or DG_NO_PATIENT */
    uint32_t crow;    /* index in scheme->catalog: the row in force on `date` */
    int32_t date;     /* day number */
    uint16_t qty;     /* 1..10000 */
    uint16_t file;    /* index in dataset->files (at most 65535 files a run) */
    uint32_t line;    /* physical line where the record starts (a file has
                       * at most 2^32 - 1 lines) */
} DgRow;

typedef struct DgReject {
    uint32_t file;
    uint64_t line;
    DgReason reason;
    char *record_id;  /* as read, may be empty */
    char *detail;     /* one English sentence */
} DgReject;

typedef enum DgLogFormat { DG_LOG_AUTO = 0, DG_LOG_CSV, DG_LOG_JSONL } DgLogFormat;

/* Default record-size cap (DgValidateOptions.max_record): a record longer
 * than this is one `malformed` row and reading resumes after it, so a
 * log of any content is read in bounded memory. */
#define DG_MAX_RECORD_DEFAULT ((size_t)1 << 20)
/* Longest id (record_id, unit_id, staff_id, patient_id, item_code), in
 * bytes: a longer one makes the row `malformed`. */
#define DG_MAX_ID_BYTES 256

typedef struct DgDataset DgDataset;

/* Accepted rows handed to DgValidateOptions.spill instead of being kept
 * (docs/scale.md).  rows[k] is candidate number first + k (candidates are
 * the rows passing the row checks, numbered in input order; a candidate
 * that repeats an earlier record id is not yet taken out); its staff is a
 * provisional number (dg_dataset_staff_final turns it into the dense id
 * once validation is over). */
typedef struct DgRowBatch {
    const DgRow *rows;
    const char *const *record_ids; /* NUL-terminated */
    const uint32_t *record_id_lens;
    const uint64_t *record_id_hashes; /* dg_hash_bytes of each record id (engine/common/intern.h) */
    /* patient_id of rows[k] (not NUL-terminated) when rows[k].patient is
     * not DG_NO_PATIENT: once spilling, patients are not numbered across
     * the run (rows[k].patient is then 0), the spilled run numbers them
     * per partition (dg_dataset_set_patients) */
    const char *const *patient_ids;
    const uint32_t *patient_id_lens;
    uint64_t first;
    size_t n;
    uint64_t rows_projected;       /* candidates expected in the whole run (estimate) */
    bool kept;                     /* rows kept in memory before the switch to spilling */
} DgRowBatch;

typedef struct DgValidateOptions {
    int threads;              /* <= 0: OpenMP default */
    const char *encoding;     /* NULL = UTF-8; "GB18030" / "GBK" */
    DgLogFormat format;       /* AUTO = by extension, else sniffed */
    size_t chunk_size;        /* 0 = default (512 KiB); tests use tiny values */
    size_t window_size;       /* 0 = default (8 MiB) */
    bool hash_inputs;         /* fill dataset->input_sha256 (for a manifest) */
    size_t max_record;        /* record-size cap in bytes; 0 = DG_MAX_RECORD_DEFAULT */
    /* Called from the calling thread between windows; may be NULL. */
    void (*progress)(void *ctx, uint64_t bytes_done, uint64_t bytes_total);
    void *progress_ctx;
    /* Bounded memory: once more than spill_rows candidates are read (or the
     * first window projects more), the rows kept so far and every later
     * window's rows go to spill (from the calling thread, in input order)
     * instead of dataset->rows; the dataset then holds no rows
     * (n_rows == 0), finds no duplicate record ids (the caller does), and
     * rows_accepted still counts every candidate.  0 or NULL: never. */
    uint64_t spill_rows;
    DgStatus (*spill)(void *ctx, const DgDataset *d, const DgRowBatch *b, DgError *err);
    void *spill_ctx;
} DgValidateOptions;

struct DgDataset {
    char **files;             /* paths as given */
    size_t n_files;
    uint64_t rows_read, rows_accepted, rows_rejected;
    uint64_t by_reason[DG_REASON_COUNT];
    uint64_t bytes_in;        /* bytes read from disk */
    DgRow *rows;              /* accepted rows in input order */
    size_t n_rows;
    DgReject *rejects;        /* in input order */
    size_t n_rejects;
    /* wall time of validation's phases, for the manifest (microseconds):
     * parsing and row checks (and hashing a mapped input), staff/patient
     * interning and the record-id duplicate search, writing rows and
     * rejects */
    uint64_t us_parse, us_ids, us_merge;
    uint32_t *staff_unit;     /* [n_staff] unit (index in scheme->units) of each staff id */
    /* [n_files] SHA-256 (hex) of each file's bytes as read (before any
     * decoding), computed in the same pass that parses it when hash_inputs
     * was set (so a pipe or FIFO gets its true digest); "" otherwise. */
    char (*input_sha256)[65];
    /* header names of CSV logs that are not log columns (and do not
     * resemble one: that is an error), each once, in first-seen order, with
     * the index of the first file that has it */
    char **unknown_columns;
    uint32_t *unknown_column_file;
    size_t n_unknown_columns;
    /* [n_files] rows read, rows rejected because they are not valid text in
     * the input encoding, and how many of those are well-formed GB18030 */
    uint64_t *file_rows, *file_bad_text, *file_bad_text_gb;
    bool encoding_given;      /* an --encoding other than UTF-8 was given */
    struct DgDatasetIds *ids; /* private */
};

/* Index in scheme->units of the unit of an accepted row. */
static inline uint32_t dg_row_unit(const DgDataset *d, const DgRow *r)
{
    return d->staff_unit[r->staff];
}

/* Read and validate `paths` against the scheme.  On success *out owns the
 * dataset (dg_dataset_free).  Bad rows are data (rejects), not errors.
 * A path "-" is standard input (read once; its format is opt->format, CSV
 * when that is AUTO).
 * Errors: DG_E_IO (unreadable file, or a file that changed while it was
 * being read: truncated, appended to or rewritten), DG_E_CONFIG (missing required column
 * or duplicated header name, naming file and column; a file of more than
 * 2^32 - 1 lines), DG_E_USAGE (bad
 * encoding name), DG_E_INTERNAL (rows_read != accepted + rejected).
 * The scheme is borrowed and must outlive the dataset. */
DgStatus dg_validate_files(const DgScheme *scheme, const char *const *paths, size_t n_paths,
                           const DgValidateOptions *opt, DgDataset **out, DgError *err);

void dg_dataset_free(DgDataset *d); /* accepts NULL */

/* What the counts say about how the logs were read.  Errors: DG_E_CONFIG
 * when every row of a file is not valid text in the input encoding (the
 * message names the encoding, and suggests --encoding GB18030 when the
 * bytes read as GB18030).  Warnings (not strict) added to w: many rows of a
 * file invalid UTF-8 but well-formed GB18030; a share of rejected rows above
 * the scheme's checks.max_reject_rate. */
DgStatus dg_validate_review(const DgScheme *s, const DgDataset *d, DgWarnings *w, DgError *err);

/* staff_id text of a dense staff id, and the unit it belongs to. */
const char *dg_dataset_staff(const DgDataset *d, uint32_t id);
uint32_t dg_dataset_staff_unit(const DgDataset *d, uint32_t id);
const char *dg_dataset_patient(const DgDataset *d, uint32_t id); /* "" for DG_NO_PATIENT */
/* record_id of accepted row `row`. */
const char *dg_dataset_record_id(const DgDataset *d, size_t row);
size_t dg_dataset_n_staff(const DgDataset *d);

/* Dense staff id of a provisional one (DgRowBatch.rows[].staff); valid
 * once dg_validate_files has returned. */
uint32_t dg_dataset_staff_final(const DgDataset *d, uint32_t provisional);

/* Unit (index in scheme->units) of a provisional staff number; may be
 * called from the spill callback. */
uint32_t dg_dataset_provisional_unit(const DgDataset *d, uint32_t provisional);

/* Replace the dataset's rows by rows[0, n) (taken: freed with the dataset)
 * whose record ids are record_ids[i] (copied).  A spilled run keeps only
 * its flagged rows this way, for flags.csv (docs/scale.md). */
void dg_dataset_keep_rows(DgDataset *d, DgRow *rows, size_t n, const char *const *record_ids,
                          const uint32_t *record_id_lens);
size_t dg_dataset_n_patients(const DgDataset *d);

struct DgIntern; /* engine/common/intern.h */
/* Number the rows' patients by `pat` (taken, freed with the dataset or by
 * the next call; NULL: back to the run's own numbering): patient id k of
 * d->rows is dg_intern_str(pat, k).  A spilled run numbers the patients of
 * each partition this way (docs/scale.md). */
void dg_dataset_set_patients(DgDataset *d, struct DgIntern *pat);

#ifdef __cplusplus
}
#endif
#endif
