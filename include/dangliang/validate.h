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
    /* unit of rows[k] (what dg_dataset_provisional_unit says of its staff),
     * or NULL: ask it */
    const uint32_t *units;
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
    /* Slices (see "Slices" below): this process is slice `slice` of
     * `n_slices` and validates only its share of every input.  n_slices 0
     * or 1: whole files, the ordinary run (slice must then be 0). */
    unsigned slice, n_slices;
    /* The gathered slice table: n_slices rows of dg_slice_words(n_paths)
     * words, row j = what dg_validate_slice_counts gave on slice j.  When
     * NULL (and n_slices > 1), dg_validate_files computes this slice's row
     * itself and calls `gather` to get the table. */
    const uint64_t *slice_table;
    /* All-gather: copy every slice's `mine` (n words) into all[j * n ..]
     * in slice order (MPI_Allgather).  Called exactly once per
     * dg_validate_files when n_slices > 1 and slice_table is NULL, from
     * the calling thread, before any row is read, even when this slice
     * failed to count (its row then carries the failure, see
     * dg_validate_slice_counts), so that no slice waits for one that
     * stopped.  An error it returns is returned as is. */
    DgStatus (*gather)(void *ctx, const uint64_t *mine, size_t n, uint64_t *all, DgError *err);
    void *gather_ctx;
    /* With hash_inputs on a sliced run: digest only the inputs this slice
     * reads whole, in the pass that validates them, and leave the others
     * "" instead of reading them once more; dg_validate_slice_digests
     * computes those of the byte-ranged inputs later, wherever the caller
     * has a core to spare (an MPI run: the last rank, while rank 0 writes
     * the outputs). */
    bool hash_whole_only;
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
    /* [n_files] candidates (rows passing the row checks; duplicate record
     * ids included) and rows rejected by the row checks (every reason but
     * duplicate_record_id) that this process read from each file: of the
     * whole file in an ordinary run, of its share in a sliced one.  Its
     * candidates are numbered from 0 in (file, line) order, so candidate c
     * of file f is the run's candidate c + dg_slice_cand_offsets(..)[f]. */
    uint64_t *slice_cands, *slice_rejects;
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
/* The same with their length in bytes (*len), for ids that hold a NUL byte. */
const char *dg_dataset_staff_bytes(const DgDataset *d, uint32_t id, size_t *len);
const char *dg_dataset_patient_bytes(const DgDataset *d, uint32_t id, size_t *len);
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

/* A dataset of rows validated elsewhere (the ranks of an MPI run,
 * docs/scale.md): the files are `paths`, nothing is read, every count is 0
 * and there are no rows.  Staff ids are added first
 * (dg_dataset_add_staff, returning a provisional number), then
 * dg_dataset_staff_done makes them dense (dg_dataset_staff_final); two
 * datasets given the same staff in the same order number them alike.
 * Patients may be added at any time (dg_dataset_add_patient returns the
 * patient number for DgRow.patient); rows come with dg_dataset_keep_rows. */
DgDataset *dg_dataset_new_ids(const char *const *paths, size_t n_paths);
uint32_t dg_dataset_add_staff(DgDataset *d, uint32_t unit, const char *staff_id, size_t len);
void dg_dataset_staff_done(DgDataset *d);
uint32_t dg_dataset_add_patient(DgDataset *d, const char *patient_id, size_t len);
/* Patient numbers (DgRow.patient) are below this bound, but not every
 * number below it is used (they are packed per shard); the bound is close
 * to dg_dataset_n_patients.  For arrays indexed by patient number. */
size_t dg_dataset_patient_limit(const DgDataset *d);

/* patient_id text of patient number `id`, or NULL when no patient has that
 * number (id < dg_dataset_patient_limit).  Thread-safe once validated. */
const char *dg_dataset_patient_at(const DgDataset *d, uint32_t id);

/* ---- Slices: one process's share of every input (docs/scale.md, "How
 * ranks split the inputs") --------------------------------------------
 *
 * n processes (MPI ranks) validate one run together: slice k of n reads
 * only its share of each input, and the union of the n slices' results is
 * exactly the one-process validation.  No MPI here; the caller moves the
 * slice table between processes (a sequential test can run the n slices
 * one after the other).
 *
 * Who reads what.  A plain input (a regular file, not gzip, no
 * --encoding conversion) of S bytes whose header record ends at byte H is
 * cut into raw slices: slice k gets bytes [H + k(S-H)/n, H + (k+1)(S-H)/n).
 * Every slice counts the '"' and '\n' bytes of its raw slice (phase 1,
 * dg_validate_slice_counts); once the counts are gathered, every slice
 * knows the quote parity and the line number at every raw boundary, and
 * slice k validates the records that *start* in its raw slice: from the
 * first record start at or after its raw start to the first at or after
 * the next raw start (a record start is the byte after a '\n' preceded by
 * an even number of '"' since H: the rule of the chunker and the serial
 * scanner, docs/architecture.md).  JSON Lines inputs are cut the same way
 * with '\n' only (quotes are not special there).  A gzip input or one
 * decoded from --encoding GB18030/GBK goes whole to slice (file index mod
 * n); an input that cannot be read twice (a FIFO, a pipe, "-") goes whole
 * to slice 0 and no other slice opens it.  Every slice reads the header of
 * every regular input (so a header error is the same error on every
 * slice); slice 0 also reads the FIFOs and standard input.
 *
 * What a sliced dataset holds (n_slices > 1):
 *  - per-slice partials, to be summed over the slices: rows_read,
 *    rows_accepted (= candidates: a sliced run finds no duplicate record
 *    ids, the caller does, as in spill mode), rows_rejected, by_reason[],
 *    bytes_in (each plain input's bytes are counted once, by the slice
 *    whose records they hold, the header's by slice 0), file_rows[],
 *    file_bad_text[], file_bad_text_gb[], slice_cands[], slice_rejects[],
 *    and the us_* timings (per slice, not summed);
 *  - rows (the slice's candidates, in input order, with the run's
 *    (file, line)) and rejects (the run's (file, line); merge the slices'
 *    lists by (file, line));
 *  - slice-local: staff and patient numbers (dg_dataset_staff and
 *    dg_dataset_patient give the strings to match them across slices);
 *  - whole-run, identical to the one-process run on slice 0: files,
 *    encoding_given, unknown_columns / unknown_column_file (slice 0 reads
 *    every header; other slices miss only those of FIFOs and standard
 *    input) and input_sha256 on every slice that set hash_inputs: a sliced
 *    slice computes the digest of each whole regular input by reading it
 *    once more (the bytes outside its range only to hash them), on a
 *    thread of its own while it validates its share, so set hash_inputs
 *    on one slice, normally 0 — or, with hash_whole_only, on every slice:
 *    each then digests what it reads whole (a compressed input, a FIFO)
 *    and the byte-ranged inputs are left to dg_validate_slice_digests;
 *  - dg_validate_review must be given the summed counts (one slice's
 *    counts are not the run's).
 * Spill (DgRowBatch) works per slice: batches hold the slice's candidates
 * numbered from 0.  The candidate-count limit (2^32 - 1) is checked per
 * slice; the caller checks the sum.
 *
 * Input changes: each slice checks, as an ordinary run does, that a file's
 * size and modification time are the same at its end as when it opened it
 * and that its range was read in full; all slices must also have seen the
 * same size and header end in phase 1 (else "the input changed while it
 * was being read", DG_E_IO).  Node-local copies of an input must be
 * byte-identical. */

/* Words per slice in the slice table of a run over n_paths inputs:
 * 1 + 5 * n_paths. */
size_t dg_slice_words(size_t n_paths);

/* Phase 1 on slice opt->slice of opt->n_slices (n_slices >= 1): fill
 * mine[dg_slice_words(n_paths)] with this slice's row of the slice table
 * (for each input: how it is shared, its size, its header end, and the
 * '"' and '\n' bytes of this slice's raw slice).  Reads each plain
 * input's header and this slice's raw slice, nothing else; opens no FIFO.
 * Uses opt->slice, n_slices, format, encoding and max_record.  On failure mine[0]
 * holds the status (mine is always filled, so the caller can still gather
 * it; the other slices then fail with "slice k could not ..." and the same
 * status) and the error is returned.  Errors: DG_E_IO (cannot open or read
 * an input), DG_E_USAGE (bad slice numbers, or unknown encoding). */
DgStatus dg_validate_slice_counts(const char *const *paths, size_t n_paths, const DgValidateOptions *opt,
                                  uint64_t *mine, DgError *err);

/* Phase 2 is dg_validate_files with opt->slice / n_slices and the
 * gathered table in opt->slice_table (or opt->gather).  Its extra errors
 * for a sliced run: the failure status of the first slice whose row says
 * it failed (DG_E_* as that slice had it), DG_E_IO when the slices saw
 * different sizes or header ends of an input or this slice's view changed
 * since phase 1, DG_E_USAGE for bad slice numbers or no table and no
 * gather. */

/* The SHA-256 (hex) of every input that the slices read in byte ranges
 * (no slice reads it whole, so with hash_whole_only none digests it),
 * read once more from the start: `table` is the gathered slice table of
 * n_slices rows.  hex[f] is written for those inputs only; returns their
 * number in *n_hashed.  Each must still have the size the slices saw and
 * must not change while it is read.  Errors: DG_E_IO (cannot be read, or
 * changed: "the input changed while it was being read"), with *file the
 * input. */
DgStatus dg_validate_slice_digests(const uint64_t *table, unsigned n_slices, const char *const *paths,
                                   size_t n_paths, char (*hex)[65], size_t *n_hashed, size_t *file, DgError *err);

/* Candidate-number offsets of slice `slice`: cands_all[j * n_files + f] is
 * slice j's slice_cands[f] (gathered).  off[f] (n_files entries) is what
 * to add to this slice's number of a candidate of file f to get its number
 * in the one-process run.  Pure. */
void dg_slice_cand_offsets(const uint64_t *cands_all, unsigned n_slices, unsigned slice, size_t n_files,
                           uint64_t *off);

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
