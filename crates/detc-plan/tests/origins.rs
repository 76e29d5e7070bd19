//! Each savedsearches.conf entry of a detection's stanza that copies a
//! YAML value points at that value in its file: the text at the entry's
//! origin, read as YAML, is the value (the search, the schedule, the risk
//! message, the prose), and the stanza's origin is the detection's name.

use detc_content::Project;
use detc_plan::Stanza;
use std::sync::Arc;

/// Keys whose value is the YAML value at their origin, as written.
const COPIED: &[&str] = &[
    "search",
    "cron_schedule",
    "dispatch.earliest_time",
    "dispatch.latest_time",
    "schedule_window",
    "action.risk.param._risk_message",
    "action.escu.creation_date",
];

/// The YAML text at `span` of the project's sources, as written.
fn text_at(p: &Project, span: detc_diag::Span) -> String {
    let f = p.sources.get(span.file);
    f.text[span.start..span.end].to_string()
}

/// `t` with every run of white space made one space.
fn words(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks every detection of `p`; returns how many entries were checked.
fn check(p: &Arc<Project>) -> usize {
    let cx = detc_plan::context_unchecked(p, detc_attack::Attack::embedded()).0;
    let mut checked = 0;
    for i in 0..cx.detections.len() {
        let s: Stanza = cx.detections.stanza(i).unwrap();
        let name_at = s
            .origin
            .expect("the stanza's origin is the detection's name");
        let d = cx.detections.get(i).unwrap();
        assert!(text_at(p, name_at).contains(&d.name), "[{}]", s.name);
        for key in COPIED {
            let Some(e) = s.entry(key) else { continue };
            if e.value.trim().is_empty() {
                continue;
            }
            let at = e
                .origin
                .unwrap_or_else(|| panic!("[{}] {key} has no origin", s.name));
            let yaml = words(&text_at(p, at));
            // The value's start is in the YAML text at its origin, spaces
            // aside (a block scalar indents it, a plain or quoted one folds
            // its lines).
            let first: String = words(&e.value).chars().take(30).collect();
            assert!(
                yaml.contains(&first),
                "[{}] {key}: {first:?} is not in the YAML at its origin: {yaml:?}",
                s.name
            );
            checked += 1;
        }
        // What detc sets alone has no origin.
        assert!(
            s.entry("action.escu.confidence")
                .is_some_and(|e| e.origin.is_none())
        );
    }
    checked
}

#[test]
fn stanza_entries_point_at_the_yaml_they_come_from() {
    let repo = detc_testkit::repo();
    for pack in ["build", "legacy4"] {
        let p = Arc::new(detc_content::load(
            &repo.join("tests/fixtures/packs").join(pack),
        ));
        assert!(check(&p) > 3, "{pack}");
    }
    if let Some(root) = detc_testkit::corpus("v4.42.0") {
        let p = Arc::new(detc_content::load(&root));
        // 1,711 detections: their search and schedule at least.
        assert!(check(&p) > 5000);
    }
}
