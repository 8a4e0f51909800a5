#!/bin/sh
# make demo: generate a year of synthetic service logs for the bundled
# Zhoushan 2020 scheme and run the whole payout cycle on them: run, appeals,
# re-run, diff, settlement against the quarterly advances.
set -eu
DG=${1:-build/dangliang}
SCHEME=configs/zhoushan-2020/scheme.json
OUT=build/demo
mkdir -p "$OUT"
LOG="$OUT/zhoushan-2020-log.csv"
echo "== dangliang gen: 200,000 service records for $SCHEME (seed 2020, 0.2% faulty rows),"
echo "   the matching person registry configs/zhoushan-2020/registry.csv (for the computed quality indicators),"
echo "   with sample appeals.csv (a few dozen decisions on flags) and advances.csv (three quarterly advances)"
"$DG" gen --scheme "$SCHEME" --rows 200000 --seed 2020 --bad-rate 0.002 -o "$LOG" \
    --registry configs/zhoushan-2020/registry.csv --appeals "$OUT/appeals.csv" --advances "$OUT/advances.csv"
echo "== dangliang run (before appeals)"
"$DG" run --scheme "$SCHEME" --out "$OUT/run" "$LOG"
# the same scheme naming the appeals and advances files (paths relative to the new scheme file)
python3 - "$SCHEME" "$OUT/scheme-cycle.json" <<'PY'
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
s = json.load(open(src, encoding="utf-8"))
rel = os.path.relpath(os.path.dirname(os.path.abspath(src)), os.path.dirname(os.path.abspath(dst)))
for k in ("catalog", "units", "indicators", "registry"):
    if k in s:
        s[k] = os.path.join(rel, s[k])
s["appeals"], s["advances"] = "appeals.csv", "advances.csv"
json.dump(s, open(dst, "w", encoding="utf-8"), ensure_ascii=False, indent=1)
PY
echo
echo "== dangliang check with the appeals (verify appeals.csv before the money run)"
"$DG" check --scheme "$OUT/scheme-cycle.json" "$LOG" | grep -A3 '^appeals'
echo
echo "== dangliang run with appeals and advances (re-run and settle)"
"$DG" run --scheme "$OUT/scheme-cycle.json" --out "$OUT/run-cycle" "$LOG"
echo
echo "== dangliang diff: what the appeals moved (10 largest changes)"
"$DG" diff "$OUT/run" "$OUT/run-cycle" --top 10
echo
echo "demo outputs: $OUT/run/ (before appeals) and $OUT/run-cycle/ (after appeals, with settlement.csv);"
echo "open report.html in a browser, payouts.csv and settlement.csv in Excel/WPS; summary.json; manifest.json"
