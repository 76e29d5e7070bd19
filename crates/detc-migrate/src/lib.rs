//! `detc migrate`: rewrites contentctl 4.x content YAML into the 5.x
//! format by editing the text, so that key order, comments and the
//! layout of everything it does not touch stay as written.
//!
//! What changes, by object (the mapping of risk settings is
//! [`detc_content::legacy`]'s, the one `detc build` uses for 4.x content):
//! - detection: `tags.confidence`, `impact`, `risk_score`, `message`,
//!   `observable` and `required_fields` go; an `rba:` block is written
//!   before `tags:` when the detection's deployment enables RBA (5.x
//!   refuses `rba:` otherwise, `R005`); a technique listed with its own
//!   sub-technique loses the parent (`A004`); `update_timestamp` leaves
//!   test data; a production detection without `drilldown_searches` gets
//!   the two standard drilldowns on its risk object fields (`D002`).
//! - story and baseline: `status:` is added (`deprecated` under a
//!   `deprecated/` folder, else `production`); story `type`, baseline
//!   `datamodel`, `tags.required_fields` and the detection-only tags old
//!   baselines carry go.
//! - lookup: `lookup_type` is added; `filename`, `collection` and
//!   `fields_list` go (`fields_list` becomes `fields`, `_key` first); a
//!   csv file not named after the yml is renamed; `match_type` becomes a
//!   list; quoted booleans become booleans.
//!
//! - any object: every key that contentctl 4.4.7 ignores (`S006`: unknown
//!   keys such as `datamodel`, `tags.context`, `tags.CVE`) goes, value and
//!   all, since contentctl 5 refuses unknown keys.
//!
//! A file already in the 5.x format is left alone, so migrating twice
//! changes nothing.

mod files;

pub use files::{ApplyError, content_root, copy_root, write_changes};

use detc_content::Project;
use detc_content::enums::LookupType;
use detc_content::legacy::Format;
use detc_content::model::{Baseline, Detection, Lookup, Story};
use detc_diag::FileId;
use detc_yaml::{Doc, Limits, NodeId, NodeKind};

/// One rewritten file.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Path relative to the content root, `/`-separated.
    pub path: String,
    /// The new text.
    pub text: String,
    /// Files to rename with it, `(from, to)` relative to the content root
    /// (a 4.x lookup's csv file that is not named after its yml).
    pub renames: Vec<(String, String)>,
    /// What a person should still check, one line each.
    pub notes: Vec<String>,
}

/// A text edit: replace `start..end` with `text`.
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

fn apply(text: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(text.len() + 256);
    let mut pos = 0;
    for e in edits {
        if e.start < pos {
            continue; // overlapping edit: the first one wins
        }
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.text);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// A parsed file and helpers to find entries and their line ranges.
struct File<'a> {
    text: &'a str,
    doc: Doc,
}

impl<'a> File<'a> {
    fn parse(text: &'a str) -> Option<File<'a>> {
        let (doc, _) = detc_yaml::parse(text, FileId(0), Limits::default());
        Some(File { text, doc: doc? })
    }

    fn root(&self) -> Option<NodeId> {
        self.doc.root
    }

    fn pairs(&self, map: NodeId) -> Vec<(String, NodeId, NodeId)> {
        match &self.doc.node(map).kind {
            NodeKind::Map(p) => p
                .iter()
                .filter_map(|(k, v)| match &self.doc.node(*k).kind {
                    NodeKind::Scalar(s) => Some((s.text.clone(), *k, *v)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.pairs(map)
            .into_iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, _, v)| v)
    }

    fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    fn line_end(&self, at: usize) -> usize {
        self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i + 1)
    }

    /// The lines of entry `key` of `map`: from its key's line to the next
    /// entry's line (or the end of its value's last line).
    fn entry_lines(&self, map: NodeId, key: &str) -> Option<(usize, usize)> {
        let pairs = self.pairs(map);
        let i = pairs.iter().position(|(k, _, _)| k == key)?;
        let start = self.line_start(self.doc.node(pairs[i].1).span.start);
        let end = match pairs.get(i + 1) {
            Some((_, k, _)) => self.line_start(self.doc.node(*k).span.start),
            None => {
                let v = self.doc.node(pairs[i].2).span;
                self.line_end(v.end.max(v.start).saturating_sub(1).max(start))
            }
        };
        Some((start, end))
    }

    /// The mapping and key name whose key starts at byte `at`.
    fn key_at(&self, at: usize) -> Option<(NodeId, String)> {
        let mut stack: Vec<NodeId> = self.root().into_iter().collect();
        while let Some(n) = stack.pop() {
            match &self.doc.node(n).kind {
                NodeKind::Map(pairs) => {
                    for (k, v) in pairs {
                        if self.doc.node(*k).span.start == at
                            && let NodeKind::Scalar(s) = &self.doc.node(*k).kind
                        {
                            return Some((n, s.text.clone()));
                        }
                        stack.push(*v);
                    }
                }
                NodeKind::Seq(items) => stack.extend(items.iter().copied()),
                NodeKind::Scalar(_) => {}
            }
        }
        None
    }

    fn remove(&self, map: NodeId, key: &str, edits: &mut Vec<Edit>) {
        if let Some((start, end)) = self.entry_lines(map, key) {
            edits.push(Edit {
                start,
                end,
                text: String::new(),
            });
        }
    }

    /// Indentation (spaces) of the line holding `at`.
    fn indent_at(&self, at: usize) -> usize {
        let s = self.line_start(at);
        self.text[s..].bytes().take_while(|b| *b == b' ').count()
    }

    fn seq(&self, n: NodeId) -> Vec<NodeId> {
        match &self.doc.node(n).kind {
            NodeKind::Seq(v) => v.clone(),
            _ => Vec::new(),
        }
    }

    fn scalar(&self, n: NodeId) -> Option<&str> {
        match &self.doc.node(n).kind {
            NodeKind::Scalar(s) => Some(s.text.as_str()),
            _ => None,
        }
    }
}

/// What contentctl 5.6.2 will refuse in a search that detc cannot fix: a
/// table that `inputlookup` or `outputlookup` names and no lookup of the
/// content defines. contentctl 5.6.2 (`Lookup.get_lookups`) takes the word
/// before any `.` as a lookup name, so `outputlookup seen.csv` needs a
/// lookup named `seen` there although Splunk writes the file without one.
/// One note per use, with its line in the file.
fn lookup_notes(p: &Project, search: Option<&detc_yaml::Spanned<String>>) -> Vec<String> {
    let Some(search) = search else {
        return Vec::new();
    };
    let names: std::collections::HashSet<&str> =
        p.content.lookups.iter().map(|l| l.common.name()).collect();
    let file = p.sources.get(search.span.file);
    let mut out = Vec::new();
    for l in detc_spl::lookups(&search.value) {
        if !matches!(l.command.as_str(), "inputlookup" | "outputlookup") {
            continue;
        }
        let word = detc_content::rules::contentctl5_lookup_name(&l.name);
        if word.is_empty()
            || names.contains(word)
            || detc_content::enums::LOOKUPS_TO_IGNORE.contains(&word)
        {
            continue;
        }
        let at = file
            .text
            .get(search.span.start..)
            .and_then(|t| t.find(&l.name))
            .map_or(search.span.start, |i| search.span.start + i);
        let line = file.line_col(at).line;
        let fix = if word == l.name {
            format!("add lookups/{word}.yml defining it, or fix the name")
        } else {
            format!(
                "Splunk reads or writes the file `{}` without a definition, but contentctl 5.6.2 looks for a lookup named `{word}`: add lookups/{word}.yml (lookup_type csv) for it, or keep this file out of contentctl 5",
                l.name
            )
        };
        out.push(format!(
            "needs a human: line {line}: `{} {}` names no lookup of the content; {fix}",
            l.command, l.name
        ));
    }
    out
}

/// Removes the second and later copies of an entry in the list `key` of
/// `map` (contentctl 5.6.2 refuses "Duplicate Story ... found in list";
/// 4.4.7 accepted it). Returns a note per removed entry.
fn dedupe_list(f: &File, map: NodeId, key: &str, edits: &mut Vec<Edit>) -> Vec<String> {
    let Some(list) = f.get(map, key) else {
        return Vec::new();
    };
    let mut seen = std::collections::HashSet::new();
    let mut notes = Vec::new();
    for item in f.seq(list) {
        let Some(v) = f.scalar(item) else { continue };
        if !seen.insert(v.to_string()) {
            let span = f.doc.node(item).span;
            edits.push(Edit {
                start: f.line_start(span.start),
                end: f.line_end(span.end.max(span.start + 1) - 1),
                text: String::new(),
            });
            notes.push(format!(
                "removed the second `{v}` from `{key}` (contentctl 5 refuses a name listed twice)"
            ));
        }
    }
    notes
}

/// A data source named by a detection that the content does not have:
/// contentctl 5.6.2 refuses the detection, and only a person can say which
/// data source was meant. One note per name, with its line.
fn data_source_notes(p: &Project, d: &Detection) -> Vec<String> {
    let known: std::collections::HashSet<&str> = p
        .content
        .data_sources
        .iter()
        .map(|s| s.common.name())
        .collect();
    let file = p.sources.get(d.common.file);
    let mut out = Vec::new();
    for ds in &d.data_source {
        for part in ds.value.split("AND").map(str::trim) {
            if part.is_empty() || known.contains(part) {
                continue;
            }
            let line = file.line_col(ds.span.start).line;
            let hint = detc_yaml::did_you_mean(part, known.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            out.push(format!(
                "needs a human: line {line}: no data source is named `{part}`{hint}; fix the name or add data_sources/ for it"
            ));
        }
    }
    out
}

/// Keys that contentctl 4.4.7 ignored but 5.x reads: `detc migrate` keeps
/// them, and they take effect after the migration (a lookup's
/// `max_matches`).
const KEPT_IGNORED_KEYS: &[&str] = &["max_matches"];

/// Removes, from `file`, every key that validation reported as having no
/// effect (`S006`: a 4.x key that contentctl 4.4.7 ignores and contentctl
/// 5 refuses, such as `datamodel`, `tags.context` or `tags.CVE`): its whole
/// entry, value included.
fn drop_ignored_keys(p: &Project, file: FileId, f: &File, edits: &mut Vec<Edit>) {
    for d in &p.diags {
        if d.code != "S006" {
            continue;
        }
        let Some(span) = d.span.filter(|s| s.file == file) else {
            continue;
        };
        if let Some((map, key)) = f.key_at(span.start) {
            // Valid in 5.x, where it takes effect: kept (docs/legacy.md).
            if KEPT_IGNORED_KEYS.contains(&key.as_str()) {
                continue;
            }
            f.remove(map, &key, edits);
        }
    }
}

/// A YAML scalar for `v`: plain when that is safe, else double-quoted
/// (JSON string syntax is valid YAML).
fn yaml_str(v: &str) -> String {
    let plain = !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && !v.starts_with(['-', '.'])
        && !matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        )
        && v.parse::<f64>().is_err();
    if plain {
        v.to_string()
    } else {
        serde_json::to_string(v).unwrap_or_else(|_| format!("'{}'", v.replace('\'', "''")))
    }
}

/// Migrates every 4.x detection, story, baseline and lookup of `p` (a
/// loaded, validated project: the detection's deployment decides whether
/// RBA is kept). `today` (`YYYY-MM-DD`) dates the lookups, which 4.x
/// leaves undated and 5.x requires to be dated. Files are returned in
/// path order; 5.x files are not.
pub fn migrate(p: &Project, today: &str) -> Vec<Change> {
    let mut out = Vec::new();
    for d in &p.content.detections {
        if d.format == Format::V4 {
            let rba_on = p
                .content
                .deployment_of(d)
                .is_some_and(|dep| dep.rba_enabled);
            if let Some(c) = detection(p, d, rba_on) {
                out.push(c);
            }
        }
    }
    for s in &p.content.stories {
        if s.format == Format::V4
            && let Some(c) = story(p, s)
        {
            out.push(c);
        }
    }
    for b in &p.content.baselines {
        if b.format == Format::V4
            && let Some(c) = baseline(p, b)
        {
            out.push(c);
        }
    }
    for l in &p.content.lookups {
        if l.format == Format::V4
            && let Some(c) = lookup(p, l, today)
        {
            out.push(c);
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn text_of(p: &Project, file: FileId) -> &str {
    &p.sources.get(file).text
}

fn detection(p: &Project, d: &Detection, rba_on: bool) -> Option<Change> {
    let text = text_of(p, d.common.file);
    let f = File::parse(text)?;
    let root = f.root()?;
    let tags = f.get(root, "tags")?;
    let mut edits = Vec::new();
    let mut notes = Vec::new();
    for k in detc_content::legacy::V4_TAG_KEYS {
        f.remove(tags, k, &mut edits);
    }
    // A004: drop a technique listed with its own sub-technique.
    if let Some(ids) = f.get(tags, "mitre_attack_id") {
        let items = f.seq(ids);
        let values: Vec<String> = items
            .iter()
            .filter_map(|n| f.scalar(*n).map(str::to_string))
            .collect();
        for n in &items {
            let Some(v) = f.scalar(*n) else { continue };
            if !v.contains('.') && values.iter().any(|o| o.starts_with(&format!("{v}."))) {
                let at = f.doc.node(*n).span.start;
                let (s, e) = (f.line_start(at), f.line_end(at));
                if text[s..at].trim() == "-" {
                    edits.push(Edit {
                        start: s,
                        end: e,
                        text: String::new(),
                    });
                }
            }
        }
    }
    // update_timestamp is 4.x only.
    if let Some(tests) = f.get(root, "tests") {
        for t in f.seq(tests) {
            if let Some(ad) = f.get(t, "attack_data") {
                for a in f.seq(ad) {
                    if let Some((s, e)) = f.entry_lines(a, "update_timestamp") {
                        // The first key of an item shares the `- ` line.
                        let first = f
                            .pairs(a)
                            .first()
                            .is_some_and(|(k, _, _)| k == "update_timestamp");
                        if !first {
                            edits.push(Edit {
                                start: s,
                                end: e,
                                text: String::new(),
                            });
                        }
                    }
                }
            }
        }
    }
    let tags_line = f.line_start(
        f.doc
            .node(f.pairs(root).into_iter().find(|(k, _, _)| k == "tags")?.1)
            .span
            .start,
    );
    let mut block = String::new();
    let rba = d.rba.as_ref();
    let risk_fields: Vec<String> = rba
        .map(|r| {
            r.risk_objects
                .iter()
                .filter_map(|o| o.field.as_ref().map(|f| f.value.clone()))
                .collect()
        })
        .unwrap_or_default();
    if d.common.is_production()
        && f.get(root, "drilldown_searches").is_none()
        && !risk_fields.is_empty()
    {
        block.push_str(&drilldowns(&risk_fields));
        notes.push("added the two standard drilldowns on the risk object fields".into());
    }
    match rba {
        Some(r) if rba_on => {
            block.push_str("rba:\n");
            if let Some(m) = &r.message {
                block.push_str(&format!("  message: {}\n", yaml_str(&m.value)));
            }
            block.push_str(if r.risk_objects.is_empty() { "  risk_objects: []\n" } else { "  risk_objects:\n" });
            for o in &r.risk_objects {
                let (Some(field), Some(kind)) = (&o.field, &o.kind) else { continue };
                let mut score = o.score.as_ref().map_or(1, |s| s.value);
                if score < 1 {
                    notes.push(format!("risk score {score} of `{}` raised to 1, the 5.x minimum", field.value));
                    score = 1;
                }
                block.push_str(&format!(
                    "  - field: {}\n    type: {}\n    score: {score}\n",
                    yaml_str(&field.value),
                    kind.value
                ));
            }
            if r.risk_objects.is_empty() {
                let line = p.sources.get(d.common.file).line_col(tags_line).line;
                notes.push(format!("needs a human: line {line}: no observable has the Victim role, so `rba.risk_objects` is empty (contentctl 5 requires one): name the field of the entity at risk"));
            }
            if r.threat_objects.is_empty() {
                block.push_str("  threat_objects: []\n");
            } else {
                block.push_str("  threat_objects:\n");
                for o in &r.threat_objects {
                    let (Some(field), Some(kind)) = (&o.field, &o.kind) else { continue };
                    block.push_str(&format!(
                        "  - field: {}\n    type: {}\n",
                        yaml_str(&field.value),
                        kind.value
                    ));
                }
            }
        }
        Some(_) => notes.push("its deployment does not enable RBA: the risk message and observables were dropped (5.x refuses `rba:` there)".into()),
        None => {}
    }
    if !block.is_empty() {
        edits.push(Edit {
            start: tags_line,
            end: tags_line,
            text: block,
        });
    }
    notes.extend(dedupe_list(&f, root, "data_source", &mut edits));
    notes.extend(dedupe_list(&f, tags, "analytic_story", &mut edits));
    notes.extend(data_source_notes(p, d));
    notes.extend(lookup_notes(p, d.search.as_ref()));
    drop_ignored_keys(p, d.common.file, &f, &mut edits);
    Some(Change {
        path: d.common.path.clone(),
        text: apply(text, edits),
        renames: Vec::new(),
        notes,
    })
}

fn drilldowns(fields: &[String]) -> String {
    let tokens: Vec<String> = fields.iter().map(|f| format!("\"${f}$\"")).collect();
    let names = tokens.join(" and ");
    let filter: Vec<String> = fields.iter().map(|f| format!("{f} = \"${f}$\"")).collect();
    let risk = format!(
        "| from datamodel Risk.All_Risk | search normalized_risk_object IN ({}) starthoursago=168 | stats count min(_time) as firstTime max(_time) as lastTime values(search_name) as \"Search Name\" values(risk_message) as \"Risk Message\" values(analyticstories) as \"Analytic Stories\" values(annotations._all) as \"Annotations\" values(annotations.mitre_attack.mitre_tactic) as \"ATT&CK Tactics\" by normalized_risk_object | convert ctime(firstTime) ctime(lastTime)",
        tokens.join(", ")
    );
    format!(
        "drilldown_searches:\n- name: {}\n  search: {}\n  earliest_offset: $info_min_time$\n  latest_offset: $info_max_time$\n- name: {}\n  search: {}\n  earliest_offset: $info_min_time$\n  latest_offset: $info_max_time$\n",
        yaml_str(&format!("View the detection results for - {names}")),
        yaml_str(&format!(
            "%original_detection_search% | search {}",
            filter.join(" ")
        )),
        yaml_str(&format!(
            "View risk events for the last 7 days for - {names}"
        )),
        yaml_str(&risk),
    )
}

/// `status: ...` inserted before the top-level `description:` (or at the end).
fn add_status(f: &File, root: NodeId, path: &str, edits: &mut Vec<Edit>) {
    let status = if path.split('/').any(|c| c == "deprecated") {
        "deprecated"
    } else {
        "production"
    };
    let at = f
        .pairs(root)
        .into_iter()
        .find(|(k, _, _)| k == "description")
        .map(|(_, k, _)| f.line_start(f.doc.node(k).span.start))
        .unwrap_or(f.text.len());
    let nl = if at == f.text.len() && !f.text.ends_with('\n') {
        "\n"
    } else {
        ""
    };
    edits.push(Edit {
        start: at,
        end: at,
        text: format!("{nl}status: {status}\n"),
    });
}

fn story(p: &Project, s: &Story) -> Option<Change> {
    let text = text_of(p, s.common.file);
    let f = File::parse(text)?;
    let root = f.root()?;
    let mut edits = Vec::new();
    add_status(&f, root, &s.common.path, &mut edits);
    f.remove(root, "type", &mut edits);
    drop_ignored_keys(p, s.common.file, &f, &mut edits);
    Some(Change {
        path: s.common.path.clone(),
        text: apply(text, edits),
        renames: Vec::new(),
        notes: Vec::new(),
    })
}

fn baseline(p: &Project, b: &Baseline) -> Option<Change> {
    let text = text_of(p, b.common.file);
    let f = File::parse(text)?;
    let root = f.root()?;
    let mut edits = Vec::new();
    add_status(&f, root, &b.common.path, &mut edits);
    f.remove(root, "datamodel", &mut edits);
    if let Some(tags) = f.get(root, "tags") {
        f.remove(tags, "required_fields", &mut edits);
        for k in detc_content::legacy::BASELINE_IGNORED_TAGS {
            f.remove(tags, k, &mut edits);
        }
    }
    let notes = lookup_notes(p, b.search.as_ref());
    drop_ignored_keys(p, b.common.file, &f, &mut edits);
    Some(Change {
        path: b.common.path.clone(),
        text: apply(text, edits),
        renames: Vec::new(),
        notes,
    })
}

fn lookup(p: &Project, l: &Lookup, today: &str) -> Option<Change> {
    let text = text_of(p, l.common.file);
    let f = File::parse(text)?;
    let root = f.root()?;
    let kind = l.kind()?;
    let mut edits = Vec::new();
    let mut renames = Vec::new();
    let mut notes = Vec::new();
    let dir = l.common.path.rsplit_once('/').map_or("", |x| x.0);
    let stem = l.common.file_stem();
    if let Some(file) = &l.filename {
        let ext = if kind == LookupType::MlModel {
            "mlmodel"
        } else {
            "csv"
        };
        let want = format!("{stem}.{ext}");
        if file.value != want {
            let from = if dir.is_empty() {
                file.value.clone()
            } else {
                format!("{dir}/{}", file.value)
            };
            let to = if dir.is_empty() {
                want.clone()
            } else {
                format!("{dir}/{want}")
            };
            notes.push(format!(
                "renamed `{from}` to `{to}`: 5.x names the file after the yml"
            ));
            renames.push((from, to));
        }
    }
    // 5.x requires the base fields that 4.x lookups go without (contentctl
    // 5.6.2 `SecurityContentObject_Abstract`): a stable id (a UUID v5 of
    // the lookup's name, so that migrating again gives the same one),
    // version 1, today's date, and the app's author.
    let mut base = String::new();
    let author = if p.config.app.author_name.is_empty() {
        "Splunk".to_string()
    } else {
        p.config.app.author_name.clone()
    };
    for (k, v) in [
        (
            "id",
            uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_URL,
                format!("detc-migrate:lookup:{}", l.common.name()).as_bytes(),
            )
            .to_string(),
        ),
        ("version", "1".to_string()),
        ("date", format!("'{today}'")),
        ("author", yaml_str(&author)),
    ] {
        if f.get(root, k).is_none() {
            base.push_str(&format!("{k}: {v}\n"));
        }
    }
    if !base.is_empty() {
        let at = f.entry_lines(root, "name").map_or(0, |(_, e)| e);
        if at > 0 && !text[..at].ends_with('\n') {
            // `name` is the file's last line, without a newline.
            base.insert(0, '\n');
        }
        edits.push(Edit {
            start: at,
            end: at,
            text: base,
        });
    }
    // lookup_type goes where `filename`/`collection` was.
    let anchor = ["filename", "collection"]
        .iter()
        .find_map(|k| f.entry_lines(root, k))
        .map_or(f.text.len(), |(s, _)| s);
    let mut insert = format!("lookup_type: {}\n", kind.as_str());
    if kind == LookupType::KvStore {
        if l.fields.is_empty() {
            notes.push("the 4.x lookup has no `fields_list`: list the collection's fields under `fields:`, `_key` first".into());
        } else {
            insert.push_str("fields:\n");
            if l.fields.first().is_none_or(|x| x.value != "_key") {
                insert.push_str("- _key\n");
            }
            for x in &l.fields {
                insert.push_str(&format!("- {}\n", yaml_str(&x.value)));
            }
        }
    }
    edits.push(Edit {
        start: anchor,
        end: anchor,
        text: insert,
    });
    for k in ["filename", "collection", "fields_list"] {
        f.remove(root, k, &mut edits);
    }
    if f.get(root, "fields").is_some_and(|n| f.scalar(n).is_some()) {
        f.remove(root, "fields", &mut edits);
    }
    if let Some(n) = f.get(root, "match_type")
        && let Some(v) = f.scalar(n)
        && let Some((s, e)) = f.entry_lines(root, "match_type")
    {
        let indent = f.indent_at(s);
        edits.push(Edit {
            start: s,
            end: e,
            text: format!(
                "{:indent$}match_type:\n{:indent$}- {}\n",
                "",
                "",
                yaml_str(v)
            ),
        });
    }
    for k in ["case_sensitive_match", "default_match"] {
        if let Some(n) = f.get(root, k)
            && let Some(v) = f.scalar(n)
            && matches!(v.to_ascii_lowercase().as_str(), "true" | "false")
        {
            let span = f.doc.node(n).span;
            edits.push(Edit {
                start: span.start,
                end: span.end,
                text: v.to_ascii_lowercase(),
            });
        }
    }
    drop_ignored_keys(p, l.common.file, &f, &mut edits);
    Some(Change {
        path: l.common.path.clone(),
        text: apply(text, edits),
        renames,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_strings_are_quoted_only_when_needed() {
        assert_eq!(yaml_str("user"), "user");
        assert_eq!(yaml_str("All_Changes.user"), "All_Changes.user");
        assert_eq!(yaml_str("true"), "\"true\"");
        assert_eq!(yaml_str("10"), "\"10\"");
        assert_eq!(yaml_str("a: b"), "\"a: b\"");
        assert_eq!(
            yaml_str("destination{}.address"),
            "\"destination{}.address\""
        );
    }
}
