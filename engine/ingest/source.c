/*
 * Input sources (see source.h).
 *
 * Every input is read with read(2) through a pipeline of streaming stages,
 *     read(2) -> [inflate] -> [iconv] -> output buffer,
 * where the output buffer keeps the unconsumed tail of the previous window
 * at its front and appends newly decoded bytes after it.  Files are not
 * memory-mapped: a mapped file that another process truncates kills the
 * reader with SIGBUS at the first page past the new end, and there is no
 * clean way for a library to recover from that in the middle of a parallel
 * parse.  read(2) instead returns the short file, and the end-of-input
 * check below turns that into an error.  (Reading costs one copy of the
 * bytes into the buffer, which is a few percent of parsing them.)
 *
 * Change detection: a regular file's size and modification time are taken
 * at open; when read(2) reports the end, the file is fstat'ed again, and a
 * different size or mtime, or a byte count different from the size at
 * open, is the error "the input changed while it was being read" (DG_E_IO):
 * a truncated, appended-to or rewritten log never gives a run with fewer or
 * different rows.
 *
 * Hashing (dg_source_want_hash): the SHA-256 of the bytes as read from the
 * file descriptor, computed in the same single pass, so a FIFO or a pipe on
 * standard input (which cannot be read twice) gets its true digest.  When
 * the source decodes (gzip, GB18030) the raw bytes are hashed as they are
 * read.  When it does not (plain UTF-8), a window's bytes are the file's
 * bytes, so the caller may hash a window's prefix on a spare thread while
 * others parse it (dg_source_hash_window); whatever is consumed without
 * having been hashed that way is hashed by dg_source_consume, so the digest
 * never misses a byte.
 *
 * Bytes iconv cannot decode become a single 0xFF each (never valid UTF-8),
 * so a bad row is rejected later instead of failing the run; an incomplete
 * multibyte sequence at a buffer end is carried over to the next read.
 * Concatenated gzip members are decoded one after the other, as gzip(1)
 * does.
 */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/sha256.h"

#define RAW_BLOCK (256u << 10)  /* read(2) size for the streaming path */
#define OUT_MIN (1u << 20)      /* smallest output buffer */
#define OUT_SLACK 64            /* room beyond `want`: one decoded character always fits */

struct DgSource {
    char *path;
    int fd;
    uint64_t size;     /* st_size of a regular file, else 0 */
    uint64_t bytes_in;
    bool regular;      /* a regular file: checked for changes at its end */
    struct timespec mtime;
    /* dg_source_restrict: the stream is file bytes [fpos, limit) */
    bool ranged;
    uint64_t fpos, limit;

    /* hashing: `sha` covers the raw bytes read (decoding sources) or the
     * output stream up to hashed_abs (pass-through sources) */
    bool hashing, hash_done;
    DgSha256 sha;
    char hex[65];
    uint64_t start_abs;  /* stream offset of ob[ob_start] */
    uint64_t hashed_abs; /* pass-through: stream bytes hashed so far */

    /* output buffer ob[start..len) is the window */
    char *ob;
    size_t ob_cap, ob_start, ob_len;
    bool out_eof, bom_checked;

    /* raw bytes read from fd: rbuf[r_pos..r_len) not yet used */
    unsigned char *rbuf;
    size_t r_pos, r_len;
    bool raw_eof;

    /* read-ahead (dg_source_read_ahead): nb[ra_off, ra_off + ra_len) are
     * the bytes after the current window, read while it was parsed; the
     * next fill takes them over (ra_take) */
    char *nb;
    size_t nb_cap, ra_off, ra_len;
    bool ra_pending, ra_eof;
    int ra_errno;

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

static bool decodes(const DgSource *s)
{
    return s->gz || s->conv;
}

/* read(2) returned 0: a regular file must still be the one opened. */
static DgStatus check_unchanged(DgSource *s, DgError *err)
{
    if (!s->regular)
        return DG_OK;
    struct stat sb;
    if (fstat(s->fd, &sb) != 0)
        return io_error(s, errno, "cannot read", err);
    bool all_read = s->ranged ? s->fpos == s->limit : s->bytes_in == s->size;
    if ((uint64_t)sb.st_size != s->size || sb.st_mtim.tv_sec != s->mtime.tv_sec ||
        sb.st_mtim.tv_nsec != s->mtime.tv_nsec || !all_read)
        return dg_error_set(err, DG_E_IO, s->path, 0, 0,
                            "the input changed while it was being read (%llu bytes when opened, %llu read, "
                            "%llu now); run again on a copy that is not being written",
                            (unsigned long long)s->size, (unsigned long long)s->bytes_in,
                            (unsigned long long)sb.st_size);
    return DG_OK;
}

/* Account for r >= 0 bytes just read into p. */
static DgStatus got_raw(DgSource *s, const void *p, ssize_t r, DgError *err)
{
    if (r < 0)
        return io_error(s, errno, "cannot read", err);
    s->bytes_in += (uint64_t)r;
    if (r == 0) {
        s->raw_eof = true;
        return check_unchanged(s, err);
    }
    if (s->hashing && decodes(s))
        dg_sha256_update(&s->sha, p, (size_t)r);
    return DG_OK;
}

/* Refill rbuf (only when it is used up). */
static DgStatus raw_fill(DgSource *s, DgError *err)
{
    if (s->raw_eof || s->r_pos < s->r_len)
        return DG_OK;
    ssize_t r = read_some(s->fd, s->rbuf, RAW_BLOCK);
    s->r_pos = 0;
    s->r_len = r > 0 ? (size_t)r : 0;
    return got_raw(s, s->rbuf, r, err);
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
    if (s->ranged) {
        if (s->fpos >= s->limit) { /* the range is read: as at the end of a file */
            s->raw_eof = true;
            return check_unchanged(s, err);
        }
        if (cap > s->limit - s->fpos)
            cap = (size_t)(s->limit - s->fpos);
    }
    ssize_t r = read_some(s->fd, dst, cap);
    if (r > 0 && s->ranged)
        s->fpos += (uint64_t)r;
    DgStatus st = got_raw(s, dst, r, err);
    if (st == DG_OK)
        *n = (size_t)r;
    return st;
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
/* Make the read-ahead bytes part of the output stream: the unconsumed
 * tail of the window goes just before them in nb (room was left for it),
 * and the two buffers swap — no copy of the window.  A caller that kept
 * more than the room falls back to appending them. */
static DgStatus ra_take(DgSource *s, DgError *err)
{
    s->ra_pending = false;
    s->bytes_in += s->ra_len;
    if (s->ra_errno)
        return io_error(s, s->ra_errno, "cannot read", err);
    size_t avail = s->ob_len - s->ob_start;
    if (avail <= s->ra_off) {
        char *ob = s->ob;
        size_t cap = s->ob_cap;
        if (avail)
            memcpy(s->nb + s->ra_off - avail, s->ob + s->ob_start, avail);
        s->ob = s->nb;
        s->ob_cap = s->nb_cap;
        s->nb = ob;
        s->nb_cap = cap;
        s->ob_start = s->ra_off - avail;
        s->ob_len = s->ra_off + s->ra_len;
    } else {
        if (avail)
            memmove(s->ob, s->ob + s->ob_start, avail);
        s->ob_start = 0;
        s->ob_len = avail;
        if (avail + s->ra_len + OUT_SLACK > s->ob_cap) {
            s->ob_cap = avail + s->ra_len + OUT_SLACK;
            s->ob = dg_xrealloc(s->ob, s->ob_cap);
        }
        memcpy(s->ob + s->ob_len, s->nb + s->ra_off, s->ra_len);
        s->ob_len += s->ra_len;
    }
    if (s->ra_eof) {
        s->raw_eof = true;
        return check_unchanged(s, err);
    }
    return DG_OK;
}

bool dg_source_can_read_ahead(const DgSource *s)
{
    return !decodes(s) && !s->ranged && !s->raw_eof && !s->out_eof && s->r_pos >= s->r_len && !s->ra_pending;
}

void dg_source_read_ahead(DgSource *s, size_t keep, size_t want)
{
    size_t need = keep + want + OUT_SLACK;
    if (s->nb_cap < need) {
        /* once, with room for the usual tail (a partial record) on top:
         * the two buffers then swap for the rest of the input, and their
         * pages stay the same ones */
        size_t cap = want + want / 8 + OUT_SLACK;
        if (cap < need)
            cap = need;
        free(s->nb);
        s->nb = dg_xmalloc(cap);
        s->nb_cap = cap;
    }
    size_t got = 0;
    s->ra_eof = false;
    s->ra_errno = 0;
    while (got < want) {
        ssize_t r = read_some(s->fd, s->nb + keep + got, want - got);
        if (r < 0) {
            s->ra_errno = errno;
            break;
        }
        if (r == 0) {
            s->ra_eof = true;
            break;
        }
        got += (size_t)r;
    }
    s->ra_off = keep;
    s->ra_len = got;
    s->ra_pending = true;
}

static DgStatus fill(DgSource *s, size_t want, DgError *err)
{
    if (s->ra_pending) {
        DgStatus st = ra_take(s, err);
        if (st != DG_OK)
            return st;
    }
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
    bool std_in = strcmp(path, "-") == 0;
    s->path = dg_xstrdup(std_in ? "(standard input)" : path);
    s->fd = -1;
    s->cd = (GIConv)-1;
    DgStatus st = DG_OK;

    s->fd = std_in ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC);
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
    /* standard input redirected from a file may not start at offset 0: the
     * size check would not hold, so it is treated like a pipe */
    s->regular = S_ISREG(sb.st_mode) && !std_in;
    if (s->regular) {
        s->size = (uint64_t)sb.st_size;
        s->mtime = sb.st_mtim;
        posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }

    /* sniff the gzip magic (the bytes stay in rbuf for the streaming path) */
    s->rbuf = dg_xmalloc(RAW_BLOCK);
    while (s->r_len < 2 && !s->raw_eof) {
        ssize_t r = read_some(s->fd, s->rbuf + s->r_len, 2 - s->r_len);
        if (r > 0)
            s->r_len += (size_t)r;
        if ((st = got_raw(s, s->rbuf, r, err)) != DG_OK) /* not hashed yet: hashing is off */
            goto fail;
    }
    size_t n = strlen(path);
    s->gz = (s->r_len == 2 && s->rbuf[0] == 0x1f && s->rbuf[1] == 0x8b) ||
            (n >= 3 && strcasecmp(path + n - 3, ".gz") == 0);
    s->conv = conv;

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

void dg_source_want_hash(DgSource *s)
{
    if (s->hashing)
        return;
    s->hashing = true;
    dg_sha256_init(&s->sha);
    if (decodes(s)) /* the bytes sniffed at open are all that was read so far */
        dg_sha256_update(&s->sha, s->rbuf, s->r_len);
}

/* Pass-through: hash the output stream up to stream offset `upto`. */
static void hash_upto(DgSource *s, uint64_t upto)
{
    if (!s->hashing || decodes(s) || upto <= s->hashed_abs)
        return;
    /* the unhashed bytes are still in the buffer: they were never consumed */
    size_t from = s->ob_start + (size_t)(s->hashed_abs - s->start_abs);
    dg_sha256_update(&s->sha, s->ob + from, (size_t)(upto - s->hashed_abs));
    s->hashed_abs = upto;
}

void dg_source_hash_window(DgSource *s, size_t n)
{
    size_t avail = s->ob_len - s->ob_start;
    hash_upto(s, s->start_abs + (n < avail ? n : avail));
}

bool dg_source_sha256(DgSource *s, char hex[65])
{
    if (!s->hashing || !s->out_eof || s->ob_start != s->ob_len)
        return false;
    if (!s->hash_done) {
        dg_sha256_final_hex(&s->sha, s->hex);
        s->hash_done = true;
    }
    memcpy(hex, s->hex, 65);
    return true;
}

DgStatus dg_source_window(DgSource *s, size_t want, const char **buf, size_t *len, bool *eof, DgError *err)
{
    if (want == 0)
        want = 1;
    DgStatus st;
    if (!s->bom_checked) {
        if ((st = fill(s, 3, err)) != DG_OK)
            return st;
        if (s->ob_len - s->ob_start >= 3 && is_bom(s->ob + s->ob_start))
            dg_source_consume(s, 3); /* hashed: the BOM is part of the file */
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
    size_t avail = s->ob_len - s->ob_start;
    if (n > avail)
        n = avail;
    hash_upto(s, s->start_abs + n);
    s->ob_start += n;
    s->start_abs += n;
}

uint64_t dg_source_bytes_in(const DgSource *s)
{
    return s->bytes_in;
}

uint64_t dg_source_size(const DgSource *s)
{
    return s->size;
}

uint64_t dg_source_offset(const DgSource *s)
{
    return s->start_abs;
}

bool dg_source_passthrough(const DgSource *s)
{
    return s->regular && !decodes(s);
}

DgStatus dg_source_restrict(DgSource *s, uint64_t begin, uint64_t end, DgError *err)
{
    s->ob_start = s->ob_len = 0;
    s->r_pos = s->r_len = 0;
    s->bom_checked = true; /* a BOM is only at the start of a file */
    s->hashing = false;
    s->bytes_in = 0;
    s->start_abs = s->hashed_abs = begin;
    s->ranged = true;
    s->fpos = s->limit = begin;
    if (begin >= end) { /* nothing: no read, no check (the file's reader checks it) */
        s->raw_eof = s->out_eof = true;
        return DG_OK;
    }
    if (!dg_source_passthrough(s))
        return dg_error_set(err, DG_E_INTERNAL, s->path, 0, 0, "a byte range of a decoded input was asked for");
    if (lseek(s->fd, (off_t)begin, SEEK_SET) < 0)
        return io_error(s, errno, "cannot read", err);
    s->limit = end;
    s->raw_eof = s->out_eof = false;
    return DG_OK;
}

void dg_source_close(DgSource *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    if (s->zs_init)
        inflateEnd(&s->zs);
    if (s->cd != (GIConv)-1)
        g_iconv_close(s->cd);
    free(s->ibuf);
    free(s->rbuf);
    free(s->ob);
    free(s->nb);
    free(s->path);
    free(s);
}

DgStatus dg_source_skip_record(DgSource *s, bool quote_aware, size_t window, uint64_t *len, uint64_t *newlines,
                               DgError *err)
{
    uint64_t n = 0, nl = 0;
    bool in_quotes = false;
    unsigned char prev = 0, prev2 = 0; /* the last two bytes, across windows */
    for (;;) {
        const char *buf;
        size_t got;
        bool eof;
        DgStatus st = dg_source_window(s, window, &buf, &got, &eof, err);
        if (st != DG_OK)
            return st;
        if (got == 0)
            break; /* the record runs to the end of input */
        const unsigned char *p = (const unsigned char *)buf;
        for (size_t i = 0; i < got; i++) {
            if (p[i] == '"' && quote_aware) {
                in_quotes = !in_quotes;
            } else if (p[i] == '\n') {
                nl++;
                if (!in_quotes) {
                    n += i;
                    if ((i > 0 ? p[i - 1] : prev) == '\r')
                        n--;
                    dg_source_consume(s, i + 1);
                    *len = n;
                    *newlines = nl;
                    return DG_OK;
                }
            }
        }
        n += got;
        prev2 = got > 1 ? p[got - 2] : prev;
        prev = p[got - 1];
        dg_source_consume(s, got);
        if (eof)
            break;
    }
    /* a record running to the end of input: its length without a final
     * "\n" or "\r\n" (or "\r"), as validation counts a record it parses,
     * so the length reported does not depend on where a window ended */
    if (n > 0 && prev == '\n') {
        n--;
        prev = prev2;
    }
    if (n > 0 && prev == '\r')
        n--;
    *len = n;
    *newlines = nl;
    return DG_OK;
}
