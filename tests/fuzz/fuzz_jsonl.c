/*
 * Fuzz target: the JSON Lines row parser on every line of the input.
 *
 * Checks (abort on failure): a reason is given exactly when a line is
 * rejected; every returned string lies inside the line or the scratch and
 * is no longer than the line; an INT is the text of a JSON integer inside
 * the line; and, as a differential oracle, when jansson accepts the line
 * as an object (with duplicate keys rejected, NUL allowed, and little
 * enough nesting, and no raw NUL byte, which jansson takes for the end of
 * the text) our parser must accept it too and decode every wanted
 * string to the same bytes.  The converse is not required: jansson rejects
 * invalid UTF-8 and integers beyond 64 bits, which this parser passes on
 * to validation.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dangliang/common.h"
#include "ingest/jsonl.h"

#define CHECK(c)                                                                                                 \
    do {                                                                                                         \
        if (!(c)) {                                                                                              \
            fprintf(stderr, "fuzz_jsonl: check failed at line %d: %s\n", __LINE__, #c);                          \
            abort();                                                                                             \
        }                                                                                                        \
    } while (0)

static const char *const keys[] = {"record_id", "unit_id", "staff_id", "patient_id",
                                   "item_code", "service_date", "quantity", "a", ""};
enum { NK = sizeof keys / sizeof keys[0] };

static bool is_json_int(const char *p, size_t n)
{
    size_t i = 0;
    if (i < n && p[i] == '-')
        i++;
    if (i >= n)
        return false;
    if (p[i] == '0')
        return i + 1 == n;
    for (; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

static size_t nesting_bound(const char *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i] == '[' || p[i] == '{';
    return k;
}

static DgJsonScratch scratch; /* reused across lines and inputs, as in the validator */

static void one_line(const char *line, size_t len)
{
    DgJsonVal v[NK];
    const char *why = (const char *)1;
    bool ok = dg_jsonl_parse(line, len, keys, NK, v, &scratch, &why);
    if (!ok) {
        CHECK(why != NULL && why != (const char *)1 && why[0]);
    } else {
        CHECK(why == NULL);
        for (size_t k = 0; k < NK; k++) {
            switch (v[k].type) {
            case DG_JSON_STRING: {
                bool in_line = v[k].ptr >= line && v[k].ptr + v[k].len <= line + len;
                bool in_scratch = v[k].ptr >= scratch.buf && v[k].ptr + v[k].len <= scratch.buf + scratch.cap;
                CHECK(in_line || in_scratch);
                CHECK(v[k].len <= len);
                break;
            }
            case DG_JSON_INT:
                CHECK(v[k].ptr >= line && v[k].ptr + v[k].len <= line + len);
                CHECK(is_json_int(v[k].ptr, v[k].len));
                break;
            case DG_JSON_ABSENT:
            case DG_JSON_NULL:
            case DG_JSON_OTHER:
                break;
            default:
                CHECK(0);
            }
        }
    }

    /* differential against jansson */
    /* jansson treats a raw NUL byte as the end of the text; this parser rejects it */
    if (nesting_bound(line, len) >= 60 || memchr(line, 0, len))
        return;
    json_error_t je;
    json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &je);
    if (!j)
        return;
    if (json_is_object(j)) {
        CHECK(ok);
        for (size_t k = 0; k < NK; k++) {
            json_t *x = json_object_get(j, keys[k]);
            if (!x) {
                CHECK(v[k].type == DG_JSON_ABSENT);
            } else if (json_is_string(x)) {
                CHECK(v[k].type == DG_JSON_STRING);
                CHECK(v[k].len == json_string_length(x));
                CHECK(memcmp(v[k].ptr, json_string_value(x), v[k].len) == 0);
            } else if (json_is_null(x)) {
                CHECK(v[k].type == DG_JSON_NULL);
            } else if (json_is_integer(x)) {
                CHECK(v[k].type == DG_JSON_INT);
                char tmp[32];
                snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(x));
                /* "-0" is an integer for both, but jansson prints 0 */
                CHECK((v[k].len == strlen(tmp) && memcmp(v[k].ptr, tmp, v[k].len) == 0) ||
                      (v[k].len == 2 && memcmp(v[k].ptr, "-0", 2) == 0));
            } else {
                CHECK(v[k].type == DG_JSON_OTHER);
            }
        }
    } else {
        CHECK(!ok);
    }
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        /* an exact-size copy so reading past the line is a sanitizer error */
        char *line = malloc(n ? n : 1);
        CHECK(line != NULL);
        memcpy(line, p, n);
        one_line(line, n);
        free(line);
        p += n + (nl ? 1 : 0);
    }
    return 0;
}
