#!/usr/bin/env python3
"""Independent cross-check of dangliang's money path, outside C.

Recomputes every payout of a run from the run's items.csv plus the scheme
(scheme.json, units.csv, catalog.csv, indicators.csv) with exact rational
arithmetic (fractions.Fraction), following docs/methodology.md step by step, and
compares with payouts.csv cell by cell.  Python standard library only.

usage: crosscheck.py SCHEME.json RUN_DIR
"""
import csv
import json
import re
import os
import sys
from fractions import Fraction as F


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    hdr = [h.strip() for h in rows[0]]
    return [dict(zip(hdr, [c.strip() for c in r])) for r in rows[1:] if r]


def dec(v):
    return F(str(v))


def half_up(x, places):
    """Round a non-negative Fraction half-up to `places` decimals, as a Fraction."""
    scale = 10 ** places
    n = x * scale
    q, r = divmod(n.numerator, n.denominator)
    if 2 * r >= n.denominator:
        q += 1
    return F(q, scale)


def fmt(x, places):
    x = half_up(x, places)
    scale = 10 ** places
    n = x * scale
    assert n.denominator == 1
    i, frac = divmod(n.numerator, scale)
    return f"{i}.{frac:0{places}d}" if places else str(i)


DATE = re.compile(r"^\s*(\d{4})([-/])(\d{1,2})\2(\d{1,2})")


def compute_nd(sch, base, units, catalog, run_dir, log_path):
    """N and D of every computed indicator per unit, from the registry, the
    log and the run's rejects.csv / flags.csv (accepted rows and the quantity
    the authenticity checks removed) — independent of the engine's code."""
    code_cats = {}
    for r in catalog:
        code_cats.setdefault(r["item_code"], set()).add(r["category"])
    reg = {}
    for r in read_csv(os.path.join(base, sch["registry"])):
        reg[r["person_id"]] = r
    rejected = {int(r["line"]) for r in read_csv(os.path.join(run_dir, "rejects.csv"))}
    # audited quantity (formats.md, appeals): quantity minus the excess of every flag that is not
    # overturned; under staff_overload "exclude" a row whose staff_overload flag stands keeps 0
    exclude = sch.get("checks", {}).get("staff_overload") == "exclude"
    removed, zeroed = {}, set()
    for r in read_csv(os.path.join(run_dir, "flags.csv")):
        if r.get("appeal") == "overturn":
            continue
        ln = int(r["line"])
        if exclude and r["check"] == "staff_overload":
            zeroed.add(ln)
        removed[ln] = removed.get(ln, 0) + int(r["excess_quantity"])
    # accepted rows: (unit, patient, code, quarter, audited quantity)
    rows = []
    with open(log_path, encoding="utf-8-sig", newline="") as f:
        rd = csv.reader(f)
        header = [h.strip() for h in next(rd)]
        col = {h: i for i, h in enumerate(header)}
        prev = rd.line_num
        for rec in rd:
            start = prev + 1
            prev = rd.line_num
            if not rec or start in rejected:
                continue
            get = lambda k: rec[col[k]].strip() if col.get(k) is not None and col[k] < len(rec) else ""
            m = DATE.match(get("service_date"))
            qty = get("quantity")
            qty = int(qty) if qty not in ("", "null") else 1
            rows.append((get("unit_id"), get("patient_id"), get("item_code"),
                         int(m.group(1)) * 4 + (int(m.group(3)) - 1) // 3,
                         0 if start in zeroed else qty - removed.get(start, 0)))
    out = {}
    for ind in sch["quality"]["indicators"]:
        c = ind.get("compute")
        if not c:
            continue
        of, count, svc = c["of"], c.get("count", []), c.get("services")

        def svc_match(code):
            if code_cats.get(code, set()) & set(svc.get("categories", [])):
                return True
            return any(p == code or (p.endswith("*") and code.startswith(p[:-1])) for p in svc.get("items", []))

        tot, qs = {}, {}
        if svc:
            for u, pid, code, qn, aq in rows:
                r = reg.get(pid)
                if not pid or r is None or r["unit_id"] != u or aq <= 0 or not svc_match(code):
                    continue
                tot[pid] = tot.get(pid, 0) + aq
                qs.setdefault(pid, set()).add(qn)
        for u in units:
            group = [pid for pid, r in reg.items() if r["unit_id"] == u and
                     (of == "population" or all(r.get(fl) == "1" for fl in of))]
            n = 0
            for pid in group:
                r = reg[pid]
                if not all(r.get(fl) == "1" for fl in count):
                    continue
                if svc and (tot.get(pid, 0) < int(svc.get("min", 1)) or
                            len(qs.get(pid, ())) < int(svc.get("quarters", 0))):
                    continue
                n += 1
            d = (int(units[u]["population"] or 0)) if of == "population" else len(group)
            out[(u, ind["id"])] = (n, d)
    return out


def main(scheme_path, run_dir, log_path=None):
    base = os.path.dirname(os.path.abspath(scheme_path))
    with open(scheme_path, encoding="utf-8") as f:
        sch = json.load(f, parse_float=str, parse_int=str)
    units = {u["unit_id"]: u for u in read_csv(os.path.join(base, sch["units"]))}
    catalog = read_csv(os.path.join(base, sch["catalog"]))
    code_cats = {}
    for r in catalog:
        code_cats.setdefault(r["item_code"], set()).add(r["category"])

    # quality (see docs/methodology.md): given values, or N / D computed from
    # the registry and the audited log rows
    q = {u: F(1) for u in units}
    quality = sch.get("quality")
    computed_nd = {}
    if quality and quality.get("indicators"):
        vals = {}
        if sch.get("indicators"):
            for r in read_csv(os.path.join(base, sch["indicators"])):
                if r["value"] != "":
                    vals[(r["unit_id"], r["indicator"])] = dec(r["value"])
        if any("compute" in ind for ind in quality["indicators"]):
            computed_nd = compute_nd(sch, base, units, catalog, run_dir, log_path)
            for (u, k), (n, d) in computed_nd.items():
                if d > 0:
                    vals[(u, k)] = F(n, d)
        missing = quality.get("missing", "error")
        floor = quality.get("floor")
        full_at = quality.get("full_at")
        for u in units:
            num = F(0)
            den = 0
            for ind in quality["indicators"]:
                w = int(ind["weight"])
                t = dec(ind["target"])
                v = vals.get((u, ind["id"]))
                if v is None:
                    if missing == "skip":
                        continue
                    a = F(0)  # missing=zero (missing=error would have failed the run)
                elif ind.get("better", "higher") == "higher":
                    a = min(v / t, F(1))
                else:
                    a = F(1) if v <= t else t / v
                num += w * half_up(a, 6)
                den += w
            qq = half_up(num / den, 4) if den else F(1)
            if floor is not None and qq < dec(floor):
                qq = F(0)
            elif full_at is not None and qq >= dec(full_at):
                qq = F(1)
            q[u] = qq

    # adjustment (docs/methodology.md §4)
    adj = {u: F(1) for u in units}
    for u, row in units.items():
        tags = {t.strip() for t in row.get("tags", "").split(";") if t.strip()}
        p = F(1)
        for a in sch.get("adjustments", []):
            if a["tag"] in tags:
                p *= dec(a["factor"])
        adj[u] = half_up(p, 4)

    items = read_csv(os.path.join(run_dir, "items.csv"))
    got = read_csv(os.path.join(run_dir, "payouts.csv"))
    got_by = {(r["pool_id"], r["unit_id"]): r for r in got}
    problems = 0
    checked = 0
    for pool in sch["pools"]:
        cats = set(pool.get("categories", []))
        pats = pool.get("items", [])

        def matches(code):
            if code_cats.get(code, set()) & cats:
                return True
            for p in pats:
                if p.endswith("*") and code.startswith(p[:-1]) or p == code:
                    return True
            return False

        scope = pool["scope"]

        def in_scope(u):
            if scope == "all":
                return True
            row = units[u]
            return all(row[col] in scope[key] for key, col in
                       (("community", "community"), ("county", "county"), ("units", "unit_id")) if key in scope)

        members = sorted((u for u in units if in_scope(u)), key=lambda s: s.encode())
        W = {u: F(0) for u in members}
        for it in items:
            if it["unit_id"] in W and matches(it["item_code"]):
                W[it["unit_id"]] += dec(it["audited_workload"])
        C = {u: W[u] * q[u] * adj[u] for u in members}
        total = sum(C.values())
        if isinstance(pool["budget"], dict):  # {"per_capita": rate}: rate x population of the units in scope
            B = int(dec(pool["budget"]["per_capita"]) * 100) * sum(int(units[u]["population"]) for u in members)
        else:
            B = int(round(dec(pool["budget"]) * 100))
        pay = {}
        if B == 0:
            pay = {u: 0 for u in members}
        else:
            assert total > 0, f"pool {pool['id']}: no workload"
            shares = {u: B * C[u] / total for u in members}
            pay = {u: shares[u].numerator // shares[u].denominator for u in members}
            left = B - sum(pay.values())
            order = sorted(members, key=lambda u: (-(shares[u] - pay[u]), u.encode()))
            for u in order[:left]:
                pay[u] += 1
        assert sum(pay.values()) == B
        for u in members:
            r = got_by.get((pool["id"], u))
            checked += 1
            want = {
                "audited_workload": fmt(W[u], 4),
                "quality": fmt(q[u], 4),
                "adjustment": fmt(adj[u], 4),
                "corrected_workload": fmt(C[u], 4),
                "weight": fmt(C[u] / total if total else F(0), 8),
                "payout": fmt(F(pay[u], 100), 2),
            }
            if r is None:
                print(f"missing payouts.csv row for pool {pool['id']} unit {u}")
                problems += 1
                continue
            for k, v in want.items():
                if r[k] != v:
                    print(f"pool {pool['id']} unit {u} {k}: engine {r[k]} != recomputed {v}")
                    problems += 1
    # quality.csv: N and D of the computed indicators
    nd_checked = 0
    if computed_nd:
        for r in read_csv(os.path.join(run_dir, "quality.csv")):
            key = (r["unit_id"], r["indicator"])
            if key in computed_nd:
                n, d = computed_nd[key]
                nd_checked += 1
                if (r["numerator"], r["denominator"]) != (str(n), str(d)):
                    print(f"quality.csv {key}: engine N/D {r['numerator']}/{r['denominator']} != recomputed {n}/{d}")
                    problems += 1
    if len(got) != checked:
        print(f"payouts.csv has {len(got)} rows, expected {checked}")
        problems += 1
    print(f"crosscheck: {checked} payout rows and {nd_checked} computed N/D pairs recomputed with exact fractions, "
          f"{problems} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
