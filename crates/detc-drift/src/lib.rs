//! Drift: what differs between the app the repository builds and the app
//! deployed on a Splunk search head (`detc drift`).
//!
//! The repository's side is the plan ([`detc_plan`]): every
//! savedsearches.conf stanza of the detections and baselines, key by key,
//! each entry with the YAML span it comes from, and the macros. The
//! deployed side is read over splunkd's REST API ([`fetch`]): the app's
//! `configs/conf-savedsearches` and `configs/conf-macros`, two listings
//! read page by page, which give each stanza as Splunk merges the app's
//! `default/` and `local/` layers. [`compare`] lists the differences;
//! [`write_back`] turns the ones that a detection's YAML can hold (its
//! search, its enabled state, its schedule) into edits of that YAML, so
//! that the next build gives the deployed stanza.
//!
//! What it cannot know, it does not report: a key the plan sets that the
//! listing does not show, and a key Splunk shows that the plan does not set
//! (Splunk's own defaults are merged into every stanza).

mod report;
mod writeback;

pub use report::{human, json, sarif};
pub use writeback::{Edit, WriteBack, apply, write_back};

use detc_content::Project;
use detc_diag::Span;
use detc_plan::{Context, Stanza};
use detc_splunkd::{Client, Entry, segment};
use serde::Serialize;
use std::collections::HashMap;

/// What the search head has of the app.
#[derive(Debug, Clone, Default)]
pub struct Deployed {
    /// The app's savedsearches.conf stanzas, as Splunk merges them.
    pub searches: Vec<Entry>,
    /// The app's macros.conf stanzas.
    pub macros: Vec<Entry>,
    /// The app's transforms.conf stanzas (its lookup definitions).
    pub transforms: Vec<Entry>,
    /// The app's lookup table files (`data/lookup-table-files`), by file
    /// name.
    pub lookup_files: Vec<Entry>,
}

/// Reads what the search head at `client` has of the app `appid`: four
/// listings (`/servicesNS/-/<app>/configs/conf-savedsearches`,
/// `conf-macros`, `conf-transforms` and `data/lookup-table-files`), each
/// read page by page, keeping the entries whose `acl.app` is the app (a
/// listing in an app's namespace also shows what other apps share
/// globally).
///
/// # Errors
/// Any request that fails (the credentials, the network, the answer).
pub fn fetch(client: &Client, appid: &str) -> Result<Deployed, detc_splunkd::Error> {
    let ns = format!("/servicesNS/-/{}", segment(appid));
    let filter = format!("eai:acl.app={appid}");
    let mine = |v: Vec<Entry>| -> Vec<Entry> { v.into_iter().filter(|e| e.app == appid).collect() };
    let searches = mine(client.list(
        &format!("{ns}/configs/conf-savedsearches"),
        &[("search", &filter)],
    )?);
    let macros = mine(client.list(&format!("{ns}/configs/conf-macros"), &[("search", &filter)])?);
    let transforms = mine(client.list(
        &format!("{ns}/configs/conf-transforms"),
        &[("search", &filter)],
    )?);
    let lookup_files = mine(client.list(
        &format!("{ns}/data/lookup-table-files"),
        &[("search", &filter)],
    )?);
    Ok(Deployed {
        searches,
        macros,
        transforms,
        lookup_files,
    })
}

/// How a stanza or a key differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The key has another value in Splunk.
    Changed,
    /// The repository has the stanza; Splunk does not.
    NotDeployed,
    /// Splunk has a stanza of the app that the repository no longer has
    /// (a local stanza of a removed detection, or one made in Splunk Web).
    OnlyInSplunk,
}

/// What a difference is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Object {
    /// A savedsearches.conf stanza (a detection, baseline or response task).
    #[serde(rename = "saved search")]
    SavedSearch,
    /// A macros.conf stanza.
    #[serde(rename = "macro")]
    Macro,
    /// A transforms.conf stanza (a lookup's definition).
    #[serde(rename = "lookup")]
    Lookup,
    /// A CSV file of the app's `lookups/`.
    #[serde(rename = "lookup file")]
    LookupFile,
}

impl Object {
    /// Its name in messages (and in the JSON report).
    pub fn label(self) -> &'static str {
        match self {
            Object::SavedSearch => "saved search",
            Object::Macro => "macro",
            Object::Lookup => "lookup",
            Object::LookupFile => "lookup file",
        }
    }
}

impl std::fmt::Display for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// What it is about.
    pub object: Object,
    /// The stanza's name.
    pub stanza: String,
    /// The key, for [`Kind::Changed`].
    pub key: Option<String>,
    /// How it differs.
    pub kind: Kind,
    /// The repository's value (as the build writes it).
    pub repository: Option<String>,
    /// Splunk's value.
    pub splunk: Option<String>,
    /// Where the YAML says what the repository's value comes from: the
    /// entry's origin, else the object's name.
    #[serde(skip)]
    pub origin: Option<Span>,
    /// The detection it belongs to (an index into the project's
    /// detections), for [`write_back`].
    #[serde(skip)]
    pub detection: Option<usize>,
}

/// Every difference between the plan `cx` of `p` and `deployed`: the
/// saved searches of its detections, baselines and response tasks, in
/// that order, key by key in the plan's order; the stanzas only Splunk
/// has; then the macros and the lookups likewise.
pub fn compare(p: &Project, cx: &Context, deployed: &Deployed) -> Vec<Difference> {
    let detection_of: HashMap<&str, usize> = p
        .content
        .detections
        .iter()
        .enumerate()
        .map(|(i, d)| (d.common.name(), i))
        .collect();
    let mut planned: Vec<(Stanza, Option<usize>)> = Vec::new();
    for i in 0..cx.detections.len() {
        let (Some(view), Some(stanza)) = (cx.detections.get(i), cx.detections.stanza(i)) else {
            continue;
        };
        planned.push((stanza, detection_of.get(view.name.as_str()).copied()));
    }
    for b in &cx.baselines {
        planned.push((detc_plan::conf::baseline(b), None));
    }
    for r in &cx.investigations {
        planned.push((detc_plan::conf::investigation(r), None));
    }
    let splunk = by_name(&deployed.searches);
    let mut out = Vec::new();
    let mut known = std::collections::HashSet::new();
    for (stanza, detection) in &planned {
        known.insert(stanza.name.as_str());
        let Some(e) = splunk.get(stanza.name.as_str()) else {
            out.push(Difference {
                object: Object::SavedSearch,
                stanza: stanza.name.clone(),
                key: None,
                kind: Kind::NotDeployed,
                repository: None,
                splunk: None,
                origin: stanza.origin,
                detection: *detection,
            });
            continue;
        };
        let ours = stanza.entries.iter().map(|x| (x.key, x.value.as_str()));
        for (key, value, theirs) in changed_keys(ours, e) {
            out.push(Difference {
                object: Object::SavedSearch,
                stanza: stanza.name.clone(),
                key: Some(key.to_string()),
                kind: Kind::Changed,
                repository: Some(value.to_string()),
                splunk: Some(theirs),
                origin: stanza.entry(key).and_then(|x| x.origin).or(stanza.origin),
                detection: *detection,
            });
        }
    }
    only_in_splunk(Object::SavedSearch, &deployed.searches, &known, &mut out);
    compare_macros(p, cx, deployed, &mut out);
    compare_lookups(p, cx, deployed, &mut out);
    out
}

/// The lookups: each transforms.conf stanza key by key, and each CSV file
/// the app ships. A file only Splunk has is not reported: the app's
/// searches write lookups at run time (`outputlookup`, firstseen), so it
/// cannot know one uploaded by hand from one a search wrote.
fn compare_lookups(p: &Project, cx: &Context, deployed: &Deployed, out: &mut Vec<Difference>) {
    let yaml: HashMap<&str, &detc_content::model::Lookup> = p
        .content
        .lookups
        .iter()
        .map(|l| (l.common.name(), l))
        .collect();
    let splunk = by_name(&deployed.transforms);
    let files: std::collections::HashSet<&str> = deployed
        .lookup_files
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let mut ours = std::collections::HashSet::new();
    for l in &cx.lookups {
        let Some(stanza) = detc_plan::conf::lookup(l) else {
            continue;
        };
        ours.insert(l.name.as_str());
        let y = yaml.get(l.name.as_str());
        let named = y.and_then(|y| y.common.name.as_ref().map(|n| n.span));
        let file_at = y
            .and_then(|y| y.filename.as_ref().map(|f| f.span))
            .or(named);
        let diff =
            |key: Option<&str>, kind, ours: Option<&str>, theirs: Option<String>, at| Difference {
                object: Object::Lookup,
                stanza: l.name.clone(),
                key: key.map(str::to_string),
                kind,
                repository: ours.map(str::to_string),
                splunk: theirs,
                origin: at,
                detection: None,
            };
        match splunk.get(l.name.as_str()) {
            None => out.push(diff(None, Kind::NotDeployed, None, None, named)),
            Some(e) => {
                let ours = stanza.entries.iter().map(|x| (x.key, x.value.as_str()));
                for (key, value, theirs) in changed_keys(ours, e) {
                    let at = if key == "filename" { file_at } else { named };
                    out.push(diff(
                        Some(key),
                        Kind::Changed,
                        Some(value),
                        Some(theirs),
                        at,
                    ));
                }
            }
        }
        // The CSV file the app ships (not one a search writes at run time).
        if l.kind == "csv"
            && l.written_by.is_none()
            && let Some(f) = l.filename.as_deref()
            && !files.contains(f)
        {
            out.push(Difference {
                object: Object::LookupFile,
                stanza: f.to_string(),
                ..diff(None, Kind::NotDeployed, None, None, file_at)
            });
        }
    }
    // The build also defines each CSV file of the app's lookups/ that no
    // lookup names, `[<stem>]` with `filename = <stem>.csv` (the template's
    // mitre_enrichment.csv, data_sources.csv; see detc-build): not the
    // plan's, but the build's, so not reported.
    let reportable: Vec<Entry> = deployed
        .transforms
        .iter()
        .filter(|e| {
            detc_splunkd::text(&e.content, "filename").as_deref()
                != Some(format!("{}.csv", e.name).as_str())
        })
        .cloned()
        .collect();
    only_in_splunk(Object::Lookup, &reportable, &ours, out);
}

fn compare_macros(p: &Project, cx: &Context, deployed: &Deployed, out: &mut Vec<Difference>) {
    let origin: HashMap<String, Span> = p
        .content
        .macros
        .iter()
        .filter_map(|m| {
            let at = m.definition.as_ref().map(|d| d.span).or(m
                .common
                .name
                .as_ref()
                .map(|n| n.span))?;
            Some((
                detc_spl::macro_stanza(m.common.name(), m.arguments.len()),
                at,
            ))
        })
        .collect();
    let splunk = by_name(&deployed.macros);
    for m in &cx.macros {
        let at = origin.get(&m.stanza).copied();
        let Some(e) = splunk.get(m.stanza.as_str()) else {
            out.push(Difference {
                object: Object::Macro,
                stanza: m.stanza.clone(),
                key: None,
                kind: Kind::NotDeployed,
                repository: None,
                splunk: None,
                origin: at,
                detection: None,
            });
            continue;
        };
        let ours = [
            ("definition", m.definition.as_str()),
            ("args", m.args.as_str()),
        ];
        for (key, value, theirs) in changed_keys(ours, e) {
            out.push(Difference {
                object: Object::Macro,
                stanza: m.stanza.clone(),
                key: Some(key.to_string()),
                kind: Kind::Changed,
                repository: Some(value.to_string()),
                splunk: Some(theirs),
                origin: at,
                detection: None,
            });
        }
    }
    let ours: std::collections::HashSet<&str> =
        cx.macros.iter().map(|m| m.stanza.as_str()).collect();
    only_in_splunk(Object::Macro, &deployed.macros, &ours, out);
}

/// `entries` by name.
fn by_name(entries: &[Entry]) -> HashMap<&str, &Entry> {
    entries.iter().map(|e| (e.name.as_str(), e)).collect()
}

/// The keys of `ours` (key, value) that Splunk's stanza `theirs` lists
/// with a value that does not mean the same ([`same`]): (key, ours,
/// Splunk's). A key Splunk does not list is not one: it cannot know.
fn changed_keys<'a>(
    ours: impl IntoIterator<Item = (&'a str, &'a str)>,
    theirs: &Entry,
) -> Vec<(&'a str, &'a str, String)> {
    ours.into_iter()
        .filter_map(|(key, value)| {
            let t = detc_splunkd::text(&theirs.content, key)?;
            (!same(value, &t)).then_some((key, value, t))
        })
        .collect()
}

/// A [`Kind::OnlyInSplunk`] difference for each of `deployed` (but
/// Splunk's `[default]` stanza) whose name the repository does not have.
fn only_in_splunk(
    object: Object,
    deployed: &[Entry],
    ours: &std::collections::HashSet<&str>,
    out: &mut Vec<Difference>,
) {
    for e in deployed {
        if !ours.contains(e.name.as_str()) && e.name != "default" {
            out.push(Difference {
                object,
                stanza: e.name.clone(),
                key: None,
                kind: Kind::OnlyInSplunk,
                repository: None,
                splunk: None,
                origin: None,
                detection: None,
            });
        }
    }
}

/// A savedsearches.conf boolean (`1`, `true`, `t`, `yes` or `0`, `false`,
/// `f`, `no`, any case, as savedsearches.conf.spec reads one); `None` for
/// other text.
pub(crate) fn boolean(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" => Some(true),
        "0" | "false" | "f" | "no" => Some(false),
        _ => None,
    }
}

/// Whether the repository's value `ours` and Splunk's `theirs` mean the
/// same to Splunk: the same text once line ends and trailing white space
/// are set aside, or the same boolean (`1`, `true`, `t`, `yes` against `0`,
/// `false`, `f`, `no`, as savedsearches.conf.spec reads a boolean), or the
/// same number.
pub fn same(ours: &str, theirs: &str) -> bool {
    fn text(s: &str) -> String {
        s.replace("\r\n", "\n")
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }
    if ours == theirs || text(ours) == text(theirs) {
        return true;
    }
    if let (Some(a), Some(b)) = (boolean(ours), boolean(theirs)) {
        return a == b;
    }
    matches!(
        (ours.trim().parse::<f64>(), theirs.trim().parse::<f64>()),
        (Ok(a), Ok(b)) if a == b
    )
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn values_that_mean_the_same_are_the_same() {
        assert!(same(
            "| tstats count\n| where x > 5",
            "| tstats count\r\n| where x > 5  \n"
        ));
        assert!(same("true", "1") && same("false", "0") && same("0", "false"));
        assert!(same("5", "5.0"));
        assert!(!same("| where x > 5", "| where x > 10"));
        assert!(!same("true", "0"));
        assert!(!same("0 * * * *", "*/5 * * * *"));
        assert!(!same("-70m@m", "-24h@h"));
    }
}
