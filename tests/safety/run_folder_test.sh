#!/bin/bash
# The run folder is all or nothing (docs/review.md, "The run folder").
# Each case interrupts or attacks a run and checks that --out afterwards is
# either absent or one complete run whose manifest hashes verify — never a
# mixture — and that nothing outside the run folder was written.
# Faults are armed with DANGLIANG_TEST_FAULT (see include/dangliang/runfolder.h).
# usage: tests/safety/run_folder_test.sh build/dangliang
set -u
DG=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
G=$here/../golden
SCHEME=$G/_pay/scheme.json
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); echo "  ok   $1"; }
bad() { fail=$((fail+1)); echo "  FAIL $1"; [ -f "$T/err" ] && sed 's/^/    stderr: /' "$T/err" | head -5; }

LOG1=$G/run_basic/log.csv
LOG2=$T/log2.csv
head -n -4 "$LOG1" > "$LOG2"   # fewer rows: different payouts

run() { "$DG" run --scheme "$SCHEME" --no-bom "$@" >/dev/null 2>"$T/err"; }
# is_run DIR LOG: DIR is one complete run of LOG (explain verifies every hash; payouts equal a reference run)
is_run() {
    "$DG" explain --run "$1" --unit A1 >/dev/null 2>"$T/err.x" && cmp -s "$1/payouts.csv" "$T/ref_$2/payouts.csv" &&
        [ "$(ls "$1" | wc -l)" = "$(ls "$T/ref_$2" | wc -l)" ]
}
no_leftovers() { ! ls -a "$1" | grep -q '^\.out\.tmp\.'; }

run --out "$T/ref_1" "$LOG1" && run --out "$T/ref_2" "$LOG2" || { echo "reference runs failed"; cat "$T/err"; exit 1; }
cmp -s "$T/ref_1/payouts.csv" "$T/ref_2/payouts.csv" && { echo "the two logs must give different payouts"; exit 1; }

# 1. refuse a non-empty --out; --force replaces it as a whole
P=$T/p1; mkdir -p "$P"
run --out "$P/out" "$LOG1" && is_run "$P/out" 1 && [ -f "$P/.out.lock" ] && no_leftovers "$P" &&
    [ "$(stat -c %a "$P/out")" != 700 ] && ok "fresh run: complete folder, lock beside it, no temp left" ||
    bad "fresh run"
run --out "$P/out" "$LOG2"; rc=$?
[ $rc = 4 ] && grep -q "out: the output folder is not empty" "$T/err" && grep -q -- "--force" "$T/err" &&
    is_run "$P/out" 1 && ok "existing run kept without --force (exit 4)" || bad "refuse non-empty --out (rc $rc)"
run --force --out "$P/out" "$LOG2" && is_run "$P/out" 2 && no_leftovers "$P" && ok "--force replaces the run" ||
    bad "--force"

# 2. SIGINT at several points of a --force re-run over run 1: run 1 or run 2, never a mixture
for f in sigint:begin sigint-after:1 sigint-after:4 sigint-after:7 sigint:before-manifest sigint:before-rename \
         sigint:after-swap; do
    P=$T/int_${f//[:-]/_}; mkdir -p "$P"
    run --out "$P/out" "$LOG1"
    DANGLIANG_TEST_FAULT=$f "$DG" run --scheme "$SCHEME" --no-bom --force --out "$P/out" "$LOG2" >/dev/null 2>"$T/err"
    rc=$?
    if [ $rc = 130 ] && { is_run "$P/out" 1 || is_run "$P/out" 2; }; then
        which=1; is_run "$P/out" 2 && which=2
        # the next run removes what the interrupted one left, under the lock
        if run --force --out "$P/out" "$LOG1" && no_leftovers "$P" && is_run "$P/out" 1; then
            ok "SIGINT at $f: --out holds run $which whole; next run cleans up"
        else bad "cleanup after SIGINT at $f"; fi
    else
        bad "SIGINT at $f (exit $rc)"
    fi
done
# ... and on a first run: no folder at all
P=$T/int_fresh; mkdir -p "$P"
DANGLIANG_TEST_FAULT=sigint:before-rename "$DG" run --scheme "$SCHEME" --out "$P/out" "$LOG1" >/dev/null 2>&1
rc=$?
[ $rc = 130 ] && [ ! -e "$P/out" ] && ok "SIGINT before the rename of a first run: no --out folder" ||
    bad "SIGINT on a first run (exit $rc)"

# 3. a full disk (injected write failure): old run kept, error names the user's path
for n in 1 3 8; do
    P=$T/full$n; mkdir -p "$P"
    run --out "$P/out" "$LOG1"
    DANGLIANG_TEST_FAULT=fail-write:$n "$DG" run --scheme "$SCHEME" --no-bom --force --out "$P/out" "$LOG2" \
        >/dev/null 2>"$T/err"
    rc=$?
    if [ $rc = 4 ] && grep -q "^dangliang: $P/out/[a-z.]*: cannot write: No space left on device" "$T/err" &&
        ! grep -q '\.tmp\.' "$T/err" && is_run "$P/out" 1 && no_leftovers "$P"; then
        ok "write failure at file $n: exit 4, old run intact, temp folder removed"
    else bad "write failure at file $n (exit $rc)"; fi
done

# 3b. the outputs are written concurrently, but a fault hits the same file at any thread count: fail-write:N is
# the Nth file of the fixed order, and when two files fail the error names the first of them in that order
names=(rejects.csv payouts.csv units.csv items.csv staff.csv flags.csv quality.csv summary.json payouts.xlsx
       report.html manifest.json)
for spec in 1 2 3 4 5 6 7 8 9 10 11 10,2 9,6 3,9; do
    first=${spec%%,*}; second=${spec#*,}; [ "$second" = "$spec" ] && second=$first
    want=$(( first < second ? first : second ))
    P=$T/order${spec/,/_}; mkdir -p "$P"
    good=1
    for th in 1 2; do
        DANGLIANG_TEST_FAULT=fail-write:$spec "$DG" run --scheme "$SCHEME" --no-bom --threads $th --out "$P/out$th" \
            "$LOG1" >/dev/null 2>"$T/err"
        rc=$?
        [ $rc = 4 ] && grep -q "^dangliang: $P/out$th/${names[want-1]}: cannot write: No space left on device" "$T/err" &&
            [ ! -e "$P/out$th" ] && [ -z "$(ls -A "$P" | grep -v '^\.out[12]\.lock$')" ] || good=0
    done
    [ $good = 1 ] && ok "fail-write:$spec at --threads 1 and 2: names ${names[want-1]}, nothing left" ||
        bad "fail-write:$spec names ${names[want-1]} at every thread count"
done

# 4. two concurrent runs into one --out: the second is refused while the first holds the lock
P=$T/conc; mkdir -p "$P"
DANGLIANG_TEST_FAULT=sigstop:before-rename "$DG" run --scheme "$SCHEME" --no-bom --out "$P/out" "$LOG1" \
    >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
    [ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" = T ] && break
    sleep 0.05
done
run --force --out "$P/out" "$LOG2"; rc=$?
grep -q "another run is writing $P/out" "$T/err"; saw=$?
kill -CONT $pid; wait $pid; rc1=$?
[ $rc = 4 ] && [ $saw = 0 ] && [ $rc1 = 0 ] && is_run "$P/out" 1 && no_leftovers "$P" &&
    ok "second concurrent run: exit 4 \"another run is writing\"; first completes alone" ||
    bad "concurrent runs (second exit $rc, first exit $rc1)"
# a lock held by another process (flock(1)) stops a run too
P=$T/conc2; mkdir -p "$P"; touch "$P/.out.lock"
if command -v flock >/dev/null; then
    flock "$P/.out.lock" sleep 3 & fpid=$!
    sleep 0.3
    run --out "$P/out" "$LOG1"; rc=$?
    kill $fpid 2>/dev/null; wait $fpid 2>/dev/null
    [ $rc = 4 ] && [ ! -e "$P/out" ] && ok "flock held elsewhere: exit 4, nothing written" || bad "flock (exit $rc)"
fi

# 5. planted symlinks: at the temp path beside --out, at the lock, and inside --out
P=$T/sym; mkdir -p "$P/victimdir"; echo precious > "$P/victim"; echo precious > "$P/victimdir/keep"
ln -s "$P/victimdir" "$P/.out.tmp.AAAAAA"; ln -s "$P/victim" "$P/.out.tmp.BBBBBB"
run --out "$P/out" "$LOG1" && is_run "$P/out" 1 && [ "$(cat "$P/victim")" = precious ] &&
    [ "$(cat "$P/victimdir/keep")" = precious ] && no_leftovers "$P" &&
    ok "symlinks planted at temp names beside --out: removed, never followed" || bad "symlink at the temp path"
P=$T/symlock; mkdir -p "$P"; echo precious > "$P/victim"; ln -s "$P/victim" "$P/.out.lock"
run --out "$P/out" "$LOG1"; rc=$?
[ $rc = 4 ] && [ "$(cat "$P/victim")" = precious ] && [ ! -e "$P/out" ] &&
    ok "symlink planted at the lock file: refused (exit 4), target untouched" || bad "symlink at the lock (exit $rc)"
P=$T/symin; mkdir -p "$P"; echo precious > "$P/victim"
run --out "$P/out" "$LOG1"
for n in payouts.csv manifest.json ".payouts.csv.tmp.$$" ".manifest.json.tmp.12345"; do ln -sf "$P/victim" "$P/out/$n"; done
run --force --out "$P/out" "$LOG2" && is_run "$P/out" 2 && [ "$(cat "$P/victim")" = precious ] &&
    [ ! -L "$P/out/payouts.csv" ] && ok "symlinks planted inside --out: replaced with the folder, target untouched" ||
    bad "symlinks inside --out"
# check --out writes into an existing folder: a planted symlink at an output name is replaced, not followed
P=$T/symcheck; mkdir -p "$P/out"; echo precious > "$P/victim"; ln -s "$P/victim" "$P/out/rejects.csv"
"$DG" check --scheme "$SCHEME" --out "$P/out" "$LOG1" >/dev/null 2>"$T/err" && [ ! -L "$P/out/rejects.csv" ] &&
    [ "$(cat "$P/victim")" = precious ] && ok "check --out: planted symlink replaced, target untouched" ||
    bad "check --out symlink"

# 6. an unwritable --out is found before any input is read, named as given
P=$T/unw; mkdir -p "$P"; echo x > "$P/file"
run --out "$P/file/out" "$T/no-such-log.csv"; rc=$?
[ $rc = 4 ] && grep -q "^dangliang: $P/file/out: " "$T/err" && ! grep -q "no-such-log" "$T/err" &&
    ok "run: unwritable --out reported before the logs are read" || bad "run unwritable --out (exit $rc)"
"$DG" check --scheme "$SCHEME" --out "$P/file/out" "$T/no-such-log.csv" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 4 ] && grep -q "^dangliang: $P/file/out: " "$T/err" && ! grep -q "no-such-log" "$T/err" &&
    ok "check: unwritable --out reported before the logs are read" || bad "check unwritable --out (exit $rc)"
run --out "$P/file" "$LOG1"; rc=$?
[ $rc = 4 ] && grep -q "exists and is not a folder" "$T/err" && [ "$(cat "$P/file")" = x ] &&
    ok "--out naming a file: refused" || bad "--out is a file (exit $rc)"

echo "run folder: $pass passed, $fail failed"
[ $fail = 0 ]
