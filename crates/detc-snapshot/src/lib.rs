//! Snapshots of a content pack: one small, stable text file per detection,
//! baseline and analytic story, for CI snapshot tests and pull-request
//! review (`detc snapshot`).
//!
//! [`snapshots`] turns a validated project's plan ([`detc_plan`]) into
//! these files (paths relative to the snapshot folder, `/`-separated):
//!
//! - `detections/<path>.txt` for `detections/<path>.yml`: the
//!   savedsearches.conf stanza as the app gets it ([`detc_plan::conf`]); the search as Splunk runs it,
//!   every macro expanded ([`detc_spl::expand_macros`]: arguments
//!   substituted, nested macros and the filter macro included), one
//!   command per line; the macros it used and where each is defined; then
//!   the schedule, notable, risk, throttling and drilldown settings in a
//!   readable form.
//! - `baselines/<path>.txt`: the same for a baseline's saved search.
//! - `stories/<path>.txt`: the story's `analytic_story://` stanza of
//!   analyticstories.conf.
//!
//! The file names follow the YAML file names, so a pull-request diff names
//! the detection. A change to one macro changes exactly the files of the
//! searches that expand it. The text depends only on the content: no time
//! stamps, no absolute paths, so the same content gives the same bytes.
//!
//! [`compare`] checks files on disk against a fresh set (the CI snapshot
//! test); [`write`] brings the folder in line (accepting the changes).

use detc_content::Project;
use detc_content::rules::MacroIndex;
use detc_plan::{DetectionView, ScheduleView, Stanza};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;
use std::sync::Arc;

/// The extension of snapshot files.
pub const EXTENSION: &str = "txt";

/// The folders of a snapshot folder that detc owns: files ending in
/// `.txt` under them are snapshots, anything else is left alone.
pub const FOLDERS: &[&str] = &["detections", "baselines", "stories"];

/// One snapshot file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Path relative to the snapshot folder, `/`-separated, e.g.
    /// `detections/endpoint/foo.txt`.
    pub path: String,
    /// The file's text, ending in a newline.
    pub text: String,
}

/// A search whose snapshot cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotError {
    /// The content file, relative to the content root.
    pub file: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

/// The snapshot of every detection, baseline and story of `p`, sorted by
/// path. The stanzas are the plan's ([`detc_plan::conf`]), which the
/// built-in templates write as they are: what Splunk gets from
/// `detc build` without `--templates`.
///
/// # Errors
/// Every value the app cannot hold ([`detc_plan::context`]'s errors), and
/// every search whose macros cannot be expanded (a macro that uses
/// itself, named with the cycle).
pub fn snapshots(
    p: &Arc<Project>,
    attack: &'static detc_attack::Attack,
) -> Result<Vec<Snapshot>, Vec<SnapshotError>> {
    let mut errors = Vec::new();
    let cx = detc_plan::context(p, attack).map_err(|e| {
        e.into_iter()
            .map(|e| SnapshotError {
                file: String::new(),
                message: e.to_string(),
            })
            .collect::<Vec<_>>()
    })?;
    let macros = MacroIndex::new(&p.content);
    let defs = |n: &str, a: usize| macros.definition(n, a);
    let mut out = Vec::new();

    let detection_paths: HashMap<&str, &str> = p
        .content
        .detections
        .iter()
        .map(|d| (d.common.name(), d.common.path.as_str()))
        .collect();
    for d in cx.detections.iter() {
        let Some(&src) = detection_paths.get(d.name.as_str()) else {
            continue;
        };
        let mut text = header("detection", &d.name, src);
        // The alert section is written from the view before the stanza
        // takes its texts.
        let mut alert_text = String::new();
        alert(&mut alert_text, &d);
        let search = d.search.clone();
        saved_search(
            &mut text,
            &detc_plan::conf::detection(d),
            &search,
            src,
            (&defs, &macros),
            &mut errors,
        );
        text.push_str(&alert_text);
        out.push(Snapshot {
            path: snapshot_path(src),
            text,
        });
    }

    let baseline_paths: HashMap<&str, &str> = p
        .content
        .baselines
        .iter()
        .map(|b| (b.common.name(), b.common.path.as_str()))
        .collect();
    for b in &cx.baselines {
        let Some(&src) = baseline_paths.get(b.name.as_str()) else {
            continue;
        };
        let mut text = header("baseline", &b.name, src);
        saved_search(
            &mut text,
            &detc_plan::conf::baseline(b),
            &b.search,
            src,
            (&defs, &macros),
            &mut errors,
        );
        section(&mut text, "schedule");
        schedule(&mut text, &b.schedule, false);
        out.push(Snapshot {
            path: snapshot_path(src),
            text,
        });
    }

    let stories: HashMap<&str, &detc_plan::StoryView> =
        cx.stories.iter().map(|s| (s.name.as_str(), s)).collect();
    for s in &p.content.stories {
        let src = s.common.path.as_str();
        let Some(view) = stories.get(s.common.name()) else {
            continue;
        };
        let mut text = header("analytic story", s.common.name(), src);
        section(&mut text, "analyticstories.conf");
        text.push_str(&stanza_text(
            &detc_plan::conf::story(view),
            src,
            &mut errors,
        ));
        out.push(Snapshot {
            path: snapshot_path(src),
            text,
        });
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The sections a detection's and a baseline's snapshot share: its
/// savedsearches.conf `stanza`, then the search with its macros
/// expanded and the macros it used. A search that cannot be expanded is an
/// error of `src`.
fn saved_search(
    text: &mut String,
    stanza: &Stanza,
    search: &str,
    src: &str,
    (defs, macros): (detc_spl::Definitions, &MacroIndex),
    errors: &mut Vec<SnapshotError>,
) {
    section(text, "savedsearches.conf");
    text.push_str(&stanza_text(stanza, src, errors));
    match searched(search, defs, macros) {
        Ok(s) => text.push_str(&s),
        Err(message) => errors.push(SnapshotError {
            file: src.to_string(),
            message,
        }),
    }
}

/// `detections/endpoint/foo.yml` -> `detections/endpoint/foo.txt`.
fn snapshot_path(src: &str) -> String {
    let stem = src
        .strip_suffix(".yml")
        .or_else(|| src.strip_suffix(".yaml"))
        .unwrap_or(src);
    format!("{stem}.{EXTENSION}")
}

fn header(kind: &str, name: &str, src: &str) -> String {
    format!(
        "# {kind}: {name}\n# from {src}; written by `detc snapshot`, checked by `detc snapshot --check`\n"
    )
}

fn section(text: &mut String, title: &str) {
    let _ = write!(text, "\n== {title} ==\n");
}

/// A stanza as the conf file writes it: `key = value`, a value's newlines
/// continued with `\` ([`detc_conf::value_text`], as the app's files). A
/// value the file cannot hold is an error of `src`.
fn stanza_text(stanza: &Stanza, src: &str, errors: &mut Vec<SnapshotError>) -> String {
    let mut out = format!("[{}]\n", stanza.name);
    for e in &stanza.entries {
        match detc_conf::value_text(&e.value) {
            Ok(v) => {
                let _ = writeln!(out, "{} = {v}", e.key);
            }
            Err(m) => errors.push(SnapshotError {
                file: src.to_string(),
                message: format!("`{}` cannot be written to a .conf file: {m}", e.key),
            }),
        }
    }
    out
}

/// The "search as Splunk runs it" and "macros" sections.
fn searched(
    search: &str,
    defs: detc_spl::Definitions,
    macros: &MacroIndex,
) -> Result<String, String> {
    let e = detc_spl::expand_macros(search, defs)
        .map_err(|e| format!("{e}; the search cannot run in Splunk"))?;
    let mut out = String::new();
    section(&mut out, "search, macros expanded (one command per line)");
    out.push_str(&detc_spl::pipeline_lines(&e.text));
    if !e.used.is_empty() || !e.undefined.is_empty() {
        section(&mut out, "macros");
        for stanza in &e.used {
            let (name, arity) = split_stanza(stanza);
            let from = macros
                .get(name)
                .and_then(|ms| ms.iter().find(|m| m.arguments.len() == arity))
                .map_or("not in macros/: contentctl creates it as `search *`", |m| {
                    m.common.path.as_str()
                });
            let _ = writeln!(out, "{stanza}: {from}");
        }
        for stanza in &e.undefined {
            let _ = writeln!(
                out,
                "{stanza}: not defined in this content (left as written; Splunk takes it from another app)"
            );
        }
    }
    Ok(out)
}

/// `name(2)` -> (`name`, 2); `name` -> (`name`, 0).
fn split_stanza(stanza: &str) -> (&str, usize) {
    if let Some((name, rest)) = stanza.split_once('(')
        && let Some(n) = rest.strip_suffix(')').and_then(|n| n.parse().ok())
    {
        return (name, n);
    }
    (stanza, 0)
}

fn schedule(text: &mut String, s: &ScheduleView, enabled: bool) {
    let _ = writeln!(
        text,
        "runs: cron `{}` over {} to {}, schedule window {}{}",
        s.cron_schedule,
        s.earliest_time,
        s.latest_time,
        s.schedule_window,
        if enabled {
            ""
        } else {
            "; disabled when installed"
        }
    );
}

/// The alert settings of a detection, readable.
fn alert(text: &mut String, d: &DetectionView) {
    section(text, "alert");
    let _ = writeln!(
        text,
        "type: {}, status: {}, severity: {}",
        d.kind, d.status, d.severity
    );
    schedule(text, &d.schedule, !d.disabled);
    match &d.notable {
        Some(n) => {
            let _ = writeln!(text, "notable: \"{}\"", n.rule_title);
            let _ = writeln!(text, "  description: {}", n.rule_description);
            if !n.nes_fields.is_empty() {
                let _ = writeln!(text, "  fields: {}", n.nes_fields);
            }
        }
        None => text.push_str("notable: none\n"),
    }
    if d.risk {
        let _ = writeln!(text, "risk: \"{}\"", d.risk_message);
        for o in &d.risk_objects {
            let s = |k: &str| o.get(k).map(value_text).unwrap_or_default();
            if o.get("risk_object_field").is_some() {
                let _ = writeln!(
                    text,
                    "  risk object {} ({}), score {}",
                    s("risk_object_field"),
                    s("risk_object_type"),
                    s("risk_score")
                );
            } else {
                let _ = writeln!(
                    text,
                    "  threat object {} ({})",
                    s("threat_object_field"),
                    s("threat_object_type")
                );
            }
        }
    } else {
        text.push_str("risk: none\n");
    }
    if let Some(t) = &d.throttling {
        let _ = writeln!(text, "throttling: {} per {}", t.fields, t.period);
    }
    for dd in &d.drilldowns {
        let _ = writeln!(text, "drilldown: \"{}\"", dd.name);
        let range = (dd.earliest_offset.as_deref(), dd.latest_offset.as_deref());
        if let (Some(e), Some(l)) = range {
            let _ = writeln!(text, "  over {e} to {l}");
        }
        for line in detc_spl::pipeline_lines(&dd.search).lines() {
            let _ = writeln!(text, "  {line}");
        }
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One snapshot that differs from the file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// Path relative to the snapshot folder.
    pub path: String,
    /// The file's text on disk.
    pub old: String,
    /// The text the content gives now.
    pub new: String,
}

impl Changed {
    /// A unified diff (three lines of context), `a/` and `b/` paths.
    pub fn diff(&self) -> String {
        similar::TextDiff::from_lines(&self.old, &self.new)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{}", self.path), &format!("b/{}", self.path))
            .to_string()
    }
}

/// How a snapshot folder compares with the content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Snapshots whose text changed, by path.
    pub changed: Vec<Changed>,
    /// Snapshots not on disk yet (paths).
    pub added: Vec<String>,
    /// Files on disk that no snapshot has any more (paths).
    pub removed: Vec<String>,
    /// How many are the same.
    pub unchanged: usize,
}

impl Comparison {
    /// Whether the folder matches the content.
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }

    /// One line: `3 changed, 1 added, 0 removed, 1,770 unchanged`, each
    /// non-empty list followed by its first few paths.
    pub fn summary(&self) -> String {
        let names = |paths: Vec<&str>| -> String {
            if paths.is_empty() {
                return String::new();
            }
            let mut s: Vec<&str> = paths.iter().take(5).copied().collect();
            if paths.len() > 5 {
                s.push("...");
            }
            format!(" ({})", s.join(", "))
        };
        format!(
            "{} changed{}, {} added{}, {} removed{}, {} unchanged",
            self.changed.len(),
            names(self.changed.iter().map(|c| c.path.as_str()).collect()),
            self.added.len(),
            names(self.added.iter().map(String::as_str).collect()),
            self.removed.len(),
            names(self.removed.iter().map(String::as_str).collect()),
            self.unchanged
        )
    }
}

/// The snapshot files under `dir` (the `.txt` files under [`FOLDERS`]),
/// relative paths, sorted.
fn on_disk(dir: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    for folder in FOLDERS {
        let root = dir.join(folder);
        if !root.is_dir() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let entry = entry.map_err(io::Error::other)?;
            let path = entry.path();
            if entry.file_type().is_file()
                && path.extension().is_some_and(|e| e == EXTENSION)
                && let Ok(rel) = path.strip_prefix(dir)
            {
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(rel.join("/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Compares `snaps` with the files under `dir` (a missing folder has
/// none).
///
/// # Errors
/// A file that cannot be read.
pub fn compare(dir: &Path, snaps: &[Snapshot]) -> io::Result<Comparison> {
    let mut cmp = Comparison::default();
    let wanted: HashMap<&str, &Snapshot> = snaps.iter().map(|s| (s.path.as_str(), s)).collect();
    for s in snaps {
        match std::fs::read(dir.join(&s.path)) {
            Ok(bytes) => {
                let old = String::from_utf8_lossy(&bytes).into_owned();
                if old == s.text {
                    cmp.unchanged += 1;
                } else {
                    cmp.changed.push(Changed {
                        path: s.path.clone(),
                        old,
                        new: s.text.clone(),
                    });
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => cmp.added.push(s.path.clone()),
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("{}: {e}", dir.join(&s.path).display()),
                ));
            }
        }
    }
    cmp.removed = on_disk(dir)?
        .into_iter()
        .filter(|p| !wanted.contains_key(p.as_str()))
        .collect();
    Ok(cmp)
}

/// Brings `dir` in line with `snaps`: writes the changed and added files,
/// deletes the snapshot files no search has any more (only `.txt` files
/// under [`FOLDERS`]; nothing else in `dir` is touched), and returns what
/// it found before writing.
///
/// # Errors
/// A file that cannot be read, written or deleted.
pub fn write(dir: &Path, snaps: &[Snapshot]) -> io::Result<Comparison> {
    let cmp = compare(dir, snaps)?;
    let by_path: HashMap<&str, &Snapshot> = snaps.iter().map(|s| (s.path.as_str(), s)).collect();
    let to_write = cmp
        .changed
        .iter()
        .map(|c| c.path.as_str())
        .chain(cmp.added.iter().map(String::as_str));
    for path in to_write {
        let Some(s) = by_path.get(path) else { continue };
        let file = dir.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&file, &s.text)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
    }
    for path in &cmp.removed {
        let file = dir.join(path);
        std::fs::remove_file(&file)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
    }
    Ok(cmp)
}
