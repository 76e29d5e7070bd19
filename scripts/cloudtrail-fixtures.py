#!/usr/bin/env python3
"""Copy the real CloudTrail events that the shipped detections' tests replay
into tests/fixtures/cloudtrail/ (run once; the copies are committed).

- invictus-aws-dataset.jsonl.gz: every record of the Invictus AWS dataset's
  55 S3-delivery files (MIT licence), unmodified, one JSON object a line,
  sorted by eventTime then eventID, gzip-compressed (mtime 0, reproducible).
- stratus/<technique>.json: the Stratus Red Team detonation logs the tests
  use (Apache-2.0), copied as they are.

Usage: scripts/cloudtrail-fixtures.py [../shared/datasets/cloudtrail]
"""
import glob, gzip, io, json, os, shutil, sys

here = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../shared/datasets/cloudtrail")
out = os.path.join(here, "../tests/fixtures/cloudtrail")
STRATUS = [
    "aws.persistence.iam-create-admin-user",
    "aws.persistence.iam-backdoor-user",
    "aws.defense-evasion.cloudtrail-stop",
    "aws.defense-evasion.cloudtrail-delete",
    "aws.defense-evasion.cloudtrail-event-selectors",
    "aws.credential-access.ec2-steal-instance-credentials",
]

records = []
for path in sorted(glob.glob(os.path.join(src, "invictus-aws-dataset", "CloudTrail", "*.json"))):
    with open(path, encoding="utf-8") as f:
        records += json.load(f)["Records"]
records.sort(key=lambda r: (r["eventTime"], r["eventID"]))
text = "".join(json.dumps(r, separators=(",", ":"), sort_keys=True) + "\n" for r in records)
buf = io.BytesIO()
with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as g:
    g.write(text.encode("utf-8"))
with open(os.path.join(out, "invictus-aws-dataset.jsonl.gz"), "wb") as f:
    f.write(buf.getvalue())
print(f"{len(records)} records -> invictus-aws-dataset.jsonl.gz ({len(buf.getvalue())} bytes)")

os.makedirs(os.path.join(out, "stratus"), exist_ok=True)
for t in STRATUS:
    shutil.copyfile(os.path.join(src, "stratus-red-team-detonations", f"{t}.json"), os.path.join(out, "stratus", f"{t}.json"))
shutil.copyfile(os.path.join(src, "stratus-red-team-detonations", "LICENSE"), os.path.join(out, "stratus", "LICENSE-stratus-red-team-Apache-2.0"))
print(f"{len(STRATUS)} Stratus Red Team detonation logs -> stratus/")
