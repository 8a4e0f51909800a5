#!/usr/bin/env python3
"""Tables and docs/performance.md from the measurements of benchmarks/run.sh.

Design: run.sh only runs commands and appends one line per run to a TSV
(file label, case, repetition, wall ms, peak RSS KiB, and for `dangliang run`
the stage timings of its manifest.json); everything derived — medians, ranges,
throughput, ratios, whether each performance target is met — is computed here,
so the numbers printed and the numbers written to the document are the same.
The document's measured part sits between two marker lines and is replaced
on each full run; text outside the markers (analysis, profiles) is kept.
Python standard library only; no floating point touches anything but
timings.

usage: report.py results.tsv meta.json OUT.md
       report.py manifest RUN_DIR     (prints validate/score/write/total ms)
"""
import json
import os
import statistics
import sys

BEGIN = "<!-- bench:begin (written by benchmarks/run.sh; edit outside these markers) -->"
END = "<!-- bench:end -->"
GIB = 1 << 30

# case id -> (label, description); order of the table
CASES = [
    ("run", "dangliang run, all checks (default threads)"),
    ("run-t1", "dangliang run --threads 1"),
    ("run-t2", "dangliang run --threads 2"),
    ("check", "dangliang check (default threads)"),
    ("check-t1", "dangliang check --threads 1"),
    ("check-t2", "dangliang check --threads 2"),
    ("duckdb-groupby", "DuckDB GROUP BY unit_id + catalog join"),
    ("duckdb-spec", "DuckDB whole spec in SQL (spec.sql)"),
    ("sqlite3-groupby", "sqlite3 .import + GROUP BY unit_id"),
    ("wc", "wc -l (floor)"),
]
LABEL = dict(CASES)
# manifest.json timings kept per run, in table order
STAGES = ("validate_parse_ms", "validate_ids_ms", "validate_merge_ms", "validate_ms", "audit_ms", "quality_ms",
          "score_ms", "write_ms", "total_ms")
STAGE_NAMES = ("parse", "ids", "merge", "validate", "audit", "quality", "score", "write", "total")
SI = {n: i for i, n in enumerate(STAGE_NAMES)}
WITHIN = 1.3  # a stage "runs at its bound" when it takes at most this many times the bound


def manifest(run_dir):
    with open(os.path.join(run_dir, "manifest.json"), encoding="utf-8") as f:
        t = json.load(f).get("timings", {})
    print("\t".join(str(t.get(k, "")) for k in STAGES))


def load_bounds(path, label):
    """{name: (ms, detail)} of the micro-bounds (kind "bound"), of the same
    bounds on one thread (kind "bound1") and of the single-thread
    micro-benchmarks (kind "info") measured on file `label`."""
    b, b1, info = {}, {}, {}
    if not path or not os.path.exists(path):
        return b, b1, info
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 5 or p[0] != label:
                continue
            try:
                ms = float(p[3])
            except ValueError:
                continue
            {"bound": b, "bound1": b1}.get(p[1], info)[p[2]] = (ms, p[4])
    return b, b1, info


# stage -> (bound name, what the bound does; docs/performance.md "Micro-bounds" explains each)
BOUND_OF = [
    ("parse", "parse", "block scanner + per-record field work (ASCII test, unit/code tables, date, quantity, 3 id hashes) + SHA-256 / threads"),
    ("ids", "ids", "hash-partitioned numbering of staff and patient ids (strings compared) + record-id keys in 1 024 partitions"),
    ("merge", "merge", "copy of the rows (24 B) and packed record ids (12 B) into fresh memory"),
    ("validate, rest", "file-read-T", "reading the log from the page cache (read(2), T threads); nothing for the scheme load, window bookkeeping, rejects, densifying staff"),
    ("audit", "audit", "audit keys of both passes built, radix-sorted per bucket, walked + one summing pass over the rows"),
    ("score", None, "Q, A, exact allocation over units × pools and staff: no bound (not per row)"),
    ("write", "write", "the output bytes written and fsync'd, and the workbook's XML deflated (no formatting)"),
]


def bound_rows(med, wall, bounds):
    """[(stage, measured ms, bound ms or None, ratio or None, verdict, note)]"""
    g = lambda n: med[SI[n]] or 0
    measured = {
        "parse": g("parse"), "ids": g("ids"), "merge": g("merge"),
        "validate, rest": max(0, g("validate") - g("parse") - g("ids") - g("merge")),
        "audit": g("audit"), "score": g("score"), "write": g("write"),
    }
    rows = []
    for stage, bname, what in BOUND_OF:
        m = measured[stage]
        if bname and bname in bounds:
            bm = bounds[bname][0]
            k = m / bm if bm > 0 else None
            if k is None:
                verdict = "—"
            elif k <= WITHIN:
                verdict = f"within {WITHIN}×"
            else:
                verdict = f"over (needs ≤ {bm * WITHIN:.0f} ms)"
            rows.append((stage, m, bm, k, verdict, what))
        else:
            share = m / wall * 100 if wall else 0
            rows.append((stage, m, None, None, f"no bound ({share:.0f} % of the run)", what))
    out = max(0, wall - (med[SI["total"]] or 0))
    rows.append(("outside the timed stages", out, None, None, f"no bound ({out / wall * 100 if wall else 0:.0f} % of the run)",
                 "process start, scheme load before the clock, manifest, exit"))
    bsum = sum(r[2] for r in rows if r[2] is not None)
    rows.append(("whole run (wall)", wall, bsum, wall / bsum if bsum else None,
                 "sum of the bounds", "the bounds are additive: the stages run one after the other"))
    return rows


def load(path):
    runs = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 5 or p[0] == "file":
                continue
            r = {"file": p[0], "case": p[1], "rep": int(p[2]), "ms": int(p[3]), "rss_kb": int(p[4])}
            if len(p) >= 5 + len(STAGES) and p[5]:
                r["stages"] = [int(x) if x else None for x in p[5:5 + len(STAGES)]]
            runs.setdefault(p[0], {}).setdefault(p[1], []).append(r)
    return runs


def stats(rs):
    ms = [r["ms"] for r in rs]
    return {
        "n": len(ms),
        "med": statistics.median(ms) / 1000,
        "min": min(ms) / 1000,
        "max": max(ms) / 1000,
        "rss": max(r["rss_kb"] for r in rs) * 1024,
    }


def fmt_s(x):
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def fmt_rate(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.0f} k"
    return f"{x:.0f}"


def table(file_meta, cases, alias):
    """Markdown rows and a plain-text rendering of the same table."""
    base = cases.get("run") or cases.get(alias.get("run", ""))
    hdr = ["tool", "median s", "min–max s", "MB/s", "rows/s", "peak RSS MiB", "× dangliang run"]
    rows = []
    for cid, label in CASES:
        src = alias.get(cid, cid)
        if src not in cases:
            continue
        s = cases[src]
        note = f" (= --threads {src[-1]})" if src != cid else ""
        mbs = file_meta["bytes"] / 1e6 / s["med"] if s["med"] else 0
        rps = file_meta["rows"] / s["med"] if s["med"] else 0
        ratio = s["med"] / base["med"] if base and base["med"] else 0
        rows.append([label + note, fmt_s(s["med"]), f"{fmt_s(s['min'])}–{fmt_s(s['max'])}", f"{mbs:.0f}",
                     fmt_rate(rps), f"{s['rss'] / (1 << 20):.0f}", f"{ratio:.2f}"])
    md = ["| " + " | ".join(hdr) + " |", "|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|"]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    w = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(hdr)]
    txt = ["  ".join(h.ljust(w[i]) if i == 0 else h.rjust(w[i]) for i, h in enumerate(hdr))]
    txt += ["  ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(r)) for r in rows]
    return md, txt


def stage_lines(runs_for_file, alias):
    out = []
    for cid in ("run", "run-t1", "run-t2"):
        rs = runs_for_file.get(cid)
        if cid in alias or not rs:
            continue  # an aliased case is the same runs as another one
        st = [r["stages"] for r in rs if r.get("stages")]
        if not st:
            continue
        med = [statistics.median([s[i] for s in st if s[i] is not None] or [0]) for i in range(len(STAGES))]
        wall = statistics.median(r["ms"] for r in rs)
        out.append((LABEL[cid], med, wall))
    return out


def targets(big, cases, alias, meta):
    """[(target, met?, measured sentence)] on the largest file."""
    g = lambda c: cases.get(alias.get(c, c))
    run, t1, t2 = g("run"), g("run-t1"), g("run-t2")
    gb, spec, wc = g("duckdb-groupby"), g("duckdb-spec"), g("wc")
    res = []
    if run and gb:
        res.append(("full `run` (all checks) faster than DuckDB's plain group-by", run["med"] < gb["med"],
                    f"dangliang {run['med']:.2f} s vs DuckDB group-by {gb['med']:.2f} s "
                    f"({run['med'] / gb['med']:.2f}× DuckDB's time"
                    + ("" if run["med"] < gb["med"] else f"; gap {run['med'] - gb['med']:.2f} s") + ")"))
    if run and spec:
        k = spec["med"] / run["med"]
        res.append(("≥ 3× faster than DuckDB running the same spec", k >= 3,
                    f"DuckDB spec {spec['med']:.2f} s / dangliang {run['med']:.2f} s = {k:.2f}×"
                    + ("" if k >= 3 else f" (needs dangliang ≤ {spec['med'] / 3:.2f} s)")))
    if t1 and t2:
        k = t1["med"] / t2["med"]
        res.append(("2 threads ≥ 1.8× faster than 1 thread", k >= 1.8,
                    f"{t1['med']:.2f} s / {t2['med']:.2f} s = {k:.2f}×"
                    + ("" if k >= 1.8 else f" (needs 2 threads ≤ {t1['med'] / 1.8:.2f} s)")))
    rss = max((c["rss"] for c in (run, t1, t2) if c), default=None)
    if rss is not None:
        res.append((f"peak RSS < 1 GiB on the {big} run", rss < GIB,
                    f"{rss / (1 << 20):.0f} MiB" + ("" if rss < GIB else f" ({(rss - GIB) / (1 << 20):.0f} MiB over)")))
    if run and wc:
        res.append(("distance from `wc -l` (not a target)", None, f"{run['med'] / wc['med']:.1f}× the time of `wc -l`"))
    return res


def bounds_section(fm, runs, alias, meta):
    """The micro-bounds table and the distances from `wc -l` and memory
    bandwidth, for file fm: (markdown lines, text lines)."""
    bounds, bounds1, info = load_bounds(meta.get("bounds"), fm["label"])
    if not bounds:
        return [], []
    cases = runs[fm["label"]]
    ref = None
    for cid in ("run-t2", "run"):
        rs = cases.get(alias.get(cid, cid))
        if rs and any(r.get("stages") for r in rs):
            ref, rsel = cid, rs
            break
    if not ref:
        return [], []
    st = [r["stages"] for r in rsel if r.get("stages")]
    med = [statistics.median([x[i] for x in st if x[i] is not None] or [0]) for i in range(len(STAGES))]
    wall = statistics.median(r["ms"] for r in rsel)
    T = meta.get("bound_threads", 2)
    rows = bound_rows(med, wall, bounds)
    md = ["", f"#### Each stage against its micro-bound ({fm['label']} file, `dangliang run --threads {T}` medians)", "",
          f"Bounds: `build/bench/bound_bench` on the same file with {T} threads, minimum of its repetitions "
          f"(what each bound does and why it is the floor: \"Micro-bounds\" below).  Verdict: within {WITHIN}× of the bound, or over.",
          "", "| stage | measured ms | bound ms | ratio | verdict | the bound's work |", "|---|---:|---:|---:|---|---|"]
    txt = ["", f"  stage against its micro-bound ({fm['label']}, {ref}, {T} threads; verdict at {WITHIN}x):",
           f"  {'stage':<26} {'measured':>9} {'bound':>9} {'ratio':>6}  verdict"]
    for stage, m, b, k, verdict, what in rows:
        bs = f"{b:.0f}" if b is not None else "—"
        ks = f"{k:.2f}" if k is not None else "—"
        md.append(f"| {stage} | {m:.0f} | {bs} | {ks} | {verdict} | {what} |")
        txt.append(f"  {stage:<26} {m:9.0f} {bs:>9} {ks:>6}  {verdict}")
    judged = [r for r in rows[:-2] if r[2] is not None]
    ok = [r for r in judged if r[3] is not None and r[3] <= WITHIN]
    unb = [r[0] for r in rows[:-1] if r[2] is None]
    line = (f"{len(ok)} of {len(judged)} bounded stages within {WITHIN}× of their bound; "
            f"without a bound: {', '.join(unb)}.")
    md += ["", line]
    txt.append("  " + line)
    # thread scaling: each stage's speed-up from 1 to T threads against its bound's
    r1 = cases.get("run-t1")
    st1 = [r["stages"] for r in (r1 or []) if r.get("stages")]
    if bounds1 and st1 and ref != "run-t1":
        med1 = [statistics.median([x[i] for x in st1 if x[i] is not None] or [0]) for i in range(len(STAGES))]
        wall1 = statistics.median(r["ms"] for r in r1)
        rows1 = {r[0]: r for r in bound_rows(med1, wall1, bounds1)}
        md += ["", f"#### Thread scaling, stage by stage ({fm['label']} file): `--threads 1` against `--threads {T}`", "",
               f"The same bounds measured on one thread.  A stage whose bound gains little from a second thread "
               f"is limited by what both share (memory bandwidth, the disk); one whose bound scales while the stage "
               f"does not is where the 2-thread target is lost.", "",
               f"| stage | run t1 ms | run t{T} ms | speed-up | bound t1 ms | bound t{T} ms | bound speed-up |",
               "|---|---:|---:|---:|---:|---:|---:|"]
        txt += ["", f"  thread scaling (1 -> {T} threads): stage, run t1, run t{T}, speed-up; bound t1, t{T}, speed-up",]
        for stage, m, b, k, verdict, what in rows:
            o = rows1.get(stage)
            if not o:
                continue
            su = f"{o[1] / m:.2f}" if m else "—"
            if b is not None and o[2] is not None:
                bsu = f"{o[2] / b:.2f}" if b else "—"
                b1s, bs = f"{o[2]:.0f}", f"{b:.0f}"
            else:
                bsu = b1s = bs = "—"
            md.append(f"| {stage} | {o[1]:.0f} | {m:.0f} | {su} | {b1s} | {bs} | {bsu} |")
            txt.append(f"  {stage:<26} {o[1]:9.0f} {m:9.0f} {su:>6}   {b1s:>9} {bs:>9} {bsu:>6}")
    # distances: wc -l, the page cache, memory bandwidth
    wc = cases.get("wc")
    dist = []
    if wc:
        wcm = statistics.median(r["ms"] for r in wc)
        dist.append(f"`wc -l` {wcm:.0f} ms: the run takes {wall / wcm:.1f}× as long" if wcm else "`wc -l` under 1 ms")
    for name, what in (("file-read-1", "reading the file from the page cache, 1 thread"),
                       ("file-read-T", f"reading the file from the page cache, {T} threads"),
                       ("mem-read-1", "summing the file's bytes in memory, 1 thread"),
                       ("mem-read-T", f"summing the file's bytes in memory, {T} threads (memory bandwidth)")):
        if name in bounds:
            ms, det = bounds[name]
            dist.append(f"{what}: {ms:.0f} ms ({det}): the run takes {wall / ms:.0f}× as long" if ms else f"{what}: under 1 ms")
    for name, what in (("sha256", "the input's SHA-256, 1 thread"),):
        if name in bounds:
            dist.append(f"{what}: {bounds[name][0]:.0f} ms ({bounds[name][1]})")
    for name in ("scan", "keysort"):
        if name in info:
            ms, det = info[name]
            dist.append(f"{'scan_bench' if name == 'scan' else 'keysort_bench'}: {det} ({ms:.0f} ms CPU"
                        + (" for the whole file)" if name == "scan" else " for all buckets on one thread)"))
    if dist:
        md += ["", f"Distance of the whole run ({wall:.0f} ms) from the floors, same file:", ""] + [f"- {d}" for d in dist]
        txt += ["", f"  distance of the whole run ({wall:.0f} ms) from the floors:"] + [f"    {d.replace('`', '')}" for d in dist]
    return md, txt


def main(tsv, meta_path, out_md):
    with open(meta_path, encoding="utf-8") as f:
        meta = json.load(f)
    runs = load(tsv)
    alias = meta.get("alias", {})
    files = [f for f in meta["files"] if f["label"] in runs]
    text, md = [], []
    for fm in files:
        cases = {c: stats(rs) for c, rs in runs[fm["label"]].items()}
        mdt, txt = table(fm, cases, alias)
        reps = max(s["n"] for s in cases.values())
        head = f"{fm['label']}: {fm['rows']:,} data rows, {fm['bytes'] / 1e6:.0f} MB ({fm['path']}), {reps} run(s) each"
        text += ["", head] + txt
        md += ["", f"### {fm['label']} rows — {fm['bytes'] / 1e6:.0f} MB, median of {reps} run(s)", ""] + mdt
        st = stage_lines(runs[fm["label"]], alias)
        if st:
            md += ["", "Stages of `dangliang run` (manifest.json `timings`, medians, ms; validate = "
                   "parse + ids + merge + reading, and parse includes hashing a mapped input for the manifest; "
                   "the wall time also holds loading the scheme, writing the manifest and exiting):", "",
                   "| run | parse | ids | merge | validate | audit | quality | score | write | total (in-process) | wall (whole process) |",
                   "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
            for label, m, wall in st:
                md.append(f"| {label} | " + " | ".join(f"{v:.0f}" for v in m) + f" | {wall:.0f} |")
            text += ["", "  stages of dangliang run (manifest.json timings, median ms):",
                     "  " + " ".join(f"{h:>9}" for h in ("run",) + STAGE_NAMES + ("wall",))]
            text += ["  " + f"{label.replace('dangliang run ', '').replace('--threads ', 't'):>9} " +
                     " ".join(f"{v:9.0f}" for v in m) + f" {wall:9.0f}" for label, m, wall in st]

    big = files[-1] if files else None
    bmd, btxt = bounds_section(big, runs, alias, meta) if big else ([], [])
    text += btxt
    md += bmd
    tg = []
    if big:
        cases = {c: stats(rs) for c, rs in runs[big["label"]].items()}
        tg = targets(big["label"], cases, alias, meta)
        text += ["", f"performance targets, on the {big['label']} file:"]
        for name, ok, how in tg:
            mark = "met" if ok else ("missed" if ok is False else "info")
            text.append(f"  [{mark}] {name}: {how}")
    if meta.get("equal"):
        text.append(f"  differential: {meta['equal']}")
    print("\n".join(text))

    # ---- document ---------------------------------------------------------------------
    m = meta["machine"]
    doc = [BEGIN, "", f"## Measured run — {meta['date']}", ""]
    if meta.get("quick"):
        doc += ["**Quick mode** (`BENCH_QUICK=1`): 1M-row file only, one repetition — for trying the suite "
                "out, not a record.", ""]
    doc += [
        "Machine: " + f"{m['nproc']} cores ({m['cpu']}), {m['mem']} memory, {m['kernel']}.",
        "Peers measured in the same run, alternating (one repetition of every case, then the next).",
        f"Versions: {meta['versions']}.",
        "",
        "Commands (`$S` = `benchmarks/data/scheme-2000/scheme.json`, `$LOG` = the file of the table):",
        "",
        "```",
    ] + meta["commands"] + ["```", ""]
    doc += [
        "Wall time of the whole process (bash `$EPOCHREALTIME` around it); peak RSS is the `Maximum resident set size` of "
        "`/usr/bin/time -v`.  MB/s = file bytes / median; rows/s = data rows / median.  "
        "The last column is the case's median over `dangliang run`'s (above 1 = slower than dangliang).",
    ]
    if alias:
        doc += ["", "On this machine the default thread count is " + m["nproc"] +
                ", so the default-thread cases are the `--threads " + m["nproc"] + "` runs (measured once)."]
    doc += md
    if tg:
        doc += ["", f"### Performance targets (on the {big['label']} file)", "",
                "| target | status | measured |", "|---|---|---|"]
        for name, ok, how in tg:
            doc.append(f"| {name} | {'met' if ok else ('**missed**' if ok is False else '—')} | {how} |")
    if meta.get("equal"):
        doc += ["", f"Differential test: {meta['equal']}"]
    if len(files) >= 2:
        a, b = files[0], files[-1]
        ra = max((stats(rs)["rss"] for c, rs in runs[a["label"]].items() if c.startswith("run")), default=0)
        rb = max((stats(rs)["rss"] for c, rs in runs[b["label"]].items() if c.startswith("run")), default=0)
        if ra and rb and b["rows"] > a["rows"]:
            per = (rb - ra) / (b["rows"] - a["rows"])
            doc += ["", f"Memory growth of `dangliang run`: peak RSS {ra / (1 << 20):.0f} MiB at {a['label']} rows, "
                    f"{rb / (1 << 20):.0f} MiB at {b['label']} rows, so about {per:.0f} bytes per additional row."]
    if big:
        cases = {c: stats(rs) for c, rs in runs[big["label"]].items()}
        chk = [(c, cases.get(alias.get(c, c))) for c in ("check-t1", "check-t2")]
        if any(s for _, s in chk):
            doc += ["", f"### `dangliang check` throughput, {big['label']} file", "",
                    "```", f"dangliang check --scheme $S --threads N --out DIR $LOG", "```", "",
                    "| threads | median s | MB/s | rows/s | peak RSS MiB |", "|---:|---:|---:|---:|---:|"]
            for c, s in chk:
                if s:
                    doc.append(f"| {c[-1]} | {fmt_s(s['med'])} | {big['bytes'] / 1e6 / s['med']:.0f} | "
                               f"{fmt_rate(big['rows'] / s['med'])} | {s['rss'] / (1 << 20):.0f} |")
    doc += ["", END]

    old = ""
    if os.path.exists(out_md):
        with open(out_md, encoding="utf-8") as f:
            old = f.read()
    if BEGIN in old and END in old:
        new = old[: old.index(BEGIN)] + "\n".join(doc) + old[old.index(END) + len(END):]
    else:
        new = "\n".join([
            "# Performance",
            "",
            "How fast dangliang is against what an analyst would use instead, measured by `make bench`",
            "(`benchmarks/run.sh`; `BENCH_QUICK=1 make bench` for a one-minute trial on the 1M-row file).",
            "The suite generates (once, cached in `benchmarks/data/`) a 2,000-unit scheme derived from",
            "`configs/zhoushan-2020` (`benchmarks/make_scheme.py`) and 1M- and 20M-row logs with",
            "`dangliang gen --seed 1 --bad-rate 0.001`, then times every tool on the same file in the same run.",
            "The DuckDB implementation of the whole specification (`benchmarks/spec.sql`) is both the fair peer",
            "and a differential test: its payouts and accounting must equal dangliang's exactly, or the",
            "benchmark fails.",
            "",
        ]) + "\n".join(doc) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(out_md)), exist_ok=True)
    tmp = out_md + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(new if new.endswith("\n") else new + "\n")
    os.replace(tmp, out_md)
    print(f"\nwritten: {out_md}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "manifest":
        manifest(sys.argv[2])
    elif len(sys.argv) == 4:
        main(*sys.argv[1:])
    else:
        sys.exit(__doc__)
