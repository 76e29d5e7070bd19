#!/usr/bin/env python3
"""Compares two Splunk apps (or two .conf files) conf by conf, key by key.

usage: compare-app.py THEIRS OURS [--examples N]

THEIRS and OURS are app folders (for example contentctl's
dist/DA-ESS-ContentUpdate and detc's) or two .conf files. For folders it
lists the files only one side has, compares every .conf file stanza by
stanza and key by key (the number of stanzas where each key differs, with
N examples, 1 by default), and every other file by its bytes. JSON values
are compared as JSON (key order, and the order of action.risk.param._risk,
ignored). Exit status 1 when anything differs. Python 3 standard library
only.
"""
import os
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


def cut(v):
    if v is None:
        return "(absent)"
    return v if len(v) < 220 else v[:220] + "..."


def compare_conf(theirs_path, ours_path, examples, label=""):
    """Prints the differences of two .conf files; returns whether any."""
    theirs, ours = parse(theirs_path), parse(ours_path)
    only_t = [s for s in theirs if s not in ours]
    only_o = [s for s in ours if s not in theirs]
    both = [s for s in theirs if s in ours]
    diffs = defaultdict(list)
    same = 0
    for s in both:
        t, o = theirs[s], ours[s]
        equal = True
        for k in sorted(set(t) | set(o)):
            if norm(k, t.get(k)) != norm(k, o.get(k)):
                # A KV store collection's typed fields count as one key.
                group = "field.*" if k.startswith("field.") else k
                diffs[group].append((s, k, t.get(k), o.get(k)))
                equal = False
        same += equal
    differs = bool(only_t or only_o or diffs)
    mark = "differs" if differs else "same"
    print(f"{label}{mark}: {len(theirs)} stanzas theirs, {len(ours)} ours, "
          f"{same} of {len(both)} in both identical")
    for s in only_t:
        print(f"  only theirs: [{s}]")
    for s in only_o:
        print(f"  only ours:   [{s}]")
    for k, rows in sorted(diffs.items(), key=lambda x: -len(x[1])):
        print(f"  {k}: differs in {len(rows)} stanzas")
        for s, key, t, o in rows[:examples]:
            print(f"    [{s}] {key}\n      theirs: {cut(t)}\n      ours:   {cut(o)}")
    return differs


def files(root):
    out = set()
    for d, _, names in os.walk(root):
        for n in names:
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out


def main():
    argv = sys.argv[1:]
    examples = 1
    if "--examples" in argv:
        i = argv.index("--examples")
        examples = int(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) != 2:
        sys.exit(__doc__)
    theirs, ours = argv
    if not os.path.isdir(theirs):
        sys.exit(1 if compare_conf(theirs, ours, examples) else 0)
    t, o = files(theirs), files(ours)
    differs = False
    for f in sorted(t - o):
        print(f"only theirs: {f}")
        differs = True
    for f in sorted(o - t):
        print(f"only ours:   {f}")
        differs = True
    same_files = []
    for f in sorted(t & o):
        a, b = os.path.join(theirs, f), os.path.join(ours, f)
        if f.endswith(".conf") or f.endswith(".meta"):
            differs |= compare_conf(a, b, examples, label=f"{f}: ")
        elif open(a, "rb").read() != open(b, "rb").read():
            print(f"{f}: differs (bytes)")
            differs = True
        else:
            same_files.append(f)
    print(f"{len(same_files)} other files identical")
    sys.exit(1 if differs else 0)


if __name__ == "__main__":
    main()
