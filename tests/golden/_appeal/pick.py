#!/usr/bin/env python3
"""Print parts of a run's summary.json for golden comparison: pick.py SUMMARY KEY [KEY...].
A key "pools.FIELD,FIELD" prints those fields of every pool."""
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
out = {}
for k in sys.argv[2:]:
    if k.startswith("pools."):
        fields = k[6:].split(",")
        out["pools"] = [{f: p.get(f) for f in ["id"] + fields} for p in d["pools"]]
    else:
        out[k] = d.get(k)
print(json.dumps(out, indent=1, ensure_ascii=False))
