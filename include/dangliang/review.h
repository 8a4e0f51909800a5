/*
 * Reviewing finished runs: `dangliang explain` (every number of one unit,
 * step by step) and `dangliang diff` (what changed between two runs, and
 * why).
 *
 * Design: a run folder is the source of truth.  Both commands read its
 * outputs (payouts.csv, units.csv, items.csv, staff.csv, flags.csv,
 * summary.json, manifest.json) and recompute from them with the same
 * library functions the run used — never from floating point — and check
 * that the recomputation gives the payouts the folder holds: a mismatch is
 * DG_E_INTERNAL, the same class as a failed self-check in `run`.
 * payouts.csv's audited_workload, quality and adjustment columns are exact
 * (4 decimals of exact 10^-4 integers), so C = W × Q × A and the whole
 * largest-remainder allocation of a pool can be redone from them.
 *
 * `explain` also loads the run's scheme (for indicator values, targets,
 * tags, factors and catalog versions) and first checks its SHA-256 against
 * manifest.json, so it never explains a run with a scheme edited since.
 *
 * `diff` attributes each (pool, unit) payout change to one main cause by a
 * sequential, exact decomposition (see dg_review_attribute).
 *
 * The library never prints: results come back as text or structures.
 */
#ifndef DANGLIANG_REVIEW_H
#define DANGLIANG_REVIEW_H

#include "dangliang/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- explain -------------------------------------------------------------- */

typedef struct DgExplainOptions {
    const char *run_dir;     /* the run's --out folder */
    const char *unit_id;     /* unit to explain */
    const char *scheme_path; /* NULL: the path recorded in summary.json (relative to the current directory) */
    bool json;               /* JSON (decimals as strings) instead of text */
} DgExplainOptions;

/* Explain one unit of a finished run: items and the equivalents in force,
 * workload W, each indicator's achievement and points, Q with the floor /
 * full_at rule, A with its tags, and per pool C, ΣC, the exact share, its
 * floor, remainder, rank and whether it won a remainder fen, the payout
 * and the staff split; then a check that every recomputed payout of the
 * unit's pools (all their units) and staff amounts equals the folder's.
 *
 * On DG_OK *text (malloc'd, caller frees) holds the explanation.
 * Errors: DG_E_IO (run folder or one of its files missing or damaged, the
 * scheme unreadable), DG_E_CONFIG (unknown unit; the scheme differs from
 * the one in manifest.json), DG_E_INTERNAL (the recomputation does not
 * match the folder — *text is then still set, so the caller can show what
 * was compared).  Thread safety: reentrant. */
DgStatus dg_review_explain(const DgExplainOptions *opt, char **text, DgError *err);

/* ---- cause attribution ---------------------------------------------------- */

/* Causes in the order of the sequential decomposition (ties go to the
 * earlier one); ROUNDING is the residual of the fen rounding. */
typedef enum DgCause {
    DG_CAUSE_NONE = 0,
    DG_CAUSE_BUDGET,
    DG_CAUSE_SCOPE,
    DG_CAUSE_APPEALS,
    DG_CAUSE_WORKLOAD,
    DG_CAUSE_CATALOG,
    DG_CAUSE_QUALITY,
    DG_CAUSE_ADJUSTMENT,
    DG_CAUSE_ROUNDING,
    DG_CAUSE_COUNT
} DgCause;

/* "none", "budget", "scope", "appeals", "workload", "catalog", "quality", "adjustment", "rounding". */
const char *dg_review_cause_name(DgCause c);

/* One unit of a pool in runs A and B. */
typedef struct DgAttrUnit {
    bool in_a, in_b;      /* in the pool's scope (listed in payouts.csv) in run A / run B */
    DgU128 w_a, w_b;      /* audited workload in the pool, 10^-4 */
    DgU128 w_mid;         /* run B's quantities at run A's equivalents, 10^-4 (= w_b when not separated) */
    DgU128 appeal_a, appeal_b; /* workload the appeals of run A / run B restored to the unit in the pool, 10^-4
                                * (summary.json; 0 without appeals) */
    int64_t q_a, q_b;     /* quality Q, 10^-4 */
    int64_t adj_a, adj_b; /* adjustment A, 10^-4 */
    int64_t pay_a, pay_b; /* payout, fen (0 where not in scope) */
} DgAttrUnit;

typedef struct DgAttrResult {
    /* effect[c] for c = BUDGET..ROUNDING (step s is cause s) in 10^-4 yuan (1/100 fen); they add
     * up to (pay_b − pay_a)·100 exactly (see dg_review_attribute). */
    int64_t effect[DG_CAUSE_COUNT];
    DgCause cause;  /* the largest |effect|, exact; NONE when every effect is 0 */
    bool by_others; /* the cause's effect came more from the other units of the pool than from this one */
} DgAttrResult;

/* Decompose every unit's payout change in one pool.
 *
 * With share(X) = B·C_u / ΣC (exact; 0 when ΣC = 0 or u is out of scope)
 * and C = W·Q·A, the state moves from run A to run B one factor at a time,
 * for every unit of the pool at once:
 *   X0 = A;  X1 budget B_b;  X2 scope S_b (a unit entering brings its run-B
 *   W, Q, A);  X3 appeals W_a + appeal_b − appeal_a (what the appeals of
 *   run B restored, less those of run A);  X4 workload W_mid;  X5 catalog
 *   W_b;  X6 quality Q_b;  X7 adjustment A_b = B.
 * effect(step) = share(X_step) − share(X_step−1), exact rationals;
 * rounding = (pay_b − share(X6)) − (pay_a − share(X0)).  They sum to
 * pay_b − pay_a exactly.  The main cause is the largest |effect|,
 * compared exactly; ties go to the earlier step.  Within a step, the part
 * from changing only this unit's own factor first is "own", the rest
 * "others"; by_others says which was larger (own wins ties).
 * Printed effects use cumulative rounding — effect(step) is shown as
 * r(X_step) − r(X_step−1) with r = share·100 rounded half-up — so the
 * printed effects of a row add up exactly to its printed change.
 * A unit in only one run may leave the other side's fields 0: they are
 * taken from the side where it is in scope.  A pool missing from one run
 * is passed as budget 0 there with the other run's units and values, so
 * its whole change is "budget".
 *
 * out[n] is filled.  Errors: DG_E_INTERNAL when a number outgrows the
 * exact arithmetic (beyond anything a run accepts).  Pure; thread-safe. */
DgStatus dg_review_attribute(int64_t budget_a, int64_t budget_b, const DgAttrUnit *units, size_t n,
                             DgAttrResult *out, DgError *err);

/* ---- diff ----------------------------------------------------------------- */

typedef struct DgDiffRow {
    const char *pool_id, *pool_name, *unit_id, *unit_name; /* owned by the DgDiff */
    size_t pool;             /* index in DgDiff.pools */
    DgAttrUnit u;            /* inputs of the attribution (workloads, Q, A, payouts) */
    DgAttrResult r;
} DgDiffRow;

typedef struct DgDiffPool {
    const char *id, *name;
    bool in_a, in_b;
    int64_t budget_a, budget_b;    /* fen */
    size_t units_a, units_b;       /* units in scope */
    bool catalog_split;            /* workload and catalog effects were separated for every unit */
} DgDiffPool;

/* A unit whose final Q changed, and the quality indicator that moved it
 * most: the largest |S_k × (a_k,B − a_k,A)| (weights of run B's scheme).
 * a, N and D are as in each run's quality.csv; -1 when absent/missing. */
typedef struct DgDiffQMove {
    const char *unit_id, *indicator;  /* owned by the DgDiff */
    int64_t q_a, q_b;                 /* final Q, 10^-4 */
    int64_t a_a, a_b;                 /* a_k, 10^-6 */
    int64_t n_a, d_a, n_b, d_b;       /* N and D of a computed indicator */
    int64_t effect;                   /* S_k × Δa_k / Σ S, the indicator's part of the Q change, 10^-6 (0 without weights) */
    size_t n_moved;                   /* indicators whose a_k changed for this unit */
} DgDiffQMove;

typedef struct DgDiff {
    char *dir_a, *dir_b, *scheme_a, *scheme_b; /* scheme ids */
    char *period_a, *period_b;                 /* "from .. to" */
    DgDiffPool *pools; size_t n_pools;         /* run B's order, then pools only in A */
    DgDiffRow *rows; size_t n_rows;            /* sorted by |change| desc, then pool order, then unit_id bytes */
    char *note;                                /* why workload and catalog could not be separated, or NULL */
    DgDiffQMove *qmoves; size_t n_qmoves;      /* units whose Q changed, by unit_id */
    struct DgDiffStore *store;                 /* private */
} DgDiff;

/* Compare two run folders.  Errors: DG_E_IO (a folder or file missing or
 * damaged), DG_E_INTERNAL (a folder's payouts do not follow from its own
 * workloads and coefficients, or the arithmetic outgrew its bounds).
 * run B's scheme is loaded only to know which items each pool pays for
 * (to separate catalog from workload); if it cannot be loaded the diff is
 * still made and `note` says why the two are not separated. */
DgStatus dg_review_diff(const char *dir_a, const char *dir_b, DgDiff **out, DgError *err);

void dg_review_diff_free(DgDiff *d); /* accepts NULL */

/* Every row as CSV (UTF-8 BOM unless no_bom; text cells neutralised
 * against formula injection), written atomically to `path`.  Errors:
 * DG_E_IO. */
DgStatus dg_review_diff_csv(const DgDiff *d, const char *path, bool no_bom, DgError *err);

/* Terminal summary: pools (budget A → B), the `top` largest changes (0 =
 * all) with totals over every row.  Malloc'd; caller frees. */
char *dg_review_diff_table(const DgDiff *d, size_t top);

#ifdef __cplusplus
}
#endif
#endif
