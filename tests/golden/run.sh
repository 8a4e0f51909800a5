#!/bin/sh
# Golden CLI tests.  Each folder tests/golden/<case>/ holds:
#   cmd            one shell command line; $DG is the binary, $OUT a fresh output folder;
#                  it runs inside the case folder, so inputs are named relative to it
#   expected/exit  the expected exit code (default 0)
#   expected/stdout, expected/stderr   compared byte for byte when present ($OUT in them stands for the folder)
#   expected/stderr_contains  each line must occur in stderr (for error messages)
#   expected/stdout_contains  each line must occur in stdout (for help texts)
#   expected/<file>  every other file must equal $OUT/<file> byte for byte
#   README.md      the hand computation behind the expectations
# Folders starting with "_" hold shared inputs (schemes) and are not cases.
set -u
DG=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
pass=0; fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for dir in "$here"/*/; do
    case=$(basename "$dir")
    case "$case" in _*) continue ;; esac
    [ -f "$dir/cmd" ] || continue
    OUT="$tmp/$case"
    mkdir -p "$OUT"
    ( cd "$dir" && DG="$DG" OUT="$OUT" sh -c "$(cat cmd)" ) >"$tmp/$case.stdout" 2>"$tmp/$case.stderr"
    rc=$?
    want=0
    [ -f "$dir/expected/exit" ] && want=$(cat "$dir/expected/exit")
    ok=1; why=""
    if [ "$rc" != "$want" ]; then ok=0; why="exit $rc, expected $want"; fi
    for f in "$dir"/expected/*; do
        [ -f "$f" ] || continue
        name=$(basename "$f")
        case "$name" in
            exit) continue ;;
            stderr_contains|stdout_contains)
                stream=${name%_contains}
                while IFS= read -r want_line; do
                    if ! grep -qF -- "$want_line" "$tmp/$case.$stream"; then
                        ok=0; why="$why; $stream lacks: $want_line"
                    fi
                done < "$f"
                continue ;;
            stdout|stderr) actual="$tmp/$case.$name"
                sed "s#$OUT#\$OUT#g" "$actual" > "$actual.norm"; actual="$actual.norm" ;;
            *) actual="$OUT/$name" ;;
        esac
        if ! cmp -s "$f" "$actual"; then
            ok=0; why="$why; $name differs"
            diff -u "$f" "$actual" 2>&1 | head -20 | sed 's/^/    /'
        fi
    done
    if [ $ok = 1 ]; then pass=$((pass+1)); echo "  ok   $case"
    else fail=$((fail+1)); echo "  FAIL $case: $why"; sed 's/^/    stderr: /' "$tmp/$case.stderr" | head -5; fi
done
echo "golden: $pass passed, $fail failed"
[ $fail = 0 ]
