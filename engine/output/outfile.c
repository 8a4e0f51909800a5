/*
 * Atomic output files and file hashing (see outfile.h).
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/sha256.h"

#define OUTBUF (1u << 20)

DgFaultKind dg_fault_kind;
long dg_fault_n;
long dg_fault_n2;
char dg_fault_at[32];
static atomic_long commits;

struct DgOutFileSink {
    int fd;
    DgSha256 sha;
    uint64_t bytes, us_write;
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The cookie stream's write: hash what reaches the file, count it, time it. */
static ssize_t sink_write(void *cookie, const char *buf, size_t n)
{
    DgOutFileSink *k = cookie;
    uint64_t t0 = now_us();
    size_t done = 0;
    int e = 0;
    while (done < n) {
        ssize_t w = write(k->fd, buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            e = w < 0 ? errno : EIO;
            break;
        }
        done += (size_t)w;
    }
    dg_sha256_update(&k->sha, buf, done);
    k->bytes += done;
    k->us_write += now_us() - t0;
    if (done < n) {
        errno = e;
        return -1;
    }
    return (ssize_t)n;
}

static int sink_close(void *cookie)
{
    (void)cookie; /* the descriptor is closed by release(), after the fsync */
    return 0;
}

long dg_outfile_reserve(long n)
{
    return atomic_fetch_add(&commits, n) + 1;
}

static void fault_signal(int sig)
{
    signal(sig, SIG_DFL); /* a background test job may inherit SIGINT ignored */
    raise(sig);
}

void dg_fault_point(const char *point)
{
    if ((dg_fault_kind == DG_FAULT_SIGINT_AT || dg_fault_kind == DG_FAULT_SIGSTOP_AT) && !strcmp(dg_fault_at, point))
        fault_signal(dg_fault_kind == DG_FAULT_SIGINT_AT ? SIGINT : SIGSTOP);
}

DgStatus dg_mkdir_p(const char *dir, DgError *err)
{
    if (g_mkdir_with_parents(dir, 0777) != 0)
        return dg_error_set(err, DG_E_IO, dir, 0, 0, "cannot create the output folder: %s", strerror(errno));
    return DG_OK;
}

static void release(DgOutFile *o)
{
    if (o->dirfd > 0)
        close(o->dirfd);
    if (o->sink) {
        if (o->sink->fd >= 0)
            close(o->sink->fd);
        free(o->sink);
    }
    free(o->tmp_name);
    free(o->name);
    free(o->final_path);
    free(o->buf);
    memset(o, 0, sizeof *o);
    o->dirfd = -1;
}

DgStatus dg_outfile_open(DgOutFile *o, const char *dir, const char *name, DgError *err)
{
    memset(o, 0, sizeof *o);
    o->dirfd = -1;
    DgStatus st = dg_mkdir_p(dir, err);
    if (st != DG_OK)
        return st;
    char *f = g_build_filename(dir, name, NULL);
    o->final_path = dg_xstrdup(f);
    g_free(f);
    o->name = dg_xstrdup(name);
    o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (o->dirfd < 0) {
        st = dg_error_set(err, DG_E_IO, dir, 0, 0, "cannot open the output folder: %s", strerror(errno));
        release(o);
        return st;
    }
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        char *t = g_strdup_printf(".%s.tmp.%08x%08x", name, g_random_int(), g_random_int());
        free(o->tmp_name);
        o->tmp_name = dg_xstrdup(t);
        g_free(t);
        fd = openat(o->dirfd, o->tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        st = dg_error_set(err, DG_E_IO, o->final_path, 0, 0, "cannot create: %s", strerror(errno));
        free(o->tmp_name);
        o->tmp_name = NULL;
        release(o);
        return st;
    }
    o->sink = dg_xcalloc(1, sizeof *o->sink);
    o->sink->fd = fd;
    dg_sha256_init(&o->sink->sha);
    o->fp = fopencookie(o->sink, "wb", (cookie_io_functions_t){.write = sink_write, .close = sink_close});
    if (!o->fp) {
        st = dg_error_set(err, DG_E_IO, o->final_path, 0, 0, "cannot create: %s", strerror(errno));
        dg_outfile_abort(o);
        return st;
    }
    o->buf = dg_xmalloc(OUTBUF);
    setvbuf(o->fp, o->buf, _IOFBF, OUTBUF);
    return DG_OK;
}

/* Hash and count a file written by someone else at o->tmp_name. */
static int hash_back(DgOutFile *o)
{
    int fd = openat(o->dirfd, o->tmp_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno;
    unsigned char *buf = dg_xmalloc(OUTBUF);
    int e = 0;
    for (;;) {
        ssize_t n = read(fd, buf, OUTBUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            e = errno;
        if (n <= 0)
            break;
        dg_sha256_update(&o->sink->sha, buf, (size_t)n);
        o->sink->bytes += (uint64_t)n;
    }
    free(buf);
    close(fd);
    return e;
}

static DgStatus commit(DgOutFile *o, bool external, DgOutFileDone *done, DgError *err)
{
    DgStatus st = DG_OK;
    long k = o->ordinal ? o->ordinal : atomic_fetch_add(&commits, 1) + 1;
    bool bad = ferror(o->fp) != 0 || fflush(o->fp) != 0;
    int e = errno;
    if (!bad && dg_fault_kind == DG_FAULT_FAIL_WRITE && (k == dg_fault_n || k == dg_fault_n2)) {
        bad = true;
        e = ENOSPC;
    }
    if (!bad && external && (e = hash_back(o)) != 0)
        bad = true;
    uint64_t t0 = now_us();
    if (!bad && fsync(o->sink->fd) != 0 && errno != EINVAL && errno != EROFS) {
        bad = true;
        e = errno;
    }
    uint64_t us_fsync = now_us() - t0;
    if (fclose(o->fp) != 0 && !bad) {
        bad = true;
        e = errno;
    }
    o->fp = NULL;
    if (!bad && close(o->sink->fd) != 0 && errno != EINTR) {
        bad = true;
        e = errno;
    }
    o->sink->fd = -1;
    if (bad) {
        st = dg_error_set(err, DG_E_IO, o->final_path, 0, 0, "cannot write: %s", strerror(e));
        unlinkat(o->dirfd, o->tmp_name, 0);
        release(o);
        return st;
    }
    if (renameat(o->dirfd, o->tmp_name, o->dirfd, o->name) != 0) {
        st = dg_error_set(err, DG_E_IO, o->final_path, 0, 0, "cannot rename the finished file into place: %s",
                          strerror(errno));
        unlinkat(o->dirfd, o->tmp_name, 0);
    }
    if (st == DG_OK && done) {
        dg_sha256_final_hex(&o->sink->sha, done->sha256);
        done->bytes = o->sink->bytes;
        done->us_write = o->sink->us_write;
        done->us_fsync = us_fsync;
    }
    release(o);
    if (st == DG_OK && dg_fault_kind == DG_FAULT_SIGINT_AFTER && k == dg_fault_n)
        fault_signal(SIGINT);
    return st;
}

DgStatus dg_outfile_commit(DgOutFile *o, DgError *err)
{
    return commit(o, false, NULL, err);
}

DgStatus dg_outfile_commit_done(DgOutFile *o, DgOutFileDone *done, DgError *err)
{
    return commit(o, false, done, err);
}

DgStatus dg_outfile_commit_external(DgOutFile *o, DgOutFileDone *done, DgError *err)
{
    return commit(o, true, done, err);
}

void dg_outfile_abort(DgOutFile *o)
{
    if (o->fp)
        fclose(o->fp);
    if (o->tmp_name && o->dirfd >= 0)
        unlinkat(o->dirfd, o->tmp_name, 0);
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
