#!/usr/bin/env bash
# Builds the app (scripts/build-app.sh) into a temporary folder and runs
# Splunk AppInspect on the tarball as Splunk Cloud vetting would
# (--mode precert --included-tags cloud). Fails on any failure, error or
# warning, except the ones listed in ALLOWED below, each with its reason
# (also in the README). splunk-appinspect comes from scripts/setup-py-tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=${1:-.}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
bash scripts/build-app.sh "$ROOT" --out "$OUT" >&2
TGZ=$(ls "$OUT"/*.tar.gz)
target/pyvenv/bin/splunk-appinspect inspect "$TGZ" --mode precert --included-tags cloud \
    --output-file "$OUT/report.json" --data-format json > "$OUT/report.txt" 2>&1 || {
    cat "$OUT/report.txt"; exit 1; }
target/pyvenv/bin/python - "$OUT/report.json" <<'PY'
import json, sys
# Warnings that cannot be removed, and why.
ALLOWED = {
    # Informational ("No action required"): raised whenever an app defines a
    # KV store collection, which content with kvstore lookups must do.
    "check_collections_conf": "the content defines KV store lookups",
}
r = json.load(open(sys.argv[1]))
s = r["summary"]
bad = 0
for rep in r["reports"]:
    for g in rep["groups"]:
        for c in g["checks"]:
            if c["result"] in ("failure", "error", "warning", "future_failure"):
                allowed = c["result"] == "warning" and c["name"] in ALLOWED
                bad += 0 if allowed else 1
                for m in c["messages"]:
                    note = f' (allowed: {ALLOWED[c["name"]]})' if allowed else ""
                    print(f'{c["result"]}: {c["name"]}: {m["message"]}{note}')
print("appinspect:", ", ".join(f"{k} {v}" for k, v in s.items()))
sys.exit(1 if bad else 0)
PY
