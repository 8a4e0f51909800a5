/*
 * Fuzz target: the whole pipeline on one fuzzed service log — validate,
 * audit, aggregate, payouts, write every output and the manifest to a
 * temporary folder — under a small fixed scheme (two units, two pools,
 * written to a private temporary folder on the first call).
 *
 * The log's format is sniffed (a leading '{' is JSON Lines), windows and
 * chunks are tiny and the record cap is 1 KiB, so window growth, records
 * across windows and the over-long-record skip are all exercised by short
 * inputs.  Checks, each aborting on failure: validation never fails on data
 * (rows are rejected, not errors) and accounts for every row; when the
 * payouts are computed, every pool's payouts add up to its budget exactly
 * and every unit's payout is the sum of its pools; a later stage may
 * refuse the data only with a configuration error (e.g. a pool with no
 * workload), never with an I/O or internal error.
 *
 * Corpus (tests/fuzz/corpus/pipeline): 12 hand-written logs (01_…12_: every
 * reject reason, BOM/CRLF, JSON Lines, over-long records and ids, NUL
 * bytes, an unterminated quote, an empty pool) and 60 small inputs (lf_…)
 * kept by libFuzzer's -set_cover_merge=1 after a 5-minute run (10,264
 * executions, no failure) of this target built with
 *     clang -fsanitize=fuzzer,address,undefined
 * against the library built with -fsanitize=fuzzer-no-link,address,undefined.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "dangliang/audit.h"
#include "dangliang/output.h"
#include "dangliang/payouts.h"
#include "dangliang/validate.h"

#define CHECK(c)                                                                                                 \
    do {                                                                                                         \
        if (!(c)) {                                                                                              \
            fprintf(stderr, "fuzz_pipeline: check failed at line %d: %s\n", __LINE__, #c);                       \
            abort();                                                                                             \
        }                                                                                                        \
    } while (0)

static const char scheme_json[] =
    "{\"id\": \"fuzz\", \"title\": \"fuzz scheme\",\n"
    " \"period\": {\"from\": \"2020-01-01\", \"to\": \"2020-12-31\"},\n"
    " \"catalog\": \"catalog.csv\", \"units\": \"units.csv\",\n"
    " \"pools\": [\n"
    "  {\"id\": \"med\", \"name\": \"medical\", \"budget\": \"1000.01\", \"categories\": [\"medical\"], \"scope\": \"all\"},\n"
    "  {\"id\": \"ph\", \"name\": \"public health\", \"budget\": \"777.77\", \"categories\": [\"public_health\"], "
    "\"scope\": \"all\"}\n"
    " ]}\n";
static const char catalog_csv[] =
    "item_code,item_name,category,equivalent,equivalent_tier2,equivalent_tier3,minutes,valid_from,valid_to,"
    "max_per_patient_day,max_per_patient_period\n"
    "M,visit,medical,1,,,10,,,,\n"
    "H,follow-up,public_health,1.7,,,20,,,1,4\n"
    "R,report,public_health,2,,,15,,2020-05-25,,\n"
    "R,report,public_health,3,,,15,2020-05-26,,,\n";
static const char units_csv[] = "unit_id,unit_name,kind,community,county,tier,tags,population\n"
                                "U1,center,center,c1,k1,1,,52000\n"
                                "U2,township,township,c2,k2,3,island,1800\n";

static char *dir;
static DgScheme *scheme;

static void put(const char *name, const void *p, size_t n)
{
    char *path = g_build_filename(dir, name, NULL);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK(fwrite(p, 1, n, f) == n);
    CHECK(fclose(f) == 0);
    g_free(path);
}

static void cleanup(void)
{
    dg_scheme_free(scheme);
    if (dir) {
        char *cmd = g_strdup_printf("rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz_pipeline: could not remove %s\n", dir);
        g_free(cmd);
        g_free(dir);
    }
}

static void setup(void)
{
    dir = g_dir_make_tmp("dg_fuzz_pipeline_XXXXXX", NULL);
    CHECK(dir != NULL);
    put("scheme.json", scheme_json, sizeof scheme_json - 1);
    put("catalog.csv", catalog_csv, sizeof catalog_csv - 1);
    put("units.csv", units_csv, sizeof units_csv - 1);
    char *path = g_build_filename(dir, "scheme.json", NULL);
    DgError e = {0};
    CHECK(dg_scheme_load(path, &scheme, &e) == DG_OK);
    g_free(path);
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!scheme)
        setup();
    put("log", data, size); /* no extension: the format is sniffed */
    char *log = g_build_filename(dir, "log", NULL);
    char *out = g_build_filename(dir, "out", NULL);
    const char *paths[] = {log};
    DgValidateOptions vo = {.threads = 2, .window_size = 64, .chunk_size = 16, .max_record = 1024, .hash_inputs = true};
    DgDataset *d = NULL;
    DgAudit *au = NULL;
    DgAggregate *a = NULL;
    DgPayouts *p = NULL;
    DgError e = {0};
    DgStatus st = dg_validate_files(scheme, paths, 1, &vo, &d, &e);
    /* a header without the required columns is a configuration error;
     * anything else about the data is rejected rows */
    CHECK(st == DG_OK || st == DG_E_CONFIG);
    if (st == DG_OK) {
        CHECK(d->rows_read == d->rows_accepted + d->rows_rejected);
        CHECK(d->n_rows == d->rows_accepted && d->n_rejects == d->rows_rejected);
        CHECK(strlen(d->input_sha256[0]) == 64);
        st = dg_audit_rows(scheme, d, &au, &e);
        CHECK(st == DG_OK);
        st = dg_aggregate_rows(scheme, d, au->audited_qty, &a, &e);
        CHECK(st == DG_OK || st == DG_E_CONFIG);
        if (st == DG_OK) {
            st = dg_payouts_compute(scheme, d, a, &p, &e);
            CHECK(st == DG_OK || st == DG_E_CONFIG);
        }
        if (st == DG_OK) {
            for (size_t k = 0; k < scheme->n_pools; k++)
                CHECK(p->pool_total[k] == scheme->pools[k].budget);
            for (size_t u = 0; u < scheme->n_units; u++) {
                int64_t sum = 0;
                for (size_t k = 0; k < scheme->n_pools; k++)
                    sum += p->payout[k * scheme->n_units + u];
                CHECK(sum == p->unit_payout[u]);
            }
            DgOutputOptions oo = {0};
            st = dg_output_run(scheme, d, au, a, p, out, &oo, &e);
            CHECK(st == DG_OK);
            static const char *const outputs[] = {"payouts.csv", "units.csv", "items.csv", "staff.csv",
                                                  "rejects.csv", "flags.csv", "summary.json", "report.html"};
            DgRunMeta meta = {.threads = 2, .command = "run"};
            st = dg_output_manifest(scheme, d, out, outputs, sizeof outputs / sizeof outputs[0], &meta, &e);
            CHECK(st == DG_OK);
        }
    }
    if (getenv("DG_FUZZ_VERBOSE")) /* which stage each input reached, for corpus work */
        fprintf(stderr, "fuzz_pipeline: %zu bytes: status %d%s%s\n", size, (int)st, st ? ": " : "", st ? e.text : "");
    dg_payouts_free(p);
    dg_aggregate_free(a);
    dg_audit_free(au);
    dg_dataset_free(d);
    g_free(log);
    g_free(out);
    return 0;
}
