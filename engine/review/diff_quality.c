/*
 * dg_review_diff_quality: name the quality indicator behind every change
 * of a unit's Q between two runs (see diff_quality.h).
 *
 * Q = Σ S_k·a_k / Σ S_k, so the part of a Q change due to indicator k is
 * S_k·(a_k,B − a_k,A) / Σ S_k; the indicator with the largest absolute
 * part is the one that moved Q.  a_k, N and D are read from each run's
 * quality.csv (a missing a_k counts as 0, as it does in Q under "zero";
 * under "skip" the weights change too, and the part is still a fair
 * ranking).  Final Q comes from units.csv.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "review/diff_quality.h"
#include "review/runread.h"

enum { U_ID, U_Q };
static const char *const ucols[] = {"unit_id", "quality", NULL};
enum { Q_UNIT, Q_IND, Q_N, Q_D, Q_ATT };
static const char *const qcols[] = {"unit_id", "indicator", "numerator", "denominator", "attainment", NULL};

typedef struct QRow {
    int64_t a, n, d;
} QRow;

static int64_t cell_i64(const DgRunTable *t, size_t r, size_t c, int scale)
{
    int64_t v;
    if (!*dg_runread_cell(t, r, c) || dg_runread_i64(t, r, c, scale, &v, NULL) != DG_OK)
        return -1;
    return v;
}

/* "unit\x1find" -> QRow* for one run */
static GHashTable *index_quality(const DgRunTable *t)
{
    GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (size_t r = 0; r < t->n_rows; r++) {
        QRow *q = g_new(QRow, 1);
        q->a = cell_i64(t, r, Q_ATT, 6);
        q->n = cell_i64(t, r, Q_N, 0);
        q->d = cell_i64(t, r, Q_D, 0);
        g_hash_table_replace(h, g_strdup_printf("%s\x1f%s", dg_runread_cell(t, r, Q_UNIT), dg_runread_cell(t, r, Q_IND)),
                             q);
    }
    return h;
}

static bool has_file(const char *dir, const char *name)
{
    char *p = g_build_filename(dir, name, NULL);
    bool ok = g_file_test(p, G_FILE_TEST_IS_REGULAR);
    g_free(p);
    return ok;
}

DgStatus dg_review_diff_quality(const char *dir_a, const char *dir_b, const DgScheme *sb, DgDiff *d, DgError *err)
{
    if (!has_file(dir_a, "quality.csv") || !has_file(dir_b, "quality.csv"))
        return DG_OK;
    DgRunTable ua, ub, qa, qb;
    memset(&ua, 0, sizeof ua);
    memset(&ub, 0, sizeof ub);
    memset(&qa, 0, sizeof qa);
    memset(&qb, 0, sizeof qb);
    DgStatus st = dg_runread_table(dir_a, "units.csv", ucols, &ua, err);
    if (st == DG_OK)
        st = dg_runread_table(dir_b, "units.csv", ucols, &ub, err);
    if (st == DG_OK)
        st = dg_runread_table(dir_a, "quality.csv", qcols, &qa, err);
    if (st == DG_OK)
        st = dg_runread_table(dir_b, "quality.csv", qcols, &qb, err);
    if (st != DG_OK)
        goto done;
    GHashTable *ha = index_quality(&qa), *hb = index_quality(&qb);
    /* indicator ids: run B's scheme order when known, else quality.csv B's first-seen order */
    GPtrArray *inds = g_ptr_array_new();
    GArray *wts = g_array_new(FALSE, TRUE, sizeof(int64_t));
    int64_t wsum = 0;
    if (sb && sb->has_quality) {
        for (size_t k = 0; k < sb->n_indicators; k++) {
            g_ptr_array_add(inds, (gpointer)sb->indicators[k].id);
            g_array_append_val(wts, sb->indicators[k].weight);
            wsum += sb->indicators[k].weight;
        }
    } else {
        GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
        for (size_t r = 0; r < qb.n_rows; r++) {
            const char *id = dg_runread_cell(&qb, r, Q_IND);
            if (g_hash_table_add(seen, (gpointer)id)) {
                int64_t one = 1;
                g_ptr_array_add(inds, (gpointer)id);
                g_array_append_val(wts, one);
            }
        }
        g_hash_table_destroy(seen);
    }
    GHashTable *qa_of = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t r = 0; r < ua.n_rows; r++)
        g_hash_table_insert(qa_of, (gpointer)dg_runread_cell(&ua, r, U_ID), GSIZE_TO_POINTER(r + 1));
    d->qmoves = dg_xcalloc(ub.n_rows + 1, sizeof *d->qmoves);
    for (size_t r = 0; r < ub.n_rows; r++) {
        const char *uid = dg_runread_cell(&ub, r, U_ID);
        size_t ra = GPOINTER_TO_SIZE(g_hash_table_lookup(qa_of, uid));
        if (!ra)
            continue;
        int64_t q_a = cell_i64(&ua, ra - 1, U_Q, 4), q_b = cell_i64(&ub, r, U_Q, 4);
        if (q_a == q_b)
            continue;
        DgDiffQMove *m = &d->qmoves[d->n_qmoves];
        memset(m, 0, sizeof *m);
        m->q_a = q_a;
        m->q_b = q_b;
        int64_t best = -1;
        const QRow *bx = NULL, *by = NULL;
        for (size_t k = 0; k < inds->len; k++) {
            char *key = g_strdup_printf("%s\x1f%s", uid, (const char *)g_ptr_array_index(inds, k));
            const QRow *x = g_hash_table_lookup(ha, key), *y = g_hash_table_lookup(hb, key);
            g_free(key);
            if ((x ? x->a : -2) == (y ? y->a : -2))
                continue;
            int64_t a0 = x && x->a >= 0 ? x->a : 0, a1 = y && y->a >= 0 ? y->a : 0;
            m->n_moved++;
            int64_t part = g_array_index(wts, int64_t, k) * (a1 - a0);
            int64_t mag = part < 0 ? -part : part;
            if (mag > best) {
                best = mag;
                m->indicator = g_ptr_array_index(inds, k);
                m->effect = wsum > 0 ? part : 0;
                bx = x;
                by = y;
            }
        }
        m->unit_id = dg_xstrdup(uid);
        m->indicator = dg_xstrdup(m->indicator ? m->indicator : "");
        m->a_a = bx ? bx->a : -1;
        m->n_a = bx ? bx->n : -1;
        m->d_a = bx ? bx->d : -1;
        m->a_b = by ? by->a : -1;
        m->n_b = by ? by->n : -1;
        m->d_b = by ? by->d : -1;
        if (wsum > 0) { /* S·Δa / ΣS at 10^-6, half away from zero */
            int64_t e = m->effect, mag = e < 0 ? -e : e;
            mag = (2 * mag + wsum) / (2 * wsum);
            m->effect = e < 0 ? -mag : mag;
        }
        d->n_qmoves++;
    }
    (void)wsum;
    g_hash_table_destroy(qa_of);
    g_ptr_array_free(inds, TRUE);
    g_array_free(wts, TRUE);
    g_hash_table_destroy(ha);
    g_hash_table_destroy(hb);
done:
    dg_runread_table_clear(&ua);
    dg_runread_table_clear(&ub);
    dg_runread_table_clear(&qa);
    dg_runread_table_clear(&qb);
    return st;
}

static void fmt6s(int64_t v, char *buf)
{
    char t[48];
    dg_decimal_format(v < 0 ? -v : v, 6, t);
    snprintf(buf, 56, "%s%s", v < 0 ? "-" : "+", t);
}

static void fmt_side(int64_t a, int64_t n, int64_t dd, char *buf, size_t cap)
{
    char t[48];
    if (a < 0)
        snprintf(t, sizeof t, "missing");
    else
        dg_decimal_format(a, 6, t);
    if (n >= 0 && dd >= 0)
        snprintf(buf, cap, "%s (N/D %lld/%lld)", t, (long long)n, (long long)dd);
    else
        snprintf(buf, cap, "%s", t);
}

void dg_review_diff_quality_text(const DgDiff *d, void *gp)
{
    GString *g = gp;
    if (!d->n_qmoves)
        return;
    g_string_append_printf(g, "\nquality: %zu unit%s with a changed Q, and the indicator that moved it most "
                              "(its part of the change = weight × Δa / Σ weights):\n",
                           d->n_qmoves, d->n_qmoves == 1 ? "" : "s");
    g_string_append_printf(g, "%-12s %7s %7s  %-18s %-28s %-28s %10s\n", "unit", "Q A", "Q B", "indicator", "a A",
                           "a B", "part of ΔQ");
    for (size_t i = 0; i < d->n_qmoves; i++) {
        const DgDiffQMove *m = &d->qmoves[i];
        char qa[32], qb[32], sa[96], sbuf[96], ef[64];
        dg_decimal_format(m->q_a, 4, qa);
        dg_decimal_format(m->q_b, 4, qb);
        fmt_side(m->a_a, m->n_a, m->d_a, sa, sizeof sa);
        fmt_side(m->a_b, m->n_b, m->d_b, sbuf, sizeof sbuf);
        fmt6s(m->effect, ef);
        g_string_append_printf(g, "%-12s %7s %7s  %-18s %-28s %-28s %10s%s\n", m->unit_id, qa, qb,
                               *m->indicator ? m->indicator : "-", sa, sbuf, ef,
                               m->n_moved > 1 ? " (and others)" : "");
    }
}
