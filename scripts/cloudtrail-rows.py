#!/usr/bin/env python3
"""Derive (time, user, API call) rows from real CloudTrail logs.

Reads the S3-delivery files ({"Records": [...]}) of the Invictus AWS dataset
(MIT licence) and writes tests/fixtures/cloudtrail/invictus_user_api_calls.csv
with the columns firstseen's tests use:

  _time    eventTime as epoch seconds
  user     userIdentity.arn (else principalId, else type; "AWS Internal"
           service calls keep their invokedBy)
  command  eventSource:eventName (the Change data model's command is eventName;
           the source keeps e.g. s3 and iam calls apart)

Usage: scripts/cloudtrail-rows.py [../shared/datasets/cloudtrail/invictus-aws-dataset]
"""
import csv, datetime, glob, json, os, sys

src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../shared/datasets/cloudtrail/invictus-aws-dataset")
out = os.path.join(os.path.dirname(__file__), "../tests/fixtures/cloudtrail/invictus_user_api_calls.csv")
rows = []
for path in sorted(glob.glob(os.path.join(src, "CloudTrail", "*.json"))):
    with open(path, encoding="utf-8") as f:
        for r in json.load(f)["Records"]:
            ui = r.get("userIdentity") or {}
            user = ui.get("arn") or ui.get("principalId") or ui.get("invokedBy") or ui.get("type") or ""
            t = datetime.datetime.strptime(r["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
            rows.append((int(t.timestamp()), user, f'{r["eventSource"].split(".")[0]}:{r["eventName"]}'))
rows.sort()
with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["_time", "user", "command"])
    w.writerows(rows)
print(f"{len(rows)} rows -> {out}")
