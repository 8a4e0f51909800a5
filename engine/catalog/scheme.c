/*
 * dg_scheme_load: scheme.json (docs/formats.md) and the files it names.
 *
 * Design: the JSON is read by our own strict parser (scheme_json.c) so that
 * decimals keep their literal text and every value its line.  The tree is
 * then walked section by section with one rule: every key is known, every
 * value has the right type and an exact value within its range, or the
 * load stops with file:line and a sentence saying what to write instead.
 * Names in pools (categories, item patterns, communities, counties, units)
 * and adjustment tags can only be checked against the CSV files, so the
 * tree is kept until the files are loaded and walked a second time for
 * those checks.  The result is immutable: pool × unit and pool × catalog-row
 * membership are precomputed so later stages never match strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/scheme_json.h"
#include "catalog/scheme_priv.h"
#include "dangliang/registry.h"

#define MAX_BUDGET_FEN 100000000000000LL /* 10^12 yuan */
#define MAX_WEIGHT 1000000
#define MAX_TARGET 1000000000000000LL /* 10^9 at scale 10^-6 */

typedef struct Ld {
    DgScheme *s;
    DgError *err;
    const char *file;
    bool no_registry; /* dg_scheme_load_no_registry */
} Ld;

static DgStatus jerr(Ld *l, const DgJson *v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static DgStatus jerr(Ld *l, const DgJson *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dg_error_setv(l->err, DG_E_CONFIG, l->file, v ? v->line : 0, v ? v->col : 0, fmt, ap);
    va_end(ap);
    return DG_E_CONFIG;
}

/* ---- small helpers ---------------------------------------------------------- */

/* Optimal-string-alignment distance (a swap of two neighbours costs 1), capped inputs. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t d[41][41];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c)
                c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c)
                c = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
                c = d[i - 2][j - 2] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

/* "; did you mean \"x\"?" for a close known name (one edit for short
 * names, two for longer ones, or a difference of case only), or "". */
static void suggest(const char *got, const char *const *known, size_t n, char *buf, size_t cap)
{
    size_t best = SIZE_MAX, bi = n, limit = strlen(got) <= 4 ? 1 : 2;
    for (size_t i = 0; i < n; i++) {
        size_t d = strcasecmp(got, known[i]) == 0 ? 0 : edit_distance(got, known[i]);
        if (d <= limit && d < best) {
            best = d;
            bi = i;
        }
    }
    if (bi < n)
        snprintf(buf, cap, "; did you mean \"%s\"?", known[bi]);
    else if (cap)
        buf[0] = 0;
}

static void join(const char *const *v, size_t n, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t need = strlen(v[i]) + 2;
        if (o + need + 5 >= cap) {
            snprintf(buf + o, cap - o, ", ...");
            return;
        }
        o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", v[i]);
    }
}

static DgStatus check_keys(Ld *l, const DgJson *obj, const char *where, const char *const *known, size_t n)
{
    for (size_t i = 0; i < obj->n; i++) {
        bool ok = false;
        for (size_t k = 0; k < n && !ok; k++)
            ok = strcmp(obj->keys[i], known[k]) == 0;
        if (ok)
            continue;
        char q[80], sug[120], list[400];
        dg_catalog_quote(obj->keys[i], strlen(obj->keys[i]), q, sizeof q);
        suggest(obj->keys[i], known, n, sug, sizeof sug);
        join(known, n, list, sizeof list);
        dg_error_set(l->err, DG_E_CONFIG, l->file, obj->key_lines[i], 0,
                     "unknown key \"%s\" in %s%s (known keys: %s); unknown keys are errors so that a typo cannot "
                     "change a payout silently",
                     q, where, sug, list);
        return DG_E_CONFIG;
    }
    return DG_OK;
}

/* Member or NULL; JSON null counts as absent. */
static const DgJson *opt(const DgJson *obj, const char *key)
{
    const DgJson *v = dg_catalog_json_get(obj, key);
    return v && v->type == DG_JNULL ? NULL : v;
}

static DgStatus need(Ld *l, const DgJson *obj, const char *key, const char *where, const char *example,
                     const DgJson **out)
{
    *out = opt(obj, key);
    if (!*out)
        return jerr(l, obj, "%s has no \"%s\"; add it, e.g. \"%s\": %s", where, key, key, example);
    return DG_OK;
}

static DgStatus want_type(Ld *l, const DgJson *v, DgJType t, const char *what)
{
    if (v->type != t)
        return jerr(l, v, "%s must be %s, not %s", what, dg_catalog_json_type_name(t),
                    dg_catalog_json_type_name(v->type));
    return DG_OK;
}

static DgStatus get_text(Ld *l, const DgJson *v, const char *what, bool nonempty, const char **out)
{
    DgStatus st = want_type(l, v, DG_JSTR, what);
    if (st)
        return st;
    if (nonempty && v->len == 0)
        return jerr(l, v, "%s is an empty string; give it a value", what);
    *out = dg_catalog_strdup(l->s, v->text, v->len);
    return DG_OK;
}

/* A decimal written as a JSON string or number, exact at `scale`. */
static DgStatus get_dec(Ld *l, const DgJson *v, const char *what, int scale, const char *example, int64_t *out)
{
    if (v->type != DG_JSTR && v->type != DG_JNUM)
        return jerr(l, v, "%s must be a decimal number, preferably written as a string such as \"%s\", not %s", what,
                    example, dg_catalog_json_type_name(v->type));
    char q[80];
    dg_catalog_quote(v->text, v->len, q, sizeof q);
    DgDecResult r = dg_decimal_parse(v->text, v->len, scale, true, out);
    if (r == DG_DEC_TOO_PRECISE && scale == 0)
        return jerr(l, v, "%s \"%s\" must be a whole number", what, q);
    if (r != DG_DEC_OK) {
        char why[200];
        dg_catalog_dec_problem(v->text, v->len, r, scale, why, sizeof why);
        return jerr(l, v, "%s \"%s\" %s", what, q, why);
    }
    return DG_OK;
}

static DgStatus get_dec_range(Ld *l, const DgJson *v, const char *what, int scale, const char *example, int64_t lo,
                              bool lo_excl, int64_t hi, int64_t *out)
{
    DgStatus st = get_dec(l, v, what, scale, example, out);
    if (st)
        return st;
    char a[48], b[48], q[80];
    dg_decimal_format(lo, scale, a);
    dg_decimal_format(hi, scale, b);
    dg_catalog_quote(v->text, v->len, q, sizeof q);
    if (lo_excl ? *out <= lo : *out < lo)
        return jerr(l, v, "%s \"%s\" must be %s %s", what, q, lo_excl ? "greater than" : "at least", a);
    if (*out > hi)
        return jerr(l, v, "%s \"%s\" must be at most %s", what, q, b);
    return DG_OK;
}

static DgStatus get_choice(Ld *l, const DgJson *v, const char *what, const char *a, const char *b, bool *is_b)
{
    DgStatus st = want_type(l, v, DG_JSTR, what);
    if (st)
        return st;
    if (strcmp(v->text, a) == 0 || strcmp(v->text, b) == 0) {
        *is_b = strcmp(v->text, b) == 0;
        return DG_OK;
    }
    char q[80];
    dg_catalog_quote(v->text, v->len, q, sizeof q);
    return jerr(l, v, "%s \"%s\" must be \"%s\" or \"%s\"", what, q, a, b);
}

static bool strict_date(const DgJson *v, int32_t *day)
{
    return v->type == DG_JSTR && v->len == 10 && v->text[4] == '-' && v->text[7] == '-' &&
           dg_date_parse_strict(v->text, v->len, day);
}

/* A relative path is relative to the scheme file's folder. */
static const char *resolve(Ld *l, const char *rel)
{
    const char *slash = strrchr(l->s->path, '/');
    if (rel[0] == '/' || !slash)
        return dg_catalog_strdup(l->s, rel, strlen(rel));
    size_t dl = (size_t)(slash - l->s->path) + 1, rl = strlen(rel);
    char *p = dg_catalog_alloc(l->s, dl + rl + 1);
    memcpy(p, l->s->path, dl);
    memcpy(p + dl, rel, rl + 1);
    return p;
}

static DgStatus get_path(Ld *l, const DgJson *v, const char *what, const char **out)
{
    const char *rel;
    DgStatus st = get_text(l, v, what, true, &rel);
    if (st)
        return st;
    *out = resolve(l, rel);
    return DG_OK;
}

/* A non-empty array of distinct non-empty strings, copied into the arena. */
static DgStatus get_list(Ld *l, const DgJson *v, const char *what, const char ***out, size_t *n)
{
    DgStatus st = want_type(l, v, DG_JARR, what);
    if (st)
        return st;
    if (v->n == 0)
        return jerr(l, v, "%s is an empty list; name at least one entry or remove the key", what);
    const char **a = dg_catalog_alloc(l->s, v->n * sizeof *a);
    DgIntern *seen = dg_intern_new();
    for (size_t i = 0; i < v->n && !st; i++) {
        const DgJson *e = &v->kids[i];
        char w[160];
        snprintf(w, sizeof w, "%s[%zu]", what, i);
        if ((st = get_text(l, e, w, true, &a[i])))
            break;
        bool added;
        dg_intern_add(seen, e->text, e->len, &added);
        if (!added) {
            char q[80];
            dg_catalog_quote(e->text, e->len, q, sizeof q);
            st = jerr(l, e, "\"%s\" appears twice in %s; list it once", q, what);
        }
    }
    dg_intern_free(seen);
    if (st)
        return st;
    *out = a;
    *n = v->n;
    return DG_OK;
}

/* ---- sections ------------------------------------------------------------ */

static const char *const top_keys[] = {"id",      "title",       "period", "catalog", "units",   "indicators",
                                       "quality", "adjustments", "checks", "pools",   "appeals", "advances",
                                       "registry"};
static const char *const budget_keys[] = {"per_capita"};
static const char *const period_keys[] = {"from", "to"};
static const char *const quality_keys[] = {"indicators", "missing", "floor", "full_at"};
static const char *const indicator_keys[] = {"id", "name", "weight", "target", "better", "compute"};
static const char *const compute_keys[] = {"of", "count", "services"};
static const char *const services_keys[] = {"items", "categories", "min", "quarters"};
static const char *const adjustment_keys[] = {"tag", "factor"};
static const char *const checks_keys[] = {"staff_day_minutes", "staff_overload", "max_reject_rate"};
static const char *const pool_keys[] = {"id", "name", "budget", "categories", "items", "scope"};
static const char *const scope_keys[] = {"community", "county", "units"};
#define N_OF(a) (sizeof(a) / sizeof *(a))

static DgStatus want_object(Ld *l, const DgJson *v, const char *what)
{
    return want_type(l, v, DG_JOBJ, what);
}

static DgStatus load_period(Ld *l, const DgJson *root)
{
    DgScheme *s = l->s;
    const DgJson *p, *from, *to;
    DgStatus st;
    if ((st = need(l, root, "period", "the scheme", "{\"from\": \"2020-01-01\", \"to\": \"2020-12-31\"}", &p)) ||
        (st = want_object(l, p, "period")) || (st = check_keys(l, p, "period", period_keys, N_OF(period_keys))) ||
        (st = need(l, p, "from", "period", "\"2020-01-01\"", &from)) ||
        (st = need(l, p, "to", "period", "\"2020-12-31\"", &to)))
        return st;
    if (!strict_date(from, &s->period_from))
        return jerr(l, from, "period.from must be a date written \"YYYY-MM-DD\", e.g. \"2020-01-01\"");
    if (!strict_date(to, &s->period_to))
        return jerr(l, to, "period.to must be a date written \"YYYY-MM-DD\", e.g. \"2020-12-31\"");
    if (s->period_from > s->period_to)
        return jerr(l, to, "period.to %s is before period.from %s; swap them", to->text, from->text);
    return DG_OK;
}

/* Index of a registry flag name in s->reg_flags, added when new. */
static DgStatus flag_bit(Ld *l, const DgJson *v, const char *what, uint32_t *mask)
{
    DgScheme *s = l->s;
    DgStatus st = want_type(l, v, DG_JSTR, what);
    if (st)
        return st;
    if (v->len == 0)
        return jerr(l, v, "%s is an empty string; name a flag column of the registry, e.g. \"signed\"", what);
    size_t f = 0;
    while (f < s->n_reg_flags && strcmp(s->reg_flags[f], v->text) != 0)
        f++;
    if (f == s->n_reg_flags) {
        if (f == 32)
            return jerr(l, v, "%s: the scheme names more than 32 registry flags; at most 32 are supported", what);
        const char **nf = dg_catalog_alloc(s, (f + 1) * sizeof *nf);
        if (f)
            memcpy(nf, s->reg_flags, f * sizeof *nf);
        nf[f] = dg_catalog_strdup(s, v->text, v->len);
        s->reg_flags = nf;
        s->n_reg_flags = f + 1;
    }
    if (*mask & (1u << f))
        return jerr(l, v, "flag \"%s\" appears twice in %s; list it once", v->text, what);
    *mask |= 1u << f;
    return DG_OK;
}

/* A possibly empty list of registry flag names. */
static DgStatus flag_list(Ld *l, const DgJson *v, const char *what, uint32_t *mask)
{
    DgStatus st = want_type(l, v, DG_JARR, what);
    for (size_t i = 0; i < v->n && !st; i++) {
        char w[160];
        snprintf(w, sizeof w, "%s[%zu]", what, i);
        uint32_t before = *mask;
        st = flag_bit(l, &v->kids[i], w, mask);
        if (!st && before == *mask)
            st = jerr(l, &v->kids[i], "a flag appears twice in %s; list it once", what);
    }
    return st;
}

/* calendar quarter number of a day */
static int32_t quarter_of(int32_t day)
{
    int y, m, d;
    dg_date_to_ymd(day, &y, &m, &d);
    return (int32_t)(y * 4 + (m - 1) / 3);
}

/* "compute" of one indicator (the pattern/category checks against the
 * catalog come later, in check_compute). */
static DgStatus load_compute(Ld *l, const DgJson *c, const char *where, DgIndicator *ind)
{
    DgScheme *s = l->s;
    DgStatus st;
    char w[96], f[128];
    snprintf(w, sizeof w, "%s.compute", where);
    if ((st = want_object(l, c, w)) || (st = check_keys(l, c, w, compute_keys, N_OF(compute_keys))))
        return st;
    DgCompute *cp = dg_catalog_alloc(s, sizeof *cp);
    cp->min = 1;
    const DgJson *of, *v;
    if ((st = need(l, c, "of", w, "\"population\" or [\"htn\"]", &of)))
        return st;
    snprintf(f, sizeof f, "%s.of", w);
    if (of->type == DG_JSTR) {
        if (strcmp(of->text, "population") != 0) {
            char q[80];
            dg_catalog_quote(of->text, of->len, q, sizeof q);
            return jerr(l, of, "%s \"%s\" must be \"population\" (the unit's population from the units file) or a "
                               "list of registry flags such as [\"htn\"] ([] = every registry person of the unit)",
                        f, q);
        }
        cp->of_population = true;
    } else if (of->type == DG_JARR) {
        if ((st = flag_list(l, of, f, &cp->of_mask)))
            return st;
    } else {
        return jerr(l, of, "%s must be \"population\" or a list of registry flags such as [\"htn\"], not %s", f,
                    dg_catalog_json_type_name(of->type));
    }
    snprintf(f, sizeof f, "%s.count", w);
    if ((v = opt(c, "count")) && (st = flag_list(l, v, f, &cp->count_mask)))
        return st;
    const DgJson *sv = opt(c, "services");
    if (sv) {
        snprintf(f, sizeof f, "%s.services", w);
        if ((st = want_object(l, sv, f)) || (st = check_keys(l, sv, f, services_keys, N_OF(services_keys))))
            return st;
        cp->has_services = true;
        const DgJson *it = opt(sv, "items"), *ca = opt(sv, "categories");
        if (!it && !ca)
            return jerr(l, sv, "%s needs \"items\" and/or \"categories\" naming the services that count, e.g. "
                               "\"items\": [\"PH-HTN-FU\"]",
                        f);
        char g[160];
        snprintf(g, sizeof g, "%s.items", f);
        if (it) {
            if ((st = get_list(l, it, g, &cp->items, &cp->n_items)))
                return st;
            for (size_t i = 0; i < cp->n_items; i++) {
                const char *star = strchr(cp->items[i], '*');
                if (star && star[1] != 0)
                    return jerr(l, &it->kids[i], "item pattern \"%s\" in %s has '*' before its end; '*' may only "
                                                  "end a pattern (e.g. \"PH-HTN-*\")",
                                cp->items[i], g);
            }
        }
        snprintf(g, sizeof g, "%s.categories", f);
        if (ca && (st = get_list(l, ca, g, &cp->categories, &cp->n_categories)))
            return st;
        snprintf(g, sizeof g, "%s.min", f);
        if ((v = opt(sv, "min")) && (st = get_dec_range(l, v, g, 0, "4", 1, false, 1000000000, &cp->min)))
            return st;
        if ((v = opt(sv, "quarters"))) {
            int64_t qn;
            snprintf(g, sizeof g, "%s.quarters", f);
            if ((st = get_dec_range(l, v, g, 0, "4", 1, false, 4, &qn)))
                return st;
            int32_t span = quarter_of(s->period_to) - quarter_of(s->period_from) + 1;
            if (qn > span)
                return jerr(l, v, "%s is %lld but the period overlaps only %d calendar quarter%s; lower it to at most "
                                  "%d or remove it",
                            g, (long long)qn, span, span == 1 ? "" : "s", span);
            if (span > 32)
                return jerr(l, v, "%s: a \"quarters\" rule needs a period of at most 32 calendar quarters (8 years); "
                                  "this period overlaps %d",
                            g, span);
            cp->quarters = (int)qn;
        }
    }
    ind->compute = cp;
    s->n_computed++;
    return DG_OK;
}

static DgStatus load_quality(Ld *l, const DgJson *q)
{
    DgScheme *s = l->s;
    DgStatus st;
    if ((st = want_object(l, q, "quality")) || (st = check_keys(l, q, "quality", quality_keys, N_OF(quality_keys))))
        return st;
    const DgJson *inds;
    if ((st = need(l, q, "indicators", "quality",
                   "[{\"id\": \"signing_rate\", \"weight\": 30, \"target\": \"0.40\", \"better\": \"higher\"}]",
                   &inds)) ||
        (st = want_type(l, inds, DG_JARR, "quality.indicators")))
        return st;
    if (inds->n == 0)
        return jerr(l, inds, "quality.indicators is an empty list; name at least one indicator or remove the "
                             "quality section (then Q = 1 for every unit)");
    s->has_quality = true;
    s->n_indicators = inds->n;
    s->indicators = dg_catalog_alloc(s, inds->n * sizeof *s->indicators);
    for (size_t i = 0; i < inds->n; i++) {
        const DgJson *e = &inds->kids[i], *v;
        DgIndicator *ind = &s->indicators[i];
        char w[64], f[96];
        snprintf(w, sizeof w, "quality.indicators[%zu]", i);
        if ((st = want_object(l, e, w)) || (st = check_keys(l, e, w, indicator_keys, N_OF(indicator_keys))))
            return st;
        snprintf(f, sizeof f, "%s.id", w);
        if ((st = need(l, e, "id", w, "\"signing_rate\"", &v)) || (st = get_text(l, v, f, true, &ind->id)))
            return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->indicators[j].id, ind->id) == 0)
                return jerr(l, v, "indicator id \"%s\" is used twice in quality.indicators; ids must be unique",
                            v->text);
        ind->name = ind->id;
        snprintf(f, sizeof f, "%s.name", w);
        if ((v = opt(e, "name")) && (st = get_text(l, v, f, false, &ind->name)))
            return st;
        snprintf(f, sizeof f, "%s.weight", w);
        if ((st = need(l, e, "weight", w, "30", &v)) ||
            (st = get_dec_range(l, v, f, 0, "30", 0, true, MAX_WEIGHT, &ind->weight)))
            return st;
        snprintf(f, sizeof f, "%s.target", w);
        if ((st = need(l, e, "target", w, "\"0.40\"", &v)) ||
            (st = get_dec_range(l, v, f, 6, "0.40", 0, true, MAX_TARGET, &ind->target)))
            return st;
        snprintf(f, sizeof f, "%s.better", w);
        if ((v = opt(e, "better")) && (st = get_choice(l, v, f, "higher", "lower", &ind->lower_is_better)))
            return st;
        if ((v = opt(e, "compute")) && (st = load_compute(l, v, w, ind)))
            return st;
    }
    const DgJson *v;
    if ((v = opt(q, "missing"))) {
        if ((st = want_type(l, v, DG_JSTR, "quality.missing")))
            return st;
        s->missing_zero = strcmp(v->text, "zero") == 0;
        s->missing_skip = strcmp(v->text, "skip") == 0;
        if (!s->missing_zero && !s->missing_skip && strcmp(v->text, "error") != 0) {
            char qv[80];
            dg_catalog_quote(v->text, v->len, qv, sizeof qv);
            return jerr(l, v, "quality.missing \"%s\" must be \"error\", \"zero\" or \"skip\"", qv);
        }
    }
    const DgJson *fl = opt(q, "floor"), *fa = opt(q, "full_at");
    s->floor = s->full_at = DG_NONE;
    if (fl && (st = get_dec_range(l, fl, "quality.floor", 4, "0.6000", 0, false, 10000, &s->floor)))
        return st;
    if (fa && (st = get_dec_range(l, fa, "quality.full_at", 4, "0.8500", 0, false, 10000, &s->full_at)))
        return st;
    if (fl && fa && s->full_at < s->floor) {
        char a[48], b[48];
        dg_decimal_format(s->full_at, 4, a);
        dg_decimal_format(s->floor, 4, b);
        return jerr(l, fa, "quality.full_at %s is below quality.floor %s; full_at must be at least the floor", a, b);
    }
    return DG_OK;
}

static DgStatus load_adjustments(Ld *l, const DgJson *a)
{
    DgScheme *s = l->s;
    DgStatus st;
    if ((st = want_type(l, a, DG_JARR, "adjustments")))
        return st;
    s->n_adjustments = a->n;
    s->adjustments = dg_catalog_alloc(s, a->n * sizeof *s->adjustments);
    for (size_t i = 0; i < a->n; i++) {
        const DgJson *e = &a->kids[i], *v;
        DgAdjustment *adj = &s->adjustments[i];
        char w[48], f[64];
        snprintf(w, sizeof w, "adjustments[%zu]", i);
        if ((st = want_object(l, e, w)) || (st = check_keys(l, e, w, adjustment_keys, N_OF(adjustment_keys))))
            return st;
        snprintf(f, sizeof f, "%s.tag", w);
        if ((st = need(l, e, "tag", w, "\"island\"", &v)) || (st = get_text(l, v, f, true, &adj->tag)))
            return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->adjustments[j].tag, adj->tag) == 0)
                return jerr(l, v, "tag \"%s\" has two adjustments (adjustments[%zu] and [%zu]); give each tag one "
                                  "factor",
                            v->text, j, i);
        snprintf(f, sizeof f, "%s.factor", w);
        if ((st = need(l, e, "factor", w, "\"1.1000\"", &v)) ||
            (st = get_dec_range(l, v, f, 4, "1.1000", 0, true, 100000, &adj->factor)))
            return st;
    }
    return DG_OK;
}

static DgStatus load_checks(Ld *l, const DgJson *c)
{
    DgScheme *s = l->s;
    DgStatus st;
    if ((st = want_object(l, c, "checks")) || (st = check_keys(l, c, "checks", checks_keys, N_OF(checks_keys))))
        return st;
    const DgJson *v;
    if ((v = opt(c, "staff_day_minutes")) &&
        (st = get_dec_range(l, v, "checks.staff_day_minutes", 0, "600", 0, true, 1440, &s->staff_day_minutes)))
        return st;
    bool excl = false;
    if ((v = opt(c, "staff_overload")) &&
        (st = get_choice(l, v, "checks.staff_overload", "review", "exclude", &excl)))
        return st;
    s->staff_policy = excl ? DG_STAFF_EXCLUDE : DG_STAFF_REVIEW;
    if ((v = opt(c, "max_reject_rate")) &&
        (st = get_dec_range(l, v, "checks.max_reject_rate", 4, "0.05", 0, false, 10000, &s->max_reject_rate)))
        return st;
    return DG_OK;
}

static void pool_where(const DgJson *pool, size_t i, char *buf, size_t cap)
{
    const DgJson *id = dg_catalog_json_get(pool, "id");
    if (id && id->type == DG_JSTR && id->len && id->len < 60)
        snprintf(buf, cap, "pools[%zu] (\"%s\")", i, id->text);
    else
        snprintf(buf, cap, "pools[%zu]", i);
}

static DgStatus load_scope(Ld *l, DgPool *p, const DgJson *v, const char *where)
{
    char w[160], f[192];
    snprintf(w, sizeof w, "%s.scope", where);
    if (v->type == DG_JSTR) {
        if (strcmp(v->text, "all") == 0) {
            p->scope_all = true;
            return DG_OK;
        }
        char q[80];
        dg_catalog_quote(v->text, v->len, q, sizeof q);
        return jerr(l, v, "%s \"%s\" must be \"all\" or an object such as {\"county\": [\"定海区\"]}", w, q);
    }
    DgStatus st;
    if (v->type != DG_JOBJ)
        return jerr(l, v, "%s must be \"all\" or an object with community, county and/or units lists, not %s", w,
                    dg_catalog_json_type_name(v->type));
    if ((st = check_keys(l, v, w, scope_keys, N_OF(scope_keys))))
        return st;
    const DgJson *e;
    bool any = false;
    snprintf(f, sizeof f, "%s.community", w);
    if ((e = opt(v, "community")) && (any = true) && (st = get_list(l, e, f, &p->communities, &p->n_communities)))
        return st;
    snprintf(f, sizeof f, "%s.county", w);
    if ((e = opt(v, "county")) && (any = true) && (st = get_list(l, e, f, &p->counties, &p->n_counties)))
        return st;
    snprintf(f, sizeof f, "%s.units", w);
    if ((e = opt(v, "units")) && (any = true) && (st = get_list(l, e, f, &p->units, &p->n_units)))
        return st;
    if (!any)
        return jerr(l, v, "%s names no community, county or units; write \"scope\": \"all\" for every unit", w);
    return DG_OK;
}

static DgStatus load_pools(Ld *l, const DgJson *root)
{
    DgScheme *s = l->s;
    DgStatus st;
    const DgJson *ps;
    if ((st = need(l, root, "pools", "the scheme",
                   "[{\"id\": \"phs\", \"budget\": \"1000.00\", \"categories\": [\"public_health\"], \"scope\": "
                   "\"all\"}]",
                   &ps)) ||
        (st = want_type(l, ps, DG_JARR, "pools")))
        return st;
    if (ps->n == 0)
        return jerr(l, ps, "pools is an empty list; a scheme needs at least one funding pool");
    s->n_pools = ps->n;
    s->pools = dg_catalog_alloc(s, ps->n * sizeof *s->pools);
    DgIntern *ids = dg_intern_new();
    for (size_t i = 0; i < ps->n && !st; i++) {
        const DgJson *e = &ps->kids[i], *v;
        DgPool *p = &s->pools[i];
        char w[128], f[192];
        snprintf(w, sizeof w, "pools[%zu]", i);
        if ((st = want_object(l, e, w)))
            break;
        pool_where(e, i, w, sizeof w);
        if ((st = check_keys(l, e, w, pool_keys, N_OF(pool_keys))))
            break;
        snprintf(f, sizeof f, "%s.id", w);
        if ((st = need(l, e, "id", w, "\"phs\"", &v)) || (st = get_text(l, v, f, true, &p->id)))
            break;
        bool added;
        dg_intern_add(ids, v->text, v->len, &added);
        if (!added) {
            st = jerr(l, v, "pool id \"%s\" is used twice; every pool needs its own id", p->id);
            break;
        }
        p->name = p->id;
        snprintf(f, sizeof f, "%s.name", w);
        if ((v = opt(e, "name")) && (st = get_text(l, v, f, false, &p->name)))
            break;
        snprintf(f, sizeof f, "%s.budget", w);
        p->per_capita = DG_NONE;
        if ((st = need(l, e, "budget", w, "\"1000000.00\"", &v)))
            break;
        if (v->type == DG_JOBJ) {
            /* {"per_capita": "5.00"}: B = rate × Σ population, computed once the units are loaded */
            const DgJson *pc;
            char g[224];
            snprintf(g, sizeof g, "%s.per_capita", f);
            if ((st = check_keys(l, v, f, budget_keys, N_OF(budget_keys))) ||
                (st = need(l, v, "per_capita", f, "\"5.00\"", &pc)) ||
                (st = get_dec_range(l, pc, g, 2, "5.00", 0, false, MAX_BUDGET_FEN, &p->per_capita)))
                break;
        } else if ((st = get_dec_range(l, v, f, 2, "1000000.00", 0, false, MAX_BUDGET_FEN, &p->budget))) {
            break;
        }
        const DgJson *cats = opt(e, "categories"), *items = opt(e, "items");
        if (!cats && !items) {
            st = jerr(l, e, "%s has neither \"categories\" nor \"items\"; name the catalog categories and/or item "
                            "code patterns it pays for, e.g. \"categories\": [\"public_health\"]",
                      w);
            break;
        }
        snprintf(f, sizeof f, "%s.categories", w);
        if (cats && (st = get_list(l, cats, f, &p->categories, &p->n_categories)))
            break;
        snprintf(f, sizeof f, "%s.items", w);
        if (items && (st = get_list(l, items, f, &p->items, &p->n_items)))
            break;
        for (size_t k = 0; k < p->n_items && !st; k++) {
            const char *star = strchr(p->items[k], '*');
            if (star && star[1] != 0)
                st = jerr(l, &items->kids[k],
                          "item pattern \"%s\" in %s has '*' before its end; '*' may only end a pattern (e.g. "
                          "\"PH-ID-*\")",
                          p->items[k], f);
        }
        if (st)
            break;
        if ((st = need(l, e, "scope", w, "\"all\"", &v)) || (st = load_scope(l, p, v, w)))
            break;
    }
    dg_intern_free(ids);
    return st;
}

/* ---- checks against the CSV files -------------------------------------------- */

static bool pattern_match(const char *pat, const char *code)
{
    size_t n = strlen(pat);
    if (n && pat[n - 1] == '*')
        return strncmp(pat, code, n - 1) == 0;
    return strcmp(pat, code) == 0;
}

typedef const char *(*UnitField)(const DgUnit *);
static const char *unit_community(const DgUnit *u)
{
    return u->community;
}
static const char *unit_county(const DgUnit *u)
{
    return u->county;
}
static const char *unit_idf(const DgUnit *u)
{
    return u->id;
}

/* Distinct non-empty values of one unit field, in unit order, for messages. */
static void known_values(const DgScheme *s, UnitField fn, char *buf, size_t cap)
{
    DgIntern *t = dg_intern_new();
    for (size_t u = 0; u < s->n_units; u++) {
        const char *v = fn(&s->units[u]);
        if (*v)
            dg_intern_add(t, v, strlen(v), NULL);
    }
    size_t n = dg_intern_count(t);
    const char **v = dg_xmalloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = dg_intern_str(t, (uint32_t)i, NULL);
    if (n)
        join(v, n, buf, cap);
    else
        snprintf(buf, cap, "none: the column is empty or absent");
    free(v);
    dg_intern_free(t);
}

static DgStatus check_scope_list(Ld *l, const DgJson *list, const char *const *names, size_t n, UnitField fn,
                                 const char *what, const char *plural, const char *where)
{
    DgScheme *s = l->s;
    for (size_t k = 0; k < n; k++) {
        bool found = false;
        for (size_t u = 0; u < s->n_units && !found; u++)
            found = strcmp(fn(&s->units[u]), names[k]) == 0;
        if (!found) {
            char q[80], known[400];
            dg_catalog_quote(names[k], strlen(names[k]), q, sizeof q);
            known_values(s, fn, known, sizeof known);
            return jerr(l, &list->kids[k], "%s \"%s\" in %s.scope matches no unit in %s (%s there: %s)", what, q,
                        where, s->units_path, plural, known);
        }
    }
    return DG_OK;
}

/* B of a per-capita pool = rate × Σ population of the units in scope,
 * exact in fen (population ≤ 10^10 per unit, so the sum fits 128 bits). */
static DgStatus per_capita_budget(Ld *l, size_t k, const DgJson *budget, const char *where)
{
    DgScheme *s = l->s;
    DgPool *p = &s->pools[k];
    if (p->per_capita == DG_NONE)
        return DG_OK;
    size_t nu = s->n_units;
    DgU128 pop = 0;
    for (size_t u = 0; u < nu; u++) {
        if (!s->pool_unit[k * nu + u])
            continue;
        const DgUnit *un = &s->units[u];
        if (un->population == DG_NONE) {
            char q[80];
            dg_catalog_quote(un->id, strlen(un->id), q, sizeof q);
            if (!s->index->pop_col)
                return dg_error_set(l->err, DG_E_CONFIG, s->units_path, 1, 0,
                                    "the file has no population column, but %s has a per-capita budget (%s line "
                                    "%llu); add a population column with the residents of every unit in its scope, "
                                    "or give the pool a fixed budget",
                                    where, l->file, (unsigned long long)budget->line);
            return dg_error_set(l->err, DG_E_CONFIG, s->units_path, un->line, s->index->pop_col,
                                "unit %s has an empty population, but it is in the scope of %s, whose budget is per "
                                "capita (%s line %llu); fill in the number of residents it serves, or give the "
                                "pool a fixed budget",
                                q, where, l->file, (unsigned long long)budget->line);
        }
        pop += (DgU128)un->population;
    }
    DgU128 b = pop * (DgU128)p->per_capita;
    if (pop > (DgU128)INT64_MAX || b > (DgU128)MAX_BUDGET_FEN) {
        char rate[48], people[48];
        dg_decimal_format(p->per_capita, 2, rate);
        dg_decimal_format_u128(pop, 0, 0, people);
        return jerr(l, budget,
                    "the per-capita budget of %s, %s yuan × %s residents, is above the limit of 10^12 yuan; check "
                    "the rate and the population column",
                    where, rate, people);
    }
    p->population = (int64_t)pop;
    p->budget = (int64_t)b;
    return DG_OK;
}

static DgStatus check_pools(Ld *l, const DgJson *root)
{
    DgScheme *s = l->s;
    const DgJson *ps = dg_catalog_json_get(root, "pools");
    size_t nu = s->n_units, nc = s->n_catalog;
    s->pool_unit = dg_xcalloc(s->n_pools * nu + 1, 1);
    s->pool_row = dg_xcalloc(s->n_pools * nc + 1, 1);
    for (size_t i = 0; i < s->n_pools; i++) {
        const DgPool *p = &s->pools[i];
        const DgJson *e = &ps->kids[i];
        char w[128];
        pool_where(e, i, w, sizeof w);
        for (size_t k = 0; k < p->n_categories; k++) {
            if (dg_intern_find(s->index->categories, p->categories[k], strlen(p->categories[k])) < 0) {
                char q[80], known[400], sug[120];
                dg_catalog_quote(p->categories[k], strlen(p->categories[k]), q, sizeof q);
                join(s->categories, s->n_categories, known, sizeof known);
                suggest(p->categories[k], s->categories, s->n_categories, sug, sizeof sug);
                return jerr(l, &dg_catalog_json_get(e, "categories")->kids[k],
                            "category \"%s\" in %s.categories is used by no row of %s%s (categories there: %s)", q, w,
                            s->catalog_path, sug, known);
            }
        }
        for (size_t k = 0; k < p->n_items; k++) {
            bool found = false;
            for (size_t c = 0; c < nc && !found; c++)
                found = pattern_match(p->items[k], s->catalog[c].code);
            if (!found) {
                char q[80];
                dg_catalog_quote(p->items[k], strlen(p->items[k]), q, sizeof q);
                return jerr(l, &dg_catalog_json_get(e, "items")->kids[k],
                            "item pattern \"%s\" in %s.items matches no item code in %s (a trailing '*' matches a "
                            "prefix, e.g. \"PH-ID-*\")",
                            q, w, s->catalog_path);
            }
        }
        if (!p->scope_all) {
            const DgJson *sc = dg_catalog_json_get(e, "scope");
            DgStatus st;
            if ((st = check_scope_list(l, opt(sc, "community"), p->communities, p->n_communities, unit_community,
                                       "community", "communities", w)) ||
                (st = check_scope_list(l, opt(sc, "county"), p->counties, p->n_counties, unit_county, "county",
                                       "counties", w)) ||
                (st = check_scope_list(l, opt(sc, "units"), p->units, p->n_units, unit_idf, "unit", "unit ids",
                                       w)))
                return st;
        }
        size_t in_scope = 0;
        for (size_t u = 0; u < nu; u++) {
            const DgUnit *un = &s->units[u];
            bool in = p->scope_all;
            if (!in) {
                bool c1 = !p->n_communities, c2 = !p->n_counties, c3 = !p->n_units;
                for (size_t k = 0; k < p->n_communities && !c1; k++)
                    c1 = strcmp(un->community, p->communities[k]) == 0;
                for (size_t k = 0; k < p->n_counties && !c2; k++)
                    c2 = strcmp(un->county, p->counties[k]) == 0;
                for (size_t k = 0; k < p->n_units && !c3; k++)
                    c3 = strcmp(un->id, p->units[k]) == 0;
                in = c1 && c2 && c3;
            }
            s->pool_unit[i * nu + u] = in;
            in_scope += in;
        }
        if (in_scope == 0)
            return jerr(l, dg_catalog_json_get(e, "scope"),
                        "the scope of %s contains no unit: each of its lists matches some unit, but no unit matches "
                        "all of them (lists combine with AND, entries within a list with OR)",
                        w);
        DgStatus pst = per_capita_budget(l, i, dg_catalog_json_get(e, "budget"), w);
        if (pst)
            return pst;
        for (size_t c = 0; c < nc; c++) {
            const DgCatalogRow *r = &s->catalog[c];
            bool in = false;
            for (size_t k = 0; k < p->n_categories && !in; k++)
                in = strcmp(r->category, p->categories[k]) == 0;
            for (size_t k = 0; k < p->n_items && !in; k++)
                in = pattern_match(p->items[k], r->code);
            s->pool_row[i * nc + c] = in;
        }
    }
    return DG_OK;
}

static DgStatus check_adjustments(Ld *l, const DgJson *root)
{
    DgScheme *s = l->s;
    const DgJson *a = opt(root, "adjustments");
    for (size_t i = 0; i < s->n_adjustments; i++) {
        bool found = false;
        for (size_t u = 0; u < s->n_units && !found; u++)
            for (size_t t = 0; t < s->units[u].n_tags && !found; t++)
                found = strcmp(s->units[u].tags[t], s->adjustments[i].tag) == 0;
        if (!found) {
            DgIntern *tags = dg_intern_new();
            for (size_t u = 0; u < s->n_units; u++)
                for (size_t t = 0; t < s->units[u].n_tags; t++)
                    dg_intern_add(tags, s->units[u].tags[t], strlen(s->units[u].tags[t]), NULL);
            size_t n = dg_intern_count(tags);
            const char **v = dg_xmalloc((n ? n : 1) * sizeof *v);
            for (size_t k = 0; k < n; k++)
                v[k] = dg_intern_str(tags, (uint32_t)k, NULL);
            char known[400], q[80];
            if (n)
                join(v, n, known, sizeof known);
            else
                snprintf(known, sizeof known, "no unit has tags");
            dg_catalog_quote(s->adjustments[i].tag, strlen(s->adjustments[i].tag), q, sizeof q);
            DgStatus st = jerr(l, dg_catalog_json_get(&a->kids[i], "tag"),
                               "adjustment tag \"%s\" is carried by no unit in %s (tags there: %s)", q, s->units_path,
                               known);
            free(v);
            dg_intern_free(tags);
            return st;
        }
    }
    return DG_OK;
}

/* Computed indicators against the catalog, the units and the registry. */
static DgStatus check_compute(Ld *l, const DgJson *root)
{
    DgScheme *s = l->s;
    if (!s->n_computed)
        return DG_OK;
    const DgJson *inds = dg_catalog_json_get(dg_catalog_json_get(root, "quality"), "indicators");
    for (size_t i = 0; i < s->n_indicators; i++) {
        DgCompute *cp = (DgCompute *)s->indicators[i].compute;
        if (!cp)
            continue;
        const DgJson *c = dg_catalog_json_get(&inds->kids[i], "compute");
        char w[96];
        snprintf(w, sizeof w, "quality.indicators[%zu].compute", i);
        if (!s->registry_path)
            return jerr(l, c, "indicator \"%s\" is computed but the scheme names no person registry; add "
                              "\"registry\": \"registry.csv\" at the top level (person_id, unit_id and flag "
                              "columns) or give the indicator's values in the indicators file instead",
                        s->indicators[i].id);
        if (cp->of_population) {
            for (size_t u = 0; u < s->n_units; u++) {
                bool paid = false;
                for (size_t p = 0; p < s->n_pools && !paid; p++)
                    paid = s->pool_unit[p * s->n_units + u];
                if (paid && s->units[u].population == DG_NONE)
                    return dg_error_set(l->err, DG_E_CONFIG, s->units_path, s->units[u].line, 0,
                                        "unit %s has an empty population, but indicator \"%s\" is computed "
                                        "\"of\": \"population\" and the unit is paid by a pool; fill in the "
                                        "population column (0 is allowed)",
                                        s->units[u].id, s->indicators[i].id);
            }
        }
        if (!cp->has_services)
            continue;
        const DgJson *sv = dg_catalog_json_get(c, "services");
        for (size_t k = 0; k < cp->n_categories; k++) {
            if (dg_intern_find(s->index->categories, cp->categories[k], strlen(cp->categories[k])) < 0) {
                char q[80], known[400], sug[120];
                dg_catalog_quote(cp->categories[k], strlen(cp->categories[k]), q, sizeof q);
                join(s->categories, s->n_categories, known, sizeof known);
                suggest(cp->categories[k], s->categories, s->n_categories, sug, sizeof sug);
                return jerr(l, &dg_catalog_json_get(sv, "categories")->kids[k],
                            "category \"%s\" in %s.services.categories is used by no row of %s%s (categories "
                            "there: %s)",
                            q, w, s->catalog_path, sug, known);
            }
        }
        for (size_t k = 0; k < cp->n_items; k++) {
            bool found = false;
            for (size_t c2 = 0; c2 < s->n_catalog && !found; c2++)
                found = pattern_match(cp->items[k], s->catalog[c2].code);
            if (!found) {
                char q[80];
                dg_catalog_quote(cp->items[k], strlen(cp->items[k]), q, sizeof q);
                return jerr(l, &dg_catalog_json_get(sv, "items")->kids[k],
                            "item pattern \"%s\" in %s.services.items matches no item code in %s (a trailing '*' "
                            "matches a prefix, e.g. \"PH-HTN-*\")",
                            q, w, s->catalog_path);
            }
        }
        cp->crow = dg_catalog_alloc(s, s->n_catalog + 1);
        for (size_t c2 = 0; c2 < s->n_catalog; c2++) {
            const DgCatalogRow *r = &s->catalog[c2];
            bool in = false;
            for (size_t k = 0; k < cp->n_categories && !in; k++)
                in = strcmp(r->category, cp->categories[k]) == 0;
            for (size_t k = 0; k < cp->n_items && !in; k++)
                in = pattern_match(cp->items[k], r->code);
            cp->crow[c2] = in;
        }
    }
    return DG_OK;
}

/* ---- public --------------------------------------------------------------- */

static DgStatus load(Ld *l, const DgJson *root)
{
    DgScheme *s = l->s;
    DgStatus st;
    const DgJson *v;
    if ((st = want_type(l, root, DG_JOBJ, "the scheme")) ||
        (st = check_keys(l, root, "the top level of the scheme", top_keys, N_OF(top_keys))))
        return st;
    if ((st = need(l, root, "id", "the scheme", "\"zhoushan-2020-phs\"", &v)) || (st = get_text(l, v, "id", true, &s->id)))
        return st;
    s->title = s->id;
    if ((v = opt(root, "title")) && (st = get_text(l, v, "title", false, &s->title)))
        return st;
    if ((st = load_period(l, root)))
        return st;
    if ((st = need(l, root, "catalog", "the scheme", "\"catalog.csv\"", &v)) ||
        (st = get_path(l, v, "catalog", &s->catalog_path)) ||
        (st = need(l, root, "units", "the scheme", "\"units.csv\"", &v)) ||
        (st = get_path(l, v, "units", &s->units_path)))
        return st;
    const DgJson *ind = opt(root, "indicators");
    if (ind && (st = get_path(l, ind, "indicators", &s->indicators_path)))
        return st;
    if ((v = opt(root, "appeals")) && (st = get_path(l, v, "appeals", &s->appeals_path)))
        return st;
    if ((v = opt(root, "advances")) && (st = get_path(l, v, "advances", &s->advances_path)))
        return st;
    const DgJson *q = opt(root, "quality");
    if (q && (st = load_quality(l, q)))
        return st;
    if (ind && !s->has_quality)
        return jerr(l, ind, "\"indicators\" names a file but the scheme has no quality section; add "
                            "quality.indicators or remove \"indicators\"");
    if (s->has_quality && !ind && s->n_computed < s->n_indicators)
        return jerr(l, q, "quality lists indicators but the scheme names no indicator values file; add "
                          "\"indicators\": \"indicators.csv\" (or give every indicator a \"compute\" rule)");
    const DgJson *reg = opt(root, "registry");
    if (reg && (st = get_path(l, reg, "registry", &s->registry_path)))
        return st;
    s->staff_day_minutes = DG_NONE;
    if ((v = opt(root, "adjustments")) && (st = load_adjustments(l, v)))
        return st;
    if ((v = opt(root, "checks")) && (st = load_checks(l, v)))
        return st;
    if ((st = load_pools(l, root)))
        return st;
    if ((st = dg_catalog_load_catalog(s, l->err)) || (st = dg_catalog_load_units(s, l->err)) ||
        (st = dg_catalog_load_indicators(s, l->err)))
        return st;
    if ((st = check_adjustments(l, root)) || (st = check_pools(l, root)))
        return st;
    if ((st = dg_catalog_load_appeals(s, l->err)) || (st = dg_catalog_load_advances(s, l->err)))
        return st;
    if (s->registry_path && !l->no_registry && (st = dg_registry_load(s->registry_path, s, &s->registry, l->err)))
        return st;
    if ((st = check_compute(l, root)))
        return st;
    return DG_OK;
}

static DgStatus scheme_load(const char *path, bool no_registry, DgScheme **out, DgError *err);

DgStatus dg_scheme_load(const char *path, DgScheme **out, DgError *err)
{
    return scheme_load(path, false, out, err);
}

DgStatus dg_scheme_load_no_registry(const char *path, DgScheme **out, DgError *err)
{
    return scheme_load(path, true, out, err);
}

static DgStatus scheme_load(const char *path, bool no_registry, DgScheme **out, DgError *err)
{
    *out = NULL;
    DgScheme *s = dg_xcalloc(1, sizeof *s);
    s->index = dg_xcalloc(1, sizeof *s->index);
    s->index->unit_ids = dg_intern_new();
    s->index->codes = dg_intern_new();
    s->index->categories = dg_intern_new();
    s->path = dg_xstrdup(path);
    s->floor = s->full_at = DG_NONE;
    s->staff_day_minutes = DG_NONE;
    s->max_reject_rate = 1000;
    char *buf = NULL;
    size_t len = 0;
    DgJson *root = NULL;
    DgStatus st = dg_catalog_read_file(path, &buf, &len, err);
    if (!st)
        st = dg_catalog_json_parse(buf, len, path, &root, err);
    free(buf);
    if (!st) {
        Ld l = {.s = s, .err = err, .file = path, .no_registry = no_registry};
        st = load(&l, root);
    }
    dg_catalog_json_free(root);
    if (st) {
        dg_scheme_free(s);
        return st;
    }
    *out = s;
    return DG_OK;
}

void dg_scheme_free(DgScheme *s)
{
    if (!s)
        return;
    if (s->index) {
        dg_catalog_arena_free(&s->index->arena);
        dg_intern_free(s->index->unit_ids);
        dg_intern_free(s->index->codes);
        dg_intern_free(s->index->categories);
        free(s->index);
    }
    free(s->path);
    free(s->catalog);
    free(s->code_first);
    free(s->code_nrows);
    free(s->units);
    free(s->indicator_values);
    free(s->pool_unit);
    free(s->pool_row);
    free(s->advanced);
    dg_registry_free(s->registry);
    free(s);
}
