#!/usr/bin/env python3
"""Put a bench section between its own markers of a Markdown document.

Design: each part of `make bench` (run.sh's table, scale.sh, mpi.sh, big.sh)
owns one pair of marker lines in docs/performance.md,
`<!-- NAME:begin (written by SCRIPT; edit outside these markers) -->` and
`<!-- NAME:end -->`, and replaces only what lies between them, so text
written by hand around them and the other parts' sections are kept.  A
document without the pair gets it appended at its end.  The file is
replaced atomically.  Python standard library only.

usage: markers.py DOC NAME SECTION_FILE [SCRIPT]
"""
import os
import sys


def put(doc, name, section, script):
    begin_prefix = f"<!-- {name}:begin"
    begin = f"{begin_prefix} (written by {script}; edit outside these markers) -->"
    end = f"<!-- {name}:end -->"
    text = ""
    if os.path.exists(doc):
        with open(doc, encoding="utf-8") as f:
            text = f.read()
    body = "\n\n" + section.strip("\n") + "\n\n"
    b = text.find(begin_prefix)
    e = text.find(end, b if b >= 0 else 0)
    if b >= 0 and e >= 0:
        line_end = text.index("-->", b) + 3  # keep the begin marker as it is
        text = text[:line_end] + body + text[e:]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + begin + body + end + "\n"
    tmp = doc + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, doc)


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    with open(sys.argv[3], encoding="utf-8") as f:
        sec = f.read()
    put(sys.argv[1], sys.argv[2], sec, sys.argv[4] if len(sys.argv) == 5 else f"benchmarks/{sys.argv[2]}.sh")
