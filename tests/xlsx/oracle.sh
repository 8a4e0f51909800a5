#!/bin/sh
# The workbook writer against its oracle: every golden case (tests/golden/*/cmd)
# is run twice, by the program ($1) and by the same program with the
# libxlsxwriter writer it replaced ($2, build/tests/dangliang-lxw); every
# payouts.xlsx written must be the same bytes (cmp), and so must the exit
# code and every other output but manifest.json (which records timings).
set -u
DG=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
LXW=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
golden=$(cd "$(dirname "$0")/../golden" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0; fail=0
for dir in "$golden"/*/; do
    case=$(basename "$dir")
    case "$case" in _*) continue ;; esac
    [ -f "$dir/cmd" ] || continue
    grep -q 'run' "$dir/cmd" || continue
    for who in new lxw; do
        bin=$DG; [ $who = lxw ] && bin=$LXW
        mkdir -p "$tmp/$who"
        ( cd "$dir" && DG="$bin" OUT="$tmp/$who/$case" sh -c "$(cat cmd)" ) >/dev/null 2>&1
        echo $? > "$tmp/$who/$case.rc"
    done
    if ! cmp -s "$tmp/new/$case.rc" "$tmp/lxw/$case.rc"; then
        echo "  FAIL $case: exit $(cat "$tmp/new/$case.rc"), oracle $(cat "$tmp/lxw/$case.rc")"; fail=$((fail+1)); continue
    fi
    [ -f "$tmp/lxw/$case/payouts.xlsx" ] || [ -f "$tmp/new/$case/payouts.xlsx" ] || continue
    bad=""
    for name in $( (ls "$tmp/lxw/$case"; ls "$tmp/new/$case") | sort -u); do
        [ "$name" = manifest.json ] && continue
        cmp -s "$tmp/new/$case/$name" "$tmp/lxw/$case/$name" || bad="$bad $name"
    done
    if [ -n "$bad" ]; then echo "  FAIL $case:$bad differ"; fail=$((fail+1)); else n=$((n+1)); echo "  ok   $case"; fi
done
echo "workbook oracle: $n workbooks identical, $fail failed"
[ $fail = 0 ] && [ $n -ge 15 ]
