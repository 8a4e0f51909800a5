/*
 * The all-or-nothing run folder (see dangliang/runfolder.h).
 *
 * Names beside --out, for --out PARENT/NAME:
 *   PARENT/.NAME.lock          the lock file (kept: removing it would race)
 *   PARENT/.NAME.tmp.XXXXXX    a run's private folder (mkdtemp, 0700)
 * A run holding the lock owns every .NAME.tmp.* beside it; any it finds
 * were left by runs that died (kill -9, power loss) and are removed.
 * Removal never follows a symlink: entries are opened with O_NOFOLLOW and
 * unlinked relative to their folder's descriptor.
 */
#include "dangliang/runfolder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "outfile.h"

struct DgRunFolder {
    char *out;      /* as given (for messages) */
    char *parent;   /* folder holding out */
    char *base;     /* last component of out */
    char *tmp;      /* PARENT/.NAME.tmp.XXXXXX */
    char *tmp_base; /* .NAME.tmp.XXXXXX */
    int parent_fd;
    int lock_fd;
    bool force;
    bool committed;
};

void dg_output_test_fault(const char *spec)
{
    dg_fault_kind = DG_FAULT_NONE;
    dg_fault_n2 = 0;
    if (!spec || !*spec)
        return;
    if (!strncmp(spec, "fail-write:", 11)) {
        dg_fault_kind = DG_FAULT_FAIL_WRITE;
        dg_fault_n = atol(spec + 11);
        const char *comma = strchr(spec + 11, ',');
        dg_fault_n2 = comma ? atol(comma + 1) : 0;
    } else if (!strncmp(spec, "sigint-after:", 13)) {
        dg_fault_kind = DG_FAULT_SIGINT_AFTER;
        dg_fault_n = atol(spec + 13);
    } else if (!strncmp(spec, "sigstop:", 8)) {
        dg_fault_kind = DG_FAULT_SIGSTOP_AT;
        snprintf(dg_fault_at, sizeof dg_fault_at, "%s", spec + 8);
    } else if (!strncmp(spec, "sigint:", 7)) {
        dg_fault_kind = DG_FAULT_SIGINT_AT;
        snprintf(dg_fault_at, sizeof dg_fault_at, "%s", spec + 7);
    }
}

/* Remove NAME inside dirfd: a folder recursively, anything else (symlinks
 * included) by unlinking the name itself. */
static void remove_tree_at(int dirfd, const char *name, int depth)
{
    if (unlinkat(dirfd, name, 0) == 0 || (errno != EISDIR && errno != EPERM) || depth > 64)
        return;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    DIR *dp = fdopendir(fd);
    if (!dp) {
        close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        remove_tree_at(fd, e->d_name, depth + 1);
    }
    closedir(dp);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* 1 when the folder at dirfd/name holds nothing, 0 when it holds something,
 * -1 on error (errno). */
static int folder_empty(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    DIR *dp = fdopendir(fd);
    if (!dp) {
        close(fd);
        return -1;
    }
    int empty = 1;
    struct dirent *e;
    while (empty && (e = readdir(dp)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = 0;
    closedir(dp);
    return empty;
}

static void clean_leftovers(DgRunFolder *rf)
{
    char *prefix = g_strconcat(".", rf->base, ".tmp.", NULL);
    size_t pl = strlen(prefix);
    int fd = openat(rf->parent_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dp) {
        if (fd >= 0)
            close(fd);
        g_free(prefix);
        return;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    struct dirent *e;
    while ((e = readdir(dp)) != NULL)
        if (!strncmp(e->d_name, prefix, pl) && strlen(e->d_name) == pl + 6)
            g_ptr_array_add(names, g_strdup(e->d_name));
    closedir(dp);
    for (guint i = 0; i < names->len; i++)
        remove_tree_at(rf->parent_fd, g_ptr_array_index(names, i), 0);
    g_ptr_array_free(names, TRUE);
    g_free(prefix);
}

static DgStatus fail(DgRunFolder *rf, DgStatus st, DgError *err, const char *fmt, const char *detail)
{
    dg_error_set(err, st, rf->out, 0, 0, fmt, detail);
    return st;
}

DgStatus dg_runfolder_begin(const char *out, bool force, DgRunFolder **out_rf, DgError *err)
{
    *out_rf = NULL;
    DgRunFolder *rf = dg_xcalloc(1, sizeof *rf);
    rf->parent_fd = rf->lock_fd = -1;
    rf->force = force;
    rf->out = dg_xstrdup(out);
    /* drop trailing slashes, then split */
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/')
        n--;
    char *trim = dg_xstrndup(out, n);
    char *b = g_path_get_basename(trim), *p = g_path_get_dirname(trim);
    rf->base = dg_xstrdup(b);
    rf->parent = dg_xstrdup(p);
    g_free(b);
    g_free(p);
    free(trim);
    DgStatus st = DG_OK;
    *out_rf = rf;
    if (!strcmp(rf->base, ".") || !strcmp(rf->base, "..") || !strcmp(rf->base, "/"))
        return fail(rf, DG_E_USAGE, err, "--out must name a folder of its own (not \".\", \"..\" or \"/\")%s", "");
    if (g_mkdir_with_parents(rf->parent, 0777) != 0)
        return fail(rf, DG_E_IO, err, "cannot create the folder that is to hold the run folder: %s",
                    strerror(errno));
    rf->parent_fd = open(rf->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rf->parent_fd < 0)
        return fail(rf, DG_E_IO, err, "cannot open the folder that is to hold the run folder: %s", strerror(errno));

    /* the lock */
    char *lock = g_strconcat(".", rf->base, ".lock", NULL);
    rf->lock_fd = openat(rf->parent_fd, lock, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
    g_free(lock);
    if (rf->lock_fd < 0)
        return fail(rf, DG_E_IO, err,
                    "cannot write the output folder: cannot create its lock file beside it: %s (the run folder "
                    "is written beside --out and renamed into place, so the folder holding --out must be "
                    "writable)",
                    strerror(errno));
    if (flock(rf->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            dg_error_set(err, DG_E_IO, NULL, 0, 0, "another run is writing %s; wait for it to finish", rf->out);
            return DG_E_IO;
        }
        return fail(rf, DG_E_IO, err, "cannot lock the output folder: %s", strerror(errno));
    }

    /* what is there now */
    struct stat sb;
    if (fstatat(rf->parent_fd, rf->base, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISDIR(sb.st_mode))
            return fail(rf, DG_E_IO, err, "exists and is not a folder%s; give a folder for the run",
                        S_ISLNK(sb.st_mode) ? " (it is a symbolic link)" : "");
        int empty = folder_empty(rf->parent_fd, rf->base);
        if (empty < 0)
            return fail(rf, DG_E_IO, err, "cannot read the output folder: %s", strerror(errno));
        if (!empty && !force)
            return fail(rf, DG_E_IO, err,
                        "the output folder is not empty (an earlier run?); give --force to replace it as a "
                        "whole, or choose a new folder%s",
                        "");
    } else if (errno != ENOENT) {
        return fail(rf, DG_E_IO, err, "cannot look at the output folder: %s", strerror(errno));
    }

    clean_leftovers(rf);
    char *tmpl = g_strconcat(rf->parent, "/.", rf->base, ".tmp.XXXXXX", NULL);
    char *made = mkdtemp(tmpl);
    if (!made) {
        st = fail(rf, DG_E_IO, err,
                  "cannot write the output folder: %s (the run folder is written beside --out and renamed into "
                  "place, so the folder holding --out must be writable)",
                  strerror(errno));
        g_free(tmpl);
        return st;
    }
    rf->tmp = dg_xstrdup(made);
    char *tb = g_path_get_basename(made);
    rf->tmp_base = dg_xstrdup(tb);
    g_free(tb);
    g_free(tmpl);
    dg_fault_point("begin");
    return DG_OK;
}

const char *dg_runfolder_dir(const DgRunFolder *rf)
{
    return rf->tmp;
}

static int exchange(int dirfd, const char *a, const char *b)
{
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, dirfd, a, dirfd, b, 2 /* RENAME_EXCHANGE */);
#else
    (void)dirfd, (void)a, (void)b;
    errno = ENOSYS;
    return -1;
#endif
}

DgStatus dg_runfolder_commit(DgRunFolder *rf, DgError *err)
{
    /* a run folder reads like any other folder the user makes */
    mode_t um = umask(0);
    umask(um);
    if (fchmodat(rf->parent_fd, rf->tmp_base, 0777 & ~um, 0) != 0)
        return fail(rf, DG_E_IO, err, "cannot set the run folder's permissions: %s", strerror(errno));
    int tfd = openat(rf->parent_fd, rf->tmp_base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (tfd >= 0) {
        fsync(tfd);
        close(tfd);
    }
    dg_fault_point("before-rename");
    struct stat sb;
    bool exists = fstatat(rf->parent_fd, rf->base, &sb, AT_SYMLINK_NOFOLLOW) == 0;
    if (!exists || (S_ISDIR(sb.st_mode) && folder_empty(rf->parent_fd, rf->base) == 1)) {
        /* rename(2) replaces an empty folder in one step */
        if (renameat(rf->parent_fd, rf->tmp_base, rf->parent_fd, rf->base) != 0)
            return fail(rf, DG_E_IO, err, "cannot move the finished run into place: %s", strerror(errno));
    } else if (!rf->force || !S_ISDIR(sb.st_mode)) {
        return fail(rf, DG_E_IO, err,
                    "something was written into the output folder while the run was working; the new run is "
                    "not moved into place (give --force to replace it)%s",
                    "");
    } else if (exchange(rf->parent_fd, rf->tmp_base, rf->base) == 0) {
        /* the old run now sits at the temporary name */
        dg_fault_point("after-swap");
        remove_tree_at(rf->parent_fd, rf->tmp_base, 0);
    } else {
        char *old = g_strconcat(".", rf->base, ".tmp.", "oldrun", NULL); /* matches the leftover pattern */
        remove_tree_at(rf->parent_fd, old, 0);
        if (renameat(rf->parent_fd, rf->base, rf->parent_fd, old) != 0) {
            g_free(old);
            return fail(rf, DG_E_IO, err, "cannot move the earlier run aside: %s", strerror(errno));
        }
        if (renameat(rf->parent_fd, rf->tmp_base, rf->parent_fd, rf->base) != 0) {
            int e = errno;
            renameat(rf->parent_fd, old, rf->parent_fd, rf->base);
            g_free(old);
            return fail(rf, DG_E_IO, err, "cannot move the finished run into place: %s", strerror(e));
        }
        dg_fault_point("after-swap");
        remove_tree_at(rf->parent_fd, old, 0);
        g_free(old);
    }
    rf->committed = true;
    fsync(rf->parent_fd);
    return DG_OK;
}

void dg_runfolder_error_path(const DgRunFolder *rf, DgError *err)
{
    if (!rf || !rf->tmp || !err)
        return;
    size_t n = strlen(rf->tmp);
    if (strncmp(err->file, rf->tmp, n) || (err->file[n] && err->file[n] != '/'))
        return;
    char *fixed = g_strconcat(rf->out, err->file + n, NULL);
    snprintf(err->file, sizeof err->file, "%s", fixed);
    g_free(fixed);
}

void dg_runfolder_free(DgRunFolder *rf)
{
    if (!rf)
        return;
    if (!rf->committed && rf->tmp_base && rf->parent_fd >= 0)
        remove_tree_at(rf->parent_fd, rf->tmp_base, 0);
    if (rf->lock_fd >= 0)
        close(rf->lock_fd); /* releases the flock */
    if (rf->parent_fd >= 0)
        close(rf->parent_fd);
    free(rf->out);
    free(rf->parent);
    free(rf->base);
    free(rf->tmp);
    free(rf->tmp_base);
    free(rf);
}

DgStatus dg_output_probe_dir(const char *dir, DgError *err)
{
    if (g_mkdir_with_parents(dir, 0777) != 0)
        return dg_error_set(err, DG_E_IO, dir, 0, 0, "cannot create the output folder: %s", strerror(errno));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return dg_error_set(err, DG_E_IO, dir, 0, 0, "cannot open the output folder: %s", strerror(errno));
    char name[64];
    int fd = -1;
    for (int i = 0; fd < 0 && i < 100; i++) {
        snprintf(name, sizeof name, ".dangliang-probe.%08x", g_random_int());
        fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    DgStatus st = DG_OK;
    if (fd < 0) {
        st = dg_error_set(err, DG_E_IO, dir, 0, 0, "cannot write in the output folder: %s", strerror(errno));
    } else {
        close(fd);
        unlinkat(dfd, name, 0);
    }
    close(dfd);
    return st;
}
