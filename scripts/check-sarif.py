#!/usr/bin/env python3
"""Validates SARIF logs against the OASIS SARIF 2.1.0 JSON schema.

Usage: check-sarif.py SCHEMA LOG...

The schema (sarif-2.1.0-rtm.5.json) holds one pattern that Python's `re`
cannot compile (`run.language`), so check-jsonschema refuses the schema
itself; this uses the jsonschema library's Draft 4 validator directly,
which checks documents without checking the schema first. Exit 1 with each
error's path and message, 0 when every log is valid.
"""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft4Validator(schema)
    bad = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            log = json.load(f)
        for e in validator.iter_errors(log):
            bad += 1
            where = "/".join(str(p) for p in e.absolute_path)
            print(f"{path}: /{where}: {e.message}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
