/*
 * Row fields without per-field hash lookups where a table can answer.
 *
 * DgCodeTab maps the scheme's unit ids and item codes to their dense ids.
 * Built once per run from the scheme, it is a small open-addressed table
 * whose keys are the strings themselves, packed: a string of 1 to 16 bytes
 * is fully described by its length and two 64-bit words read with
 * overlapping loads (bytes 0..7 and len-8..len-1 for 8..16 bytes; 0..3 and
 * len-4..len-1 for 4..7; first, middle, last byte below 4), so a lookup
 * reads the field with two loads, mixes two words, and compares two words
 * — no byte hash loop, no memcmp, no pointer chase to a string.  With at
 * least twice as many slots as keys, a probe touches one or two slots.
 * Strings longer than 16 bytes go to the scheme's own lookup, so every
 * answer equals dg_scheme_unit_find / dg_scheme_code_find.
 *
 * The date and quantity helpers accept only the common spelling
 * (YYYY-MM-DD; a single digit) with straight-line code and hand everything
 * else to dg_date_parse / dg_uint_parse, so results never differ.
 */
#ifndef DG_FIELDPARSE_H
#define DG_FIELDPARSE_H

#include "dangliang/scheme.h"

typedef struct DgCodeSlot {
    uint64_t a, b;
    uint32_t len;    /* 0 = empty slot */
    int32_t id;
} DgCodeSlot;

typedef struct DgCodeTab {
    DgCodeSlot *slot;
    uint32_t mask;
    unsigned shift;
} DgCodeTab;

typedef struct DgFieldTabs {
    DgCodeTab units, codes;
    const DgScheme *s;
} DgFieldTabs;

/* Build the unit and code tables of s.  Free with dg_fieldtabs_free. */
void dg_fieldtabs_init(DgFieldTabs *t, const DgScheme *s);
void dg_fieldtabs_free(DgFieldTabs *t); /* accepts NULL */

/* = dg_scheme_unit_find(s, p, len) */
int64_t dg_fieldtabs_unit(const DgFieldTabs *t, const char *p, size_t len);
/* = dg_scheme_code_find(s, p, len) */
int64_t dg_fieldtabs_code(const DgFieldTabs *t, const char *p, size_t len);

/* = dg_date_parse(s, len, day) */
bool dg_field_date(const char *s, size_t len, int32_t *day);
/* = dg_uint_parse(s, len, max, out) */
bool dg_field_uint(const char *s, size_t len, uint64_t max, uint64_t *out);

#endif
