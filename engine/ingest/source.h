/*
 * Input sources: a service-log file presented as successive windows of
 * UTF-8 bytes.
 *
 * Design: the validator asks for a window (a few tens of MiB), parses the
 * complete records in it in parallel, then says how many bytes it consumed
 * (always a record boundary); the next window starts there.  Every input
 * is read with read(2) (never mmap'ed, so a file truncated under the engine
 * cannot kill it with SIGBUS) into an internal buffer that holds the
 * unconsumed tail plus newly read bytes, so memory stays bounded by the
 * window size, not the file size.  Gzip input (.gz suffix or the 1f 8b
 * magic) and legacy encodings (GB18030/GBK through glib's iconv) are
 * decoded on the way.  A regular file whose size or modification time
 * changed between open and its end, or that gave fewer or more bytes than
 * its size at open, fails with DG_E_IO "the input changed while it was
 * being read".  Pipes, FIFOs and standard input ("-") are read once.  A byte sequence that cannot be decoded is replaced by the
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
 * standard input (read once; error texts call it "(standard input)").
 * *out owned by the caller: dg_source_close. */
DgStatus dg_source_open(const char *path, const char *encoding, DgSource **out, DgError *err);

/* Current window: bytes from the first unconsumed byte.  Reads/decodes
 * until at least `want` bytes are available or the input ends (the window
 * may be longer).  *eof is true when the window ends at the end of input.
 * The pointer stays valid until the next dg_source_window /
 * dg_source_consume / dg_source_close.
 * Errors: DG_E_IO (read or gzip failure, or the input changed while it was
 * being read; the text names the path). */
DgStatus dg_source_window(DgSource *s, size_t want, const char **buf, size_t *len, bool *eof, DgError *err);

/* Mark the first n bytes of the current window consumed. */
void dg_source_consume(DgSource *s, size_t n);

/* Total input bytes read from disk so far (compressed size for .gz), for
 * progress and throughput. */
uint64_t dg_source_bytes_in(const DgSource *s);

/* Compute the SHA-256 of the input's bytes as read (before decoding, BOM
 * included) in the same pass that reads it.  Call before the first
 * dg_source_window. */
void dg_source_want_hash(DgSource *s);

/* For a source that does not decode, hash the first n bytes of the current
 * window now (a no-op otherwise, or for bytes already hashed).  May run on
 * one thread while other threads read the window, as long as no other
 * call on `s` runs meanwhile.  Bytes consumed without this call are hashed
 * by dg_source_consume, so calling it is only an optimisation. */
void dg_source_hash_window(DgSource *s, size_t n);

/* Read-ahead, so that reading the next window overlaps parsing this one
 * instead of running alone between windows.  Only for a source that
 * neither decodes nor is restricted to a byte range, and not at its end:
 * dg_source_can_read_ahead says so.  dg_source_read_ahead(s, keep, want)
 * reads up to `want` bytes that follow the current window into a second
 * buffer with room for `keep` bytes before them: the part of the window
 * the caller will not consume.  It touches neither the window's bytes nor
 * the hash, so it may run on one thread while others read the window and
 * one runs dg_source_hash_window; no other call on `s` may run meanwhile.
 * The next dg_source_window takes the bytes over (a read error is
 * reported there, as the plain read would have reported it); consuming
 * more than len - keep only costs a copy.  Allocation failure aborts. */
bool dg_source_can_read_ahead(const DgSource *s);
void dg_source_read_ahead(DgSource *s, size_t keep, size_t want);

/* The digest as lowercase hex, once the whole input has been read and
 * consumed; false when hashing was not asked for or input remains. */
bool dg_source_sha256(DgSource *s, char hex[65]);

/* Consume the record that starts at the current position, however long,
 * holding at most about `window` bytes at a time: up to and including the
 * first '\n' that ends it (with quote_aware, only a '\n' outside double
 * quotes, where every '"' toggles, the CSV boundary rule of csvscan.h), or
 * to the end of input.  *len = its length without the terminator ("\n" or
 * "\r\n"), *newlines = the '\n' bytes consumed.  Memory stays bounded
 * for a record of any length (a gzip bomb of NUL bytes is one record).
 * Errors: those of dg_source_window. */
DgStatus dg_source_skip_record(DgSource *s, bool quote_aware, size_t window, uint64_t *len, uint64_t *newlines,
                               DgError *err);

/* Size of the file on disk, 0 if unknown. */
uint64_t dg_source_size(const DgSource *s);

/* Stream offset of the current window's first byte (bytes consumed so far,
 * a skipped BOM included): the file offset for a pass-through source. */
uint64_t dg_source_offset(const DgSource *s);

/* A regular file read without decoding (no gzip, no encoding): its stream
 * bytes are its file bytes, so a byte range of it can be read alone. */
bool dg_source_passthrough(const DgSource *s);

/* From now on the source is the file's bytes [begin, end) only (slices of
 * a run, docs/scale.md): whatever the window held is dropped, the next
 * window starts at file offset `begin`, and the input ends at `end`, where
 * the change check of the end of a file runs (same size and modification
 * time as at open, and every byte of the range read).  Hashing stops and
 * dg_source_bytes_in counts from 0 again.  begin >= end: an empty input
 * (any source).  Otherwise the source must be pass-through
 * (DG_E_INTERNAL).  Errors: DG_E_IO (seek failure). */
DgStatus dg_source_restrict(DgSource *s, uint64_t begin, uint64_t end, DgError *err);

void dg_source_close(DgSource *s); /* accepts NULL */

#endif
