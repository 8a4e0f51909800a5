/*
 * Row-field helpers (engine/validate/fieldparse.c) against the functions
 * they stand in for: every unit id and item code of the bundled scheme,
 * each with every byte changed, cut short or extended (lengths across the
 * 4/8/16-byte packing classes and past 16), random strings; every
 * YYYY-MM-DD day of several years plus impossible ones and random text for
 * the date; short numbers for the quantity.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dangliang/scheme.h"
#include "validate/fieldparse.h"

static uint64_t st = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void)
{
    st ^= st << 13;
    st ^= st >> 7;
    st ^= st << 17;
    return st;
}

static void same_lookup(const DgFieldTabs *t, const DgScheme *s, const char *p, size_t len)
{
    char *e = malloc(len ? len : 1); /* exact size: no read past the field */
    memcpy(e, p, len);
    cr_assert_eq(dg_fieldtabs_unit(t, e, len), dg_scheme_unit_find(s, e, len), "unit '%.*s'", (int)len, e);
    cr_assert_eq(dg_fieldtabs_code(t, e, len), dg_scheme_code_find(s, e, len), "code '%.*s'", (int)len, e);
    free(e);
}

static void variants(const DgFieldTabs *t, const DgScheme *s, const char *k)
{
    size_t len = strlen(k);
    char b[64];
    same_lookup(t, s, k, len);
    for (size_t cut = 0; cut < len; cut++)
        same_lookup(t, s, k, cut);
    for (size_t i = 0; i < len && len < sizeof b; i++) {
        memcpy(b, k, len);
        b[i] ^= 1;
        same_lookup(t, s, b, len);
    }
    for (size_t extra = 1; extra < 20 && len + extra < sizeof b; extra++) {
        memcpy(b, k, len);
        memset(b + len, 'X', extra);
        same_lookup(t, s, b, len + extra);
    }
}

Test(fieldparse, lookups_equal_the_scheme)
{
    DgScheme *s = NULL;
    DgError e = {0};
    cr_assert_eq(dg_scheme_load("configs/zhoushan-2020/scheme-given.json", &s, &e), DG_OK, "%s", e.text);
    DgFieldTabs t;
    dg_fieldtabs_init(&t, s);
    for (size_t i = 0; i < s->n_units; i++) {
        cr_assert_eq(dg_fieldtabs_unit(&t, s->units[i].id, strlen(s->units[i].id)), (int64_t)i);
        variants(&t, s, s->units[i].id);
    }
    for (size_t c = 0; c < s->n_codes; c++) {
        const char *k = s->catalog[s->code_first[c]].code;
        cr_assert_eq(dg_fieldtabs_code(&t, k, strlen(k)), (int64_t)c);
        variants(&t, s, k);
    }
    char b[40];
    for (int i = 0; i < 20000; i++) {
        size_t len = 1 + (size_t)(rnd() % 24);
        for (size_t j = 0; j < len; j++)
            b[j] = "DHSPT0123-MEDXI"[rnd() % 15];
        same_lookup(&t, s, b, len);
    }
    dg_fieldtabs_free(&t);
    dg_scheme_free(s);
}

static void same_date(const char *p, size_t len)
{
    char *e = malloc(len ? len : 1);
    memcpy(e, p, len);
    int32_t a = 0, b = 0;
    bool ga = dg_field_date(e, len, &a), gb = dg_date_parse(e, len, &b);
    cr_assert_eq(ga, gb, "date '%.*s'", (int)len, e);
    cr_assert(!ga || a == b, "date '%.*s': %d vs %d", (int)len, e, a, b);
    free(e);
}

Test(fieldparse, dates_equal_dg_date_parse)
{
    char b[32];
    for (int y = 1999; y <= 2025; y += 1)
        for (int m = 0; m <= 13; m++)
            for (int d = 0; d <= 32; d++) {
                snprintf(b, sizeof b, "%04d-%02d-%02d", y, m, d);
                same_date(b, strlen(b));
                snprintf(b, sizeof b, "%04d/%d/%d", y, m, d);
                same_date(b, strlen(b));
            }
    same_date("0000-01-01", 10);
    same_date("2000-02-29", 10);
    same_date("1900-02-29", 10);
    same_date("2020-01-01T08:00", 16);
    for (int i = 0; i < 100000; i++) {
        size_t len = 8 + (size_t)(rnd() % 5);
        for (size_t j = 0; j < len; j++)
            b[j] = "0123456789-/ T"[rnd() % 14];
        same_date(b, len);
    }
}

Test(fieldparse, quantities_equal_dg_uint_parse)
{
    char b[8];
    for (int len = 1; len <= 3; len++)
        for (int v = 0; v < 1 << (8 * len) && v < 70000; v++) {
            for (int j = 0; j < len; j++)
                b[j] = (char)(v >> (8 * j));
            for (uint64_t max = 0; max <= 10000; max += 5000) {
                uint64_t a = 99, c = 99;
                bool ga = dg_field_uint(b, (size_t)len, max, &a), gc = dg_uint_parse(b, (size_t)len, max, &c);
                cr_assert_eq(ga, gc);
                cr_assert(!ga || a == c);
            }
        }
}
