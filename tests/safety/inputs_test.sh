#!/bin/bash
# End-to-end checks with inputs the test builds itself: overflowing sums,
# control characters in names, non-UTF-8 paths (docs/review.md).
# usage: tests/safety/inputs_test.sh build/dangliang
set -u
DG=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); echo "  ok   $1"; }
bad() { fail=$((fail+1)); echo "  FAIL $1"; [ -f "$T/err" ] && sed 's/^/    stderr: /' "$T/err" | head -5; }

# scheme DIR BUDGET1 BUDGET2 UNIT_NAME [N1 N2]: N1 pools (default 1) of BUDGET1 counting
# medical items and N2 pools of BUDGET2 counting public-health items, all units in scope
scheme() {
    mkdir -p "$1"
    cat > "$1/catalog.csv" <<'X'
item_code,item_name,category,equivalent,equivalent_tier2,equivalent_tier3,minutes,valid_from,valid_to,max_per_patient_day,max_per_patient_period
MED-VISIT,门诊诊疗,medical,1,,,10,,,,
PH-HTN-FU,高血压随访,public_health,1.7,,,20,,,,
X
    { echo "unit_id,unit_name,kind,community,county,tier,tags,population"
      printf 'U01,%s,center,c1,k1,1,,1000\n' "$4"
      printf 'U02,second,center,c1,k1,1,,1000\n'; } > "$1/units.csv"
    python3 - "$1/scheme.json" "$2" "$3" "${5:-1}" "${6:-1}" <<'X'
import json, sys
path, b1, b2, n1, n2 = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
pools = [{"id": "m%d" % i, "name": "m", "budget": b1, "categories": ["medical"], "scope": "all"} for i in range(n1)]
pools += [{"id": "p%d" % i, "name": "p", "budget": b2, "categories": ["public_health"], "scope": "all"} for i in range(n2)]
json.dump({"id": "built-by-test", "title": "t", "period": {"from": "2020-01-01", "to": "2020-12-31"},
           "catalog": "catalog.csv", "units": "units.csv", "pools": pools}, open(path, "w"), ensure_ascii=False)
X
}
LOG=$T/log.csv
cat > "$LOG" <<'X'
record_id,unit_id,staff_id,patient_id,item_code,service_date,quantity
r1,U01,S1,P1,MED-VISIT,2020-03-01,1
r2,U01,S1,P2,PH-HTN-FU,2020-03-01,1
X
# A pool's budget is at most 1,000,000,000,000.00 yuan (10^14 fen); INT64_MAX fen is
# 92,233,720,368,547,758.07 yuan, so 92,234 such pools paying one unit overflow its sum.
BIG=1000000000000.00

# 1. a unit's payout over many pools past INT64_MAX: exit 3, nothing written
scheme "$T/ov" "$BIG" "$BIG" "unit one" 46117 46117
"$DG" run --scheme "$T/ov/scheme.json" --out "$T/ov/out" "$LOG" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 3 ] && grep -q "the payouts of unit U01 add up to more than 92233720368547758.07 yuan" "$T/err" &&
    [ ! -e "$T/ov/out" ] && ! grep -q -- "-92" "$T/out" && ok "unit sum overflow (92,234 pools): exit 3, no run folder" ||
    bad "unit sum overflow (exit $rc)"
# one pool fewer: 92,233 x 10^14 fen fits, and is paid exactly
scheme "$T/ov2" "$BIG" "$BIG" "unit one" 46117 46116
"$DG" run --scheme "$T/ov2/scheme.json" --out "$T/ov2/out" "$LOG" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 0 ] && grep -q ",92233000000000000.00\$" "$T/ov2/out/units.csv" && ok "92,233 pools: the sum fits and is paid exactly" ||
    bad "largest sum that fits (exit $rc)"
# two units, each within range, whose county (and total) is not
sed -i 's/^r2,U01/r2,U02/' "$LOG"
"$DG" run --scheme "$T/ov/scheme.json" --out "$T/ov3" "$LOG" >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 3 ] && grep -q "add up to more than 92233720368547758.07 yuan" "$T/err" && ! grep -q "unit U0" "$T/err" &&
    [ ! -e "$T/ov3" ] && ok "county/total sum overflow: exit 3" || bad "county sum overflow (exit $rc)"
sed -i 's/^r2,U02/r2,U01/' "$LOG"

# 2. control characters in a unit name and a log header never reach the terminal raw
ESC=$(printf '\033')
scheme "$T/esc" "100.00" "100.00" "evil${ESC}]0;pwned$(printf '\007')${ESC}[2J$(printf '\302\233')31m"
sed "1s/\$/,x${ESC}[31m/; 2,\$s/\$/,1/" "$LOG" > "$T/esc.csv"
"$DG" run --scheme "$T/esc/scheme.json" --out "$T/esc/out" "$T/esc.csv" >"$T/out" 2>"$T/err"; rc=$?
if [ $rc = 0 ] && ! grep -q "$ESC" "$T/out" "$T/err" && ! grep -q "$(printf '\007')" "$T/out" &&
    ! LC_ALL=C grep -q "$(printf '\302\233')" "$T/out" &&
    grep -qF 'evil\x1B]0;pwned\x07\x1B[2J\xC2\x9B31m' "$T/out" && grep -qF '"x\x1B[31m"' "$T/err"; then
    ok "control characters (C0, DEL, C1) shown as \\xNN on stdout and stderr"
else bad "terminal escapes (exit $rc)"; fi
"$DG" explain --run "$T/esc/out" --unit U01 >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 0 ] && ! grep -q "$ESC" "$T/out" && grep -qF 'evil\x1B' "$T/out" && ok "explain text: escapes shown as \\xNN" ||
    bad "explain escapes (exit $rc)"
# an error message carrying a name with escapes (stderr)
sed "1s/quantity/qu${ESC}[8mantity/" "$LOG" > "$T/esc2.csv"
"$DG" check --scheme "$T/esc/scheme.json" "$T/esc2.csv" >/dev/null 2>"$T/err"; rc=$?
! grep -q "$ESC" "$T/err" && grep -qF 'qu\x1B[8mantity' "$T/err" &&
    ok "error message: escapes shown as \\xNN" || bad "stderr escapes (exit $rc)"

# 3. a non-UTF-8 (GBK) folder name, end to end through run and explain
GBK=$T/$(printf '\266\250\272\243')   # 定海 in GBK: not valid UTF-8
mkdir -p "$GBK"
scheme "$GBK/scheme" "100.00" "100.00" "unit one"
cp "$LOG" "$GBK/log.csv"
"$DG" run --scheme "$GBK/scheme/scheme.json" --out "$GBK/run" "$GBK/log.csv" >/dev/null 2>"$T/err"; rc=$?
hexdir=$(printf '%s' "$GBK" | od -An -tx1 | tr -d ' \n')
if [ $rc = 0 ] && grep -q "\"path_hex\": \"${hexdir}2f6c6f672e637376\"" "$GBK/run/manifest.json" &&
    grep -q "\"file_hex\": \"${hexdir}" "$GBK/run/summary.json" && grep -qF '\\xB6\\xA8\\xBA\\xA3' "$GBK/run/summary.json" &&
    python3 -c 'import json,sys; json.load(open(sys.argv[1])); json.load(open(sys.argv[2]))' \
        "$GBK/run/manifest.json" "$GBK/run/summary.json"; then
    ok "non-UTF-8 paths kept losslessly in manifest.json and summary.json (path_hex)"
else bad "non-UTF-8 paths in JSON (exit $rc)"; fi
"$DG" explain --run "$GBK/run" --unit U01 >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 0 ] && grep -q "^check: recomputed .*all equal" "$T/out" && ok "explain works on a run with non-UTF-8 paths" ||
    bad "explain on non-UTF-8 paths (exit $rc)"
# a rejected row of a log in that folder: the CSV file cell shows the bytes as \xNN
printf 'r9,U01,S1,P1,NO-SUCH,2020-03-01,1\n' >> "$GBK/log.csv"
"$DG" run --scheme "$GBK/scheme/scheme.json" --force --out "$GBK/run" "$GBK/log.csv" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 0 ] && grep -qF '\xB6\xA8\xBA\xA3/log.csv,4,r9,unknown_item' "$GBK/run/rejects.csv" &&
    grep -qF '\xB6\xA8\xBA\xA3/log.csv' "$GBK/run/report.html" && ! LC_ALL=C grep -q "$(printf '\266\250')" "$GBK/run/rejects.csv" &&
    ok "non-UTF-8 path escaped in rejects.csv file cells and report.html" || bad "file cells (exit $rc)"

echo "inputs: $pass passed, $fail failed"
[ $fail = 0 ]
