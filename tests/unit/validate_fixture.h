/*
 * Fixtures shared by the validation tests (test_validate.c, test_slices.c,
 * test_robust.c): the small golden scheme, the log header, a log body
 * that mixes every kind of row, and validating one log.  Each test is one Criterion binary built
 * from its own .c file (Makefile), so the helpers are static inline here
 * rather than a second object: a test that does not use one gets no
 * "unused function" warning.
 */
#ifndef DG_TEST_VALIDATE_FIXTURE_H
#define DG_TEST_VALIDATE_FIXTURE_H

#include <criterion/criterion.h>
#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>

#include "dangliang/validate.h"

#define LOG_HEADER "record_id,unit_id,staff_id,patient_id,item_code,service_date,quantity\n"

static inline DgScheme *load_small(void)
{
    DgScheme *s = NULL;
    DgError e = {0};
    DgStatus st = dg_scheme_load("tests/golden/_small/scheme.json", &s, &e);
    cr_assert_eq(st, DG_OK, "%s", e.text);
    return s;
}

/* One log validated with the default options; an error fails the test. */
static inline DgDataset *validate_one(const DgScheme *s, const char *path)
{
    const char *paths[] = {path};
    DgDataset *d = NULL;
    DgError e = {0};
    cr_assert_eq(dg_validate_files(s, paths, 1, NULL, &d, &e), DG_OK, "%s", e.text);
    return d;
}

/* Appends `rows` records of every kind (good rows, quoted newlines, CRLF,
 * bad dates, zero quantities, missing fields and patient ids, short rows,
 * blank lines, quoted ids), drawn with srand(seed), record ids in
 * [0, rid_mod) (a small rid_mod gives many duplicates).  more_crlf: the
 * quoted-id rows end in CRLF, and one row in 20 has a quoted staff field
 * holding CRLF and blank lines. */
static inline void mixed_rows(GString *g, unsigned seed, int rows, int rid_mod, bool more_crlf)
{
    srand(seed);
    static const char *const units[] = {"U01", "U02", "U99"};
    static const char *const items[] = {"MED-VISIT", "PH-HTN-FU", "PH-ID-REPORT", "OLD-ITEM", "XX"};
    for (int i = 0; i < rows; i++) {
        int k = rand() % 20, rid = rand() % rid_mod;
        const char *u = units[rand() % 3], *it = items[rand() % 5];
        int m = 1 + rand() % 12, d = 1 + rand() % 28;
        if (k == 7 && !more_crlf)
            k = 8; /* an ordinary row instead */
        switch (k) {
        case 0: g_string_append_printf(g, "R%d,%s,\"S\n%d\",P%d,%s,2020-%02d-%02d,1\n", rid, u, i % 5, i % 50, it, m, d); break;
        case 1: g_string_append_printf(g, "R%d,%s,S1,P1,%s,2020-02-30,1\r\n", rid, u, it); break;
        case 2: g_string_append_printf(g, "R%d,%s,S1,P1,%s,2020-%02d-%02d,0\n", rid, u, it, m, d); break;
        case 3: g_string_append_printf(g, "R%d,%s,S1,,%s,2019-12-31,2\n", rid, u, it); break;
        case 4: g_string_append_printf(g, "R%d,%s,S1\n", rid, u); break;
        case 5: g_string_append(g, "\n"); break;
        case 6: g_string_append_printf(g, "\"R%d \"\"q\"\"\",%s,S2,P%d,%s,2020/%d/%d,3%s\n", rid, u, i % 7, it, m, d, more_crlf ? "\r" : ""); break;
        case 7: g_string_append_printf(g, "R%d,%s,\"a,\"\"b\"\"\r\nc\n\n\",P%d,%s,2020-%02d-%02d,2\n", rid, u, i, it, m, d); break;
        default: g_string_append_printf(g, "R%d,%s,S%d,P%d,%s,2020-%02d-%02d,%d\n", rid, u, i % 9, i % 61, it, m, d, 1 + i % 4);
        }
    }
}

#endif
