#!/usr/bin/env python3
"""The text of a PDF that Chromium printed, page by page, with no PDF library.

    pdf_text.py FILE.pdf            prints each page's text runs, one per line

Chromium (Skia) writes Type0 fonts with a ToUnicode CMap and shows text with
hex glyph strings (Tj / TJ) in Flate-compressed content streams; that is all
this reads.  Each run comes with the x, y of its start in PDF points (origin
bottom left) from the current transformation and text matrices, so a caller
can tell whether a text lies on the page (MediaBox) or was painted past its
edge.  Used by report_test.sh to check what a printed report.html keeps.
"""
import re
import sys
import zlib



def load(path):
    """{object number: (dictionary bytes, decoded stream or None)}."""
    data = open(path, "rb").read()
    objs = {}
    pos = 0
    head = re.compile(rb"(\d+)\s+0\s+obj\b")
    while True:
        m = head.search(data, pos)
        if not m:
            break
        num, start = int(m.group(1)), m.end()
        s = data.find(b"stream", start)
        e = data.find(b"endobj", start)
        if s != -1 and s < e:
            d = data[start:s]
            body = s + len(b"stream")
            body += 2 if data[body:body + 2] == b"\r\n" else 1
            ln = re.search(rb"/Length\s+(\d+)(\s+0\s+R)?", d)
            if ln and not ln.group(2):
                end = body + int(ln.group(1))
            else:
                end = data.find(b"endstream", body)
            raw = data[body:end]
            if b"/FlateDecode" in d:
                raw = zlib.decompressobj().decompress(raw)
            objs[num] = (d, raw)
            pos = data.find(b"endobj", end) + 6
        else:
            objs[num] = (data[start:e], None)
            pos = e + 6
    return objs


def ref(d, key):
    m = re.search(rb"/" + key + rb"\s+(\d+)\s+0\s+R", d)
    return int(m.group(1)) if m else None


def cmap(text):
    """ToUnicode CMap -> {glyph code: str}."""
    out = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for a, b in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(a, 16)] = bytes.fromhex(b.decode()).decode("utf-16-be", "replace")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for a, b, rest in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", block):
            lo, hi = int(a, 16), int(b, 16)
            if rest.startswith(b"["):
                for i, h in enumerate(re.findall(rb"<([0-9A-Fa-f]+)>", rest)):
                    out[lo + i] = bytes.fromhex(h.decode()).decode("utf-16-be", "replace")
            else:
                base = int(rest[1:-1], 16)
                for i in range(hi - lo + 1):
                    out[lo + i] = chr(base + i)
    return out


def fonts_of(objs, res_dict):
    """{font name: cmap} from a resources dictionary (inline or referenced)."""
    m = re.search(rb"/Font\s*(<<.*?>>|\d+\s+0\s+R)", res_dict, re.S)
    if not m:
        return {}
    fd = m.group(1)
    if fd.endswith(b"R"):
        fd = objs[int(fd.split()[0])][0]
    out = {}
    for name, num in re.findall(rb"/([A-Za-z0-9_.+-]+)\s+(\d+)\s+0\s+R", fd):
        fobj = objs.get(int(num), (b"", None))[0]
        tu = ref(fobj, b"ToUnicode")
        out[name.decode()] = cmap(objs[tu][1]) if tu and objs.get(tu, (0, None))[1] else {}
    return out


def mul(a, b):
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3], a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


TOK = re.compile(rb"\[(?:[^\]\\]|\\.)*\]|<[0-9A-Fa-f\s]*>|\((?:[^)\\]|\\.)*\)|/[^\s/\[\]()<>]+|[-+]?\d*\.?\d+|[A-Za-z'\"*]+")


def runs(content, fonts, xobjects, objs, depth=0):
    """[(x, y, text)] of a content stream, following form XObjects."""
    out = []
    ctm, stack = [1, 0, 0, 1, 0, 0], []
    tm = [1, 0, 0, 1, 0, 0]
    font = {}
    args = []
    for t in TOK.findall(content):
        if t[:1] in b"[<(/" or re.match(rb"[-+]?\d*\.?\d+$", t):
            args.append(t)
            continue
        op = t
        if op == b"q":
            stack.append(ctm[:])
        elif op == b"Q":
            ctm = stack.pop() if stack else ctm
        elif op == b"cm" and len(args) >= 6:
            ctm = mul([float(a) for a in args[-6:]], ctm)
        elif op == b"BT":
            tm = [1, 0, 0, 1, 0, 0]
        elif op == b"Tm" and len(args) >= 6:
            tm = [float(a) for a in args[-6:]]
        elif op == b"Td" and len(args) >= 2:
            tm = mul([1, 0, 0, 1, float(args[-2]), float(args[-1])], tm)
        elif op == b"Tf" and len(args) >= 2:
            font = fonts.get(args[-2][1:].decode(), {})
        elif op in (b"Tj", b"TJ") and args:
            hexes = re.findall(rb"<([0-9A-Fa-f\s]*)>", args[-1])
            s = ""
            for h in hexes:
                h = re.sub(rb"\s", b"", h)
                for i in range(0, len(h) - 3, 4):
                    s += font.get(int(h[i:i + 4], 16), "?")
            m = mul(tm, ctm)
            out.append((m[4], m[5], s))
        elif op == b"Do" and args and depth < 4:
            num = xobjects.get(args[-1][1:].decode())
            if num and objs.get(num, (0, None))[1] is not None:
                d, st = objs[num]
                mm = re.search(rb"/Matrix\s*\[([^\]]*)\]", d)
                sub = runs(st, {**fonts, **fonts_of(objs, d)}, xobjects, objs, depth + 1)
                mat = mul([float(v) for v in mm.group(1).split()], ctm) if mm else ctm
                out += [(x * mat[0] + y * mat[2] + mat[4], x * mat[1] + y * mat[3] + mat[5], s) for x, y, s in sub]
        args = []
    return out


def pages(path):
    """[(width, height, [(x, y, text)])] in page order."""
    objs = load(path)
    root = [n for n, (d, _) in objs.items() if re.search(rb"/Type\s*/Pages\b", d) and b"/Parent" not in d]
    order = []

    def walk(n):
        d = objs[n][0]
        if re.search(rb"/Type\s*/Pages\b", d):
            kids = re.search(rb"/Kids\s*\[([^\]]*)\]", d).group(1)
            for k in re.findall(rb"(\d+)\s+0\s+R", kids):
                walk(int(k))
        else:
            order.append(n)
    for r in root:
        walk(r)
    out = []
    for n in order:
        d = objs[n][0]
        box = [float(v) for v in re.search(rb"/MediaBox\s*\[([^\]]*)\]", d).group(1).split()]
        rn = ref(d, b"Resources")
        res = objs[rn][0] if rn else d
        xo = {}
        m = re.search(rb"/XObject\s*<<(.*?)>>", res, re.S)
        if m:
            xo = {k.decode(): int(v) for k, v in re.findall(rb"/([A-Za-z0-9_.+-]+)\s+(\d+)\s+0\s+R", m.group(1))}
        cs = re.search(rb"/Contents\s*(\[[^\]]*\]|\d+\s+0\s+R)", d).group(1)
        content = b"".join(objs[int(c)][1] or b"" for c in re.findall(rb"(\d+)\s+0\s+R", cs))
        out.append((box[2] - box[0], box[3] - box[1], runs(content, fonts_of(objs, res), xo, objs)))
    return out


if __name__ == "__main__":
    for i, (w, h, rs) in enumerate(pages(sys.argv[1])):
        print(f"== page {i + 1} ({w:.0f} x {h:.0f} pt)")
        for x, y, s in rs:
            print(f"{x:7.1f} {y:7.1f}  {s}")
