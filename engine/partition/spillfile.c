/*
 * Temporary partition files; see spillfile.h for the design.
 */
#include "spillfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

typedef struct SpillFile {
    char *path;
    int fd;
    uint64_t size; /* bytes written (one writer at a time per file) */
} SpillFile;

struct DgSpillDir {
    char *dir;
    SpillFile *f;
    unsigned n_files;   /* files created so far (the cleanup removes these) */
    unsigned n_paths;
    _Atomic uint64_t total; /* bytes written in all, by any thread */
    uint64_t fail_after;
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

DgStatus dg_spill_open(const char *tmp, unsigned n, uint64_t fail_after, DgSpillDir **out, DgError *err)
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

DgStatus dg_spill_writev(DgSpillDir *sd, unsigned i, const struct iovec *iov, int n_iov, DgError *err)
{
    SpillFile *f = &sd->f[i];
    struct iovec v[64];
    while (n_iov > 0) {
        int k = n_iov < 64 ? n_iov : 64;
        size_t want = 0;
        for (int j = 0; j < k; j++) {
            v[j] = iov[j];
            want += iov[j].iov_len;
        }
        iov += k;
        n_iov -= k;
        struct iovec *at = v;
        int left = k;
        while (want) {
            ssize_t w;
            uint64_t before = atomic_fetch_add(&sd->total, (uint64_t)want);
            if (sd->fail_after && before + want > sd->fail_after) {
                atomic_fetch_sub(&sd->total, (uint64_t)want);
                w = -1;
                errno = ENOSPC;
            } else {
                w = writev(f->fd, at, left);
                atomic_fetch_sub(&sd->total, (uint64_t)want - (w > 0 ? (uint64_t)w : 0));
            }
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return io_fail(sd, i, w < 0 ? errno : ENOSPC, "write", err);
            f->size += (uint64_t)w;
            want -= (size_t)w;
            /* a short write: skip what went out */
            size_t done = (size_t)w;
            while (left && done >= at->iov_len) {
                done -= at->iov_len;
                at++;
                left--;
            }
            if (left) {
                at->iov_base = (char *)at->iov_base + done;
                at->iov_len -= done;
            }
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
    return atomic_load(&sd->total);
}

DgStatus dg_spill_map(DgSpillDir *sd, unsigned i, const char **buf, size_t *len, DgError *err)
{
    SpillFile *f = &sd->f[i];
    *buf = NULL;
    *len = 0;
    if (f->size) {
        int fd = open(f->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return io_fail(sd, i, errno, "read", err);
        struct stat stb;
        if (fstat(fd, &stb) != 0 || (uint64_t)stb.st_size != f->size) {
            int e = errno ? errno : EIO;
            close(fd);
            return io_fail(sd, i, e, "read", err);
        }
        /* the pages are (mostly) in the page cache: map them, populated, instead of copying
         * them into fresh memory */
        void *m = mmap(NULL, (size_t)f->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        int e = errno;
        close(fd);
        if (m == MAP_FAILED)
            return io_fail(sd, i, e, "read", err);
        *buf = m;
        *len = (size_t)f->size;
    }
    unlink(f->path);
    return DG_OK;
}

void dg_spill_unmap(const char *buf, size_t len)
{
    if (buf)
        munmap((void *)(uintptr_t)buf, len);
}

void dg_spill_close(DgSpillDir *sd)
{
    if (!sd)
        return;
    for (unsigned i = 0; i < sd->n_files; i++)
        if (sd->f[i].fd >= 0)
            close(sd->f[i].fd);
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
