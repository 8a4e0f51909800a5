#!/usr/bin/env bash
# make bench, MPI part (docs/scale.md, "Running on a cluster"); benchmarks/run.sh calls it when
# the program is built with MPI.  Run it on a QUIET machine: the target is a wall-time ratio.
#
#   the 20M-row bench log (each rank reads a byte range of it):
#     one process (--threads 2)  vs  mpirun -np 2 (--threads 1 per rank)
#       target: wall <= 1.3x the one-process run, outputs identical
#     bytes each rank sent and received (DANGLIANG_MPI_STATS)
#   the same log cut at line boundaries into 4 files of 5M rows (each with the header):
#     weak scaling: 1, 2, 3, 4 ranks (--threads 1) on 1, 2, 3, 4 of the files (5M rows a rank)
#
# The result goes between the mpi markers of docs/performance.md.  To try the script on a small
# file (result in benchmarks/data/mpi-quick.md, docs untouched):
#   BENCH_MPI_ROWS=400000 benchmarks/mpi.sh build/dangliang
# BENCH_DATA=DIR reads and writes the data there instead of benchmarks/data; BENCH_LOCK=FILE takes
# `flock FILE` around each timed run (a shared machine's big-run lock).
set -euo pipefail
if [ $# -ne 1 ]; then
    echo "usage: benchmarks/mpi.sh path/to/dangliang" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DG=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$ROOT"
B=benchmarks
DATA=${BENCH_DATA:-$B/data}
WORK=$DATA/work-mpi
SCHEME=$DATA/scheme-2000/scheme.json
ROWS=${BENCH_MPI_ROWS:-20000000}
REPS=${BENCH_REPS:-3}
say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench mpi: %s\n' "$*" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || die "needs /usr/bin/time (Debian package time)"
command -v mpirun >/dev/null || die "needs mpirun (Debian package openmpi-bin)"
"$DG" -V | grep -q '^MPI: built in' || die "$DG is built without MPI"
# --bind-to none: the layout docs/scale.md recommends on one machine (rank 0 writes the outputs
# with the threads of the ranks that are done; bound, they would share its one core)
MPIRUN=(mpirun --allow-run-as-root --oversubscribe --quiet --bind-to none)
LOCK=()
[ -n "${BENCH_LOCK:-}" ] && LOCK=(flock "$BENCH_LOCK")
# Open MPI's default single-copy transfer between ranks of one machine (CMA, process_vm_readv) moves
# the exchange at a fraction of the CPU of copying it through shared-memory fragments; containers that
# refuse it make Open MPI fail with "Read -1, expected …": BENCH_MPI_SINGLE_COPY=none there.
[ -n "${BENCH_MPI_SINGLE_COPY:-}" ] && export OMPI_MCA_btl_vader_single_copy_mechanism=$BENCH_MPI_SINGLE_COPY
mkdir -p "$DATA" "$WORK"
[ -f "$SCHEME" ] || python3 $B/make_scheme.py --out "$DATA/scheme-2000" >&2
if [ "$ROWS" = 20000000 ]; then LOG=$DATA/log-20m.csv; QUICK=0; else LOG=$DATA/log-mpi-$ROWS.csv; QUICK=1; fi
stamp="rows=$ROWS seed=1 bad-rate=0.001 $("$DG" --version | head -1)"
if [ ! -f "$LOG" ] || { [ "$QUICK" = 1 ] && [ "$(cat "$LOG.stamp" 2>/dev/null)" != "$stamp" ]; }; then
    say "generating $LOG ($ROWS rows)"
    "$DG" gen --scheme "$SCHEME" --rows "$ROWS" --seed 1 --bad-rate 0.001 -o "$LOG" >&2
    echo "$stamp" >"$LOG.stamp"
fi
# the 4 pieces, remade when the log changes
pstamp="$(readlink -f "$LOG") $(stat -L -c '%s %Y' "$LOG")"
if [ ! -f "$WORK/piece4.csv" ] || [ "$(cat "$WORK/pieces.stamp" 2>/dev/null)" != "$pstamp" ]; then
    say "cutting $LOG into 4 files"
    total=$(($(wc -l <"$LOG") - 1))
    per=$(((total + 3) / 4))
    tail -n +2 "$LOG" | split -l "$per" -d -a 1 - "$WORK/body"
    for i in 1 2 3 4; do
        { head -n 1 "$LOG"; cat "$WORK/body$((i - 1))"; } >"$WORK/piece$i.csv"
        rm -f "$WORK/body$((i - 1))"
    done
    echo "$pstamp" >"$WORK/pieces.stamp"
fi
PIECES=("$WORK/piece1.csv" "$WORK/piece2.csv" "$WORK/piece3.csv" "$WORK/piece4.csv")

# each rank under /usr/bin/time -v: the peak RSS of the largest rank
cat >"$WORK/timed" <<'W'
#!/bin/sh
exec /usr/bin/time -v -o "$MPI_TIMES.${OMPI_COMM_WORLD_RANK:-0}" "$@"
W
chmod +x "$WORK/timed"
# the wall time of a command, measured inside the lock (waiting for it is not the run's time)
cat >"$WORK/clock" <<'W'
#!/bin/sh
out=$1; shift
t0=$(date +%s%N); "$@"; rc=$?; t1=$(date +%s%N)
echo $(( (t1 - t0) / 1000000 )) >"$out"
exit $rc
W
chmod +x "$WORK/clock"

run() { # run LABEL NP OUT ARGS... -> "ms rss_kb cpu_ms" of the fastest repetition (NP 0: no mpirun); cpu: user + sys of all ranks
    local label=$1 np=$2 out=$3 best_ms=0 best_rss=0 best_cpu=0
    shift 3
    for rep in $(seq 1 "$REPS"); do
        rm -rf "$out" "$WORK"/times.* "$WORK/stats.txt"
        if [ "$np" = 0 ]; then
            MPI_TIMES=$WORK/times "${LOCK[@]}" "$WORK/clock" "$WORK/ms.txt" "$WORK/timed" "$DG" run --scheme "$SCHEME" --out "$out" "$@" >/dev/null 2>"$WORK/err.txt" ||
                { cat "$WORK/err.txt" >&2; die "$label failed"; }
        else
            DANGLIANG_MPI_STATS=$WORK/stats.txt MPI_TIMES=$WORK/times "${LOCK[@]}" "$WORK/clock" "$WORK/ms.txt" \
                "${MPIRUN[@]}" -x DANGLIANG_MPI_STATS -x MPI_TIMES \
                -np "$np" "$WORK/timed" "$DG" run --scheme "$SCHEME" --out "$out" "$@" >/dev/null 2>"$WORK/err.txt" ||
                { cat "$WORK/err.txt" >&2; die "$label failed"; }
        fi
        local ms
        ms=$(cat "$WORK/ms.txt")
        local rss=0 r cpu
        for f in "$WORK"/times.*; do
            r=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$f")
            [ "$r" -gt "$rss" ] && rss=$r
        done
        cpu=$(cat "$WORK"/times.* | awk -F': ' '/(User|System) time \(seconds\)/ {t += $2} END {printf "%d", t * 1000}')
        printf '   %-34s rep %d  %8.2f s  %6.2f CPU s  %6d MiB (largest rank)\n' "$label" "$rep" \
            "$(awk "BEGIN{print $ms/1000}")" "$(awk "BEGIN{print $cpu/1000}")" $((rss / 1024)) >&2
        if [ "$best_ms" = 0 ] || [ "$ms" -lt "$best_ms" ]; then
            best_ms=$ms
            best_cpu=$cpu
            [ -f "$WORK/stats.txt" ] && cp "$WORK/stats.txt" "$WORK/stats-$(basename "$out").txt"
        fi
        if [ "$rss" -gt "$best_rss" ]; then best_rss=$rss; fi
    done
    echo "$best_ms $best_rss $best_cpu"
}
same() { # same DIR_A DIR_B: every output but the manifest
    for f in payouts.csv units.csv items.csv staff.csv rejects.csv flags.csv quality.csv summary.json report.html; do
        [ -e "$1/$f" ] || [ -e "$2/$f" ] || continue
        cmp -s "$1/$f" "$2/$f" || { echo "no ($f differs)"; return; }
    done
    echo yes
}
verdict() { if awk "BEGIN{exit !($1)}"; then echo met; else echo MISSED; fi; }
mib() { awk "BEGIN{printf \"%.0f\", $1 / 1048576}"; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
say "mpi: $ROWS rows, $REPS repetition(s), load average $load0"
read -r one_ms one_rss one_cpu < <(run "one process (--threads 2)" 0 "$WORK/one" --threads 2 "$LOG")
read -r np2_ms np2_rss np2_cpu < <(run "mpirun -np 2 (--threads 1)" 2 "$WORK/np2" --threads 1 "$LOG")
ident=$(same "$WORK/one" "$WORK/np2")
ratio=$(awk "BEGIN{printf \"%.2f\", $np2_ms / $one_ms}")
declare -a wk_ms wk_rss wk_cpu
for k in 1 2 3 4; do
    read -r wk_ms[$k] wk_rss[$k] wk_cpu[$k] < <(run "weak: -np $k on $k file(s)" "$k" "$WORK/w$k" --threads 1 "${PIECES[@]:0:$k}")
    rm -rf "$WORK/w$k"
done

DOC=docs/performance.md
[ "$QUICK" = 1 ] && DOC=$DATA/mpi-quick.md
{
    echo "## MPI — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "\`benchmarks/mpi.sh\` ($("$DG" --version | head -1)), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), Open MPI $(mpirun --version 2>/dev/null | head -1 | awk '{print $NF}'), all ranks on this machine;"
    echo "ranks read byte ranges of the $ROWS-row log; fastest of $REPS repetitions for time, highest peak RSS of the largest rank;"
    echo "load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (wall times compare only on a quiet machine; CPU seconds hold up better under load)."
    echo
    echo "| $ROWS rows | wall s | CPU s (user + sys, all ranks) | peak RSS MiB (largest rank) | outputs identical |"
    echo "|---|---:|---:|---:|---|"
    echo "| one process, --threads 2 | $(awk "BEGIN{printf \"%.2f\", $one_ms/1000}") | $(awk "BEGIN{printf \"%.2f\", $one_cpu/1000}") | $((one_rss / 1024)) | — |"
    echo "| mpirun -np 2, --threads 1 each | $(awk "BEGIN{printf \"%.2f\", $np2_ms/1000}") | $(awk "BEGIN{printf \"%.2f\", $np2_cpu/1000}") | $((np2_rss / 1024)) | $ident |"
    echo
    echo "Exchange, \`-np 2\` (bytes each rank sent to and received from the other, \`DANGLIANG_MPI_STATS\`):"
    echo
    while read -r _ r _ n s sent _ _ recv _ _ vms _ _ ums _; do
        echo "- rank $r: sent $(mib "$sent") MiB, received $(mib "$recv") MiB ($(awk "BEGIN{printf \"%.1f\", $sent / ($ROWS / 2)}") bytes per row read); validation $vms ms, exchange and per-unit stages $ums ms"
    done < <(sed 's/,//g' "$WORK/stats-np2.txt" | sort -n -k2)
    echo
    echo "Steps of each rank, wall ms / CPU ms of the process (\`DANGLIANG_MPI_STATS\`; a rank waiting for another sleeps, so its CPU stays low):"
    echo
    sed -n 's/^rank \([0-9]*\) of.*; steps /- rank \1:/p' "$WORK/stats-np2.txt" | sort
    echo
    echo "Weak scaling ($((ROWS / 4)) rows a rank, --threads 1 a rank; on this 2-core machine 3 and 4 ranks share the cores):"
    echo
    echo "| ranks | rows | wall s | CPU s (all ranks) | CPU s per rank | peak RSS MiB (largest rank) | efficiency (1 rank's time / this) |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
    for k in 1 2 3 4; do
        echo "| $k | $((ROWS / 4 * k)) | $(awk "BEGIN{printf \"%.2f\", ${wk_ms[$k]}/1000}") | $(awk "BEGIN{printf \"%.2f\", ${wk_cpu[$k]}/1000}") | $(awk "BEGIN{printf \"%.2f\", ${wk_cpu[$k]}/1000/$k}") | $((wk_rss[$k] / 1024)) | $(awk "BEGIN{printf \"%.2f\", ${wk_ms[1]} / ${wk_ms[$k]}}") |"
    done
    echo
    if [ "$QUICK" = 0 ]; then
        echo "Target: \`mpirun -np 2\` wall ≤ 1.3× the one-process run: $(verdict "$ratio <= 1.3") (${ratio}×; CPU seconds $(awk "BEGIN{printf \"%.2f\", $np2_cpu / $one_cpu}")×); outputs identical: $ident."
    else
        echo "(Trial on $ROWS rows: the target is stated for 20M rows; ratio here ${ratio}×.)"
    fi
    echo
} >"$WORK/section.md"

cat "$WORK/section.md" >&2
if [ "$QUICK" = 1 ]; then
    cp "$WORK/section.md" "$DOC"
else
    python3 $B/markers.py "$DOC" mpi "$WORK/section.md" benchmarks/mpi.sh
fi
rm -rf "$WORK/one" "$WORK/np2"
say "mpi: written to $DOC"
[ "$ident" = yes ] || die "outputs differ between the one-process and the MPI run"
