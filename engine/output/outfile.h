/*
 * Output files written atomically: the bytes go to a temporary name in the
 * destination folder and are renamed into place only when complete, so a
 * reader never sees half a payouts file; manifest.json, written last,
 * marks a complete run.
 */
#ifndef DG_OUTFILE_H
#define DG_OUTFILE_H

#include <stdio.h>

#include "dangliang/common.h"

typedef struct DgOutFile {
    FILE *fp;
    char *tmp_path;
    char *final_path;
    char *buf;
} DgOutFile;

/* Create DIR if needed and open DIR/.NAME.tmp.PID.  DG_E_IO on failure. */
DgStatus dg_outfile_open(DgOutFile *o, const char *dir, const char *name, DgError *err);

/* Flush, close and rename into place.  DG_E_IO on failure (the temp file is removed). */
DgStatus dg_outfile_commit(DgOutFile *o, DgError *err);

/* Close and remove the temporary file (after an error).  Safe on a closed/zeroed DgOutFile. */
void dg_outfile_abort(DgOutFile *o);

/* mkdir -p. */
DgStatus dg_mkdir_p(const char *dir, DgError *err);

/* SHA-256 of a file as 64 lowercase hex digits into hex[65].  DG_E_IO on failure. */
DgStatus dg_sha256_file(const char *path, char hex[65], DgError *err);

#endif
