//! `--write-back`: the differences a YAML field can hold, turned into
//! edits of the detection's (or macro's) YAML, so that the next build gives
//! the stanza Splunk has.
//!
//! - `search`: the detection's `search:` value.
//! - `disabled`: the detection's `enabled_by_default:` (added when absent).
//! - `cron_schedule`, `dispatch.earliest_time`, `dispatch.latest_time`,
//!   `schedule_window`: the detection's inline `deployment:` (contentctl's
//!   `Detection.deployment`); a detection that uses a shared deployment of
//!   `deployments/` gets an inline one, a copy of the shared one with
//!   Splunk's values, so that the other detections keep theirs.
//! - a macro's `definition`: the macro's `definition:`.
//!
//! Everything else is listed with the reason, for an edit by hand. Values
//! are written as YAML single-quoted scalars (one line) or literal blocks
//! (`|-`, several lines), which hold any text as it is.

use crate::{Difference, Kind, Object};
use detc_content::Project;
use detc_content::model::{Deployment, Detection};
use detc_diag::Span;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A file's new text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The file, under the content root.
    pub path: PathBuf,
    /// Its path relative to the content root, for messages.
    pub shown: String,
    /// The file's text as it was read (the edit is refused if the file
    /// changed since).
    pub before: String,
    /// The whole new text.
    pub text: String,
    /// What changed, one line each (`search`, `enabled_by_default`, ...).
    pub changes: Vec<String>,
}

/// What [`write_back`] made of the differences.
#[derive(Debug, Clone, Default)]
pub struct WriteBack {
    /// One edit per file.
    pub edits: Vec<Edit>,
    /// The differences it cannot write, each with the reason (index into
    /// the differences given).
    pub left: Vec<(usize, String)>,
}

/// The schedule keys of savedsearches.conf and their field in a
/// deployment's `scheduling:`.
const SCHEDULE: &[(&str, &str)] = &[
    ("cron_schedule", "cron_schedule"),
    ("dispatch.earliest_time", "earliest_time"),
    ("dispatch.latest_time", "latest_time"),
    ("schedule_window", "schedule_window"),
];

/// A replacement of `start..end` of a file's text by `with`.
struct Splice {
    start: usize,
    end: usize,
    with: String,
    what: String,
}

/// The edits that bring Splunk's values of `diffs` into `p`'s YAML.
pub fn write_back(p: &Project, diffs: &[Difference]) -> WriteBack {
    let mut out = WriteBack::default();
    // Per file: its splices.
    let mut files: BTreeMap<u32, Vec<Splice>> = BTreeMap::new();
    // Per detection: its schedule changes (yaml field -> value), gathered
    // so that one inline deployment holds them all.
    let mut schedules: BTreeMap<usize, Vec<(usize, &'static str, String)>> = BTreeMap::new();
    for (i, d) in diffs.iter().enumerate() {
        if d.kind != Kind::Changed {
            let why = match d.kind {
                Kind::NotDeployed => "Splunk does not have it: deploy the app".to_string(),
                _ => "the repository has no object for it: add it to the YAML, or delete it in Splunk".to_string(),
            };
            out.left.push((i, why));
            continue;
        }
        let (Some(key), Some(value)) = (d.key.as_deref(), d.splunk.as_deref()) else {
            continue;
        };
        if d.object == Object::Macro {
            match macro_splice(p, &d.stanza, key, value) {
                Ok((file, s)) => files.entry(file).or_default().push(s),
                Err(why) => out.left.push((i, why)),
            }
            continue;
        }
        if d.object != Object::SavedSearch {
            out.left.push((
                i,
                format!("a {}'s settings: edit its YAML by hand", d.object),
            ));
            continue;
        }
        let Some(det) = d
            .detection
            .and_then(|n| p.content.detections.get(n).map(|x| (n, x)))
        else {
            out.left.push((
                i,
                "a baseline's or response task's stanza: edit its YAML by hand".to_string(),
            ));
            continue;
        };
        let (n, det) = det;
        if let Some((_, field)) = SCHEDULE.iter().find(|(k, _)| *k == key) {
            schedules
                .entry(n)
                .or_default()
                .push((i, field, value.to_string()));
            continue;
        }
        let r = match key {
            "search" => search_splice(p, det, value),
            "disabled" => enabled_splice(p, det, value),
            _ => Err(format!(
                "no YAML field of the detection holds `{key}` alone: edit it by hand"
            )),
        };
        match r {
            Ok((file, s)) => files.entry(file).or_default().push(s),
            Err(why) => out.left.push((i, why)),
        }
    }
    for (n, changes) in schedules {
        let Some(det) = p.content.detections.get(n) else {
            continue;
        };
        match schedule_splices(p, det, &changes) {
            Ok((file, ss)) => files.entry(file).or_default().extend(ss),
            Err(why) => out
                .left
                .extend(changes.iter().map(|(i, _, _)| (*i, why.clone()))),
        }
    }
    for (file, mut splices) in files {
        let f = p.sources.get(detc_diag::FileId(file));
        splices.sort_by_key(|s| std::cmp::Reverse(s.start));
        let mut text = f.text.clone();
        let mut changes = Vec::new();
        let mut last = usize::MAX;
        for s in splices {
            // Overlapping edits of one value (two differences of one key)
            // keep the first.
            if s.end > last {
                continue;
            }
            text.replace_range(s.start..s.end, &s.with);
            changes.push(s.what);
            last = s.start;
        }
        changes.reverse();
        out.edits.push(Edit {
            path: p.root.join(&f.path),
            shown: f.path.clone(),
            before: f.text.clone(),
            text,
            changes,
        });
    }
    out
}

/// Writes `edits`, each to a temporary file beside its file, then renamed
/// over it, so a file is never left half written. A file whose text is no
/// longer [`Edit::before`] (edited since it was read) is left alone.
///
/// # Errors
/// The files not written, each with why (the others are written).
pub fn apply(edits: &[Edit]) -> Result<(), Vec<String>> {
    let mut failed = Vec::new();
    for e in edits {
        match std::fs::read_to_string(&e.path) {
            Ok(now) if now == e.before => {}
            Ok(_) => {
                failed.push(format!(
                    "{}: changed since it was read; not written (run again)",
                    e.shown
                ));
                continue;
            }
            Err(err) => {
                failed.push(format!("{}: cannot read it: {err}", e.shown));
                continue;
            }
        }
        let mut tmp = e.path.clone().into_os_string();
        tmp.push(".detc-drift.tmp");
        let tmp = PathBuf::from(tmp);
        let written = std::fs::write(&tmp, &e.text).and_then(|()| std::fs::rename(&tmp, &e.path));
        if let Err(err) = written {
            let _ = std::fs::remove_file(&tmp);
            failed.push(format!("{}: cannot write it: {err}", e.shown));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed)
    }
}

/// `s` as a YAML scalar after `key: ` at `indent` spaces: single-quoted
/// when it is one line, else a literal block (`|-`, or `|` when it ends
/// with a line break).
fn scalar(s: &str, indent: usize) -> String {
    if !s.contains('\n') {
        return format!("'{}'", s.replace('\'', "''"));
    }
    let pad = " ".repeat(indent);
    let body = s.strip_suffix('\n').unwrap_or(s);
    let head = if s.ends_with('\n') { "|" } else { "|-" };
    let ind = if body.starts_with(' ') {
        indent.to_string()
    } else {
        String::new()
    };
    let mut out = format!("{head}{ind}");
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}

/// The splice that replaces the value of the top-level `key:` whose value
/// is at `span` by `value`.
fn value_splice(
    p: &Project,
    span: Span,
    key: &str,
    value: &str,
    what: String,
) -> Result<(u32, Splice), String> {
    let text = &p.sources.get(span.file).text;
    let needle = format!("{key}:");
    // The key: at the start of a line, before the value.
    let mut at = None;
    let mut from = span.start.min(text.len());
    while let Some(k) = text[..from].rfind(&needle) {
        if k == 0 || text.as_bytes()[k - 1] == b'\n' {
            at = Some(k + needle.len());
            break;
        }
        from = k;
    }
    let Some(start) = at else {
        return Err(format!(
            "`{key}:` is not a top-level key of its file: edit it by hand"
        ));
    };
    let mut end = span.end.min(text.len());
    while end > start && matches!(text.as_bytes()[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    Ok((
        span.file.0,
        Splice {
            start,
            end,
            with: format!(" {}", scalar(value, 2)),
            what,
        },
    ))
}

fn search_splice(p: &Project, d: &Detection, value: &str) -> Result<(u32, Splice), String> {
    let span = d
        .search
        .as_ref()
        .map(|s| s.span)
        .ok_or("the detection has no `search:`")?;
    value_splice(p, span, "search", value, "search".to_string())
}

fn enabled_splice(p: &Project, d: &Detection, value: &str) -> Result<(u32, Splice), String> {
    let Some(disabled) = crate::boolean(value) else {
        return Err(format!("`disabled = {}` is not a boolean", value.trim()));
    };
    if !disabled && !d.may_be_enabled_by_default() {
        return Err(
            "only production TTP, Anomaly and Correlation detections may be enabled by default (contentctl's rule, P001): the detection stays enabled in Splunk's local/ layer; to ship it enabled, make it one of those first".to_string(),
        );
    }
    let enabled = if disabled { "false" } else { "true" };
    let what = format!("enabled_by_default: {enabled}");
    if let Some(e) = &d.enabled_by_default {
        return Ok((
            e.span.file.0,
            Splice {
                start: e.span.start,
                end: e.span.end,
                with: enabled.to_string(),
                what,
            },
        ));
    }
    let file = d
        .common
        .name
        .as_ref()
        .map(|n| n.span.file)
        .ok_or("the detection has no name")?;
    Ok((
        file.0,
        append(p, file, &format!("enabled_by_default: {enabled}\n"), what),
    ))
}

fn schedule_splices(
    p: &Project,
    d: &Detection,
    changes: &[(usize, &'static str, String)],
) -> Result<(u32, Vec<Splice>), String> {
    let file = d
        .common
        .name
        .as_ref()
        .map(|n| n.span.file)
        .ok_or("the detection has no name")?;
    if let Some(inline) = &d.deployment {
        let s = &inline.scheduling;
        let mut out = Vec::new();
        for (_, field, value) in changes {
            let v = match *field {
                "cron_schedule" => &s.cron_schedule,
                "earliest_time" => &s.earliest_time,
                "latest_time" => &s.latest_time,
                _ => &s.schedule_window,
            };
            let Some(v) = v else {
                return Err(format!(
                    "the inline deployment has no `{field}`: edit it by hand"
                ));
            };
            out.push(Splice {
                start: v.span.start,
                end: v.span.end,
                with: scalar(value, 6),
                what: format!("deployment.scheduling.{field}"),
            });
        }
        return Ok((file.0, out));
    }
    let shared = p
        .content
        .deployment_of(d)
        .ok_or("the detection has no deployment to copy")?;
    let block = inline_deployment(shared, changes);
    let names: Vec<String> = changes
        .iter()
        .map(|(_, f, _)| format!("deployment.scheduling.{f}"))
        .collect();
    let what = format!(
        "{} (an inline deployment, a copy of `{}` with Splunk's schedule)",
        names.join(", "),
        shared.common.as_ref().map_or("", |c| c.name())
    );
    Ok((file.0, vec![append(p, file, &block, what)]))
}

/// The splice that adds `lines` (ending in a line break) at the end of
/// `file`, after a line break if the file lacks its last one.
fn append(p: &Project, file: detc_diag::FileId, lines: &str, what: String) -> Splice {
    let text = &p.sources.get(file).text;
    let sep = if text.ends_with('\n') || text.is_empty() {
        ""
    } else {
        "\n"
    };
    Splice {
        start: text.len(),
        end: text.len(),
        with: format!("{sep}{lines}"),
        what,
    }
}

/// A detection's inline `deployment:`: `shared`'s scheduling, notable and
/// RBA setting, with `changes` (scheduling field, value) applied.
fn inline_deployment(shared: &Deployment, changes: &[(usize, &'static str, String)]) -> String {
    let s = &shared.scheduling;
    let val = |field: &str, v: &Option<detc_yaml::Spanned<String>>| -> String {
        changes
            .iter()
            .find(|(_, f, _)| *f == field)
            .map(|(_, _, v)| v.clone())
            .or_else(|| v.as_ref().map(|v| v.value.clone()))
            .unwrap_or_default()
    };
    let mut out = String::from("deployment:\n  scheduling:\n");
    for (field, v) in [
        ("cron_schedule", &s.cron_schedule),
        ("earliest_time", &s.earliest_time),
        ("latest_time", &s.latest_time),
        ("schedule_window", &s.schedule_window),
    ] {
        out.push_str(&format!("    {field}: {}\n", scalar(&val(field, v), 6)));
    }
    out.push_str("  alert_action:\n");
    if let Some(n) = &shared.notable {
        let t = |v: &Option<detc_yaml::Spanned<String>>| {
            scalar(v.as_ref().map_or("", |v| v.value.as_str()), 8)
        };
        out.push_str("    notable:\n");
        out.push_str(&format!(
            "      rule_description: {}\n",
            t(&n.rule_description)
        ));
        out.push_str(&format!("      rule_title: {}\n", t(&n.rule_title)));
        if !n.nes_fields.is_empty() {
            out.push_str("      nes_fields:\n");
            for f in &n.nes_fields {
                out.push_str(&format!("      - {}\n", scalar(&f.value, 8)));
            }
        }
    }
    out.push_str(&format!(
        "    rba:\n      enabled: {}\n",
        if shared.rba_enabled { "true" } else { "false" }
    ));
    out
}

fn macro_splice(
    p: &Project,
    stanza: &str,
    key: &str,
    value: &str,
) -> Result<(u32, Splice), String> {
    if key != "definition" {
        return Err(format!(
            "a macro's `{key}` comes from its `arguments:` list: edit it by hand"
        ));
    }
    let (name, n) = match stanza.strip_suffix(')').and_then(|s| s.rsplit_once('(')) {
        Some((name, n)) => (name, n.parse::<usize>().unwrap_or(usize::MAX)),
        None => (stanza, 0),
    };
    let m = p
        .content
        .macros
        .iter()
        .find(|m| m.common.name() == name && m.arguments.len() == n)
        .ok_or("the repository's macro is generated (a filter macro): add it to macros/ to keep Splunk's definition")?;
    let span = m
        .definition
        .as_ref()
        .map(|d| d.span)
        .ok_or("the macro has no `definition:`")?;
    value_splice(p, span, "definition", value, "definition".to_string())
}

#[cfg(test)]
mod tests {
    use super::scalar;

    #[test]
    fn scalars_hold_any_text() {
        assert_eq!(scalar("0 * * * *", 2), "'0 * * * *'");
        assert_eq!(scalar("it's", 2), "'it''s'");
        assert_eq!(scalar("a\n\nb", 2), "|-\n  a\n\n  b");
        assert_eq!(scalar("a\nb\n", 2), "|\n  a\n  b");
        assert_eq!(scalar(" a\nb", 2), "|-2\n   a\n  b");
    }
}
