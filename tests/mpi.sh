#!/bin/sh
# make check: `mpirun -np N dangliang run|check` must write the same bytes
# as the one-process run (docs/scale.md, "Running on a cluster") — every
# output, stdout, stderr and the exit code; manifest.json without its timings,
# thread count and command line — on the golden fixtures and on a generated
# log split over several files (one gzipped), for 1 to 4 ranks, 1 and 2
# threads, with --memory and with tiny exchange rounds; an error seen by one
# rank only must give the same exit code on every rank, rank 0 must print
# it, and no rank may hang; no temporary file may be left.
# Skipped, with a note, only when mpirun is not installed or the program
# was built without MPI (no mpicc, or NO_MPI=1).
set -u
DG=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
B=$2
if ! command -v mpirun >/dev/null 2>&1; then
    echo "mpi: mpirun not installed (Debian: openmpi-bin libopenmpi-dev): skipping the MPI tests"
    exit 0
fi
if ! "$DG" -V | grep -q '^MPI: built in'; then
    echo "mpi: $DG was built without MPI (no mpicc, or NO_MPI=1): skipping the MPI tests"
    exit 0
fi
T=$(cd "$B" && pwd)/mpi
rm -rf "$T"
mkdir -p "$T/tmp"
# ranks on a shared 2-core machine: give the core away while waiting, and
# no cross-memory-attach (refused inside many containers, with a warning)
export OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
# Under ASan+UBSan (make SAN=1 check, build/san): every process — ranks, and the one-process
# references — writes its sanitizer reports to a file of its own in $T/san (log_path), checked
# after every run (san_check), so that a report is never lost in a rank's standard error nor
# taken for the engine's output; LeakSanitizer ignores what Open MPI and its libraries keep
# allocated until exit (tests/mpi_lsan.supp, complete stacks so that the suppressions match).
SAN=0
case "$B" in *san*) SAN=1 ;; esac
mkdir -p "$T/san"
export LSAN_OPTIONS="suppressions=$(pwd)/tests/mpi_lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0:log_path=$T/san/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$T/san/ubsan"
MPIRUN="mpirun --allow-run-as-root --oversubscribe --quiet -x LSAN_OPTIONS -x ASAN_OPTIONS -x UBSAN_OPTIONS"
MAXNP=4
cap() { if [ "$1" -gt "$MAXNP" ]; then echo "$MAXNP"; else echo "$1"; fi; }
LIMIT=300 # seconds: a rank that waits forever fails the test instead of hanging it
# Open MPI's embedded libevent sometimes warns on mpirun's stderr when a rank
# closes its connection first ("[warn] Epoll MOD(1) on fd 28 failed ...", seen
# on error runs at -np 4): that line is the launcher's, not the engine's.
CMP_NAME=mpi CMP_REF="the one-process run" CMP_DROP='^\[warn\] Epoll ' CMP_HOOK=san_check
# ASan: every third fixture (still 1 to 4 ranks in turn), the whole set takes a quarter hour there
[ $SAN = 1 ] && GOLDEN_EVERY=3
. "$(dirname "$0")/lib_compare.sh"
san_check() { # $1 label: a sanitizer report written since the last check fails the test, shown whole
    for f in "$T/san"/*; do
        [ -e "$f" ] || continue
        bad "$1: sanitizer report $(basename "$f"):"
        cat "$f"
        rm -f "$f"
    done
}

# --- golden fixtures: the same command, run and check under mpirun --------
# Each fixture runs once, with 2, 3, 4 or 1 rank in turn (world size 1 is the
# one-process engine), 1 thread per rank with an even count, 2 with an odd one.
cat >"$T/dgw" <<'W'
#!/bin/sh
c=$1; shift
case "$c" in
run|check) exec timeout "$LIMIT" $MPIRUN -np "$NP" "$REAL" "$c" --threads "$THR" --tmp "$TMPD" "$@" ;;
esac
exec "$REAL" "$c" "$@"
W
chmod +x "$T/dgw"
runs=0
golden_case() { # $dir in one process in $ref (each_golden): under mpirun
    for np in $(cap $((1 + n_cases % 4))); do
        thr=$((1 + np % 2))
        out="$T/g/$case/np$np"
        mkdir -p "$out"
        golden_run "$dir" "$out" REAL="$DG" NP=$np THR=$thr TMPD="$T/tmp" LIMIT=$LIMIT MPIRUN="$MPIRUN" DG="$T/dgw"
        runs=$((runs + 1))
        same_run "$ref" "$out" "$case -np $np"
        tmp_empty "$case -np $np"
        rm -rf "$out"
    done
}
each_golden golden_case
[ $fail = 0 ] && echo "mpi: $runs runs of $n_cases golden fixtures identical under mpirun (1 to 4 ranks) and in one process"

# --- a generated log, whole (every rank reads a byte range of it) and in five files (one gzipped) ---
ROWS=${MPI_ROWS:-300000}
[ $SAN = 1 ] && ROWS=${MPI_ROWS:-100000} # ASan runs several times slower: the same cases on fewer rows
cp -r configs/zhoushan-2020 "$T/scheme"
rm -f "$T/scheme/registry.csv"
SCHEME=$T/scheme/scheme.json
"$DG" gen --scheme "$SCHEME" --rows "$ROWS" --seed 11 --bad-rate 0.003 -o "$T/log.csv" \
    --appeals "$T/appeals.csv" --advances "$T/advances.csv" --registry "$T/scheme/registry.csv" >/dev/null 2>&1 ||
    bad "gen failed"
cycle_scheme "$SCHEME" "$T/cycle.json"
# five files of unequal size, each with the header; a repeated record id
# across files (the generator makes some) is found by its id's rank
total=$(($(wc -l <"$T/log.csv") - 1))
start=2
i=0
for share in 30 10 25 20 15; do
    i=$((i + 1))
    n=$((total * share / 100))
    [ $i = 5 ] && n=$((total - start + 2))
    { head -n 1 "$T/log.csv"; tail -n +"$start" "$T/log.csv" | head -n "$n"; } >"$T/part$i.csv"
    start=$((start + n))
done
gzip -f "$T/part3.csv"
LOGS="$T/part1.csv $T/part2.csv $T/part3.csv.gz $T/part4.csv $T/part5.csv"
"$DG" run --scheme "$SCHEME" --out "$T/ref" --threads 2 $LOGS >"$T/ref.stdout" 2>"$T/ref.stderr" || bad "one-process run failed"
grep -q duplicate_record_id "$T/ref/rejects.csv" || bad "the generated log has no repeated record id: the test would not cover them"
for v in "1 2 -" "2 1 -" "2 2 4M" "3 1 -" "3 2 16M" "4 1 -" "4 2 -"; do
    set -- $v
    [ "$1" -gt "$MAXNP" ] && continue
    extra=""
    [ "$3" != - ] && extra="--memory $3"
    out="$T/np$1-t$2"
    timeout $LIMIT $MPIRUN -np $1 "$DG" run --scheme "$SCHEME" --out "$out" --threads $2 --tmp "$T/tmp" $extra $LOGS \
        >"$T/np.stdout" 2>"$T/np.stderr" || bad "$ROWS rows -np $1 --threads $2 $extra: exit $?"
    same_text "$T/ref.stdout" "$T/np.stdout" "$T/ref" "$out" "$ROWS rows -np $1 --threads $2 $extra: stdout"
    same_text "$T/ref.stderr" "$T/np.stderr" "$T/ref" "$out" "$ROWS rows -np $1 --threads $2 $extra: stderr"
    same_outputs "$T/ref" "$out" "$ROWS rows -np $1 --threads $2 $extra"
    tmp_empty "$ROWS rows -np $1"
    rm -rf "$out"
done
# one file: each rank reads a record-aligned byte range of it
"$DG" run --scheme "$SCHEME" --out "$T/ref1" --threads 2 "$T/log.csv" >"$T/ref1.stdout" 2>"$T/ref1.stderr" ||
    bad "one-process run on one file failed"
for np in 2 3 4; do
    [ "$np" -gt "$MAXNP" ] && continue
    out="$T/one-np$np"
    timeout $LIMIT $MPIRUN -np $np "$DG" run --scheme "$SCHEME" --out "$out" --threads 1 "$T/log.csv" \
        >"$T/np.stdout" 2>"$T/np.stderr" || bad "$ROWS rows in one file -np $np: exit $?"
    same_text "$T/ref1.stdout" "$T/np.stdout" "$T/ref1" "$out" "$ROWS rows in one file -np $np: stdout"
    same_text "$T/ref1.stderr" "$T/np.stderr" "$T/ref1" "$out" "$ROWS rows in one file -np $np: stderr"
    same_outputs "$T/ref1" "$out" "$ROWS rows in one file -np $np"
    rm -rf "$out"
done
# exchanges cut into rounds of 4 KiB per pair of ranks
DANGLIANG_TEST_MPI_CHUNK=4096 timeout $LIMIT $MPIRUN -x DANGLIANG_TEST_MPI_CHUNK -np $(cap 3) "$DG" run --scheme "$SCHEME" \
    --out "$T/rounds" --tmp "$T/tmp" $LOGS >"$T/np.stdout" 2>"$T/np.stderr" || bad "run in 4 KiB rounds failed"
same_text "$T/ref.stdout" "$T/np.stdout" "$T/ref" "$T/rounds" "$ROWS rows in 4 KiB rounds: stdout"
same_outputs "$T/ref" "$T/rounds" "$ROWS rows -np 3 in 4 KiB rounds"
rm -rf "$T/rounds"
# appeals decided on each rank, the unmatched ones on rank 0; the sums before them
"$DG" run --scheme "$T/cycle.json" --out "$T/ap-ref" $LOGS >"$T/ap1.stdout" 2>&1 || bad "run with appeals failed"
timeout $LIMIT $MPIRUN -np $(cap 3) "$DG" run --scheme "$T/cycle.json" --out "$T/ap-np3" $LOGS >"$T/ap2.stdout" 2>&1 ||
    bad "-np 3 run with appeals failed"
grep -q '^appeals' "$T/ap1.stdout" || bad "the run with appeals printed no appeals line"
same_text "$T/ap1.stdout" "$T/ap2.stdout" "$T/ap-ref" "$T/ap-np3" "$ROWS rows with appeals -np 3: stdout"
same_outputs "$T/ap-ref" "$T/ap-np3" "$ROWS rows with appeals and advances -np 3"
"$DG" check --scheme "$SCHEME" --out "$T/c-ref" $LOGS >"$T/c1.stdout"
timeout $LIMIT $MPIRUN -np 2 "$DG" check --scheme "$SCHEME" --out "$T/c-np2" $LOGS >"$T/c2.stdout"
same_text "$T/c1.stdout" "$T/c2.stdout" "$T/c-ref" "$T/c-np2" "check -np 2: stdout"
same_outputs "$T/c-ref" "$T/c-np2" "check $ROWS rows -np 2"
# standard input and a FIFO: read by rank 0 only, wherever they stand in the list
mkfifo "$T/fifo"
cat "$T/part4.csv" >"$T/fifo" &
"$DG" run --scheme "$SCHEME" --out "$T/p-ref" "$T/part1.csv" "$T/fifo" - <"$T/part2.csv" >"$T/p1.stdout" 2>&1
wait
cat "$T/part4.csv" >"$T/fifo" &
timeout $LIMIT $MPIRUN -np $(cap 3) "$DG" run --scheme "$SCHEME" --out "$T/p-np3" "$T/part1.csv" "$T/fifo" - \
    <"$T/part2.csv" >"$T/p2.stdout" 2>&1 || bad "-np 3 with a FIFO and standard input failed: $(cat "$T/p2.stdout")"
wait
same_text "$T/p1.stdout" "$T/p2.stdout" "$T/p-ref" "$T/p-np3" "a FIFO and standard input -np 3: stdout"
same_outputs "$T/p-ref" "$T/p-np3" "a FIFO and standard input -np 3"
[ $fail = 0 ] && echo "mpi: $ROWS rows in one file and in 5 files identical under mpirun -np 1-4 (threads 1, 2; --memory; 4 KiB rounds; appeals and advances; check; a FIFO and standard input)"

# --- errors on one rank only: every rank exits with the code, rank 0 says why, nobody hangs ---
cat >"$T/each" <<'W'
#!/bin/sh
# run the engine, then note this rank's exit code; BAD_RANK gets BAD_SCHEME
r=${OMPI_COMM_WORLD_RANK:-0}
if [ "$r" = "${BAD_RANK:-x}" ]; then
    for a in "$@"; do shift; [ "$a" = "$GOOD_SCHEME" ] && a=$BAD_SCHEME; set -- "$@" "$a"; done
fi
"$REAL" "$@"
echo $? >"$RCDIR/rc.$r"
W
chmod +x "$T/each"
each() { # $1 ranks, $2 expected exit, $3 label, then the command
    np=$1 want=$2 label=$3
    shift 3
    rm -rf "$T/rcs" "$T/eout"
    mkdir -p "$T/rcs"
    REAL="$DG" RCDIR="$T/rcs" GOOD_SCHEME="$SCHEME" BAD_RANK=$BAD_RANK BAD_SCHEME=$BAD_SCHEME timeout $LIMIT $MPIRUN -x REAL -x RCDIR -x GOOD_SCHEME -x BAD_RANK \
        -x BAD_SCHEME -np "$np" "$T/each" "$@" >"$T/e.stdout" 2>"$T/e.stderr"
    rc=$?
    [ $rc = 124 ] && bad "$label: a rank hung (killed after $LIMIT s)"
    r=0
    while [ $r -lt "$np" ]; do
        got=$(cat "$T/rcs/rc.$r" 2>/dev/null || echo none)
        [ "$got" = "$want" ] || bad "$label: rank $r exited with $got, expected $want"
        r=$((r + 1))
    done
    [ -e "$T/eout" ] && bad "$label: the output folder was made"
    tmp_empty "$label"
    san_check "$label"
}
BAD_RANK=none; BAD_SCHEME=none
each 2 4 "an unreadable log" run --scheme "$SCHEME" --out "$T/eout" --tmp "$T/tmp" \
    "$T/part1.csv" "$T/no-such.csv"
grep -q 'no-such.csv' "$T/e.stderr" || bad "an unreadable log: rank 0 does not name it: $(cat "$T/e.stderr")"
each $(cap 3) 4 "an unreadable gzip log (one rank's)" run --scheme "$SCHEME" --out "$T/eout" --tmp "$T/tmp" \
    "$T/part1.csv" "$T/no-such.csv.gz" "$T/part2.csv"
grep -q 'no-such.csv.gz' "$T/e.stderr" || bad "an unreadable gzip log: rank 0 does not name it: $(cat "$T/e.stderr")"
BAD_RANK=2; BAD_SCHEME="$T/no-such-scheme.json"
BAD_RANK=$(cap 3); BAD_RANK=$((BAD_RANK - 1))
each $(cap 3) 4 "a scheme only rank $BAD_RANK cannot read" \
    run --scheme "$SCHEME" --out "$T/eout" --tmp "$T/tmp" $LOGS
grep -q 'no-such-scheme.json' "$T/e.stderr" || bad "a scheme missing on rank 2: rank 0 does not name it: $(cat "$T/e.stderr")"
echo '{"id": "broken",' >"$T/broken.json"
BAD_RANK=1; BAD_SCHEME="$T/broken.json"
each $(cap 4) 3 "check with a scheme that is not JSON on rank 1 only" \
    check --scheme "$SCHEME" --tmp "$T/tmp" $LOGS
grep -q 'broken.json' "$T/e.stderr" || bad "a broken scheme on rank 1: rank 0 does not name it: $(cat "$T/e.stderr")"
BAD_RANK=none; BAD_SCHEME=none
mkdir -p "$T/full"
echo x >"$T/full/x"
each $(cap 3) 4 "an output folder that is not empty (rank 0 only)" run --scheme "$SCHEME" --out "$T/full" $LOGS
each 2 0 "a run that succeeds" run --scheme "$SCHEME" --out "$T/eok" --tmp "$T/tmp" "$T/part1.csv" "$T/part2.csv"
rm -rf "$T/eok"
[ $fail = 0 ] && echo "mpi: an error on one rank (unreadable log, missing or broken scheme, output folder) gives its exit code on every rank, no hang"
[ $fail = 0 ] && rm -rf "$T"
[ $fail = 0 ]
