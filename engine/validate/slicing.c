/*
 * Slices of a run (validate.h "Slices", docs/scale.md "How ranks split the
 * inputs").
 *
 * Phase 1 (dg_validate_slice_counts) classifies each input the same way on
 * every slice — from stat(2) and the source's own gzip/encoding detection —
 * and, for a plain one, finds where its header ends exactly as validation
 * will (the same window; the format and header record by logheader.h, as
 * in process_file and read_header of validate.c) and counts the '"' and
 * '\n' bytes of this slice's raw slice.
 * The table of every slice's row is then the only shared state: from it
 * each slice derives, with no further exchange, the parity and line number
 * at each raw boundary, hence its first and last record (slices.h).  The
 * table also carries each slice's failure, so a slice that could not count
 * still takes part in the gather and the others stop with its status
 * instead of waiting for it.
 *
 * Table row of one slice: word 0 = status (0 ok, else the DgStatus), then
 * per input 5 words: kind (KIND_*, | FLAG_JSONL), size, header end, '"'
 * and '\n' bytes of the raw slice.
 *
 * Digests of the inputs a slice does not read whole: either on a thread
 * beside the slice's validation (dg_slicing_hash_start), or, from the
 * table alone, whenever the caller chooses (dg_validate_slice_digests:
 * an MPI run does it on its last rank while rank 0 writes).
 */
#include "slicing.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/csvscan.h"
#include "ingest/slices.h"
#include "logheader.h"

enum { KIND_SLICED = 1, KIND_ROUND = 2, KIND_ZERO = 3, KIND_MASK = 0xFF, FLAG_JSONL = 0x100 };
enum { W_KIND, W_SIZE, W_HEAD, W_NQ, W_NN, W_PER_FILE };

struct DgSlicing {
    unsigned k, n;
    size_t n_files, words;
    uint64_t *table;  /* [n * words] */
    uint64_t *credit; /* [n_files] bytes_in of this slice's share, set by enter */
};

size_t dg_slice_words(size_t n_paths)
{
    return 1 + W_PER_FILE * n_paths;
}

static const uint64_t *cell(const DgSlicing *sl, unsigned slice, size_t file)
{
    return sl->table + (size_t)slice * sl->words + 1 + W_PER_FILE * file;
}

/* Raw slice k of [head, size): its first byte. */
static uint64_t raw_start(uint64_t head, uint64_t size, unsigned k, unsigned n)
{
    return head + (uint64_t)((DgU128)(size - head) * k / n);
}

/* Format and header end of a plain input, as process_file finds them.  A
 * header validation will refuse (none, too long) gives head = size: no
 * slice reads rows, and every slice reports the header error. */
static DgStatus plain_head(const char *path, DgSource *src, const DgValidateOptions *opt, bool *jsonl,
                           uint64_t *head, DgError *err)
{
    const char *buf;
    size_t len;
    bool eof;
    DgStatus st = dg_source_window(src, 4096, &buf, &len, &eof, err);
    if (st != DG_OK)
        return st;
    *jsonl = dg_logheader_format(opt->format, path, buf, len) == DG_LOG_JSONL;
    if (*jsonl) {
        *head = dg_source_offset(src);
        return DG_OK;
    }
    size_t max_record = opt->max_record ? opt->max_record : DG_MAX_RECORD_DEFAULT;
    size_t ask = 4096, used = 0;
    uint64_t lines = 0; /* not needed here */
    DgCsvRecord rec;
    dg_csv_record_init(&rec);
    for (;;) {
        int r = dg_logheader_walk(buf, len, eof, &used, &lines, &rec);
        if (r == 0) {
            *head = dg_source_offset(src) + used;
            break;
        }
        if (r == 2 || ask > max_record + 2) {
            *head = dg_source_size(src);
            break;
        }
        ask *= 2;
        if ((st = dg_source_window(src, ask, &buf, &len, &eof, err)) != DG_OK)
            break;
    }
    dg_csv_record_clear(&rec);
    return st;
}

static DgStatus count_file(const char *path, const DgValidateOptions *opt, uint64_t *w, DgError *err)
{
    struct stat sb;
    bool ok = strcmp(path, "-") != 0 && stat(path, &sb) == 0;
    if (strcmp(path, "-") == 0 || (ok && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))) {
        w[W_KIND] = KIND_ZERO; /* read once, by slice 0 */
        return DG_OK;
    }
    DgSource *src = NULL;
    DgStatus st = dg_source_open(path, opt->encoding, &src, err); /* the ordinary run's open errors */
    if (st != DG_OK)
        return st;
    w[W_SIZE] = dg_source_size(src);
    if (!dg_source_passthrough(src)) {
        w[W_KIND] = KIND_ROUND;
        dg_source_close(src);
        return DG_OK;
    }
    bool jsonl = false;
    uint64_t head = 0;
    st = plain_head(path, src, opt, &jsonl, &head, err);
    dg_source_close(src);
    if (st != DG_OK)
        return st;
    w[W_KIND] = KIND_SLICED | (jsonl ? FLAG_JSONL : 0);
    w[W_HEAD] = head;
    uint64_t size = w[W_SIZE];
    uint64_t r0 = raw_start(head, size, opt->slice, opt->n_slices);
    uint64_t r1 = raw_start(head, size, opt->slice + 1, opt->n_slices);
    return dg_slices_count(path, r0, r1, !jsonl, &w[W_NQ], &w[W_NN], err);
}

static DgStatus bad_slices(const DgValidateOptions *opt, DgError *err)
{
    return dg_error_set(err, DG_E_USAGE, NULL, 0, 0, "slice %u of %u does not exist (slices are 0 to n - 1)",
                        opt->slice, opt->n_slices);
}

DgStatus dg_validate_slice_counts(const char *const *paths, size_t n_paths, const DgValidateOptions *opt,
                                  uint64_t *mine, DgError *err)
{
    size_t words = dg_slice_words(n_paths);
    memset(mine, 0, words * sizeof *mine);
    DgValidateOptions one = {0};
    if (!opt)
        opt = &one;
    DgValidateOptions o = *opt;
    if (o.n_slices == 0)
        o.n_slices = 1;
    DgStatus st = o.slice >= o.n_slices ? bad_slices(opt, err) : DG_OK;
    for (size_t f = 0; f < n_paths && st == DG_OK; f++)
        st = count_file(paths[f], &o, mine + 1 + W_PER_FILE * f, err);
    mine[0] = (uint64_t)st;
    return st;
}

void dg_slice_cand_offsets(const uint64_t *cands_all, unsigned n_slices, unsigned slice, size_t n_files,
                           uint64_t *off)
{
    uint64_t global = 0, local = 0; /* first candidate of file f: in the run, in this slice */
    for (size_t f = 0; f < n_files; f++) {
        uint64_t before = 0; /* of file f, in the slices before this one */
        for (unsigned j = 0; j < slice; j++)
            before += cands_all[(size_t)j * n_files + f];
        off[f] = global + before - local;
        for (unsigned j = 0; j < n_slices; j++)
            global += cands_all[(size_t)j * n_files + f];
        local += cands_all[(size_t)slice * n_files + f];
    }
}

static DgStatus changed(const char *path, DgError *err)
{
    return dg_error_set(err, DG_E_IO, path, 0, 0,
                        "the input changed while it was being read (the slices of the run saw different "
                        "contents); run again on a copy that is not being written");
}

/* Every slice ok, and all agree on each input. */
static DgStatus check_table(const DgSlicing *sl, const char *const *paths, DgError *err)
{
    for (unsigned j = 0; j < sl->n; j++) {
        uint64_t s = sl->table[(size_t)j * sl->words];
        if (s != 0) {
            DgStatus st = s < (uint64_t)DG_E_INTERNAL + 1 ? (DgStatus)s : DG_E_INTERNAL;
            return dg_error_set(err, st, NULL, 0, 0,
                                "slice %u of %u could not read its share of the inputs (exit status %d; its own "
                                "message says why)",
                                j, sl->n, (int)st);
        }
    }
    for (size_t f = 0; f < sl->n_files; f++) {
        const uint64_t *a = cell(sl, 0, f);
        if ((a[W_KIND] & KIND_MASK) < KIND_SLICED || (a[W_KIND] & KIND_MASK) > KIND_ZERO)
            return dg_error_set(err, DG_E_INTERNAL, paths[f], 0, 0, "the slice table is not valid");
        for (unsigned j = 1; j < sl->n; j++) {
            const uint64_t *b = cell(sl, j, f);
            if (a[W_KIND] != b[W_KIND] || a[W_SIZE] != b[W_SIZE] || a[W_HEAD] != b[W_HEAD])
                return changed(paths[f], err);
        }
        if ((a[W_KIND] & KIND_MASK) == KIND_SLICED && a[W_HEAD] > a[W_SIZE])
            return dg_error_set(err, DG_E_INTERNAL, paths[f], 0, 0, "the slice table is not valid");
    }
    return DG_OK;
}

DgStatus dg_slicing_new(const char *const *paths, size_t n_paths, const DgValidateOptions *opt, DgSlicing **out,
                        DgError *err)
{
    *out = NULL;
    if (opt->n_slices <= 1)
        return opt->slice == 0 ? DG_OK : bad_slices(opt, err);
    if (opt->slice >= opt->n_slices)
        return bad_slices(opt, err);
    DgSlicing *sl = dg_xcalloc(1, sizeof *sl);
    sl->k = opt->slice;
    sl->n = opt->n_slices;
    sl->n_files = n_paths;
    sl->words = dg_slice_words(n_paths);
    sl->table = dg_xcalloc((size_t)sl->n * sl->words, sizeof *sl->table);
    sl->credit = dg_xcalloc(n_paths ? n_paths : 1, sizeof *sl->credit);
    DgStatus st = DG_OK;
    if (opt->slice_table) {
        memcpy(sl->table, opt->slice_table, (size_t)sl->n * sl->words * sizeof *sl->table);
    } else if (!opt->gather) {
        st = dg_error_set(err, DG_E_USAGE, NULL, 0, 0, "a run in %u slices needs the slice table or a gather",
                          sl->n);
    } else {
        uint64_t *mine = dg_xmalloc(sl->words * sizeof *mine);
        st = dg_validate_slice_counts(paths, n_paths, opt, mine, err);
        DgError gerr = {0};
        DgStatus gst = opt->gather(opt->gather_ctx, mine, sl->words, sl->table, st == DG_OK ? err : &gerr);
        free(mine);
        if (st == DG_OK)
            st = gst;
    }
    if (st == DG_OK)
        st = check_table(sl, paths, err);
    if (st != DG_OK) {
        dg_slicing_free(sl);
        return st;
    }
    *out = sl;
    return DG_OK;
}

void dg_slicing_free(DgSlicing *sl)
{
    if (!sl)
        return;
    free(sl->table);
    free(sl->credit);
    free(sl);
}

DgSliceMode dg_slicing_mode(const DgSlicing *sl, size_t file)
{
    if (!sl)
        return DG_SLICE_WHOLE;
    switch (cell(sl, 0, file)[W_KIND] & KIND_MASK) {
    case KIND_SLICED:
        return DG_SLICE_RANGE;
    case KIND_ROUND:
        return file % sl->n == sl->k ? DG_SLICE_WHOLE : DG_SLICE_HEADER;
    default:
        return sl->k == 0 ? DG_SLICE_WHOLE : DG_SLICE_NONE;
    }
}

uint64_t dg_slicing_bytes_total(const DgSlicing *sl)
{
    uint64_t t = 0;
    for (size_t f = 0; f < sl->n_files; f++) {
        const uint64_t *c = cell(sl, 0, f);
        switch (dg_slicing_mode(sl, f)) {
        case DG_SLICE_WHOLE:
            t += c[W_SIZE];
            break;
        case DG_SLICE_RANGE:
            t += raw_start(c[W_HEAD], c[W_SIZE], sl->k + 1, sl->n) - raw_start(c[W_HEAD], c[W_SIZE], sl->k, sl->n);
            break;
        default:
            break;
        }
    }
    return t;
}

/* First record start at or after raw boundary k of the file, and the
 * '\n' bytes in [head, it). */
static DgStatus boundary(const DgSlicing *sl, size_t f, const char *path, unsigned k, uint64_t *p, uint64_t *nl,
                         DgError *err)
{
    const uint64_t *c = cell(sl, 0, f);
    uint64_t head = c[W_HEAD], size = c[W_SIZE], q = 0, n = 0, extra = 0;
    bool qa = !(c[W_KIND] & FLAG_JSONL);
    for (unsigned j = 0; j < k; j++) {
        q += cell(sl, j, f)[W_NQ];
        n += cell(sl, j, f)[W_NN];
    }
    DgStatus st = k >= sl->n ? (*p = size, DG_OK)
                             : dg_slices_record_start(path, head, raw_start(head, size, k, sl->n), size, q & 1, qa, p,
                                                      &extra, err);
    *nl = n + extra;
    return st;
}

DgStatus dg_slicing_enter(DgSlicing *sl, size_t file, const char *path, DgSource *src, uint64_t *line,
                          DgError *err)
{
    if (dg_slicing_mode(sl, file) != DG_SLICE_RANGE)
        return dg_source_restrict(src, 0, 0, err);
    const uint64_t *c = cell(sl, 0, file);
    /* the source must be the input phase 1 saw */
    if (!dg_source_passthrough(src) || dg_source_size(src) != c[W_SIZE] || dg_source_offset(src) != c[W_HEAD])
        return changed(path, err);
    uint64_t p0, p1, nl0, nl1;
    DgStatus st = boundary(sl, file, path, sl->k, &p0, &nl0, err);
    if (st == DG_OK)
        st = boundary(sl, file, path, sl->k + 1, &p1, &nl1, err);
    if (st == DG_OK)
        st = dg_source_restrict(src, p0, p1, err);
    if (st != DG_OK)
        return st;
    *line += nl0;
    sl->credit[file] = p1 - p0 + (sl->k == 0 ? c[W_HEAD] : 0);
    return DG_OK;
}

uint64_t dg_slicing_bytes_in(const DgSlicing *sl, size_t file)
{
    return sl->credit[file];
}

DgStatus dg_slicing_sha256(const DgSlicing *sl, size_t file, const char *path, char hex[65], DgError *err)
{
    return dg_slices_sha256(path, cell(sl, 0, file)[W_SIZE], hex, err);
}

DgStatus dg_validate_slice_digests(const uint64_t *table, unsigned n_slices, const char *const *paths,
                                   size_t n_paths, char (*hex)[65], size_t *n_hashed, size_t *file, DgError *err)
{
    /* a view of the table as slice 0 sees it: only the input kinds and sizes are read */
    DgSlicing sl = {.k = 0, .n = n_slices, .n_files = n_paths, .words = dg_slice_words(n_paths),
                    .table = (uint64_t *)table};
    *n_hashed = 0;
    for (size_t f = 0; f < n_paths; f++) {
        if (n_slices < 2 || dg_slicing_mode(&sl, f) != DG_SLICE_RANGE)
            continue;
        DgStatus st = dg_slicing_sha256(&sl, f, paths[f], hex[f], err);
        if (st != DG_OK) {
            *file = f;
            return st;
        }
        ++*n_hashed;
    }
    return DG_OK;
}

struct DgSliceHasher {
    const DgSlicing *sl;
    const char *const *paths;
    char (*hex)[65];
    pthread_t thread;
    bool started;
    DgStatus st;
    size_t file; /* the input that failed */
    DgError err;
};

static void *hash_all(void *arg)
{
    DgSliceHasher *h = arg;
    for (size_t f = 0; f < h->sl->n_files && h->st == DG_OK; f++) {
        DgSliceMode m = dg_slicing_mode(h->sl, f);
        if (m != DG_SLICE_RANGE && m != DG_SLICE_HEADER)
            continue;
        h->file = f;
        h->st = dg_slicing_sha256(h->sl, f, h->paths[f], h->hex[f], &h->err);
    }
    return NULL;
}

DgSliceHasher *dg_slicing_hash_start(const DgSlicing *sl, const char *const *paths, char (*hex)[65])
{
    DgSliceHasher *h = dg_xcalloc(1, sizeof *h);
    *h = (DgSliceHasher){.sl = sl, .paths = paths, .hex = hex};
    h->started = pthread_create(&h->thread, NULL, hash_all, h) == 0;
    return h;
}

DgStatus dg_slicing_hash_join(DgSliceHasher *h, size_t *file, DgError *err)
{
    if (!h)
        return DG_OK;
    if (h->started)
        pthread_join(h->thread, NULL);
    else
        hash_all(h);
    DgStatus st = h->st;
    if (st != DG_OK) {
        *file = h->file;
        if (err)
            *err = h->err;
    }
    free(h);
    return st;
}
