#!/bin/sh
# make demo: generate a year of synthetic service logs for the bundled
# Zhoushan 2020 scheme and run the whole job on them.
set -eu
DG=${1:-build/dangliang}
SCHEME=configs/zhoushan-2020/scheme.json
OUT=build/demo
mkdir -p "$OUT"
LOG="$OUT/zhoushan-2020-log.csv"
echo "== dangliang gen: 200,000 service records for $SCHEME (seed 2020, 0.2% faulty rows)"
"$DG" gen --scheme "$SCHEME" --rows 200000 --seed 2020 --bad-rate 0.002 -o "$LOG"
echo "== dangliang run"
"$DG" run --scheme "$SCHEME" --out "$OUT/run" --force "$LOG"
echo
echo "demo outputs: $OUT/run/ (open report.html in a browser, payouts.csv in Excel/WPS; summary.json; manifest.json)"
