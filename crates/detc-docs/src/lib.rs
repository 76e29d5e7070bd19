//! Documentation pages of a content pack, in Markdown.
//!
//! [`generate`] turns a validated project into these files (paths relative
//! to the docs folder, `/`-separated, every text ending in a newline):
//!
//! - `index.md`: every detection (type, techniques, stories) and story.
//! - `detections/<file stem>.md`: one page per detection: its facts
//!   (type, status, products, data sources, dates), the ATT&CK table
//!   (technique, name, tactics; detection strategy and analytic with their
//!   names and platforms from the embedded ATT&CK data), the search, its
//!   stories, how to implement, the fields it requires, known false
//!   positives, the risk-based alerting table, the drilldowns, references
//!   and the test data.
//! - `stories/<file stem>.md`: one page per analytic story: description,
//!   narrative, its detections and the techniques they cover.
//! - `attack.md`: the coverage matrix: one column per ATT&CK Enterprise
//!   tactic (in the matrix's order), the covered techniques in each, then
//!   a table of each technique with its detections.
//! - `attack-navigator-layer.json`: an ATT&CK Navigator layer (layer format
//!   4.5, domain `enterprise-attack`) that scores each covered technique by
//!   its number of detections, with their names as the comment.
//!
//! The output depends only on the content and the ATT&CK data: no dates,
//! no absolute paths, sorted lists, so CI can snapshot it.

use detc_attack::Attack;
use detc_content::load::Project;
use detc_content::model::Detection;
use detc_content::naming::file_stem_for;
use firstseen_options::options::{Options, Output, Store};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// ATT&CK Enterprise tactics in the matrix's left-to-right order (by
/// shortname, the `kill_chain_phases` phase name of a technique).
pub const TACTIC_ORDER: &[&str] = &[
    "reconnaissance",
    "resource-development",
    "initial-access",
    "execution",
    "persistence",
    "privilege-escalation",
    "defense-evasion",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "command-and-control",
    "exfiltration",
    "impact",
];

/// One generated file: its path under the docs folder and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocFile {
    /// Relative path, `/`-separated (e.g. `detections/x.md`).
    pub path: String,
    /// The file's text.
    pub text: String,
}

fn s(v: &Option<detc_yaml::Spanned<String>>) -> &str {
    v.as_ref().map(|v| v.value.as_str()).unwrap_or("")
}

/// The values of a list, comma-separated.
fn join(v: &[detc_yaml::Spanned<String>]) -> String {
    v.iter()
        .map(|x| x.value.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `## References` section of links, or nothing when there are none.
fn references(o: &mut String, refs: &[detc_yaml::Spanned<String>]) {
    if refs.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "## References
"
    );
    for r in refs {
        let _ = writeln!(o, "- <{}>", r.value);
    }
    o.push('\n');
}

/// Escapes text for a Markdown table cell: `|` and line breaks.
fn cell(t: &str) -> String {
    t.replace('|', "\\|").replace('\n', " ")
}

fn technique_url(id: &str) -> String {
    format!(
        "https://attack.mitre.org/techniques/{}/",
        id.replace('.', "/")
    )
}

fn page_of(d: &Detection) -> String {
    let stem = d.common.file_stem();
    let stem = if stem.is_empty() {
        file_stem_for(d.common.name())
    } else {
        stem.to_string()
    };
    format!("detections/{stem}.md")
}

fn story_page(name: &str) -> String {
    format!("stories/{}.md", file_stem_for(name))
}

/// The data model fields a search uses (`All_Changes.user`,
/// `Processes.process_name`...): `<Object>.<field>` words whose object is a
/// CIM data model's root object, plus `_time` when the search names it.
/// This is what ESCU's pages call required fields; contentctl 5 no longer
/// keeps them in the YAML.
pub fn required_fields(search: &str) -> Vec<String> {
    // Compiled once: compiling it for each of 1,711 pages took most of
    // `detc docs` on security_content v4.42.0.
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?-u:\b)((?:All_[A-Za-z_]+|Processes|Filesystem|Registry|Services|Ports|Authentication|Web|Network_Traffic|Network_Resolution|DNS|Email|Certificates|Updates|Vulnerabilities|Malware_Attacks|IDS_Attacks|Risk|Endpoint)\.[A-Za-z_][A-Za-z0-9_]*)(?-u:\b)",
        )
        .expect("a valid regex")
    });
    // The word boundaries match no text: each match is the field.
    let mut out: BTreeSet<&str> = RE
        .find_iter(search)
        .map(|m| m.as_str())
        .filter(|f| !f.ends_with('_'))
        .collect();
    if search.contains("_time") {
        out.insert("_time");
    }
    out.into_iter().map(str::to_string).collect()
}

struct Cover<'a> {
    /// Technique id to the detections (names) mapped to it.
    by_technique: BTreeMap<String, BTreeSet<&'a str>>,
    /// Every detection name, sorted and without repeats.
    names: Vec<&'a str>,
    /// The page of each of `names` (relative to the docs folder), at the
    /// same index.
    names_pages: Vec<Option<String>>,
    /// Technique id to its detections, as a bit set over `names` (bit `i`
    /// of word `i / 64` for `names[i]`): `by_technique` in a form whose
    /// unions are cheap.
    ranked: HashMap<String, Vec<u64>>,
}

fn cover<'a>(p: &'a Project) -> Cover<'a> {
    let mut by_technique: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for d in &p.content.detections {
        for t in &d.tags.mitre_attack_id {
            by_technique
                .entry(t.value.clone())
                .or_default()
                .insert(d.common.name());
        }
    }
    let pages = p
        .content
        .detections
        .iter()
        .map(|d| (d.common.name(), page_of(d)))
        .collect();
    Cover::new(by_technique, pages)
}

impl<'a> Cover<'a> {
    /// The cover of detections mapped to techniques (`by_technique`), with
    /// their pages (`pages`, by detection name).
    fn new(
        by_technique: BTreeMap<String, BTreeSet<&'a str>>,
        pages: BTreeMap<&'a str, String>,
    ) -> Self {
        let mut names: Vec<&str> = pages.keys().copied().collect();
        names.extend(by_technique.values().flatten().copied());
        names.sort_unstable();
        names.dedup();
        let ranked = by_technique
            .iter()
            .map(|(t, ds)| {
                let mut bits = vec![0u64; names.len().div_ceil(64)];
                for i in ds.iter().filter_map(|n| names.binary_search(n).ok()) {
                    bits[i / 64] |= 1 << (i % 64);
                }
                (t.clone(), bits)
            })
            .collect();
        let mut pages = pages;
        let names_pages = names.iter().map(|n| pages.remove(n)).collect();
        Cover {
            by_technique,
            names,
            names_pages,
            ranked,
        }
    }

    /// The page of the detection `name`, relative to the docs folder.
    fn page(&self, name: &str) -> Option<&str> {
        let i = self.names.binary_search(&name).ok()?;
        self.names_pages.get(i)?.as_deref()
    }

    /// The detections mapped to any of `techniques`, but `own`: the first
    /// `max` in name order, each with its page if it has one, and how many
    /// there are.
    fn related<'t>(
        &self,
        techniques: impl Iterator<Item = &'t str>,
        own: &str,
        max: usize,
    ) -> (Vec<(&'a str, Option<&str>)>, usize) {
        let mut union = vec![0u64; self.names.len().div_ceil(64)];
        for t in techniques {
            if let Some(bits) = self.ranked.get(t) {
                for (u, b) in union.iter_mut().zip(bits) {
                    *u |= b;
                }
            }
        }
        if let Ok(i) = self.names.binary_search(&own) {
            union[i / 64] &= !(1 << (i % 64));
        }
        let count: usize = union.iter().map(|w| w.count_ones() as usize).sum();
        let first = union
            .iter()
            .enumerate()
            .flat_map(|(w, &bits)| {
                (0..64)
                    .filter(move |b| bits & (1 << b) != 0)
                    .map(move |b| w * 64 + b)
            })
            .filter_map(|i| {
                let page = self.names_pages.get(i)?.as_deref();
                Some((*self.names.get(i)?, page))
            })
            .take(max)
            .collect();
        (first, count)
    }
}

fn tactic_names(attack: &Attack, shortnames: &[String]) -> String {
    let mut v: Vec<&str> = TACTIC_ORDER
        .iter()
        .filter(|t| shortnames.iter().any(|s| s == *t))
        .map(|t| attack.tactic(t).map(|x| x.name.as_str()).unwrap_or(t))
        .collect();
    // Tactics outside the classic matrix (a newer ATT&CK's), after it.
    for s in shortnames {
        if !TACTIC_ORDER.contains(&s.as_str()) {
            v.push(attack.tactic(s).map(|x| x.name.as_str()).unwrap_or(s));
        }
    }
    v.join(", ")
}

fn with_detection_page<R>(
    p: &Project,
    d: &Detection,
    attack: &Attack,
    cov: &Cover,
    f: impl FnOnce(&str) -> R,
) -> R {
    // Written into a buffer kept by the thread (6 KiB is a typical page,
    // 12 KiB the most on security_content v4.42.0) and handed to `f` there:
    // growing each page step by step, or reserving room for the largest in
    // each, cost a tenth of the page, and a page that is already on disk
    // is never copied.
    thread_local!(static PAGE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) });
    PAGE.with_borrow_mut(|o| {
        o.clear();
        write_detection_page(o, p, d, attack, cov);
        f(o.as_str())
    })
}

fn write_detection_page(o: &mut String, p: &Project, d: &Detection, attack: &Attack, cov: &Cover) {
    let name = d.common.name();
    let _ = writeln!(o, "# {name}\n");
    let _ = writeln!(o, "{}\n", s(&d.common.description).trim());
    let _ = writeln!(o, "| Fact | Value |\n| --- | --- |");
    let row = |o: &mut String, k: &str, v: &str| {
        if !v.is_empty() {
            let _ = writeln!(o, "| {k} | {} |", cell(v));
        }
    };
    row(o, "Type", s(&d.kind));
    row(o, "Status", s(&d.common.status));
    row(o, "Products", &join(&d.tags.product));
    row(o, "Data sources", &join(&d.data_source));
    row(o, "Security domain", s(&d.tags.security_domain));
    row(o, "Asset type", s(&d.tags.asset_type));
    let version = d
        .common
        .version
        .as_ref()
        .map(|v| v.value.to_string())
        .unwrap_or_default();
    row(o, "Version", &version);
    row(o, "Date", s(&d.common.date));
    row(o, "Author", s(&d.common.author));
    row(o, "ID", s(&d.common.id));
    o.push('\n');
    let view = detc_plan::alert(p, d);
    alert_section(o, &view, s(&d.search));

    let _ = writeln!(o, "## ATT&CK\n");
    if d.tags.mitre_attack_id.is_empty() {
        let _ = writeln!(o, "No technique is mapped.\n");
    } else {
        let _ = writeln!(o, "| Technique | Name | Tactics |\n| --- | --- | --- |");
        for t in &d.tags.mitre_attack_id {
            let (tn, tactics) = match attack.technique(&t.value) {
                Some(x) => (x.name.as_str(), tactic_names(attack, &x.tactics)),
                None => ("(not in the embedded ATT&CK data)", String::new()),
            };
            let moved = attack
                .moved(&t.value)
                .and_then(|m| {
                    m.to.as_ref()
                        .map(|to| format!(" (ATT&CK v{}: {to})", m.version))
                })
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "| [{id}]({url}) | {} | {} |",
                cell(&format!("{tn}{moved}")),
                cell(&tactics),
                id = t.value,
                url = technique_url(&t.value)
            );
        }
        o.push('\n');
    }
    if !d.tags.detection_strategies.is_empty() || !d.tags.analytics.is_empty() {
        let _ = writeln!(
            o,
            "| Detection strategy | Name | Analytic | Platforms |\n| --- | --- | --- | --- |"
        );
        let mut listed = BTreeSet::new();
        for det in &d.tags.detection_strategies {
            let st = attack.strategy(&det.value);
            let sname = st.map(|x| x.name.as_str()).unwrap_or("");
            let ans: Vec<&detc_yaml::Spanned<String>> = d
                .tags
                .analytics
                .iter()
                .filter(|a| {
                    attack
                        .analytic(&a.value)
                        .and_then(|x| x.strategy.as_deref())
                        == Some(det.value.as_str())
                })
                .collect();
            if ans.is_empty() {
                let _ = writeln!(o, "| {} | {} | | |", strategy_link(&det.value), cell(sname));
            }
            for a in ans {
                listed.insert(a.value.as_str());
                let plat = attack
                    .analytic(&a.value)
                    .map(|x| x.platforms.join(", "))
                    .unwrap_or_default();
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} |",
                    strategy_link(&det.value),
                    cell(sname),
                    analytic_link(attack, &a.value),
                    cell(&plat)
                );
            }
        }
        for a in d
            .tags
            .analytics
            .iter()
            .filter(|a| !listed.contains(a.value.as_str()))
        {
            let plat = attack
                .analytic(&a.value)
                .map(|x| x.platforms.join(", "))
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "| | | {} | {} |",
                analytic_link(attack, &a.value),
                cell(&plat)
            );
        }
        o.push('\n');
    }

    let search = s(&d.search);
    o.push_str("## Search\n\n```spl\n");
    detc_spl::write_pipeline_lines(o, search);
    o.push_str("```\n\n");

    let _ = writeln!(o, "## Analytic stories\n");
    if d.tags.analytic_story.is_empty() {
        let _ = writeln!(o, "None.\n");
    } else {
        for st in &d.tags.analytic_story {
            let known = p
                .content
                .stories
                .iter()
                .any(|x| x.common.name() == st.value);
            if known {
                let _ = writeln!(o, "- [{}](../{})", st.value, story_page(&st.value));
            } else {
                let _ = writeln!(o, "- {}", st.value);
            }
        }
        o.push('\n');
    }

    let _ = writeln!(
        o,
        "## How to implement\n\n{}\n",
        s(&d.how_to_implement).trim()
    );
    let fields = required_fields(search);
    if !fields.is_empty() {
        let _ = writeln!(o, "## Required fields\n");
        for f in fields {
            let _ = writeln!(o, "- `{f}`");
        }
        o.push('\n');
    }
    let _ = writeln!(
        o,
        "## Known false positives\n\n{}\n",
        s(&d.known_false_positives).trim()
    );

    if let Some(rba) = &d.rba {
        let _ = writeln!(o, "## Risk-based alerting\n");
        let _ = writeln!(o, "Risk message: {}\n", s(&rba.message).trim());
        let _ = writeln!(
            o,
            "| Object | Field | Type | Score |\n| --- | --- | --- | --- |"
        );
        for r in &rba.risk_objects {
            let _ = writeln!(
                o,
                "| risk object | `{}` | {} | {} |",
                s(&r.field),
                s(&r.kind),
                r.score
                    .as_ref()
                    .map(|x| x.value.to_string())
                    .unwrap_or_default()
            );
        }
        for t in &rba.threat_objects {
            let _ = writeln!(
                o,
                "| threat object | `{}` | {} | |",
                s(&t.field),
                s(&t.kind)
            );
        }
        o.push('\n');
    }

    if !view.drilldowns.is_empty() {
        let _ = writeln!(o, "## Drilldowns\n");
        for dd in &view.drilldowns {
            let range = match (&dd.earliest_offset, &dd.latest_offset) {
                (Some(e), Some(l)) => format!(" (from `{e}` to `{l}`)"),
                _ => String::new(),
            };
            let _ = write!(o, "**{}**{range}\n\n```spl\n", dd.name);
            detc_spl::write_pipeline_lines(o, dd.search.trim());
            o.push_str("```\n\n");
        }
    }

    related(o, d, cov);
    references(o, &d.common.references);

    let _ = writeln!(o, "## Test data\n");
    if d.tests.is_empty() {
        let _ = writeln!(o, "None.");
    } else {
        let _ = writeln!(
            o,
            "| Test | Data | Source | Sourcetype |\n| --- | --- | --- | --- |"
        );
        for t in &d.tests {
            for a in &t.attack_data {
                let data = s(&a.data);
                let data = if data.starts_with("https://") || data.starts_with("http://") {
                    let file = data.rsplit('/').next().unwrap_or(data);
                    format!("[{}]({data})", cell(file))
                } else {
                    format!("`{}`", cell(data))
                };
                let _ = writeln!(
                    o,
                    "| {} | {data} | {} | {} |",
                    cell(s(&t.name)),
                    cell(s(&a.source)),
                    cell(s(&a.sourcetype))
                );
            }
        }
    }
}

/// The other detections of the same techniques, linked, at most 12 (by
/// name), so an analyst finds what else covers the behaviour.
fn related(o: &mut String, d: &Detection, cov: &Cover) {
    const MAX: usize = 12;
    let techniques = d.tags.mitre_attack_id.iter().map(|t| t.value.as_str());
    let (first, count) = cov.related(techniques, d.common.name(), MAX);
    if count == 0 {
        return;
    }
    let _ = writeln!(
        o,
        "## Related detections\n\nOther detections of the same ATT&CK techniques:\n"
    );
    for (n, page) in first {
        if let Some(page) = page {
            let _ = writeln!(o, "- [{n}](../{page})");
        }
    }
    if count > MAX {
        let _ = writeln!(
            o,
            "- and {} more (see [ATT&CK coverage](../attack.md))",
            count - MAX
        );
    }
    o.push('\n');
}

/// `DET0546` as a link to its ATT&CK page.
fn strategy_link(id: &str) -> String {
    format!("[{id}](https://attack.mitre.org/detectionstrategies/{id}/)")
}

/// `AN1504` as a link to its place on its detection strategy's page
/// (ATT&CK's own analytic URLs are `detectionstrategies/DET#####AN####`).
fn analytic_link(attack: &Attack, id: &str) -> String {
    match attack.analytic(id).and_then(|a| a.strategy.as_deref()) {
        Some(det) => format!("[{id}](https://attack.mitre.org/detectionstrategies/{det}#{id})"),
        None => id.to_string(),
    }
}

/// What an analyst triaging the alert needs to know: when and how often
/// the search runs and over what, whether it raises a notable (finding) or
/// only risk, at which severity and title, throttling, and the state a
/// `firstseen` command keeps.
fn alert_section(o: &mut String, v: &detc_plan::AlertView, search: &str) {
    let _ = writeln!(o, "## The alert\n\n| Setting | Value |\n| --- | --- |");
    let sc = &v.schedule;
    if !sc.cron_schedule.is_empty() {
        let _ = writeln!(
            o,
            "| Runs | cron `{}` (schedule window {}) |",
            sc.cron_schedule,
            cell(&sc.schedule_window)
        );
        let _ = writeln!(
            o,
            "| Searches | from `{}` to `{}` |",
            sc.earliest_time, sc.latest_time
        );
    }
    let _ = writeln!(
        o,
        "| Enabled when installed | {} |",
        if v.disabled {
            "no: an admin turns it on"
        } else {
            "yes"
        }
    );
    let raises = match (&v.notable, v.risk) {
        (Some(_), true) => "a notable (finding) and risk events",
        (Some(_), false) => "a notable (finding)",
        (None, true) => "risk events only, no notable",
        (None, false) => "nothing: its results are for hunting",
    };
    let _ = writeln!(o, "| Raises | {raises} |");
    if v.notable.is_some() || v.risk {
        let _ = writeln!(o, "| Severity | {} |", v.severity);
    }
    if let Some(n) = &v.notable {
        let _ = writeln!(o, "| Notable title | {} |", cell(&n.rule_title));
    }
    if v.risk {
        let _ = writeln!(o, "| Risk message | {} |", cell(&v.risk_message));
    }
    match &v.throttling {
        Some(t) => {
            let _ = writeln!(
                o,
                "| Throttling | one alert per `{}` per {} |",
                cell(&t.fields),
                t.period
            );
        }
        None => {
            let _ = writeln!(o, "| Throttling | none |");
        }
    }
    // Most searches do not call firstseen: those are not split.
    let calls = if search.contains("firstseen") {
        detc_spl::split_pipeline(search)
    } else {
        Vec::new()
    };
    for cmd in calls.iter().filter(|c| c.name == "firstseen") {
        let kept = firstseen_state(cmd.args);
        let _ = writeln!(o, "| State | {} |", cell(&kept));
    }
    o.push('\n');
}

/// The `| State |` text for a `firstseen` call with arguments `args` (as
/// written after the command name): what it keeps, where, for how long,
/// and what it reports, from the options as the command itself parses
/// them (`firstseen_options`), defaults included; the parser's message
/// when the options are invalid.
fn firstseen_state(args: &str) -> String {
    let args: Vec<&str> = detc_spl::split_words(args).iter().map(|t| t.text).collect();
    match Options::parse(&args, true) {
        Err(e) => format!("firstseen cannot run with these options: {e}"),
        Ok(opts) => {
            let keys = opts.key.join("`, `");
            let mut kept = match (opts.store, opts.collection()) {
                (Store::KvStore, Some(c)) => format!(
                    "firstseen keeps the first and last time each key (`{keys}`) was seen in the KV store collection `{c}`"
                ),
                _ => format!(
                    "firstseen keeps the first and last time each key (`{keys}`) was seen in the lookup `{}`",
                    opts.lookup.as_deref().unwrap_or_default()
                ),
            };
            if let Some(r) = &opts.retention {
                kept.push_str(&format!("; keys not seen since `{r}` are dropped"));
            }
            kept.push_str(&match opts.output {
                Output::New => format!("; it reports keys first seen since `{}`", opts.window),
                Output::All => format!(
                    "; it returns every row, `isNew` 1 for keys first seen since `{}`",
                    opts.window
                ),
            });
            if let Some(h) = &opts.min_history {
                kept.push_str(&format!(", once its history reaches back to `{h}`"));
            }
            if !opts.update {
                kept.push_str("; it only reads the state (`update=false`)");
            }
            kept
        }
    }
}

/// The detections of each story, by story name, each list sorted by name:
/// computed once for all pages (looking them up per story was quadratic).
fn detections_by_story(p: &Project) -> std::collections::HashMap<&str, Vec<&Detection>> {
    let mut by: std::collections::HashMap<&str, Vec<&Detection>> = Default::default();
    for d in &p.content.detections {
        for st in &d.tags.analytic_story {
            by.entry(st.value.as_str()).or_default().push(d);
        }
    }
    for v in by.values_mut() {
        v.sort_by_key(|d| d.common.name());
        v.dedup_by_key(|d| d.common.name());
    }
    by
}

fn story_page_text(
    st: &detc_content::model::Story,
    attack: &Attack,
    by_story: &std::collections::HashMap<&str, Vec<&Detection>>,
) -> String {
    let mut o = String::new();
    let name = st.common.name();
    let _ = writeln!(o, "# {name}\n\n{}\n", s(&st.common.description).trim());
    let narrative = s(&st.narrative).trim();
    if !narrative.is_empty() {
        let _ = writeln!(o, "## Narrative\n\n{narrative}\n");
    }
    let dets: &[&Detection] = by_story.get(name).map_or(&[], Vec::as_slice);
    let _ = writeln!(o, "## Detections\n");
    if dets.is_empty() {
        let _ = writeln!(o, "None.\n");
    } else {
        let _ = writeln!(o, "| Detection | Type | Techniques |\n| --- | --- | --- |");
        for d in dets {
            let _ = writeln!(
                o,
                "| [{}](../{}) | {} | {} |",
                cell(d.common.name()),
                page_of(d),
                s(&d.kind),
                &join(&d.tags.mitre_attack_id)
            );
        }
        o.push('\n');
        let techniques: BTreeSet<&str> = dets
            .iter()
            .flat_map(|d| d.tags.mitre_attack_id.iter().map(|t| t.value.as_str()))
            .collect();
        let _ = writeln!(o, "## ATT&CK techniques\n");
        for t in techniques {
            let tn = attack.technique(t).map(|x| x.name.as_str()).unwrap_or("");
            let _ = writeln!(o, "- [{t}]({}) {tn}", technique_url(t));
        }
        o.push('\n');
    }
    references(&mut o, &st.common.references);
    let _ = writeln!(
        o,
        "| Fact | Value |\n| --- | --- |\n| Category | {} |\n| Use case | {} |\n| Products | {} |\n| Version | {} ({}) |\n| Author | {} |\n| ID | {} |",
        cell(&join(&st.category)),
        cell(s(&st.usecase)),
        cell(&join(&st.product)),
        st.common
            .version
            .as_ref()
            .map(|v| v.value.to_string())
            .unwrap_or_default(),
        s(&st.common.date),
        cell(s(&st.common.author)),
        s(&st.common.id)
    );
    o
}

fn index_page(p: &Project, by_story: &std::collections::HashMap<&str, Vec<&Detection>>) -> String {
    let mut o = String::new();
    let title = if p.config.app.title.is_empty() {
        "Content"
    } else {
        p.config.app.title.as_str()
    };
    let _ = writeln!(
        o,
        "# {title}\n\n{} detections, {} analytic stories. ATT&CK coverage: [matrix](attack.md), [Navigator layer](attack-navigator-layer.json).\n",
        p.content.detections.len(),
        p.content.stories.len()
    );
    let _ = writeln!(
        o,
        "## Detections\n\n| Detection | Type | Techniques | Stories |\n| --- | --- | --- | --- |"
    );
    let mut dets: Vec<&Detection> = p.content.detections.iter().collect();
    dets.sort_by_key(|d| d.common.name());
    for d in dets {
        let _ = writeln!(
            o,
            "| [{}]({}) | {} | {} | {} |",
            cell(d.common.name()),
            page_of(d),
            s(&d.kind),
            &join(&d.tags.mitre_attack_id),
            cell(&join(&d.tags.analytic_story))
        );
    }
    let _ = writeln!(
        o,
        "\n## Analytic stories\n\n| Story | Detections |\n| --- | --- |"
    );
    let mut stories: Vec<&detc_content::model::Story> = p.content.stories.iter().collect();
    stories.sort_by_key(|s| s.common.name());
    for st in stories {
        let _ = writeln!(
            o,
            "| [{}]({}) | {} |",
            cell(st.common.name()),
            story_page(st.common.name()),
            by_story.get(st.common.name()).map_or(0, Vec::len)
        );
    }
    o
}

fn attack_page(p: &Project, attack: &Attack) -> String {
    let cov = cover(p);
    let mut columns: Vec<Vec<String>> = Vec::new();
    for tac in TACTIC_ORDER {
        let mut col = Vec::new();
        for (t, dets) in &cov.by_technique {
            if attack
                .technique(t)
                .is_some_and(|x| x.tactics.iter().any(|s| s == tac))
            {
                col.push(format!("[{t}]({}) ({})", technique_url(t), dets.len()));
            }
        }
        columns.push(col);
    }
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# ATT&CK coverage\n\nTechniques mapped by the detections, under each ATT&CK Enterprise tactic (ATT&CK {}), with their number of detections. Open `attack-navigator-layer.json` in the ATT&CK Navigator for the full matrix.\n",
        attack.data.version
    );
    // One row per tactic, in the matrix's order: a 14-column table is
    // wider than any page.
    let _ = writeln!(o, "| Tactic | Techniques (detections) |\n| --- | --- |");
    for (tac, col) in TACTIC_ORDER.iter().zip(&columns) {
        let name = attack
            .tactic(tac)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| tac.to_string());
        let techniques = if col.is_empty() {
            "none".to_string()
        } else {
            col.join(", ")
        };
        let _ = writeln!(o, "| {name} | {techniques} |");
    }
    let _ = writeln!(
        o,
        "\n## Techniques\n\n| Technique | Name | Tactics | Detections |\n| --- | --- | --- | --- |"
    );
    for (t, dets) in &cov.by_technique {
        let (name, tactics) = match attack.technique(t) {
            Some(x) => (x.name.as_str(), tactic_names(attack, &x.tactics)),
            None => ("", String::new()),
        };
        let links: Vec<String> = dets
            .iter()
            .filter_map(|n| Some(format!("[{}]({})", cell(n), cov.page(n)?)))
            .collect();
        let _ = writeln!(
            o,
            "| [{t}]({}) | {} | {} | {} |",
            technique_url(t),
            cell(name),
            cell(&tactics),
            links.join("<br>")
        );
    }
    o
}

/// The ATT&CK Navigator layer (format 4.5): one entry per covered technique
/// and tactic, scored by its number of detections.
pub fn navigator_layer(p: &Project, attack: &Attack) -> serde_json::Value {
    let cov = cover(p);
    let mut techniques = Vec::new();
    let max = cov
        .by_technique
        .values()
        .map(BTreeSet::len)
        .max()
        .unwrap_or(1);
    let mut parents_shown = BTreeSet::new();
    for (t, dets) in &cov.by_technique {
        let tactics: Vec<String> = attack
            .technique(t)
            .map(|x| x.tactics.clone())
            .unwrap_or_default();
        let comment = dets.iter().copied().collect::<Vec<_>>().join("; ");
        for tac in &tactics {
            techniques.push(serde_json::json!({
                "techniqueID": t,
                "tactic": tac,
                "score": dets.len(),
                "comment": comment,
                "enabled": true,
                "showSubtechniques": false,
            }));
            if let Some(parent) = Attack::parent_of(t)
                && parents_shown.insert((parent.to_string(), tac.clone()))
            {
                techniques.push(serde_json::json!({
                    "techniqueID": parent,
                    "tactic": tac,
                    "enabled": true,
                    "showSubtechniques": true,
                }));
            }
        }
    }
    let name = if p.config.app.title.is_empty() {
        "detc content".to_string()
    } else {
        p.config.app.title.clone()
    };
    serde_json::json!({
        "name": name,
        "versions": {
            "attack": attack.data.version.split('.').next().unwrap_or("18"),
            "navigator": "5.1.0",
            "layer": "4.5",
        },
        "domain": "enterprise-attack",
        "description": format!("ATT&CK coverage of {} detections (score: number of detections). Generated by detc.", p.content.detections.len()),
        "sorting": 0,
        "hideDisabled": false,
        "techniques": techniques,
        "gradient": {
            "colors": ["#ffffffff", "#66b1ffff"],
            "minValue": 0,
            "maxValue": max,
        },
        "legendItems": [],
        "metadata": [],
        "links": [],
        "showTacticRowBackground": false,
        "selectTechniquesAcrossTactics": true,
        "selectSubtechniquesWithParent": false,
        "selectVisibleTechniques": false,
    })
}

/// One page [`generate`] writes.
enum Page<'a> {
    Index,
    Attack,
    Navigator,
    Detection(&'a Detection),
    Story(&'a detc_content::model::Story),
}

/// What the pages share: the detections by story and the coverage.
struct Maker<'a> {
    p: &'a Project,
    attack: &'a Attack,
    by_story: HashMap<&'a str, Vec<&'a Detection>>,
    cov: Cover<'a>,
}

impl<'a> Maker<'a> {
    fn new(p: &'a Project, attack: &'a Attack) -> Self {
        Maker {
            p,
            attack,
            by_story: detections_by_story(p),
            cov: cover(p),
        }
    }

    /// Every page, the three that cover the whole content first, so that
    /// no core waits for another at the end of a pass over them.
    fn pages(&self) -> Vec<Page<'a>> {
        let mut pages = vec![Page::Index, Page::Attack, Page::Navigator];
        pages.extend(self.p.content.detections.iter().map(Page::Detection));
        pages.extend(self.p.content.stories.iter().map(Page::Story));
        pages
    }

    /// Makes `page` and hands its path and text to `f`. A detection
    /// page's text is borrowed from the thread's buffer
    /// ([`with_detection_page`]): `f` copies it only if it keeps it.
    fn with<R>(&self, page: &Page, f: impl FnOnce(String, Cow<str>) -> R) -> R {
        let (p, attack) = (self.p, self.attack);
        match page {
            Page::Index => f("index.md".into(), index_page(p, &self.by_story).into()),
            Page::Attack => f("attack.md".into(), attack_page(p, attack).into()),
            Page::Navigator => f(
                "attack-navigator-layer.json".into(),
                (serde_json::to_string_pretty(&navigator_layer(p, attack)).unwrap_or_default()
                    + "\n")
                    .into(),
            ),
            Page::Detection(d) => {
                with_detection_page(p, d, attack, &self.cov, |t| f(page_of(d), t.into()))
            }
            Page::Story(st) => f(
                story_page(st.common.name()),
                story_page_text(st, attack, &self.by_story).into(),
            ),
        }
    }
}

/// Every documentation file of `p`, sorted by path. All pages are made in
/// one pass on all cores.
pub fn generate(p: &Project, attack: &Attack) -> Vec<DocFile> {
    let m = Maker::new(p, attack);
    let mut files = detc_content::par::parallel_map(&m.pages(), |page| {
        m.with(page, |path, text| DocFile {
            path,
            text: text.into_owned(),
        })
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// [`generate`] and [`stage`] in one pass on all cores, without holding
/// every page: each page is compared with the file already in `dir` (or
/// written into the new folder) as soon as it is made, and only the
/// changed ones are kept. Returns how many pages there are and the staged
/// result, for [`Staged::commit`].
///
/// # Errors
/// As [`write`].
pub fn generate_staged(
    p: &Project,
    attack: &Attack,
    dir: &Path,
) -> Result<(usize, Staged), String> {
    let m = Maker::new(p, attack);
    let pages = m.pages();
    let staged = stage_each(&pages, dir, |page, out| m.with(page, out))?;
    Ok((pages.len(), staged))
}

/// What [`stage`] and [`generate_staged`] share: `page` hands each item's
/// path and text to the function it is given, on all cores. For an
/// existing `dir`, each page is compared with its file there and kept only
/// if it changed, and the stale entries are listed; otherwise every page
/// is written into a new hidden folder beside `dir`.
fn stage_each<T: Sync>(
    items: &[T],
    dir: &Path,
    page: impl Fn(&T, &mut dyn FnMut(String, Cow<str>)) + Sync,
) -> Result<Staged, String> {
    if dir.is_dir() {
        // Reading back what is there is most of the work.
        let made = detc_content::par::parallel_map(items, |item| {
            let mut made = (String::new(), None);
            page(item, &mut |path, text| {
                let changed = !holds(&dir.join(&path), &text);
                made = (path, changed.then(|| text.into_owned()));
            });
            made
        });
        let paths: Vec<&str> = made.iter().map(|(path, _)| path.as_str()).collect();
        let stale = stale_entries(dir, &paths)?;
        let mut changed: Vec<DocFile> = made
            .into_iter()
            .filter_map(|(path, text)| Some(DocFile { path, text: text? }))
            .collect();
        changed.sort_by(|a, b| a.path.cmp(&b.path));
        return Ok(Staged {
            dir: dir.to_path_buf(),
            how: How::Update { changed, stale },
        });
    }
    let tmp = fresh_folder(dir)?;
    let written = detc_content::par::parallel_map(items, |item| {
        let mut written = Ok(());
        page(item, &mut |path, text| {
            written = write_new(tmp.path(), &path, &text)
        });
        written
    });
    written.into_iter().collect::<Result<(), String>>()?;
    Ok(Staged {
        dir: dir.to_path_buf(),
        how: How::Fresh(tmp),
    })
}

/// A hidden temporary folder beside `dir`, for a new set of pages.
fn fresh_folder(dir: &Path) -> Result<tempfile::TempDir, String> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    tempfile::Builder::new()
        .prefix(".docs-")
        .tempdir_in(parent)
        .map_err(|e| format!("cannot create a folder in {}: {e}", parent.display()))
}

/// Writes the page `rel` (`/`-separated) of a new folder `root`, with
/// its folder. The folder is made only when the first write finds it
/// missing: asking for it before each of 1,975 pages was two system calls
/// a page.
fn write_new(root: &Path, rel: &str, text: &str) -> Result<(), String> {
    let path = root.join(rel);
    match std::fs::write(&path, text) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match path.parent() {
            Some(d) => std::fs::create_dir_all(d)
                .map_err(|e| format!("cannot create {}: {e}", d.display()))
                .and_then(|()| {
                    std::fs::write(&path, text)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))
                }),
            None => Err(format!("cannot write {}: {e}", path.display())),
        },
        other => other.map_err(|e| format!("cannot write {}: {e}", path.display())),
    }
}

/// Writes `files` as the folder `dir`, so that it holds exactly them.
///
/// A new folder is written beside `dir` and renamed into place, so readers
/// never see a half-written set. An existing folder is brought up to date
/// in place: a file whose text changed is written to a temporary file and
/// renamed over the old one, an unchanged file is not touched, and files
/// and folders that are no longer generated are removed. Rewriting the
/// 1,975 unchanged pages of security_content v4.42.0 on every run cost
/// seconds on ext4 (each run deleted and created 1,975 inodes); an update
/// that changes nothing now only reads them.
///
/// # Errors
/// The folder or a file cannot be read, written or removed (the message
/// names it).
pub fn write(files: &[DocFile], dir: &Path) -> Result<PathBuf, String> {
    stage(files, dir)?.commit()
}

/// The expensive half of [`write`], done before it is known whether the
/// pages are wanted (`detc docs` stages them while the rules run, and
/// commits only when the content has no error): a new folder is written
/// whole as a hidden temporary folder beside `dir`; for an existing folder
/// the pages are read back and compared, and the changed and the stale
/// files are listed. Dropping the result leaves `dir` as it was (and
/// removes the temporary folder).
///
/// # Errors
/// As [`write`].
pub fn stage(files: &[DocFile], dir: &Path) -> Result<Staged, String> {
    stage_each(files, dir, |f, out| {
        out(f.path.clone(), Cow::Borrowed(&f.text))
    })
}

/// Pages staged by [`stage`], waiting for [`Staged::commit`].
pub struct Staged {
    dir: PathBuf,
    how: How,
}

enum How {
    /// The whole folder, written; renamed into place on commit.
    Fresh(tempfile::TempDir),
    /// The pages whose text changed, and the files and folders (with
    /// `true` for a folder) no longer generated, deepest first.
    Update {
        changed: Vec<DocFile>,
        stale: Vec<(PathBuf, bool)>,
    },
}

impl Staged {
    /// Puts the staged pages in place (see [`write`]) and returns the folder.
    ///
    /// # Errors
    /// As [`write`].
    pub fn commit(self) -> Result<PathBuf, String> {
        let dir = self.dir;
        match self.how {
            How::Fresh(tmp) => {
                let kept = tmp.keep();
                std::fs::rename(&kept, &dir)
                    .map_err(|e| format!("cannot move the docs to {}: {e}", dir.display()))?;
            }
            How::Update { changed, stale } => {
                // Stale entries go first: a folder or file may stand where a
                // page or a page's folder now belongs.
                for (path, is_dir) in stale {
                    let r = if is_dir {
                        std::fs::remove_dir_all(&path)
                    } else {
                        std::fs::remove_file(&path)
                    };
                    match r {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(format!("cannot remove {}: {e}", path.display())),
                    }
                }
                for f in &changed {
                    let path = dir.join(&f.path);
                    let d = path.parent().unwrap_or(&dir);
                    std::fs::create_dir_all(d)
                        .map_err(|e| format!("cannot create {}: {e}", d.display()))?;
                    let mut tmp = tempfile::Builder::new()
                        .prefix(".page-")
                        .tempfile_in(d)
                        .map_err(|e| format!("cannot write in {}: {e}", d.display()))?;
                    std::io::Write::write_all(&mut tmp, f.text.as_bytes())
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                    tmp.persist(&path)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                }
            }
        }
        Ok(dir)
    }
}

/// Whether the file at `path` holds exactly `text`: one open, reads into
/// a buffer one byte longer than `text` until the end of the file (a
/// longer file fills it), no size query. Any failure to read is `false`:
/// the page is then written again.
fn holds(path: &Path, text: &str) -> bool {
    use std::io::Read as _;
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut buf = vec![0u8; text.len() + 1];
    let mut n = 0;
    loop {
        match file.read(&mut buf[n..]) {
            Ok(0) => return &buf[..n] == text.as_bytes(),
            Ok(k) => {
                n += k;
                if n == buf.len() {
                    return false;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// What in `dir` is not one of the pages `paths` (and not a folder holding
/// one of them), deepest first so that emptied folders can go too.
/// Entries are matched by their `/`-separated path relative to `dir`, as
/// [`DocFile::path`] is written; a name that is not UTF-8 is never a page.
fn stale_entries(dir: &Path, paths: &[&str]) -> Result<Vec<(PathBuf, bool)>, String> {
    let wanted: HashSet<&str> = paths.iter().copied().collect();
    let wanted_dirs: HashSet<&str> = paths
        .iter()
        .flat_map(|p| p.match_indices('/').map(|(i, _)| &p[..i]))
        .collect();
    let mut stale: Vec<(PathBuf, bool)> = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| format!("cannot read {}: {e}", d.display()))?;
        for e in entries {
            let e = e.map_err(|e| format!("cannot read {}: {e}", d.display()))?;
            let path = e.path();
            let rel = e.file_name().to_str().map(|name| format!("{prefix}{name}"));
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                // A stale folder goes whole: nothing in it is looked at.
                match rel.filter(|r| wanted_dirs.contains(r.as_str())) {
                    Some(r) => stack.push((path, r + "/")),
                    None => stale.push((path, true)),
                }
            } else if !rel.as_deref().is_some_and(|r| wanted.contains(r)) {
                stale.push((path, false));
            }
        }
    }
    stale.sort_by_key(|s| std::cmp::Reverse(s.0.components().count()));
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::firstseen_state;

    #[test]
    fn the_state_row_says_what_firstseen_does_with_its_defaults() {
        assert_eq!(
            firstseen_state(
                "lookup=detc_clients store=kvstore key=user,client time=firstTime min_history=-7d@d retention=-90days@day"
            ),
            "firstseen keeps the first and last time each key (`user`, `client`) was seen in the KV store \
             collection `detc_clients`; keys not seen since `-90d@d` are dropped; it reports keys \
             first seen since `-24h@h`, once its history reaches back to `-7d@d`"
        );
        assert_eq!(
            firstseen_state("lookup=seen key=dest window=-7d@d output=all update=false"),
            "firstseen keeps the first and last time each key (`dest`) was seen in the lookup `seen.csv`; \
             it returns every row, `isNew` 1 for keys first seen since `-7d@d`; it only reads the \
             state (`update=false`)"
        );
        assert_eq!(
            firstseen_state("lookup=seen key=dest windw=-7d"),
            "firstseen cannot run with these options: Unrecognized option: windw=-7d. Did you mean \
             window=? Options: lookup, key, time, last_time, window, min_history, retention, output, \
             update, tz, seed, store, timeout, connect_timeout, read_timeout"
        );
    }

    #[test]
    fn related_detections_are_the_union_of_the_techniques_but_the_page_own() {
        use std::collections::{BTreeMap, BTreeSet};
        let names: Vec<String> = (0..70).map(|i| format!("d{i:02}")).collect();
        let mut by_technique: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        // T1: d00..d59; T2: d50..d69 (d50..d59 in both); T3: only d05.
        for (i, n) in names.iter().enumerate() {
            if i < 60 {
                by_technique.entry("T1".into()).or_default().insert(n);
            }
            if i >= 50 {
                by_technique.entry("T2".into()).or_default().insert(n);
            }
        }
        by_technique.entry("T3".into()).or_default().insert("d05");
        let pages = names
            .iter()
            .map(|n| (n.as_str(), format!("{n}.md")))
            .collect();
        let cov = super::Cover::new(by_technique, pages);
        let (first, count) = cov.related(["T1", "T2"].into_iter(), "d01", 3);
        assert_eq!(
            first,
            [
                ("d00", Some("d00.md")),
                ("d02", Some("d02.md")),
                ("d03", Some("d03.md"))
            ]
        );
        assert_eq!(count, 69, "70 in the union, less the page's own");
        let (first, count) = cov.related(["T2", "T9"].into_iter(), "d00", 12);
        assert_eq!(first.first(), Some(&("d50", Some("d50.md"))));
        assert_eq!(first.len(), 12);
        assert_eq!(count, 20);
        let (first, count) = cov.related(["T3"].into_iter(), "d05", 12);
        assert!(first.is_empty());
        assert_eq!(count, 0);
    }
}
