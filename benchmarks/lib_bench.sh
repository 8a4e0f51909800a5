# Sourced (bash) by benchmarks/run.sh, scale.sh and big.sh, right after
# `set -euo pipefail`, with the script's own arguments: what each of them
# started with — the argument check, the paths, the messages — and the one
# way bench logs are generated and cached, so that a log one script made is
# the log the others expect (same rows, seed, bad rate, scheme and program).
#
# The caller sets BENCH_NAME (the prefix of die's message, e.g. "bench scale")
# before sourcing; afterwards it has ROOT (the checkout, also the current
# folder), DG (the program, absolute), B, DATA, SCHEME (the bench's 2,000-unit
# scheme; made by make_scheme.py), say, die, verdict and gen_log.
if [ $# -ne 1 ]; then
    echo "usage: benchmarks/$(basename "$0") path/to/dangliang" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DG=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$ROOT"
B=benchmarks
DATA=$B/data
SCHEME=$DATA/scheme-2000/scheme.json
say() { printf '== %s\n' "$*" >&2; }
die() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; exit 1; }
verdict() { if awk "BEGIN{exit !($1)}"; then echo met; else echo MISSED; fi; }

# gen_log ROWS FILE [release]: FILE holds ROWS rows of `dangliang gen --seed 1
# --bad-rate 0.001` on the bench scheme, generated again only when its stamp
# changes: the row count, seed and bad rate, a digest of the scheme's files
# and the program's version line.  "release": the version without its commit,
# for a log too large to write again on every commit (200M rows: minutes).
gen_log() {
    local rows=$1 file=$2 version
    version=$("$DG" --version 2>&1 | sed -n 1p) # sed, not head: reads it all, no SIGPIPE under pipefail
    [ "${3:-}" = release ] && version=${version% (commit*}
    local stamp
    stamp="rows=$rows seed=1 bad-rate=0.001 scheme=$(cat "$DATA"/scheme-2000/* | sha256sum | cut -c1-16) $version"
    if [ -f "$file" ] && [ -f "$file.stamp" ] && [ "$(cat "$file.stamp")" = "$stamp" ]; then
        return 0
    fi
    say "generating $file ($rows rows)"
    rm -f "$file" "$file.stamp"
    "$DG" gen --scheme "$SCHEME" --rows "$rows" --seed 1 --bad-rate 0.001 -o "$file" >&2
    printf '%s\n' "$stamp" >"$file.stamp"
}
