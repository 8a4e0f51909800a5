#!/bin/sh
# timed.sh LABEL COMMAND...: run COMMAND, then print how long it took.
# Used by `make check` so the slow phases (browser, LibreOffice) show their time.
label=$1; shift
start=$(date +%s)
"$@"; rc=$?
echo "== $label: $(( $(date +%s) - start )) s"
exit $rc
