/*
 * Temporary partition files; see spillfile.h for the design.
 */
#include "spillfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct SpillFile {
    char *path;
    int fd;
    char *buf;
    size_t n;
    uint64_t size;
} SpillFile;

struct DgSpillDir {
    char *dir;
    SpillFile *f;
    unsigned n_files;   /* files created so far (the cleanup removes these) */
    unsigned n_paths;
    size_t buf;
    uint64_t total, fail_after;
};

/* The live folder, for dg_spill_cleanup_now (set once its paths exist). */
static DgSpillDir *volatile g_live;

void dg_spill_cleanup_now(void)
{
    DgSpillDir *sd = g_live;
    if (!sd)
        return;
    for (unsigned i = 0; i < sd->n_files; i++)
        unlink(sd->f[i].path);
    rmdir(sd->dir);
}

static DgStatus io_fail(DgSpillDir *sd, unsigned i, int e, const char *what, DgError *err)
{
    return dg_error_set(err, DG_E_IO, sd->f[i].path, 0, 0,
                        "cannot %s this temporary file: %s; free space in the --tmp folder or give another one "
                        "(a spilled run needs about 60 bytes of temporary space per row)",
                        what, strerror(e));
}

DgStatus dg_spill_open(const char *tmp, unsigned n, size_t buf, uint64_t fail_after, DgSpillDir **out, DgError *err)
{
    if (!tmp || !*tmp)
        tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    size_t tl = strlen(tmp);
    char *dir = dg_xmalloc(tl + 32);
    snprintf(dir, tl + 32, "%s/dangliang-XXXXXX", tmp);
    if (!mkdtemp(dir)) {
        int e = errno;
        DgStatus st = dg_error_set(err, DG_E_IO, tmp, 0, 0,
                                   "cannot make a temporary folder here: %s; give a writable folder with --tmp DIR",
                                   strerror(e));
        free(dir);
        return st;
    }
    DgSpillDir *sd = dg_xcalloc(1, sizeof *sd);
    sd->dir = dir;
    sd->buf = buf < 4096 ? 4096 : buf;
    sd->fail_after = fail_after;
    sd->f = dg_xcalloc(n ? n : 1, sizeof *sd->f);
    sd->n_paths = n;
    for (unsigned i = 0; i < n; i++) {
        sd->f[i].path = dg_xmalloc(tl + 64);
        snprintf(sd->f[i].path, tl + 64, "%s/p%05u.bin", dir, i);
        sd->f[i].fd = -1;
    }
    g_live = sd;
    for (unsigned i = 0; i < n; i++) {
        sd->n_files = i + 1; /* counted before it exists: the cleanup may race the open */
        sd->f[i].fd = open(sd->f[i].path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (sd->f[i].fd < 0) {
            DgStatus st = io_fail(sd, i, errno, "create", err);
            dg_spill_close(sd);
            return st;
        }
    }
    *out = sd;
    return DG_OK;
}

static DgStatus flush_file(DgSpillDir *sd, unsigned i, DgError *err)
{
    SpillFile *f = &sd->f[i];
    size_t done = 0;
    while (done < f->n) {
        size_t want = f->n - done;
        ssize_t w;
        if (sd->fail_after && sd->total + want > sd->fail_after) {
            w = -1;
            errno = ENOSPC;
        } else {
            w = write(f->fd, f->buf + done, want);
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return io_fail(sd, i, w < 0 ? errno : ENOSPC, "write", err);
        done += (size_t)w;
        sd->total += (uint64_t)w;
    }
    f->n = 0;
    return DG_OK;
}

DgStatus dg_spill_write(DgSpillDir *sd, unsigned i, const void *p, size_t n, DgError *err)
{
    SpillFile *f = &sd->f[i];
    if (!f->buf)
        f->buf = dg_xmalloc(sd->buf);
    const char *s = p;
    f->size += n;
    while (n) {
        size_t room = sd->buf - f->n, k = n < room ? n : room;
        memcpy(f->buf + f->n, s, k);
        f->n += k;
        s += k;
        n -= k;
        if (f->n == sd->buf) {
            DgStatus st = flush_file(sd, i, err);
            if (st != DG_OK)
                return st;
        }
    }
    return DG_OK;
}

DgStatus dg_spill_end_writes(DgSpillDir *sd, DgError *err)
{
    for (unsigned i = 0; i < sd->n_files; i++) {
        SpillFile *f = &sd->f[i];
        if (f->fd < 0)
            continue;
        DgStatus st = flush_file(sd, i, err);
        if (st != DG_OK)
            return st;
        free(f->buf);
        f->buf = NULL;
        int rc = close(f->fd);
        f->fd = -1;
        if (rc != 0 && errno != EINTR)
            return io_fail(sd, i, errno, "write", err);
    }
    return DG_OK;
}

uint64_t dg_spill_size(const DgSpillDir *sd, unsigned i)
{
    return sd->f[i].size;
}

uint64_t dg_spill_total(const DgSpillDir *sd)
{
    return sd->total;
}

DgStatus dg_spill_take(DgSpillDir *sd, unsigned i, char **buf, size_t *len, DgError *err)
{
    SpillFile *f = &sd->f[i];
    *buf = NULL;
    *len = 0;
    if (f->size) {
        int fd = open(f->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return io_fail(sd, i, errno, "read", err);
        char *b = dg_xmalloc((size_t)f->size);
        size_t got = 0;
        while (got < f->size) {
            ssize_t r = read(fd, b + got, (size_t)f->size - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                int e = r < 0 ? errno : EIO;
                close(fd);
                free(b);
                return io_fail(sd, i, e, "read", err);
            }
            got += (size_t)r;
        }
        close(fd);
        *buf = b;
        *len = got;
    }
    unlink(f->path);
    return DG_OK;
}

void dg_spill_close(DgSpillDir *sd)
{
    if (!sd)
        return;
    for (unsigned i = 0; i < sd->n_files; i++) {
        if (sd->f[i].fd >= 0)
            close(sd->f[i].fd);
        free(sd->f[i].buf);
    }
    g_live = NULL;
    for (unsigned i = 0; i < sd->n_files; i++)
        unlink(sd->f[i].path);
    rmdir(sd->dir);
    for (unsigned i = 0; i < sd->n_paths; i++)
        free(sd->f[i].path);
    free(sd->f);
    free(sd->dir);
    free(sd);
}
