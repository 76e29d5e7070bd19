//! Scaffolds for new content (`detc new`): a detection, analytic story,
//! macro, lookup or baseline in contentctl 5.x's format, with every
//! required field, a fresh UUID, the date given, contentctl's file-name rule
//! (`name` with spaces, `-`, `.` and `/` turned into `_`, lower case;
//! contentctl's `new` and `contentNameToFileName`) and, for a detection,
//! its `<file stem>_filter` macro as the search's last command.
//!
//! What only the author can write is a placeholder,
//! `TODO(detc new): <what to write>`, which `detc validate` reports
//! (`P006`) at its line until it is replaced. The rest is chosen so that
//! the file validates once the placeholders are filled: a detection's
//! search outputs `dest` and `user`, which its risk objects, risk message
//! and drilldowns use; TTP and Anomaly detections get risk-based alerting
//! and drilldowns, Correlation detections drilldowns only, Hunting
//! detections neither, as contentctl's `new` does.

use detc_content::enums::{
    ASSET_TYPES, DETECTION_TYPES, SECURITY_DOMAINS, STORY_CATEGORIES, STORY_USECASES,
};
use detc_content::naming::file_stem_for;
use detc_content::rules::PLACEHOLDER;

/// What to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `detections/<folder>/<stem>.yml`.
    Detection,
    /// `stories/<stem>.yml`.
    Story,
    /// `macros/<name>.yml`.
    Macro,
    /// `lookups/<stem>.yml` and its csv file `lookups/<stem>.csv`.
    Lookup,
    /// `baselines/<stem>.yml`.
    Baseline,
}

/// The author's answers: what contentctl's `new` asks interactively.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The object's name (required).
    pub name: String,
    /// UUID of the object (callers pass a fresh v4 UUID, [`fresh_id`]).
    pub id: String,
    /// Creation date, `YYYY-MM-DD` (callers pass today).
    pub date: String,
    /// `author`; a placeholder when `None`.
    pub author: Option<String>,
    /// Detection `type`: `TTP` (default), `Anomaly`, `Hunting` or `Correlation`.
    pub detection_type: Option<String>,
    /// Sub-folder of `detections/` (contentctl's "detection kind"):
    /// `endpoint` by default.
    pub folder: Option<String>,
    /// ATT&CK technique IDs (`tags.mitre_attack_id`).
    pub techniques: Vec<String>,
    /// Analytic stories (`tags.analytic_story`).
    pub stories: Vec<String>,
    /// Data sources (`data_source`).
    pub data_sources: Vec<String>,
    /// `tags.security_domain` of a detection or baseline: `endpoint` by default.
    pub security_domain: Option<String>,
    /// `tags.asset_type` of a detection: `Endpoint` by default.
    pub asset_type: Option<String>,
    /// A story's `tags.category`: `Adversary Tactics` by default.
    pub category: Option<String>,
    /// A macro's argument names (`arguments`).
    pub arguments: Vec<String>,
    /// A macro's `definition`; a placeholder when `None`.
    pub definition: Option<String>,
    /// A lookup's csv columns (required for a lookup).
    pub fields: Vec<String>,
    /// The detections a baseline feeds (`tags.detections`).
    pub detections: Vec<String>,
}

/// One file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    /// Path relative to the content root, `/`-separated.
    pub path: String,
    /// Its text.
    pub text: String,
}

/// A fresh random UUID (version 4), as contentctl's `new` gives
/// (`uuid.uuid4()`).
pub fn fresh_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A YAML single-quoted scalar: always a string, `'` doubled.
fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A placeholder value: `'TODO(detc new): <hint>'`.
fn todo(hint: &str) -> String {
    q(&format!("{PLACEHOLDER}: {hint}"))
}

fn list(out: &mut String, indent: &str, key: &str, items: &[String], placeholder: &str) {
    if items.is_empty() && placeholder.is_empty() {
        out.push_str(&format!("{indent}{key}: []\n"));
        return;
    }
    out.push_str(&format!("{indent}{key}:\n"));
    if items.is_empty() {
        out.push_str(&format!("{indent}- {}\n", todo(placeholder)));
    }
    for i in items {
        out.push_str(&format!("{indent}- {}\n", q(i)));
    }
}

const PRODUCTS: &str =
    "  product:\n  - Splunk Enterprise\n  - Splunk Enterprise Security\n  - Splunk Cloud\n";

fn one_of(what: &str, value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "`{value}` is not a {what}; use one of: {}",
            allowed.join(", ")
        ))
    }
}

fn header(out: &mut String, r: &Request) {
    out.push_str(&format!("name: {}\n", q(&r.name)));
    out.push_str(&format!("id: {}\n", r.id));
    out.push_str("version: 1\n");
    out.push_str(&format!("date: {}\n", q(&r.date)));
    match &r.author {
        Some(a) => out.push_str(&format!("author: {}\n", q(a))),
        None => out.push_str(&format!(
            "author: {}\n",
            todo("your name and organisation, e.g. Jane Doe, Example Corp")
        )),
    }
}

/// The files for `kind` from `r`.
///
/// # Errors
/// An empty or multi-line name, a value outside contentctl's allowed
/// values (detection type, security domain, asset type, story category),
/// a technique that is not `T####` or `T####.###`, a folder that is not one
/// plain name, a lookup without fields; each message says what to pass.
pub fn scaffold(kind: Kind, r: &Request) -> Result<Vec<NewFile>, String> {
    let name = r.name.trim();
    if name.is_empty() || name.contains(['\n', '\r']) {
        return Err("pass the object's name with --name (one line)".into());
    }
    let stem = file_stem_for(name);
    let domain = r.security_domain.as_deref().unwrap_or("endpoint");
    one_of("security domain", domain, SECURITY_DOMAINS)?;
    for t in &r.techniques {
        let b = t.as_bytes();
        let ok = (b.len() == 5 || b.len() == 9 && b[5] == b'.')
            && b[0] == b'T'
            && t[1..].bytes().all(|c| c.is_ascii_digit() || c == b'.');
        if !ok {
            return Err(format!(
                "`{t}` is not an ATT&CK technique ID; write T1059 or T1059.001"
            ));
        }
    }
    let mut out = String::new();
    header(&mut out, r);
    let files = match kind {
        Kind::Detection => {
            let ty = r.detection_type.as_deref().unwrap_or("TTP");
            one_of("detection type", ty, DETECTION_TYPES)?;
            let asset = r.asset_type.as_deref().unwrap_or("Endpoint");
            one_of("asset type", asset, ASSET_TYPES)?;
            let folder = r.folder.as_deref().unwrap_or("endpoint");
            if folder.is_empty() || folder.contains(['/', '\\']) || folder.starts_with('.') {
                return Err(format!(
                    "`{folder}` is not a folder name; pass one of detections/' sub-folders, e.g. endpoint, cloud, network"
                ));
            }
            detection(&mut out, r, ty, asset, domain, &stem);
            vec![NewFile {
                path: format!("detections/{folder}/{stem}.yml"),
                text: out,
            }]
        }
        Kind::Story => {
            let category = r.category.as_deref().unwrap_or("Adversary Tactics");
            one_of("story category", category, STORY_CATEGORIES)?;
            out.push_str("status: production\n");
            out.push_str(&format!(
                "description: {}\n",
                todo("what the story is about, in one or two sentences")
            ));
            out.push_str(&format!(
                "narrative: {}\n",
                todo("the threat, how its detections find it, and what an analyst does next")
            ));
            out.push_str("references: []\ntags:\n");
            out.push_str(&format!("  category:\n  - {}\n", q(category)));
            out.push_str(PRODUCTS);
            let usecase = "Advanced Threat Detection";
            debug_assert!(STORY_USECASES.contains(&usecase));
            out.push_str(&format!("  usecase: {usecase}\n"));
            vec![NewFile {
                path: format!("stories/{stem}.yml"),
                text: out,
            }]
        }
        Kind::Macro => {
            // A macro has only a name, a definition, a description and
            // arguments (contentctl's Macro model).
            out.clear();
            out.push_str(&format!("name: {}\n", q(name)));
            match &r.definition {
                Some(d) => out.push_str(&format!("definition: {}\n", q(d))),
                None if r.arguments.is_empty() => out.push_str(&format!(
                    "definition: {}\n",
                    todo("the SPL it expands to, e.g. index=main sourcetype=aws:cloudtrail")
                )),
                None => out.push_str(&format!(
                    "definition: {}\n",
                    todo(&format!(
                        "the SPL it expands to, using {}",
                        r.arguments
                            .iter()
                            .map(|a| format!("${a}$"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ))
                )),
            }
            out.push_str(&format!(
                "description: {}\n",
                todo("what it selects; say that users adapt it to their environment")
            ));
            if !r.arguments.is_empty() {
                list(&mut out, "", "arguments", &r.arguments, "");
            }
            vec![NewFile {
                path: format!("macros/{stem}.yml"),
                text: out,
            }]
        }
        Kind::Lookup => {
            if r.fields.is_empty() {
                return Err("pass each column of the lookup's csv file with --field".into());
            }
            out.push_str("lookup_type: csv\n");
            out.push_str(&format!(
                "description: {}\n",
                todo("what the lookup holds and who keeps it current")
            ));
            let mut csv = r.fields.join(",");
            csv.push('\n');
            vec![
                NewFile {
                    path: format!("lookups/{stem}.yml"),
                    text: out,
                },
                NewFile {
                    path: format!("lookups/{stem}.csv"),
                    text: csv,
                },
            ]
        }
        Kind::Baseline => {
            out.push_str("status: production\ntype: Baseline\n");
            out.push_str(&format!(
                "description: {}\n",
                todo("what the baseline records, and which detections read it")
            ));
            out.push_str(&format!(
                "search: {}\n",
                todo(
                    "the search that records the baseline (ending in outputlookup), e.g. sourcetype=xmlwineventlog EventCode=1 | stats count by dest"
                )
            ));
            out.push_str(&format!(
                "how_to_implement: {}\n",
                todo("the data it needs, and how often to run it")
            ));
            out.push_str(&format!(
                "known_false_positives: {}\n",
                todo("none, or what makes the baseline wrong")
            ));
            out.push_str("references: []\ntags:\n");
            list(
                &mut out,
                "  ",
                "analytic_story",
                &r.stories,
                "the analytic story it belongs to",
            );
            list(
                &mut out,
                "  ",
                "detections",
                &r.detections,
                "the name of a detection that reads the baseline",
            );
            out.push_str(PRODUCTS);
            out.push_str(&format!("  security_domain: {domain}\n"));
            vec![NewFile {
                path: format!("baselines/{stem}.yml"),
                text: out,
            }]
        }
    };
    Ok(files)
}

fn detection(out: &mut String, r: &Request, ty: &str, asset: &str, domain: &str, stem: &str) {
    out.push_str(&format!("status: production\ntype: {ty}\n"));
    out.push_str(&format!(
        "description: {}\n",
        todo("what the detection finds, and why it matters to an analyst")
    ));
    list(out, "", "data_source", &r.data_sources, "");
    // The search outputs dest and user: the risk objects, the risk message
    // and the drilldowns below use them.
    out.push_str(&format!(
        "search: {}\n",
        q(&format!(
            "{PLACEHOLDER}: the events to search, e.g. sourcetype=xmlwineventlog EventCode=1 | stats count min(_time) as firstTime max(_time) as lastTime by dest user | `{stem}_filter`"
        ))
    ));
    out.push_str(&format!(
        "how_to_implement: {}\n",
        todo("the data, add-ons and settings the search needs")
    ));
    out.push_str(&format!(
        "known_false_positives: {}\n",
        todo(&format!(
            "what else makes it fire, and how to filter it in the {stem}_filter macro"
        ))
    ));
    out.push_str("references: []\n");
    if matches!(ty, "TTP" | "Anomaly" | "Correlation") {
        out.push_str(concat!(
            "drilldown_searches:\n",
            "- name: View the detection results for - \"$dest$\" and \"$user$\"\n",
            "  search: '%original_detection_search% | search  dest = \"$dest$\" user = \"$user$\"'\n",
            "  earliest_offset: $info_min_time$\n",
            "  latest_offset: $info_max_time$\n",
            "- name: View risk events for the last 7 days for - \"$dest$\" and \"$user$\"\n",
            "  search: '| from datamodel Risk.All_Risk | search normalized_risk_object IN (\"$dest$\", \"$user$\") starthoursago=168",
            " | stats count min(_time) as firstTime max(_time) as lastTime values(search_name) as \"Search Name\"",
            " values(risk_message) as \"Risk Message\" values(analyticstories) as \"Analytic Stories\"",
            " values(annotations._all) as \"Annotations\" values(annotations.mitre_attack.mitre_tactic) as \"ATT&CK Tactics\"",
            " by normalized_risk_object'\n",
            "  earliest_offset: $info_min_time$\n",
            "  latest_offset: $info_max_time$\n",
        ));
    }
    if matches!(ty, "TTP" | "Anomaly") {
        out.push_str(&format!(
            "rba:\n  message: {}\n",
            todo("what happened, e.g. Suspicious process on $dest$ run by $user$")
        ));
        out.push_str(concat!(
            "  risk_objects:\n",
            "  - field: dest\n    type: system\n    score: 50\n",
            "  - field: user\n    type: user\n    score: 50\n",
            "  threat_objects: []\n",
        ));
    }
    out.push_str("tags:\n");
    list(
        out,
        "  ",
        "analytic_story",
        &r.stories,
        "the analytic story it belongs to",
    );
    out.push_str(&format!("  asset_type: {}\n", q(asset)));
    list(
        out,
        "  ",
        "mitre_attack_id",
        &r.techniques,
        "the ATT&CK technique it detects, e.g. T1059.001",
    );
    out.push_str(PRODUCTS);
    out.push_str(&format!("  security_domain: {domain}\n"));
    out.push_str(&format!(
        "tests:\n- name: True Positive Test\n  attack_data:\n  - data: {}\n    source: {}\n    sourcetype: {}\n",
        todo("the URL or path of a log file on which the detection fires"),
        todo("the source of that data, e.g. XmlWinEventLog:Microsoft-Windows-Sysmon/Operational"),
        todo("its sourcetype, e.g. XmlWinEventLog"),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(name: &str) -> Request {
        Request {
            name: name.into(),
            id: "00000000-0000-4000-8000-000000000000".into(),
            date: "2026-11-27".into(),
            ..Request::default()
        }
    }

    #[test]
    fn file_names_follow_contentctl() {
        let f = scaffold(
            Kind::Detection,
            &req("Windows Rundll32 - Odd.Child/Process"),
        )
        .unwrap();
        assert_eq!(
            f[0].path,
            "detections/endpoint/windows_rundll32___odd_child_process.yml"
        );
        assert!(
            f[0].text
                .contains("`windows_rundll32___odd_child_process_filter`")
        );
    }

    #[test]
    fn hunting_detections_have_no_rba_or_drilldowns() {
        let mut r = req("Hunt For X");
        r.detection_type = Some("Hunting".into());
        let t = &scaffold(Kind::Detection, &r).unwrap()[0].text;
        assert!(
            !t.contains("rba:") && !t.contains("drilldown_searches:"),
            "{t}"
        );
        r.detection_type = Some("Correlation".into());
        let t = &scaffold(Kind::Detection, &r).unwrap()[0].text;
        assert!(
            !t.contains("rba:") && t.contains("drilldown_searches:"),
            "{t}"
        );
    }

    #[test]
    fn bad_answers_say_what_to_pass() {
        let mut r = req("X");
        r.detection_type = Some("ttp".into());
        let e = scaffold(Kind::Detection, &r).unwrap_err();
        assert!(
            e.contains("use one of: TTP, Anomaly, Hunting, Correlation"),
            "{e}"
        );
        let mut r = req("X");
        r.techniques = vec!["1059".into()];
        assert!(
            scaffold(Kind::Detection, &r)
                .unwrap_err()
                .contains("T1059.001")
        );
        assert!(
            scaffold(Kind::Lookup, &req("L"))
                .unwrap_err()
                .contains("--field")
        );
        assert!(
            scaffold(Kind::Story, &req(" "))
                .unwrap_err()
                .contains("--name")
        );
        let mut r = req("X");
        r.folder = Some("../x".into());
        assert!(scaffold(Kind::Detection, &r).is_err());
    }

    #[test]
    fn quotes_in_answers_stay_yaml_strings() {
        let mut r = req("O'Brien's: detection");
        r.author = Some("O'Brien, #1".into());
        let t = &scaffold(Kind::Detection, &r).unwrap()[0].text;
        assert!(t.starts_with("name: 'O''Brien''s: detection'\n"), "{t}");
        assert!(t.contains("author: 'O''Brien, #1'\n"), "{t}");
    }

    #[test]
    fn fresh_ids_are_random_v4_uuids() {
        let (a, b) = (fresh_id(), fresh_id());
        assert_ne!(a, b);
        assert_eq!(uuid::Uuid::parse_str(&a).unwrap().get_version_num(), 4);
    }
}
