#!/usr/bin/env python3
"""Differential check: DuckDB's SQL implementation of the spec against a dangliang run.

Compares, cell by cell, every payout row (pool_id, unit_id, audited_workload, quality,
adjustment, corrected_workload, weight, payout) of the dangliang run's payouts.csv with
the one spec.sql wrote, and the accounting (rows read/accepted, rejects by reason,
flags and quantity removed by check) of summary.json with spec.sql's accounting.json.
Prints the first differences and exits 1 if there is any.  Python standard library only.

usage: compare.py DANGLIANG_RUN_DIR DUCKDB_OUT_DIR
"""
import csv
import json
import os
import sys

COLS = ["audited_workload", "quality", "adjustment", "corrected_workload", "weight", "payout"]
REASONS = ["malformed", "missing_field", "bad_quantity", "bad_date", "out_of_period", "unknown_unit",
           "unknown_item", "item_not_in_force", "duplicate_record_id"]
CHECKS = ["over_patient_day", "over_patient_period", "staff_overload"]


def rows(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def main(run_dir, duck_dir):
    diffs = []
    eng = rows(os.path.join(run_dir, "payouts.csv"))
    duck = rows(os.path.join(duck_dir, "payouts.csv"))
    if len(eng) != len(duck):
        diffs.append(f"payouts.csv: dangliang has {len(eng)} rows, DuckDB {len(duck)}")
    for i, (a, b) in enumerate(zip(eng, duck)):
        key_a, key_b = (a["pool_id"], a["unit_id"]), (b["pool_id"], b["unit_id"])
        if key_a != key_b:
            diffs.append(f"payouts row {i + 1}: dangliang {key_a}, DuckDB {key_b}")
            continue
        for c in COLS:
            if a[c] != b[c]:
                diffs.append(f"pool {key_a[0]} unit {key_a[1]} {c}: dangliang {a[c]}, DuckDB {b[c]}")

    with open(os.path.join(run_dir, "summary.json"), encoding="utf-8") as f:
        summ = json.load(f)
    with open(os.path.join(duck_dir, "accounting.json"), encoding="utf-8") as f:
        acc = json.load(f)
    want = {
        "rows_read": summ["accounting"]["rows_read"],
        "rows_accepted": summ["accounting"]["rows_accepted"],
    }
    for r in REASONS:
        want[r] = summ["accounting"]["rejected_by_reason"].get(r, 0)
    by_check = summ.get("flags", {}).get("by_check", {})
    for c in CHECKS:
        want[f"{c}_flags"] = by_check.get(c, {}).get("flags", 0)
        want[f"{c}_qty"] = by_check.get(c, {}).get("quantity_removed", 0)
    for k, v in want.items():
        if acc.get(k) != v:
            diffs.append(f"accounting {k}: dangliang {v}, DuckDB {acc.get(k)}")

    total = sum(int(r["payout"].replace(".", "")) for r in eng)
    if diffs:
        for d in diffs[:20]:
            print(f"  {d}")
        if len(diffs) > 20:
            print(f"  ... {len(diffs) - 20} more")
        print(f"compare: FAILED, {len(diffs)} differences between dangliang and DuckDB SQL")
        return 1
    print(f"compare: {len(eng)} payout rows ({total // 100}.{total % 100:02d} yuan) and {len(want)} accounting counts "
          f"identical in dangliang and DuckDB SQL")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
