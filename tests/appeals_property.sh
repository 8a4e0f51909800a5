#!/bin/sh
# Properties of appeals and settlement on generated data (run by tests/crosscheck.sh, so by make check):
#  1. an appeals file with no appeals gives the outputs of the run without an appeals file
#     (every CSV byte for byte; summary.json apart from its "appeals" block);
#  2. upholding every flag changes nothing but the two appeal columns of flags.csv;
#  3. a random mix of overturn/uphold over every flag of every check, under staff_overload: exclude:
#     items.csv's audited quantities equal an independent Python application of the rule to log.csv
#     and flags.csv; payouts pass the independent cross-check (so Σ payouts = B in every pool);
#     outputs are identical for --threads 1 and 2;
#  4. settlement.csv: balance = payout − advanced on every line, Σ per pool as in summary.json.
set -eu
DG=$1
B=$2
T="$B/appeals-property"
rm -rf "$T"
mkdir -p "$T"
cp configs/zhoushan-2020/*.csv configs/zhoushan-2020/scheme.json "$T/"
rm -f "$T/registry.csv"
"$DG" gen --scheme "$T/scheme.json" --rows 20000 --seed 11 --bad-rate 0 -o "$T/log.csv" --registry "$T/registry.csv" 2>/dev/null
python3 - "$T" <<'EOF'
import json, sys
t = sys.argv[1]
s = json.load(open(f"{t}/scheme.json", encoding="utf-8"))
def save(name, **extra):
    d = dict(s); d.update(extra)
    json.dump(d, open(f"{t}/{name}", "w", encoding="utf-8"), ensure_ascii=False, indent=1)
save("s_empty.json", appeals="appeals_empty.csv")
save("s_uphold.json", appeals="appeals_uphold.csv")
save("s_excl0.json", checks={"staff_day_minutes": 240, "staff_overload": "exclude"})
save("s_excl.json", checks={"staff_day_minutes": 240, "staff_overload": "exclude"}, appeals="appeals_mix.csv",
     advances="advances.csv")
open(f"{t}/appeals_empty.csv", "w").write("record_id,check,decision,note\n")
EOF
"$DG" run --scheme "$T/scheme.json" --out "$T/r0" --threads 2 "$T/log.csv" >/dev/null
"$DG" run --scheme "$T/s_empty.json" --out "$T/r1" --threads 2 "$T/log.csv" >/dev/null
"$DG" run --scheme "$T/s_excl0.json" --out "$T/x0" --threads 2 "$T/log.csv" >/dev/null
python3 - "$T" <<'EOF'
import csv, json, random, sys
t = sys.argv[1]
def rows(p):
    with open(p, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f))
# appeals upholding every flag of r0; a seeded overturn/uphold mix over every flag of x0
f0 = rows(f"{t}/r0/flags.csv")
with open(f"{t}/appeals_uphold.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["record_id", "check", "decision", "note"])
    for r in f0[1:]:
        w.writerow([r[2], r[4], "uphold", "维持, 属实"])
fx = rows(f"{t}/x0/flags.csv")
rnd = random.Random(15)
checks = set()
with open(f"{t}/appeals_mix.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["record_id", "check", "decision", "note"])
    for r in fx[1:]:
        if rnd.random() < 0.7:
            w.writerow([r[2], r[4], rnd.choice(["overturn", "overturn", "uphold"]), ""])
            checks.add(r[4])
assert checks == {"over_patient_day", "over_patient_period", "staff_overload"}, checks
# advances: three quarterly rows of about 70 % of r0's payout, for every pool x unit in scope
pay = rows(f"{t}/r0/payouts.csv")
with open(f"{t}/advances.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["unit_id", "pool_id", "amount"])
    for r in pay[1:]:
        fen = int(r[11].replace(".", ""))
        q = fen * 70 // 300
        for _ in range(3):
            w.writerow([r[2], r[0], f"{q // 100}.{q % 100:02d}"])
EOF
"$DG" run --scheme "$T/s_uphold.json" --out "$T/r2" --threads 2 "$T/log.csv" >/dev/null
"$DG" run --scheme "$T/s_excl.json" --out "$T/x1" --threads 1 "$T/log.csv" >/dev/null
"$DG" run --scheme "$T/s_excl.json" --out "$T/x2" --threads 2 "$T/log.csv" >/dev/null
fail=0
for f in payouts.csv units.csv items.csv staff.csv rejects.csv flags.csv; do
    cmp -s "$T/r0/$f" "$T/r1/$f" || { echo "appeals property 1: $f differs with an empty appeals file"; fail=1; }
done
for f in payouts.csv units.csv items.csv staff.csv rejects.csv; do
    cmp -s "$T/r0/$f" "$T/r2/$f" || { echo "appeals property 2: $f differs when every flag is upheld"; fail=1; }
done
for f in payouts.csv units.csv items.csv staff.csv rejects.csv flags.csv settlement.csv summary.json report.html; do
    cmp -s "$T/x1/$f" "$T/x2/$f" || { echo "appeals property 3: $f differs between --threads 1 and 2"; fail=1; }
done
python3 - "$T" <<'EOF' || fail=1
import csv, json, sys
from collections import defaultdict
t = sys.argv[1]
def rows(p):
    with open(p, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f))
bad = 0
def check(ok, msg):
    global bad
    if not ok:
        bad += 1
        print("appeals property:", msg)
# 1. summary.json equal apart from "appeals" and the scheme file name
a = json.load(open(f"{t}/r0/summary.json")); b = json.load(open(f"{t}/r1/summary.json"))
check("appeals" in b and b["appeals"]["appeals"] == 0, "1: the empty appeals file is not reported")
for d in (a, b):
    d.pop("appeals", None); d["scheme"].pop("file")
check(a == b, "1: summary.json differs beyond its appeals block with an empty appeals file")
# 2. flags.csv equal without the two appeal columns; every appeal column says uphold
f0, f2 = rows(f"{t}/r0/flags.csv"), rows(f"{t}/r2/flags.csv")
check([r[:7] for r in f0] == [r[:7] for r in f2], "2: flags.csv differs beyond the appeal columns")
check(all(r[7:] == ["", ""] for r in f0[1:]), "2: a run without appeals has non-empty appeal columns")
check(all(r[7:] == ["uphold", "维持, 属实"] for r in f2[1:]), "2: an upheld flag is not marked uphold")
s2 = json.load(open(f"{t}/r2/summary.json"))
check(s2["appeals"]["quantity_restored"] == 0 and s2["appeals"]["overturn"] == 0, "2: upholding restored something")
# 3. the rule, applied independently: audited = qty - excess of standing flags; exclude + standing staff flag -> 0
log = rows(f"{t}/log.csv")
hdr = log[0]; ix = {h: i for i, h in enumerate(hdr)}
qty = {}
key = {}
for r in log[1:]:
    q = r[ix["quantity"]]
    qty[r[ix["record_id"]]] = int(q) if q else 1
    key[r[ix["record_id"]]] = (r[ix["unit_id"]], r[ix["item_code"]])
fl = rows(f"{t}/x1/flags.csv")
by = defaultdict(list)
for r in fl[1:]:
    by[r[2]].append((r[4], int(r[5]), r[7]))
aud = defaultdict(int)
for rid, q in qty.items():
    a_ = q
    for check_, excess, appeal in by.get(rid, []):
        if appeal == "overturn":
            continue
        if check_ == "staff_overload":
            a_ = 0
            break
        a_ -= excess
    aud[key[rid]] += a_
items = rows(f"{t}/x1/items.csv")
ih = {h: i for i, h in enumerate(items[0])}
for r in items[1:]:
    k = (r[ih["unit_id"]], r[ih["item_code"]])
    check(int(r[ih["audited_quantity"]]) == aud[k], f"3: audited quantity of {k}: {r[ih['audited_quantity']]}, rule gives {aud[k]}")
s1 = json.load(open(f"{t}/x1/summary.json"))
ap = s1["appeals"]
check(all(ap["by_check"][c]["overturn"] > 0 for c in ap["by_check"]), "3: some check has no overturned appeal")
restored = sum(aud.values()) - sum(int(r[ih["audited_quantity"]]) for r in rows(f"{t}/x0/items.csv")[1:])
check(ap["quantity_restored"] == restored, f"3: quantity_restored {ap['quantity_restored']}, rule gives {restored}")
for p in s1["pools"]:
    check(p["paid"] == p["budget"], f"3: pool {p['id']} pays {p['paid']} of {p['budget']}")
# 4. settlement
st = rows(f"{t}/x1/settlement.csv")
sh = {h: i for i, h in enumerate(st[0])}
fen = lambda v: int(v.replace(".", "").replace("-", "")) * (-1 if v.startswith("-") else 1)
pays = rows(f"{t}/x1/payouts.csv")
check([(r[0], r[2], r[11]) for r in pays[1:]] == [(r[0], r[1], r[3]) for r in st[1:]],
      "4: settlement.csv rows are not payouts.csv's pool x unit rows with their payouts")
tot = defaultdict(lambda: [0, 0])
for r in st[1:]:
    check(fen(r[sh["balance"]]) == fen(r[sh["payout"]]) - fen(r[sh["advanced"]]), f"4: balance of {r[:2]}")
    tot[r[0]][0] += fen(r[sh["advanced"]]); tot[r[0]][1] += fen(r[sh["balance"]])
for p in s1["pools"]:
    check(fen(p["advanced"]) == tot[p["id"]][0] and fen(p["balance"]) == tot[p["id"]][1], f"4: pool {p['id']} sums")
if bad:
    sys.exit(1)
print("appeals property: empty appeals = no appeals; all upheld = no change but the appeal columns; "
      "a random mix follows the rule (%d flags, %d appeals), Σ payouts = B, settlement adds up" % (len(fl) - 1, ap["appeals"]))
EOF
python3 tests/crosscheck.py "$T/s_excl.json" "$T/x1" "$T/log.csv" || fail=1
[ $fail = 0 ]
