/*
 * Output files written atomically: the bytes go to a fresh temporary name
 * in the destination folder and are renamed into place only when complete,
 * so a reader never sees half a payouts file.
 *
 * The temporary name is random and created with
 * openat(dirfd, O_CREAT|O_EXCL|O_NOFOLLOW), so a file or symlink planted
 * under a guessed name is never opened or followed, and the final rename
 * replaces a planted symlink rather than writing through it.  A run writes
 * every file into its own private folder (runfolder.h) that is renamed
 * into place as a whole at the end.
 *
 * The bytes are hashed (SHA-256) on their way to the file, through a
 * stdio cookie stream, so the manifest needs no second read of an output;
 * the time spent in write(2) and fsync(2) and the byte count are kept for
 * the manifest's timings.  One DgOutFile belongs to one thread; several
 * may be written at once (run_outputs.c writes the outputs of a run
 * concurrently).
 *
 * For tests, dg_output_test_fault() makes the Nth output fail as a full
 * disk would, or raises SIGINT after the Nth output.  N counts outputs in
 * the fixed order of a run (dg_outfile_reserve), not in the order in which
 * concurrent writers happen to finish, so a fault hits the same file
 * whatever the thread count.
 */
#ifndef DG_OUTFILE_H
#define DG_OUTFILE_H

#include <stdio.h>

#include "dangliang/common.h"

typedef struct DgOutFileSink DgOutFileSink;

typedef struct DgOutFile {
    FILE *fp;
    int dirfd;
    long ordinal;     /* the fault counter's number for this file; 0: the next one at commit */
    DgOutFileSink *sink; /* the cookie behind fp: descriptor, hash, counters */
    char *tmp_name;   /* inside the folder */
    char *name;       /* final name inside the folder */
    char *final_path; /* DIR/NAME, for messages */
    char *buf;
} DgOutFile;

/* Create DIR if needed and open a new temporary file in it for NAME.
 * DG_E_IO on failure. */
DgStatus dg_outfile_open(DgOutFile *o, const char *dir, const char *name, DgError *err);

/* What a committed file was: its SHA-256, size and where its time went. */
typedef struct DgOutFileDone {
    char sha256[65];     /* lowercase hex */
    uint64_t bytes;
    uint64_t us_write;   /* inside write(2) */
    uint64_t us_fsync;   /* inside fsync(2) */
    uint64_t us_cpu_other; /* CPU spent for it by other threads (the workbook's sheet tasks) */
} DgOutFileDone;

/* Flush, fsync, close and rename into place.  DG_E_IO on failure (the
 * temporary file is removed). */
DgStatus dg_outfile_commit(DgOutFile *o, DgError *err);

/* The same, also filling *done (may be NULL) on success. */
DgStatus dg_outfile_commit_done(DgOutFile *o, DgOutFileDone *done, DgError *err);

/* For a file written by another library at o->tmp_name (the workbook):
 * the hash and size are taken by reading it back before the fsync. */
DgStatus dg_outfile_commit_external(DgOutFile *o, DgOutFileDone *done, DgError *err);

/* Reserve n consecutive numbers of the fault counter for outputs written
 * concurrently; returns the first.  Thread-safe. */
long dg_outfile_reserve(long n);

/* Close and remove the temporary file (after an error).  Safe on a closed/zeroed DgOutFile. */
void dg_outfile_abort(DgOutFile *o);

/* mkdir -p. */
DgStatus dg_mkdir_p(const char *dir, DgError *err);

/* SHA-256 of a file as 64 lowercase hex digits into hex[65].  DG_E_IO on failure. */
DgStatus dg_sha256_file(const char *path, char hex[65], DgError *err);

/* Test hooks (set from DANGLIANG_TEST_FAULT by the CLI): the fault armed
 * now, or 0.  See dg_output_test_fault in dangliang/runfolder.h. */
typedef enum { DG_FAULT_NONE = 0, DG_FAULT_FAIL_WRITE, DG_FAULT_SIGINT_AFTER, DG_FAULT_SIGINT_AT, DG_FAULT_SIGSTOP_AT } DgFaultKind;
extern DgFaultKind dg_fault_kind;
extern long dg_fault_n;      /* the Nth output (1-based) for FAIL_WRITE / SIGINT_AFTER */
extern long dg_fault_n2;     /* FAIL_WRITE: a second output that fails too ("fail-write:N,M"), or 0 */
extern char dg_fault_at[32]; /* a named point for SIGINT_AT */
/* Raise SIGINT (SIGSTOP) when the armed fault is SIGINT_AT (SIGSTOP_AT) `point`. */
void dg_fault_point(const char *point);

#endif
