#!/usr/bin/env python3
"""Check a report.html that Chromium printed to PDF (--print-to-pdf).

    print_check.py RUN_DIR REPORT.pdf

On paper the unit table must keep, for every unit of RUN_DIR/units.csv, its
id and name followed by its total payout (合计拨付), Q and A, on one line of
one A4 landscape page and inside the page's printable width (10 mm margins).
The text and its positions are read from the PDF itself (pdf_text.py), so a
column printed past the paper's edge, or left off, fails.  Prints one line
per check and exits 1 on a failure.
"""
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pdf_text  # noqa: E402

MM = 72 / 25.4


def grouped(dec):
    """1234567.89 -> 1,234,567.89 (the page's money format)."""
    sign = dec.startswith("-")
    i, _, f = dec.lstrip("-").partition(".")
    g = ""
    while len(i) > 3:
        g = "," + i[-3:] + g
        i = i[:-3]
    return ("-" if sign else "") + i + g + ("." + f if f else "")


def main():
    run, pdf = sys.argv[1], sys.argv[2]
    with open(os.path.join(run, "units.csv"), encoding="utf-8-sig", newline="") as f:
        units = list(csv.DictReader(f))
    fails = []

    def check(ok, what):
        print(("  ok   " if ok else "  FAIL ") + "print: " + what)
        if not ok:
            fails.append(what)

    pages = pdf_text.pages(pdf)
    a4 = all(abs(w - 297 * MM) < 2 and abs(h - 210 * MM) < 2 for w, h, _ in pages)
    check(pages and a4, f"{len(pages)} pages, every one A4 landscape (297 × 210 mm)")
    lines = []  # (page, max x, page width, text)
    for n, (w, h, runs) in enumerate(pages):
        by_y = {}
        for x, y, s in runs:
            by_y.setdefault(round(y * 2) / 2, []).append((x, s))
        for y, seg in by_y.items():
            seg.sort()
            lines.append((n + 1, max(x for x, _ in seg), w, "".join(s for _, s in seg)))
    head = [l for l in lines if "合计拨付质量系数调整系数" in l[3]]
    check(bool(head), f"the unit table's header shows 合计拨付, 质量系数 Q, 调整系数 A side by side ({len(head)} pages)")
    missing, cut = [], []
    for u in units:
        want = u["unit_id"] + u["unit_name"] + grouped(u["payout"]) + u["quality"] + u["adjustment"]
        hit = [l for l in lines if l[3].startswith(want)]
        if not hit:
            missing.append(u["unit_id"])
        elif any(mx > w - 10 * MM for _, mx, w, _ in hit):
            cut.append(u["unit_id"])
    check(not missing, f"every unit's line has id, name, total payout, Q and A ({len(units) - len(missing)} of "
                       f"{len(units)} units{'; missing ' + ', '.join(missing[:5]) if missing else ''})")
    check(not cut, "those lines end inside the printable width" + (": " + ", ".join(cut[:5]) if cut else ""))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
