/*
 * Unit tests of the safety pieces: text escaping for terminals, lossless
 * paths in JSON, header look-alikes, safe output files and the
 * all-or-nothing run folder.  The shell tests in tests/safety/ cover the
 * same end to end (signals, concurrency, symlinks).
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/jsonpath.h"
#include "dangliang/runfolder.h"
#include "output/outfile.h"
#include "validate/logheader.h"

static void esc(const char *in, bool keep_nl, const char *want)
{
    char *got = dg_text_escape(in, strlen(in), keep_nl);
    cr_expect_str_eq(got, want);
    free(got);
}

Test(escape, control_characters_and_bad_bytes)
{
    esc("plain 定海 ok", false, "plain 定海 ok");
    esc("a\033[2Jb", false, "a\\x1B[2Jb");               /* C0 ESC */
    esc("del\177", false, "del\\x7F");                   /* DEL */
    esc("c1\302\233x", false, "c1\\xC2\\x9Bx");          /* U+009B CSI, a C1 control */
    esc("gbk\266\250", false, "gbk\\xB6\\xA8");          /* not UTF-8 */
    esc("l1\nl2\t", true, "l1\nl2\\x09");
    esc("l1\nl2", false, "l1\\x0Al2");
    esc("\302\240nbsp", false, "\302\240nbsp");          /* U+00A0 is not a control */
}

Test(jsonpath, round_trip)
{
    const char *paths[] = {"/tmp/a/log.csv", "/tmp/\266\250\272\243/log.csv", "x\033y"};
    for (size_t i = 0; i < 3; i++) {
        json_t *o = json_object();
        dg_json_path_set(o, "path", paths[i]);
        char *dump = json_dumps(o, 0);
        json_t *back = json_loads(dump, 0, NULL);
        cr_assert(back);
        char *got = dg_json_path_get(back, "path");
        cr_expect_str_eq(got, paths[i]);
        cr_expect_eq(json_object_get(back, "path_hex") != NULL, i == 1, "path_hex only when not UTF-8");
        free(got);
        free(dump);
        json_decref(back);
        json_decref(o);
    }
}

Test(logheader, look_alikes)
{
    static const char *const cols[] = {"record_id", "unit_id", "staff_id", "patient_id", "item_code",
                                       "service_date", "quantity"};
#define R(s) dg_logheader_resembles(s, strlen(s), cols, 7)
    cr_expect_eq(R("quantity"), -1); /* the column itself */
    cr_expect_eq(R("qty"), 6);
    cr_expect_eq(R("Quantity"), 6);
    cr_expect_eq(R("数量"), 6);
    cr_expect_eq(R("amount"), 6);
    cr_expect_eq(R("quantiy"), 6);      /* distance 1 */
    cr_expect_eq(R("unit-id"), 1);      /* '-' read as '_' */
    cr_expect_eq(R("servce_date"), 5);
    cr_expect_eq(R("note"), -1);
    cr_expect_eq(R("operator"), -1);
    cr_expect_eq(R("department"), -1);
#undef R
}

static char *tmpdir(void)
{
    char *t = g_dir_make_tmp("dg-safety-XXXXXX", NULL);
    cr_assert(t);
    return t;
}

static void rmtree(char *dir)
{
    char *cmd = g_strdup_printf("rm -rf '%s'", dir); /* g_dir_make_tmp names: no quotes */
    cr_expect_eq(system(cmd), 0);
    g_free(cmd);
    g_free(dir);
}

static void put(const char *dir, const char *name, const char *text)
{
    char *p = g_build_filename(dir, name, NULL);
    cr_assert(g_file_set_contents(p, text, -1, NULL));
    g_free(p);
}

static char *get(const char *dir, const char *name)
{
    char *p = g_build_filename(dir, name, NULL), *t = NULL;
    if (!g_file_get_contents(p, &t, NULL, NULL))
        t = NULL;
    g_free(p);
    return t;
}

Test(outfile, replaces_a_planted_symlink_without_following_it)
{
    char *d = tmpdir();
    put(d, "victim", "precious");
    char *v = g_build_filename(d, "victim", NULL), *l = g_build_filename(d, "out.csv", NULL);
    cr_assert(symlink(v, l) == 0);
    DgOutFile o;
    DgError err = {0};
    cr_assert_eq(dg_outfile_open(&o, d, "out.csv", &err), DG_OK);
    fputs("new", o.fp);
    cr_assert_eq(dg_outfile_commit(&o, &err), DG_OK);
    char *t = get(d, "victim");
    cr_expect_str_eq(t, "precious");
    g_free(t);
    struct stat sb;
    cr_expect(lstat(l, &sb) == 0 && S_ISREG(sb.st_mode));
    g_free(v);
    g_free(l);
    rmtree(d);
}

/* The digest taken while writing is the file's SHA-256 (what explain
 * verifies by reading it), whatever the sizes of the writes; an injected
 * full disk on the file's fault number fails it and leaves nothing. */
Test(outfile, hashed_while_written)
{
    char *d = tmpdir();
    DgOutFile o;
    DgError err = {0};
    cr_assert_eq(dg_outfile_open(&o, d, "big.csv", &err), DG_OK);
    GString *all = g_string_new(NULL);
    for (int i = 0; i < 300000; i++) { /* ~2.5 MB: several 1 MiB flushes */
        char line[32];
        int n = snprintf(line, sizeof line, "%d,%x\n", i, (unsigned)i * 2654435761u);
        fwrite(line, 1, (size_t)n, o.fp);
        g_string_append_len(all, line, n);
    }
    DgOutFileDone done;
    memset(&done, 0, sizeof done);
    cr_assert_eq(dg_outfile_commit_done(&o, &done, &err), DG_OK, "%s", err.text);
    char *path = g_build_filename(d, "big.csv", NULL), want[65];
    cr_assert_eq(dg_sha256_file(path, want, &err), DG_OK);
    cr_expect_str_eq(done.sha256, want);
    cr_expect_eq(done.bytes, (uint64_t)all->len);
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(c, (const guchar *)all->str, (gssize)all->len);
    cr_expect_str_eq(done.sha256, g_checksum_get_string(c));
    g_checksum_free(c);
    g_string_free(all, TRUE);

    long k = dg_outfile_reserve(1);
    char spec[40];
    snprintf(spec, sizeof spec, "fail-write:%ld", k);
    dg_output_test_fault(spec);
    cr_assert_eq(dg_outfile_open(&o, d, "fails.csv", &err), DG_OK);
    o.ordinal = k;
    fputs("x", o.fp);
    cr_expect_eq(dg_outfile_commit_done(&o, &done, &err), DG_E_IO);
    cr_expect(strstr(err.text, "No space left") != NULL, "%s", err.text);
    dg_output_test_fault(NULL);
    char *fails = g_build_filename(d, "fails.csv", NULL);
    cr_expect(!g_file_test(fails, G_FILE_TEST_EXISTS));
    GDir *gd = g_dir_open(d, 0, NULL);
    const char *n;
    int entries = 0;
    while ((n = g_dir_read_name(gd)))
        entries++;
    g_dir_close(gd);
    cr_expect_eq(entries, 1, "only big.csv is left");
    g_free(fails);
    g_free(path);
    rmtree(d);
}

Test(runfolder, all_or_nothing)
{
    char *d = tmpdir();
    char *out = g_build_filename(d, "run", NULL);
    DgError err = {0};
    DgRunFolder *rf = NULL;
    /* a run that is freed without commit leaves nothing */
    cr_assert_eq(dg_runfolder_begin(out, false, &rf, &err), DG_OK);
    put(dg_runfolder_dir(rf), "a.csv", "1");
    dg_runfolder_free(rf);
    cr_expect(!g_file_test(out, G_FILE_TEST_EXISTS));
    /* a committed one appears whole */
    cr_assert_eq(dg_runfolder_begin(out, false, &rf, &err), DG_OK);
    put(dg_runfolder_dir(rf), "a.csv", "1");
    cr_assert_eq(dg_runfolder_commit(rf, &err), DG_OK);
    dg_runfolder_free(rf);
    char *t = get(out, "a.csv");
    cr_expect_str_eq(t, "1");
    g_free(t);
    /* not empty: refused without force; a second holder of the lock is refused */
    cr_expect_eq(dg_runfolder_begin(out, false, &rf, &err), DG_E_IO);
    cr_expect(strstr(err.text, "not empty"));
    dg_runfolder_free(rf);
    DgRunFolder *rf2 = NULL;
    cr_assert_eq(dg_runfolder_begin(out, true, &rf, &err), DG_OK);
    cr_expect_eq(dg_runfolder_begin(out, true, &rf2, &err), DG_E_IO);
    cr_expect(strstr(err.text, "another run is writing"), "%s", err.text);
    dg_runfolder_free(rf2);
    /* force replaces the folder as a whole: the old file is gone */
    put(dg_runfolder_dir(rf), "b.csv", "2");
    cr_assert_eq(dg_runfolder_commit(rf, &err), DG_OK);
    dg_runfolder_free(rf);
    t = get(out, "a.csv");
    cr_expect_null(t);
    t = get(out, "b.csv");
    cr_expect_str_eq(t, "2");
    g_free(t);
    g_free(out);
    rmtree(d);
}
