#!/bin/sh
# Inputs that are not plain, well-behaved files, through the real CLI:
#   1. a FIFO: `run` finishes (it used to hang reopening the FIFO to hash it),
#      gives the same payouts as the regular file, and manifest.json holds the
#      SHA-256 of the bytes that went through the FIFO;
#   2. `-` for standard input, CSV by default and JSON Lines with --format;
#      the same outputs and the right input SHA-256 as for the file;
#   3. a 2 MiB record is one `malformed` row whose detail gives its length,
#      the rows after it are read; --max-record raises the cap (the row is
#      then rejected for its over-long id instead) and a bad size is exit 2;
#   4. a gzip bomb (256 MiB of NUL bytes in a 270 KB .gz, inside a log) under
#      `ulimit -v` exits 0 with one malformed row, in bounded memory (under
#      ASan, which reserves terabytes of address space, without the limit).
# usage: tests/robust/inputs_test.sh [DG] [BUILD]      (from the repository root)
set -u
DG=${1:-build/dangliang}
B=${2:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1
DG=$(cd "$(dirname "$DG")" && pwd)/$(basename "$DG")
T="$root/$B/robust-test"
SCHEME="$root/tests/golden/_small/scheme.json"
rm -rf "$T"
mkdir -p "$T"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok   $1"; }
bad() { fail=$((fail + 1)); echo "  FAIL $1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
# the sha256 of the n-th input in a manifest (one input per run here)
input_sha() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inputs"][0]["sha256"])' "$1"; }

"$DG" gen --scheme "$SCHEME" --rows 3000 --seed 7 --bad-rate 0.05 -o "$T/log.csv" >/dev/null 2>&1 || { bad "gen"; exit 1; }
"$DG" gen --scheme "$SCHEME" --rows 500 --seed 8 --format jsonl -o "$T/log.jsonl" >/dev/null 2>&1 || { bad "gen jsonl"; exit 1; }
"$DG" run --scheme "$SCHEME" --out "$T/ref" "$T/log.csv" >/dev/null 2>&1 || bad "reference run"
"$DG" run --scheme "$SCHEME" --out "$T/refj" "$T/log.jsonl" >/dev/null 2>&1 || bad "reference jsonl run"
want=$(sha "$T/log.csv")
wantj=$(sha "$T/log.jsonl")

same_outputs() { # dir ref input-path-used-in-dir
    for f in payouts.csv units.csv staff.csv; do
        cmp -s "$1/$f" "$2/$f" || return 1
    done
    # rejects.csv names the input: compare with the names taken out
    sed -e "s#^'\?$3,#IN,#" -e "s#at $3 line#at IN line#" "$1/rejects.csv" >"$1/rej.cut"
    sed -e "s#^'\?$4,#IN,#" -e "s#at $4 line#at IN line#" "$2/rejects.csv" >"$2/rej.cut"
    cmp -s "$1/rej.cut" "$2/rej.cut"
}

# 1. FIFO
mkfifo "$T/fifo"
(cat "$T/log.csv" >"$T/fifo") &
timeout 60 "$DG" run --scheme "$SCHEME" --out "$T/fifo_out" "$T/fifo" >/dev/null 2>"$T/fifo.err"
rc=$?
if [ $rc = 0 ] && same_outputs "$T/fifo_out" "$T/ref" "$T/fifo" "$T/log.csv" && [ "$(input_sha "$T/fifo_out/manifest.json")" = "$want" ]; then
    ok "FIFO: exit 0, same outputs, manifest SHA-256 of the bytes read"
else
    bad "FIFO: exit $rc ($(head -c 300 "$T/fifo.err"))"
fi
kill $! 2>/dev/null
wait 2>/dev/null

# 2. standard input
timeout 60 "$DG" run --scheme "$SCHEME" --out "$T/stdin_out" - <"$T/log.csv" >/dev/null 2>"$T/stdin.err"
rc=$?
if [ $rc = 0 ] && same_outputs "$T/stdin_out" "$T/ref" - "$T/log.csv" && [ "$(input_sha "$T/stdin_out/manifest.json")" = "$want" ]; then
    ok "stdin redirected from a file: same outputs and SHA-256"
else
    bad "stdin from a file: exit $rc ($(head -c 300 "$T/stdin.err"))"
fi
cat "$T/log.csv" | timeout 60 "$DG" run --scheme "$SCHEME" --out "$T/pipe_out" - >/dev/null 2>"$T/pipe.err"
rc=$?
if [ $rc = 0 ] && same_outputs "$T/pipe_out" "$T/ref" - "$T/log.csv" && [ "$(input_sha "$T/pipe_out/manifest.json")" = "$want" ]; then
    ok "stdin from a pipe: same outputs and SHA-256 (not the empty file's)"
else
    bad "stdin from a pipe: exit $rc ($(head -c 300 "$T/pipe.err"))"
fi
cat "$T/log.jsonl" | timeout 60 "$DG" run --scheme "$SCHEME" --format jsonl --out "$T/pipej_out" - >/dev/null 2>"$T/pipej.err"
rc=$?
if [ $rc = 0 ] && same_outputs "$T/pipej_out" "$T/refj" - "$T/log.jsonl" && [ "$(input_sha "$T/pipej_out/manifest.json")" = "$wantj" ]; then
    ok "stdin JSON Lines with --format jsonl"
else
    bad "stdin JSON Lines: exit $rc ($(head -c 300 "$T/pipej.err"))"
fi
cat "$T/log.csv" | timeout 60 "$DG" check --scheme "$SCHEME" - >/dev/null 2>&1 && ok "check reads - too" || bad "check -"

# 3. a 2 MiB record
python3 - "$T/big.csv" <<'EOF'
import sys
rows = ["record_id,unit_id,staff_id,patient_id,item_code,service_date,quantity",
        "A,U01,S1,P1,MED-VISIT,2020-03-01,1",
        "B,U01,S1," + "p" * (2 * 1024 * 1024 - len("B,U01,S1,,MED-VISIT,2020-03-01,1")) + ",MED-VISIT,2020-03-01,1",
        "C,U01,S1,P1,MED-VISIT,2020-03-02,1"]
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
EOF
"$DG" run --scheme "$SCHEME" --out "$T/big_out" "$T/big.csv" >/dev/null 2>"$T/big.err"
rc=$?
if [ $rc = 0 ] && grep -q ',3,,malformed,"the record is 2097152 bytes long, more than the limit of 1048576 (--max-record)"' "$T/big_out/rejects.csv" &&
   [ "$(wc -l <"$T/big_out/rejects.csv")" = 2 ] && grep -q '"rows_accepted": 2' "$T/big_out/summary.json"; then
    ok "2 MiB record: one malformed row with its length, the next row read"
else
    bad "2 MiB record: exit $rc $(head -c 300 "$T/big.err")"
fi
"$DG" run --scheme "$SCHEME" --max-record 4M --out "$T/big4_out" "$T/big.csv" >/dev/null 2>&1
if grep -q 'patient_id is 2097120 bytes long; an id may have at most 256 bytes' "$T/big4_out/rejects.csv"; then
    ok "--max-record 4M reads it; the over-long id makes it malformed"
else
    bad "--max-record 4M"
fi
"$DG" run --scheme "$SCHEME" --max-record 12x --out "$T/bad_out" "$T/big.csv" >/dev/null 2>&1
[ $? = 2 ] && ok "--max-record 12x is a usage error" || bad "--max-record 12x"

# 4. a gzip bomb: header and rows, 8 gzip members of 32 MiB of NUL bytes, a last row
python3 - "$T/log.csv" "$T/bomb.csv.gz" <<'EOF'
import sys, zlib
def member(b):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(b) + c.flush()
z = member(b"\0" * (32 << 20))
head = open(sys.argv[1], "rb").read()
tail = b"\nZZ1,U01,S1,P1,MED-VISIT,2020-03-01,1\n"
open(sys.argv[2], "wb").write(member(head) + z * 8 + member(tail))
EOF
lines=$(wc -l <"$T/log.csv")
if ldd "$DG" 2>/dev/null | grep -q libasan; then limit=unlimited; else limit=400000; fi
(ulimit -v $limit && exec "$DG" run --scheme "$SCHEME" --out "$T/bomb_out" "$T/bomb.csv.gz") >/dev/null 2>"$T/bomb.err"
rc=$?
# rows read: those of the generated log, the bomb, and ZZ1 after it
read_before=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accounting"]["rows_read"])' "$T/ref/summary.json")
read_bomb=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accounting"]["rows_read"])' "$T/bomb_out/summary.json" 2>/dev/null)
if [ $rc = 0 ] && grep -q ",$((lines + 1)),,malformed,\"the record is 268435456 bytes long" "$T/bomb_out/rejects.csv" &&
   [ "$read_bomb" = $((read_before + 2)) ]; then
    ok "gzip bomb under ulimit -v $limit (KiB): exit 0, one malformed row of 268435456 bytes, the next row read"
else
    bad "gzip bomb: exit $rc, rows read $read_bomb (want $((read_before + 2))) $(head -c 300 "$T/bomb.err")"
fi
rm -f "$T/bomb.csv.gz" "$T/big.csv"

echo "robust inputs: $pass passed, $fail failed"
[ "$fail" = 0 ]
