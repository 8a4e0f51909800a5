/*
 * Unit tests of engine/catalog: the bundled Zhoushan scheme, and one small
 * scheme per rule of docs/formats.md (scheme, catalog, units, indicators) written to a temporary folder.  Every
 * error test asserts the status, the line and a piece of the sentence, so a
 * rule that silently stops firing (or fires on the wrong line) fails here.
 *
 * The base scheme below is written with one section per line; tests change
 * it by replacing a piece of one line, so line numbers in the expectations
 * stay those of BASE.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dangliang/scheme.h"

static char dir[64];

static const char *BASE =
    "{\n"                                                                                     /* 1 */
    "  \"id\": \"t\",\n"                                                                      /* 2 */
    "  \"title\": \"测试方案\",\n"                                                            /* 3 */
    "  \"period\": {\"from\": \"2020-01-01\", \"to\": \"2020-12-31\"},\n"                     /* 4 */
    "  \"catalog\": \"catalog.csv\", \"units\": \"units.csv\", \"indicators\": \"indicators.csv\",\n" /* 5 */
    "  \"quality\": {\"indicators\": [{\"id\": \"sr\", \"name\": \"签约率\", \"weight\": 30, \"target\": \"0.40\", "
    "\"better\": \"higher\"},\n"                                                              /* 6 */
    "     {\"id\": \"er\", \"weight\": 20, \"target\": \"0.05\", \"better\": \"lower\"}],\n"  /* 7 */
    "    \"missing\": \"error\", \"floor\": \"0.6000\", \"full_at\": null},\n"                /* 8 */
    "  \"adjustments\": [{\"tag\": \"island\", \"factor\": \"1.1000\"}],\n"                   /* 9 */
    "  \"checks\": {\"staff_day_minutes\": 600, \"staff_overload\": \"review\"},\n"           /* 10 */
    "  \"pools\": [\n"                                                                        /* 11 */
    "    {\"id\": \"phs\", \"name\": \"公卫\", \"budget\": \"1000.00\", \"categories\": [\"public_health\"], "
    "\"scope\": \"all\"},\n"                                                                  /* 12 */
    "    {\"id\": \"epi\", \"budget\": \"500.00\", \"items\": [\"PH-ID-*\"], \"scope\": {\"county\": [\"嵊泗县\"]}}\n" /* 13 */
    "  ]\n"                                                                                   /* 14 */
    "}\n";                                                                                    /* 15 */

static const char *CATALOG =
    "item_code,item_name,category,equivalent,equivalent_tier2,equivalent_tier3,minutes,valid_from,valid_to,"
    "max_per_patient_day,max_per_patient_period\n"
    "MED-VISIT,门诊,medical,1,,,10,,,,\n"
    "PH-HTN-FU,高血压随访,public_health,1.7,,,20,,,1,4\n"
    "PH-ID-REPORT,传染病报告,public_health,1,,,15,,2020-05-25,,\n"
    "PH-ID-REPORT,传染病报告,public_health,2,,,15,2020-05-26,,,\n"
    "MED-HOME,出诊,medical,5,7,9,60,,,1,\n";

static const char *UNITS = "unit_id,unit_name,kind,community,county,tier,tags,population\n"
                           "U02,嵊泗县花鸟乡卫生院,township,嵊泗县医共体,嵊泗县,3,island;remote,1800\n"
                           "U01,定海区城东街道社区卫生服务中心,center,定海区医共体,定海区,1,,52000\n"
                           "U03,普陀区六横镇卫生院,township,普陀区医共体,普陀区,2, island ; ;island,\n";

static const char *INDICATORS = "unit_id,indicator,value\n"
                                "U01,sr,0.45\n"
                                "U01,er,0.04\n"
                                "U02,sr,0.2\n"
                                "U02,er,\n"
                                "U03,sr,0.400000\n";

static void put(const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "cannot write %s", p);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
}

static const char *path_of(const char *name)
{
    static char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/dg_catalog_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    put("catalog.csv", CATALOG);
    put("units.csv", UNITS);
    put("indicators.csv", INDICATORS);
    put("scheme.json", BASE);
}

static void rm_tree(const char *d)
{
    DIR *dd = opendir(d);
    if (!dd)
        return;
    struct dirent *e;
    while ((e = readdir(dd))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", d, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(dd);
    rmdir(d);
}

static void teardown(void)
{
    rm_tree(dir);
}

TestSuite(catalog, .init = setup, .fini = teardown);

/* BASE with the first occurrence of `from` replaced by `to` (which must exist). */
static char *with(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    cr_assert_not_null(at, "test bug: \"%s\" not in the text", from);
    size_t a = (size_t)(at - text), fl = strlen(from), tl = strlen(to), n = strlen(text);
    char *r = malloc(n - fl + tl + 1);
    memcpy(r, text, a);
    memcpy(r + a, to, tl);
    memcpy(r + a + tl, at + fl, n - a - fl + 1);
    return r;
}

static DgScheme *load_ok(void)
{
    DgScheme *s = NULL;
    DgError e = {0};
    DgStatus st = dg_scheme_load(path_of("scheme.json"), &s, &e);
    cr_assert_eq(st, DG_OK, "load failed: %s:%llu: %s", e.file, (unsigned long long)e.line, e.text);
    cr_assert_not_null(s);
    return s;
}

static DgScheme *load_scheme_ok(const char *scheme)
{
    put("scheme.json", scheme);
    return load_ok();
}

/* Load; expect `status`, the error in file `file` (suffix) at `line` (0 = any) and `needle` in the text. */
static void expect_fail(DgStatus status, const char *file, uint64_t line, const char *needle)
{
    DgScheme *s = NULL;
    DgError e = {0};
    DgStatus st = dg_scheme_load(path_of("scheme.json"), &s, &e);
    cr_assert_eq(st, status, "expected status %d (\"%s\"), got %d: %s:%llu: %s", status, needle, st, e.file,
                 (unsigned long long)e.line, e.text);
    cr_expect_null(s);
    cr_expect_eq(e.status, status);
    size_t fl = strlen(file), el = strlen(e.file);
    cr_expect(el >= fl && strcmp(e.file + el - fl, file) == 0, "error names file \"%s\", expected ...%s", e.file,
              file);
    if (line)
        cr_expect_eq(e.line, line, "error on line %llu, expected %llu: %s", (unsigned long long)e.line,
                     (unsigned long long)line, e.text);
    cr_expect_not_null(strstr(e.text, needle), "message \"%s\" lacks \"%s\"", e.text, needle);
}

static void scheme_fails(const char *scheme, uint64_t line, const char *needle)
{
    put("scheme.json", scheme);
    expect_fail(DG_E_CONFIG, "scheme.json", line, needle);
}

static void scheme_fails_with(const char *from, const char *to, uint64_t line, const char *needle)
{
    char *t = with(BASE, from, to);
    scheme_fails(t, line, needle);
    free(t);
}

static void catalog_fails(const char *catalog, uint64_t line, const char *needle)
{
    put("catalog.csv", catalog);
    expect_fail(DG_E_CONFIG, "catalog.csv", line, needle);
}

static void units_fails(const char *units, uint64_t line, const char *needle)
{
    put("units.csv", units);
    expect_fail(DG_E_CONFIG, "units.csv", line, needle);
}

static void indicators_fails(const char *ind, uint64_t line, const char *needle)
{
    put("indicators.csv", ind);
    expect_fail(DG_E_CONFIG, "indicators.csv", line, needle);
}

static int32_t day(const char *s)
{
    int32_t d = 0;
    cr_assert(dg_date_parse_strict(s, strlen(s), &d));
    return d;
}

static int64_t row_of(const DgScheme *s, const char *code, const char *date)
{
    int64_t c = dg_scheme_code_find(s, code, strlen(code));
    cr_assert_geq(c, 0, "code %s not found", code);
    return dg_scheme_row_at(s, (uint32_t)c, day(date));
}

static size_t pool_index(const DgScheme *s, const char *id)
{
    for (size_t p = 0; p < s->n_pools; p++)
        if (!strcmp(s->pools[p].id, id))
            return p;
    cr_assert_fail("no pool %s", id);
    return 0;
}

/* ---- the bundled Zhoushan scheme ------------------------------------------ */

Test(zhoushan, loads_with_expected_shape)
{
    DgScheme *s = NULL;
    DgError e = {0};
    /* the all-given variant (the computed one needs a generated registry; see below) */
    DgStatus st = dg_scheme_load("configs/zhoushan-2020/scheme-given.json", &s, &e);
    cr_assert_eq(st, DG_OK, "%s:%llu: %s", e.file, (unsigned long long)e.line, e.text);
    cr_expect_str_eq(s->id, "zhoushan-2020-phs-given");
    cr_expect_str_eq(s->catalog_path, "configs/zhoushan-2020/catalog.csv");
    cr_expect_str_eq(s->indicators_path, "configs/zhoushan-2020/indicators-all-given.csv");
    cr_expect_eq(s->n_computed, 0);
    cr_expect(s->registry == NULL);
    cr_expect_eq(s->period_from, day("2020-01-01"));
    cr_expect_eq(s->period_to, day("2020-12-31"));
    cr_expect_eq(s->n_units, 44);
    cr_expect_eq(s->n_catalog, 57);  /* 53 codes, 4 of them (PH-ID-*) with two versions */
    cr_expect_eq(s->n_codes, 53);
    cr_expect_eq(s->n_categories, 3);
    cr_expect_str_eq(s->categories[0], "public_health"); /* first seen in the file */
    cr_expect_eq(s->n_pools, 8);
    cr_expect(s->has_quality);
    cr_expect_eq(s->n_indicators, 4);
    cr_expect_eq(s->floor, 6000);
    cr_expect_eq(s->full_at, DG_NONE);
    cr_expect(!s->missing_zero);
    cr_expect_eq(s->staff_day_minutes, 600);
    cr_expect_eq(s->staff_policy, DG_STAFF_REVIEW);
    cr_expect_eq(s->n_adjustments, 2);
    cr_expect_eq(s->adjustments[0].factor, 11000);
    cr_expect_eq(s->adjustments[1].factor, 10500);

    /* the mid-year raise of the infectious-disease reporting equivalents */
    int64_t before = row_of(s, "PH-ID-REPORT", "2020-05-25"), after = row_of(s, "PH-ID-REPORT", "2020-05-26");
    cr_assert(before >= 0 && after >= 0 && before != after);
    cr_expect_eq(s->catalog[before].eq[0], 10000);
    cr_expect_eq(s->catalog[after].eq[0], 20000);
    cr_expect_eq(after, before + 1);
    /* home visits tilt by tier: Changping 5 / 7 / 9 */
    int64_t hv = row_of(s, "MED-HOME-VISIT", "2020-07-01");
    cr_expect_eq(s->catalog[hv].eq[0], 50000);
    cr_expect_eq(s->catalog[hv].eq[1], 70000);
    cr_expect_eq(s->catalog[hv].eq[2], 90000);
    int64_t htn = row_of(s, "PH-HTN-FU", "2020-07-01");
    cr_expect_eq(s->catalog[htn].eq[0], 17000);
    cr_expect_eq(s->catalog[htn].max_per_patient_day, 1);
    cr_expect_eq(s->catalog[htn].max_per_patient_period, 4);
    cr_expect_eq(s->catalog[htn].minutes, 20);

    int64_t u = dg_scheme_unit_find(s, "SS07", 4);
    cr_assert_geq(u, 0);
    cr_expect_eq(s->units[u].tier, 3);
    cr_expect_eq(s->units[u].n_tags, 2);
    cr_expect_str_eq(s->units[u].county, "嵊泗县");
    int64_t pop = 0;
    for (size_t i = 0; i < s->n_units; i++) {
        if (i)
            cr_expect_lt(strcmp(s->units[i - 1].id, s->units[i].id), 0);
        if (s->units[i].population != DG_NONE)
            pop += s->units[i].population;
        for (size_t k = 0; k < s->n_indicators; k++)
            cr_expect_neq(s->indicator_values[i * s->n_indicators + k], DG_IND_MISSING, "unit %s indicator %zu",
                          s->units[i].id, k);
    }
    cr_expect_eq(pop, 1147800);

    /* budgets (README): 1147800 × 69 × 70 %, × 5, × 40 % × 17 */
    cr_expect_eq(s->pools[pool_index(s, "phs")].budget, 5543874000LL);
    cr_expect_eq(s->pools[pool_index(s, "epidemic")].budget, 573900000LL);
    cr_expect_eq(s->pools[pool_index(s, "family_doctor")].budget, 780504000LL);
    size_t epi = pool_index(s, "epidemic"), nrows = 0, nun = 0;
    for (size_t c = 0; c < s->n_catalog; c++)
        if (s->pool_row[epi * s->n_catalog + c]) {
            nrows++;
            cr_expect_eq(strncmp(s->catalog[c].code, "PH-ID-", 6), 0);
        }
    cr_expect_eq(nrows, 8);
    size_t mp = pool_index(s, "medical_putuo");
    for (size_t i = 0; i < s->n_units; i++)
        if (s->pool_unit[mp * s->n_units + i]) {
            nun++;
            cr_expect_str_eq(s->units[i].county, "普陀区");
        }
    cr_expect_eq(nun, 12);
    dg_scheme_free(s);
}

/* ---- the base scheme: values and lookups ------------------------------------ */

Test(catalog, base_scheme_values)
{
    DgScheme *s = load_ok();
    cr_expect_str_eq(s->title, "测试方案");
    cr_expect_eq(s->n_indicators, 2);
    cr_expect_str_eq(s->indicators[0].name, "签约率");
    cr_expect_str_eq(s->indicators[1].name, "er"); /* name defaults to the id */
    cr_expect_eq(s->indicators[0].weight, 30);
    cr_expect_eq(s->indicators[0].target, 400000);
    cr_expect(!s->indicators[0].lower_is_better);
    cr_expect(s->indicators[1].lower_is_better);
    cr_expect_eq(s->indicators[1].target, 50000);
    cr_expect_str_eq(s->pools[1].name, "epi"); /* name defaults to the id */
    cr_expect_eq(s->pools[0].budget, 100000);
    cr_expect_eq(s->pools[1].budget, 50000);

    /* units sorted by id; tier, tags, population */
    cr_assert_eq(s->n_units, 3);
    cr_expect_str_eq(s->units[0].id, "U01");
    cr_expect_str_eq(s->units[1].id, "U02");
    cr_expect_str_eq(s->units[2].id, "U03");
    cr_expect_eq(s->units[0].line, 3);
    cr_expect_eq(s->units[0].n_tags, 0);
    cr_expect_eq(s->units[1].n_tags, 2);
    cr_expect_str_eq(s->units[1].tags[0], "island");
    cr_expect_str_eq(s->units[1].tags[1], "remote");
    cr_expect_eq(s->units[2].n_tags, 1); /* " island ; ;island": trimmed, empty part dropped, duplicate folded */
    cr_expect_str_eq(s->units[2].tags[0], "island");
    cr_expect_eq(s->units[2].tier, 2);
    cr_expect_eq(s->units[2].population, DG_NONE);
    cr_expect_eq(s->units[0].population, 52000);
    cr_expect_eq(dg_scheme_unit_find(s, "U03", 3), 2);
    cr_expect_eq(dg_scheme_unit_find(s, "U0", 2), -1);
    cr_expect_eq(dg_scheme_unit_find(s, "U01x", 3), 0); /* by length, not NUL */
    cr_expect_eq(dg_scheme_unit_find(s, "u01", 3), -1);

    /* indicator values: 10^-6; empty and absent are missing */
    int64_t *v = s->indicator_values;
    cr_expect_eq(v[0 * 2 + 0], 450000);
    cr_expect_eq(v[0 * 2 + 1], 40000);
    cr_expect_eq(v[1 * 2 + 0], 200000);
    cr_expect_eq(v[1 * 2 + 1], DG_IND_MISSING);
    cr_expect_eq(v[2 * 2 + 0], 400000);
    cr_expect_eq(v[2 * 2 + 1], DG_IND_MISSING);

    /* scope: epi is 嵊泗县 only (U02) */
    cr_expect_eq(s->pool_unit[0 * 3 + 0] + s->pool_unit[0 * 3 + 1] + s->pool_unit[0 * 3 + 2], 3);
    cr_expect_eq(s->pool_unit[1 * 3 + 0], 0);
    cr_expect_eq(s->pool_unit[1 * 3 + 1], 1);
    cr_expect_eq(s->pool_unit[1 * 3 + 2], 0);
    dg_scheme_free(s);
}

Test(catalog, catalog_sorted_ids_and_rows)
{
    DgScheme *s = load_ok();
    cr_assert_eq(s->n_catalog, 5);
    cr_assert_eq(s->n_codes, 4);
    /* byte order: MED-HOME < MED-VISIT < PH-HTN-FU < PH-ID-REPORT */
    const char *want[] = {"MED-HOME", "MED-VISIT", "PH-HTN-FU", "PH-ID-REPORT", "PH-ID-REPORT"};
    const uint64_t lines[] = {6, 2, 3, 4, 5};
    for (size_t i = 0; i < 5; i++) {
        cr_expect_str_eq(s->catalog[i].code, want[i]);
        cr_expect_eq(s->catalog[i].line, lines[i]);
    }
    cr_expect_eq(dg_scheme_code_find(s, "MED-HOME", 8), 0);
    cr_expect_eq(dg_scheme_code_find(s, "PH-ID-REPORT", 12), 3);
    cr_expect_eq(dg_scheme_code_find(s, "PH-ID-REPOR", 11), -1);
    cr_expect_eq(s->code_first[3], 3);
    cr_expect_eq(s->code_nrows[3], 2);
    cr_expect_eq(s->code_first[0], 0);
    cr_expect_eq(s->code_nrows[0], 1);
    for (size_t i = 0; i < 5; i++)
        cr_expect_eq(s->catalog[i].code_id, i < 4 ? i : 3);
    /* categories dense in first-seen order: medical (line 2), public_health (line 3) */
    cr_assert_eq(s->n_categories, 2);
    cr_expect_str_eq(s->categories[0], "medical");
    cr_expect_str_eq(s->categories[1], "public_health");
    cr_expect_eq(s->catalog[0].category_id, 0);
    cr_expect_eq(s->catalog[2].category_id, 1);
    /* tiers default to the base equivalent, not to the other tier */
    cr_expect_eq(s->catalog[2].eq[0], 17000);
    cr_expect_eq(s->catalog[2].eq[1], 17000);
    cr_expect_eq(s->catalog[2].eq[2], 17000);
    cr_expect_eq(s->catalog[0].eq[1], 70000);
    /* caps and minutes */
    cr_expect_eq(s->catalog[1].max_per_patient_day, DG_NONE);
    cr_expect_eq(s->catalog[2].max_per_patient_day, 1);
    cr_expect_eq(s->catalog[2].max_per_patient_period, 4);
    cr_expect_eq(s->catalog[0].minutes, 60);
    /* open validity */
    cr_expect_eq(s->catalog[1].valid_from, DG_DATE_MIN);
    cr_expect_eq(s->catalog[1].valid_to, DG_DATE_MAX);
    cr_expect_eq(s->catalog[3].valid_to, day("2020-05-25"));
    cr_expect_eq(s->catalog[4].valid_from, day("2020-05-26"));
    /* pool_row: phs = public_health rows (2, 3, 4); epi = PH-ID-* (3, 4) */
    const uint8_t phs[] = {0, 0, 1, 1, 1}, epi[] = {0, 0, 0, 1, 1};
    for (size_t c = 0; c < 5; c++) {
        cr_expect_eq(s->pool_row[0 * 5 + c], phs[c], "phs row %zu", c);
        cr_expect_eq(s->pool_row[1 * 5 + c], epi[c], "epi row %zu", c);
    }
    dg_scheme_free(s);
}

Test(catalog, row_at_version_change)
{
    DgScheme *s = load_ok();
    cr_expect_eq(row_of(s, "PH-ID-REPORT", "1999-01-01"), 3); /* open start */
    cr_expect_eq(row_of(s, "PH-ID-REPORT", "2020-05-25"), 3);
    cr_expect_eq(row_of(s, "PH-ID-REPORT", "2020-05-26"), 4);
    cr_expect_eq(row_of(s, "PH-ID-REPORT", "2099-12-31"), 4); /* open end */
    cr_expect_eq(row_of(s, "MED-VISIT", "2020-02-29"), 1);
    cr_expect_eq(dg_scheme_row_at(s, 99, day("2020-01-01")), -1);
    dg_scheme_free(s);

    /* a gap between versions and a closed last version */
    put("catalog.csv", "item_code,item_name,category,equivalent,valid_from,valid_to\n"
                       "A,a,public_health,1,2020-01-01,2020-03-31\n"
                       "A,a,public_health,3,2020-07-01,2020-09-30\n"
                       "A,a,public_health,2,2020-04-02,2020-06-30\n"
                       "PH-ID-X,x,medical,1,,\n");
    s = load_ok();
    cr_expect_eq(row_of(s, "A", "2019-12-31"), -1);
    cr_expect_eq(s->catalog[row_of(s, "A", "2020-01-01")].eq[0], 10000);
    cr_expect_eq(s->catalog[row_of(s, "A", "2020-03-31")].eq[0], 10000);
    cr_expect_eq(row_of(s, "A", "2020-04-01"), -1);
    cr_expect_eq(s->catalog[row_of(s, "A", "2020-04-02")].eq[0], 20000);
    cr_expect_eq(s->catalog[row_of(s, "A", "2020-06-30")].eq[0], 20000);
    cr_expect_eq(s->catalog[row_of(s, "A", "2020-07-01")].eq[0], 30000);
    cr_expect_eq(row_of(s, "A", "2020-10-01"), -1);
    cr_expect_eq(s->catalog[row_of(s, "A", "2020-07-01")].line, 3);
    dg_scheme_free(s);
}

Test(catalog, same_code_different_category_is_allowed)
{
    put("catalog.csv", "item_code,item_name,category,equivalent,valid_from,valid_to\n"
                       "PH-ID-A,a,medical,1,,2020-05-25\n"
                       "PH-ID-A,a,public_health,2,2020-05-26,\n");
    DgScheme *s = load_ok();
    cr_expect_str_eq(s->catalog[row_of(s, "PH-ID-A", "2020-01-01")].category, "medical");
    cr_expect_str_eq(s->catalog[row_of(s, "PH-ID-A", "2020-06-01")].category, "public_health");
    cr_expect_eq(s->pool_row[0 * 2 + 0], 0); /* phs pays public_health only */
    cr_expect_eq(s->pool_row[0 * 2 + 1], 1);
    dg_scheme_free(s);
}

/* ---- exact decimals ----------------------------------------------------------- */

Test(catalog, decimals_judged_by_value)
{
    char *t = with(BASE, "\"floor\": \"0.6000\"", "\"floor\": \"0.60000\"");
    char *t2 = with(t, "\"factor\": \"1.1000\"", "\"factor\": 1.10000");
    char *t3 = with(t2, "\"budget\": \"1000.00\"", "\"budget\": 1000.5");
    char *t4 = with(t3, "\"target\": \"0.40\"", "\"target\": 0.400000");
    char *t5 = with(t4, "\"weight\": 30", "\"weight\": \"30.00\"");
    DgScheme *s = load_scheme_ok(t5);
    cr_expect_eq(s->floor, 6000);
    cr_expect_eq(s->adjustments[0].factor, 11000);
    cr_expect_eq(s->pools[0].budget, 100050);
    cr_expect_eq(s->indicators[0].target, 400000);
    cr_expect_eq(s->indicators[0].weight, 30);
    dg_scheme_free(s);
    free(t), free(t2), free(t3), free(t4), free(t5);
}

Test(catalog, decimal_errors)
{
    scheme_fails_with("\"factor\": \"1.1000\"", "\"factor\": \"0.123456\"", 9, "has 6 decimals; at most 4");
    scheme_fails_with("\"factor\": \"1.1000\"", "\"factor\": 0.12345", 9, "has 5 decimals; at most 4");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": 1e3", 12, "exponent");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": \"1E3\"", 12, "exponent");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": 1000.0e0", 12, "exponent");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": \"1000.001\"", 12, "has 3 decimals; at most 2");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": \"1,000.00\"", 12, "thousands");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": \"+1000\"", 12, "not a plain decimal");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": \" 1000\"", 12, "not a plain decimal");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": \"-1.00\"", 12, "at least 0.00");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": \"1000000000000.01\"", 12,
                      "at most 1000000000000.00");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": \"99999999999999999999999\"", 12, "too large");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": true", 12, "must be a decimal number");
    scheme_fails_with("\"target\": \"0.40\"", "\"target\": \"0.1234567\"", 6, "has 7 decimals; at most 6");
    scheme_fails_with("\"target\": \"0.40\"", "\"target\": \"0\"", 6, "greater than 0");
    scheme_fails_with("\"weight\": 30", "\"weight\": 1.5", 6, "whole number");
    scheme_fails_with("\"weight\": 30", "\"weight\": 0", 6, "greater than 0");
    scheme_fails_with("\"weight\": 30", "\"weight\": -3", 6, "greater than 0");
    scheme_fails_with("\"factor\": \"1.1000\"", "\"factor\": \"0\"", 9, "greater than 0");
    scheme_fails_with("\"factor\": \"1.1000\"", "\"factor\": \"10.0001\"", 9, "at most 10.0000");
    scheme_fails_with("\"floor\": \"0.6000\"", "\"floor\": \"1.0001\"", 8, "at most 1.0000");
}

Test(catalog, budget_limits_accepted)
{
    char *t = with(BASE, "\"budget\": \"1000.00\"", "\"budget\": \"1000000000000\"");
    char *t2 = with(t, "\"budget\": \"500.00\"", "\"budget\": \"0\"");
    char *t3 = with(t2, "\"factor\": \"1.1000\"", "\"factor\": \"10\"");
    DgScheme *s = load_scheme_ok(t3);
    cr_expect_eq(s->pools[0].budget, 100000000000000LL);
    cr_expect_eq(s->pools[1].budget, 0);
    cr_expect_eq(s->adjustments[0].factor, 100000);
    dg_scheme_free(s);
    free(t), free(t2), free(t3);
}

/* ---- quality -------------------------------------------------------------------- */

Test(catalog, floor_full_at)
{
    scheme_fails_with("\"full_at\": null", "\"full_at\": \"0.5999\"", 8, "below quality.floor 0.6000");
    char *t = with(BASE, "\"full_at\": null", "\"full_at\": \"0.6000\"");
    DgScheme *s = load_scheme_ok(t);
    cr_expect_eq(s->full_at, 6000);
    dg_scheme_free(s);
    free(t);
    /* floor and full_at absent */
    t = with(BASE, "\"missing\": \"error\", \"floor\": \"0.6000\", \"full_at\": null", "\"missing\": \"zero\"");
    s = load_scheme_ok(t);
    cr_expect_eq(s->floor, DG_NONE);
    cr_expect_eq(s->full_at, DG_NONE);
    cr_expect(s->missing_zero);
    dg_scheme_free(s);
    free(t);
    scheme_fails_with("\"missing\": \"error\"", "\"missing\": \"drop\"", 8, "must be \"error\", \"zero\" or \"skip\"");
    t = with(BASE, "\"missing\": \"error\"", "\"missing\": \"skip\"");
    s = load_scheme_ok(t);
    cr_expect(s->missing_skip && !s->missing_zero);
    dg_scheme_free(s);
    free(t);
    scheme_fails_with("\"better\": \"lower\"", "\"better\": \"less\"", 7, "must be \"higher\" or \"lower\"");
    scheme_fails_with("{\"id\": \"er\"", "{\"id\": \"sr\"", 7, "used twice");
    scheme_fails_with("\"target\": \"0.05\", ", "", 7, "has no \"target\"");
    scheme_fails_with("{\"id\": \"er\", ", "{", 7, "has no \"id\"");
}

Test(catalog, no_quality_section)
{
    char *t = with(BASE,
                   "  \"quality\": {\"indicators\": [{\"id\": \"sr\", \"name\": \"签约率\", \"weight\": 30, \"target\": "
                   "\"0.40\", \"better\": \"higher\"},\n",
                   "\n");
    char *t2 = with(t, "     {\"id\": \"er\", \"weight\": 20, \"target\": \"0.05\", \"better\": \"lower\"}],\n", "\n");
    char *t3 = with(t2, "    \"missing\": \"error\", \"floor\": \"0.6000\", \"full_at\": null},\n", "\n");
    /* indicators file named but no quality section */
    scheme_fails(t3, 5, "no quality section");
    char *t4 = with(t3, ", \"indicators\": \"indicators.csv\"", "");
    DgScheme *s = load_scheme_ok(t4);
    cr_expect(!s->has_quality);
    cr_expect_null(s->indicators_path);
    cr_expect_eq(s->n_indicators, 0);
    dg_scheme_free(s);
    /* quality without an indicators file */
    char *t5 = with(BASE, ", \"indicators\": \"indicators.csv\"", "");
    scheme_fails(t5, 6, "names no indicator values file");
    /* quality with an empty indicator list */
    char *t6 = with(t4, "  \"adjustments\"", "  \"quality\": {\"indicators\": []}, \"adjustments\"");
    scheme_fails(t6, 9, "empty list");
    free(t), free(t2), free(t3), free(t4), free(t5), free(t6);
}

/* ---- unknown keys and types ---------------------------------------------------- */

Test(catalog, unknown_keys_everywhere)
{
    scheme_fails_with("\"title\"", "\"titel\"", 3, "unknown key \"titel\" in the top level of the scheme; did you mean \"title\"?");
    scheme_fails_with("\"pools\": [", "\"pool\": [", 11, "did you mean \"pools\"?");
    scheme_fails_with("\"to\": \"2020-12-31\"", "\"to\": \"2020-12-31\", \"until\": 1", 4, "unknown key \"until\" in period");
    scheme_fails_with("\"full_at\": null", "\"fullat\": null", 8, "unknown key \"fullat\" in quality; did you mean \"full_at\"?");
    scheme_fails_with("\"better\": \"lower\"", "\"beter\": \"lower\"", 7, "in quality.indicators[1]; did you mean \"better\"?");
    scheme_fails_with("\"factor\": \"1.1000\"", "\"factor\": \"1.1000\", \"note\": \"x\"", 9, "unknown key \"note\" in adjustments[0]");
    scheme_fails_with("\"staff_overload\"", "\"staff_overlaod\"", 10, "in checks; did you mean \"staff_overload\"?");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budgett\": \"1000.00\"", 12, "unknown key \"budgett\" in pools[0] (\"phs\"); did you mean \"budget\"?");
    scheme_fails_with("{\"county\": [", "{\"counties\": [", 13, "in pools[1] (\"epi\").scope");
    /* the message lists the known keys */
    scheme_fails_with("\"budget\": \"500.00\"", "\"Budget\": \"500.00\"", 13,
                      "known keys: id, name, budget, categories, items, scope");
}

Test(catalog, types_checked)
{
    scheme_fails_with("\"id\": \"t\"", "\"id\": 7", 2, "id must be a string, not a number");
    scheme_fails_with("\"id\": \"t\"", "\"id\": \"\"", 2, "empty string");
    scheme_fails_with("\"title\": \"测试方案\"", "\"title\": [\"x\"]", 3, "title must be a string, not an array");
    scheme_fails_with("\"catalog\": \"catalog.csv\"", "\"catalog\": {}", 5, "catalog must be a string");
    scheme_fails_with("[{\"tag\": \"island\", \"factor\": \"1.1000\"}]", "{\"tag\": \"island\", \"factor\": \"1.1000\"}", 9,
                      "adjustments must be an array, not an object");
    scheme_fails_with("{\"tag\": \"island\", \"factor\": \"1.1000\"}", "\"island\"", 9,
                      "adjustments[0] must be an object, not a string");
    scheme_fails_with("\"staff_day_minutes\": 600", "\"staff_day_minutes\": \"600 min\"", 10, "not a plain decimal");
    scheme_fails_with("\"categories\": [\"public_health\"]", "\"categories\": \"public_health\"", 12,
                      "pools[0] (\"phs\").categories must be an array, not a string");
    scheme_fails_with("\"categories\": [\"public_health\"]", "\"categories\": [3]", 12,
                      "categories[0] must be a string, not a number");
    scheme_fails("[1, 2]\n", 1, "the scheme must be an object, not an array");
    scheme_fails_with("{\"staff_day_minutes\": 600, \"staff_overload\": \"review\"}", "[600]", 10,
                      "checks must be an object, not an array");
    char *q1 = with(BASE, "\"quality\": {\"indicators\": [{\"id\": \"sr\", \"name\": \"签约率\", \"weight\": 30, \"target\": "
                          "\"0.40\", \"better\": \"higher\"},\n",
                    "\"quality\": true,\n");
    char *q2 = with(q1, "     {\"id\": \"er\", \"weight\": 20, \"target\": \"0.05\", \"better\": \"lower\"}],\n", "\n");
    char *q3 = with(q2, "    \"missing\": \"error\", \"floor\": \"0.6000\", \"full_at\": null},\n", "\n");
    scheme_fails(q3, 6, "quality must be an object, not a boolean");
    free(q1), free(q2), free(q3);
    scheme_fails_with("\"title\"", "\"q\"", 3, "unknown key \"q\" in the top level of the scheme (known keys");
}

Test(catalog, required_keys)
{
    scheme_fails_with("  \"id\": \"t\",\n", "\n", 1, "has no \"id\"");
    scheme_fails_with("\"period\": {\"from\": \"2020-01-01\", \"to\": \"2020-12-31\"},", "", 1, "has no \"period\"");
    scheme_fails_with("\"catalog\": \"catalog.csv\", ", "", 1, "has no \"catalog\"");
    scheme_fails_with("\"units\": \"units.csv\", ", "", 1, "has no \"units\"");
    scheme_fails_with("\"from\": \"2020-01-01\", ", "", 4, "period has no \"from\"");
    scheme_fails_with("\"budget\": \"500.00\", ", "", 13, "pools[1] (\"epi\") has no \"budget\"");
    scheme_fails_with(", \"scope\": \"all\"", "", 12, "has no \"scope\"");
    scheme_fails_with("{\"tag\": \"island\", ", "{", 9, "adjustments[0] has no \"tag\"");
}

Test(catalog, checks_section)
{
    scheme_fails_with("\"staff_day_minutes\": 600", "\"staff_day_minutes\": 0", 10, "greater than 0");
    scheme_fails_with("\"staff_day_minutes\": 600", "\"staff_day_minutes\": 600.5", 10, "whole number");
    scheme_fails_with("\"staff_day_minutes\": 600", "\"staff_day_minutes\": 1441", 10, "at most 1440");
    scheme_fails_with("\"staff_overload\": \"review\"", "\"staff_overload\": \"drop\"", 10,
                      "must be \"review\" or \"exclude\"");
    char *t = with(BASE, "\"staff_day_minutes\": 600, \"staff_overload\": \"review\"",
                   "\"staff_day_minutes\": \"480\", \"staff_overload\": \"exclude\"");
    DgScheme *s = load_scheme_ok(t);
    cr_expect_eq(s->staff_day_minutes, 480);
    cr_expect_eq(s->staff_policy, DG_STAFF_EXCLUDE);
    dg_scheme_free(s);
    free(t);
    t = with(BASE, "  \"checks\": {\"staff_day_minutes\": 600, \"staff_overload\": \"review\"},\n", "\n");
    s = load_scheme_ok(t);
    cr_expect_eq(s->staff_day_minutes, DG_NONE);
    cr_expect_eq(s->staff_policy, DG_STAFF_REVIEW);
    dg_scheme_free(s);
    free(t);
}

Test(catalog, period_rules)
{
    scheme_fails_with("\"to\": \"2020-12-31\"", "\"to\": \"2019-12-31\"", 4, "before period.from");
    scheme_fails_with("\"from\": \"2020-01-01\"", "\"from\": \"2020-1-1\"", 4, "YYYY-MM-DD");
    scheme_fails_with("\"from\": \"2020-01-01\"", "\"from\": \"2020/01/01\"", 4, "YYYY-MM-DD");
    scheme_fails_with("\"from\": \"2020-01-01\"", "\"from\": \"2020-02-30\"", 4, "YYYY-MM-DD");
    scheme_fails_with("\"from\": \"2020-01-01\"", "\"from\": \"2020-01-01T00:00\"", 4, "YYYY-MM-DD");
    scheme_fails_with("\"from\": \"2020-01-01\"", "\"from\": 20200101", 4, "YYYY-MM-DD");
    char *t = with(BASE, "\"from\": \"2020-01-01\", \"to\": \"2020-12-31\"", "\"from\": \"2020-06-01\", \"to\": \"2020-06-01\"");
    DgScheme *s = load_scheme_ok(t);
    cr_expect_eq(s->period_from, s->period_to);
    dg_scheme_free(s);
    free(t);
}

/* ---- adjustments --------------------------------------------------------------- */

Test(catalog, adjustment_rules)
{
    scheme_fails_with("{\"tag\": \"island\", \"factor\": \"1.1000\"}",
                      "{\"tag\": \"island\", \"factor\": \"1.1000\"}, {\"tag\": \"island\", \"factor\": \"1.2\"}", 9,
                      "two adjustments");
    scheme_fails_with("\"tag\": \"island\"", "\"tag\": \"islnd\"", 9, "adjustment tag \"islnd\" is carried by no unit");
    scheme_fails_with("\"tag\": \"island\"", "\"tag\": \"\"", 9, "empty string");
    char *t = with(BASE, "[{\"tag\": \"island\", \"factor\": \"1.1000\"}]",
                   "[{\"tag\": \"island\", \"factor\": \"1.1\"}, {\"tag\": \"remote\", \"factor\": \"1.05\"}]");
    DgScheme *s = load_scheme_ok(t);
    cr_expect_eq(s->n_adjustments, 2);
    cr_expect_eq(s->adjustments[1].factor, 10500);
    dg_scheme_free(s);
    free(t);
    t = with(BASE, "[{\"tag\": \"island\", \"factor\": \"1.1000\"}]", "[]");
    s = load_scheme_ok(t);
    cr_expect_eq(s->n_adjustments, 0);
    dg_scheme_free(s);
    free(t);
}

/* ---- pools ---------------------------------------------------------------- */

Test(catalog, pool_rules)
{
    scheme_fails_with("\"categories\": [\"public_health\"], ", "", 12, "neither \"categories\" nor \"items\"");
    scheme_fails_with("\"categories\": [\"public_health\"]", "\"categories\": []", 12, "empty list");
    scheme_fails_with("\"items\": [\"PH-ID-*\"]", "\"items\": [\"PH-*-REPORT\"]", 13, "'*' may only end a pattern");
    scheme_fails_with("\"items\": [\"PH-ID-*\"]", "\"items\": [\"*PH\"]", 13, "'*' may only end a pattern");
    scheme_fails_with("\"items\": [\"PH-ID-*\"]", "\"items\": [\"PH-XX-*\"]", 13,
                      "item pattern \"PH-XX-*\" in pools[1] (\"epi\").items matches no item code");
    scheme_fails_with("\"items\": [\"PH-ID-*\"]", "\"items\": [\"PH-ID\"]", 13, "matches no item code");
    scheme_fails_with("\"categories\": [\"public_health\"]", "\"categories\": [\"public_heath\"]", 12,
                      "category \"public_heath\" in pools[0] (\"phs\").categories is used by no row");
    scheme_fails_with("\"categories\": [\"public_health\"]", "\"categories\": [\"public_heath\"]", 12,
                      "did you mean \"public_health\"?");
    scheme_fails_with("\"categories\": [\"public_health\"]", "\"categories\": [\"medical\", \"medical\"]", 12,
                      "appears twice");
    scheme_fails_with("{\"id\": \"epi\"", "{\"id\": \"phs\"", 13, "pool id \"phs\" is used twice");
    scheme_fails_with("\"scope\": \"all\"", "\"scope\": \"ALL\"", 12, "must be \"all\" or an object");
    scheme_fails_with("\"scope\": \"all\"", "\"scope\": {}", 12, "names no community, county or units");
    scheme_fails_with("\"scope\": \"all\"", "\"scope\": 1", 12, "must be \"all\" or an object");
    scheme_fails_with("{\"county\": [\"嵊泗县\"]}", "{\"county\": []}", 13, "empty list");
    scheme_fails_with("{\"county\": [\"嵊泗县\"]}", "{\"county\": [\"嵊泗\"]}", 13,
                      "county \"嵊泗\" in pools[1] (\"epi\").scope matches no unit");
    scheme_fails_with("{\"county\": [\"嵊泗县\"]}", "{\"community\": [\"嵊泗医共体\"]}", 13, "community \"嵊泗医共体\"");
    scheme_fails_with("{\"county\": [\"嵊泗县\"]}", "{\"units\": [\"U09\"]}", 13, "unit \"U09\"");
    scheme_fails_with("{\"county\": [\"嵊泗县\"]}", "{\"county\": [\"嵊泗县\"], \"units\": [\"U01\"]}", 13,
                      "contains no unit");
    scheme_fails("{\"id\": \"t\", \"period\": {\"from\": \"2020-01-01\", \"to\": \"2020-12-31\"},\n"
                 "\"catalog\": \"catalog.csv\", \"units\": \"units.csv\",\n"
                 "\"pools\": []}\n",
                 3, "pools is an empty list");
    scheme_fails_with("\"budget\": \"500.00\"", "\"budget\": \"500.00\", \"id\": \"e2\"", 13, "appears twice");
}

Test(catalog, pool_scope_and_or)
{
    char *t = with(BASE, "{\"county\": [\"嵊泗县\"]}",
                   "{\"county\": [\"嵊泗县\", \"普陀区\"], \"units\": [\"U01\", \"U03\", \"U02\"]}");
    char *t2 = with(t, "\"items\": [\"PH-ID-*\"]", "\"items\": [\"MED-VISIT\", \"PH-ID-*\"], \"categories\": [\"public_health\"]");
    DgScheme *s = load_scheme_ok(t2);
    /* U01 is in the units list but not in the counties: AND excludes it */
    cr_expect_eq(s->pool_unit[1 * 3 + 0], 0);
    cr_expect_eq(s->pool_unit[1 * 3 + 1], 1);
    cr_expect_eq(s->pool_unit[1 * 3 + 2], 1);
    /* rows: MED-HOME no, MED-VISIT by item, PH-* by category */
    const uint8_t want[] = {0, 1, 1, 1, 1};
    for (size_t c = 0; c < 5; c++)
        cr_expect_eq(s->pool_row[1 * 5 + c], want[c], "row %zu", c);
    cr_expect_eq(s->pools[1].n_counties, 2);
    cr_expect_eq(s->pools[1].n_units, 3);
    cr_expect(!s->pools[1].scope_all);
    cr_expect(s->pools[0].scope_all);
    dg_scheme_free(s);
    free(t), free(t2);
    /* a pattern of just "*" matches every code */
    t = with(BASE, "\"items\": [\"PH-ID-*\"]", "\"items\": [\"*\"]");
    s = load_scheme_ok(t);
    for (size_t c = 0; c < 5; c++)
        cr_expect_eq(s->pool_row[1 * 5 + c], 1);
    dg_scheme_free(s);
    free(t);
}

/* ---- paths and files --------------------------------------------------------- */

Test(catalog, paths_relative_to_scheme)
{
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    put("sub/s.json", BASE);
    put("sub/catalog.csv", CATALOG);
    put("sub/units.csv", UNITS);
    put("sub/indicators.csv", INDICATORS);
    DgScheme *s = NULL;
    DgError e = {0};
    cr_assert_eq(dg_scheme_load(path_of("sub/s.json"), &s, &e), DG_OK, "%s", e.text);
    char want[256];
    snprintf(want, sizeof want, "%s/sub/catalog.csv", dir);
    cr_expect_str_eq(s->catalog_path, want);
    cr_expect_str_eq(s->path, path_of("sub/s.json"));
    dg_scheme_free(s);
    /* a path with a folder, relative to the scheme's folder */
    char *t = with(BASE, "\"units\": \"units.csv\"", "\"units\": \"sub/units.csv\"");
    s = load_scheme_ok(t);
    snprintf(want, sizeof want, "%s/sub/units.csv", dir);
    cr_expect_str_eq(s->units_path, want);
    dg_scheme_free(s);
    free(t);
}

Test(catalog, io_errors)
{
    DgScheme *s = (DgScheme *)1;
    DgError e = {0};
    cr_expect_eq(dg_scheme_load(path_of("nope.json"), &s, &e), DG_E_IO);
    cr_expect_null(s);
    cr_expect_str_eq(e.file, path_of("nope.json"));
    cr_expect_not_null(strstr(e.text, "cannot open"));
    char *t = with(BASE, "\"catalog\": \"catalog.csv\"", "\"catalog\": \"missing.csv\"");
    put("scheme.json", t);
    free(t);
    expect_fail(DG_E_IO, "/missing.csv", 0, "cannot open the file");
    char sub[128];
    snprintf(sub, sizeof sub, "%s/adir", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    t = with(BASE, "\"units\": \"units.csv\"", "\"units\": \"adir\"");
    put("scheme.json", t);
    expect_fail(DG_E_IO, "adir", 0, "directory");
    free(t);
    t = with(BASE, "\"units\": \"units.csv\"", "\"units\": \"/dev/null\"");
    put("scheme.json", t);
    expect_fail(DG_E_IO, "/dev/null", 0, "not a regular file");
    free(t);
}

/* ---- JSON syntax ----------------------------------------------------------------- */

Test(catalog, json_syntax)
{
    scheme_fails_with("\"scope\": \"all\"}", "\"scope\": \"all\",}", 12, "trailing comma");
    scheme_fails_with("\"id\": \"t\",", "\"id\": \"t\", \"id\": \"u\",", 2, "key \"id\" appears twice");
    scheme_fails_with("\"title\": \"测试方案\",", "\"title\": \"a\",\n\"title\": \"b\",", 4, "(lines 3 and 4)");
    scheme_fails_with("  \"id\": \"t\",\n", "  // comment\n  \"id\": \"t\",\n", 2, "comments are not allowed");
    scheme_fails_with("\"id\": \"t\"", "\"id\": 't'", 2, "double quotes");
    scheme_fails_with("\"id\": \"t\"", "\"id\": \"a\\u0000b\"", 2, "\\u0000");
    scheme_fails_with("\"id\": \"t\"", "\"id\": \"a\\ud800b\"", 2, "surrogate");
    scheme_fails_with("\"id\": \"t\"", "\"id\": \"a\\udc00\"", 2, "lone low surrogate");
    scheme_fails_with("\"id\": \"t\"", "\"id\": \"a\\x\"", 2, "unknown escape");
    scheme_fails_with("\"id\": \"t\"", "\"id\": \"a\tb\"", 2, "control character");
    scheme_fails_with("\"id\": \"t\"", "\"id\": \"\xff\"", 2, "not valid UTF-8");
    scheme_fails_with("\"id\": \"t\"", "\"id\": \"\xc0\xaf\"", 2, "not valid UTF-8"); /* overlong '/' */
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": 01000", 12, "leading zero");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": .5", 12, "cannot start with '.'");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": 1.", 12, "digits after the decimal point");
    scheme_fails_with("\"budget\": \"1000.00\"", "\"budget\": NaN", 12, "expected a value");
    scheme_fails_with("\"id\": \"t\",", "\"id\" \"t\",", 2, "expected ':'");
    scheme_fails_with("\"id\": \"t\",", "\"id\": \"t\" \"x\": 1,", 2, "expected ',' or '}'");
    scheme_fails_with("\n}\n", "\n}\n}\n", 16, "unexpected text after the end");
    scheme_fails("", 1, "empty");
    scheme_fails("  \n  ", 2, "empty");
    scheme_fails("{\"id\": \"t\"", 1, "expected ',' or '}'");
    scheme_fails("{\"id\": \"t", 1, "not closed");
    /* deep nesting is refused, not a stack overflow */
    char deep[400];
    size_t n = 0;
    deep[n++] = '{';
    memcpy(deep + n, "\"id\":", 5);
    n += 5;
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    deep[n] = 0;
    scheme_fails(deep, 1, "nested more than 64 levels");
    /* a BOM and CRLF line ends are fine */
    char *t = malloc(strlen(BASE) * 2 + 4);
    size_t o = 0;
    memcpy(t, "\xEF\xBB\xBF", 3);
    o = 3;
    for (const char *p = BASE; *p; p++) {
        if (*p == '\n')
            t[o++] = '\r';
        t[o++] = *p;
    }
    t[o] = 0;
    DgScheme *s = load_scheme_ok(t);
    cr_expect_str_eq(s->id, "t");
    dg_scheme_free(s);
    free(t);
    /* escapes decode to UTF-8 */
    t = with(BASE, "\"title\": \"测试方案\"", "\"title\": \"\\u6d4b\\ud83d\\ude00\\t\\\"\"");
    s = load_scheme_ok(t);
    cr_expect_str_eq(s->title, "测\xF0\x9F\x98\x80\t\"");
    dg_scheme_free(s);
    free(t);
}

/* ---- catalog.csv ------------------------------------------------------------------ */

#define CAT_HDR "item_code,item_name,category,equivalent,equivalent_tier2,equivalent_tier3,minutes,valid_from,valid_to,max_per_patient_day,max_per_patient_period\n"
#define CAT_OK1 "PH-ID-REPORT,传染病报告,public_health,1,,,15,,,,\n"

Test(catalog, catalog_equivalent_rules)
{
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1.23456,,,,,,,\n", 3,
                  "equivalent \"1.23456\" has 5 decimals; at most 4 are allowed");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,0,,,,,,,\n", 3, "equivalent \"0\" must be greater than 0");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,-1,,,,,,,\n", 3, "must be greater than 0");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1000.0001,,,,,,,\n", 3, "above the maximum of 1000");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1e2,,,,,,,\n", 3, "exponent");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,,,,,,,,\n", 3, "equivalent is empty");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1,0.00001,,,,,,\n", 3, "equivalent_tier2 \"0.00001\"");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1,,abc,,,,,\n", 3, "equivalent_tier3 \"abc\" is not a plain decimal");
    put("catalog.csv", CAT_HDR CAT_OK1 "PH-X,x,public_health,1000.00000,,9.5,,,,,\n");
    DgScheme *s = load_ok();
    int64_t r = row_of(s, "PH-X", "2020-01-01");
    cr_expect_eq(s->catalog[r].eq[0], 10000000);
    cr_expect_eq(s->catalog[r].eq[1], 10000000); /* tier 2 empty: base, not tier 3 */
    cr_expect_eq(s->catalog[r].eq[2], 95000);
    dg_scheme_free(s);
}

Test(catalog, catalog_field_rules)
{
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1,,,-5,,,,\n", 3, "minutes \"-5\"");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1,,,1.5,,,,\n", 3, "minutes \"1.5\"");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1,,,,2020-5-1,,,\n", 3, "valid_from \"2020-5-1\"");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1,,,,,2020-02-30,,\n", 3, "valid_to \"2020-02-30\"");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1,,,,2020-06-01,2020-05-31,,\n", 3, "is after valid_to");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1,,,,,,0,\n", 3, "max_per_patient_day \"0\"");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1,,,,,,,2.0\n", 3, "max_per_patient_period \"2.0\"");
    catalog_fails(CAT_HDR CAT_OK1 ",x,public_health,1,,,,,,,\n", 3, "item_code is empty");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,,1,,,,,,,\n", 3, "category is empty");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1,,,,,,\n", 3, "10 fields where the header has 11");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,\"x\"y,public_health,1,,,,,,,\n", 3, "text after a closing quote");
    catalog_fails(CAT_HDR, 1, "no rows");
    catalog_fails("", 1, "empty");
    catalog_fails("\n\n", 1, "empty");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1,,,,,,,,\n", 3, "12 fields where the header has 11");
    /* a one-day range, the largest minutes and caps */
    put("catalog.csv", CAT_HDR CAT_OK1 "PH-X,x,public_health,1,,,1440,2020-06-01,2020-06-01,1000000000,1\n");
    DgScheme *s = load_ok();
    int64_t r = row_of(s, "PH-X", "2020-06-01");
    cr_expect_eq(s->catalog[r].minutes, 1440);
    cr_expect_eq(s->catalog[r].valid_from, s->catalog[r].valid_to);
    cr_expect_eq(s->catalog[r].max_per_patient_day, 1000000000);
    cr_expect_eq(s->catalog[r].max_per_patient_period, 1);
    cr_expect_eq(row_of(s, "PH-X", "2020-06-02"), -1);
    dg_scheme_free(s);
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x,public_health,1,,,1441,,,,\n", 3, "from 0 to 1440");
}

Test(catalog, catalog_overlap)
{
    catalog_fails(CAT_HDR "PH-ID-A,a,public_health,1,,,,,2020-05-26,,\n"
                          "MED-VISIT,v,medical,1,,,,,,,\n"
                          "PH-ID-A,a,public_health,2,,,,2020-05-26,,,\n",
                  4, "on line 2");
    catalog_fails(CAT_HDR "PH-ID-A,a,public_health,1,,,,2020-03-01,2020-03-31,,\n"
                          "PH-ID-A,a,public_health,2,,,,,,,\n",
                  3, "item PH-ID-A is valid open start..open end here and 2020-03-01..2020-03-31 on line 2");
    /* the later line is named, whatever the sort order */
    catalog_fails(CAT_HDR "PH-ID-A,a,public_health,1,,,,2020-07-01,,,\n"
                          "PH-ID-A,a,public_health,2,,,,2020-01-01,2020-07-01,,\n",
                  3, "on line 2");
    catalog_fails(CAT_HDR "PH-ID-A,a,public_health,1,,,,2020-07-01,2020-07-01,,\n"
                          "PH-ID-A,a,public_health,2,,,,2020-07-01,2020-07-01,,\n",
                  3, "must not overlap");
    /* adjacent days do not overlap */
    put("catalog.csv", CAT_HDR "PH-ID-A,a,public_health,1,,,,,2020-05-25,,\n"
                               "PH-ID-A,a,public_health,2,,,,2020-05-26,,,\n");
    DgScheme *s = load_ok();
    cr_expect_eq(s->n_catalog, 2);
    dg_scheme_free(s);
}

Test(catalog, catalog_header_rules)
{
    catalog_fails("item_code,item_name,category\nA,a,public_health\n", 1, "required column \"equivalent\" is missing");
    catalog_fails("item_code,item_name,Category,equivalent\nA,a,public_health,1\n", 1, "required column \"category\"");
    catalog_fails("item_code,item_name,category,equivalent,note,note\nPH-ID-A,a,public_health,1,x,y\n", 1,
                  "column \"note\" appears twice");
    catalog_fails("item_code,item_name,category,equivalent,item_code\nPH-ID-A,a,public_health,1,B\n", 1,
                  "column \"item_code\" appears twice");
    /* any order, extra columns ignored, BOM, CRLF, trimming, quoted commas and newlines, blank lines */
    put("catalog.csv", "\xEF\xBB\xBF source , equivalent ,item_name,category,item_code,note,minutes\r\n"
                       "\r\n"
                       "\"Changping, Table 2\", 1.7 ,\"高血压\r\n随访\",public_health,  PH-ID-HTN ,\"a \"\"b\"\"\",20\r\n"
                       "local,2,名称,medical,MED-A,,\r\n");
    DgScheme *s = load_ok();
    cr_assert_eq(s->n_catalog, 2);
    int64_t r = row_of(s, "PH-ID-HTN", "2020-01-01");
    cr_expect_eq(s->catalog[r].eq[0], 17000);
    cr_expect_str_eq(s->catalog[r].name, "高血压\r\n随访");
    cr_expect_eq(s->catalog[r].minutes, 20);
    cr_expect_eq(s->catalog[r].line, 3);
    cr_expect_eq(s->catalog[r].valid_from, DG_DATE_MIN);
    cr_expect_eq(s->catalog[r].max_per_patient_period, DG_NONE);
    int64_t m = row_of(s, "MED-A", "2020-01-01");
    cr_expect_eq(s->catalog[m].line, 5); /* the quoted newline counts as a physical line */
    cr_expect_eq(s->catalog[m].minutes, 0);
    dg_scheme_free(s);
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,\"x,public_health,1,,,,,,,\n", 3, "unterminated");
    catalog_fails(CAT_HDR CAT_OK1 "PH-X,x\xe6,public_health,1,,,,,,,\n", 3, "not valid UTF-8");
}

/* ---- units.csv ----------------------------------------------------------------------- */

#define UNIT_HDR "unit_id,unit_name,kind,community,county,tier,tags,population\n"
#define UNIT_OK "U01,定海,center,定海区医共体,定海区,1,island,100\nU02,嵊泗,township,嵊泗县医共体,嵊泗县,3,island,5\n"

Test(catalog, units_rules)
{
    units_fails(UNIT_HDR UNIT_OK "U01,again,center,a,b,1,,\n", 4, "unit_id \"U01\" is already used on line 2");
    units_fails(UNIT_HDR UNIT_OK "U03,x,center,a,b,4,,\n", 4, "tier \"4\" must be 1, 2 or 3");
    units_fails(UNIT_HDR UNIT_OK "U03,x,center,a,b,0,,\n", 4, "tier \"0\"");
    units_fails(UNIT_HDR UNIT_OK "U03,x,center,a,b,1,,1.5\n", 4, "population \"1.5\"");
    units_fails(UNIT_HDR UNIT_OK "U03,x,center,a,b,1,,-3\n", 4, "population \"-3\"");
    units_fails(UNIT_HDR UNIT_OK ",x,center,a,b,1,,\n", 4, "unit_id is empty");
    units_fails(UNIT_HDR UNIT_OK "U03,,center,a,b,1,,\n", 4, "unit_name is empty");
    units_fails("unit_name,kind\nx,center\n", 1, "required column \"unit_id\"");
    units_fails(UNIT_HDR, 1, "no rows");
}

Test(catalog, units_sorted_bytewise_and_optional_columns)
{
    /* only the required columns; ids sort by bytes: "B" < "a" < "b" < "定" */
    put("units.csv", "unit_name,unit_id\nx,b\ny,a\nz,B\nw,定\n");
    char *t = with(BASE, "{\"county\": [\"嵊泗县\"]}", "{\"units\": [\"a\"]}");
    char *t2 = with(t, "[{\"tag\": \"island\", \"factor\": \"1.1000\"}]", "[]");
    put("indicators.csv", "unit_id,indicator,value\n");
    DgScheme *s = load_scheme_ok(t2);
    cr_assert_eq(s->n_units, 4);
    cr_expect_str_eq(s->units[0].id, "B");
    cr_expect_str_eq(s->units[1].id, "a");
    cr_expect_str_eq(s->units[2].id, "b");
    cr_expect_str_eq(s->units[3].id, "定");
    cr_expect_eq(s->units[0].tier, 1);
    cr_expect_str_eq(s->units[0].county, "");
    cr_expect_eq(s->units[0].population, DG_NONE);
    cr_expect_eq(s->pool_unit[1 * 4 + 1], 1);
    cr_expect_eq(s->pool_unit[1 * 4 + 0] + s->pool_unit[1 * 4 + 2] + s->pool_unit[1 * 4 + 3], 0);
    for (size_t i = 0; i < 8; i++)
        cr_expect_eq(s->indicator_values[i], DG_IND_MISSING);
    dg_scheme_free(s);
    /* scope by county when the units file has no county column */
    scheme_fails_with("[{\"tag\": \"island\", \"factor\": \"1.1000\"}]", "[]", 13,
                      "county \"嵊泗县\" in pools[1] (\"epi\").scope matches no unit");
    free(t), free(t2);
}

/* ---- indicators.csv -------------------------------------------------------------------- */

Test(catalog, indicators_rules)
{
    indicators_fails("unit_id,indicator,value\nU01,sr,0.4\nU09,sr,0.4\n", 3, "unit_id \"U09\" is not in the units file");
    indicators_fails("unit_id,indicator,value\nU01,sr,0.4\nU01,signing,0.4\n", 3,
                     "indicator \"signing\" is not one of the scheme's quality indicators (sr, er)");
    indicators_fails("unit_id,indicator,value\nU01,sr,0.4\nU02,er,0.1\nU01,sr,\n", 4,
                     "unit U01, indicator sr is already given on line 2");
    indicators_fails("unit_id,indicator,value\nU01,sr,0.1234567\n", 2, "value \"0.1234567\" has 7 decimals; at most 6");
    indicators_fails("unit_id,indicator,value\nU01,sr,-0.1\n", 2, "value \"-0.1\" must be at least 0");
    indicators_fails("unit_id,indicator,value\nU01,sr,40%\n", 2, "value \"40%\" has a '%' sign");
    indicators_fails("unit_id,indicator,value\nU01,sr,0.4.1\n", 2, "not a plain decimal");
    indicators_fails("unit_id,indicator\nU01,sr\n", 1, "required column \"value\"");
    indicators_fails("unit_id,indicator,value\n,sr,1\n", 2, "unit_id is empty");
    put("indicators.csv", "value,indicator,unit_id,comment\n0.123456,er,U03,x\n0,sr,U02,\n");
    DgScheme *s = load_ok();
    cr_expect_eq(s->indicator_values[2 * 2 + 1], 123456);
    cr_expect_eq(s->indicator_values[1 * 2 + 0], 0);
    cr_expect_eq(s->indicator_values[0 * 2 + 0], DG_IND_MISSING);
    dg_scheme_free(s);
}

Test(catalog, free_accepts_null)
{
    dg_scheme_free(NULL);
}
