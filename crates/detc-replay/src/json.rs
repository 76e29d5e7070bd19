//! Search-time fields of a JSON event as Splunk names them with
//! `KV_MODE = json` (props.conf) or `spath` without a path: a nested key
//! is its path joined with `.` (`userIdentity.arn`), a value inside an
//! array gets `{}` after the array's name (`resources{}.ARN`), and every
//! value at one path makes one multivalue field, in document order. This
//! is the naming of Splunk's `spath` documentation (`commits{}.author.name`).
//!
//! Strings are taken as they are, numbers as their JSON text, booleans as
//! `true`/`false`. `null` values are not extracted (not verified against
//! Splunk). The event's JSON text is `_raw`. Splunk stops auto-extraction
//! after the first 5,000 characters of `spath`'s input (`extraction_cutoff`
//! of limits.conf); this function extracts every field, which is what
//! `KV_MODE = json` gives for the CloudTrail events detc tests.

use crate::Row;
use serde_json::Value;
use std::path::Path;

/// Reads JSON events from `path`: a JSON array, CloudTrail's S3-delivery
/// object `{"Records": [...]}`, or one JSON object a line; gzip-compressed when the
/// name ends with `.gz`.
///
/// # Errors
/// The file cannot be read, is not gzip when named so, or is not JSON of
/// one of those shapes (the message names the file and the line).
pub fn read_events(path: &Path) -> Result<Vec<Value>, String> {
    let text = crate::read_text(path)?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with("{\"Records\"") {
        let v: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        return match v {
            Value::Array(a) => Ok(a),
            Value::Object(mut o) => match o.remove("Records") {
                Some(Value::Array(a)) => Ok(a),
                _ => Err(format!("{}: `Records` is not a list", path.display())),
            },
            _ => Err(format!("{}: not a list of records", path.display())),
        };
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// The fields of `event` (see the module doc), with `_raw` set to its JSON.
pub fn fields(event: &Value) -> Row {
    let mut row = Row::new();
    walk(event, "", &mut row);
    row.set("_raw", event.to_string());
    row
}

fn walk(v: &Value, path: &str, row: &mut Row) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(x, &p, row);
            }
        }
        Value::Array(items) => {
            let p = format!("{path}{{}}");
            for x in items {
                walk(x, &p, row);
            }
        }
        Value::Null => {}
        Value::String(s) => push(row, path, s.clone()),
        Value::Bool(b) => push(row, path, b.to_string()),
        Value::Number(n) => push(row, path, n.to_string()),
    }
}

fn push(row: &mut Row, path: &str, v: String) {
    if path.is_empty() {
        return;
    }
    row.0.entry(path.to_string()).or_default().push(v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cloudtrail_record_gets_splunks_field_names() {
        // A record of tests/fixtures/cloudtrail/invictus-aws-dataset.jsonl.gz.
        let r: Value = serde_json::from_str(
            r#"{"eventName":"GetBucketLogging","managementEvent":true,
                "additionalEventData":{"bytesTransferredOut":289},
                "requestParameters":{"bucketName":"baker221b-evidence","logging":""},
                "resources":[{"ARN":"arn:aws:s3:::baker221b-evidence","type":"AWS::S3::Bucket"},
                             {"ARN":"arn:aws:s3:::other","type":"AWS::S3::Bucket"}],
                "responseElements":null,
                "userIdentity":{"arn":"arn:aws:iam::123837392027:user/benjamin","type":"IAMUser"},
                "tags":["a","b"]}"#,
        )
        .unwrap();
        let row = fields(&r);
        assert_eq!(row.first("eventName"), Some("GetBucketLogging"));
        assert_eq!(row.first("managementEvent"), Some("true"));
        assert_eq!(
            row.first("additionalEventData.bytesTransferredOut"),
            Some("289")
        );
        assert_eq!(
            row.first("userIdentity.arn"),
            Some("arn:aws:iam::123837392027:user/benjamin")
        );
        assert_eq!(
            row.first("requestParameters.bucketName"),
            Some("baker221b-evidence")
        );
        assert_eq!(row.first("requestParameters.logging"), Some(""));
        assert_eq!(
            row.values("resources{}.ARN"),
            ["arn:aws:s3:::baker221b-evidence", "arn:aws:s3:::other"]
        );
        assert_eq!(row.values("tags{}"), ["a", "b"]);
        assert!(
            row.values("responseElements").is_empty(),
            "null is not extracted"
        );
        assert!(row.first("_raw").unwrap().starts_with('{'));
    }

    #[test]
    fn every_record_of_the_real_dataset_extracts() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/cloudtrail/invictus-aws-dataset.jsonl.gz");
        let records = crate::json::read_events(&path).unwrap();
        assert!(records.len() > 1000);
        for r in &records {
            let row = fields(r);
            // Every top-level string is its own field, unchanged.
            for (k, v) in r.as_object().unwrap() {
                if let Some(s) = v.as_str() {
                    assert_eq!(row.first(k), Some(s), "{k} in {r}");
                }
            }
            if let Some(arn) = r.pointer("/userIdentity/arn").and_then(Value::as_str) {
                assert_eq!(row.first("userIdentity.arn"), Some(arn));
            }
        }
    }
}
