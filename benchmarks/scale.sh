#!/usr/bin/env bash
# make bench, part 2: bounded memory (docs/scale.md).  Run it on a QUIET machine: the
# targets are wall-time ratios and peak RSS.
#
#   20M rows (the run.sh file): in memory vs --memory 256M
#       targets: peak RSS <= 300 MiB, wall <= 1.5x the in-memory run, outputs identical
#   200M rows with --memory 2G: benchmarks/big.sh (run.sh calls it when BENCH_BIG=1)
#   MPI (mpirun -np 2, weak scaling 1-4 ranks): benchmarks/mpi.sh, its own section
#
# The result goes between the scale markers of docs/performance.md.  To try the script
# itself on a small file (result in benchmarks/data/scale-quick.md, docs untouched):
#   BENCH_SCALE_ROWS=300000 BENCH_SCALE_MEMORY=8M benchmarks/scale.sh build/dangliang
set -euo pipefail
BENCH_NAME="bench scale"
. "$(dirname "$0")/lib_bench.sh" # DG, B, DATA, SCHEME, say, die, verdict, gen_log
WORK=$DATA/work-scale
ROWS=${BENCH_SCALE_ROWS:-20000000}
MEM=${BENCH_SCALE_MEMORY:-256M}
REPS=${BENCH_REPS:-3}
command -v /usr/bin/time >/dev/null || die "needs /usr/bin/time (Debian package time)"
mkdir -p "$DATA" "$WORK"
[ -f "$SCHEME" ] || python3 $B/make_scheme.py --out "$DATA/scheme-2000" >&2

if [ "$ROWS" = 20000000 ]; then LOG=$DATA/log-20m.csv; QUICK=0; else LOG=$DATA/log-scale-$ROWS.csv; QUICK=1; fi
[ -f "$LOG" ] && [ "$QUICK" = 0 ] || gen_log "$ROWS" "$LOG"

run() { # run LABEL OUT ARGS... -> "ms rss_kb" of the fastest repetition
    local label=$1 out=$2 best_ms=0 best_rss=0
    shift 2
    for rep in $(seq 1 "$REPS"); do
        rm -rf "$out"
        local t0=$EPOCHREALTIME
        /usr/bin/time -v -o "$WORK/time.txt" "$DG" run --scheme "$SCHEME" --out "$out" "$@" "$LOG" >/dev/null 2>"$WORK/err.txt" ||
            { cat "$WORK/err.txt" >&2; die "$label failed"; }
        local t1=$EPOCHREALTIME
        local ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
        local rss
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$WORK/time.txt")
        printf '   %-28s rep %d  %8.2f s  %6d MiB\n' "$label" "$rep" "$(awk "BEGIN{print $ms/1000}")" $((rss / 1024)) >&2
        if [ "$best_ms" = 0 ] || [ "$ms" -lt "$best_ms" ]; then best_ms=$ms; fi
        if [ "$rss" -gt "$best_rss" ]; then best_rss=$rss; fi
    done
    echo "$best_ms $best_rss"
}
same() { # same DIR_A DIR_B: every output but the manifest
    for f in payouts.csv units.csv items.csv staff.csv rejects.csv flags.csv summary.json report.html; do
        cmp -s "$1/$f" "$2/$f" || { echo "no ($f differs)"; return; }
    done
    echo yes
}

cat "$LOG" >/dev/null
bytes=$(stat -c %s "$LOG")
say "scale: $ROWS rows ($((bytes >> 20)) MiB), $REPS repetition(s), in memory and --memory $MEM"
read -r m_ms m_rss < <(run "in memory (--threads 2)" "$WORK/mem" --threads 2)
rm -f "$WORK/spill-stats.txt"
read -r s_ms s_rss < <(DANGLIANG_SPILL_STATS="$WORK/spill-stats.txt" run "--memory $MEM (--threads 2)" "$WORK/spill" --threads 2 --memory "$MEM" --tmp "$WORK")
spill_line=$(tail -n 1 "$WORK/spill-stats.txt" 2>/dev/null || echo "not spilled")
tmp_bytes=$(sed -n 's/.* \([0-9]*\) temporary bytes.*/\1/p' <<<"$spill_line")
tmp_per_row=$( [ -n "$tmp_bytes" ] && awk "BEGIN{printf \"%.1f\", $tmp_bytes / $ROWS}" || echo "?")
ident=$(same "$WORK/mem" "$WORK/spill")
ratio=$(awk "BEGIN{printf \"%.2f\", $s_ms / $m_ms}")
rss_mib=$((s_rss / 1024))
tmpfree=$(df -h --output=avail "$WORK" | tail -1 | tr -d ' ')

DOC=docs/performance.md
[ "$QUICK" = 1 ] && DOC=$DATA/scale-quick.md
{
    echo "## Bounded memory — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "\`benchmarks/scale.sh\` ($("$DG" --version)), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo);"
    echo "fastest of $REPS repetitions for time, highest peak RSS (\`/usr/bin/time -v\`); temp folder on a file system with $tmpfree free."
    echo
    echo "| $ROWS rows, $((bytes >> 20)) MiB | wall s | peak RSS MiB | outputs identical |"
    echo "|---|---:|---:|---|"
    echo "| in memory, --threads 2 | $(awk "BEGIN{printf \"%.2f\", $m_ms/1000}") | $((m_rss / 1024)) | — |"
    echo "| --memory $MEM, --threads 2 | $(awk "BEGIN{printf \"%.2f\", $s_ms/1000}") | $rss_mib | $ident |"
    echo
    echo "The spilled run (\`DANGLIANG_SPILL_STATS\`, last repetition): $spill_line — $tmp_per_row temporary bytes a row."
    echo
    if [ "$QUICK" = 0 ]; then
        echo "Targets: peak RSS ≤ 300 MiB: $(verdict "$rss_mib <= 300") ($rss_mib MiB); wall ≤ 1.5× in memory: $(verdict "$ratio <= 1.5") (${ratio}×)."
    else
        echo "(Trial on $ROWS rows: the targets are stated for 20M rows with --memory 256M; ratio here ${ratio}×.)"
    fi
    echo
} >"$WORK/section.md"

echo "200M rows with --memory 2G: \`benchmarks/big.sh\` (BENCH_BIG=1), recorded in its own section below." >>"$WORK/section.md"
echo >>"$WORK/section.md"
echo "MPI (\`mpirun -np 2\`, weak scaling over 1–4 ranks, exchange volume per rank): \`benchmarks/mpi.sh\`, in its own section below." >>"$WORK/section.md"

cat "$WORK/section.md" >&2
if [ "$QUICK" = 1 ]; then
    cp "$WORK/section.md" "$DOC"
else
    python3 $B/markers.py "$DOC" scale "$WORK/section.md" benchmarks/scale.sh
fi
say "scale: written to $DOC"
[ "$ident" = yes ] || die "outputs differ between the in-memory and the spilled run"
