/*
 * The set-up shared by the fuzz targets that load a scheme folder
 * (fuzz_scheme.c, fuzz_registry.c): a private temporary folder
 * /tmp/dg_fuzz_<tag>_XXXXXX holding fixed files, into which each fuzz input
 * is written under one name before the engine reads the folder.  Created on
 * the first input; the folder and everything written into it are removed at
 * exit.  One fixture a program (each target is its own binary).
 */
#ifndef DG_FUZZ_FIXTURE_H
#define DG_FUZZ_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fz_dir[64];
static const char *const (*fz_fixed)[2];
static size_t fz_n_fixed;
static const char *fz_input_name;

/* buf = the fixture's folder / name */
static void fz_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", fz_dir, name);
}

static void fz_cleanup(void)
{
    char p[160];
    for (size_t i = 0; i < fz_n_fixed; i++) {
        fz_path(p, sizeof p, fz_fixed[i][0]);
        unlink(p);
    }
    fz_path(p, sizeof p, fz_input_name);
    unlink(p);
    rmdir(fz_dir);
}

/* Write data as the file `input_name` of the fixture, creating the folder
 * and its fixed files {name, contents}[n] first if needed; the path of the
 * input into path.  Aborts when the files cannot be written. */
static void fz_fixture_input(const char *tag, const char *const files[][2], size_t n, const char *input_name,
                             const uint8_t *data, size_t size, char *path, size_t cap)
{
    if (!fz_dir[0]) {
        snprintf(fz_dir, sizeof fz_dir, "/tmp/dg_fuzz_%s_XXXXXX", tag);
        if (!mkdtemp(fz_dir))
            abort();
        fz_fixed = files;
        fz_n_fixed = n;
        fz_input_name = input_name;
        atexit(fz_cleanup);
        for (size_t i = 0; i < n; i++) {
            char p[160];
            fz_path(p, sizeof p, files[i][0]);
            FILE *f = fopen(p, "wb");
            if (!f)
                abort();
            fputs(files[i][1], f);
            fclose(f);
        }
    }
    fz_path(path, cap, input_name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
}

#endif
