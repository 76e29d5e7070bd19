//! CloudTrail records to rows of the CIM Change data model (`All_Changes`).
//!
//! The project cannot run SPL, so this is the documented stand-in for what
//! the Splunk Add-on for AWS (sourcetype `aws:cloudtrail`) and the CIM
//! Change data model give a `| tstats ... from datamodel=Change` search.
//! Every row has `_time` and these `All_Changes.` fields:
//!
//! | field | from the CloudTrail record |
//! | --- | --- |
//! | `_time` | `eventTime`, epoch seconds |
//! | `user` | by `userIdentity.type`: `IAMUser` its `userName`; `AssumedRole` and `FederatedUser` the role of `sessionContext.sessionIssuer.userName` (else the ARN's role part); `Root` `root`; `AWSService` its `invokedBy`; otherwise `principalId`, else `invokedBy`, else `unknown` |
//! | `user_type` | `userIdentity.type` (`Unknown` when absent) |
//! | `user_arn` | `userIdentity.arn`, when present (the full session ARN of a role) |
//! | `command` | `eventName` |
//! | `object` | the first of `requestParameters.userName`, `roleName`, `roleArn` (its last path part), `name`, `trailName`, `bucketName`, `policyArn`, `functionName`, `secretId`; for `CreateAccessKey` without `userName` the caller, as AWS does |
//! | `src` | `sourceIPAddress` (an IP address, or an AWS service's host name) |
//! | `user_agent` | `userAgent`, as written |
//! | `status` | `failure` when the record has an `errorCode`, else `success` |
//! | `result` | `errorCode`, when present |
//! | `vendor_account` | `recipientAccountId` |
//! | `vendor_region` | `awsRegion` |
//! | `vendor_product` | `AWS CloudTrail` |
//!
//! Records of `eventType` `AwsApiCall` and `AwsConsoleSignIn` become rows;
//! `AwsServiceEvent` records (AWS acting on its own, no identity's call)
//! do not. Read-only calls (`Describe*`, `List*`, `Get*`) are kept: versions
//! of the add-on differ in which of them they tag `change`, and keeping
//! them all is the superset a detection must stay quiet on.

use crate::Row;
use serde_json::Value;
use std::io::Read;
use std::path::Path;

/// The data model object prefix of every field but `_time`.
pub const PREFIX: &str = "All_Changes.";

/// Reads CloudTrail records from `path`: a JSON array, an S3-delivery object
/// `{"Records": [...]}`, or one JSON object a line; gzip-compressed when the
/// name ends with `.gz`.
///
/// # Errors
/// The file cannot be read, is not gzip when named so, or is not JSON of
/// one of those shapes (the message names the file and the line).
pub fn read_records(path: &Path) -> Result<Vec<Value>, String> {
    let raw = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_string(&mut s)
            .map_err(|e| format!("{}: not gzip-compressed UTF-8: {e}", path.display()))?;
        s
    } else {
        String::from_utf8(raw).map_err(|e| format!("{}: not UTF-8: {e}", path.display()))?
    };
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

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().filter(|s| !s.is_empty())
}

fn last_part(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// The `All_Changes.user` of a record (see the module's table).
pub fn user(r: &Value) -> String {
    let id = |k: &str| str_at(r, &["userIdentity", k]);
    let issuer = str_at(
        r,
        &[
            "userIdentity",
            "sessionContext",
            "sessionIssuer",
            "userName",
        ],
    );
    let found = match id("type") {
        Some("IAMUser") => id("userName"),
        Some("AssumedRole") | Some("FederatedUser") => issuer.or_else(|| {
            // arn:aws:sts::123:assumed-role/<role>/<session>
            id("arn").and_then(|a| a.split('/').nth(1))
        }),
        Some("Root") => Some("root"),
        Some("AWSService") => id("invokedBy"),
        _ => None,
    };
    found
        .or_else(|| id("principalId"))
        .or_else(|| id("invokedBy"))
        .unwrap_or("unknown")
        .to_string()
}

/// The `All_Changes.object` of a record (see the module's table).
pub fn object(r: &Value) -> Option<String> {
    let p = |k: &str| str_at(r, &["requestParameters", k]);
    let found = p("userName")
        .or_else(|| p("roleName"))
        .or_else(|| p("roleArn").map(last_part))
        .or_else(|| p("name"))
        .or_else(|| p("trailName"))
        .or_else(|| p("bucketName"))
        .or_else(|| p("policyArn"))
        .or_else(|| p("functionName"))
        .or_else(|| p("secretId"));
    match found {
        Some(o) => Some(o.to_string()),
        None if str_at(r, &["eventName"]) == Some("CreateAccessKey") => Some(user(r)),
        None => None,
    }
}

/// Maps one CloudTrail record to a Change row, or `None` for a record that
/// is not an identity's call (`AwsServiceEvent`) or has no valid
/// `eventTime`.
pub fn change_row(r: &Value) -> Option<Row> {
    match str_at(r, &["eventType"]) {
        Some("AwsApiCall") | Some("AwsConsoleSignIn") | None => {}
        Some(_) => return None,
    }
    let t: jiff::Timestamp = str_at(r, &["eventTime"])?.parse().ok()?;
    let mut row = Row::new();
    row.set("_time", t.as_second().to_string());
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            row.set(&format!("{PREFIX}{k}"), v);
        }
    };
    let s = |p: &[&str]| str_at(r, p).map(str::to_string);
    put("user", Some(user(r)));
    put(
        "user_type",
        Some(s(&["userIdentity", "type"]).unwrap_or_else(|| "Unknown".into())),
    );
    put("user_arn", s(&["userIdentity", "arn"]));
    put("command", s(&["eventName"]));
    put("object", object(r));
    put("src", s(&["sourceIPAddress"]));
    put("user_agent", s(&["userAgent"]));
    let error = s(&["errorCode"]);
    put(
        "status",
        Some(
            if error.is_some() {
                "failure"
            } else {
                "success"
            }
            .into(),
        ),
    );
    put("result", error);
    put("vendor_account", s(&["recipientAccountId"]));
    put("vendor_region", s(&["awsRegion"]));
    put("vendor_product", Some("AWS CloudTrail".into()));
    Some(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_assumed_role_is_its_role_and_a_failed_call_is_a_failure() {
        let r = json!({
            "eventType": "AwsApiCall", "eventTime": "2023-07-10T11:54:47Z",
            "eventName": "GetPasswordData", "errorCode": "Client.UnauthorizedOperation",
            "sourceIPAddress": "192.168.10.20", "userAgent": "stratus-red-team_x",
            "recipientAccountId": "123837392027", "awsRegion": "us-east-1",
            "userIdentity": {"type": "AssumedRole",
                "arn": "arn:aws:sts::123837392027:assumed-role/pw-role/aws-go-sdk-1",
                "sessionContext": {"sessionIssuer": {"userName": "pw-role"}}}
        });
        let row = change_row(&r).unwrap();
        assert_eq!(row.first("_time"), Some("1688990087"));
        assert_eq!(row.first("All_Changes.user"), Some("pw-role"));
        assert_eq!(row.first("All_Changes.user_type"), Some("AssumedRole"));
        assert_eq!(row.first("All_Changes.status"), Some("failure"));
        assert_eq!(
            row.first("All_Changes.result"),
            Some("Client.UnauthorizedOperation")
        );
        assert_eq!(row.first("All_Changes.object"), None);
    }

    #[test]
    fn objects_and_callers() {
        let key = json!({"eventName": "CreateAccessKey", "eventTime": "2023-07-10T12:24:29Z",
            "userIdentity": {"type": "IAMUser", "userName": "alice"}});
        assert_eq!(object(&key).as_deref(), Some("alice"));
        let assume = json!({"eventName": "AssumeRole", "eventTime": "2023-07-10T12:24:29Z",
            "requestParameters": {"roleArn": "arn:aws:iam::1:role/admin-role"},
            "userIdentity": {"type": "Root"}});
        assert_eq!(object(&assume).as_deref(), Some("admin-role"));
        assert_eq!(user(&assume), "root");
        let service = json!({"eventType": "AwsServiceEvent", "eventTime": "2023-07-10T12:24:29Z"});
        assert!(change_row(&service).is_none());
    }
}
