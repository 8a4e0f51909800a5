#!/usr/bin/env python3
"""Write the 2,000-unit benchmark scheme, derived from configs/zhoushan-2020.

Design: the benchmark needs a scheme of realistic size (a province has
thousands of primary-care units) whose rules are exactly those of the
bundled Zhoushan scheme, so the same catalog, quality section, adjustments,
checks and pools are kept byte for byte and only the unit list grows.  Unit
i (0-based) copies template unit i mod 44 — its kind, community, county,
tier, tags and population — under a new id `<county prefix><4 digits>`
(DH0001, PT0001, ...), so each county keeps its share of units and every
county-scoped pool still matches.  Indicator values are the template's,
moved by a deterministic pseudo-random step (seeded, so the files are the
same on every machine) and written with 4 decimals, so the quality
coefficient varies between units and a few fall below the floor as in the
original.  Python standard library only.

usage: make_scheme.py [--units N] [--out DIR] [--src DIR]
"""
import argparse
import csv
import io
import json
import os
import random
from decimal import Decimal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def read_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write_csv(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=2000)
    ap.add_argument("--src", default=os.path.join(ROOT, "configs", "zhoushan-2020"))
    ap.add_argument("--out", default=os.path.join(HERE, "data", "scheme-2000"))
    ap.add_argument("--seed", type=int, default=2020)
    a = ap.parse_args()

    # the all-given variant: the benchmark log has no matching person registry, and
    # its history compares like with like (docs/performance.md measures the
    # computed-indicator stage separately)
    src_scheme = "scheme-given.json" if os.path.exists(os.path.join(a.src, "scheme-given.json")) else "scheme.json"
    with open(os.path.join(a.src, src_scheme), encoding="utf-8") as f:
        # keep decimals as their text (never through binary floating point)
        scheme = json.load(f, parse_float=str)
    uh, units = read_rows(os.path.join(a.src, scheme["units"]))
    ih, inds = read_rows(os.path.join(a.src, scheme["indicators"]))
    col = {h.strip(): i for i, h in enumerate(uh)}
    icol = {h.strip(): i for i, h in enumerate(ih)}
    if not units:
        sys.exit("make_scheme.py: the source scheme has no units")
    values = {}
    for r in inds:
        values.setdefault(r[icol["unit_id"]], []).append((r[icol["indicator"]], r[icol["value"]]))

    rng = random.Random(a.seed)
    per_prefix = {}
    out_units, out_inds = [], []
    for i in range(a.units):
        t = units[i % len(units)]
        tid = t[col["unit_id"]]
        prefix = "".join(ch for ch in tid if ch.isalpha()) or "U"
        per_prefix[prefix] = per_prefix.get(prefix, 0) + 1
        nid = f"{prefix}{per_prefix[prefix]:04d}"
        row = list(t)
        row[col["unit_id"]] = nid
        row[col["unit_name"]] = f"{t[col['unit_name']]}（{nid}）"
        out_units.append(row)
        for ind, v in values.get(tid, []):
            if v.strip() == "":
                continue
            # value in 10^-6, moved by up to ±15 % of itself, kept in [0, 1]
            micro = int(Decimal(v.strip()) * 1_000_000)
            step = rng.randint(-150, 150)
            nv = max(0, min(1_000_000, micro + micro * step // 1000))
            nv -= nv % 100  # 4 decimals
            out_inds.append([nid, ind, f"{nv // 1_000_000}.{nv % 1_000_000:06d}"[:-2]])

    os.makedirs(a.out, exist_ok=True)
    write_csv(os.path.join(a.out, "units.csv"), [h.strip() for h in uh], out_units)
    write_csv(os.path.join(a.out, "indicators.csv"), ["unit_id", "indicator", "value"], out_inds)
    with open(os.path.join(a.src, scheme["catalog"]), "rb") as f:
        catalog = f.read()
    tmp = os.path.join(a.out, "catalog.csv.tmp")
    with open(tmp, "wb") as f:
        f.write(catalog)
    os.replace(tmp, os.path.join(a.out, "catalog.csv"))

    scheme["id"] = f"{scheme['id'].replace('-given', '')}-bench{a.units}"
    scheme["title"] = f"{scheme['title']}（基准测试：{a.units}个单位）"
    scheme["catalog"], scheme["units"], scheme["indicators"] = "catalog.csv", "units.csv", "indicators.csv"
    text = json.dumps(scheme, ensure_ascii=False, indent=2) + "\n"
    tmp = os.path.join(a.out, "scheme.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, os.path.join(a.out, "scheme.json"))
    print(f"make_scheme.py: {len(out_units)} units, {len(out_inds)} indicator values -> {a.out}")


if __name__ == "__main__":
    main()
