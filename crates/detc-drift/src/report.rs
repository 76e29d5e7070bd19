//! The differences as text for a person, JSON and SARIF 2.1.0.

use crate::{Difference, Kind};
use detc_content::Project;
use serde_json::{Value, json};

/// `file:line:column` of a difference's origin (the path relative to the
/// content root, line and column from 1), if it has one.
fn location(p: &Project, d: &Difference) -> Option<(String, usize, usize)> {
    let span = d.origin?;
    let f = p.sources.get(span.file);
    let lc = f.line_col(span.start);
    Some((f.path.clone(), lc.line, lc.column))
}

/// The first line where `a` and `b` differ, each side's, for a short
/// message (`(line number in the value, ours, theirs)`).
fn first_difference<'a>(a: &'a str, b: &'a str) -> (usize, &'a str, &'a str) {
    let (mut la, mut lb) = (a.lines(), b.lines());
    let mut n = 1;
    loop {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x.trim_end() == y.trim_end() => n += 1,
            (x, y) => return (n, x.unwrap_or(""), y.unwrap_or("")),
        }
    }
}

/// The two differing lines `a` and `b`, each cut to about 160
/// characters around where they first differ (`...` marks a cut), so a
/// changed threshold at the end of a long one-line search shows.
fn excerpts(a: &str, b: &str) -> (String, String) {
    const WIDTH: usize = 160;
    const BEFORE: usize = 50;
    let (a, b) = (a.trim(), b.trim());
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let cut = |s: &str| -> String {
        let n = s.chars().count();
        let from = if n > WIDTH {
            common.saturating_sub(BEFORE)
        } else {
            0
        };
        let mut out: String = s.chars().skip(from).take(WIDTH).collect();
        if from > 0 {
            out.insert_str(0, "...");
        }
        if from + WIDTH < n {
            out.push_str("...");
        }
        out
    };
    (cut(a), cut(b))
}

/// What a difference says, in one sentence.
fn message(d: &Difference) -> String {
    match d.kind {
        Kind::Changed => format!(
            "{} [{}]: `{}` differs in Splunk",
            d.object,
            d.stanza,
            d.key.as_deref().unwrap_or("")
        ),
        Kind::NotDeployed => format!("{} [{}] is not in Splunk", d.object, d.stanza),
        Kind::OnlyInSplunk => format!(
            "{} [{}] is in Splunk but not in the repository (a local stanza of a removed detection, or one made in Splunk)",
            d.object, d.stanza
        ),
    }
}

/// The differences for a person: one block per difference, `file:line:col`
/// first, the two values' first differing line below, and a summary line.
pub fn human(p: &Project, diffs: &[Difference]) -> String {
    let mut out = String::new();
    for d in diffs {
        match location(p, d) {
            Some((f, l, c)) => out.push_str(&format!("{f}:{l}:{c}: {}\n", message(d))),
            None => out.push_str(&format!("{}\n", message(d))),
        }
        if let (Some(ours), Some(theirs)) = (&d.repository, &d.splunk) {
            let (n, a, b) = first_difference(ours, theirs);
            let at = if ours.lines().count() > 1 || theirs.lines().count() > 1 {
                format!(" (line {n})")
            } else {
                String::new()
            };
            let (a, b) = excerpts(a, b);
            out.push_str(&format!("    repository{at}: {a}\n"));
            out.push_str(&format!("    Splunk{at}:     {b}\n"));
        }
    }
    let count = |k: Kind| diffs.iter().filter(|d| d.kind == k).count();
    let stanzas: std::collections::BTreeSet<&str> = diffs
        .iter()
        .filter(|d| d.kind == Kind::Changed)
        .map(|d| d.stanza.as_str())
        .collect();
    if diffs.is_empty() {
        out.push_str("no drift: Splunk has the app as the repository builds it\n");
    } else {
        out.push_str(&format!(
            "{} difference(s): {} changed key(s) in {} stanza(s), {} not in Splunk, {} only in Splunk\n",
            diffs.len(),
            count(Kind::Changed),
            stanzas.len(),
            count(Kind::NotDeployed),
            count(Kind::OnlyInSplunk),
        ));
    }
    out
}

/// The differences as JSON: `{"differences": [{object, stanza, key, kind,
/// repository, splunk, file, line, column}], "count": N}`.
pub fn json(p: &Project, diffs: &[Difference]) -> String {
    let list: Vec<Value> = diffs
        .iter()
        .map(|d| {
            let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
            if let (Some((f, l, c)), Some(o)) = (location(p, d), v.as_object_mut()) {
                o.insert("file".into(), json!(f));
                o.insert("line".into(), json!(l));
                o.insert("column".into(), json!(c));
            }
            v
        })
        .collect();
    let doc = json!({ "count": list.len(), "differences": list });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// The differences as a SARIF 2.1.0 log: one result per difference, rule
/// `drift/<kind>`, level `warning`, located at its YAML origin.
pub fn sarif(p: &Project, diffs: &[Difference]) -> String {
    let rules: Vec<Value> = [
        (
            "drift/changed",
            "A setting differs between the repository and Splunk",
        ),
        (
            "drift/not_deployed",
            "The repository has a stanza that Splunk does not",
        ),
        (
            "drift/only_in_splunk",
            "Splunk has a stanza of the app that the repository does not",
        ),
    ]
    .iter()
    .map(|(id, text)| json!({ "id": id, "shortDescription": { "text": text } }))
    .collect();
    let results: Vec<Value> = diffs
        .iter()
        .map(|d| {
            let kind = serde_json::to_value(d.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let mut text = message(d);
            if let (Some(a), Some(b)) = (&d.repository, &d.splunk) {
                let (_, a, b) = first_difference(a, b);
                let (a, b) = excerpts(a, b);
                text.push_str(&format!(": the repository has `{}`, Splunk `{}`", a, b));
            }
            let mut r = json!({
                "ruleId": format!("drift/{kind}"),
                "level": "warning",
                "message": { "text": text },
            });
            if let (Some((f, l, c)), Some(o)) = (location(p, d), r.as_object_mut()) {
                o.insert(
                    "locations".into(),
                    json!([{ "physicalLocation": {
                        "artifactLocation": { "uri": f },
                        "region": { "startLine": l, "startColumn": c }
                    }}]),
                );
            }
            r
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "detc drift",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::excerpts;

    #[test]
    fn a_long_line_is_cut_around_its_difference() {
        let head = "| tstats count from datamodel=Change.All_Changes by user ".repeat(5);
        let (a, b) = excerpts(
            &format!("{head}| search count > 5 | `f`"),
            &format!("{head}| search count > 10 | `f`"),
        );
        assert!(
            a.starts_with("...") && a.ends_with("count > 5 | `f`"),
            "{a}"
        );
        assert!(b.ends_with("count > 10 | `f`"), "{b}");
        assert_eq!(
            excerpts("0 * * * *", "*/15 * * * *"),
            ("0 * * * *".into(), "*/15 * * * *".into())
        );
    }
}
