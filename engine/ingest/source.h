/*
 * Input sources: a service-log file presented as successive windows of
 * UTF-8 bytes.
 *
 * Design: the validator asks for a window (a few tens of MiB), parses the
 * complete records in it in parallel, then says how many bytes it consumed
 * (always a record boundary); the next window starts there.  Plain files
 * are mmap'ed and windows point straight into the mapping; consumed ranges
 * are released with madvise(MADV_DONTNEED) so resident memory stays bounded
 * by the window size, not the file size.  Gzip input (.gz suffix or the
 * 1f 8b magic) and legacy encodings (GB18030/GBK through glib's iconv) are
 * decoded into an internal buffer that holds the unconsumed tail plus newly
 * decoded bytes.  A byte sequence that cannot be decoded is replaced by the
 * single byte 0xFF, which is never valid UTF-8, so the row holding it is
 * rejected as malformed by validation instead of failing the whole run.
 * A leading UTF-8 BOM (after decoding) is skipped.
 *
 * Thread safety: one DgSource is used by one thread at a time; the window
 * it returns may be read by any number of threads until the next call.
 */
#ifndef DG_SOURCE_H
#define DG_SOURCE_H

#include "dangliang/common.h"

typedef enum DgFormat { DG_FORMAT_AUTO = 0, DG_FORMAT_CSV, DG_FORMAT_JSONL } DgFormat;

typedef struct DgSource DgSource;

/* Format from the file name: .csv / .jsonl / .ndjson, optionally followed by
 * .gz; DG_FORMAT_AUTO when unknown. */
DgFormat dg_format_from_path(const char *path);

/* Open `path`.  encoding: NULL, "" or "UTF-8" for none; "GB18030" or "GBK"
 * (case-insensitive; both are decoded as GB18030, a superset of GBK) to
 * convert.  Data after the last gzip member that is not another member is
 * an error, as is truncated gzip data.  Errors: DG_E_IO (cannot open/read; the
 * text names the path and strerror), DG_E_USAGE (unknown encoding).  "-" is
 * not supported (a run must be reproducible from files).  *out owned by the
 * caller: dg_source_close. */
DgStatus dg_source_open(const char *path, const char *encoding, DgSource **out, DgError *err);

/* Current window: bytes from the first unconsumed byte.  Reads/decodes
 * until at least `want` bytes are available or the input ends.  A mapped
 * file's window is exactly min(want, rest) long, so resident memory follows
 * `want`; a decoded window may be longer.  *eof is
 * true when the window ends at the end of input.  The pointer stays valid
 * until the next dg_source_window / dg_source_consume / dg_source_close.
 * Errors: DG_E_IO (read or gzip failure, with the path). */
DgStatus dg_source_window(DgSource *s, size_t want, const char **buf, size_t *len, bool *eof, DgError *err);

/* Mark the first n bytes of the current window consumed. */
void dg_source_consume(DgSource *s, size_t n);

/* Total input bytes read from disk so far (compressed size for .gz), for
 * progress and throughput. */
uint64_t dg_source_bytes_in(const DgSource *s);

/* A mapped file's bytes as on disk (BOM included), or NULL when the source
 * decodes (gzip, legacy encodings) or could not map.  Readable until
 * dg_source_close; consumed ranges may have been released and are read
 * back from the page cache.  Lets a caller hash the file while it parses
 * it instead of reading it a second time. */
const char *dg_source_raw(const DgSource *s, size_t *len);

/* Size of the file on disk, 0 if unknown. */
uint64_t dg_source_size(const DgSource *s);

void dg_source_close(DgSource *s); /* accepts NULL */

#endif
