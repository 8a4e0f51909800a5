/*
 * Input sources (see source.h).
 *
 * Two modes.  A plain regular file with no encoding is mmap'ed: a window is
 * a pointer into the mapping, at most `want` bytes long so the caller never
 * touches more than one window of pages at a time, and consumed whole pages
 * are dropped with madvise(MADV_DONTNEED) so resident memory stays bounded.
 * Everything else (gzip, GB18030/GBK, and files that cannot be mapped such
 * as pipes) goes through a pipeline of streaming stages,
 *     read(2) -> [inflate] -> [iconv] -> output buffer,
 * where the output buffer keeps the unconsumed tail of the previous window
 * at its front and appends newly decoded bytes after it.  Bytes iconv
 * cannot decode become a single 0xFF each (never valid UTF-8), so a bad row
 * is rejected later instead of failing the run; an incomplete multibyte
 * sequence at a buffer end is carried over to the next read.  Concatenated
 * gzip members are decoded one after the other, as gzip(1) does.
 */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define RAW_BLOCK (256u << 10)  /* read(2) size for the streaming path */
#define OUT_MIN (1u << 20)      /* smallest output buffer */
#define OUT_SLACK 64            /* room beyond `want`: one decoded character always fits */

struct DgSource {
    char *path;
    int fd;
    uint64_t size;     /* st_size of a regular file, else 0 */
    uint64_t bytes_in;

    /* mmap mode */
    bool mapped;
    const char *map;
    size_t map_len, pos, win_end, released;
    size_t page;

    /* streaming mode: output buffer ob[start..len) is the window */
    char *ob;
    size_t ob_cap, ob_start, ob_len;
    bool out_eof, bom_checked;

    /* raw bytes read from fd: rbuf[r_pos..r_len) not yet used */
    unsigned char *rbuf;
    size_t r_pos, r_len;
    bool raw_eof;

    /* gzip */
    bool gz, zs_init, member_ended, gz_done;
    z_stream zs;

    /* iconv: ibuf[i_pos..i_len) is decompressed input not yet converted */
    bool conv, in_eof, need_more;
    GIConv cd;
    char *ibuf;
    size_t i_pos, i_len;
};

static const char empty_buf[1] = {0};

DgFormat dg_format_from_path(const char *path)
{
    if (!path)
        return DG_FORMAT_AUTO;
    size_t n = strlen(path);
    if (n >= 3 && strcasecmp(path + n - 3, ".gz") == 0)
        n -= 3;
    static const struct {
        const char *ext;
        DgFormat f;
    } tab[] = {{".csv", DG_FORMAT_CSV}, {".jsonl", DG_FORMAT_JSONL}, {".ndjson", DG_FORMAT_JSONL}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        size_t k = strlen(tab[i].ext);
        if (n > k && strncasecmp(path + n - k, tab[i].ext, k) == 0)
            return tab[i].f;
    }
    return DG_FORMAT_AUTO;
}

static DgStatus io_error(DgSource *s, int e, const char *what, DgError *err)
{
    return dg_error_set(err, DG_E_IO, s->path, 0, 0, "%s: %s", what, strerror(e));
}

/* read(2) up to cap bytes, retrying on EINTR.  -1 on error (errno set). */
static ssize_t read_some(int fd, void *dst, size_t cap)
{
    for (;;) {
        ssize_t r = read(fd, dst, cap);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

/* Refill rbuf (only when it is used up). */
static DgStatus raw_fill(DgSource *s, DgError *err)
{
    if (s->raw_eof || s->r_pos < s->r_len)
        return DG_OK;
    ssize_t r = read_some(s->fd, s->rbuf, RAW_BLOCK);
    if (r < 0)
        return io_error(s, errno, "cannot read", err);
    s->r_pos = 0;
    s->r_len = (size_t)r;
    s->bytes_in += (uint64_t)r;
    if (r == 0)
        s->raw_eof = true;
    return DG_OK;
}

/* Next bytes of the undecompressed stream: *n = 0 at its end. */
static DgStatus raw_produce(DgSource *s, char *dst, size_t cap, size_t *n, DgError *err)
{
    *n = 0;
    if (s->r_pos < s->r_len) { /* bytes read while sniffing */
        size_t k = s->r_len - s->r_pos < cap ? s->r_len - s->r_pos : cap;
        memcpy(dst, s->rbuf + s->r_pos, k);
        s->r_pos += k;
        *n = k;
        return DG_OK;
    }
    if (s->raw_eof)
        return DG_OK;
    ssize_t r = read_some(s->fd, dst, cap);
    if (r < 0)
        return io_error(s, errno, "cannot read", err);
    s->bytes_in += (uint64_t)r;
    if (r == 0)
        s->raw_eof = true;
    *n = (size_t)r;
    return DG_OK;
}

static DgStatus gz_produce(DgSource *s, char *dst, size_t cap, size_t *n, DgError *err)
{
    *n = 0;
    for (;;) {
        if (s->gz_done)
            return DG_OK;
        if (s->zs.avail_in == 0) {
            DgStatus st = raw_fill(s, err);
            if (st != DG_OK)
                return st;
            s->zs.next_in = s->rbuf + s->r_pos;
            s->zs.avail_in = (uInt)(s->r_len - s->r_pos);
            s->r_pos = s->r_len; /* handed to zlib */
        }
        if (s->member_ended) {
            if (s->zs.avail_in == 0 && s->raw_eof) {
                s->gz_done = true;
                return DG_OK;
            }
            inflateReset(&s->zs); /* another gzip member follows */
            s->member_ended = false;
        }
        s->zs.next_out = (Bytef *)dst;
        s->zs.avail_out = (uInt)cap;
        int rc = inflate(&s->zs, Z_NO_FLUSH);
        size_t got = cap - s->zs.avail_out;
        switch (rc) {
        case Z_STREAM_END:
            s->member_ended = true;
            break;
        case Z_OK:
        case Z_BUF_ERROR:
            if (got == 0 && s->zs.avail_in == 0 && s->raw_eof)
                return dg_error_set(err, DG_E_IO, s->path, 0, 0, "the gzip data is truncated");
            break;
        case Z_NEED_DICT:
        case Z_DATA_ERROR:
            return dg_error_set(err, DG_E_IO, s->path, 0, 0, "corrupt gzip data (%s)",
                                s->zs.msg ? s->zs.msg : "invalid data");
        default:
            return dg_error_set(err, DG_E_IO, s->path, 0, 0, "gzip decompression failed (zlib error %d)", rc);
        }
        if (got) {
            *n = got;
            return DG_OK;
        }
    }
}

/* Next bytes of the decompressed stream. */
static DgStatus upstream_produce(DgSource *s, char *dst, size_t cap, size_t *n, DgError *err)
{
    if (cap > (uInt)-1)
        cap = (uInt)-1;
    return s->gz ? gz_produce(s, dst, cap, n, err) : raw_produce(s, dst, cap, n, err);
}

/* Length of the leading run of ASCII bytes in p[0..n). */
static size_t ascii_prefix(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (n - i >= 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ULL)
            break;
        i += 8;
    }
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

/* Length of the run of GB18030 multibyte sequences at p[0..n) (p[0] >= 0x80),
 * by the lengths of the encoding: lead 0x81..0xFE then a digit = 4 bytes,
 * other lead = 2 bytes, anything else 1 (invalid, iconv will say so).  A
 * valid sequence never straddles the end of the run, so iconv sees the same
 * sequences as if it were given the whole input. */
static size_t gb_run(const unsigned char *p, size_t n)
{
    size_t j = 0;
    while (j < n && p[j] >= 0x80) {
        if (p[j] >= 0x81 && p[j] <= 0xFE)
            j += j + 1 < n && p[j + 1] >= 0x30 && p[j + 1] <= 0x39 ? 4 : 2;
        else
            j++;
    }
    return j < n ? j : n;
}

/* Convert into dst[0..cap) (cap >= OUT_SLACK): *n = 0 only at the end of
 * input.  ASCII is the same in GB18030 and UTF-8, so runs of it are copied
 * and only the multibyte runs go through iconv (several times faster on
 * logs that are mostly codes, digits and dates). */
static DgStatus conv_produce(DgSource *s, char *dst, size_t cap, size_t *n, DgError *err)
{
    size_t made = 0;
    while (made < cap) {
        size_t avail = s->i_len - s->i_pos;
        if ((avail == 0 || s->need_more) && !s->in_eof) {
            if (avail)
                memmove(s->ibuf, s->ibuf + s->i_pos, avail);
            s->i_pos = 0;
            s->i_len = avail;
            size_t got = 0;
            DgStatus st = upstream_produce(s, s->ibuf + avail, RAW_BLOCK - avail, &got, err);
            if (st != DG_OK)
                return st;
            if (got == 0)
                s->in_eof = true;
            s->i_len += got;
            s->need_more = false;
            continue;
        }
        if (avail == 0)
            break; /* end of input */
        s->need_more = false;
        const unsigned char *in = (const unsigned char *)s->ibuf + s->i_pos;
        size_t k = ascii_prefix(in, avail < cap - made ? avail : cap - made);
        memcpy(dst + made, in, k);
        made += k;
        s->i_pos += k;
        if (k == avail || made == cap)
            continue;
        size_t j = gb_run(in + k, avail - k);
        gchar *ip = (gchar *)(uintptr_t)(in + k);
        gsize il = j;
        gchar *op = dst + made;
        gsize ol = cap - made;
        size_t r = g_iconv(s->cd, &ip, &il, &op, &ol);
        int e = errno;
        made = (size_t)(op - dst);
        s->i_pos += j - il;
        if (r != (size_t)-1)
            continue;
        if (e == E2BIG)
            break; /* the next character does not fit: made > 0 since cap >= OUT_SLACK */
        if (e == EINVAL && k + j == avail && !s->in_eof) {
            s->need_more = true; /* incomplete sequence at the end of the buffer: read on */
            continue;
        }
        /* EILSEQ, or a sequence cut off by the end of input */
        if (made == cap)
            break;
        dst[made++] = (char)0xFF;
        s->i_pos++;
        g_iconv(s->cd, NULL, NULL, NULL, NULL);
    }
    *n = made;
    return DG_OK;
}

/* Make at least `want` bytes available in ob (or reach the end). */
static DgStatus fill(DgSource *s, size_t want, DgError *err)
{
    size_t avail = s->ob_len - s->ob_start;
    if (avail >= want || s->out_eof)
        return DG_OK;
    if (want > SIZE_MAX - OUT_SLACK)
        want = SIZE_MAX - OUT_SLACK;
    if (s->ob_start + want + OUT_SLACK > s->ob_cap) {
        if (avail)
            memmove(s->ob, s->ob + s->ob_start, avail);
        s->ob_start = 0;
        s->ob_len = avail;
        if (want + OUT_SLACK > s->ob_cap) {
            /* exactly what is asked (callers double `want` themselves when a
             * record does not fit), so a 64 MiB window costs 64 MiB, not 128 */
            size_t c = want + OUT_SLACK;
            if (c < OUT_MIN)
                c = OUT_MIN;
            s->ob = dg_xrealloc(s->ob, c);
            s->ob_cap = c;
        }
    }
    while (s->ob_len - s->ob_start < want && !s->out_eof) {
        size_t got = 0;
        DgStatus st = s->conv ? conv_produce(s, s->ob + s->ob_len, s->ob_cap - s->ob_len, &got, err)
                              : upstream_produce(s, s->ob + s->ob_len, s->ob_cap - s->ob_len, &got, err);
        if (st != DG_OK)
            return st;
        if (got == 0)
            s->out_eof = true;
        s->ob_len += got;
    }
    return DG_OK;
}

static bool is_bom(const char *p)
{
    return (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF;
}

DgStatus dg_source_open(const char *path, const char *encoding, DgSource **out, DgError *err)
{
    *out = NULL;
    bool conv = false;
    if (encoding && encoding[0] && strcasecmp(encoding, "UTF-8") != 0 && strcasecmp(encoding, "UTF8") != 0) {
        /* GB18030 is a superset of GBK and GB2312: decoding with it accepts every valid GBK file. */
        if (strcasecmp(encoding, "GB18030") != 0 && strcasecmp(encoding, "GBK") != 0 &&
            strcasecmp(encoding, "GB2312") != 0)
            return dg_error_set(err, DG_E_USAGE, NULL, 0, 0,
                                "unknown encoding '%s' (use UTF-8, GB18030 or GBK)", encoding);
        conv = true;
    }
    DgSource *s = dg_xcalloc(1, sizeof *s);
    s->path = dg_xstrdup(path);
    s->fd = -1;
    s->cd = (GIConv)-1;
    DgStatus st = DG_OK;

    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        st = io_error(s, errno, "cannot open", err);
        goto fail;
    }
    struct stat sb;
    if (fstat(s->fd, &sb) != 0) {
        st = io_error(s, errno, "cannot read", err);
        goto fail;
    }
    if (S_ISDIR(sb.st_mode)) {
        st = io_error(s, EISDIR, "cannot read", err);
        goto fail;
    }
    bool regular = S_ISREG(sb.st_mode);
    if (regular)
        s->size = (uint64_t)sb.st_size;

    /* sniff the gzip magic (the bytes stay in rbuf for the streaming path) */
    s->rbuf = dg_xmalloc(RAW_BLOCK);
    while (s->r_len < 2 && !s->raw_eof) {
        ssize_t r = read_some(s->fd, s->rbuf + s->r_len, 2 - s->r_len);
        if (r < 0) {
            st = io_error(s, errno, "cannot read", err);
            goto fail;
        }
        if (r == 0)
            s->raw_eof = true;
        s->r_len += (size_t)r;
        s->bytes_in += (uint64_t)r;
    }
    size_t n = strlen(path);
    s->gz = (s->r_len == 2 && s->rbuf[0] == 0x1f && s->rbuf[1] == 0x8b) ||
            (n >= 3 && strcasecmp(path + n - 3, ".gz") == 0);
    s->conv = conv;

    if (regular && !s->gz && !conv && sb.st_size > 0 && (uint64_t)sb.st_size <= SIZE_MAX) {
        void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, s->fd, 0);
        if (m != MAP_FAILED) {
            s->mapped = true;
            s->map = m;
            s->map_len = (size_t)sb.st_size;
            long pg = sysconf(_SC_PAGESIZE);
            s->page = pg > 0 ? (size_t)pg : 4096;
            madvise(m, s->map_len, MADV_SEQUENTIAL);
            if (s->map_len >= 3 && is_bom(s->map))
                s->pos = 3;
            s->bytes_in = 0;
            free(s->rbuf);
            s->rbuf = NULL;
            close(s->fd);
            s->fd = -1;
            *out = s;
            return DG_OK;
        }
        /* not mappable: stream it */
    }

    if (s->gz) {
        if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK) {
            st = dg_error_set(err, DG_E_IO, s->path, 0, 0, "cannot initialise gzip decompression");
            goto fail;
        }
        s->zs_init = true;
        s->zs.next_in = s->rbuf;
        s->zs.avail_in = (uInt)s->r_len;
        s->r_pos = s->r_len;
    }
    if (conv) {
        s->cd = g_iconv_open("UTF-8", "GB18030");
        if (s->cd == (GIConv)-1) {
            st = dg_error_set(err, DG_E_USAGE, NULL, 0, 0, "encoding '%s' is not supported on this system",
                              encoding);
            goto fail;
        }
        s->ibuf = dg_xmalloc(RAW_BLOCK);
    }
    *out = s;
    return DG_OK;
fail:
    dg_source_close(s);
    return st;
}

const char *dg_source_raw(const DgSource *s, size_t *len)
{
    *len = s->mapped ? s->map_len : 0;
    return s->mapped ? s->map : NULL;
}

DgStatus dg_source_window(DgSource *s, size_t want, const char **buf, size_t *len, bool *eof, DgError *err)
{
    if (want == 0)
        want = 1;
    if (s->mapped) {
        size_t rem = s->map_len - s->pos;
        size_t n = rem < want ? rem : want;
        *buf = s->map + s->pos;
        *len = n;
        *eof = n == rem;
        if (s->pos + n > s->win_end) {
            /* start reading ahead the part not yet handed out */
            size_t a = s->win_end & ~(s->page - 1);
            madvise((void *)(uintptr_t)(s->map + a), s->pos + n - a, MADV_WILLNEED);
            s->win_end = s->pos + n;
        }
        s->bytes_in = s->win_end;
        return DG_OK;
    }
    DgStatus st;
    if (!s->bom_checked) {
        if ((st = fill(s, 3, err)) != DG_OK)
            return st;
        if (s->ob_len - s->ob_start >= 3 && is_bom(s->ob + s->ob_start))
            s->ob_start += 3;
        s->bom_checked = true;
    }
    if ((st = fill(s, want, err)) != DG_OK)
        return st;
    *buf = s->ob ? s->ob + s->ob_start : empty_buf;
    *len = s->ob_len - s->ob_start;
    *eof = s->out_eof;
    return DG_OK;
}

void dg_source_consume(DgSource *s, size_t n)
{
    if (s->mapped) {
        size_t lim = s->win_end > s->pos ? s->win_end - s->pos : 0;
        s->pos += n < lim ? n : lim;
        size_t upto = s->pos & ~(s->page - 1);
        if (upto > s->released) {
            madvise((void *)(uintptr_t)(s->map + s->released), upto - s->released, MADV_DONTNEED);
            s->released = upto;
        }
        return;
    }
    size_t avail = s->ob_len - s->ob_start;
    s->ob_start += n < avail ? n : avail;
}

uint64_t dg_source_bytes_in(const DgSource *s)
{
    return s->bytes_in;
}

uint64_t dg_source_size(const DgSource *s)
{
    return s->size;
}

void dg_source_close(DgSource *s)
{
    if (!s)
        return;
    if (s->mapped)
        munmap((void *)(uintptr_t)s->map, s->map_len);
    if (s->fd >= 0)
        close(s->fd);
    if (s->zs_init)
        inflateEnd(&s->zs);
    if (s->cd != (GIConv)-1)
        g_iconv_close(s->cd);
    free(s->ibuf);
    free(s->rbuf);
    free(s->ob);
    free(s->path);
    free(s);
}
