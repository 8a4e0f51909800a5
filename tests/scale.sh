#!/bin/sh
# make check: a run spilled to temporary partitions (--memory far below the
# data) must write the same bytes as the in-memory run (docs/scale.md), on
# every golden fixture and on a generated 1M-row log, for several caps and
# thread counts; its temporary folder must be gone after success, after an
# error and after SIGINT; a full temporary folder must give exit 4 and no
# output folder.
set -u
DG=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
B=$2
T=$(cd "$B" && pwd)/scale
rm -rf "$T"
mkdir -p "$T/tmp"
# the bundled scheme with its computed indicators, in a copy that gets a
# generated registry matching the generated log
cp -r configs/zhoushan-2020 "$T/scheme"
rm -f "$T/scheme/registry.csv"
SCHEME=$T/scheme/scheme.json
CMP_NAME=scale CMP_REF="the in-memory run"
. "$(dirname "$0")/lib_compare.sh"

# --- golden fixtures: the same command with a wrapper that adds the cap ---
cat > "$T/dgw" <<'W'
#!/bin/sh
c=$1; shift
case "$c" in run|check) exec "$REAL" "$c" --threads "$THR" --memory "$MEM" --tmp "$TMPD" $EXTRA "$@" ;; esac
exec "$REAL" "$c" "$@"
W
chmod +x "$T/dgw"
golden_case() { # $dir in memory in $ref (each_golden): spilled with each cap, then with a failing temporary folder
    for v in "2 1" "1 2K" "2 40K"; do
        set -- $v
        out="$T/g/$case/t$1-m$2"
        mkdir -p "$out"
        golden_run "$dir" "$out" REAL="$DG" THR=$1 MEM=$2 TMPD="$T/tmp" EXTRA= DG="$T/dgw"
        same_run "$ref" "$out" "$case --memory $2 --threads $1"
        tmp_empty "$case"
    done
    # proof that --memory 1 spilled: a temporary write that fails must stop the run
    if [ "$(cat "$ref.rc")" = 0 ] && grep -qvE '^(file,|\xef\xbb\xbffile,)' "$ref/flags.csv" 2>/dev/null || \
       [ "$(cat "$ref.rc")" = 0 ] && [ -s "$dir/log.csv" ]; then
        out="$T/g/$case/fail"
        mkdir -p "$out"
        ( cd "$dir" && REAL="$DG" THR=1 MEM=1 TMPD="$T/tmp" EXTRA="--tmp-fail-after 1" DG="$T/dgw" OUT="$out/o" \
            sh -c "$(cat cmd)" ) >/dev/null 2>"$out.stderr"
        rc=$?
        [ $rc = 4 ] || bad "$case: --memory 1 with a failing temporary folder gave exit $rc, not 4 (did it spill?)"
        [ -e "$out/o/payouts.csv" ] || [ -e "$out/o/rejects.csv" ] && bad "$case: outputs written although the temporary folder failed"
        tmp_empty "$case with a failing temporary folder"
    fi
}
each_golden golden_case
[ $fail = 0 ] && echo "scale: $n_cases golden fixtures identical in memory and spilled (--memory 1, 2K, 40K; threads 2, 1, 2)"


# --- a generated 1M-row log ---
ROWS=${SCALE_ROWS:-1000000}
"$DG" gen --scheme "$SCHEME" --rows "$ROWS" --seed 7 --bad-rate 0.002 -o "$T/log.csv" \
    --appeals "$T/appeals.csv" --advances "$T/advances.csv" --registry "$T/scheme/registry.csv" >/dev/null 2>&1
# the same scheme with the generated appeals and advances (paths relative to the new file)
cycle_scheme "$SCHEME" "$T/cycle.json"
"$DG" run --scheme "$SCHEME" --out "$T/mem" --threads 2 "$T/log.csv" >"$T/mem.stdout" || bad "in-memory run failed"
# 16M: the bundled scheme's units are lumpy (the biggest holds a tenth of the rows); hashed to
# partitions, two big units shared one and the run stopped with exit 4 — units are now spread
# by their sampled size (docs/scale.md)
for v in "1 24M" "2 32M" "2 16M"; do
    set -- $v
    "$DG" run --scheme "$SCHEME" --out "$T/s$1-$2" --threads $1 --memory $2 --tmp "$T/tmp" "$T/log.csv" \
        >"$T/s.stdout" || bad "spilled run --memory $2 failed"
    same_text "$T/mem.stdout" "$T/s.stdout" "$T/mem" "$T/s$1-$2" "$ROWS rows --memory $2: stdout"
    same_outputs "$T/mem" "$T/s$1-$2" "$ROWS rows --memory $2 --threads $1"
    tmp_empty "a spilled run"
    rm -rf "$T/s$1-$2"
done
# appeals decided partition by partition, and the sums before them
"$DG" run --scheme "$T/cycle.json" --out "$T/ap-mem" "$T/log.csv" >"$T/ap1.stdout" || bad "run with appeals failed"
"$DG" run --scheme "$T/cycle.json" --out "$T/ap-spill" --memory 32M --tmp "$T/tmp" "$T/log.csv" >"$T/ap2.stdout" ||
    bad "spilled run with appeals failed"
grep -q '^appeals' "$T/ap1.stdout" || bad "the run with appeals printed no appeals line"
same_text "$T/ap1.stdout" "$T/ap2.stdout" "$T/ap-mem" "$T/ap-spill" "$ROWS rows with appeals --memory 32M: stdout"
same_outputs "$T/ap-mem" "$T/ap-spill" "$ROWS rows with appeals and advances --memory 32M"
tmp_empty "a spilled run with appeals"
"$DG" check --scheme "$SCHEME" --out "$T/cmem" "$T/log.csv" >"$T/c1.stdout"
"$DG" check --scheme "$SCHEME" --out "$T/cspill" --memory 24M --tmp "$T/tmp" "$T/log.csv" >"$T/c2.stdout"
same_text "$T/c1.stdout" "$T/c2.stdout" "$T/cmem" "$T/cspill" "check --memory 24M: stdout"
same_outputs "$T/cmem" "$T/cspill" "check $ROWS rows --memory 24M"
tmp_empty "a spilled check"
[ $fail = 0 ] && echo "scale: $ROWS rows identical in memory and spilled (--memory 24M, 32M, 16M; run, run with appeals and advances, check)"


# --- errors: full temporary folder, a later unreadable file, SIGINT (on 100k rows, 4M: 16 partitions) ---
head -n 100001 "$T/log.csv" >"$T/small.csv"
mkfifo "$T/fifo"
"$DG" run --scheme "$SCHEME" --out "$T/full" --memory 4M --tmp "$T/tmp" --tmp-fail-after 1M "$T/small.csv" \
    >/dev/null 2>"$T/full.err"
rc=$?
[ $rc = 4 ] || bad "full temporary folder: exit $rc, not 4"
grep -q 'No space left on device' "$T/full.err" || bad "full temporary folder: message lacks the cause: $(cat "$T/full.err")"
[ -e "$T/full" ] && bad "full temporary folder: the output folder was touched"
tmp_empty "a full temporary folder"
# a real full filesystem where the machine lets us mount one (root, private mount namespace)
mkdir -p "$T/tiny"
if unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs '$T/tiny'" 2>/dev/null; then
    unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs '$T/tiny' && \
        { '$DG' run --scheme '$SCHEME' --out '$T/tinyout' --memory 4M --tmp '$T/tiny' '$T/small.csv' >/dev/null \
          2>'$T/tiny.err'; echo \$? >'$T/tiny.rc'; ls -A '$T/tiny' >'$T/tiny.left'; }"
    [ "$(cat "$T/tiny.rc")" = 4 ] || bad "1 MiB tmpfs: exit $(cat "$T/tiny.rc"), not 4: $(cat "$T/tiny.err")"
    grep -q 'No space left on device' "$T/tiny.err" || bad "1 MiB tmpfs: message lacks the cause: $(cat "$T/tiny.err")"
    [ -s "$T/tiny.left" ] && bad "1 MiB tmpfs: temporary files left: $(cat "$T/tiny.left")"
    [ -e "$T/tinyout" ] && bad "1 MiB tmpfs: the output folder was touched"
    tiny="a full 1 MiB tmpfs and "
else
    tiny="(no tmpfs: mount not permitted here) "
fi
"$DG" run --scheme "$SCHEME" --out "$T/miss" --memory 4M --tmp "$T/tmp" "$T/small.csv" "$T/no-such.csv" \
    >/dev/null 2>&1
rc=$?
[ $rc = 4 ] || bad "unreadable second log after spilling: exit $rc, not 4"
tmp_empty "an unreadable log"
# the second input is a FIFO nobody writes: the run spills the first file, then waits in open()
for sig in INT TERM; do
    "$DG" run --scheme "$SCHEME" --out "$T/sig" --memory 4M --tmp "$T/tmp" "$T/small.csv" "$T/fifo" >/dev/null 2>&1 &
    pid=$!
    i=0
    while [ $i -lt 1500 ] && [ -z "$(ls -A "$T/tmp" 2>/dev/null)" ]; do sleep 0.02; i=$((i + 1)); done
    [ -n "$(ls -A "$T/tmp")" ] || bad "SIG$sig test: the run never made its temporary folder"
    sleep 0.2
    kill -$sig $pid
    wait $pid 2>/dev/null
    rc=$?
    [ $rc -ge 128 ] || bad "SIG$sig: exit $rc, expected death by the signal"
    tmp_empty "SIG$sig"
done
"$DG" run --scheme "$SCHEME" --out "$T/x" --memory 12Q "$T/small.csv" >/dev/null 2>&1
[ $? = 2 ] || bad "--memory 12Q: not a usage error"
[ $fail = 0 ] && echo "scale: temporary files removed after success, error, SIGINT and SIGTERM; ${tiny}an injected write failure give exit 4"
[ $fail = 0 ] && rm -rf "$T"
[ $fail = 0 ]
