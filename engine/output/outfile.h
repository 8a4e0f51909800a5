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
 * For tests, dg_output_test_fault() makes the Nth commit fail as a full
 * disk would, or raises SIGINT after the Nth commit.
 */
#ifndef DG_OUTFILE_H
#define DG_OUTFILE_H

#include <stdio.h>

#include "dangliang/common.h"

typedef struct DgOutFile {
    FILE *fp;
    int dirfd;
    char *tmp_name;   /* inside the folder */
    char *name;       /* final name inside the folder */
    char *final_path; /* DIR/NAME, for messages */
    char *buf;
} DgOutFile;

/* Create DIR if needed and open a new temporary file in it for NAME.
 * DG_E_IO on failure. */
DgStatus dg_outfile_open(DgOutFile *o, const char *dir, const char *name, DgError *err);

/* Flush, fsync, close and rename into place.  DG_E_IO on failure (the
 * temporary file is removed). */
DgStatus dg_outfile_commit(DgOutFile *o, DgError *err);

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
extern long dg_fault_n;      /* the Nth commit (1-based) for FAIL_WRITE / SIGINT_AFTER */
extern char dg_fault_at[32]; /* a named point for SIGINT_AT */
/* Raise SIGINT (SIGSTOP) when the armed fault is SIGINT_AT (SIGSTOP_AT) `point`. */
void dg_fault_point(const char *point);

#endif
