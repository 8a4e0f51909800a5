/*
 * Unit and property tests of the computed quality indicators: the exact
 * attainment from N/D, the registry loader, and the property that N, D and
 * Q do not depend on the order of the registry rows, the order of the log
 * rows, the thread count or the chunk size.
 *
 * The property test writes a small random world to a private temp folder:
 * two units, a registry of a few hundred persons with random flags, and a
 * few thousand log rows (registered and unregistered patients, services by
 * the patient's own unit and by the other one, quantities the day and
 * period caps cut).  Each trial shuffles the registry and the log (record
 * ids travel with their rows) and runs validate → audit → compute → score
 * again with another thread count and chunk size.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dangliang/audit.h"
#include "dangliang/quality.h"
#include "dangliang/registry.h"
#include "dangliang/score.h"

/* ---- exact attainment ------------------------------------------------------ */

Test(quality, attainment_from_the_exact_fraction)
{
    /* 4/24 against 0.20: exact 0.8333333… -> 833333; rounding v first would give 0.166667/0.2 = 0.833335 */
    cr_expect_eq(dg_score_achievement_frac(4, 24, 200000, false), 833333);
    /* 1/4 against 0.60: 0.41666… -> 416667 */
    cr_expect_eq(dg_score_achievement_frac(1, 4, 600000, false), 416667);
    /* at or above target: 1; v above 1 is allowed (population smaller than the registry) */
    cr_expect_eq(dg_score_achievement_frac(2, 5, 400000, false), 1000000);
    cr_expect_eq(dg_score_achievement_frac(7, 5, 400000, false), 1000000);
    cr_expect_eq(dg_score_achievement_frac(0, 5, 400000, false), 0);
    /* lower is better: 1/10 <= 0.2 -> 1; 3/10 > 0.2 -> 0.2 × 10 / 3 = 0.6666… -> 666667 */
    cr_expect_eq(dg_score_achievement_frac(1, 10, 200000, true), 1000000);
    cr_expect_eq(dg_score_achievement_frac(3, 10, 200000, true), 666667);
    cr_expect_eq(dg_score_achievement_frac(0, 10, 200000, true), 1000000);
    /* half-up at the 7th decimal: 1/8 against 0.2 … 0.625 exactly; 1/16 / 0.16 = 0.390625 */
    cr_expect_eq(dg_score_achievement_frac(1, 8, 200000, false), 625000);
    cr_expect_eq(dg_score_achievement_frac(1, 16, 160000, false), 390625);
    /* 1/3 against 0.7: 0.476190476… -> 476190; 2/3 against 0.7: 0.952380952… -> 952381 */
    cr_expect_eq(dg_score_achievement_frac(1, 3, 700000, false), 476190);
    cr_expect_eq(dg_score_achievement_frac(2, 3, 700000, false), 952381);
    /* D = 0 is the caller's "missing"; the function answers 0 instead of dividing */
    cr_expect_eq(dg_score_achievement_frac(1, 0, 700000, false), 0);
}

/* ---- a random world ---------------------------------------------------------- */

static char dir[64];
static unsigned rng_state;

static unsigned rnd(unsigned n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

static void put(const char *name, const char *text)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

static void put_lines(const char *name, const char *header, char **lines, size_t n)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert(f);
    fputs(header, f);
    for (size_t i = 0; i < n; i++)
        fputs(lines[i], f);
    fclose(f);
}

static void shuffle(char **v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = rnd((unsigned)i);
        char *t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

#define NP 300
#define NR 4000

typedef struct Result {
    size_t nc;
    int64_t num[16], den[16], nf[16], sm[16], sq[16];
    uint64_t unreg, other, with_pat;
    int64_t q[2];
} Result;

static void run_once(int threads, size_t chunk, Result *r)
{
    char sp[128], lp[128];
    snprintf(sp, sizeof sp, "%s/scheme.json", dir);
    snprintf(lp, sizeof lp, "%s/log.csv", dir);
    DgScheme *s = NULL;
    DgDataset *d = NULL;
    DgAudit *au = NULL;
    DgQualityValues *qv = NULL;
    DgError e = {0};
    cr_assert_eq(dg_scheme_load(sp, &s, &e), DG_OK, "%s", e.text);
    DgValidateOptions vo = {.threads = threads, .chunk_size = chunk, .window_size = chunk ? 65536 : 0};
    const char *logs[] = {lp};
    cr_assert_eq(dg_validate_files(s, logs, 1, &vo, &d, &e), DG_OK, "%s", e.text);
    cr_assert_eq(dg_audit_rows(s, d, &au, &e), DG_OK, "%s", e.text);
    cr_assert_eq(dg_quality_compute(s, d, au->audited_qty, &qv, &e), DG_OK, "%s", e.text);
    DgQuality q;
    cr_assert_eq(dg_score_quality_values(s, qv, &q, &e), DG_OK, "%s", e.text);
    r->nc = s->n_units * s->n_indicators;
    for (size_t c = 0; c < r->nc; c++) {
        r->num[c] = qv->num[c];
        r->den[c] = qv->den[c];
        r->nf[c] = qv->n_no_flag[c];
        r->sm[c] = qv->n_short_min[c];
        r->sq[c] = qv->n_short_quarters[c];
    }
    r->unreg = qv->rows_unregistered;
    r->other = qv->rows_other_unit;
    r->with_pat = qv->rows_with_patient;
    r->q[0] = q.q[0];
    r->q[1] = q.q[1];
    dg_score_quality_clear(&q);
    dg_quality_values_free(qv);
    dg_audit_free(au);
    dg_dataset_free(d);
    dg_scheme_free(s);
}

Test(quality, property_order_threads_chunks)
{
    snprintf(dir, sizeof dir, "/tmp/dg_test_quality_XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
    rng_state = 2020;
    put("catalog.csv",
        "item_code,item_name,category,equivalent,minutes,max_per_patient_day,max_per_patient_period\n"
        "PH-HTN-FU,高血压患者随访,public_health,1.7,20,1,5\n"
        "PH-DM-FU,糖尿病患者随访,public_health,2,20,1,\n"
        "MED-VISIT,门诊诊疗,medical,1,10,,\n");
    put("units.csv", "unit_id,unit_name,kind,community,county,tier,tags,population\n"
                     "U1,一,center,c,k,1,,400\nU2,二,center,c,k,1,,0\n");
    put("scheme.json",
        "{\"id\": \"prop\", \"period\": {\"from\": \"2020-01-01\", \"to\": \"2020-12-31\"},\n"
        " \"catalog\": \"catalog.csv\", \"units\": \"units.csv\", \"registry\": \"registry.csv\",\n"
        " \"quality\": {\"indicators\": [\n"
        "  {\"id\": \"sign\", \"weight\": 30, \"target\": \"0.4\", \"compute\": {\"of\": \"population\", \"count\": [\"signed\"]}},\n"
        "  {\"id\": \"htn\", \"weight\": 30, \"target\": \"0.6\", \"compute\": {\"of\": [\"htn\"], \"services\": "
        "{\"items\": [\"PH-HTN-FU\"], \"min\": 4, \"quarters\": 3}}},\n"
        "  {\"id\": \"dm\", \"weight\": 20, \"target\": \"0.5\", \"compute\": {\"of\": [\"dm\"], \"count\": [\"signed\"], "
        "\"services\": {\"categories\": [\"public_health\"], \"min\": 2}}},\n"
        "  {\"id\": \"all\", \"weight\": 20, \"target\": \"0.3\", \"better\": \"lower\", \"compute\": {\"of\": []}}],\n"
        "  \"missing\": \"skip\"},\n"
        " \"pools\": [{\"id\": \"p\", \"budget\": \"100.00\", \"categories\": [\"public_health\", \"medical\"], "
        "\"scope\": \"all\"}]}\n");
    char *reg[NP], *log[NR];
    for (int i = 0; i < NP; i++) {
        reg[i] = malloc(64);
        snprintf(reg[i], 64, "P%03d,%s,%d,%d,%s\n", i, rnd(3) ? "U1" : "U2", rnd(3) == 0, rnd(4) == 0,
                 rnd(3) == 0 ? "" : rnd(2) ? "1" : "0");
    }
    static const char *const items[] = {"PH-HTN-FU", "PH-DM-FU", "MED-VISIT"};
    for (int i = 0; i < NR; i++) {
        log[i] = malloc(128);
        int pat = (int)rnd(NP + 30); /* 30 patients not in the registry */
        char pid[16];
        if (rnd(20) == 0)
            pid[0] = 0; /* a group service */
        else
            snprintf(pid, sizeof pid, "%s%03d", pat < NP ? "P" : "X", pat);
        snprintf(log[i], 128, "r%05d,%s,S%d,%s,%s,2020-%02u-%02u,%u\n", i, rnd(4) ? "U1" : "U2", (int)rnd(9), pid,
                 items[rnd(3)], 1 + rnd(12), 1 + rnd(28), 1 + (rnd(5) == 0));
    }
    const char *rh = "person_id,unit_id,htn,dm,signed\n";
    const char *lh = "record_id,unit_id,staff_id,patient_id,item_code,service_date,quantity\n";
    put_lines("registry.csv", rh, reg, NP);
    put_lines("log.csv", lh, log, NR);
    Result base, r;
    memset(&base, 0, sizeof base);
    run_once(1, 0, &base);
    /* the world is not trivial: some of everything */
    int64_t sum_n = 0, sum_sm = 0, sum_sq = 0, sum_nf = 0;
    for (size_t c = 0; c < base.nc; c++) {
        sum_n += base.num[c];
        sum_sm += base.sm[c];
        sum_sq += base.sq[c];
        sum_nf += base.nf[c];
    }
    cr_expect_gt(sum_n, 0);
    cr_expect_gt(sum_sm, 0);
    cr_expect_gt(sum_sq, 0);
    cr_expect_gt(sum_nf, 0);
    cr_expect_gt(base.unreg, 0);
    cr_expect_gt(base.other, 0);
    static const int threads[] = {2, 3, 1, 4};
    static const size_t chunks[] = {0, 977, 64, 1};
    for (int t = 0; t < 4; t++) {
        shuffle(reg, NP);
        shuffle(log, NR);
        put_lines("registry.csv", rh, reg, NP);
        put_lines("log.csv", lh, log, NR);
        memset(&r, 0, sizeof r);
        run_once(threads[t], chunks[t], &r);
        cr_expect_eq(memcmp(&r, &base, sizeof r), 0, "trial %d (threads %d, chunk %zu) differs", t, threads[t],
                     chunks[t]);
    }
    for (int i = 0; i < NP; i++)
        free(reg[i]);
    for (int i = 0; i < NR; i++)
        free(log[i]);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

/* ---- registry ------------------------------------------------------------------ */

/* A new dir (from the mkdtemp template) with a scheme that reads registry.csv: one
 * computed indicator k = count a of b, over the given units.csv. */
static void reg_dir(const char *template, const char *units)
{
    snprintf(dir, sizeof dir, "%s", template);
    cr_assert(mkdtemp(dir) != NULL);
    put("catalog.csv", "item_code,item_name,category,equivalent\nA,a,public_health,1\n");
    put("units.csv", units);
    put("scheme.json", "{\"id\": \"r\", \"period\": {\"from\": \"2020-01-01\", \"to\": \"2020-12-31\"},"
                       " \"catalog\": \"catalog.csv\", \"units\": \"units.csv\", \"registry\": \"registry.csv\","
                       " \"quality\": {\"indicators\": [{\"id\": \"k\", \"weight\": 1, \"target\": \"0.5\","
                       " \"compute\": {\"of\": [\"b\"], \"count\": [\"a\"]}}]},"
                       " \"pools\": [{\"id\": \"p\", \"budget\": \"1.00\", \"categories\": [\"public_health\"],"
                       " \"scope\": \"all\"}]}");
}

Test(quality, registry_grouped_sorted_and_found)
{
    reg_dir("/tmp/dg_test_qreg_XXXXXX", "unit_id,unit_name\nU2,二\nU1,一\n");
    char cmd[160];
    /* BOM, CRLF, spaces around fields, an ignored column, quoted id, empty flag */
    put("registry.csv", "\xEF\xBB\xBFnote, unit_id ,a,person_id,b\r\n"
                        "x,U2,1,z9,1\r\n"
                        "y, U1 ,,\"b,1\",1\r\n"
                        "z,U1,1,a7,0\r\n"
                        "\r\n");
    char sp[128];
    snprintf(sp, sizeof sp, "%s/scheme.json", dir);
    DgScheme *s = NULL;
    DgError e = {0};
    cr_assert_eq(dg_scheme_load(sp, &s, &e), DG_OK, "%s", e.text);
    const DgRegistry *r = s->registry;
    cr_assert(r);
    cr_expect_eq(r->n_persons, 3);
    /* unit U1 (index 0) first: a7 then "b,1" (byte order), then U2: z9 */
    cr_expect_eq(r->unit_first[0], 0);
    cr_expect_eq(r->unit_first[1], 2);
    cr_expect_eq(r->unit_first[2], 3);
    cr_expect_str_eq(r->person_id[0], "a7");
    cr_expect_str_eq(r->person_id[1], "b,1");
    cr_expect_str_eq(r->person_id[2], "z9");
    /* flags: scheme order of first mention: b (bit 0), a (bit 1) */
    cr_expect_str_eq(s->reg_flags[0], "b");
    cr_expect_str_eq(s->reg_flags[1], "a");
    cr_expect_eq(r->flags[0], 2u); /* a7: a=1 b=0 */
    cr_expect_eq(r->flags[1], 1u); /* b,1: a empty b=1 */
    cr_expect_eq(r->flags[2], 3u);
    cr_expect_eq(dg_registry_find(r, "z9", 2), 2);
    cr_expect_eq(dg_registry_find(r, "b,1", 3), 1);
    cr_expect_eq(dg_registry_find(r, "q", 1), -1);
    dg_scheme_free(s);
    /* the same scheme without reading the registry */
    cr_assert_eq(dg_scheme_load_no_registry(sp, &s, &e), DG_OK, "%s", e.text);
    cr_expect(s->registry == NULL);
    cr_expect_eq(s->n_computed, 1);
    dg_scheme_free(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

/* ---- registry: chunk size and thread count change nothing ------------------------ */

#include <omp.h>

static DgScheme *reg_scheme(void)
{
    char sp[128];
    snprintf(sp, sizeof sp, "%s/scheme.json", dir);
    DgScheme *s = NULL;
    DgError e = {0};
    cr_assert_eq(dg_scheme_load_no_registry(sp, &s, &e), DG_OK, "%s", e.text);
    return s;
}

static const size_t reg_chunks[] = {0, 1, 2, 3, 7, 64, 333, 4096};
static const int reg_threads[] = {1, 2, 3};

/* Load registry.csv with every chunk size and thread count: the same
 * persons in the same order, found by id, or the same error. */
static void reg_same_everywhere(DgScheme *s, DgStatus want, const char *want_where)
{
    char rp[128];
    snprintf(rp, sizeof rp, "%s/registry.csv", dir);
    DgRegistry *base = NULL;
    DgError e0 = {0};
    omp_set_num_threads(1);
    DgStatus st0 = dg_registry_load_chunked(rp, s, 0, &base, &e0);
    cr_assert_eq(st0, want, "%s", e0.text);
    if (want_where) {
        char where[1200];
        snprintf(where, sizeof where, "%s:%llu:%u", e0.file, (unsigned long long)e0.line, e0.column);
        cr_expect(strstr(where, want_where) != NULL, "error at %s, expected %s (%s)", where, want_where, e0.text);
    }
    for (size_t c = 0; c < sizeof reg_chunks / sizeof *reg_chunks; c++)
        for (size_t t = 0; t < sizeof reg_threads / sizeof *reg_threads; t++) {
            omp_set_num_threads(reg_threads[t]);
            DgRegistry *r = NULL;
            DgError e = {0};
            DgStatus st = dg_registry_load_chunked(rp, s, reg_chunks[c], &r, &e);
            cr_assert_eq(st, st0, "chunk %zu threads %d: %s", reg_chunks[c], reg_threads[t], e.text);
            if (st) {
                cr_expect_str_eq(e.text, e0.text, "chunk %zu threads %d", reg_chunks[c], reg_threads[t]);
                cr_expect_eq(e.line, e0.line, "chunk %zu threads %d: %s", reg_chunks[c], reg_threads[t], e.text);
                cr_expect_eq(e.column, e0.column, "chunk %zu threads %d", reg_chunks[c], reg_threads[t]);
                continue;
            }
            cr_assert_eq(r->n_persons, base->n_persons);
            for (size_t u = 0; u <= s->n_units; u++)
                cr_expect_eq(r->unit_first[u], base->unit_first[u]);
            for (size_t p = 0; p < r->n_persons; p++) {
                cr_expect_str_eq(r->person_id[p], base->person_id[p], "chunk %zu person %zu", reg_chunks[c], p);
                cr_expect_eq(r->unit[p], base->unit[p]);
                cr_expect_eq(r->flags[p], base->flags[p]);
                cr_expect_eq(dg_registry_find(r, base->person_id[p], strlen(base->person_id[p])), (int64_t)p);
            }
            cr_expect_eq(dg_registry_find(r, "nobody", 6), -1);
            dg_registry_free(r);
        }
    omp_set_num_threads(2);
    if (base) {
        /* grouped by unit, byte order inside a unit */
        for (size_t p = 1; p < base->n_persons; p++)
            if (base->unit[p] == base->unit[p - 1])
                cr_expect_lt(strcmp(base->person_id[p - 1], base->person_id[p]), 0, "%s %s",
                             base->person_id[p - 1], base->person_id[p]);
    }
    dg_registry_free(base);
}

Test(quality, registry_chunk_and_thread_independent)
{
    reg_dir("/tmp/dg_test_qregc_XXXXXX", "unit_id,unit_name\nU1,一\nU2,二\nU3,三\n");
    DgScheme *s = reg_scheme();
    /* quoted ids with commas and line breaks, CRLF, blank lines, long ids
     * that share their first 16 and 32 bytes, multi-byte UTF-8 */
    size_t cap = 1 << 20, len = 0;
    char *t = malloc(cap);
    len += (size_t)snprintf(t + len, cap - len, "\xEF\xBB\xBFperson_id,unit_id,a,b,note\r\n");
    rng_state = 77;
    for (int i = 0; i < 1500; i++) {
        const char *u = rnd(3) == 0 ? "U1" : rnd(2) ? "U2" : "U3";
        switch (rnd(6)) {
        case 0:
            len += (size_t)snprintf(t + len, cap - len, "\"q,%d\n\",%s,1,,\"x\"\"y\"\r\n", i, u);
            break;
        case 1:
            len += (size_t)snprintf(t + len, cap - len, "PERSON-LONG-PREFIX-%06d,%s,0,1,\n\n", i, u);
            break;
        case 2:
            len += (size_t)snprintf(t + len, cap - len, "PERSON-LONG-PREFIX-SHARED-BY-MANY-%06d-Z,%s,1,1,n\n", i, u);
            break;
        case 3:
            len += (size_t)snprintf(t + len, cap - len, "居民%d,%s,,0,备注\n", i, u);
            break;
        default:
            len += (size_t)snprintf(t + len, cap - len, "P%d, %s ,1,0,x\n", i * 7919 % 100000, u);
        }
    }
    FILE *f;
    char rp[128];
    snprintf(rp, sizeof rp, "%s/registry.csv", dir);
    cr_assert((f = fopen(rp, "wb")));
    fwrite(t, 1, len, f);
    fclose(f);
    reg_same_everywhere(s, DG_OK, NULL);
    /* faults: each must be reported at the same place whatever the chunking,
     * the first in file order winning as in a serial read */
    static const struct {
        const char *text, *where;
    } bad[] = {
        /* a duplicate far from its first row */
        {"person_id,unit_id,a,b\nA1,U1,1,0\nA2,U2,0,0\nA3,U1,,\nA4,U2,1,1\nA1,U3,0,1\n", "registry.csv:6:1"},
        /* the duplicate row also has an unknown unit: the duplicate is named */
        {"person_id,unit_id,a,b\nA1,U1,1,0\nA2,U2,0,0\nA1,U9,0,0\n", "registry.csv:4:1"},
        /* an unknown unit before a duplicate */
        {"person_id,unit_id,a,b\nA1,U1,1,0\nA2,U9,0,0\nA1,U1,0,0\n", "registry.csv:3:2"},
        /* a bad flag after a duplicate */
        {"person_id,unit_id,a,b\nA1,U1,1,0\nA1,U1,0,0\nA3,U1,x,0\n", "registry.csv:3:1"},
        /* two duplicates: the earlier second occurrence */
        {"person_id,unit_id,a,b\nB,U1,,\nA,U1,,\nC,U1,,\nA,U2,,\nB,U2,,\n", "registry.csv:5:1"},
        /* a malformed row after a quoted line break, then a duplicate */
        {"person_id,unit_id,a,b\n\"x\ny\",U1,1,0\nA\"B,U1,0,0\nx\ny,U1,,\n", "registry.csv:4:0"},
        /* a short row, then invalid UTF-8 later: the encoding is checked first */
        {"person_id,unit_id,a,b\nA1,U1\nA2,U1,1,\xff\n", "registry.csv:3:0"},
        /* an unterminated quote runs to the end */
        {"person_id,unit_id,a,b\nA1,U1,1,0\n\"A2,U1,1,0\nA3,U1,1,0\n", "registry.csv:3:0"},
        /* an empty person_id after blank lines and CRLF */
        {"person_id,unit_id,a,b\r\n\r\nA1,U1,1,0\r\n\r\n ,U2,1,0\r\n", "registry.csv:5:1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert((f = fopen(rp, "wb")));
        fputs(bad[i].text, f);
        fclose(f);
        reg_same_everywhere(s, DG_E_CONFIG, bad[i].where);
    }
    free(t);
    dg_scheme_free(s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}
