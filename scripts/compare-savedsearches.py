#!/usr/bin/env python3
"""Compares two savedsearches.conf files stanza by stanza and key by key.

usage: compare-savedsearches.py THEIRS.conf OURS.conf [--examples N]

Prints the stanzas only one side has, then for each key the number of
stanzas where it differs (missing on one side, or another value), with an
example. JSON values are compared as JSON (key order and list order of
action.risk.param._risk ignored). Python 3 standard library only.
"""
import json
import sys
from collections import OrderedDict, defaultdict


def parse(path):
    stanzas = OrderedDict()
    cur = None
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        while line.endswith("\\") and i < len(lines):
            line = line[:-1] + "\n" + lines[i]
            i += 1
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("[") and s.endswith("]"):
            cur = s[1:-1]
            stanzas[cur] = {}
            continue
        if cur is not None and "=" in line:
            k, v = line.split("=", 1)
            stanzas[cur][k.strip()] = v.strip()
    return stanzas


def norm(key, v):
    if v is None:
        return None
    try:
        j = json.loads(v)
    except ValueError:
        return v
    if key == "action.risk.param._risk" and isinstance(j, list):
        return sorted(json.dumps(x, sort_keys=True) for x in j)
    return json.dumps(j, sort_keys=True)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__)
    theirs, ours = parse(args[0]), parse(args[1])
    only_t = [s for s in theirs if s not in ours]
    only_o = [s for s in ours if s not in theirs]
    both = [s for s in theirs if s in ours]
    print(f"stanzas: {len(theirs)} theirs, {len(ours)} ours, {len(both)} in both")
    for s in only_t:
        print(f"  only theirs: [{s}]")
    for s in only_o:
        print(f"  only ours:   [{s}]")
    diffs = defaultdict(list)
    same = 0
    for s in both:
        t, o = theirs[s], ours[s]
        equal = True
        for k in sorted(set(t) | set(o)):
            if norm(k, t.get(k)) != norm(k, o.get(k)):
                diffs[k].append((s, t.get(k), o.get(k)))
                equal = False
        same += equal
    print(f"identical stanzas: {same} of {len(both)}")
    for k, rows in sorted(diffs.items(), key=lambda x: -len(x[1])):
        s, t, o = rows[0]
        cut = lambda v: "(absent)" if v is None else (v if len(v) < 220 else v[:220] + "...")
        print(f"\n{k}: differs in {len(rows)} stanzas; e.g. [{s}]\n  theirs: {cut(t)}\n  ours:   {cut(o)}")


if __name__ == "__main__":
    main()
