/*
 * dg_gen_write / dg_gen_to_memory: blocks generated in parallel, written in
 * block order.
 *
 * Design: an OpenMP `for ordered` loop over blocks with dynamic scheduling:
 * each thread generates (and, for .gz, compresses) a block into its own
 * buffers, then waits for its turn in the ordered region to append it, so
 * generation overlaps writing and the bytes do not depend on the thread
 * count.  Compression makes one gzip member per block (raw deflate with a
 * fixed header: mtime 0, OS 3), which gzip, zlib's gzread, Python and
 * DuckDB read as one stream; per-block members are what lets compression
 * run in parallel.  The file is written under a temporary name and renamed
 * into place, so a failed or interrupted run leaves no half file behind.
 */
#include "gen_priv.h"

#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static const char csv_header[] = "record_id,unit_id,staff_id,patient_id,item_code,service_date,quantity\n";

typedef struct Sink {
    FILE *f;      /* file sink, or NULL for memory */
    char *mem;
    size_t len, cap;
} Sink;

static bool sink_write(Sink *k, const char *p, size_t n)
{
    if (k->f)
        return fwrite(p, 1, n, k->f) == n;
    if (k->cap - k->len < n + 1) {
        size_t want = k->cap ? k->cap : 1 << 16;
        while (want - k->len < n + 1)
            want *= 2;
        k->mem = dg_xrealloc(k->mem, want);
        k->cap = want;
    }
    memcpy(k->mem + k->len, p, n);
    k->len += n;
    k->mem[k->len] = 0;
    return true;
}

/* ---- gzip members ---------------------------------------------------------- */

typedef struct Gz {
    z_stream zs;
    bool init;
    unsigned char *buf;
    size_t len, cap;
} Gz;

#define DG_GEN_GZ_LEVEL 1

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* One complete gzip member holding data[0..n) into z->buf.  False only if
 * zlib fails, which with a large enough output buffer it does not. */
static bool gz_member(Gz *z, const char *data, size_t n)
{
    if (!z->init) {
        memset(&z->zs, 0, sizeof z->zs);
        if (deflateInit2(&z->zs, DG_GEN_GZ_LEVEL, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return false;
        z->init = true;
    } else if (deflateReset(&z->zs) != Z_OK) {
        return false;
    }
    size_t need = (size_t)deflateBound(&z->zs, (uLong)n) + 18 + (n >> 10) + 64;
    if (z->cap < need) {
        free(z->buf);
        z->buf = dg_xmalloc(need);
        z->cap = need;
    }
    static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    memcpy(z->buf, hdr, 10);
    z->zs.next_out = z->buf + 10;
    z->zs.avail_out = (uInt)(z->cap - 18 - 10);
    uLong crc = crc32(0L, Z_NULL, 0);
    const unsigned char *in = (const unsigned char *)data;
    size_t left = n;
    /* feed in pieces that fit uInt */
    for (;;) {
        uInt piece = left > (1u << 30) ? (1u << 30) : (uInt)left;
        z->zs.next_in = (unsigned char *)(uintptr_t)in;
        z->zs.avail_in = piece;
        crc = crc32(crc, in, piece);
        in += piece;
        left -= piece;
        int rc = deflate(&z->zs, left ? Z_NO_FLUSH : Z_FINISH);
        if (!left) {
            if (rc != Z_STREAM_END)
                return false;
            break;
        }
        if (rc != Z_OK)
            return false;
    }
    size_t dlen = (size_t)(z->zs.next_out - z->buf);
    put_le32(z->buf + dlen, (uint32_t)crc);
    put_le32(z->buf + dlen + 4, (uint32_t)(n & 0xffffffffu));
    z->len = dlen + 8;
    return true;
}

static void gz_free(Gz *z)
{
    if (z->init)
        deflateEnd(&z->zs);
    free(z->buf);
    memset(z, 0, sizeof *z);
}

/* ---- the loop ----------------------------------------------------------------- */

static DgStatus generate(const DgGenModel *m, const DgGenOptions *o, Sink *sink, bool gz, const char *path,
                         DgError *err)
{
    DgGenStats total;
    memset(&total, 0, sizeof total);
    int failed = 0, why = 0; /* 1 write error (errno in why), 2 zlib */
    if (m->format == DG_GEN_CSV) {
        size_t hn = sizeof csv_header - 1;
        bool ok;
        if (gz) {
            Gz z = {0};
            ok = gz_member(&z, csv_header, hn);
            if (!ok)
                failed = 2;
            else if (!sink_write(sink, (const char *)z.buf, z.len))
                failed = 1, why = errno;
            gz_free(&z);
        } else if (!sink_write(sink, csv_header, hn)) {
            failed = 1, why = errno;
        }
        total.lines = 1;
        total.bytes = hn;
    }
    uint64_t done = 0;
    int nt = o->threads > 0 ? o->threads : omp_get_max_threads();
    if ((uint64_t)nt > m->n_blocks)
        nt = m->n_blocks ? (int)m->n_blocks : 1;
#pragma omp parallel num_threads(nt)
    {
        DgGenCtx cx;
        dg_gen_ctx_init(&cx, m);
        Gz z = {0};
#pragma omp for ordered schedule(dynamic, 1)
        for (uint64_t b = 0; b < m->n_blocks; b++) {
            int f;
#pragma omp atomic read
            f = failed;
            if (f)
                continue;
            dg_gen_block(&cx, b);
            const char *out = cx.buf;
            size_t outn = cx.len;
            bool zok = true;
            if (gz) {
                zok = gz_member(&z, cx.buf, cx.len);
                out = (const char *)z.buf;
                outn = z.len;
            }
#pragma omp ordered
            {
#pragma omp atomic read
                f = failed;
                if (!f) {
                    int nf = 0;
                    if (!zok)
                        nf = 2;
                    else if (!sink_write(sink, out, outn))
                        nf = 1, why = errno;
                    if (nf) {
#pragma omp atomic write
                        failed = nf;
                    } else {
                        total.records += cx.st.records;
                        total.lines += cx.st.lines;
                        total.bytes += cx.len;
                        total.faulty += cx.st.faulty;
                        total.unusual += cx.st.unusual;
                        for (int i = 0; i < DG_GEN_N_FAULTS; i++)
                            total.by_reason[i] += cx.st.by_reason[i];
                        done += cx.st.records;
                        if (o->progress)
                            o->progress(o->progress_ctx, done, m->rows);
                    }
                }
            }
        }
        gz_free(&z);
        dg_gen_ctx_free(&cx);
    }
    if (failed == 1)
        return dg_error_set(err, DG_E_IO, path, 0, 0, "cannot write: %s", strerror(why ? why : EIO));
    if (failed == 2)
        return dg_error_set(err, DG_E_INTERNAL, path, 0, 0, "gzip compression failed");
    if (total.records != m->rows)
        return dg_error_set(err, DG_E_INTERNAL, path, 0, 0, "gen wrote %llu rows instead of %llu",
                            (unsigned long long)total.records, (unsigned long long)m->rows);
    if (o->stats)
        *o->stats = total;
    return DG_OK;
}

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && !strcmp(s + n - k, suf);
}

DgStatus dg_gen_write(const DgScheme *s, const DgGenOptions *o, const char *path, DgError *err)
{
    DgGenModel m;
    DgStatus st = dg_gen_model_build(&m, s, o, err);
    if (st != DG_OK)
        return st;
    struct stat sb;
    bool direct = stat(path, &sb) == 0 && !S_ISREG(sb.st_mode);
    size_t pn = strlen(path);
    char *tmp = dg_xmalloc(pn + 32);
    if (direct)
        memcpy(tmp, path, pn + 1);
    else
        snprintf(tmp, pn + 32, "%s.tmp%ld", path, (long)getpid());
    Sink sink = {0};
    sink.f = fopen(tmp, "wb");
    if (!sink.f) {
        int e = errno;
        dg_gen_model_free(&m);
        free(tmp);
        return dg_error_set(err, DG_E_IO, path, 0, 0, "cannot create the output file: %s", strerror(e));
    }
    st = generate(&m, o, &sink, ends_with(path, ".gz"), path, err);
    dg_gen_model_free(&m);
    if (fflush(sink.f) != 0 && st == DG_OK)
        st = dg_error_set(err, DG_E_IO, path, 0, 0, "cannot write: %s", strerror(errno));
    if (fclose(sink.f) != 0 && st == DG_OK)
        st = dg_error_set(err, DG_E_IO, path, 0, 0, "cannot write: %s", strerror(errno));
    if (!direct) {
        if (st == DG_OK && rename(tmp, path) != 0)
            st = dg_error_set(err, DG_E_IO, path, 0, 0, "cannot rename %s into place: %s", tmp, strerror(errno));
        if (st != DG_OK)
            remove(tmp);
    }
    free(tmp);
    return st;
}

DgStatus dg_gen_write_stream(const DgScheme *s, const DgGenOptions *o, FILE *f, const char *name, bool gzip,
                             DgError *err)
{
    DgGenModel m;
    DgStatus st = dg_gen_model_build(&m, s, o, err);
    if (st != DG_OK)
        return st;
    Sink sink = {0};
    sink.f = f;
    st = generate(&m, o, &sink, gzip, name, err);
    dg_gen_model_free(&m);
    if (fflush(f) != 0 && st == DG_OK)
        st = dg_error_set(err, DG_E_IO, name, 0, 0, "cannot write: %s", strerror(errno));
    return st;
}

DgStatus dg_gen_to_memory(const DgScheme *s, const DgGenOptions *o, char **out, size_t *len, DgError *err)
{
    *out = NULL;
    *len = 0;
    DgGenModel m;
    DgStatus st = dg_gen_model_build(&m, s, o, err);
    if (st != DG_OK)
        return st;
    Sink sink = {0};
    st = generate(&m, o, &sink, false, "(memory)", err);
    dg_gen_model_free(&m);
    if (st != DG_OK) {
        free(sink.mem);
        return st;
    }
    if (!sink.mem) {
        sink.mem = dg_xmalloc(1);
        sink.mem[0] = 0;
    }
    *out = sink.mem;
    *len = sink.len;
    return DG_OK;
}
