# Sourced (not run) by tests/scale.sh and tests/mpi.sh: the helpers that compare
# another way of running the engine (spilled, under mpirun) against the plain
# in-memory, one-process run.  One copy, so that what "the same bytes" means —
# every output file, manifest.json without its timings, thread count and command
# line; stdout and stderr with the output folder and thread count aside — cannot
# drift between the two tests.
#
# The caller sets, before using them:
#   T          its scratch folder (the helpers write a.txt, b.txt, diff.txt,
#              manifests.txt there; tmp/ is the engine's temporary folder)
#   CMP_NAME   the prefix of its messages ("scale", "mpi")
#   CMP_REF    what the reference run is called in messages ("the in-memory run")
#   CMP_DROP   optional: a sed regular expression; lines matching it are left out
#              of the stdout/stderr comparison (a launcher's own warnings)
#   CMP_HOOK   optional: a function same_outputs calls first with its label
#              (mpi.sh: fail on a sanitizer report written by any rank)
#   GOLDEN_EVERY optional: each_golden runs only every Nth fixture (counted in n_cases all the same)
# and gets `fail` (0, set to 1 by any mismatch) and bad().
fail=0
bad() { echo "$CMP_NAME: $*"; fail=1; }
tmp_empty() { # $1: what just happened
    if [ -n "$(ls -A "$T/tmp")" ]; then bad "temporary files left after $1: $(ls -A "$T/tmp")"; rm -rf "$T/tmp"/*; fi
}
same_outputs() { # $1 $2 folders, $3 label: every file (manifest.json without its timings), folder names aside
    [ -z "${CMP_HOOK:-}" ] || "$CMP_HOOK" "$3"
    diff -r -q -x manifest.json "$1" "$2" >"$T/diff.txt" 2>&1
    while read -r w a x b y; do
        if [ "$w" = Files ]; then
            sed "s|$1|OUT|g" "$a" >"$T/a.txt"; sed "s|$2|OUT|g" "$b" >"$T/b.txt"
            cmp -s "$T/a.txt" "$T/b.txt" || bad "$3: $a differs from $CMP_REF"
        else
            bad "$3: $w $a $x $b $y"
        fi
    done <"$T/diff.txt"
    find "$1" -name manifest.json >"$T/manifests.txt"
    while read -r m; do
        python3 - "$m" "$2${m#$1}" "$3" "$CMP_NAME" <<'PY' || fail=1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for m in (a, b):
    # the command line and its options differ by design (--memory, --out, --threads)
    for k in ("timings", "threads", "command_line", "options"):
        m.pop(k, None)
if a != b:
    print("%s: %s: manifest.json differs beyond timings and the command line" % (sys.argv[4], sys.argv[3])); sys.exit(1)
PY
    done <"$T/manifests.txt"
}
same_text() { # $1 $2 files, $3 $4 the output folders named in them, $5 label (thread counts aside)
    sed -e "s|$3|OUT|g" -e 's/, [0-9]* threads*$//' ${CMP_DROP:+-e "/$CMP_DROP/d"} "$1" >"$T/a.txt"
    sed -e "s|$4|OUT|g" -e 's/, [0-9]* threads*$//' ${CMP_DROP:+-e "/$CMP_DROP/d"} "$2" >"$T/b.txt"
    cmp -s "$T/a.txt" "$T/b.txt" || bad "$5 differs: $(diff "$T/a.txt" "$T/b.txt" | head -5)"
}
cycle_scheme() { # $1 a scheme, $2 a copy of it (absolute paths) with the generated appeals.csv and advances.csv beside it
    python3 - "$1" "$2" <<'PY'
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
s = json.load(open(src, encoding="utf-8"))
for k in ("catalog", "units", "indicators", "registry"):
    if k in s:
        s[k] = os.path.join(os.path.dirname(os.path.abspath(src)), s[k])
s["appeals"], s["advances"] = "appeals.csv", "advances.csv"
json.dump(s, open(dst, "w", encoding="utf-8"), ensure_ascii=False, indent=1)
PY
}
each_golden() { # $1 a function, called for each golden fixture that is one `$DG run|check` command (explain
    # and diff cases run the engine the same way) after its reference run; it sees $dir (the fixture),
    # $case (its name) and $ref (the reference's output folder; .stdout .stderr .rc beside it); counts n_cases
    n_cases=0
    for dir in "$(pwd)"/tests/golden/*/; do
        case=$(basename "$dir")
        case "$case" in _*) continue ;; esac
        grep -qE '^\$DG (run|check) ' "$dir/cmd" 2>/dev/null || continue
        grep -qE '&&|;' "$dir/cmd" && continue
        n_cases=$((n_cases + 1))
        [ -n "${GOLDEN_EVERY:-}" ] && [ $((n_cases % GOLDEN_EVERY)) != 0 ] && continue
        ref="$T/g/$case/ref"
        mkdir -p "$ref"
        golden_run "$dir" "$ref" DG="$DG"
        "$1"
    done
}
golden_run() { # $1 fixture, $2 output folder, then NAME=VALUE for its cmd: stdout, stderr, exit code in $2.*
    g_dir=$1 g_out=$2
    shift 2
    ( cd "$g_dir" && env "$@" OUT="$g_out" sh -c "$(cat cmd)" ) >"$g_out.stdout" 2>"$g_out.stderr"
    echo $? >"$g_out.rc"
}
same_run() { # $1 the reference run's output folder, $2 this run's (both made by golden_run), $3 label
    cmp -s "$1.rc" "$2.rc" || bad "$3: exit $(cat "$2.rc"), not $(cat "$1.rc") as in $CMP_REF"
    same_text "$1.stdout" "$2.stdout" "$1" "$2" "$3: stdout"
    same_text "$1.stderr" "$2.stderr" "$1" "$2" "$3: stderr"
    same_outputs "$1" "$2" "$3"
}
