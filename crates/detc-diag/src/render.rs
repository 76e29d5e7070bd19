//! Human, JSON and SARIF 2.1.0 renderings of diagnostics.

use crate::{Diagnostic, Severity, SourceMap, Span};
use annotate_snippets::{AnnotationKind, Level, Origin, Renderer, Snippet};

use serde_json::{Value, json};

/// What a renderer needs to know of a rule beyond one diagnostic: used for
/// SARIF's `tool.driver.rules`.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    /// Stable code, e.g. `S002`.
    pub code: &'static str,
    /// Kebab-case name, e.g. `unknown-key`.
    pub name: &'static str,
    /// One-line description of what the rule checks.
    pub summary: &'static str,
}

fn level(sev: Severity) -> Level<'static> {
    match sev {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    }
}

/// Moves `range` outward to character boundaries of `text`.
fn snap(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let mut s = range.start.min(text.len());
    while !text.is_char_boundary(s) {
        s -= 1;
    }
    let mut e = range.end.clamp(s, text.len());
    while !text.is_char_boundary(e) {
        e += 1;
    }
    s..e
}

/// The line `span` starts on: (text, line number, span offsets relative
/// to the line). A span over several lines (a whole mapping, a block
/// scalar) is cut at the end of its first line, which names the place
/// without burying the message under the whole block.
fn window(map: &SourceMap, span: Span) -> (&str, usize, std::ops::Range<usize>) {
    let f = map.get(span.file);
    let line = f.line_col(span.start).line;
    let r = f.line_range(line);
    let text = &f.text[r.clone()];
    let s = span.start.clamp(r.start, r.end) - r.start;
    let e = span.end.clamp(r.start, r.end) - r.start;
    (text, line, snap(text, s..e.max(s)))
}

/// Renders diagnostics the way rustc does: header with code, `-->
/// file:line:col`, the source lines with the span marked, labels and a
/// `help:` line; then a summary line. `color` turns on ANSI styling.
pub fn render_human(map: &SourceMap, diags: &[Diagnostic], color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diags.iter().filter(|d| !d.is_known()) {
        let title = format!("{} [{}]", d.message, d.name);
        let mut group = annotate_snippets::Group::with_title(
            level(d.severity).primary_title(title.as_str()).id(d.code),
        );
        if let Some(span) = d.span {
            let (text, line, range) = window(map, span);
            let mut ann = AnnotationKind::Primary.span(range);
            if let Some(l) = &d.label {
                ann = ann.label(l.as_str());
            }
            let mut snippet = Snippet::source(text)
                .line_start(line)
                .path(map.get(span.file).path.as_str())
                .annotation(ann);
            let mut others = Vec::new();
            for l in &d.secondary {
                let same_window = l.span.file == span.file && {
                    let f = map.get(span.file);
                    f.line_col(l.span.start).line == line && f.line_col(l.span.end).line == line
                };
                if same_window {
                    let lo = map.get(span.file).line_range(line).start;
                    let r = snap(
                        text,
                        l.span.start.saturating_sub(lo)..l.span.end.saturating_sub(lo),
                    );
                    snippet = snippet
                        .annotation(AnnotationKind::Context.span(r).label(l.message.as_str()));
                } else {
                    others.push(l);
                }
            }
            group = group.element(snippet);
            for l in others {
                let (t, ln, r) = window(map, l.span);
                group = group.element(
                    Snippet::source(t)
                        .line_start(ln)
                        .path(map.get(l.span.file).path.as_str())
                        .annotation(AnnotationKind::Context.span(r).label(l.message.as_str())),
                );
            }
        } else if let Some(file) = d.file {
            group = group.element(Origin::path(map.get(file).path.as_str()));
        }
        if let Some(h) = &d.help {
            group = group.element(Level::HELP.message(h.as_str()));
        }
        out.push_str(&renderer.render(&[group]));
        out.push_str("\n\n");
    }
    let s = crate::Summary::of(diags);
    out.push_str(&format!(
        "{} error{}, {} warning{}",
        s.errors,
        if s.errors == 1 { "" } else { "s" },
        s.warnings,
        if s.warnings == 1 { "" } else { "s" }
    ));
    if s.known > 0 || diags.iter().any(|d| d.baseline.is_some()) {
        out.push_str(&format!(
            " ({} known from the baseline, not shown)",
            s.known
        ));
    }
    out.push('\n');
    out
}

/// Start, end and the text of the start line of `span`.
fn region(map: &SourceMap, span: Span) -> (crate::LineCol, crate::LineCol, &str) {
    let f = map.get(span.file);
    let a = f.line_col(span.start);
    (
        a,
        f.line_col(span.end),
        f.text.get(f.line_range(a.line)).unwrap_or(""),
    )
}

fn location_json(map: &SourceMap, d: &Diagnostic) -> (Option<String>, Option<Value>) {
    let path = d.file.map(|f| map.get(f).path.clone());
    let region = d.span.map(|s| {
        let (a, b, line) = region(map, s);
        json!({"line": a.line, "column": a.column, "end_line": b.line, "end_column": b.column, "source_line": line})
    });
    (path, region)
}

/// Renders diagnostics as a JSON object `{"diagnostics": [...], "summary":
/// {...}}`. Each diagnostic has `code`, `name`, `severity`, `message`,
/// `file`, `line`, `column`, `end_line`, `end_column` (1-based, columns in
/// characters), `source_line`, `label`, `help` and `related` (secondary
/// labels with their own positions), and `baseline` (`new` or
/// `unchanged`) once a baseline was applied; the summary counts `known`
/// findings apart.
pub fn render_json(map: &SourceMap, diags: &[Diagnostic]) -> String {
    let items: Vec<Value> = diags
        .iter()
        .map(|d| {
            let (path, region) = location_json(map, d);
            let mut v = json!({
                "code": d.code,
                "name": d.name,
                "severity": d.severity,
                "message": d.message,
                "file": path,
                "label": d.label,
                "help": d.help,
            });
            if let (Some(obj), Some(Value::Object(r))) = (v.as_object_mut(), region) {
                obj.extend(r);
            }
            let related: Vec<Value> = d
                .secondary
                .iter()
                .map(|l| {
                    let f = map.get(l.span.file);
                    let p = f.line_col(l.span.start);
                    json!({"file": f.path, "line": p.line, "column": p.column, "message": l.message})
                })
                .collect();
            if let Some(obj) = v.as_object_mut() {
                obj.insert("related".into(), Value::Array(related));
                if let Some(b) = d.baseline {
                    obj.insert("baseline".into(), json!(b.sarif()));
                }
            }
            v
        })
        .collect();
    let s = crate::Summary::of(diags);
    let out = json!({"diagnostics": items, "summary": {"errors": s.errors, "warnings": s.warnings, "notes": s.notes, "known": s.known}});
    serde_json::to_string_pretty(&out).unwrap_or_default() + "\n"
}

fn sarif_region(map: &SourceMap, span: Span) -> Value {
    let (a, b, line) = region(map, span);
    json!({
        "startLine": a.line, "startColumn": a.column, "endLine": b.line, "endColumn": b.column,
        "snippet": {"text": line}
    })
}

/// The SARIF `uriBaseId` of every location: paths are relative to the
/// folder the command ran in, which `originalUriBaseIds` gives as a
/// `file://` URI (GitHub code scanning resolves them against the checkout).
pub const SRCROOT: &str = "%SRCROOT%";

/// Renders diagnostics as a SARIF 2.1.0 log with one run whose driver is
/// `detc` at `tool_version` and whose rules are `rules`. Paths are
/// relative URIs with the `uriBaseId` [`SRCROOT`]; `src_root`, a `file://`
/// URI ending in `/` (the folder the paths are relative to), becomes the
/// run's `originalUriBaseIds`. Columns are `unicodeCodePoints`.
pub fn render_sarif(
    map: &SourceMap,
    diags: &[Diagnostic],
    rules: &[RuleInfo],
    tool_version: &str,
    src_root: Option<&str>,
) -> String {
    let rule_index = |code: &str| rules.iter().position(|r| r.code == code);
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(h);
            }
            let mut r = json!({
                "ruleId": d.code,
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning", Severity::Note => "note" },
                "message": {"text": text},
            });
            if let Some(i) = rule_index(d.code) {
                r["ruleIndex"] = json!(i);
            }
            if let Some(b) = d.baseline {
                r["baselineState"] = json!(b.sarif());
            }
            if let Some(file) = d.file {
                let mut phys = json!({"artifactLocation": {"uri": map.get(file).path, "uriBaseId": SRCROOT}});
                if let Some(span) = d.span {
                    phys["region"] = sarif_region(map, span);
                }
                r["locations"] = json!([{"physicalLocation": phys}]);
            }
            if !d.secondary.is_empty() {
                r["relatedLocations"] = Value::Array(
                    d.secondary
                        .iter()
                        .enumerate()
                        .map(|(i, l)| {
                            json!({"id": i, "message": {"text": l.message}, "physicalLocation": {
                                "artifactLocation": {"uri": map.get(l.span.file).path, "uriBaseId": SRCROOT},
                                "region": sarif_region(map, l.span)}})
                        })
                        .collect(),
                );
            }
            r
        })
        .collect();
    let rules_json: Vec<Value> = rules
        .iter()
        .map(|r| json!({"id": r.code, "name": r.name, "shortDescription": {"text": r.summary}}))
        .collect();
    let mut run = json!({
        "tool": {"driver": {"name": "detc", "version": tool_version, "informationUri": "https://github.com/splunk/security_content", "rules": rules_json}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(root) = src_root {
        run["originalUriBaseIds"] = json!({SRCROOT: {"uri": root}});
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run]
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Diagnostic;

    #[test]
    fn human_rendering_marks_the_span_and_prints_help() {
        let mut map = SourceMap::new();
        let text = "name: x\nsearch: '| table user'\nrba:\n  message: $dest$ did it\n";
        let f = map.add("detections/x.yml", text);
        let at = text.find("$dest$").unwrap();
        let d = Diagnostic::new(
            "R001",
            "rba-token-not-output",
            Severity::Error,
            "`dest` is not a field the search outputs",
        )
        .at(Span::new(f, at, at + 6))
        .label("not in the search's output")
        .help("output `dest` from the search");
        let out = render_human(&map, &[d], false);
        assert!(out.contains("error[R001]"), "{out}");
        assert!(out.contains("--> detections/x.yml:4:12"), "{out}");
        assert!(out.contains("  message: $dest$ did it"), "{out}");
        assert!(out.contains("^^^^^^ not in the search's output"), "{out}");
        assert!(out.contains("help: output `dest`"), "{out}");
        assert!(out.ends_with("1 error, 0 warnings\n"), "{out}");
    }

    #[test]
    fn spans_inside_a_multibyte_character_do_not_panic() {
        let mut map = SourceMap::new();
        let f = map.add("a.yml", "author: Micha\u{fffd}l\n");
        let d = Diagnostic::new("F003", "not-utf8", Severity::Error, "bad byte")
            .at(Span::new(f, 14, 15));
        let out = render_human(&map, &[d], false);
        assert!(out.contains("a.yml:1:14"), "{out}");
    }

    #[test]
    fn sarif_has_region_and_rule_index() {
        let mut map = SourceMap::new();
        let f = map.add("a.yml", "nmae: x\n");
        let d = Diagnostic::new("S002", "unknown-key", Severity::Error, "unknown key")
            .at(Span::new(f, 0, 4));
        let rules = [RuleInfo {
            code: "S002",
            name: "unknown-key",
            summary: "unknown keys are refused",
        }];
        let v: Value = serde_json::from_str(&render_sarif(
            &map,
            &[d],
            &rules,
            "0.1.0",
            Some("file:///work/repo/"),
        ))
        .unwrap();
        let r = &v["runs"][0]["results"][0];
        let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(loc["uri"], "a.yml");
        assert_eq!(loc["uriBaseId"], "%SRCROOT%");
        assert_eq!(
            v["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            "file:///work/repo/"
        );
        assert_eq!(r["ruleIndex"], 0);
        assert_eq!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            1
        );
        assert_eq!(
            r["locations"][0]["physicalLocation"]["region"]["endColumn"],
            5
        );
        assert_eq!(v["version"], "2.1.0");
    }
}
