#!/bin/bash
# `make install` and the documents of the command line (run by `make check`):
#   1. make install DESTDIR=<scratch> PREFIX=/usr puts the program, the man
#      page and the bash completion in place, and the installed program runs;
#   2. every option that `dangliang COMMAND --help` lists is in the man
#      page's section of that command and in the completion's list for it
#      (so an option added to a command's table cannot be left undocumented);
#   3. the man page renders without warnings (groff -man -ww);
#   4. the completion completes commands, options and --format values;
#   5. no file refers to "SPEC §…" or "issue N", which a user's clone does not
#      have (docs, README, configs, comments): they name the project's docs.
set -u
BIN=$1
BUILD=${2:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); echo "  ok   $1"; }
bad() { fail=$((fail+1)); echo "  FAIL $1"; }

# 1. install
if make --no-print-directory -s install DESTDIR="$tmp/dest" PREFIX=/usr >"$tmp/install.log" 2>&1; then
    ok "make install DESTDIR=… PREFIX=/usr"
else
    bad "make install failed:"; sed 's/^/    /' "$tmp/install.log" | head -20
fi
for f in usr/bin/dangliang usr/share/man/man1/dangliang.1 usr/share/bash-completion/completions/dangliang; do
    if [ -s "$tmp/dest/$f" ]; then ok "installed $f"; else bad "missing $f"; fi
done
if [ -x "$tmp/dest/usr/bin/dangliang" ] && "$tmp/dest/usr/bin/dangliang" -V | grep -q '^dangliang [0-9.]* (commit '; then
    ok "the installed program runs (-V)"
else
    bad "the installed program does not run or -V is wrong"
fi

# the build commit is the checkout's (make rebuilt cli_version.o when it changed)
if [ -e .git ] && command -v git >/dev/null 2>&1; then
    want=$(git describe --always --dirty 2>/dev/null)
    if "$BIN" -V | grep -qF "(commit $want)"; then ok "-V shows git describe ($want)"
    else bad "-V shows $("$BIN" -V), git describe says $want"; fi
fi

# 2. help = man page = completion, per command
man="docs/dangliang.1"
comp="scripts/dangliang.bash-completion"
for cmd in run check gen explain diff; do
    if ! "$BIN" "$cmd" --help >"$tmp/help.txt" 2>"$tmp/help.err"; then
        bad "$cmd --help exits non-zero"; continue
    fi
    # the man page section: from .SS "dangliang CMD" to the next .SS/.SH
    awk -v c="dangliang $cmd" '/^\.S[SH] /{on = index($0, "\"" c "\"") > 0; next} on' "$man" >"$tmp/man.txt"
    [ -s "$tmp/man.txt" ] || bad "man page has no section for $cmd"
    line=$(grep -E "^ *$cmd\)" "$comp")
    opts=$(grep -E '^  (-[a-zA-Z], )?--|^      --' "$tmp/help.txt" | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-z0-9-]*' | tr -d ' ,')
    [ -n "$opts" ] || bad "$cmd --help lists no options"
    missing_man=""; missing_comp=""
    for o in $opts; do
        esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')      # --no-bom is \-\-no\-bom in the man source
        grep -qE -- "(^|[^a-z\\\\-])$esc([^a-z\\\\-]|\$)" "$tmp/man.txt" || missing_man="$missing_man $o"
        printf '%s\n' "$line" | grep -qE -- "[\" ]$o( |\")" || missing_comp="$missing_comp $o"
    done
    if [ -z "$missing_man" ]; then ok "man page documents every option of $cmd"; else bad "man page lacks for $cmd:$missing_man"; fi
    if [ -z "$missing_comp" ]; then ok "completion knows every option of $cmd"; else bad "completion lacks for $cmd:$missing_comp"; fi
done

# 3. the man page renders cleanly
if command -v groff >/dev/null 2>&1; then
    w=$(groff -man -ww -z "$man" 2>&1)
    if [ -z "$w" ]; then ok "groff -man -ww: no warnings"; else bad "groff warnings:"; echo "$w" | head -10 | sed 's/^/    /'; fi
else
    echo "  skip groff -man -ww (groff is not installed: apt-get install groff-base)"
fi

# 4. the completion works
complete_words() { # words... ; the last word is the one being completed
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _dangliang; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$comp" "$@"
}
[ "$(complete_words dangliang ru)" = "run" ] && ok "completion: commands" || bad "completion: dangliang ru<TAB> is not run"
complete_words dangliang run --sch | grep -qx -- --scheme && ok "completion: options" || bad "completion: run --sch<TAB>"
[ "$(complete_words dangliang explain --format j)" = "json" ] && ok "completion: explain --format values" \
    || bad "completion: explain --format j<TAB> is not json"
[ "$(complete_words dangliang gen --format j)" = "jsonl" ] && ok "completion: gen --format values" \
    || bad "completion: gen --format j<TAB> is not jsonl"

# 5. references only to the project's own documents
refs=$(git ls-files --cached --others --exclude-standard 2>/dev/null | grep -vE '^tests/fuzz/corpus/|^tests/install_test\.sh$' |
       xargs -d '\n' grep -nIE 'SPEC ?§|SPEC [0-9]|[Ii]ssue #?[0-9]+\b' 2>/dev/null | head -5)
if [ -z "$refs" ]; then ok "no references to SPEC sections or issue numbers"
else bad "references a user's clone cannot follow (name the project's docs instead):"; echo "$refs" | sed 's/^/    /'; fi

echo "install: $pass passed, $fail failed"
[ "$fail" = 0 ]
