#!/usr/bin/env python3
"""show.py FILE KEY...: load FILE as exactly one JSON document (fails
otherwise) and print `key = value` for each KEY, a dotted path (list
indexes are numbers).  A key naming an object or list prints every leaf
under it.  KEY:basename prints a string's last path part (for the
program's own path); KEY:set prints whether the value is a non-empty
string (for the build commit, which changes with every commit)."""
import json
import os
import sys


def leaves(prefix, v):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from leaves(f"{prefix}.{k}", x)
    elif isinstance(v, list):
        if not v:
            yield prefix, "[]"
        for i, x in enumerate(v):
            yield from leaves(f"{prefix}.{i}", x)
    else:
        yield prefix, json.dumps(v, ensure_ascii=False)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    for spec in sys.argv[2:]:
        key, _, mode = spec.partition(":")
        v = doc
        try:
            for part in key.split("."):
                v = v[int(part)] if isinstance(v, list) else v[part]
        except (KeyError, IndexError, ValueError):
            print(f"{key} = (missing)")
            continue
        if mode == "basename":
            print(f"{key} = {os.path.basename(v)}")
        elif mode == "set":
            print(f"{key} is set: {isinstance(v, str) and len(v) > 0}")
        else:
            for k, x in leaves(key, v):
                print(f"{k} = {x}")


main()
