/*
 * Byte ranges of one plain input (see slices.h for the contract).
 *
 * All three tools stream the file through one buffer of BLOCK bytes with
 * pread(2): counting is the chunker's SIMD counter over each block, the
 * record-start search is a byte loop that stops at the first '\n' at even
 * parity (normally within a line of the boundary), and the digest is the
 * engine's SHA-256.  A read that ends before the bytes the caller was told
 * exist means the file shrank: the error of an input that changed.
 */
#include "slices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chunker.h"
#include "common/sha256.h"

#define BLOCK (1u << 20)

static DgStatus open_ro(const char *path, int *fd, DgError *err)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return dg_error_set(err, DG_E_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    return DG_OK;
}

static DgStatus changed(const char *path, DgError *err)
{
    return dg_error_set(err, DG_E_IO, path, 0, 0,
                        "the input changed while it was being read; run again on a copy that is not being written");
}

/* Read exactly n bytes at off into buf. */
static DgStatus read_at(int fd, const char *path, char *buf, size_t n, uint64_t off, DgError *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return dg_error_set(err, DG_E_IO, path, 0, 0, "cannot read: %s", strerror(errno));
        if (r == 0)
            return changed(path, err);
        got += (size_t)r;
    }
    return DG_OK;
}

DgStatus dg_slices_count(const char *path, uint64_t begin, uint64_t end, bool quote_aware, uint64_t *nq,
                         uint64_t *nn, DgError *err)
{
    *nq = *nn = 0;
    if (begin >= end)
        return DG_OK;
    int fd;
    DgStatus st = open_ro(path, &fd, err);
    if (st != DG_OK)
        return st;
    posix_fadvise(fd, (off_t)begin, (off_t)(end - begin), POSIX_FADV_SEQUENTIAL);
    char *buf = dg_xmalloc(BLOCK);
    for (uint64_t off = begin; off < end && st == DG_OK; off += BLOCK) {
        size_t n = end - off < BLOCK ? (size_t)(end - off) : BLOCK;
        if ((st = read_at(fd, path, buf, n, off, err)) == DG_OK) {
            uint64_t q, l;
            dg_chunk_count(buf, n, quote_aware, &q, &l);
            *nq += q;
            *nn += l;
        }
    }
    free(buf);
    close(fd);
    return st;
}

DgStatus dg_slices_record_start(const char *path, uint64_t head, uint64_t r, uint64_t size, bool in_quotes,
                                bool quote_aware, uint64_t *p, uint64_t *newlines, DgError *err)
{
    *newlines = 0;
    if (r <= head || r >= size) {
        *p = r <= head ? head : size;
        return DG_OK;
    }
    int fd;
    DgStatus st = open_ro(path, &fd, err);
    if (st != DG_OK)
        return st;
    char *buf = dg_xmalloc(BLOCK);
    bool inq = quote_aware && in_quotes;
    uint64_t nl = 0, found = size;
    /* the byte before r: a '\n' outside quotes makes r itself a start ('\n'
     * is not a quote, so the parity before it is the parity at r) */
    uint64_t off = r - 1;
    bool first = true;
    while (off < size && found == size && st == DG_OK) {
        size_t n = size - off < BLOCK ? (size_t)(size - off) : BLOCK;
        if ((st = read_at(fd, path, buf, n, off, err)) != DG_OK)
            break;
        size_t i = 0;
        if (first) {
            first = false;
            if (buf[0] == '\n' && !inq) {
                found = r;
                break;
            }
            i = 1;
        }
        for (; i < n; i++) {
            char c = buf[i];
            if (c == '"' && quote_aware) {
                inq = !inq;
            } else if (c == '\n') {
                nl++;
                if (!inq) {
                    found = off + i + 1;
                    break;
                }
            }
        }
        off += n;
    }
    free(buf);
    close(fd);
    *p = found;
    *newlines = nl;
    return st;
}

DgStatus dg_slices_sha256(const char *path, uint64_t size, char hex[65], DgError *err)
{
    int fd;
    DgStatus st = open_ro(path, &fd, err);
    if (st != DG_OK)
        return st;
    struct stat a, b;
    if (fstat(fd, &a) != 0 || (uint64_t)a.st_size != size) {
        close(fd);
        return changed(path, err);
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    DgSha256 sha;
    dg_sha256_init(&sha);
    char *buf = dg_xmalloc(BLOCK);
    for (uint64_t off = 0; off < size && st == DG_OK; off += BLOCK) {
        size_t n = size - off < BLOCK ? (size_t)(size - off) : BLOCK;
        if ((st = read_at(fd, path, buf, n, off, err)) == DG_OK)
            dg_sha256_update(&sha, buf, n);
    }
    free(buf);
    if (st == DG_OK && (fstat(fd, &b) != 0 || b.st_size != a.st_size || b.st_mtim.tv_sec != a.st_mtim.tv_sec ||
                        b.st_mtim.tv_nsec != a.st_mtim.tv_nsec))
        st = changed(path, err);
    close(fd);
    if (st == DG_OK)
        dg_sha256_final_hex(&sha, hex);
    return st;
}
