#!/bin/sh
# Reviewer outputs in real programs (docs/review.md, Tests):
#   1. report.html of a demo run is byte-identical for --threads 1 and 2 and
#      hashed in manifest.json; a run whose units are named
#      <script>alert(1)</script> and =HYPERLINK("x") escapes them in the
#      page and neutralises them in payouts.csv (always runs);
#   2. headless Chromium (Debian `chromium`) drives both pages through
#      playwright-core: no console or page errors, no dialog, no request,
#      one row per unit, sorting, filtering, drill-down, the dangerous names
#      as literal text; the total payout (合计拨付), Q and A on screen at 1366
#      and 1920 px and in the drill-down header, and inside A4 landscape in
#      print mode; screenshots BUILD/report.png, report-1366.png,
#      report-1920.png, report-print.png (tests/browser/report_test.js);
#      then Chromium --print-to-pdf prints the page and the PDF's own text
#      and positions must hold every unit's id, name, total, Q and A inside
#      the printable width (tests/browser/print_check.py, no PDF library;
#      with poppler-utils installed, pdftoppm also saves page images
#      BUILD/report-page-N.png);
#   3. LibreOffice headless (Debian `libreoffice-calc`) converts payouts.csv
#      to xlsx and keeps Chinese names, numeric payouts and no formulas
#      (tests/browser/xlsx_check.py);
#   4. the run's own payouts.xlsx (demo, dangerous names, a scheme with
#      advances for the 结算 sheet, flags cut by --xlsx-rows): byte-identical for --threads 1 and 2,
#      hashed in manifest.json, absent under --no-xlsx; every sheet equal to
#      its CSV cell by cell (types, 2-decimal money, ids with a leading zero
#      as text, frozen headers, widths, a 合计 row per pool = the budget, no
#      formula) — checked on the file itself and on the copy LibreOffice
#      headless opens and saves again (tests/browser/xlsx_check.py --run).
# Parts 2 and 3 install what they need when run as root (apt-get, npm into
# the git-ignored build/browser/), and are skipped with a message where that
# is impossible.
#
# usage: tests/browser/report_test.sh [DG] [BUILD]      (from the repository root)
set -u
DG=${1:-build/dangliang}
B=${2:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1
DG=$(cd "$(dirname "$DG")" && pwd)/$(basename "$DG")
T="$root/$B/browser-test"
MODS="$root/build/browser"            # node_modules, shared by the plain and SAN builds
PLAYWRIGHT=playwright-core@1.57.0     # supports node >= 18 (Debian bookworm)
rm -rf "$T"
mkdir -p "$T" "$MODS"
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "  ok   $1"; }
bad() { fail=$((fail + 1)); echo "  FAIL $1"; }
skipped() { skip=$((skip + 1)); echo "  SKIP $1"; }
finish() {
    echo "report: $pass passed, $fail failed, $skip skipped"
    [ "$fail" = 0 ]
    exit
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# apt_install PKG...: install missing Debian packages when root; false when impossible.
apt_install() {
    missing=""
    for p in "$@"; do installed "$p" || missing="$missing $p"; done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "  (needs Debian packages:$missing — run as root: apt-get install --no-install-recommends$missing)"
        return 1
    fi
    echo "  installing:$missing (apt-get, first run only)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends $missing >"$T/apt.log" 2>&1 && return 0
    apt-get update -qq >>"$T/apt.log" 2>&1 &&
        apt-get install -y -qq --no-install-recommends $missing >>"$T/apt.log" 2>&1 && return 0
    tail -3 "$T/apt.log" | sed 's/^/    /'
    return 1
}

# ---- 1. runs -----------------------------------------------------------------
echo "== report.html: determinism and escaping"
cp -r configs/zhoushan-2020 "$T/zs" && rm -f "$T/zs/registry.csv"
SCHEME=$T/zs/scheme.json
if ! "$DG" gen --scheme "$SCHEME" --rows 20000 --seed 11 --bad-rate 0.005 -o "$T/demo.csv" --registry "$T/zs/registry.csv" >/dev/null 2>&1 ||
    ! "$DG" run --scheme "$SCHEME" --out "$T/demo" --threads 1 "$T/demo.csv" >/dev/null ||
    ! "$DG" run --scheme "$SCHEME" --out "$T/demo2" --threads 2 "$T/demo.csv" >/dev/null; then
    bad "dangliang gen/run on $SCHEME"
    finish
fi
if cmp -s "$T/demo/report.html" "$T/demo2/report.html"; then ok "report.html identical for --threads 1 and 2"
else bad "report.html differs between --threads 1 and 2"; fi
h=$(sha256sum "$T/demo/report.html" | cut -c1-64)
if grep -q "\"report.html\"" "$T/demo/manifest.json" && grep -q "$h" "$T/demo/manifest.json"; then
    ok "manifest.json hashes report.html"
else bad "manifest.json does not hash report.html"; fi

# the golden payout scheme with two dangerous unit names
mkdir -p "$T/xss-scheme"
cp tests/golden/_pay/* "$T/xss-scheme/"
# and A3 renamed 033090200002: an id with a leading zero the workbook must keep as text
sed -e 's#^A2,[^,]*,#A2,<script>alert(1)</script>,#' -e 's#^B1,[^,]*,#B1,"=HYPERLINK(""x"")",#' \
    -e 's#^A3,#033090200002,#' tests/golden/_pay/units.csv >"$T/xss-scheme/units.csv"
sed -e 's#^A3,#033090200002,#' tests/golden/_pay/indicators.csv >"$T/xss-scheme/indicators.csv"
if ! "$DG" gen --scheme "$T/xss-scheme/scheme.json" --rows 3000 --seed 5 -o "$T/xss.csv" >/dev/null 2>&1 ||
    ! "$DG" run --scheme "$T/xss-scheme/scheme.json" --out "$T/xss" "$T/xss.csv" >/dev/null; then
    bad "dangliang run with dangerous unit names"
    finish
fi
P="$T/xss/payouts.csv"
if grep -qF "\"'=HYPERLINK(\"\"x\"\")\"" "$P" && ! grep -q ',"\?=HYPERLINK' "$P"; then
    ok "payouts.csv writes =HYPERLINK(\"x\") as '=HYPERLINK(\"x\")"
else bad "payouts.csv does not neutralise =HYPERLINK(\"x\")"; fi
X="$T/xss/report.html"
if grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$X" && grep -qF '=HYPERLINK(&quot;x&quot;)' "$X" &&
    ! grep -qF '<script>alert' "$X" && ! grep -qF 'HYPERLINK("x")' "$X"; then
    ok "report.html escapes both names"
else bad "report.html does not escape the unit names"; fi
if grep -qiE 'https?:|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\(' "$T/demo/report.html" "$X"; then
    bad "report.html refers to something outside the page"
else ok "report.html has no external URL"; fi

# ---- 2. Chromium --------------------------------------------------------------
echo "== report.html in headless Chromium"
chrome_ok=1
if [ ! -x /usr/bin/chromium ] && ! apt_install chromium; then
    skipped "Chromium is not installed and cannot be installed here (Debian package chromium)"
    chrome_ok=0
fi
if [ $chrome_ok = 1 ]; then
    # a CJK font so the screenshot shows the Chinese text (the test itself does not need it)
    fc-list 2>/dev/null | grep -qiE 'CJK|WenQuanYi|Droid Sans Fallback' || apt_install fonts-wqy-microhei >/dev/null ||
        echo "  (no CJK font: the screenshot will show boxes for Chinese text)"
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm || true
    fi
    want=${PLAYWRIGHT#*@}
    have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$MODS/node_modules/playwright-core/package.json" 2>/dev/null | head -1)
    if [ "$have" != "$want" ] && command -v npm >/dev/null 2>&1; then
        echo "  installing $PLAYWRIGHT into build/browser (npm, first run only)"
        (cd "$MODS" && npm install --no-save --no-audit --no-fund --loglevel=error "$PLAYWRIGHT" >"$T/npm.log" 2>&1) ||
            tail -3 "$T/npm.log" | sed 's/^/    /'
    fi
    if ! command -v node >/dev/null 2>&1 || [ ! -f "$MODS/node_modules/playwright-core/package.json" ]; then
        skipped "node or $PLAYWRIGHT is not available (npm install failed)"
    elif node "$here/report_test.js" "$MODS/node_modules" "$T/demo" "$T/xss" "$root/$B/report.png" >"$T/browser.log" 2>&1; then
        sed -n 's/^  ok   /  ok   chromium: /p' "$T/browser.log"
        pass=$((pass + $(grep -c '^  ok ' "$T/browser.log")))
        echo "  screenshots: $B/report.png, $B/report-1366.png, $B/report-1920.png, $B/report-print.png"
    else
        cat "$T/browser.log"
        n=$(grep -c '^  FAIL ' "$T/browser.log")
        [ "$n" -gt 0 ] || n=1
        fail=$((fail + n))
        pass=$((pass + $(grep -c '^  ok ' "$T/browser.log")))
    fi
fi

if [ $chrome_ok = 1 ]; then
    # printed as a user would: Chromium's own print path, the page's @page rule (A4 landscape)
    rm -f "$T/report.pdf"
    HOME="$T" timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
        --user-data-dir="$T/chromium-print" --print-to-pdf="$T/report.pdf" "file://$T/demo/report.html" \
        >"$T/print.log" 2>&1
    if [ ! -s "$T/report.pdf" ]; then
        tail -3 "$T/print.log"
        bad "chromium --print-to-pdf report.html"
    elif python3 "$here/print_check.py" "$T/demo" "$T/report.pdf" >"$T/print-check.log" 2>&1; then
        cat "$T/print-check.log"
        pass=$((pass + $(grep -c '^  ok ' "$T/print-check.log")))
        if command -v pdftoppm >/dev/null 2>&1; then
            rm -f "$root/$B"/report-page-*.png
            pdftoppm -r 60 -png "$T/report.pdf" "$root/$B/report-page" && echo "  page images: $B/report-page-*.png"
        fi
    else
        cat "$T/print-check.log"
        n=$(grep -c '^  FAIL ' "$T/print-check.log")
        [ "$n" -gt 0 ] || n=1
        fail=$((fail + n))
        pass=$((pass + $(grep -c '^  ok ' "$T/print-check.log")))
    fi
fi

# ---- 3. LibreOffice ------------------------------------------------------------
echo "== payouts.csv in LibreOffice Calc"
if ! command -v soffice >/dev/null 2>&1 && ! apt_install libreoffice-calc; then
    skipped "LibreOffice is not installed and cannot be installed here (Debian package libreoffice-calc)"
else
    L="$T/lo"
    mkdir -p "$L/out"
    cp "$T/demo/payouts.csv" "$L/demo-payouts.csv"
    cp "$T/xss/payouts.csv" "$L/xss-payouts.csv"
    # fresh profile; CSV filter: comma, double quote, UTF-8 (76), from line 1, columns 1 (pool_id) and
    # 3 (unit_id) as Text so an id like 033090200002 keeps its zero (docs/review.md gives this filter)
    if HOME="$L" timeout 120 soffice -env:UserInstallation="file://$L/profile" --headless --norestore \
        --infilter=CSV:44,34,76,1,1/2/3/2 --convert-to xlsx --outdir "$L/out" "$L/demo-payouts.csv" "$L/xss-payouts.csv" \
        >"$L/soffice.log" 2>&1 && [ -f "$L/out/demo-payouts.xlsx" ] && [ -f "$L/out/xss-payouts.xlsx" ]; then
        for f in demo xss; do
            if python3 "$here/xlsx_check.py" "$L/$f-payouts.csv" "$L/out/$f-payouts.xlsx" >"$L/$f.log" 2>&1; then
                sed 's/^  ok   /  ok   libreoffice: /' "$L/$f.log"
                pass=$((pass + $(grep -c '^  ok ' "$L/$f.log")))
            else
                cat "$L/$f.log"
                fail=$((fail + 1))
            fi
        done
    else
        cat "$L/soffice.log"
        bad "soffice --convert-to xlsx payouts.csv"
    fi
fi
# ---- 4. payouts.xlsx ------------------------------------------------------------
echo "== payouts.xlsx"
if cmp -s "$T/demo/payouts.xlsx" "$T/demo2/payouts.xlsx"; then ok "payouts.xlsx identical for --threads 1 and 2"
else bad "payouts.xlsx differs between --threads 1 and 2 (or is missing)"; fi
h=$(sha256sum "$T/demo/payouts.xlsx" 2>/dev/null | cut -c1-64)
if [ -n "$h" ] && grep -q '"payouts.xlsx"' "$T/demo/manifest.json" && grep -q "$h" "$T/demo/manifest.json"; then
    ok "manifest.json hashes payouts.xlsx"
else bad "manifest.json does not hash payouts.xlsx"; fi
if "$DG" run --scheme "$SCHEME" --out "$T/noxlsx" --no-xlsx "$T/demo.csv" >/dev/null && [ ! -e "$T/noxlsx/payouts.xlsx" ] &&
    ! grep -q payouts.xlsx "$T/noxlsx/manifest.json" && [ -f "$T/noxlsx/payouts.csv" ]; then
    ok "--no-xlsx writes no payouts.xlsx and leaves it out of manifest.json"
else bad "--no-xlsx"; fi
xcheck() { # xcheck RUN BOOK ARGS...: run xlsx_check.py --run, count its lines
    if python3 "$here/xlsx_check.py" --run "$@" >"$T/xcheck.log" 2>&1; then
        grep '^  ok ' "$T/xcheck.log"
        pass=$((pass + $(grep -c '^  ok ' "$T/xcheck.log")))
    else
        cat "$T/xcheck.log"
        n=$(grep -c '^  FAIL ' "$T/xcheck.log")
        [ "$n" -gt 0 ] || n=1
        fail=$((fail + n))
        pass=$((pass + $(grep -c '^  ok ' "$T/xcheck.log")))
    fi
}
xcheck "$T/demo" "$T/demo/payouts.xlsx"
# the flags and rejects sheets cut at --xlsx-rows (566 flags, 92 rejects in the demo run)
if "$DG" run --scheme "$SCHEME" --out "$T/xrows" --xlsx-rows 100 "$T/demo.csv" >/dev/null; then
    xcheck "$T/xrows" "$T/xrows/payouts.xlsx" --detail-rows 100
else bad "run --xlsx-rows 100"; fi
xcheck "$T/xss" "$T/xss/payouts.xlsx" --want-zero-ids
# a scheme with advances (settlement.csv -> a 结算 sheet), appeals and a per-capita budget
if "$DG" run --scheme tests/golden/_appeal/scheme_settle.json --out "$T/settle" tests/golden/_appeal/log.csv >/dev/null &&
    [ -f "$T/settle/settlement.csv" ]; then
    xcheck "$T/settle" "$T/settle/payouts.xlsx"
else bad "run with advances (tests/golden/_appeal/scheme_settle.json)"; fi
if command -v soffice >/dev/null 2>&1; then
    L="$T/lo-book"
    mkdir -p "$L/out"
    cp "$T/demo/payouts.xlsx" "$L/demo-book.xlsx"
    cp "$T/xss/payouts.xlsx" "$L/xss-book.xlsx"
    if HOME="$L" timeout 120 soffice -env:UserInstallation="file://$L/profile" --headless --norestore \
        --convert-to 'xlsx:Calc MS Excel 2007 XML' --outdir "$L/out" "$L/demo-book.xlsx" "$L/xss-book.xlsx" \
        >"$L/soffice.log" 2>&1 && [ -f "$L/out/demo-book.xlsx" ] && [ -f "$L/out/xss-book.xlsx" ]; then
        ok "LibreOffice headless opens payouts.xlsx and saves it again"
        xcheck "$T/demo" "$L/out/demo-book.xlsx" --lo-copy
        xcheck "$T/xss" "$L/out/xss-book.xlsx" --lo-copy --want-zero-ids
    else
        cat "$L/soffice.log"
        bad "soffice opens payouts.xlsx"
    fi
else
    skipped "LibreOffice is not installed: payouts.xlsx checked without it"
fi
finish
