#!/usr/bin/env python3
"""Check a payouts.xlsx that LibreOffice made from payouts.csv (docs/review.md, Tests).

    xlsx_check.py PAYOUTS.csv PAYOUTS.xlsx

Every cell of the CSV must survive the conversion: text columns as text
equal to the CSV cell (Chinese names intact, a neutralised formula still
text with its leading '), number columns as numeric cells equal to the
CSV decimal, and no cell may have become a formula.  Prints one line per
check and exits 1 on a failure.
"""
import csv
import os
import re
import sys
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


def main():
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


if __name__ == "__main__":
    main()
