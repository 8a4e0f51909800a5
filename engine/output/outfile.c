/*
 * Atomic output files and file hashing (see outfile.h).
 */
#include "outfile.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sha256.h"

#define OUTBUF (1u << 20)

DgStatus dg_mkdir_p(const char *dir, DgError *err)
{
    if (g_mkdir_with_parents(dir, 0777) != 0)
        return dg_error_set(err, DG_E_IO, dir, 0, 0, "cannot create the output folder: %s", strerror(errno));
    return DG_OK;
}

DgStatus dg_outfile_open(DgOutFile *o, const char *dir, const char *name, DgError *err)
{
    memset(o, 0, sizeof *o);
    DgStatus st = dg_mkdir_p(dir, err);
    if (st != DG_OK)
        return st;
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    char *tmpname = g_strconcat(".", name, ".tmp.", pid, NULL);
    char *t = g_build_filename(dir, tmpname, NULL);
    char *f = g_build_filename(dir, name, NULL);
    g_free(tmpname);
    o->tmp_path = dg_xstrdup(t);
    o->final_path = dg_xstrdup(f);
    g_free(t);
    g_free(f);
    o->fp = fopen(o->tmp_path, "wb");
    if (!o->fp) {
        st = dg_error_set(err, DG_E_IO, o->tmp_path, 0, 0, "cannot create: %s", strerror(errno));
        dg_outfile_abort(o);
        return st;
    }
    o->buf = dg_xmalloc(OUTBUF);
    setvbuf(o->fp, o->buf, _IOFBF, OUTBUF);
    return DG_OK;
}

static void release(DgOutFile *o)
{
    free(o->tmp_path);
    free(o->final_path);
    free(o->buf);
    memset(o, 0, sizeof *o);
}

DgStatus dg_outfile_commit(DgOutFile *o, DgError *err)
{
    DgStatus st = DG_OK;
    bool bad = ferror(o->fp) != 0;
    if (fclose(o->fp) != 0 || bad) {
        o->fp = NULL;
        st = dg_error_set(err, DG_E_IO, o->final_path, 0, 0, "cannot write: %s", strerror(errno));
        remove(o->tmp_path);
        release(o);
        return st;
    }
    o->fp = NULL;
    if (rename(o->tmp_path, o->final_path) != 0) {
        st = dg_error_set(err, DG_E_IO, o->final_path, 0, 0, "cannot rename the finished file into place: %s",
                          strerror(errno));
        remove(o->tmp_path);
    }
    release(o);
    return st;
}

void dg_outfile_abort(DgOutFile *o)
{
    if (o->fp)
        fclose(o->fp);
    if (o->tmp_path)
        remove(o->tmp_path);
    release(o);
}

DgStatus dg_sha256_file(const char *path, char hex[65], DgError *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return dg_error_set(err, DG_E_IO, path, 0, 0, "cannot open to hash: %s", strerror(errno));
    DgSha256 c;
    dg_sha256_init(&c);
    unsigned char *buf = dg_xmalloc(1 << 20);
    size_t n;
    while ((n = fread(buf, 1, 1 << 20, fp)) > 0)
        dg_sha256_update(&c, buf, n);
    DgStatus st = DG_OK;
    if (ferror(fp))
        st = dg_error_set(err, DG_E_IO, path, 0, 0, "cannot read to hash: %s", strerror(errno));
    else
        dg_sha256_final_hex(&c, hex);
    free(buf);
    fclose(fp);
    return st;
}
