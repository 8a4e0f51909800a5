/*
 * JSON Lines row parser: one flat JSON object per line -> values of the
 * requested keys.
 *
 * Design: a strict hand-written RFC 8259 parser, not jansson, because it
 * runs once per log row in the hot loop and must not allocate; it validates
 * the whole line (nested values of other keys are parsed and skipped),
 * rejects a duplicated top-level key, decodes string escapes (\uXXXX with
 * surrogate pairs -> UTF-8) into a caller scratch buffer, and reports an
 * integer as its decimal text.  Leading/trailing spaces, tabs and a final
 * CR are allowed around the object.
 */
#ifndef DG_JSONL_H
#define DG_JSONL_H

#include "dangliang/common.h"

typedef enum DgJsonType {
    DG_JSON_ABSENT = 0, /* key not present */
    DG_JSON_NULL,
    DG_JSON_STRING,     /* ptr/len = decoded bytes */
    DG_JSON_INT,        /* ptr/len = the number's text, e.g. "-12" */
    DG_JSON_OTHER       /* float, bool, array or object */
} DgJsonType;

typedef struct DgJsonVal {
    DgJsonType type;
    const char *ptr;
    size_t len;
} DgJsonVal;

typedef struct DgJsonScratch {
    char *buf;
    size_t cap;
} DgJsonScratch;

void dg_json_scratch_free(DgJsonScratch *s); /* frees the buffer, accepts NULL */

/* Parse line[0..len) (no '\n').  keys[0..n_keys) are the wanted keys;
 * vals[i] receives key i.  Returns true on success; false when the line is
 * not exactly one JSON object or has a duplicated key, with *why set to a
 * static English phrase.  String values may point into scratch (valid
 * until the next call with the same scratch).  Thread safety: touches only
 * vals and scratch. */
bool dg_jsonl_parse(const char *line, size_t len, const char *const *keys, size_t n_keys, DgJsonVal *vals,
                    DgJsonScratch *scratch, const char **why);

#endif
