/*
 * SHA-256 for the manifest, which hashes every input: on a 20M-row run
 * that is 1.3 GB, and glib's portable GChecksum took ~3 s of a ~20 s run.
 * This implementation uses the x86 SHA extensions (SHA-NI, on every recent
 * AMD and Intel server CPU) when the CPU has them — about 3 times faster —
 * and a portable C version otherwise.  Both are tested against each other
 * and against GChecksum.
 */
#ifndef DG_SHA256_H
#define DG_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct DgSha256 {
    uint32_t h[8];
    uint64_t bytes;        /* message length so far */
    unsigned char buf[64]; /* partial block */
    size_t n_buf;
    bool portable;         /* use the C rounds even where SHA-NI exists */
} DgSha256;

void dg_sha256_init(DgSha256 *c);
void dg_sha256_update(DgSha256 *c, const void *data, size_t n);
/* Writes the lowercase hex digest and its NUL. */
void dg_sha256_final_hex(DgSha256 *c, char hex[65]);

/* True when this CPU runs the SHA-NI path (for tests and the manifest). */
bool dg_sha256_accelerated(void);

#endif
