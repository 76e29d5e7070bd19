//! The stanzas of savedsearches.conf and analyticstories.conf, key by key:
//! the one place that decides which keys a detection's, a baseline's, a
//! response task's and an analytic story's stanza has, in which order, and
//! what each value is. The built-in templates write these stanzas as they
//! are; `detc snapshot` shows them; drift compares a deployed stanza with
//! them.
//!
//! Keys and their order follow contentctl 4.4.7's
//! `savedsearches_detections.j2`, `savedsearches_baselines.j2`,
//! `savedsearches_investigations.j2` and `analyticstories_*.j2` (ESCU's
//! layout, which Enterprise Security's Use Case Library reads); the keys
//! themselves are Splunk's (`savedsearches.conf.spec`, and ES's
//! `action.correlationsearch.*`, `action.notable.param.*` and
//! `action.risk.param.*` alert actions).
//!
//! Values are the logical text: a value with newlines is one entry; the
//! writer (`detc_conf::value_text`) continues its lines with `\`. JSON
//! values are written as [`json`] writes them.

use crate::{BaselineView, DetectionView, InvestigationView, LookupView, StoryView};
use detc_diag::Span;
use serde::Serialize;
use std::collections::BTreeMap;

/// One `key = value` line of a stanza.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The key, e.g. `action.risk.param._risk`.
    pub key: &'static str,
    /// The value as Splunk reads it, before `.conf` line continuation.
    pub value: String,
    /// Where the YAML writes what the value comes from (a detection's
    /// file, or its deployment's), when one place does; `None` for what
    /// detc sets alone.
    #[serde(skip)]
    pub origin: Option<Span>,
}

/// A stanza: `[name]` and its entries, in the order they are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stanza {
    /// The name between the brackets, e.g. `ESCU - Foo - Rule` or
    /// `analytic_story://Bar`.
    pub name: String,
    /// Its `key = value` lines; a key appears once.
    pub entries: Vec<Entry>,
    /// Where the YAML names the object the stanza is built from.
    #[serde(skip)]
    pub origin: Option<Span>,
}

impl Stanza {
    fn new(name: impl Into<String>) -> Stanza {
        Stanza {
            name: name.into(),
            entries: Vec::with_capacity(48),
            origin: None,
        }
    }

    fn set(&mut self, key: &'static str, value: impl Into<String>) {
        self.entries.push(Entry {
            key,
            value: value.into(),
            origin: None,
        });
    }

    fn json(&mut self, key: &'static str, value: &impl Serialize) {
        self.set(key, json(value));
    }

    /// Gives each entry, and the stanza, the origin `origins` names for
    /// its key (`"[name]"` for the stanza).
    fn locate(&mut self, origins: &[(&'static str, Span)]) {
        let of = |k: &str| origins.iter().find(|(o, _)| *o == k).map(|(_, s)| *s);
        self.origin = of("[name]");
        for e in &mut self.entries {
            e.origin = of(e.key);
        }
    }

    /// The entry of `key`, if the stanza has it.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The value of `key`, if the stanza has it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    }
}

/// A lookup's transforms.conf stanza: `filename` for a CSV file (and a
/// 4.x mlmodel's file), `collection`, `external_type = kvstore` and
/// `fields_list` for a KV store collection, then its optional keys in
/// [`detc_content::enums::LOOKUP_OPTIONS`] order; `None` for a 5.x mlmodel,
/// which has no stanza (contentctl 5.6.2's transforms.j2).
pub fn lookup(l: &LookupView) -> Option<Stanza> {
    let mut s = Stanza::new(l.name.as_str());
    match l.kind.as_str() {
        "csv" | "mlmodel" => s.set("filename", l.filename.clone()?),
        _ => {
            s.set("collection", l.name.as_str());
            s.set("external_type", "kvstore");
            s.set("fields_list", l.fields_list.as_str());
        }
    }
    for (k, v) in &l.options {
        if let Some(key) = detc_content::enums::LOOKUP_OPTIONS
            .iter()
            .find(|o| **o == k)
        {
            s.set(key, v.as_str());
        }
    }
    Some(s)
}

/// A value as JSON, the way Jinja's and minijinja's `tojson` filter write
/// it (and so contentctl's templates): compact, keys in the map's order,
/// with `<`, `>`, `&` and `'` as `\u003c`, `\u003e`, `\u0026` and `\u0027`.
pub fn json(value: &impl Serialize) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".to_string());
    if !text.contains(['<', '>', '&', '\'']) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\'' => out.push_str("\\u0027"),
            c => out.push(c),
        }
    }
    out
}

/// A detection's correlation search in savedsearches.conf. Takes the view
/// by value: its texts move into the stanza (the render builds one per
/// detection, and copies would double its allocations).
pub fn detection(d: DetectionView) -> Stanza {
    let mut s = Stanza::new(d.stanza);
    s.set("action.escu", "0");
    s.set("action.escu.enabled", "1");
    s.set("description", d.stated_description);
    s.json("action.escu.mappings", &d.mappings);
    s.json("action.escu.data_models", &d.data_models);
    s.set("action.escu.eli5", d.description);
    s.set("action.escu.how_to_implement", d.how_to_implement);
    s.set("action.escu.known_false_positives", d.known_false_positives);
    s.set("action.escu.creation_date", d.date.as_str());
    s.set("action.escu.modification_date", d.date);
    s.set("action.escu.confidence", "high");
    s.set("action.escu.search_type", "detection");
    if let Some(f) = d.full_search_name {
        s.set("action.escu.full_search_name", f);
    }
    s.json("action.escu.product", &d.product);
    if !d.atomic_red_team_guids.is_empty() {
        s.json(
            "action.escu.atomic_red_team_guids",
            &d.atomic_red_team_guids,
        );
    }
    s.json("action.escu.data_source", &d.data_source);
    s.json("action.escu.analytic_story", &d.analytic_story);
    if d.risk {
        s.set("action.risk", "1");
        s.set("action.risk.param._risk_message", d.risk_message);
        s.json("action.risk.param._risk", &d.risk_objects);
        s.set("action.risk.param._risk_score", "0");
        s.set("action.risk.param.verbose", "0");
    }
    schedule(&mut s, d.schedule);
    s.set("action.correlationsearch.enabled", "1");
    s.set("action.correlationsearch.detection_type", "ebd");
    s.set("action.correlationsearch.label", d.label);
    s.json("action.correlationsearch.annotations", &d.annotations);
    s.json("action.correlationsearch.metadata", &d.metadata);
    if let Some(n) = d.notable {
        s.set("action.notable", "1");
        s.set("action.notable.param.nes_fields", n.nes_fields);
        s.set("action.notable.param.rule_title", n.rule_title);
        s.set("action.notable.param.rule_description", n.rule_description);
        s.set("action.notable.param.security_domain", d.security_domain);
        s.set("action.notable.param.severity", d.severity);
    }
    if !d.drilldowns.is_empty() || d.empty_drilldowns {
        s.json("action.notable.param.drilldown_searches", &d.drilldowns);
    }
    if let Some(t) = d.throttling {
        s.set("alert.suppress", "1");
        s.set("alert.suppress.fields", t.fields);
        s.set("alert.suppress.period", t.period);
    }
    s.set("alert.digest_mode", "1");
    s.set("disabled", if d.disabled { "true" } else { "false" });
    s.set("enableSched", "1");
    s.set("allow_skew", "100%");
    s.set("counttype", "number of events");
    s.set("relation", "greater than");
    s.set("quantity", "0");
    s.set("realtime_schedule", "0");
    s.set("is_visible", "false");
    s.set("search", d.search);
    s.locate(&d.origins);
    s
}

fn schedule(s: &mut Stanza, sch: crate::ScheduleView) {
    s.set("cron_schedule", sch.cron_schedule);
    s.set("dispatch.earliest_time", sch.earliest_time);
    s.set("dispatch.latest_time", sch.latest_time);
    s.set("schedule_window", sch.schedule_window);
}

/// A baseline's saved search in savedsearches.conf (`search_type =
/// support`, installed disabled).
pub fn baseline(b: &BaselineView) -> Stanza {
    let mut s = Stanza::new(b.stanza.as_str());
    s.set("action.escu", "0");
    s.set("action.escu.enabled", "1");
    s.set("action.escu.search_type", "support");
    if let Some(f) = &b.full_search_name {
        s.set("action.escu.full_search_name", f.as_str());
    }
    s.set("action.escu.creation_date", b.date.as_str());
    s.set("action.escu.modification_date", b.date.as_str());
    s.json("action.escu.analytic_story", &b.analytic_story);
    s.json("action.escu.detections", &b.detections);
    s.json("action.escu.data_models", &b.data_models);
    s.set("description", b.description.as_str());
    s.set("action.escu.eli5", b.description.as_str());
    s.set("action.escu.how_to_implement", b.how_to_implement.as_str());
    schedule(&mut s, b.schedule.clone());
    s.set("enableSched", "1");
    s.set("disabled", "true");
    s.set("is_visible", "false");
    s.set("search", b.search.as_str());
    s
}

/// A response task's saved search in savedsearches.conf (`search_type =
/// investigative`, installed disabled), as contentctl 4.4.7 writes it.
pub fn investigation(r: &InvestigationView) -> Stanza {
    let mut s = Stanza::new(r.stanza.as_str());
    s.set("action.escu", "0");
    s.set("action.escu.enabled", "1");
    s.set("action.escu.search_type", "investigative");
    if let Some(f) = &r.full_search_name {
        s.set("action.escu.full_search_name", f.as_str());
    }
    s.set("description", r.description.as_str());
    s.set("action.escu.creation_date", r.date.as_str());
    s.set("action.escu.modification_date", r.date.as_str());
    s.json("action.escu.analytic_story", &r.analytic_story);
    s.set("action.escu.earliest_time_offset", "3600");
    s.set("action.escu.latest_time_offset", "86400");
    s.set("action.escu.providing_technologies", "[]");
    s.json("action.escu.data_models", &r.data_models);
    s.set("action.escu.eli5", r.description.as_str());
    s.set("action.escu.how_to_implement", "none");
    s.set("action.escu.known_false_positives", "None at this time");
    s.set("disabled", "true");
    s.set("schedule_window", "auto");
    s.set("is_visible", "false");
    s.set("search", r.search.as_str());
    s
}

/// The values of a detection that its analyticstories.conf stanza reads
/// (each computed without the rest of its view).
#[derive(Debug)]
pub struct UseCase<'a> {
    /// The savedsearches.conf stanza name.
    pub stanza: &'a str,
    /// `tags.asset_type`.
    pub asset_type: &'a str,
    /// The description (without a status note).
    pub description: &'a str,
    /// `how_to_implement`.
    pub how_to_implement: &'a str,
    /// `action.escu.mappings`.
    pub mappings: &'a BTreeMap<&'static str, Vec<String>>,
    /// `known_false_positives`.
    pub known_false_positives: &'a str,
    /// Data source names.
    pub data_source: &'a [String],
}

/// A detection's `savedsearch://` stanza of analyticstories.conf (ES's Use
/// Case Library).
pub fn detection_use_case(d: &UseCase<'_>) -> Stanza {
    let mut s = Stanza::new(format!("savedsearch://{}", d.stanza));
    s.set("type", "detection");
    s.set("asset_type", d.asset_type);
    s.set("confidence", "medium");
    s.set("explanation", d.description);
    s.set("how_to_implement", d.how_to_implement);
    s.json("annotations", d.mappings);
    s.set("known_false_positives", d.known_false_positives);
    s.json("data_source", &d.data_source);
    s
}

/// A baseline's `savedsearch://` stanza of analyticstories.conf.
pub fn baseline_use_case(b: &BaselineView) -> Stanza {
    let mut s = Stanza::new(format!("savedsearch://{}", b.stanza));
    s.set("type", "support");
    s.set("explanation", b.description.as_str());
    s
}

/// A response task's `savedsearch://` stanza of analyticstories.conf.
pub fn investigation_use_case(r: &InvestigationView) -> Stanza {
    let mut s = Stanza::new(format!("savedsearch://{}", r.stanza));
    s.set("type", "investigation");
    s.set("explanation", "none");
    s.set("how_to_implement", r.how_to_implement.as_str());
    s.set("known_false_positives", "not defined");
    s.set("earliest_time_offset", "14400");
    s.set("latest_time_offset", "0");
    s
}

/// An analytic story's `analytic_story://` stanza of analyticstories.conf.
pub fn story(st: &StoryView) -> Stanza {
    let mut s = Stanza::new(format!("analytic_story://{}", st.name));
    s.set("category", st.category.as_str());
    s.set("last_updated", st.date.as_str());
    s.set("version", st.version.to_string());
    s.json("references", &st.references);
    s.json("maintainers", &st.maintainers);
    s.set("spec_version", "3");
    s.json("searches", &st.searches);
    s.json("support", &st.baselines);
    s.set("description", st.description.as_str());
    s.set("narrative", st.narrative.as_str());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_what_jinja_tojson_escapes() {
        assert_eq!(
            json(&vec!["a<b>&'c\""]),
            r#"["a\u003cb\u003e\u0026\u0027c\""]"#
        );
        assert_eq!(
            json(&BTreeMap::from([("b", 1), ("a", 2)])),
            r#"{"a":2,"b":1}"#
        );
    }

    #[test]
    fn a_stanza_finds_its_keys() {
        let mut s = Stanza::new("x");
        s.set("a", "1");
        s.json("b", &vec!["y"]);
        assert_eq!(s.get("a"), Some("1"));
        assert_eq!(s.get("b"), Some(r#"["y"]"#));
        assert_eq!(s.get("c"), None);
    }
}
