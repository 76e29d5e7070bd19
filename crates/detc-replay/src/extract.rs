//! Commands that extract or reshape fields: `spath`, `rex`, `bin` (and its
//! alias `bucket`), `mvexpand`. Each reads its arguments as Splunk's
//! Search Reference documents them; a form it does not read is an error
//! naming it, so a test is skipped rather than passed on a guess.

use crate::Row;
use crate::support::{cached_regex, unsupported};
use serde_json::Value;

/// `spath [input=<field>] [output=<field>] [path=<path> | <path>]`.
///
/// Without a path, every field of the input's JSON, named as
/// `KV_MODE = json` names them ([`crate::json::fields`]). With a path
/// (`a.b`, `a{}.b` for each element of array `a`, `{}` for the elements of
/// a top-level array), the values there into `output` (default: the path
/// itself), multivalue when there are several; an object or array value is
/// its compact JSON text, as Splunk gives it. The input is the field's
/// first value (`_raw` by default); input that is not JSON extracts
/// nothing.
pub fn spath(args: &str, rows: Vec<Row>) -> Result<Vec<Row>, String> {
    let call = detc_spl::command::spath_call(args)
        .filter(|c| c.other.is_empty())
        .ok_or_else(|| unsupported(&format!("spath {args}")))?;
    let (input, output, path) = (call.input, call.output, call.path);
    Ok(rows
        .into_iter()
        .map(|mut r| {
            let Some(doc) = r
                .first(&input)
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
            else {
                return r;
            };
            match &path {
                None => {
                    let found = crate::json::fields(&doc);
                    for (k, v) in found.0 {
                        if k != "_raw" {
                            r.0.insert(k, v);
                        }
                    }
                }
                Some(p) => {
                    let mut values = Vec::new();
                    at_path(&doc, p, &mut values);
                    let name = output.clone().unwrap_or_else(|| p.clone());
                    r.put(&name, values);
                }
            }
            r
        })
        .collect())
}

/// The values at `path` of `v`, as spath writes them.
fn at_path(v: &Value, path: &str, out: &mut Vec<String>) {
    let mut cur = vec![v];
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let (name, each) = match seg.strip_suffix("{}") {
            Some(n) => (n, true),
            None => (seg, false),
        };
        let mut next = Vec::new();
        for c in cur {
            let x = if name.is_empty() {
                Some(c)
            } else {
                c.get(name)
            };
            match (x, each) {
                (Some(Value::Array(items)), true) => next.extend(items.iter()),
                (Some(x), false) => next.push(x),
                _ => {}
            }
        }
        cur = next;
    }
    for c in cur {
        match c {
            Value::Null => {}
            Value::String(s) => out.push(s.clone()),
            other => out.push(other.to_string()),
        }
    }
}

/// `rex [field=<field>] [max_match=<n>] "<regex>"`: each named group
/// `(?<name>...)` of the first match (or of the first `n` matches,
/// `max_match=0` for all, multivalue) becomes a field. The field is
/// `_raw` by default; its first value is matched. A field with no match is
/// left unchanged. `mode=sed` and other options are outside the subset.
pub fn rex(args: &str, rows: Vec<Row>) -> Result<Vec<Row>, String> {
    let call = detc_spl::command::rex_call(args)
        .filter(|c| !c.sed && c.other.is_empty())
        .ok_or_else(|| unsupported(&format!("rex {args}")))?;
    let field = call.field;
    let max = if call.max_match == 0 {
        usize::MAX
    } else {
        call.max_match
    };
    let pattern = pcre_braces(&call.pattern);
    let re = cached_regex(&pattern)
        .ok_or_else(|| format!("rex: `{pattern}` is not a regular expression the replay reads"))?;
    let names: Vec<String> = re.capture_names().flatten().map(str::to_string).collect();
    Ok(rows
        .into_iter()
        .map(|mut r| {
            let Some(text) = r.first(&field).map(str::to_string) else {
                return r;
            };
            let mut found: Vec<Vec<String>> = vec![Vec::new(); names.len()];
            for caps in re.captures_iter(&text).take(max) {
                for (i, n) in names.iter().enumerate() {
                    if let Some(m) = caps.name(n) {
                        found[i].push(m.as_str().to_string());
                    }
                }
            }
            for (n, vs) in names.iter().zip(found) {
                if !vs.is_empty() {
                    r.0.insert(n.clone(), vs);
                }
            }
            r
        })
        .collect())
}

/// `regex`: keeps the rows whose field matches the pattern (`=`, or a bare
/// pattern on `_raw`), or does not (`!=`; a row without the field does not
/// match, so `!=` keeps it). A row whose field has several values is an
/// error: Splunk's documentation does not say how they are matched.
pub fn regex(args: &str, rows: Vec<Row>) -> Result<Vec<Row>, String> {
    let call =
        detc_spl::command::regex_call(args).ok_or_else(|| unsupported(&format!("regex {args}")))?;
    let pattern = pcre_braces(&call.pattern);
    let re = cached_regex(&pattern).ok_or_else(|| {
        format!("regex: `{pattern}` is not a regular expression the replay reads")
    })?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let matched = match r.0.get(&call.field).map(Vec::as_slice) {
            None | Some([]) => false,
            Some([v]) => re.is_match(v),
            Some(_) => {
                return Err(unsupported(&format!(
                    "regex on the multivalue field `{}`",
                    call.field
                )));
            }
        };
        if matched == call.keep_matches {
            out.push(r);
        }
    }
    Ok(out)
}

/// A PCRE pattern with its literal braces escaped for the regex crate: PCRE
/// reads `{` as a literal unless it starts a repetition (`{2}`, `{2,}`,
/// `{2,5}`); the regex crate refuses a bare one.
fn pcre_braces(p: &str) -> String {
    let cs: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len());
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if c == '\\' && i + 1 < cs.len() {
            out.push(c);
            out.push(cs[i + 1]);
            i += 2;
            continue;
        }
        if c == '{' {
            let rest: String = cs[i + 1..].iter().collect();
            let repetition = rest.split_once('}').is_some_and(|(inner, _)| {
                let mut parts = inner.splitn(2, ',');
                parts
                    .next()
                    .is_some_and(|a| !a.is_empty() && a.chars().all(|d| d.is_ascii_digit()))
                    && parts
                        .next()
                        .is_none_or(|b| b.chars().all(|d| d.is_ascii_digit()))
            });
            if !repetition {
                out.push_str("\\{");
                i += 1;
                continue;
            }
        }
        if c == '}' && !out.ends_with(|d: char| d.is_ascii_digit() || d == ',') {
            out.push_str("\\}");
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// `bin`/`bucket [<field>] span=<n><s|m|h|d>` (the field defaults to
/// `_time`): each value rounded down to a multiple of the span, counted
/// from the epoch (so days are UTC days; Splunk aligns days to the user's
/// time zone). Other options (`bins=`, `start=`, `aligntime=`) are outside
/// the subset.
pub fn bin(args: &str, rows: Vec<Row>) -> Result<Vec<Row>, String> {
    let call = detc_spl::command::bin_call(args)
        .filter(|c| c.other.is_empty())
        .ok_or_else(|| unsupported(&format!("bin {args}")))?;
    let field = call.field;
    let target = call.as_name.unwrap_or_else(|| field.clone());
    let span = call.span.ok_or_else(|| unsupported("bin without span="))?;
    let secs = span_seconds(&span).ok_or_else(|| unsupported(&format!("bin span={span}")))?;
    Ok(rows
        .into_iter()
        .map(|mut r| {
            let binned: Vec<String> = r
                .values(&field)
                .iter()
                .filter_map(|v| v.trim().parse::<f64>().ok())
                .map(|t| ((t / secs as f64).floor() as i64 * secs).to_string())
                .collect();
            if !binned.is_empty() {
                r.0.insert(target.clone(), binned);
            }
            r
        })
        .collect())
}

/// Seconds of a span such as `5m`, `1h`, `30s`, `1d` (a bare number is
/// seconds).
fn span_seconds(s: &str) -> Option<i64> {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let n: i64 = digits.parse().ok().filter(|n| *n > 0)?;
    let unit = match &s[digits.len()..] {
        "" | "s" | "sec" | "secs" => 1,
        "m" | "min" | "mins" => 60,
        "h" | "hr" | "hrs" => 3_600,
        "d" | "day" | "days" => 86_400,
        _ => return None,
    };
    n.checked_mul(unit)
}

/// `mvexpand <field> [limit=<n>]`: one row per value of the field (the
/// other fields copied); a row without the field is dropped, as in Splunk.
pub fn mvexpand(args: &str, rows: Vec<Row>) -> Result<Vec<Row>, String> {
    let (field, limit) = detc_spl::command::mvexpand_call(args)
        .ok_or_else(|| unsupported(&format!("mvexpand {args}")))?;
    let (field, limit) = (&field, limit.unwrap_or(usize::MAX));
    let mut out = Vec::new();
    for r in rows {
        for v in r.values(field).iter().take(limit) {
            let mut x = r.clone();
            x.set(field, v.clone());
            out.push(x);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_row as row;

    #[test]
    fn spath_paths_arrays_and_whole_documents() {
        let raw = r#"{"a": {"b": "x", "list": [{"n": 1}, {"n": 2}]}, "arr": ["p", "q"]}"#;
        let r = vec![row(&[("_raw", raw)])];
        let out = spath("output=ns path=a.list{}.n", r.clone()).unwrap();
        assert_eq!(out[0].values("ns"), ["1", "2"]);
        let out = spath("a.b", r.clone()).unwrap();
        assert_eq!(out[0].values("a.b"), ["x"]);
        let out = spath("output=l path=a.list", r.clone()).unwrap();
        assert_eq!(out[0].values("l"), [r#"[{"n":1},{"n":2}]"#], "JSON text");
        let out = spath("", r.clone()).unwrap();
        assert_eq!(out[0].values("arr{}"), ["p", "q"]);
        assert_eq!(out[0].values("a.list{}.n"), ["1", "2"]);
        let inner = vec![row(&[("doc", r#"[{"k": "v1"}, {"k": "v2"}]"#)])];
        let out = spath("input=doc output=k path={}.k", inner).unwrap();
        assert_eq!(out[0].values("k"), ["v1", "v2"]);
        let not_json = spath("output=x path=a", vec![row(&[("_raw", "plain")])]).unwrap();
        assert!(not_json[0].values("x").is_empty());
        assert!(spath("mode=xml", vec![]).is_err());
    }

    #[test]
    fn rex_named_groups_and_max_match() {
        let r = vec![row(&[
            ("arn", "arn:aws:sts::123:assumed-role/r/s"),
            ("_raw", "a=1 a=2"),
        ])];
        let out = rex(r#"field=arn "arn:aws:sts::(?<acct>\d+):""#, r.clone()).unwrap();
        assert_eq!(out[0].values("acct"), ["123"]);
        let out = rex(r#"max_match=0 "a=(?<v>\d)""#, r.clone()).unwrap();
        assert_eq!(out[0].values("v"), ["1", "2"]);
        let out = rex(r#""a=(?<v>\d)""#, r.clone()).unwrap();
        assert_eq!(out[0].values("v"), ["1"]);
        assert!(rex(r#"mode=sed "s/a/b/""#, r).is_err());
        // PCRE's literal braces (ESCU's "Detect New Open S3 buckets").
        let j = vec![row(&[("_raw", r#"x {"a": 1} y"#)])];
        let out = rex(r#"field=_raw "(?<json_field>{.+})""#, j).unwrap();
        assert_eq!(out[0].values("json_field"), [r#"{"a": 1}"#]);
        assert_eq!(pcre_braces(r"a{2,3}b{x}\{"), r"a{2,3}b\{x\}\{");
    }

    #[test]
    fn regex_keeps_what_matches_or_with_not_equal_what_does_not() {
        // ESCU's forms: a field with `(?i)` and `$`, `!=`, a bare pattern
        // on _raw.
        let rows = vec![
            row(&[
                ("process", "C:\\Windows\\System32\\RUNDLL32.EXE"),
                ("_raw", "GET /a"),
            ]),
            row(&[
                ("process", "rundll32.exe shell32.dll,Control_RunDLL"),
                ("_raw", "POST /b"),
            ]),
            row(&[("_raw", "GET /c")]),
        ];
        let names = |out: Vec<Row>| -> Vec<String> {
            out.iter()
                .map(|r| r.first("_raw").unwrap_or_default().to_string())
                .collect()
        };
        let kept = regex(r#"process="(?i)(rundll32\.exe.{0,4}$)""#, rows.clone()).unwrap();
        assert_eq!(names(kept), ["GET /a"]);
        let kept = regex(r#"process!="(?i)(rundll32\.exe.{0,4}$)""#, rows.clone()).unwrap();
        assert_eq!(
            names(kept),
            ["POST /b", "GET /c"],
            "no field: no match, kept by !="
        );
        let kept = regex(r#""^GET ""#, rows.clone()).unwrap();
        assert_eq!(names(kept), ["GET /a", "GET /c"]);
        // What the replay cannot decide is an error (the test is skipped),
        // never a guess: lookaround (not in the regex crate), a multivalue
        // field, an unquoted pattern.
        assert!(regex(r#"process="a(?!b)""#, rows.clone()).is_err());
        let mut mv = row(&[("k", "x")]);
        mv.0.insert("process".into(), vec!["a".into(), "b".into()]);
        assert!(regex(r#"process="a""#, vec![mv]).is_err());
        assert!(regex("process=a", rows).is_err());
    }

    #[test]
    fn bin_and_mvexpand() {
        let out = bin("span=5m _time", vec![row(&[("_time", "1688990087")])]).unwrap();
        assert_eq!(out[0].first("_time"), Some("1688989800"));
        let out = bin("_time span=1d", vec![row(&[("_time", "1688990087")])]).unwrap();
        assert_eq!(out[0].first("_time"), Some("1688947200"));
        assert!(bin("bins=10 _time", vec![]).is_err());
        assert!(
            bin("span=1mon _time", vec![]).is_err(),
            "months are not fixed"
        );
        let mut r = row(&[("k", "x")]);
        r.0.insert("v".into(), vec!["1".into(), "2".into()]);
        let out = mvexpand("v", vec![r, row(&[("k", "no v")])]).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].values("v"), ["2"]);
        assert_eq!(out[1].first("k"), Some("x"));
    }
}
