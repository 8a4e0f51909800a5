#!/usr/bin/env python3
"""Check spreadsheets against the CSVs of a run.

    xlsx_check.py PAYOUTS.csv PAYOUTS.xlsx
        a payouts.xlsx that LibreOffice made from payouts.csv;
    xlsx_check.py --run RUN_DIR BOOK.xlsx [--want-zero-ids] [--lo-copy] [--detail-rows N]
        the workbook `dangliang run` writes (RUN_DIR/payouts.xlsx, or with
        --lo-copy a copy LibreOffice opened and saved again): one sheet per
        CSV of the run with the same cells, ids as text, money in a 2-decimal
        format, header rows frozen, a 合计 row per pool equal to its budget;
        the flags and rejects sheets hold the first N rows (default 20000,
        `run --xlsx-rows N`) and, when the CSV has more, a last row
        "… M more rows not shown here: every row is in X.csv" with the exact M.

Every cell of the CSV must survive the conversion: text columns as text
equal to the CSV cell (Chinese names intact, a neutralised formula still
text with its leading '), number columns as numeric cells equal to the
CSV decimal, and no cell may have become a formula.  Prints one line per
check and exits 1 on a failure.
"""
import csv
import json
import os
import re
import sys
import unicodedata
import zipfile
import xml.etree.ElementTree as ET
from decimal import Decimal

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
TEXT = ["pool_id", "pool_name", "unit_id", "unit_name", "community", "county"]
NUMBERS = ["audited_workload", "quality", "adjustment", "corrected_workload", "weight", "payout"]


def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def read_xlsx(path):
    z = zipfile.ZipFile(path)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
    sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    formulas = len(sheet.findall(".//m:f", NS))
    rows = []
    for row in sheet.findall(".//m:sheetData/m:row", NS):
        cells = {}
        for c in row.findall("m:c", NS):
            t = c.get("t", "n")
            v = c.find("m:v", NS)
            if t == "s":
                cells[col_index(c.get("r"))] = ("text", shared[int(v.text)])
            elif t in ("str", "inlineStr"):
                is_ = c.find(".//m:t", NS)
                cells[col_index(c.get("r"))] = ("text", (v.text if v is not None else is_.text) or "")
            else:
                cells[col_index(c.get("r"))] = ("number", v.text if v is not None else "")
        rows.append(cells)
    return rows, formulas


def main_csv():
    csv_path, xlsx_path = sys.argv[1], sys.argv[2]
    with open(csv_path, encoding="utf-8-sig", newline="") as f:
        want = list(csv.reader(f))
    head, body = want[0], want[1:]
    got, formulas = read_xlsx(xlsx_path)
    fails = []

    def check(ok, what):
        print(("  ok   " if ok else "  FAIL ") + what)
        if not ok:
            fails.append(what)

    check(formulas == 0, f"{os.path.basename(xlsx_path)}: no cell became a formula ({formulas} formulas)")
    check(len(got) == len(want), f"{len(got)} rows in the sheet, {len(want)} in payouts.csv")
    bad_text = bad_num = 0
    cjk = 0
    for i, row in enumerate(body):
        cells = got[i + 1] if i + 1 < len(got) else {}
        for j, name in enumerate(head):
            kind, value = cells.get(j, ("missing", None))
            if name in TEXT:
                if kind != "text" or value != row[j]:
                    bad_text += 1
                    if bad_text <= 3:
                        print(f"    row {i + 2} {name}: {kind} {value!r}, CSV {row[j]!r}")
                elif re.search(r"[\u4e00-\u9fff]", value):
                    cjk += 1
            elif name in NUMBERS:
                exp = Decimal(row[j])
                ok = kind == "number" and value not in ("", None)
                if ok:
                    ok = Decimal(value).quantize(exp) == exp
                if not ok:
                    bad_num += 1
                    if bad_num <= 3:
                        print(f"    row {i + 2} {name}: {kind} {value!r}, CSV {row[j]!r}")
    check(bad_text == 0 and cjk > 0, f"text cells equal payouts.csv, {cjk} with Chinese characters")
    check(bad_num == 0, "number cells (workloads, Q, A, weight, payout) are numbers equal to payouts.csv")
    sys.exit(1 if fails else 0)


# ---- the run's own workbook -------------------------------------------------
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
SHEETS = [("拨付 payouts", "payouts.csv"), ("单位 units", "units.csv"), ("项目 items", "items.csv"),
          ("人员 staff", "staff.csv"), ("核查标记 flags", "flags.csv"), ("拒收 rejects", "rejects.csv"),
          ("质量 quality", "quality.csv")]
# settlement.csv becomes a sheet when a run writes it
OPTIONAL = [("结算 settlement", "settlement.csv")]
# columns the engine writes as numbers; every other column is text (ids above all)
NUMBER_COLS = set(NUMBERS) | {"tier", "rows_accepted", "rows_flagged", "raw_workload", "quantity",
                              "audited_quantity", "share", "amount", "line", "excess_quantity", "advanced",
                              "balance", "numerator", "denominator", "value", "attainment"}
MONEY_COLS = {"payout", "amount", "advanced", "balance"}
DETAIL = {"flags.csv", "rejects.csv"}
NOTE = re.compile(r"… (\d+) more rows not shown here: every row is in (\S+)$")


def unquote(s):
    """A CSV text cell as the engine meant it: csvout.c puts ' before = + - @ TAB CR."""
    return s[1:] if len(s) > 1 and s[0] == "'" and s[1] in "=+-@\t\r" else s


def width_of(s):
    return max((sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
                for line in s.split("\n")), default=0)


class Book:
    def __init__(self, path):
        self.z = zipfile.ZipFile(path)
        names = self.z.namelist()
        self.shared = []
        if "xl/sharedStrings.xml" in names:
            for si in ET.fromstring(self.z.read("xl/sharedStrings.xml")).findall("m:si", NS):
                self.shared.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
        styles = ET.fromstring(self.z.read("xl/styles.xml"))
        fmts = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.findall(".//m:numFmts/m:numFmt", NS)}
        builtin = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 49: "@"}
        self.xf = []
        for xf in styles.findall("m:cellXfs/m:xf", NS):
            i = int(xf.get("numFmtId", "0"))
            self.xf.append(fmts.get(i, builtin.get(i, "builtin %d" % i)))
        rels = ET.fromstring(self.z.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target") for r in rels}
        wb = ET.fromstring(self.z.read("xl/workbook.xml"))
        self.sheets = []
        for sh in wb.findall("m:sheets/m:sheet", NS):
            t = target[sh.get(R)].lstrip("/")
            self.sheets.append((sh.get("name"), t if t.startswith("xl/") else "xl/" + t))

    def sheet(self, name):
        path = dict(self.sheets)[name]
        x = ET.fromstring(self.z.read(path))
        rows = {}
        for row in x.findall(".//m:sheetData/m:row", NS):
            cells = {}
            for c in row.findall("m:c", NS):
                t = c.get("t", "n")
                v = c.find("m:v", NS)
                fmt = self.xf[int(c.get("s", "0"))]
                if t == "s":
                    cells[col_index(c.get("r"))] = ("text", self.shared[int(v.text)], fmt)
                elif t in ("str", "inlineStr"):
                    is_ = c.find(".//m:t", NS)
                    text = "".join(e.text or "" for e in c.iter("{%s}t" % NS["m"])) if is_ is not None else v.text
                    cells[col_index(c.get("r"))] = ("text", text or "", fmt)
                elif v is not None:
                    cells[col_index(c.get("r"))] = ("number", v.text, fmt)
            rows[int(row.get("r")) - 1] = cells
        pane = x.find(".//m:sheetView/m:pane", NS)
        frozen = pane is not None and pane.get("state") in ("frozen", "frozenSplit") and pane.get("ySplit") == "1"
        widths = {}
        for c in x.findall(".//m:cols/m:col", NS):
            for i in range(int(c.get("min")) - 1, int(c.get("max"))):
                widths[i] = float(c.get("width"))
        return rows, len(x.findall(".//m:f", NS)), frozen, widths


def main_run():
    run, book_path = sys.argv[2], sys.argv[3]
    tag = os.path.basename(book_path)
    fails = []

    def check(ok, what):
        print(("  ok   " if ok else "  FAIL ") + tag + ": " + what)
        if not ok:
            fails.append(what)

    detail_rows = int(sys.argv[sys.argv.index("--detail-rows") + 1]) if "--detail-rows" in sys.argv else 20000
    book = Book(book_path)
    want = [(n, c) for n, c in SHEETS + OPTIONAL if os.path.exists(os.path.join(run, c))]
    check([n for n, _ in book.sheets] == [n for n, _ in want],
          "sheets " + ", ".join(n for n, _ in book.sheets) + " — one per CSV of the run")
    with open(os.path.join(run, "summary.json"), encoding="utf-8") as f:
        budget = {p["id"]: Decimal(p["budget"]) for p in json.load(f)["pools"]}
    total_formulas = 0
    zero_ids = 0
    money_cells = 0
    for name, csv_name in want:
        if name not in dict(book.sheets):
            continue
        with open(os.path.join(run, csv_name), encoding="utf-8-sig", newline="") as f:
            table = list(csv.reader(f))
        head, body = table[0], table[1:]
        rows, formulas, frozen, widths = book.sheet(name)
        # a detail sheet longer than detail_rows: the first detail_rows rows, then the note
        keep = min(len(body), detail_rows) if csv_name in DETAIL else len(body)
        last = rows.get(keep + 1, {}).get(0, ("", "", ""))[1]
        note = NOTE.match(last)
        if keep < len(body):
            check(note is not None and int(note.group(1)) == len(body) - keep and note.group(2) == csv_name
                  and max(rows) == keep + 1,
                  f"{name}: the first {keep} of {len(body)} rows, then the note {last!r}")
        else:
            check(note is None, f"{name}: every row, no note")
        body = body[:keep]
        total_formulas += formulas
        hdr = rows.get(0, {})
        got_head = [hdr.get(j, ("missing", "", ""))[1] for j in range(len(head))]
        bad_head = [h for h, g in zip(head, got_head) if g.split("\n")[-1] != h or
                    (h in ("unit_id", "payout") and not re.search(r"[\u4e00-\u9fff]", g))]
        check(not bad_head, f"{name}: header row Chinese over English ({bad_head or 'all columns'})")
        if "--lo-copy" not in sys.argv:  # LibreOffice headless saves no view settings, so no pane
            check(frozen, f"{name}: header row frozen")
        # data rows; on the payouts sheet a 合计 row closes each pool
        r = 1
        bad = 0
        totals = {}
        group_sum = Decimal(0)
        need = [0.0] * len(head)
        for i, row in enumerate(body):
            if name.startswith("拨付"):
                if i > 0 and row[0] != body[i - 1][0]:
                    totals[body[i - 1][0]] = (rows.get(r, {}), group_sum)
                    group_sum = Decimal(0)
                    r += 1
                group_sum += Decimal(row[head.index("payout")])
            cells = rows.get(r, {})
            r += 1
            for j, col in enumerate(head):
                kind, value, fmt = cells.get(j, ("missing", None, ""))
                if col in NUMBER_COLS:
                    if row[j] == "":
                        ok = kind == "missing"
                    else:
                        exp = Decimal(row[j])
                        ok = kind == "number" and Decimal(value).quantize(exp) == exp
                        dec = len(row[j].split(".")[1]) if "." in row[j] else 0
                        ok = ok and (fmt.endswith("0." + "0" * dec) if dec else fmt in ("0", "#,##0", "General"))
                        if col in MONEY_COLS:
                            money_cells += 1
                            ok = ok and fmt in ("#,##0.00", "#,##0.00_);-#,##0.00")
                else:
                    ok = kind == "text" and value == unquote(row[j]) or (row[j] == "" and kind == "missing")
                    if ok and col.endswith("_id") and row[j][:1] == "0" and row[j].isdigit():
                        zero_ids += 1
                    need[j] = max(need[j], min(60, width_of(value or "")))
                if not ok:
                    bad += 1
                    if bad <= 3:
                        print(f"    {name} row {r} {col}: {kind} {value!r} ({fmt}), CSV {row[j]!r}")
        if name.startswith("拨付") and body:
            totals[body[-1][0]] = (rows.get(r, {}), group_sum)
            r += 1
        check(bad == 0, f"{name}: {len(body)} rows, every cell equal to {csv_name} (text as text, numbers as "
                        f"numbers with the CSV's decimals)")
        narrow = [head[j] for j in range(len(head)) if widths.get(j, 8.43) + 0.5 < need[j]]
        check(not narrow, f"{name}: text columns as wide as their widest cell ({narrow or 'all fit'})")
        if name.startswith("拨付"):
            pi = head.index("payout")
            bad_tot = []
            for pool, (cells, s) in totals.items():
                kind, v, fmt = cells.get(pi, ("missing", "0", ""))
                label = cells.get(head.index("unit_id"), ("", "", ""))[1]
                if not (kind == "number" and "合计" in label and cells.get(0, ("", ""))[1] == pool and
                        Decimal(v).quantize(Decimal("0.01")) == s == budget[pool]):
                    bad_tot.append(f"{pool}: {label!r} {v} vs rows {s} vs budget {budget.get(pool)}")
            check(len(totals) == len(budget) and not bad_tot,
                  f"{name}: one 合计 row per pool ({len(totals)}), each = Σ its payouts = the pool budget "
                  f"{bad_tot or ''}")
    check(total_formulas == 0, f"no formula cells ({total_formulas})")
    check(money_cells > 0, f"{money_cells} money cells in a 2-decimal number format")
    print(f"    ids with a leading zero kept as text: {zero_ids}")
    if "--want-zero-ids" in sys.argv:
        check(zero_ids > 0, f"ids with leading zeros stay text ({zero_ids} cells)")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--run":
        main_run()
    else:
        main_csv()
