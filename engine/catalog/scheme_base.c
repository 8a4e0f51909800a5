/*
 * The pieces of the scheme loader that scheme.c (scheme.json) and
 * scheme_tables.c (the CSV files) share: the scheme's arena, the
 * configuration file reader, the message helpers, and the lookups on a
 * loaded scheme.  Both loaders depend on this file and it on neither, so
 * the catalog stage has no circle between files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/scheme_priv.h"

#define MAX_CONFIG_BYTES ((size_t)1 << 30)
#define ARENA_BLOCK 65536

/* ---- arena ---------------------------------------------------------------- */

void *dg_catalog_alloc(DgScheme *s, size_t n)
{
    DgArena *a = &s->index->arena;
    n = (n + 7) & ~(size_t)7;
    if (n == 0)
        n = 8;
    if (n > a->left) {
        size_t cap = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
        if (a->n_blocks == a->cap_blocks) {
            a->cap_blocks = a->cap_blocks ? a->cap_blocks * 2 : 16;
            a->blocks = dg_xrealloc(a->blocks, a->cap_blocks * sizeof *a->blocks);
        }
        char *b = dg_xcalloc(1, cap);
        a->blocks[a->n_blocks++] = b;
        if (cap != ARENA_BLOCK) /* a big object gets its own block; keep filling the current one */
            return b;
        a->cur = b;
        a->left = cap;
    }
    char *p = a->cur;
    a->cur += n;
    a->left -= n;
    return p;
}

const char *dg_catalog_strdup(DgScheme *s, const char *p, size_t n)
{
    char *d = dg_catalog_alloc(s, n + 1);
    memcpy(d, p, n);
    d[n] = 0;
    return d;
}

void dg_catalog_arena_free(DgArena *a)
{
    for (size_t i = 0; i < a->n_blocks; i++)
        free(a->blocks[i]);
    free(a->blocks);
}

/* ---- files ---------------------------------------------------------------- */

DgStatus dg_catalog_read_file(const char *path, char **buf, size_t *len, DgError *err)
{
    *buf = NULL;
    *len = 0;
    /* O_NONBLOCK: a FIFO named by a scheme must not hang the run at open() */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return dg_error_set(err, DG_E_IO, path, 0, 0, "cannot open the file: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return dg_error_set(err, DG_E_IO, path, 0, 0, "cannot read the file: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return dg_error_set(err, DG_E_IO, path, 0, 0,
                            S_ISDIR(st.st_mode) ? "is a directory, not a file"
                                                : "is not a regular file; name a file on disk");
    }
    if ((uint64_t)st.st_size > MAX_CONFIG_BYTES) {
        close(fd);
        return dg_error_set(err, DG_E_IO, path, 0, 0, "is larger than 1 GiB; a configuration file cannot be this big");
    }
    size_t cap = st.st_size > 0 && (uint64_t)st.st_size < MAX_CONFIG_BYTES ? (size_t)st.st_size + 1 : 4096;
    char *b = dg_xmalloc(cap + 1);
    size_t n = 0;
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_CONFIG_BYTES) {
                free(b);
                close(fd);
                return dg_error_set(err, DG_E_IO, path, 0, 0,
                                    "is larger than 1 GiB; a configuration file cannot be this big");
            }
            cap *= 2;
            b = dg_xrealloc(b, cap + 1);
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(b);
            close(fd);
            return dg_error_set(err, DG_E_IO, path, 0, 0, "cannot read the file: %s", strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    b[n] = 0;
    *buf = b;
    *len = n;
    return DG_OK;
}

/* ---- message helpers --------------------------------------------------- */

void dg_catalog_quote(const char *p, size_t n, char *buf, size_t cap)
{
    size_t lim = 60, o = 0, i = 0;
    if (cap < 8) {
        if (cap)
            buf[0] = 0;
        return;
    }
    if (lim > cap - 5)
        lim = cap - 5;
    while (i < n && o < lim) {
        unsigned char c = (unsigned char)p[i];
        size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (i + k > n || o + k > lim)
            break;
        if (k == 1 && (c < 0x20 || c == 0x7F || c >= 0x80)) {
            buf[o++] = '?';
        } else {
            memcpy(buf + o, p + i, k);
            o += k;
        }
        i += k;
    }
    if (i < n) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = 0;
}

void dg_catalog_dec_problem(const char *p, size_t n, DgDecResult r, int scale, char *buf, size_t cap)
{
    if (r == DG_DEC_TOO_PRECISE) {
        /* count the decimals that matter (trailing zeros are judged by value) */
        const char *dot = memchr(p, '.', n);
        size_t d = 0;
        if (dot) {
            size_t fs = (size_t)(dot - p) + 1, e = n;
            while (e > fs && p[e - 1] == '0')
                e--;
            d = e - fs;
        }
        snprintf(buf, cap, "has %zu decimals; at most %d %s allowed (values are never rounded)", d, scale,
                 scale == 1 ? "is" : "are");
    } else if (r == DG_DEC_OVERFLOW) {
        snprintf(buf, cap, "is too large");
    } else if (n == 0) {
        snprintf(buf, cap, "is empty");
    } else if (memchr(p, 'e', n) || memchr(p, 'E', n)) {
        snprintf(buf, cap, "has an exponent; write the plain decimal (e.g. 1000, not 1e3)");
    } else if (memchr(p, '%', n)) {
        snprintf(buf, cap, "has a '%%' sign; write the plain decimal (e.g. 0.4535 for 45.35%%)");
    } else if (memchr(p, ',', n)) {
        snprintf(buf, cap, "has a comma; write the plain decimal without thousands separators");
    } else {
        snprintf(buf, cap, "is not a plain decimal number (digits with an optional '.' and fraction; "
                           "no sign '+', spaces, exponent or thousands separators)");
    }
}

/* ---- lookups ------------------------------------------------------------- */

int64_t dg_scheme_unit_find(const DgScheme *s, const char *id, size_t len)
{
    return dg_intern_find(s->index->unit_ids, id, len);
}

int64_t dg_scheme_code_find(const DgScheme *s, const char *code, size_t len)
{
    return dg_intern_find(s->index->codes, code, len);
}

int64_t dg_scheme_row_at(const DgScheme *s, uint32_t code_id, int32_t day)
{
    if (code_id >= s->n_codes)
        return -1;
    /* rows of a code are sorted by valid_from and disjoint: the candidate is
     * the last row starting on or before `day` */
    size_t lo = s->code_first[code_id], hi = lo + s->code_nrows[code_id];
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->catalog[mid].valid_from <= day)
            lo = mid;
        else
            hi = mid;
    }
    const DgCatalogRow *r = &s->catalog[lo];
    return r->valid_from <= day && day <= r->valid_to ? (int64_t)lo : -1;
}
