/*
 * Fuzz target: scheme.json.  The input becomes scheme.json in a private
 * temporary folder beside a fixed small catalog.csv, units.csv and
 * indicators.csv, then dg_scheme_load runs and the result is freed.  The
 * engine must return DG_OK or a clean error (with a non-empty message) for
 * every input, never crash, hang or leak (run under ASan/UBSan).  On
 * success the lookups and the precomputed tables are walked so that a bad
 * index shows up under the sanitizers.
 *
 * The folder is tests/fuzz/fuzz_fixture.h's.  The fixed files use the names and ids the seed corpus refers to
 * (tests/fuzz/corpus/scheme/), so valid seeds reach the deepest checks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dangliang/scheme.h"
#include "fuzz_fixture.h"

static const char *const fz_files[][2] = {
    {"catalog.csv",
     "item_code,item_name,category,equivalent,equivalent_tier2,equivalent_tier3,minutes,valid_from,valid_to,"
     "max_per_patient_day,max_per_patient_period,source\n"
     "MED-VISIT,门诊诊疗,medical,1,,,10,,,2,,Changping\n"
     "MED-HOME-VISIT,出诊,medical,5,7,9,60,,,1,,Changping\n"
     "PH-HTN-FU,高血压随访,public_health,1.7,,,20,,,1,4,Changping\n"
     "PH-DM-FU,糖尿病随访,public_health,2,,,20,,,1,4,Changping\n"
     "PH-EHR-NEW,建立健康档案,public_health,2.5,,,30,,,1,1,Changping\n"
     "PH-ID-REPORT,传染病报告,public_health,1,,,15,,2020-05-25,,,local\n"
     "PH-ID-REPORT,传染病报告,public_health,2,,,15,2020-05-26,,,,local\n"
     "FD-SIGN,家庭医生签约,family_doctor,1.5,,,20,,,1,1,local\n"},
    {"units.csv", "unit_id,unit_name,kind,community,county,tier,tags,population\n"
                  "DH01,定海区城东街道社区卫生服务中心,center,定海区医共体,定海区,1,,52000\n"
                  "PT06,普陀区六横镇卫生院,township,普陀区医共体,普陀区,2,island,60000\n"
                  "SS07,嵊泗县花鸟乡卫生院,township,嵊泗县医共体,嵊泗县,3,island;remote,1800\n"},
    {"indicators.csv", "unit_id,indicator,value\n"
                       "DH01,signing_rate,0.45\n"
                       "DH01,ehr_open_rate,0.52\n"
                       "PT06,signing_rate,0.31\n"
                       "PT06,ehr_open_rate,\n"
                       "SS07,signing_rate,0.2\n"},
    {"appeals.csv", "record_id,check,decision,note\n"
                    "R1,over_patient_day,overturn,\"签字齐全, 属实\"\n"
                    "R1,staff_overload,uphold,\n"
                    "R2,over_patient_period,overturn,\n"},
    {"advances.csv", "unit_id,pool_id,amount,quarter\n"
                     "DH01,phs,1000.00,Q1\n"
                     "DH01,phs,1000.5,Q2\n"
                     "PT06,phs,0,Q1\n"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char fz_scheme[160];
    fz_fixture_input("scheme", fz_files, sizeof fz_files / sizeof fz_files[0], "scheme.json", data, size, fz_scheme,
                     sizeof fz_scheme);

    DgScheme *s = NULL;
    DgError err;
    memset(&err, 0, sizeof err);
    DgStatus st = dg_scheme_load(fz_scheme, &s, &err);
    if (st != DG_OK) {
        /* a clean error: no scheme, a status of its own kind and a message */
        if (s || (st != DG_E_CONFIG && st != DG_E_IO) || err.status != st || !err.text[0])
            abort();
        return 0;
    }
    /* walk everything the later stages read */
    size_t sum = 0;
    for (size_t c = 0; c < s->n_catalog; c++) {
        const DgCatalogRow *r = &s->catalog[c];
        if (dg_scheme_code_find(s, r->code, strlen(r->code)) != (int64_t)r->code_id)
            abort();
        if (r->category_id >= s->n_categories || strcmp(s->categories[r->category_id], r->category) != 0)
            abort();
        int64_t at = dg_scheme_row_at(s, r->code_id, r->valid_from);
        if (at < 0 || strcmp(s->catalog[at].code, r->code) != 0)
            abort();
    }
    for (size_t u = 0; u < s->n_units; u++)
        if (dg_scheme_unit_find(s, s->units[u].id, strlen(s->units[u].id)) != (int64_t)u)
            abort();
    for (size_t i = 0; i < s->n_pools * s->n_units; i++)
        sum += s->pool_unit[i];
    for (size_t i = 0; i < s->n_pools * s->n_catalog; i++)
        sum += s->pool_row[i];
    for (size_t i = 0; i < s->n_units * s->n_indicators; i++)
        sum += s->indicator_values[i] != DG_IND_MISSING;
    for (size_t p = 0; p < s->n_pools; p++) {
        sum += strlen(s->pools[p].id) + s->pools[p].n_categories + s->pools[p].n_items;
        if (s->pools[p].budget < 0 || s->pools[p].budget > 100000000000000LL)
            abort();
    }
    for (size_t i = 0; i < s->n_appeals; i++)
        sum += strlen(s->appeals[i].record_id) + strlen(s->appeals[i].note) + s->appeals[i].check;
    for (size_t i = 0; s->advanced && i < s->n_pools * s->n_units; i++)
        sum += s->advanced[i] > 0;
    if (sum == (size_t)-1)
        abort();
    dg_scheme_free(s);
    return 0;
}
