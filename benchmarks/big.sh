#!/usr/bin/env bash
# make bench with BENCH_BIG=1 (benchmarks/run.sh calls this only then): 200M rows, about
# 13 GB, with --memory 2G (docs/scale.md).  Run it on a QUIET machine with about 30 GB
# free: the log (cached) and the temporary partitions (about 12 GB while it runs).
#
#   target: peak RSS < 2.2 GiB; recorded: wall time, CPU time, rows/s against the
#   in-memory run of the 20M-row bench file (run here too, so the script stands alone)
#
# The log is generated once, like the other bench logs (`dangliang gen --seed 1
# --bad-rate 0.001` on the 2,000-unit bench scheme), and regenerated only when the
# generator changes.  The result goes between the big markers of docs/performance.md.
#
# usage: benchmarks/big.sh build/dangliang
#   BENCH_BIG_DATA=DIR   where the 200M log and the temporary partitions go
#                        (default benchmarks/data; both are large)
#   BENCH_BIG_ROWS=N     another row count, for trying the script (result in
#                        benchmarks/data/big-quick.md, docs untouched), e.g.
#                        BENCH_BIG_ROWS=2000000 BENCH_BIG_MEMORY=24M benchmarks/big.sh build/dangliang
#   BENCH_BIG_MEMORY=S   another cap (default 2G)
set -euo pipefail
BENCH_NAME="bench big"
. "$(dirname "$0")/lib_bench.sh" # DG, B, DATA, SCHEME, say, die, verdict, gen_log
BIGDATA=${BENCH_BIG_DATA:-$DATA}
ROWS=${BENCH_BIG_ROWS:-200000000}
MEM=${BENCH_BIG_MEMORY:-2G}
WORK=$BIGDATA/work-big
command -v /usr/bin/time >/dev/null || die "needs /usr/bin/time (Debian package time)"
mkdir -p "$DATA" "$BIGDATA" "$WORK"
[ -f "$SCHEME" ] || python3 $B/make_scheme.py --out "$DATA/scheme-2000" >&2

SMALL=$DATA/log-20m.csv
[ "$ROWS" = 200000000 ] && QUICK=0 || QUICK=1
[ "$QUICK" = 1 ] && SMALL=$DATA/log-big-ref-$((ROWS / 10)).csv
# the reference: the bench's own 20M file when run.sh made it, whatever its stamp
[ -f "$SMALL" ] || gen_log $((ROWS / 10)) "$SMALL" release
BIG=$BIGDATA/log-$((ROWS / 1000000))m.csv
[ "$QUICK" = 1 ] && BIG=$BIGDATA/log-big-$ROWS.csv
gen_log "$ROWS" "$BIG" release # not on every commit: 13 GB take minutes to write

run() { # run OUT ARGS... -> "wall_ms cpu_s rss_kb"
    local out=$1
    shift
    rm -rf "$out"
    local t0=$EPOCHREALTIME
    /usr/bin/time -v -o "$WORK/time.txt" "$DG" run --scheme "$SCHEME" --out "$out" "$@" >/dev/null 2>"$WORK/err.txt" ||
        { cat "$WORK/err.txt" >&2; die "run $* failed"; }
    local t1=$EPOCHREALTIME
    local ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
    local rss cpu
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$WORK/time.txt")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$WORK/time.txt")
    echo "$ms $cpu $rss"
}
say "big: $((ROWS / 10)) rows in memory (the reference rows/s)"
read -r r_ms r_cpu r_rss < <(run "$WORK/ref" --threads 2 "$SMALL")
rm -rf "$WORK/ref"
say "big: $ROWS rows with --memory $MEM"
read -r b_ms b_cpu b_rss < <(run "$WORK/out" --threads 2 --memory "$MEM" --tmp "$WORK" "$BIG")
rows_acc=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['accounting']['rows_accepted'])" "$WORK/out/summary.json")
rm -rf "$WORK/out"
bytes=$(stat -c %s "$BIG")
rss_mib=$((b_rss / 1024))
cap_kib=$(awk "BEGIN{print int(2.2 * 1048576)}")
load=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "## $ROWS rows, bounded memory — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "\`benchmarks/big.sh\` ($("$DG" --version)), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), load average at the end $load; one run each."
    echo
    echo "| run | rows | wall s | CPU s (user+sys) | rows/s | peak RSS MiB |"
    echo "|---|---:|---:|---:|---:|---:|"
    echo "| in memory, --threads 2 | $((ROWS / 10)) | $(awk "BEGIN{printf \"%.1f\", $r_ms/1000}") | $r_cpu | $(awk "BEGIN{printf \"%.2f M\", $ROWS / 10 / ($r_ms / 1000) / 1e6}") | $((r_rss / 1024)) |"
    echo "| --memory $MEM, --threads 2 | $ROWS ($((bytes >> 30)) GiB; $rows_acc accepted) | $(awk "BEGIN{printf \"%.1f\", $b_ms/1000}") | $b_cpu | $(awk "BEGIN{printf \"%.2f M\", $ROWS / ($b_ms / 1000) / 1e6}") | $rss_mib |"
    echo
    if [ "$QUICK" = 0 ]; then
        echo "Target: peak RSS < 2.2 GiB with --memory 2G: $(verdict "$b_rss < $cap_kib") ($rss_mib MiB).  Rows/s of the 200M run against the 20M in-memory run: $(awk "BEGIN{printf \"%.2f\", ($ROWS / $b_ms) / ($ROWS / 10 / $r_ms)}")×."
    else
        echo "(Trial on $ROWS rows; the target is stated for 200M rows with --memory 2G.)"
    fi
    echo
} >"$WORK/section.md"
cat "$WORK/section.md" >&2
if [ "$QUICK" = 1 ]; then
    cp "$WORK/section.md" "$DATA/big-quick.md"
    say "big: written to $DATA/big-quick.md"
    exit 0
fi
python3 $B/markers.py docs/performance.md big "$WORK/section.md" benchmarks/big.sh
say "big: written to docs/performance.md"
