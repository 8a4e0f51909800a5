/*
 * Fuzz target: the person registry.  The input becomes registry.csv in a
 * private temporary folder beside a fixed scheme.json with computed
 * indicators naming the flags htn, dm and signed, and a fixed catalog.csv
 * and units.csv (U1, U2); then dg_scheme_load runs (which loads and checks
 * the registry) and the result is freed.  Every input must give DG_OK or a
 * clean DG_E_CONFIG with a message — never a crash, hang or leak (run under
 * ASan/UBSan).  On success the registry's invariants are checked: persons
 * grouped by unit in person_id order, every person found by its id, flags
 * only in the bits of the named flags.
 *
 * The folder is tests/fuzz/fuzz_fixture.h's.
 *
 * Seeds: tests/fuzz/corpus/registry/ (valid files with BOM, CRLF, quotes,
 * blank lines, extra columns, and one of each configuration error).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dangliang/registry.h"
#include "fuzz_fixture.h"

static const char *const fz_files[][2] = {
    {"catalog.csv", "item_code,item_name,category,equivalent,max_per_patient_day\n"
                    "PH-HTN-FU,高血压患者随访,public_health,1.7,1\n"
                    "PH-DM-FU,糖尿病患者随访,public_health,2,1\n"},
    {"units.csv", "unit_id,unit_name,kind,community,county,tier,tags,population\n"
                  "U1,一,center,c,k,1,,24\nU2,二,township,c,k,1,,5\n"},
    {"scheme.json",
     "{\"id\": \"fz\", \"period\": {\"from\": \"2020-01-01\", \"to\": \"2020-12-31\"},\n"
     " \"catalog\": \"catalog.csv\", \"units\": \"units.csv\", \"registry\": \"registry.csv\",\n"
     " \"quality\": {\"indicators\": [\n"
     "  {\"id\": \"sign\", \"weight\": 30, \"target\": \"0.4\", \"compute\": {\"of\": \"population\", \"count\": "
     "[\"signed\"]}},\n"
     "  {\"id\": \"htn\", \"weight\": 30, \"target\": \"0.6\", \"compute\": {\"of\": [\"htn\"], \"services\": "
     "{\"items\": [\"PH-HTN-FU\"], \"min\": 4, \"quarters\": 4}}},\n"
     "  {\"id\": \"dm\", \"weight\": 20, \"target\": \"0.5\", \"compute\": {\"of\": [\"dm\"], \"services\": "
     "{\"items\": [\"PH-DM-*\"], \"min\": 3}}}]},\n"
     " \"pools\": [{\"id\": \"p\", \"budget\": \"1.00\", \"categories\": [\"public_health\"], \"scope\": \"all\"}]}\n"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char fz_reg[160];
    fz_fixture_input("registry", fz_files, sizeof fz_files / sizeof fz_files[0], "registry.csv", data, size, fz_reg,
                     sizeof fz_reg);
    char sp[160];
    fz_path(sp, sizeof sp, "scheme.json");
    DgScheme *s = NULL;
    DgError err;
    memset(&err, 0, sizeof err);
    DgStatus st = dg_scheme_load(sp, &s, &err);
    if (st != DG_OK) {
        if (s || st != DG_E_CONFIG || err.status != st || !err.text[0])
            abort();
        return 0;
    }
    const DgRegistry *r = s->registry;
    if (!r || s->n_reg_flags != 3 || r->unit_first[0] != 0 || r->unit_first[s->n_units] != r->n_persons)
        abort();
    for (size_t p = 0; p < r->n_persons; p++) {
        if (r->unit[p] >= s->n_units || p < r->unit_first[r->unit[p]] || p >= r->unit_first[r->unit[p] + 1])
            abort();
        if (p && r->unit[p] == r->unit[p - 1] && strcmp(r->person_id[p - 1], r->person_id[p]) >= 0)
            abort();
        if (dg_registry_find(r, r->person_id[p], strlen(r->person_id[p])) != (int64_t)p)
            abort();
        if (r->flags[p] >> 3)
            abort();
    }
    dg_scheme_free(s);
    return 0;
}
