#!/usr/bin/env bash
# make bench: dangliang against the tools an analyst would use instead, on the same
# files, in the same run.
#
# Design: inputs are generated once and cached in benchmarks/data/ (git-ignored): a
# 2,000-unit scheme derived from configs/zhoushan-2020 (make_scheme.py) and 1M- and
# 20M-row logs from `dangliang gen --seed 1 --bad-rate 0.001`, regenerated only when
# the scheme or the generator command changes.  Each repetition runs every case once,
# in a fixed order, so slow drifts of a shared machine spread over all tools instead
# of favouring one; the whole process is timed (wall clock) and its peak RSS taken from
# /usr/bin/time -v.  The DuckDB implementation of the spec (spec.sql) doubles as a
# differential test: after each of its runs, compare.py checks its payouts and
# accounting against dangliang's, and the benchmark fails loudly on any difference.
# report.py turns the measurements into the table and docs/performance.md.
#
# usage: benchmarks/run.sh build/dangliang
#   BENCH_QUICK=1  the 1M-row file only, one repetition (writes benchmarks/data/performance-quick.md)
#   BENCH_REPS=N   repetitions (default 3; quick mode 1)
#   BENCH_BIG=1    also 200M rows with --memory 2G (benchmarks/big.sh when it exists, else
#                  benchmarks/scale.sh; run after the main table)
#
# After the peers, on the largest file: the micro-bounds of the stages (bound_bench.c, at the
# default thread count), the scanner alone (scan_bench.c) and the audit sort alone
# (keysort_bench.c on the bucket size of that file's keys); report.py sets each stage of
# `dangliang run` against its bound.  A full run then calls, when present, benchmarks/scale.sh,
# benchmarks/mpi.sh (only when `dangliang -V` says "MPI: built in") and benchmarks/big.sh
# (only with BENCH_BIG=1); each writes between its own markers of docs/performance.md
# (benchmarks/markers.py).
set -euo pipefail

BENCH_NAME=bench
. "$(dirname "$0")/lib_bench.sh" # DG, B, DATA, SCHEME, say, die, gen_log
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then REPS=${BENCH_REPS:-1}; else REPS=${BENCH_REPS:-3}; fi
BREPS=$(( REPS > 3 ? REPS : 3 )) # the micro-bounds: minimum of at least 3
WORK=$DATA/work
RESULTS=$WORK/results.tsv
NPROC=$(nproc)

# ---- tools ------------------------------------------------------------------------------
APT_UPDATED=0
need() { # need COMMAND DEBIAN-PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" -ne 0 ]; then
        die "needs $1: run: sudo apt-get update && sudo apt-get install -y $2"
    fi
    say "installing Debian package $2 (for $1)"
    export DEBIAN_FRONTEND=noninteractive
    if [ $APT_UPDATED = 0 ]; then apt-get update -qq >&2; APT_UPDATED=1; fi
    apt-get install -y -qq --no-install-recommends "$2" >&2
}
need /usr/bin/time time
need sqlite3 sqlite3
need node nodejs
need npm npm
need python3 python3
if [ ! -f $B/node_modules/@duckdb/node-api/package.json ]; then
    say "installing @duckdb/node-api into $B/node_modules"
    (cd $B && npm install --no-audit --no-fund --no-package-lock --loglevel=error >&2)
fi

# ---- inputs (cached) ----------------------------------------------------------------------
mkdir -p "$DATA" "$WORK"
python3 $B/make_scheme.py --out "$DATA/scheme-2000" >&2

FILES=("1M:1000000:$DATA/log-1m.csv")
[ "$QUICK" = 1 ] || FILES+=("20M:20000000:$DATA/log-20m.csv")
for f in "${FILES[@]}"; do
    IFS=: read -r _ rows path <<<"$f"
    gen_log "$rows" "$path"
done

# ---- cases ---------------------------------------------------------------------------------
# On a 2-core machine the default thread count is 2: the default-thread cases would
# repeat the --threads 2 runs exactly, so they are measured once and reported as both.
CASES=(run-t1 run-t2 check-t1 check-t2 duckdb-groupby duckdb-spec sqlite3-groupby wc)
ALIAS='{"run": "run-t2", "check": "check-t2"}'
if [ "$NPROC" != 2 ]; then
    CASES=(run run-t1 run-t2 check check-t1 check-t2 duckdb-groupby duckdb-spec sqlite3-groupby wc)
    ALIAS='{}'
fi

SQLITE_SQL=$WORK/sqlite.sql
cmd_for() { # cmd_for CASE LOG OUTDIR -> the command, one word per line
    local c=$1 log=$2 out=$3
    case $c in
    run) printf '%s\n' "$DG" run --scheme "$SCHEME" --force --out "$out/run" "$log" ;;
    run-t1 | run-t2) printf '%s\n' "$DG" run --scheme "$SCHEME" --force --threads "${c#run-t}" --out "$out/$c" "$log" ;;
    check) printf '%s\n' "$DG" check --scheme "$SCHEME" --out "$out/check" "$log" ;;
    check-t1 | check-t2) printf '%s\n' "$DG" check --scheme "$SCHEME" --threads "${c#check-t}" --out "$out/$c" "$log" ;;
    duckdb-groupby) printf '%s\n' node $B/duckdb_run.mjs groupby "$SCHEME" "$log" ;;
    duckdb-spec) printf '%s\n' node $B/duckdb_run.mjs spec "$SCHEME" "$log" "$out/duckdb-spec" ;;
    sqlite3-groupby) printf '%s\n' sqlite3 -batch :memory: ".read $SQLITE_SQL.$(basename "$log")" ;;
    wc) printf '%s\n' wc -l "$log" ;;
    esac
}

sqlite_script() { # the same plain group-by as DuckDB's, in sqlite3
    cat >"$SQLITE_SQL.$(basename "$1")" <<EOF
.mode csv
.import $DATA/scheme-2000/catalog.csv cat0
.import $1 log
CREATE TABLE cat AS SELECT item_code, min(CAST(equivalent AS NUMERIC)) AS equivalent FROM cat0 GROUP BY item_code;
.output /dev/null
SELECT l.unit_id, count(*), sum(l.quantity * c.equivalent) FROM log l JOIN cat c ON c.item_code = l.item_code GROUP BY l.unit_id;
EOF
}

EQUAL=""
measure() { # measure LABEL CASE REP LOG OUTDIR
    local label=$1 c=$2 rep=$3 log=$4 out=$5
    local -a cmd
    mapfile -t cmd < <(cmd_for "$c" "$log" "$out")
    local tfile=$WORK/time.txt
    local t0=$EPOCHREALTIME
    if ! /usr/bin/time -v -o "$tfile" "${cmd[@]}" >"$WORK/$c.out" 2>"$WORK/$c.err"; then
        tail -20 "$WORK/$c.err" >&2
        die "$c on $log failed (command: ${cmd[*]})"
    fi
    local t1=$EPOCHREALTIME
    local ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
    local rss
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$tfile")
    local stages=$'\t\t\t\t\t\t\t'
    case $c in run | run-t1 | run-t2) stages=$(python3 $B/report.py manifest "$out/$c") ;; esac
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$c" "$rep" "$ms" "$rss" "$stages" >>"$RESULTS"
    printf '   %-16s rep %d  %8.2f s  %6d MiB\n' "$c" "$rep" "$(awk "BEGIN{print $ms/1000}")" $((rss / 1024)) >&2
    if [ "$c" = duckdb-spec ]; then
        # the differential test: DuckDB's SQL must pay exactly what dangliang pays
        local ref=$out/run-t2
        [ -d "$ref" ] || ref=$out/run
        if ! python3 $B/compare.py "$ref" "$out/duckdb-spec" >"$WORK/compare.txt" 2>&1; then
            cat "$WORK/compare.txt" >&2
            die "DIFFERENTIAL TEST FAILED on $log: DuckDB's spec.sql and dangliang disagree (see above)"
        fi
        EQUAL="$label: $(cat "$WORK/compare.txt")"
        say "$EQUAL"
    fi
    if [ "$c" = run-t2 ] && [ -d "$out/run-t1" ]; then
        for f in payouts.csv units.csv items.csv staff.csv rejects.csv flags.csv summary.json; do
            cmp -s "$out/run-t1/$f" "$out/run-t2/$f" || die "determinism: $f differs between --threads 1 and 2 on $log"
        done
    fi
}

printf 'file\tcase\trep\tms\trss_kb\tparse_ms\tids_ms\tmerge_ms\tvalidate_ms\taudit_ms\tscore_ms\twrite_ms\ttotal_ms\n' >"$RESULTS"
EQUALS=()
for f in "${FILES[@]}"; do
    IFS=: read -r label rows path <<<"$f"
    out=$WORK/$label
    mkdir -p "$out"
    sqlite_script "$path"
    cat "$path" >/dev/null # into the page cache, as for every later run
    say "$label rows: $path ($(du -h "$path" | cut -f1)), $REPS repetition(s) of: ${CASES[*]}"
    for rep in $(seq 1 "$REPS"); do
        for c in "${CASES[@]}"; do
            measure "$label" "$c" "$rep" "$path" "$out"
        done
    done
    EQUALS+=("$EQUAL")
done

# ---- micro-bounds, on the largest file (docs/performance.md, "Micro-bounds") ----------------
BENCHBIN=$(dirname "$DG")/bench
IFS=: read -r BLABEL _ BLOG <<<"${FILES[-1]}"
BOUT=$WORK/$BLABEL
BREF=$BOUT/run-t2
[ -d "$BREF" ] || BREF=$BOUT/run
BOUNDS=$WORK/bounds.tsv
: >"$BOUNDS"
for b in bound_bench scan_bench keysort_bench; do
    [ -x "$BENCHBIN/$b" ] || die "missing $BENCHBIN/$b: run make bench (it builds the micro-benchmarks)"
done
# the bytes the run wrote (every output but the manifest, which the write timing does not hold)
out_bytes=$(find "$BREF" -maxdepth 1 -type f ! -name manifest.json -printf '%s\n' | awk '{s += $1} END {print s + 0}')
# the workbook's members, uncompressed: the bound deflates them as the workbook's zip must
DEFLATE=()
if [ -f "$BREF/payouts.xlsx" ]; then
    python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as o:
    for i in z.infolist():
        o.write(z.read(i))' "$BREF/payouts.xlsx" "$WORK/xlsx-members.bin"
    DEFLATE=(--deflate "$WORK/xlsx-members.bin")
fi
BTHREADS=$NPROC
[ -d "$BOUT/run-t2" ] && BTHREADS=2
say "$BLABEL: micro-bounds of the stages ($BTHREADS threads, $BREPS repetition(s), min)"
"$BENCHBIN/bound_bench" --scheme "$SCHEME" --threads "$BTHREADS" --reps "$BREPS" --out-bytes "$out_bytes" \
    --tmp "$WORK" "${DEFLATE[@]}" "$BLOG" >"$WORK/bound.out" 2>"$WORK/bound.err" || {
    cat "$WORK/bound.err" >&2
    die "bound_bench failed on $BLOG"
}
sed 's/^/   /' "$WORK/bound.out" >&2
sed "s/^/$BLABEL\tbound\t/" "$WORK/bound.out" >>"$BOUNDS"
# the same bounds on one thread, for the thread-scaling table (how far 2 threads can go per stage)
if [ "$BTHREADS" != 1 ] && [ -d "$BOUT/run-t1" ]; then
    say "$BLABEL: micro-bounds on 1 thread"
    "$BENCHBIN/bound_bench" --scheme "$SCHEME" --threads 1 --reps "$BREPS" --out-bytes "$out_bytes" \
        --tmp "$WORK" "${DEFLATE[@]}" "$BLOG" >"$WORK/bound1.out" 2>"$WORK/bound.err" || {
        cat "$WORK/bound.err" >&2
        die "bound_bench --threads 1 failed on $BLOG"
    }
    sed 's/^/   /' "$WORK/bound1.out" >&2
    sed "s/^/$BLABEL\tbound1\t/" "$WORK/bound1.out" >>"$BOUNDS"
fi
# the scanner alone, one thread (GB/s per core), and the audit sort on the bucket size of this file
"$BENCHBIN/scan_bench" --reps "$BREPS" "$BLOG" >"$WORK/scan.out" || die "scan_bench failed"
auto=$(sed -n 's/.*run-time choice: //p' "$WORK/scan.out")
scanline=$(grep -F "| records $auto |" "$WORK/scan.out" | head -1)
printf '%s\tinfo\tscan\t%s\t%s\n' "$BLABEL" "$(echo "$scanline" | awk -F'|' '{gsub(/ /, "", $5); print $5 * 1000}')" \
    "records split into fields, $auto, 1 thread: $(echo "$scanline" | awk -F'|' '{gsub(/ /, "", $6); print $6}') GB/s per core (CPU time)" >>"$BOUNDS"
pkeys=$(sed -n 's/.*patient keys \([0-9]*\).*/\1/p' "$WORK/bound.out")
bucket=$(( ${pkeys:-0} / 256 ))
[ "$bucket" -ge 1000 ] || bucket=1000
"$BENCHBIN/keysort_bench" "$bucket" 9 >"$WORK/keysort.out" || die "keysort_bench failed"
ksline=$(grep -F "| LSD radix" "$WORK/keysort.out")
printf '%s\tinfo\tkeysort\t%s\t%s\n' "$BLABEL" "$(echo "$ksline" | awk -F'|' '{gsub(/ /, "", $3); print $3 * 256}')" \
    "one bucket of $bucket keys (the patient keys / 256), 1 thread: $(echo "$ksline" | awk -F'|' '{gsub(/ /, "", $4); print $4}') M keys/s; × 256 buckets" >>"$BOUNDS"
grep -F "$BLABEL	info" "$BOUNDS" | cut -f3- | sed 's/^/   /' >&2

# ---- report --------------------------------------------------------------------------------
META=$WORK/meta.json
files_json=""
for f in "${FILES[@]}"; do
    IFS=: read -r label rows path <<<"$f"
    bytes=$(stat -c %s "$path")
    # data rows = physical records the generator wrote (header excluded)
    files_json+="{\"label\": \"$label\", \"rows\": $rows, \"bytes\": $bytes, \"path\": \"$path\"},"
done
duck_ver=$(cd $B && node -e "import('@duckdb/node-api').then(async m => { const i = await m.DuckDBInstance.create(':memory:'); const c = await i.connect(); const r = await c.runAndReadAll('select version()'); console.log(r.getRows()[0][0]); })")
export META_FILES="[${files_json%,}]" META_ALIAS="$ALIAS" META_QUICK="$QUICK" META_BOUNDS="$BOUNDS" \
    META_BTHREADS="$BTHREADS" \
    META_EQUAL="$(printf '%s; ' "${EQUALS[@]}")" \
    META_VERSIONS="$("$DG" --version 2>&1 | head -1); DuckDB $duck_ver (@duckdb/node-api $(node -p "require('./$B/node_modules/@duckdb/node-api/package.json').version")); sqlite3 $(sqlite3 --version | cut -d' ' -f1); node $(node --version); $(python3 --version)" \
    META_CPU="$(lscpu | sed -n 's/^Model name: *//p' | head -1)" \
    META_MEM="$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)" \
    META_KERNEL="$(uname -sr)" META_NPROC="$NPROC" META_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
export META_COMMANDS
META_COMMANDS=$(
    cat <<EOF
python3 benchmarks/make_scheme.py                 # benchmarks/data/scheme-2000/
dangliang gen --scheme \$S --rows N --seed 1 --bad-rate 0.001 -o \$LOG
dangliang run   --scheme \$S [--threads 1|2] --out DIR \$LOG
dangliang check --scheme \$S [--threads 1|2] --out DIR \$LOG
node benchmarks/duckdb_run.mjs groupby \$S \$LOG      # read_csv + GROUP BY unit_id, catalog join
node benchmarks/duckdb_run.mjs spec \$S \$LOG DIR     # benchmarks/spec.sql, then benchmarks/compare.py
sqlite3 -batch :memory: ".read SCRIPT"             # .import \$LOG, same GROUP BY
wc -l \$LOG
build/bench/bound_bench --scheme \$S --threads T --out-bytes B --tmp DIR --deflate XLSX-MEMBERS \$LOG   # micro-bounds
build/bench/scan_bench --reps 3 \$LOG             # the scanner alone, one thread
build/bench/keysort_bench N 9                     # the audit's radix sort, one bucket of N keys
EOF
)
python3 - "$META" <<'EOF'
import json, os, sys
e = os.environ
meta = {
    "files": json.loads(e["META_FILES"]), "alias": json.loads(e["META_ALIAS"]),
    "quick": e["META_QUICK"] == "1", "equal": e["META_EQUAL"].strip("; "),
    "versions": e["META_VERSIONS"], "date": e["META_DATE"], "commands": e["META_COMMANDS"].splitlines(),
    "bounds": e["META_BOUNDS"], "bound_threads": int(e["META_BTHREADS"]),
    "machine": {"nproc": e["META_NPROC"], "cpu": e["META_CPU"], "mem": e["META_MEM"], "kernel": e["META_KERNEL"]},
}
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(meta, f, ensure_ascii=False, indent=1)
EOF
if [ "$QUICK" = 1 ]; then DOC=$DATA/performance-quick.md; else DOC=docs/performance.md; fi
python3 $B/report.py "$RESULTS" "$META" "$DOC"

# ---- bounded memory (docs/scale.md): 20M rows in memory vs --memory 256M, BENCH_BIG=1 200M rows ----
# The scale rows are separate scripts, each writing between its own markers of docs/performance.md;
# a missing one is skipped.  benchmarks/big.sh (200M rows, BENCH_BIG=1) takes the 200M row over
# from scale.sh when it exists.
if [ "$QUICK" != 1 ]; then
    if [ -f $B/scale.sh ]; then
        if [ -f $B/big.sh ]; then BENCH_BIG=0 bash $B/scale.sh "$DG"; else bash $B/scale.sh "$DG"; fi
    fi
    # MPI (docs/scale.md, "Running on a cluster"): mpirun -np 2 on 20M rows, exchange, weak scaling
    if [ -f $B/mpi.sh ] && "$DG" -V 2>&1 | grep -q '^MPI: built in' && command -v mpirun >/dev/null; then
        bash $B/mpi.sh "$DG"
    else
        say "mpi: not measured ($DG built without MPI, no mpirun, or no $B/mpi.sh)"
    fi
    if [ "${BENCH_BIG:-0}" = 1 ] && [ -f $B/big.sh ]; then
        bash $B/big.sh "$DG"
    fi
fi
