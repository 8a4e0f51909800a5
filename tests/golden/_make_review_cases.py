#!/usr/bin/env python3
"""Writes the golden cases of `dangliang explain` and `dangliang diff`.

Nothing here runs the engine.  The explain expectations are typed from the
hand computation of tests/golden/run_basic/README.md (each number's origin is
in the comment beside it; the exact fractions were worked out with Python's
Fraction as a calculator).  The diff expectations come from an independent
re-derivation of the method of docs/cli.md ("main cause") with exact
Fractions over the hand-computed workloads, Q and A of each case's README.
Run it once to (re)create the case folders; the folders are committed.
"""
import hashlib
import json
import pathlib
from fractions import Fraction as F

from _golden_case import write_case

ROOT = pathlib.Path(__file__).resolve().parent
RUN = "$DG run --scheme ../_pay/scheme.json --out $OUT/run --no-bom --threads 2 ../run_basic/log.csv > /dev/null"


def write(case, cmd, stdout=None, exit_code=None, stderr_contains=None, files=None):
    write_case(ROOT, case, cmd, stdout=stdout, exit_code=exit_code, stderr_contains=stderr_contains, files=files)


# ---- explain: text layout helpers (the layout docs/cli.md shows) -------------------------------------

IT = "  %-18s %9s %9s %11s %13s %17s  %s"
VER = "    %-16s %9s %9s %11s %13s %17s  (split derived from quantity and workload)"
IND = "  %-16s %6s %6s %10s %10s %11s %12s  %s"
STAFF = "    %-12s %13s  share %s  %12s"
POOLS_HEAD = ("4. Pools: C = W × Q × A; share = B × C / ΣC; every unit gets its floor, the fen left over go one "
              "each to the largest remainders")
CHECK = ("check: recomputed %d payouts in %d pools and %d staff amounts; all equal the run's payouts.csv, units.csv "
         "and staff.csv")


def head(uid, name, kind, comm, county, tier, tags):
    return [f"dangliang explain: unit {uid} {name}",
            "run $OUT/run: scheme golden-pay (../_pay/scheme.json), period 2020-01-01 to 2020-12-31",
            f"unit: {kind}, community {comm}, county {county}, tier {tier}, tags {tags}",
            "", f"1. Items and workload W (items.csv; equivalents of tier {tier})",
            IT % ("item", "quantity", "audited", "equivalent", "raw workload", "audited workload", "name")]


def quality_head():
    return ["", "2. Quality Q (质量系数)", "  a = achievement, half-up to 6 decimals; points = weight × a",
            IND % ("indicator", "weight", "better", "target", "value", "achievement", "points", "how")]


def pool_block(pid, name, budget_yuan, budget_fen, n, w, q, a, c, sum_c, share_line, floor, floors, remainder_line,
               payout_line, weight, price, staff):
    L = ["", f"pool {pid} {name}: budget B = {budget_yuan} yuan = {budget_fen} fen, {n} units in scope",
         f"  W in pool       {w}",
         f"  C = W × Q × A   {w} × {q} × {a} = {c}",
         f"  ΣC of the pool  {sum_c} (every unit's C from payouts.csv)",
         f"  share = B × C / ΣC = {budget_fen} × {c} / {sum_c}",
         f"                  = {share_line}",
         f"  floor           {floor} fen",
         f"  left over       B − Σ floors of the pool = {budget_fen} − {floors} = {budget_fen - floors} fen",
         f"  remainder       {remainder_line}",
         f"  payout          {payout_line}",
         f"  weight C/ΣC     {weight}; unit price B/ΣC {price} yuan per equivalent",
         "  staff split by audited workload in the pool (largest remainder, ties by staff_id):"]
    L += [STAFF % s for s in staff]
    return L


def explain_a1():
    L = head("A1", "定海区城东街道社区卫生服务中心", "center", "定海区医共体", "定海区", 1, "(none)")
    # README: r1 MED-VISIT ×10 = 10; r2, r3 PH-HTN-FU 1.7 each; r4 PH-ID-REPORT on 2020-05-26 = 3 (raised row)
    L += [IT % ("MED-VISIT", 10, 10, "1.0000", "10.0000", "10.0000", "门诊诊疗"),
          IT % ("PH-HTN-FU", 2, 2, "1.7000", "3.4000", "3.4000", "高血压患者随访"),
          IT % ("PH-ID-REPORT", 1, 1, "2 versions", "3.0000", "3.0000", "传染病报告"),
          # two versions 2 and 3: q1 + q2 = 1, 2·q1 + 3·q2 = 3 -> q1 = 0, q2 = 1
          VER % ("to 2020-05-25", 0, 0, "2.0000", "0.0000", "0.0000"),
          VER % ("from 2020-05-26", 1, 1, "3.0000", "3.0000", "3.0000"),
          "  W = 16.4000 audited (raw 16.4000); 4 rows accepted, 0 flagged"]
    L += quality_head()
    # signing 0.40/0.40 = 1; wait 1.5 <= 2 -> 1; Q raw = 1 >= full_at 0.9
    L += [IND % ("signing_rate", 60, "higher", "0.400000", "0.400000", "1.000000", "60.000000", "value >= target: 1"),
          IND % ("wait_days", 40, "lower", "2.000000", "1.500000", "1.000000", "40.000000", "value <= target: 1"),
          "  Q raw = Σ points / Σ weights = 100.000000 / 100 = 1.0000 (half-up to 4 decimals)",
          "  Q raw 1.0000 >= full_at 0.9000: Q = 1.0000",
          "  Q = 1.0000",
          "", "3. Adjustment A (调整系数)", "  no tags: A = 1.0000",
          "", POOLS_HEAD]
    # phs: 100000 × 6.4 / 21.09515 = 12800000000/421903 = 30338 + 306786/421903 (0.727 in the README, rank 1)
    L += pool_block("phs", "基本公共卫生服务经费", "1000.00", 100000, 6, "6.4000", "1.0000", "1.0000",
                    "6.400000000000", "21.095150000000", "30338.727148183… fen = 30338 + 306786/421903", 30338,
                    99998, "0.727148183… (306786/421903), rank 1 of 6: wins 1 fen",
                    "30338 + 1 = 30339 fen = 303.39 yuan", "0.30338727", "47.4043",
                    # 30339 fen over S1 3 and S2 3.4 (README staff section)
                    [("S1", "3.0000", "0.46875000", "142.21"), ("S2", "3.4000", "0.53125000", "161.18")])
    L += ["", "pool med_ds 嵊泗县基本医疗: A1 is not in its scope"]
    # dh_comm: 1 fen, C = 3, 0, 3: shares 0.5, 0, 0.5, tie A1/A3 -> A1
    L += pool_block("dh_comm", "定海医共体传染病报告", "0.01", 1, 3, "3.0000", "1.0000", "1.0000", "3.000000000000",
                    "6.000000000000", "0.5 fen = 0 + 1/2", 0, 0,
                    "0.5 (1/2), rank 1 of 3, tied with A3 (ties go to the smaller unit_id): wins 1 fen",
                    "0 + 1 = 1 fen = 0.01 yuan", "0.50000000", "0.0017", [("S1", "3.0000", "1.00000000", "0.01")])
    # visits: A1 10, B2 0, C1 5 × 0 -> A1 gets all 30000 fen
    L += pool_block("visits", "门诊诊疗专项", "300.00", 30000, 3, "10.0000", "1.0000", "1.0000", "10.000000000000",
                    "10.000000000000", "30000 fen exactly", 30000, 30000, "0: no extra fen",
                    "30000 fen = 300.00 yuan", "1.00000000", "30.0000", [("S1", "10.0000", "1.00000000", "300.00")])
    L += ["", "5. Payout", "  303.39 (phs) + 0.01 (dh_comm) + 300.00 (visits) = 603.40 yuan", "",
          # phs 6 + dh_comm 3 + visits 3 payouts; staff phs S1, S2, dh_comm S1, visits S1
          CHECK % (12, 3, 4)]
    return "\n".join(L) + "\n"


def explain_c1():
    L = head("C1", "普陀区东港街道社区卫生服务中心", "center", "普陀区医共体", "普陀区", 1, "(none)")
    # r15 MED-VISIT ×5 = 5; r16 PH-HTN-FU 1.7
    L += [IT % ("MED-VISIT", 5, 5, "1.0000", "5.0000", "5.0000", "门诊诊疗"),
          IT % ("PH-HTN-FU", 1, 1, "1.7000", "1.7000", "1.7000", "高血压患者随访"),
          "  W = 6.7000 audited (raw 6.7000); 2 rows accepted, 0 flagged"]
    L += quality_head()
    # signing 0.20/0.40 = 0.5 -> 30 points; wait 4.0 > 2.0 -> 2/4 = 0.5 -> 20 points; 0.5 < floor 0.6
    L += [IND % ("signing_rate", 60, "higher", "0.400000", "0.200000", "0.500000", "30.000000",
                 "value / target = 0.200000 / 0.400000"),
          IND % ("wait_days", 40, "lower", "2.000000", "4.000000", "0.500000", "20.000000",
                 "target / value = 2.000000 / 4.000000"),
          "  Q raw = Σ points / Σ weights = 50.000000 / 100 = 0.5000 (half-up to 4 decimals)",
          "  Q raw 0.5000 < floor 0.6000: not eligible, Q = 0.0000",
          "  Q = 0.0000",
          "", "3. Adjustment A (调整系数)", "  no tags: A = 1.0000",
          "", POOLS_HEAD]
    # phs: W 1.7, C = 0; the pool's floors still add to 99998 (README)
    L += pool_block("phs", "基本公共卫生服务经费", "1000.00", 100000, 6, "1.7000", "0.0000", "1.0000",
                    "0.000000000000", "21.095150000000", "0 fen exactly", 0, 99998, "0: no extra fen",
                    "0 fen = 0.00 yuan", "0.00000000", "47.4043", [("S1", "1.7000", "1.00000000", "0.00")])
    L += ["", "pool med_ds 嵊泗县基本医疗: C1 is not in its scope",
          "", "pool dh_comm 定海医共体传染病报告: C1 is not in its scope"]
    # visits: W 5, C = 0; A1 takes 30000
    L += pool_block("visits", "门诊诊疗专项", "300.00", 30000, 3, "5.0000", "0.0000", "1.0000", "0.000000000000",
                    "10.000000000000", "0 fen exactly", 0, 30000, "0: no extra fen", "0 fen = 0.00 yuan",
                    "0.00000000", "30.0000", [("S1", "5.0000", "1.00000000", "0.00")])
    L += ["", "5. Payout", "  0.00 (phs) + 0.00 (visits) = 0.00 yuan", "", CHECK % (9, 2, 2)]
    return "\n".join(L) + "\n"


def explain_b1_json():
    def pool_out(pid, name, budget, fen, n):
        return {"id": pid, "name": name, "budget": budget, "budget_fen": fen, "units_in_scope": n, "in_scope": False}

    doc = {
        "run": {"dir": "$OUT/run", "scheme_id": "golden-pay", "scheme_file": "../_pay/scheme.json",
                "period_from": "2020-01-01", "period_to": "2020-12-31"},
        "unit": {"id": "B1", "name": "嵊泗县花鸟乡卫生院", "kind": "township", "community": "嵊泗县医共体",
                 "county": "嵊泗县", "tier": 3, "tags": ["island", "remote"]},
        # r10 HOME-VISIT tier-3 = 9; r11 MED-VISIT ×2 = 2; r12 PH-HTN-FU ×2 = 3.4
        "items": [
            {"item_code": "HOME-VISIT", "item_name": "出诊", "category": "medical", "quantity": 1,
             "audited_quantity": 1, "raw_workload": "9.0000", "audited_workload": "9.0000", "equivalent": "9.0000"},
            {"item_code": "MED-VISIT", "item_name": "门诊诊疗", "category": "medical", "quantity": 2,
             "audited_quantity": 2, "raw_workload": "2.0000", "audited_workload": "2.0000", "equivalent": "1.0000"},
            {"item_code": "PH-HTN-FU", "item_name": "高血压患者随访", "category": "public_health", "quantity": 2,
             "audited_quantity": 2, "raw_workload": "3.4000", "audited_workload": "3.4000", "equivalent": "1.7000"}],
        "workload": {"raw": "14.4000", "audited": "14.4000", "rows_accepted": 3, "rows_flagged": 0, "flags": []},
        # signing 0.38/0.40 = 0.95 -> 57; wait 2.0 <= 2.0 -> 1 -> 40; 0.97 >= full_at 0.90 -> 1
        "quality": {
            "section": True,
            "indicators": [
                {"id": "signing_rate", "name": "家庭医生签约覆盖率", "weight": 60, "better": "higher",
                 "target": "0.400000", "value": "0.380000", "achievement": "0.950000",
                 "how": "value / target = 0.380000 / 0.400000", "points": "57.000000"},
                {"id": "wait_days", "name": "平均预约等待天数", "weight": 40, "better": "lower", "target": "2.000000",
                 "value": "2.000000", "achievement": "1.000000", "how": "value <= target: 1", "points": "40.000000"}],
            "weights": 100, "points": "97.000000", "q_raw": "0.9700", "floor": "0.6000", "full_at": "0.9000",
            "rule": "full_at", "q": "1.0000"},
        # island 1.1 × remote 1.05 = 1.155
        "adjustment": {"tags": [{"tag": "island", "factor": "1.1000"}, {"tag": "remote", "factor": "1.0500"}],
                       "factors": 2, "product": "1.15500000", "a": "1.1550"},
        "pools": [
            # phs: C = 3.4 × 1 × 1.155 = 3.927; 100000 × 3.927 / 21.09515 = 18615 + 275655/421903 (0.653, 2nd)
            {"id": "phs", "name": "基本公共卫生服务经费", "budget": "1000.00", "budget_fen": 100000,
             "units_in_scope": 6, "in_scope": True, "workload": "3.4000", "quality": "1.0000",
             "adjustment": "1.1550", "corrected": "3.927000000000", "sum_corrected": "21.095150000000",
             "share": "18615.653361080…", "share_floor_fen": 18615, "share_remainder": "275655/421903",
             "remainder": "0.653361080…", "floors_fen": 99998, "leftover_fen": 2, "remainder_rank": 2,
             "tied_with": [], "won_fen": True, "payout_fen": 18616, "payout": "186.16", "weight": "0.18615653",
             "unit_price": "47.4043",
             "staff": [{"staff_id": "S2", "workload": "3.4000", "share": "1.00000000", "amount": "186.16"}]},
            # med_ds: C = 11 × 1.155 = 12.705; 50000 × 12.705 / 18.9525 = 33518 + 2/361 (0.0055 < B2's 0.9945)
            {"id": "med_ds", "name": "嵊泗县基本医疗", "budget": "500.00", "budget_fen": 50000,
             "units_in_scope": 2, "in_scope": True, "workload": "11.0000", "quality": "1.0000",
             "adjustment": "1.1550", "corrected": "12.705000000000", "sum_corrected": "18.952500000000",
             "share": "33518.005540166…", "share_floor_fen": 33518, "share_remainder": "2/361",
             "remainder": "0.005540166…", "floors_fen": 49999, "leftover_fen": 1, "remainder_rank": 2,
             "tied_with": [], "won_fen": False, "payout_fen": 33518, "payout": "335.18", "weight": "0.67036011",
             "unit_price": "26.3817",
             "staff": [{"staff_id": "S1", "workload": "11.0000", "share": "1.00000000", "amount": "335.18"}]},
            pool_out("dh_comm", "定海医共体传染病报告", "0.01", 1, 3),
            pool_out("visits", "门诊诊疗专项", "300.00", 30000, 3)],
        "payout": "521.34",
        # phs 6 + med_ds 2 payouts; one staff member in each pool
        "check": {"ok": True, "pools": 2, "payouts": 8, "staff_amounts": 2, "mismatches": []}}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# ---- diff: an independent re-derivation of the method in docs/cli.md ----------------------------

CAUSES = ["budget", "scope", "appeals", "workload", "catalog", "quality", "adjustment", "rounding"]


def half_up(fr):  # fr >= 0
    return (2 * fr.numerator + fr.denominator) // (2 * fr.denominator)


def allocate(budget, c):
    """Largest remainder, ties by unit_id: {unit: fen}."""
    s = sum(c.values())
    if budget == 0 or s == 0:
        return {u: 0 for u in c}
    sh = {u: F(budget) * c[u] / s for u in c}
    pay = {u: sh[u].numerator // sh[u].denominator for u in c}
    left = budget - sum(pay.values())
    for u in sorted(c, key=lambda u: (-(sh[u] - pay[u]), u))[:left]:
        pay[u] += 1
    return pay


def attribute(ba, bb, units):
    """units: {id: dict(in_a, in_b, wa, wmid, wb, qa, qb, aa, ab, pa, pb, [ra, rb])} with W, Q, A as Fractions;
    ra / rb: workload the appeals of run A / B restored (default 0).  States: A, budget, scope, appeals
    (wa + rb - ra), workload (wmid), catalog (wb), quality, adjustment."""
    for x in units.values():
        x["wapp"] = x["wa"] + x.get("rb", 0) - x.get("ra", 0)
        if not x["in_a"]:
            x["wa"] = x["wapp"] = x["wmid"] = x["wb"]; x["qa"] = x["qb"]; x["aa"] = x["ab"]
        if not x["in_b"]:
            x["wapp"] = x["wmid"] = x["wb"] = x["wa"]; x["qb"] = x["qa"]; x["ab"] = x["aa"]

    def c(x, s, own=None):
        inn = x["in_a"] if s < 2 else x["in_b"]
        w = [x["wa"], x["wa"], x["wa"], x["wapp"], x["wmid"], x["wb"], x["wb"], x["wb"]][s]
        q = x["qa"] if s < 6 else x["qb"]
        a = x["aa"] if s < 7 else x["ab"]
        return w * q * a if inn else F(0)

    N = 8
    budget = [ba] + [bb] * (N - 1)
    sums = [sum(c(x, s) for x in units.values()) for s in range(N)]

    def share(b, cu, sc):
        return F(b) * cu / sc if sc else F(0)

    out = {}
    for u, x in units.items():
        sh = [share(budget[s], c(x, s), sums[s]) for s in range(N)]
        r = [half_up(v * 100) for v in sh]
        eff = [sh[s] - sh[s - 1] for s in range(1, N)]
        delta = x["pb"] - x["pa"]
        eff.append(F(delta) - (sh[N - 1] - sh[0]))
        shown = [r[s] - r[s - 1] for s in range(1, N)] + [delta * 100 - (r[N - 1] - r[0])]
        best = None
        for k, e in enumerate(eff):
            if e != 0 and (best is None or abs(e) > abs(eff[best])):
                best = k
        cause = "none" if best is None else CAUSES[best]
        frm = ""
        if best is not None and 1 <= best <= 6:
            s = best + 1
            alt = sums[s - 1] - c(x, s - 1) + c(x, s)
            mid = share(budget[s], c(x, s), alt)
            own, others = mid - sh[s - 1], sh[s] - mid
            frm = "others" if abs(others) > abs(own) else "own"
        out[u] = (shown, cause, frm)
    return out


def fmt(v, scale):  # v: integer in units of 10^-scale
    sign = "-" if v < 0 else ""
    v = abs(v)
    return f"{sign}{v // 10**scale}.{v % 10**scale:0{scale}d}"


def dec(fr, scale):  # exact Fraction with at most `scale` decimals -> integer
    v = fr * 10**scale
    assert v.denominator == 1
    return v.numerator


DIFF_HEADER = ("pool_id,pool_name,unit_id,unit_name,status,payout_a,payout_b,change,workload_a,workload_b,"
               "workload_change,quality_a,quality_b,quality_change,adjustment_a,adjustment_b,adjustment_change,"
               "effect_budget,effect_scope,effect_appeals,effect_workload,effect_catalog,effect_version_mix,"
               "effect_quality,effect_adjustment,effect_rounding,main_cause,cause_from\n")


INPUT_ROLES = ["scheme", "catalog", "units", "indicators", "appeals", "registry", "logs"]


def scheme_files(scheme, logs):
    """The files of a run by role, as the case folder names them: the scheme JSON, the files it
    references (relative to it) and the logs."""
    sp = ROOT / scheme
    doc = json.loads(sp.read_text())
    files = {"scheme": [sp], "logs": [ROOT / p for p in logs]}
    for role in ("catalog", "units", "indicators", "appeals", "registry"):
        files[role] = [sp.parent / doc[role]] if role in doc else []
    return files


def inputs_line(files_a, files_b):
    """Which inputs differ, by their bytes (SHA-256 of the files themselves, not the engine's manifest)."""
    def digest(paths):
        return sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in paths)
    changed = [r for r in INPUT_ROLES if digest(files_a[r]) != digest(files_b[r])]
    same = [r for r in INPUT_ROLES if r not in changed]
    parts = [", ".join(changed) + " changed"] if changed else []
    parts += [", ".join(same) + " the same"] if same else []
    return "inputs (SHA-256 in manifest.json): " + "; ".join(parts), "catalog" not in changed


def diff_case(pools, names, run_a_scheme, run_b_scheme, files_a, files_b, top=20):
    """pools: list of (id, name, budget_a, budget_b, {unit: dict(in_a, in_b, wa, wmid, wb, qa, qb, aa, ab)}).
    files_a, files_b: scheme_files() of each run.  With the same catalog file, the catalog step is a
    shift in the mix of catalog versions: its effect and cause are reported as version_mix."""
    line, catalog_same = inputs_line(files_a, files_b)
    rows = []
    for k, (pid, pname, ba, bb, units) in enumerate(pools):
        ca = {u: x["wa"] * x["qa"] * x["aa"] for u, x in units.items() if x["in_a"]}
        cb = {u: x["wb"] * x["qb"] * x["ab"] for u, x in units.items() if x["in_b"]}
        pa, pb = allocate(ba, ca), allocate(bb, cb)
        for u, x in units.items():
            x["pa"], x["pb"] = pa.get(u, 0), pb.get(u, 0)
        shown_units = {u: dict(x) for u, x in units.items()}
        res = attribute(ba, bb, {u: dict(x) for u, x in units.items()})
        for u, (shown, cause, frm) in res.items():
            # shown: budget, scope, appeals, workload, catalog, quality, adjustment, rounding
            # -> version_mix after catalog
            mix = shown[4] if catalog_same else 0
            shown = shown[:4] + [shown[4] - mix, mix] + shown[5:]
            res[u] = (shown, "version_mix" if catalog_same and cause == "catalog" else cause, frm)
        for u in sorted(units):
            rows.append((k, pid, pname, u, shown_units[u], res[u]))
    rows.sort(key=lambda r: (-abs(r[4]["pb"] - r[4]["pa"]), r[0], r[3]))
    csv = DIFF_HEADER
    for k, pid, pname, u, x, (shown, cause, frm) in rows:
        ia, ib = x["in_a"], x["in_b"]
        status = "both" if ia and ib else "added" if ib else "removed"
        cells = [pid, pname, u, names[u], status,
                 fmt(x["pa"], 2) if ia else "", fmt(x["pb"], 2) if ib else "", fmt(x["pb"] - x["pa"], 2),
                 fmt(dec(x["wa"], 4), 4) if ia else "", fmt(dec(x["wb"], 4), 4) if ib else "",
                 fmt(dec((x["wb"] if ib else 0) - (x["wa"] if ia else 0), 4), 4),
                 fmt(dec(x["qa"], 4), 4) if ia else "", fmt(dec(x["qb"], 4), 4) if ib else "",
                 fmt(dec(x["qb"] - x["qa"], 4), 4) if ia and ib else "",
                 fmt(dec(x["aa"], 4), 4) if ia else "", fmt(dec(x["ab"], 4), 4) if ib else "",
                 fmt(dec(x["ab"] - x["aa"], 4), 4) if ia and ib else ""]
        cells += [fmt(e, 4) for e in shown] + [cause, frm]
        csv += ",".join(cells) + "\n"
    # terminal table
    T = ["dangliang diff", f"A: $OUT/a  scheme {run_a_scheme}, 2020-01-01 to 2020-12-31",
         f"B: $OUT/b  scheme {run_b_scheme}, 2020-01-01 to 2020-12-31", line, ""]
    P = "%-14s %14s %14s %14s %8s %8s  %s"
    T.append(P % ("pool", "budget A", "budget B", "change", "units A", "units B", "name"))
    for pid, pname, ba, bb, units in pools:
        T.append(P % (pid, fmt(ba, 2), fmt(bb, 2), ("+" if bb >= ba else "") + fmt(bb - ba, 2),
                      sum(x["in_a"] for x in units.values()), sum(x["in_b"] for x in units.values()), pname))
    changed = [r for r in rows if r[4]["pb"] != r[4]["pa"]]
    T.append("")
    show = changed[:top] if top else changed
    T.append(f"{len(rows)} pool × unit rows, {len(changed)} with a changed payout; "
             f"{'the largest' if len(show) < len(changed) else 'largest first'}:")
    R = "%-14s %-12s %12s %12s %12s  %-19s %s"
    T.append(R % ("pool", "unit", "payout A", "payout B", "change", "main cause", "name"))
    for k, pid, pname, u, x, (shown, cause, frm) in show:
        d = x["pb"] - x["pa"]
        T.append(R % (pid, u, fmt(x["pa"], 2) if x["in_a"] else "-", fmt(x["pb"], 2) if x["in_b"] else "-",
                      ("+" if d >= 0 else "") + fmt(d, 2), cause + (f" ({frm})" if frm else ""), names[u]))
    ta = sum(r[4]["pa"] for r in rows)
    tb = sum(r[4]["pb"] for r in rows)
    T.append("%-14s %-12s %12s %12s %12s  (all %d rows)" % ("total", "", fmt(ta, 2), fmt(tb, 2),
                                                            ("+" if tb >= ta else "") + fmt(tb - ta, 2), len(rows)))
    if any(r[5][1] == "version_mix" for r in rows):
        T.append("version_mix: the catalog file is the same in both runs; an item whose equivalent changes during "
                 "the period was delivered more in one version's dates than before, so its average equivalent moved")
    T.append("every row with the effect of each cause: $OUT/diff.csv")
    return csv, "\n".join(T) + "\n"


NAMES = {"A1": "定海区城东街道社区卫生服务中心", "A2": "定海区金塘镇卫生院", "A3": "定海区盐仓街道社区卫生服务中心",
         "B1": "嵊泗县花鸟乡卫生院", "B2": "嵊泗县黄龙乡卫生院", "C1": "普陀区东港街道社区卫生服务中心"}
# run_basic (README): Q and A per unit
QA = {"A1": (F("1"), F("1")), "A2": (F("0.86"), F("1.1")), "A3": (F("1"), F("1")), "B1": (F("1"), F("1.155")),
      "B2": (F("0.85"), F("1.05")), "C1": (F("0"), F("1"))}


def unit(in_a, in_b, wa, wb, wmid=None, qa=None, qb=None, u=None):
    q, a = QA[u]
    return dict(in_a=in_a, in_b=in_b, wa=F(wa), wb=F(wb), wmid=F(wmid if wmid is not None else wb),
                qa=q if qa is None else F(qa), qb=q if qb is None else F(qb), aa=a, ab=a)


RUN_A_FILES = scheme_files("_pay/scheme.json", ["run_basic/log.csv"])


def run_basic_pools():
    """Pool workloads of run_basic (README), as (id, name, budget fen, {unit: W})."""
    return [("phs", "基本公共卫生服务经费", 100000,
             {"A1": "6.4", "A2": "3.4", "A3": "3", "B1": "3.4", "B2": "5.1", "C1": "1.7"}),
            ("med_ds", "嵊泗县基本医疗", 50000, {"B1": "11", "B2": "7"}),
            ("dh_comm", "定海医共体传染病报告", 1, {"A1": "3", "A2": "0", "A3": "3"}),
            ("visits", "门诊诊疗专项", 30000, {"A1": "10", "B2": "0", "C1": "5"})]


def diff_whatif():
    # B: phs budget 1100.00; A2 signing 0.40 -> a = 1, Q raw (60 + 32)/100 = 0.92 >= full_at 0.90 -> 1.0000.
    pools = []
    for pid, name, b, ws in run_basic_pools():
        bb = 110000 if pid == "phs" else b
        units = {u: unit(True, True, w, w, u=u, qb="1" if u == "A2" else None) for u, w in ws.items()}
        pools.append((pid, name, b, bb, units))
    csv, out = diff_case(pools, NAMES, "golden-pay", "golden-pay-whatif", RUN_A_FILES,
                         scheme_files("diff_whatif/scheme_b.json", ["run_basic/log.csv"]))
    # quality block: only A2's Q changes; signing_rate a 0.36/0.40 = 0.9 -> 1, part = 60 x 0.1 / 100
    qb = ("\nquality: 1 unit with a changed Q, and the indicator that moved it most "
          "(its part of the change = weight × Δa / Σ weights):\n"
          + "%-12s %7s %7s  %-18s %-28s %-28s %10s\n" % ("unit", "Q A", "Q B", "indicator", "a A", "a B", "part of ΔQ")
          + "%-12s %7s %7s  %-18s %-28s %-28s %10s\n" % ("A2", "0.8600", "1.0000", "signing_rate", "0.900000",
                                                          "1.000000", "+0.060000"))
    tail = "every row with the effect of each cause: $OUT/diff.csv\n"
    return csv, out[:-len(tail)] + qb + tail


def diff_period():
    # B: PH-HTN-FU 1.7 -> 2.0; B2's r14 quantity 3 -> 4; visits scope A1, C1, A2 (B2 out, A2 in).
    # phs W_b: A1 2×2 + 3 = 7; A2 4; A3 3; B1 4; B2 4×2 = 8; C1 2.
    # W_mid = B's quantities at A's equivalents: B2 round(4 × 5.1 / 3) = 6.8, the others as in A.
    phs_b = {"A1": ("7", "6.4"), "A2": ("4", "3.4"), "A3": ("3", "3"), "B1": ("4", "3.4"), "B2": ("8", "6.8"),
             "C1": ("2", "1.7")}
    pools = []
    for pid, name, b, ws in run_basic_pools():
        if pid == "phs":
            units = {u: unit(True, True, w, phs_b[u][0], phs_b[u][1], u=u) for u, w in ws.items()}
        elif pid == "visits":
            # A2 enters with MED-VISIT ×4 = 4 (its run-B values); B2 leaves with W 0
            units = {"A1": unit(True, True, "10", "10", u="A1"), "A2": unit(False, True, "0", "4", u="A2"),
                     "B2": unit(True, False, "0", "0", u="B2"), "C1": unit(True, True, "5", "5", u="C1")}
        else:
            units = {u: unit(True, True, w, w, u=u) for u, w in ws.items()}
        pools.append((pid, name, b, b, units))
    return diff_case(pools, NAMES, "golden-pay", "golden-pay-h2", RUN_A_FILES,
                     scheme_files("diff_period/scheme_b.json", ["diff_period/log_b.csv"]))


def diff_mix():
    # B: the same scheme and catalog; log_b.csv moves r7 (A3, PH-ID-REPORT) from 2020-05-25 to
    # 2020-05-26, from the catalog row with equivalent 2 to the one with 3.  A3's W in phs and in
    # dh_comm (PH-ID-*): REPORT 3 + EMERG 1 = 4 (was 2 + 1 = 3).  W_mid = B's quantities at A's
    # average equivalents per code: REPORT 1 × 2/1 = 2, EMERG 1 -> 3 = W_A: no workload step; the
    # whole W change is the catalog step, which the unchanged catalog file makes a version mix.
    pools = []
    for pid, name, b, ws in run_basic_pools():
        units = {}
        for u, w in ws.items():
            if u == "A3" and pid in ("phs", "dh_comm"):
                units[u] = unit(True, True, w, "4", "3", u=u)
            else:
                units[u] = unit(True, True, w, w, u=u)
        pools.append((pid, name, b, b, units))
    return diff_case(pools, NAMES, "golden-pay", "golden-pay", RUN_A_FILES,
                     scheme_files("_pay/scheme.json", ["diff_mix/log_b.csv"]))


def main():
    write("explain_a1_text", RUN + " && $DG explain --run $OUT/run --unit A1", stdout=explain_a1())
    write("explain_b1_json", RUN + " && $DG explain --run $OUT/run --unit B1 --format json", stdout=explain_b1_json())
    write("explain_c1_text", RUN + " && $DG explain --run $OUT/run --unit C1 --format text", stdout=explain_c1())
    write("explain_e_unknown_unit", RUN + " && $DG explain --run $OUT/run --unit Z9", exit_code=3,
          stderr_contains=['unit "Z9" is not in this run; units.csv lists 6 units (A1, A2, A3, B1, B2, …)'])
    write("explain_e_missing_run", "$DG explain --run $OUT/none --unit A1", exit_code=4,
          stderr_contains=["/none: cannot open the run folder: No such file or directory"])
    write("explain_e_incomplete_run", RUN + " && rm $OUT/run/manifest.json && $DG explain --run $OUT/run --unit A1",
          exit_code=4, stderr_contains=["manifest.json: cannot open", "is incomplete"])
    write("explain_e_usage", "$DG explain --unit A1", exit_code=2, stderr_contains=["--run DIR and --unit ID are required"])
    # the scheme edited after the run: A2's indicator changed -> explain refuses (manifest hash)
    write("explain_e_scheme_changed",
          "cp -r ../_pay $OUT/s && $DG run --scheme $OUT/s/scheme.json --out $OUT/run --threads 2 ../run_basic/log.csv "
          "> /dev/null && sed -i 's/^A2,signing_rate,0.36$/A2,signing_rate,0.37/' $OUT/s/indicators.csv && "
          "$DG explain --run $OUT/run --unit A2", exit_code=3,
          stderr_contains=["indicators.csv: this indicators file is not the one the run used"])
    # a payout edited in the folder (A1 phs 303.39 -> 303.40) and its manifest hash forged: the
    # recomputation disagrees -> exit 5
    write("explain_e_tampered",
          RUN + " && old=$(sha256sum < $OUT/run/payouts.csv | cut -c1-64) && sed -i 's/,303.39$/,303.40/' "
          "$OUT/run/payouts.csv && new=$(sha256sum < $OUT/run/payouts.csv | cut -c1-64) && "
          "sed -i \"s/$old/$new/\" $OUT/run/manifest.json && { $DG explain --run $OUT/run --unit A1 "
          "> $OUT/x.txt; rc=$?; grep -A1 '^check:' $OUT/x.txt; exit $rc; }", exit_code=5,
          stdout=("check: MISMATCH between the recomputation and the run's files:\n"
                  "  payouts.csv: pool phs unit A1: the run paid 303.40, recomputed 303.39\n"),
          stderr_contains=["could not be reproduced (payouts.csv: pool phs unit A1: the run paid 303.40"])
    # the scheme moved away: --scheme points to a byte-identical copy
    write("explain_scheme_option",
          "cp -r ../_pay $OUT/s && $DG run --scheme $OUT/s/scheme.json --out $OUT/run --threads 2 ../run_basic/log.csv "
          "> /dev/null && mv $OUT/s $OUT/moved && $DG explain --run $OUT/run --unit A2 --scheme $OUT/moved/scheme.json "
          "| grep -c '^check: recomputed 9 payouts in 2 pools and 1 staff amounts; all equal'",
          stdout="1\n")
    # items and flags of a unit whose quantities the authenticity checks cut (../audit_check/README.md):
    # FU old version (eq 1, day cap 1, period cap 3): a1 3 -> 1, a2 1 -> 0, a3 1, a4 1, a5 1 -> 0 (4th in
    # the period): 7 raw, 3 audited; new version (eq 2, period cap 5, one running total): a6 2 -> 1,
    # a7 1 -> 0 (6th), a8 2 -> 0: 5 raw, 1 audited.  LECTURE b1 ×2 × 5, no patient, no caps.
    # Day-cap flags a1 (2), a2 (1), a6 (1), a8 (1); period flags a5, a7, a8 (1 each); 6 rows flagged.
    items = "\n".join(["1. Items and workload W (items.csv; equivalents of tier 1)",
                       IT % ("item", "quantity", "audited", "equivalent", "raw workload", "audited workload", "name"),
                       IT % ("FU", 12, 4, "2 versions", "17.0000", "5.0000", "慢病随访"),
                       VER % ("to 2020-06-30", 7, 3, "1.0000", "7.0000", "3.0000"),
                       VER % ("from 2020-07-01", 5, 1, "2.0000", "10.0000", "2.0000"),
                       IT % ("LECTURE", 2, 2, "5.0000", "10.0000", "10.0000", "健康教育讲座"),
                       "  W = 15.0000 audited (raw 27.0000); 9 rows accepted, 6 flagged",
                       "  flagged by over_patient_day: 4 rows, 5 quantity removed (see flags.csv)",
                       "  flagged by over_patient_period: 3 rows, 3 quantity removed (see flags.csv)", ""])
    write("explain_flags",
          "$DG run --scheme ../_audit/scheme.json --out $OUT/run --threads 2 ../audit_review/log.csv > /dev/null && "
          "$DG explain --run $OUT/run --unit U1 | sed -n '/^1. Items/,/^$/p'", stdout=items + "\n")
    # run B's scheme gone: the diff is still made, catalog and workload not separated, and says so
    write("diff_scheme_gone",
          "cp -r ../_pay $OUT/s && $DG run --scheme ../_pay/scheme.json --out $OUT/a --threads 2 ../run_basic/log.csv "
          "> /dev/null && $DG run --scheme $OUT/s/scheme.json --out $OUT/b --threads 2 ../run_basic/log.csv > /dev/null "
          "&& rm -r $OUT/s && $DG diff $OUT/a $OUT/b | grep -c \"^note: run B's scheme cannot be loaded\"",
          stdout="1\n")
    csv, out = diff_whatif()
    write("diff_whatif",
          "$DG run --scheme ../_pay/scheme.json --out $OUT/a --threads 2 ../run_basic/log.csv > /dev/null && "
          "$DG run --scheme scheme_b.json --out $OUT/b --threads 2 ../run_basic/log.csv > /dev/null && "
          "$DG diff $OUT/a $OUT/b --out $OUT/diff.csv --no-bom", stdout=out, files={"diff.csv": csv})
    csv, out = diff_period()
    write("diff_period",
          "$DG run --scheme ../_pay/scheme.json --out $OUT/a --threads 2 ../run_basic/log.csv > /dev/null && "
          "$DG run --scheme scheme_b.json --out $OUT/b --threads 2 log_b.csv > /dev/null && "
          "$DG diff $OUT/a $OUT/b --out $OUT/diff.csv --no-bom", stdout=out, files={"diff.csv": csv})
    csv, out = diff_mix()
    write("diff_mix",
          "$DG run --scheme ../_pay/scheme.json --out $OUT/a --threads 2 ../run_basic/log.csv > /dev/null && "
          "$DG run --scheme ../_pay/scheme.json --out $OUT/b --threads 2 log_b.csv > /dev/null && "
          "$DG diff $OUT/a $OUT/b --out $OUT/diff.csv --no-bom", stdout=out, files={"diff.csv": csv})
    # run A without appeals, run B the same data with appeals_review.csv (../_appeal/README.md section 3):
    # U1's W goes 3 -> 5 because its appeals restored 2 (summary.json of run B), so the change is "appeals"
    one = F(1)
    def u_(wa, wb, rb=0):
        return dict(in_a=True, in_b=True, wa=F(wa), wb=F(wb), wmid=F(wb), qa=one, qb=one, aa=one, ab=one, rb=F(rb))
    csv, out = diff_case([("all", "全部服务", 10000, 10000, {"U1": u_(3, 5, 2), "U2": u_(10, 10), "U3": u_(2, 2)})],
                         {"U1": "一号卫生院", "U2": "二号卫生院", "U3": "三号卫生室"},
                         "golden-appeal-review", "golden-appeal-review",
                         scheme_files("_appeal/scheme_noappeals.json", ["_appeal/log.csv"]),
                         scheme_files("_appeal/scheme_review.json", ["_appeal/log.csv"]))
    write("diff_appeals",
          "$DG run --scheme ../_appeal/scheme_noappeals.json --out $OUT/a --threads 2 ../_appeal/log.csv > /dev/null && "
          "$DG run --scheme ../_appeal/scheme_review.json --out $OUT/b --threads 2 ../_appeal/log.csv > /dev/null && "
          "$DG diff $OUT/a $OUT/b --out $OUT/diff.csv --no-bom", stdout=out, files={"diff.csv": csv})
    write("diff_e_usage", "$DG diff only_one_dir", exit_code=2, stderr_contains=["give exactly two run folders"])
    write("diff_e_missing_run", RUN + " && $DG diff $OUT/run $OUT/none", exit_code=4,
          stderr_contains=["/none: cannot open the run folder: No such file or directory"])


if __name__ == "__main__":
    main()
