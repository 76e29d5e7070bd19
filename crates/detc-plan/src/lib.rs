//! The compiled plan of a Splunk app: every value the app's files hold,
//! decided once from a validated [`Project`], so that what renders it
//! (`detc build`'s templates, `detc docs`, `detc snapshot`) only lays it out
//! and none re-derives what a detection means in Splunk.
//!
//! [`context`] builds the [`Context`]: the app, each detection's
//! [`DetectionView`] (its stanza name, schedule, risk and threat objects,
//! notable, drilldowns, annotations), baselines, stories, response tasks,
//! macros and lookups. The savedsearches.conf and analyticstories.conf
//! stanzas, key by key, are [`Stanza`]s from [`conf`]: the built-in
//! templates write them as they are, and snapshots show them without
//! reading a rendered file back. Detections' views are computed as they
//! are read ([`Detections`]); the rest once.
//!
//! Computed values follow contentctl 5.6 (`detection_abstract.py`,
//! `rba.py`, `story.py`) for 5.x content and the contentctl of the
//! content's era for 4.x content (`detc_content::era`; see `docs/build.md`
//! for where detc differs): severity from the highest risk score, NIST from
//! the type, `cis20` = `CIS 10`, annotations with sorted keys, risk and
//! threat objects sorted, `%original_detection_search%` filled in
//! drilldowns, the deployment named `ESCU Default Configuration <type>` when
//! a detection has no inline one.

pub mod conf;

pub use conf::{Entry, Stanza};

use detc_attack::Attack;
use detc_content::Project;
use detc_content::enums::{LookupType, Status};
use detc_content::era::Feature;
use detc_content::model::Format;
use detc_content::model::{Deployment, Detection, Lookup};
use detc_content::naming::{file_stem_for, rule_stanza};
use detc_yaml::Spanned;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A value of the content that cannot be written into the app: the message
/// names the object and its file, the field, and what Splunk would read
/// instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    /// What is wrong.
    pub message: String,
}

impl PlanError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> PlanError {
        PlanError {
            message: message.into(),
        }
    }
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PlanError {}

/// The detections as the templates see them, in name order. Each
/// [`DetectionView`] is built when it is read and dropped after, so that
/// the context holds no second copy of the content: views held for the
/// whole render cost 11 KiB a detection (14 MiB for 1,300), more than the
/// decoded content itself. Building one takes microseconds.
pub struct Detections {
    project: Arc<Project>,
    attack: &'static Attack,
    /// Indexes into `project.content.detections`, sorted by name (ties in
    /// load order).
    order: Vec<usize>,
}

impl Detections {
    /// How many detections there are.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The view of the `i`th detection in name order; `None` past the end.
    /// Values that cannot be written are left to [`Detections::errors`].
    pub fn get(&self, i: usize) -> Option<DetectionView> {
        let d = self.project.content.detections.get(*self.order.get(i)?)?;
        Some(detection_view(&self.project, self.attack, d))
    }

    /// The field `key` of the `i`th detection's view, computed without
    /// building the rest of the view, for the fields that are cheap on
    /// their own (name, stanza, the prose fields, asset type, security
    /// domain, data sources, mappings); `None` for other keys and past the
    /// end. Equal to the same field of
    /// [`Detections::get`] (a test checks every one on real content).
    pub fn field(&self, i: usize, key: &str) -> Option<Field> {
        let d = self.project.content.detections.get(*self.order.get(i)?)?;
        field(&self.project, d, key)
    }

    /// The savedsearches.conf stanza of the `i`th detection in name order
    /// ([`conf::detection`] of its view); `None` past the end.
    pub fn stanza(&self, i: usize) -> Option<Stanza> {
        self.get(i).map(conf::detection)
    }

    /// The analyticstories.conf `savedsearch://` stanza of the `i`th
    /// detection in name order, computed without building its whole view;
    /// `None` past the end.
    pub fn use_case(&self, i: usize) -> Option<Stanza> {
        let d = self.project.content.detections.get(*self.order.get(i)?)?;
        let stanza = rule_stanza(&self.project.config.app.label, d.common.name());
        let (description, how_to_implement, known_false_positives) = (
            prose(&d.common.description),
            prose(&d.how_to_implement),
            prose(&d.known_false_positives),
        );
        let mappings = mappings(d);
        let data_source = list(&d.data_source);
        Some(conf::detection_use_case(&conf::UseCase {
            stanza: &stanza,
            asset_type: d.tags.asset_type.as_ref().map_or("", |v| v.value.as_str()),
            description: &description,
            how_to_implement: &how_to_implement,
            mappings: &mappings,
            known_false_positives: &known_false_positives,
            data_source: &data_source,
        }))
    }

    /// Every value of every detection that cannot be written (a stanza
    /// name or a `.conf` value Splunk would read differently), each naming
    /// the detection and its file, in name order.
    pub fn errors(&self) -> Vec<PlanError> {
        let mut errors = Vec::new();
        for &i in &self.order {
            if let Some(d) = self.project.content.detections.get(i) {
                detection_errors(&self.project, d, &mut errors);
            }
        }
        errors
    }

    /// Every view, in name order.
    pub fn iter(&self) -> impl Iterator<Item = DetectionView> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

impl std::fmt::Debug for Detections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} detections]", self.len())
    }
}

impl Serialize for Detections {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.iter())
    }
}

/// Everything the templates see.
#[derive(Debug, Serialize)]
pub struct Context {
    /// The app (`contentctl.yml` `app:`).
    pub app: AppView,
    /// Detections, sorted by name, each view built as it is read.
    pub detections: Detections,
    /// Baselines, sorted by name.
    pub baselines: Vec<BaselineView>,
    /// Analytic stories, sorted by name.
    pub stories: Vec<StoryView>,
    /// Macros from `macros/` plus the filter macros detections lack
    /// (created as `search *`, as contentctl does), sorted by stanza.
    pub macros: Vec<MacroView>,
    /// Lookups, sorted by name.
    pub lookups: Vec<LookupView>,
    /// Response tasks, sorted by name.
    pub investigations: Vec<InvestigationView>,
    /// The version of detc that wrote the app.
    pub detc_version: &'static str,
}

/// The app's identity.
#[derive(Debug, Serialize)]
pub struct AppView {
    /// Splunkbase uid, if any.
    pub uid: Option<i64>,
    /// Title shown in Splunk.
    pub title: String,
    /// App folder name and `[package] id`.
    pub appid: String,
    /// Version (`[id] version`, `[launcher] version`).
    pub version: String,
    /// Description.
    pub description: String,
    /// Label used in stanza names.
    pub label: String,
    /// Author name, email and company.
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// Author company.
    pub author_company: String,
    /// The custom `.conf` files the app ships (Splunk has no spec of its
    /// own for them: `analyticstories`, `content-version`,
    /// `es_investigations`, and those of `app_template/default/` such as
    /// ESCU's `use_case_library`), sorted: each gets an app.conf reload
    /// trigger and a server.conf `conf_replication_include`, which
    /// AppInspect requires and search head clusters need.
    pub custom_confs: Vec<String>,
    /// app.conf `[triggers]`: every custom conf, and the custom conf types
    /// that `app_template/metadata/default.meta` sets permissions on
    /// (ESCU's `correlationsearches`, `governance`...), which AppInspect
    /// asks a reload trigger for; sorted.
    pub reload_triggers: Vec<String>,
    /// Whether a search calls the `firstseen` command
    /// ([`detc_content::model::Content::uses_command`]): only then does the
    /// app define it (commands.conf, searchbnf.conf, its permissions).
    pub ships_firstseen: bool,
}

/// A scheduled search's schedule, from its deployment.
#[derive(Debug, Serialize, Clone, Default)]
pub struct ScheduleView {
    /// `cron_schedule`.
    pub cron_schedule: String,
    /// `dispatch.earliest_time` (a relative time modifier).
    pub earliest_time: String,
    /// `dispatch.latest_time`.
    pub latest_time: String,
    /// `schedule_window` (minutes or `auto`).
    pub schedule_window: String,
}

/// ES notable settings, when the deployment asks for notables.
#[derive(Debug, Serialize)]
pub struct NotableView {
    /// `action.notable.param.rule_title`, `%field%` placeholders filled.
    pub rule_title: String,
    /// `action.notable.param.rule_description`, placeholders filled.
    pub rule_description: String,
    /// `action.notable.param.nes_fields`, comma-separated.
    pub nes_fields: String,
}

/// Throttling (`alert.suppress.*`).
#[derive(Debug, Serialize)]
pub struct ThrottlingView {
    /// Fields, comma-separated.
    pub fields: String,
    /// Period, e.g. `86400s`.
    pub period: String,
}

/// One drilldown search, as ES reads it from
/// `action.notable.param.drilldown_searches` (keys in JSON order).
#[derive(Debug, Serialize)]
pub struct DrilldownView {
    /// Earliest time token, e.g. `$info_min_time$`.
    pub earliest_offset: Option<String>,
    /// Latest time token.
    pub latest_offset: Option<String>,
    /// Title shown to the analyst.
    pub name: String,
    /// The search, `%original_detection_search%` replaced.
    pub search: String,
}

/// A detection, as its correlation search.
#[derive(Debug, Serialize)]
pub struct DetectionView {
    /// The detection's name.
    pub name: String,
    /// savedsearches.conf stanza: `<label> - <name> - Rule`.
    pub stanza: String,
    /// `action.correlationsearch.label`: the stanza, or for a 4.x reference
    /// before [`Feature::PlainLabel`] `<label> - Deprecated - <name> - Rule`
    /// (`- Experimental -` for experimental, `- RIR -` for Correlation).
    pub label: String,
    /// `action.escu.full_search_name` (the stanza), only when the 4.x
    /// reference writes it ([`Feature::NoFullSearchName`]).
    pub full_search_name: Option<String>,
    /// UUID.
    pub id: String,
    /// Version (integer).
    pub version: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Author line.
    pub author: String,
    /// `production`, `experimental` or `deprecated`.
    pub status: String,
    /// `TTP`, `Anomaly`, `Hunting` or `Correlation`.
    pub kind: String,
    /// Description.
    pub description: String,
    /// `description` of savedsearches.conf: the description after the
    /// experimental or deprecated warning, if any.
    pub stated_description: String,
    /// The SPL search.
    pub search: String,
    /// How to implement.
    pub how_to_implement: String,
    /// Known false positives.
    pub known_false_positives: String,
    /// Reference URLs.
    pub references: Vec<String>,
    /// `tags.security_domain`.
    pub security_domain: String,
    /// `tags.asset_type`.
    pub asset_type: String,
    /// `tags.product`.
    pub product: Vec<String>,
    /// `tags.atomic_guid`: the Atomic Red Team tests that exercise the
    /// detection, as lowercase hyphenated UUIDs (contentctl writes
    /// `str(uuid.UUID(...))`); empty when there are none.
    pub atomic_red_team_guids: Vec<String>,
    /// Analytic story names, sorted.
    pub analytic_story: Vec<String>,
    /// Data source names.
    pub data_source: Vec<String>,
    /// CIM data models named in the search (contentctl's substring rule).
    pub data_models: Vec<String>,
    /// `{cis20, mitre_attack, nist}` (action.escu.mappings).
    pub mappings: BTreeMap<&'static str, Vec<String>>,
    /// action.correlationsearch.annotations, keys sorted.
    pub annotations: BTreeMap<&'static str, Value>,
    /// action.correlationsearch.metadata.
    pub metadata: BTreeMap<&'static str, Value>,
    /// ATT&CK technique ids.
    pub mitre_attack: Vec<String>,
    /// ATT&CK tactics of those techniques (names), sorted.
    pub tactics: Vec<String>,
    /// `informational`, `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// `disabled` (from `enabled_by_default`).
    pub disabled: bool,
    /// Schedule, from the deployment.
    pub schedule: ScheduleView,
    /// Whether the deployment turns risk-based alerting on and the detection
    /// has `rba:`.
    pub risk: bool,
    /// The risk message.
    pub risk_message: String,
    /// Risk objects then threat objects, as ES's `_risk` JSON.
    pub risk_objects: Vec<Value>,
    /// Notable settings, when the deployment has `alert_action.notable`.
    pub notable: Option<NotableView>,
    /// Drilldown searches.
    pub drilldowns: Vec<DrilldownView>,
    /// Whether `action.notable.param.drilldown_searches` is written when
    /// there are none (`[]`): for 4.x content built as contentctl 4.4.0 or
    /// later, whose template writes it for every detection.
    pub empty_drilldowns: bool,
    /// Throttling, if any.
    pub throttling: Option<ThrottlingView>,
    /// Where in the YAML each savedsearches.conf key of its stanza comes
    /// from (`"search"`, `"cron_schedule"`, ...; the stanza's own name as
    /// `"[name]"`): the detection's file, or its deployment's for the
    /// schedule and the notable. Keys set by detc alone have none.
    #[serde(skip)]
    pub origins: Vec<(&'static str, detc_diag::Span)>,
}

/// A baseline search.
#[derive(Debug, Serialize)]
pub struct BaselineView {
    /// Name.
    pub name: String,
    /// Stanza: `<label> - <name>`.
    pub stanza: String,
    /// UUID.
    pub id: String,
    /// Description (also `action.escu.eli5`, as contentctl writes it).
    pub description: String,
    /// `action.escu.how_to_implement` (`none` when the YAML has none).
    pub how_to_implement: String,
    /// `action.escu.data_models`: a 4.x baseline's `datamodel` list (JSON
    /// `null` when absent, as contentctl 4.4.7 writes `None`); for 5.x the
    /// CIM data models named in the search (contentctl 5.6.2's rule).
    pub data_models: Value,
    /// `action.escu.full_search_name` (the stanza), only when the 4.x
    /// reference writes it ([`Feature::NoFullSearchName`]).
    pub full_search_name: Option<String>,
    /// The search.
    pub search: String,
    /// Analytic stories.
    pub analytic_story: Vec<String>,
    /// Stanzas of the detections it supports.
    pub detections: Vec<String>,
    /// Schedule, from its deployment.
    pub schedule: ScheduleView,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// An analytic story.
#[derive(Debug, Serialize)]
pub struct StoryView {
    /// Name.
    pub name: String,
    /// UUID.
    pub id: String,
    /// Version.
    pub version: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// First category (contentctl writes only the first).
    pub category: String,
    /// Description.
    pub description: String,
    /// Narrative.
    pub narrative: String,
    /// Reference URLs.
    pub references: Vec<String>,
    /// `[{company, email, name}]`, from the author line (name before the
    /// first comma, company after it; contentctl `story.py`).
    pub maintainers: Vec<BTreeMap<&'static str, String>>,
    /// Stanzas of its detections, sorted.
    pub searches: Vec<String>,
    /// Stanzas of its baselines, sorted.
    pub baselines: Vec<String>,
}

/// A response task (`investigations/`), as contentctl 4.4.7 writes it:
/// a `<label> - <name> - Response Task` saved search, its
/// `analyticstories.conf` stanza and, when the search has `$token$`
/// inputs, an ES workbench panel.
#[derive(Debug, Serialize)]
pub struct InvestigationView {
    /// `<label> - <name> - Response Task`.
    pub stanza: String,
    /// `action.escu.full_search_name` (the stanza), only when the 4.x
    /// reference writes it ([`Feature::NoFullSearchName`]).
    pub full_search_name: Option<String>,
    /// Its YAML file, relative to the content root (`/`-separated).
    #[serde(skip)]
    pub path: String,
    /// Name.
    pub name: String,
    /// contentctl's `lowercase_name` (spaces, `-`, `.`, `/` to `_`,
    /// lower case): the panel is `workbench_panel_<it>___response_task`.
    pub lowercase_name: String,
    /// Description.
    pub description: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Story names, sorted.
    pub analytic_story: Vec<String>,
    /// `datamodel`.
    pub data_models: Vec<String>,
    /// `how_to_implement`.
    pub how_to_implement: String,
    /// The search.
    pub search: String,
    /// `$token$` inputs of the search (ES workbench tokens), each once.
    pub inputs: Vec<String>,
    /// The workbench panel's `tokens` (JSON, one entry per input: `user`
    /// takes an identity, `dest` an asset, anything else a file value, as
    /// contentctl 4.4.7's `es_investigations_investigations.j2`).
    pub tokens: String,
}

/// The ES workbench `tokens` JSON of a response task's inputs.
fn workbench_tokens(inputs: &[String]) -> String {
    let mut m = serde_json::Map::new();
    for t in inputs {
        let value = match t.as_str() {
            "user" => "identity",
            "dest" => "asset",
            _ => "file",
        };
        m.insert(
            t.clone(),
            json!({
                "valuePrefix": "\"",
                "valueSuffix": "\"",
                "delimiter": format!(" OR {t}="),
                "valueType": "primitive",
                "value": value,
                "default": "null",
            }),
        );
    }
    serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default()
}

/// A macro.
#[derive(Debug, Serialize)]
pub struct MacroView {
    /// Stanza: `name` or `name(N)` with N arguments.
    pub stanza: String,
    /// Arguments, comma-separated (`args`), empty when none.
    pub args: String,
    /// Definition.
    pub definition: String,
    /// Description.
    pub description: String,
}

/// A lookup.
#[derive(Debug, Serialize)]
pub struct LookupView {
    /// Name (the transforms.conf stanza).
    pub name: String,
    /// `csv`, `kvstore` or `mlmodel`.
    pub kind: String,
    /// Description.
    pub description: String,
    /// For csv: the file name in the app's `lookups/`
    /// (`<name>_<YYYYMMDD>.csv` from the lookup's date, as contentctl;
    /// `<name>.csv`, the file the command writes, for `written_by: firstseen`).
    /// For a 4.x mlmodel: its file, which gets a transforms.conf stanza as in
    /// contentctl 4.4.7; `None` for a 5.x one (no stanza, as 5.6.2).
    pub filename: Option<String>,
    /// For kvstore: `_key` then the other fields, comma-separated.
    pub fields_list: String,
    /// For kvstore: `(field, type)` for collections.conf `field.<name>`;
    /// every field is `string` unless the lookup says otherwise.
    pub field_types: Vec<(String, String)>,
    /// Optional transforms.conf keys (`default_match`, `match_type`,
    /// `min_matches`, `max_matches`, `case_sensitive_match`), in that order.
    pub options: Vec<(String, String)>,
    /// What writes the file at run time (`firstseen`), if not the app.
    pub written_by: Option<String>,
    /// Content file to copy into `lookups/` (relative to the content root)
    /// and the name it gets there.
    #[serde(skip)]
    pub copy: Option<(String, String)>,
}

fn s(v: &Option<Spanned<String>>) -> String {
    v.as_ref().map(|v| v.value.clone()).unwrap_or_default()
}

/// Prefix of an experimental detection's `description` (contentctl's
/// `EXPERIMENTAL_TEMPLATE`; `eli5` keeps the plain text).
pub const EXPERIMENTAL_NOTE: &str = "**WARNING**, this detection is marked **EXPERIMENTAL** by the Splunk Threat Research Team. This means that the detection has been manually tested but we do not have the associated attack data to perform automated testing or cannot share this attack dataset due to its sensitive nature. If you have any questions feel free to email us at: research@splunk.com. ";

/// Prefix of a deprecated detection's `description` (contentctl's
/// `DEPRECATED_TEMPLATE`).
pub const DEPRECATED_NOTE: &str = "**WARNING**, this detection has been marked **DEPRECATED** by the Splunk Threat Research Team. This means that it will no longer be maintained or supported. If you have any questions feel free to email us at: research@splunk.com. ";

/// Prose (descriptions, narratives, how to implement, false positives) as
/// written to a `.conf`: a line that ends with a backslash gets a space
/// after it, so that splunkd keeps the backslash instead of reading a
/// continuation (security_content writes such backslashes as line-break
/// marks in narratives). Searches are never changed: there a backslash
/// escapes, and a line ending with one is an error.
fn prose(v: &Option<Spanned<String>>) -> String {
    let text = s(v);
    if !text.contains("\\\n") {
        return text;
    }
    text.replace("\\\n", "\\ \n")
}

/// The CIM data models whose name the search contains (contentctl's
/// substring rule, `DataModel` in `objects/enums.py`).
fn data_models_of(search: &str) -> Vec<String> {
    detc_content::enums::DATA_MODELS
        .iter()
        .filter(|m| search.contains(*m))
        .map(|m| m.to_string())
        .collect()
}

fn list(v: &[Spanned<String>]) -> Vec<String> {
    v.iter().map(|x| x.value.clone()).collect()
}

/// Severity from the highest risk score (contentctl `severity`).
pub fn severity(max_score: Option<i64>) -> &'static str {
    match max_score {
        None => "high",
        Some(s) if s <= 20 => "informational",
        Some(s) if s <= 40 => "low",
        Some(s) if s <= 60 => "medium",
        Some(s) if s <= 80 => "high",
        Some(_) => "critical",
    }
}

fn schedule(d: Option<&Deployment>) -> ScheduleView {
    match d {
        None => ScheduleView::default(),
        Some(d) => ScheduleView {
            cron_schedule: s(&d.scheduling.cron_schedule),
            earliest_time: s(&d.scheduling.earliest_time),
            latest_time: s(&d.scheduling.latest_time),
            schedule_window: s(&d.scheduling.schedule_window),
        },
    }
}

/// Fills `%field%` placeholders of a notable title or description from the
/// detection (contentctl's `custom_jinja2_enrichment_filter`); unknown
/// placeholders stay as written.
fn fill(text: &str, d: &Detection) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(a) = rest.find('%') {
        out.push_str(&rest[..a]);
        let after = &rest[a + 1..];
        let Some(b) = after.find('%') else {
            out.push_str(&rest[a..]);
            return out;
        };
        let key = &after[..b];
        let v = match key {
            "name" => Some(d.common.name().to_string()),
            "description" => Some(s(&d.common.description)),
            "how_to_implement" => Some(s(&d.how_to_implement)),
            "known_false_positives" => Some(s(&d.known_false_positives)),
            "type" => Some(s(&d.kind)),
            "id" => Some(s(&d.common.id)),
            "author" => Some(s(&d.common.author)),
            "security_domain" => Some(s(&d.tags.security_domain)),
            "asset_type" => Some(s(&d.tags.asset_type)),
            _ => None,
        };
        match v {
            Some(v) => {
                out.push_str(&v);
                rest = &after[b + 1..];
            }
            None => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Checks that a text can be a `.conf` value, naming the object, its file
/// and the field.
fn conf_ok(errors: &mut Vec<PlanError>, what: &str, file: &str, field: &str, value: &str) {
    if let Err(m) = detc_conf::check_value(value) {
        errors.push(PlanError::new(format!(
            "{what} (`{file}`): `{field}` cannot be written to a .conf file: {m}"
        )));
    }
}

fn stanza_ok(errors: &mut Vec<PlanError>, what: &str, file: &str, stanza: &str) {
    if let Err(m) = detc_conf::check_stanza_name(stanza) {
        errors.push(PlanError::new(format!(
            "{what} (`{file}`): the stanza [{stanza}] is invalid: {m}"
        )));
    }
}

fn publish_time(date: &str) -> Value {
    match date.parse::<jiff::civil::Date>() {
        Ok(d) => match d.to_zoned(jiff::tz::TimeZone::UTC) {
            Ok(z) => json!(z.timestamp().as_second() as f64),
            Err(_) => Value::Null,
        },
        Err(_) => Value::Null,
    }
}

/// The view of one detection. With `errors`, every value of it that cannot
/// be written is pushed there; without, the values are not checked (the
/// templates read views whose values [`Detections::errors`] checks once).
/// `search` with `update=false` added to each `firstseen` command that does
/// not set `update=`: a drilldown re-runs the detection's search for an
/// analyst, and must read the first-seen state, not change it (a run over
/// another time range would also not report the key again).
pub fn read_only_firstseen(search: &str) -> String {
    let mut out = search.to_string();
    // Command names are matched without regard to case, as below.
    if !search
        .as_bytes()
        .windows(9)
        .any(|w| w.eq_ignore_ascii_case(b"firstseen"))
    {
        return out;
    }
    let cmds = detc_spl::split_pipeline(search);
    for c in cmds.iter().rev().filter(|c| c.name == "firstseen") {
        let has_update = detc_spl::split_words(c.args)
            .iter()
            .any(|t| t.text.to_ascii_lowercase().starts_with("update="));
        if !has_update {
            out.insert_str(c.start + c.text.len(), " update=false");
        }
    }
    out
}

/// What a detection's correlation search does when it runs and fires, as
/// savedsearches.conf gets it (the same values as its [`DetectionView`]):
/// for pages that describe the alert without building the whole view.
#[derive(Debug)]
pub struct AlertView {
    /// Schedule, from the deployment.
    pub schedule: ScheduleView,
    /// `disabled` (from `enabled_by_default`).
    pub disabled: bool,
    /// `informational`, `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// Whether the deployment turns risk-based alerting on and the
    /// detection has `rba:`.
    pub risk: bool,
    /// The risk message (also when `risk` is false).
    pub risk_message: String,
    /// Notable settings, when the deployment has `alert_action.notable`.
    pub notable: Option<NotableView>,
    /// Drilldown searches, `%original_detection_search%` filled.
    pub drilldowns: Vec<DrilldownView>,
    /// Throttling, if any.
    pub throttling: Option<ThrottlingView>,
}

/// The [`AlertView`] of `d`.
pub fn alert(p: &Project, d: &Detection) -> AlertView {
    let kind = s(&d.kind);
    let deployment = p.content.deployment_for(d.deployment.as_ref(), &kind);
    let max_score = d.rba.as_ref().and_then(|r| {
        r.risk_objects
            .iter()
            .filter_map(|o| o.score.as_ref().map(|v| v.value))
            .max()
    });
    let rba_on = deployment.is_some_and(|dep| dep.rba_enabled);
    let notable = deployment
        .and_then(|dep| dep.notable.as_ref())
        .map(|n| NotableView {
            rule_title: notable_title(fill(&s(&n.rule_title), d), d),
            rule_description: fill(&s(&n.rule_description), d),
            nes_fields: list(&n.nes_fields).join(","),
        });
    // The detection's search as drilldowns run it: made once per detection,
    // not once per drilldown.
    let original = if d.drilldowns.is_empty() {
        String::new()
    } else {
        read_only_firstseen(&s(&d.search))
    };
    let drilldowns = d
        .drilldowns
        .iter()
        .map(|x| DrilldownView {
            earliest_offset: x.earliest_offset.as_ref().map(|v| v.value.clone()),
            latest_offset: x.latest_offset.as_ref().map(|v| v.value.clone()),
            name: s(&x.name),
            search: s(&x.search).replace("%original_detection_search%", &original),
        })
        .collect();
    AlertView {
        schedule: schedule(deployment),
        disabled: !d.enabled_by_default.as_ref().is_some_and(|e| e.value),
        // contentctl 4.4.7 rates a 4.x detection by its computed score
        // (`DetectionTags.severity`), whatever its observables; before 4.4.0
        // every notable was `high`.
        severity: match &d.legacy {
            Some(_) if !p.reference.has(Feature::NotableSeverity) => "high",
            Some(l) => severity(l.computed_score().or(max_score)),
            None => severity(max_score),
        }
        .to_string(),
        risk: rba_on && d.rba.is_some(),
        risk_message: d.rba.as_ref().map(|r| s(&r.message)).unwrap_or_default(),
        notable,
        drilldowns,
        throttling: d.tags.throttling.as_ref().map(|t| ThrottlingView {
            fields: list(&t.fields).join(","),
            period: s(&t.period),
        }),
    }
}

/// The values of `d`'s [`DetectionView`] that cannot be written (its
/// stanza name, then its `.conf` values in the view's order), computed
/// with the same functions as the view but without the rest of it.
fn detection_errors(p: &Project, d: &Detection, errors: &mut Vec<PlanError>) {
    let name = d.common.name();
    let file = d.common.path.as_str();
    let what = format!("detection `{name}`");
    stanza_ok(errors, &what, file, &rule_stanza(&p.config.app.label, name));
    for (field, v) in [
        ("description", prose(&d.common.description)),
        ("search", s(&d.search)),
        ("how_to_implement", prose(&d.how_to_implement)),
        ("known_false_positives", prose(&d.known_false_positives)),
    ] {
        conf_ok(errors, &what, file, field, &v);
    }
    let alert = alert(p, d);
    if alert.risk {
        conf_ok(errors, &what, file, "rba.message", &alert.risk_message);
    }
    if let Some(n) = &alert.notable {
        conf_ok(errors, &what, file, "notable rule_title", &n.rule_title);
        conf_ok(
            errors,
            &what,
            file,
            "notable rule_description",
            &n.rule_description,
        );
    }
}

fn detection_view(p: &Project, attack: &Attack, d: &Detection) -> DetectionView {
    let name = d.common.name().to_string();
    let stanza = rule_stanza(&p.config.app.label, &name);
    let kind = s(&d.kind);
    let search = s(&d.search);
    let description = prose(&d.common.description);
    let status = d.common.status();
    let stated = match status {
        Some(Status::Experimental) => format!("{EXPERIMENTAL_NOTE}{description}"),
        Some(Status::Deprecated) => format!("{DEPRECATED_NOTE}{description}"),
        _ => description.clone(),
    };
    let how_to_implement = prose(&d.how_to_implement);
    let known_false_positives = prose(&d.known_false_positives);
    let version = d.common.version.as_ref().map(|v| v.value).unwrap_or(1);
    let mitre_attack = list(&d.tags.mitre_attack_id);
    let tactics: BTreeSet<String> = mitre_attack
        .iter()
        .filter_map(|t| attack.technique(t))
        .flat_map(|t| t.tactics.iter())
        .filter_map(|short| attack.tactic(short))
        .map(|t| t.name.clone())
        .collect();
    let nist = nist(d);
    let cis20 = cis20(d);
    let mappings = mappings(d);
    let mut analytic_story = list(&d.tags.analytic_story);
    analytic_story.sort();
    let data_source = list(&d.data_source);
    let mut annotations: BTreeMap<&'static str, Value> = BTreeMap::new();
    annotations.insert("analytic_story", json!(analytic_story));
    annotations.insert("cis20", json!(cis20));
    // contentctl 4.4.7 writes a 4.x detection's confidence and impact.
    if let Some(l) = &d.legacy {
        for (k, v) in [("confidence", &l.confidence), ("impact", &l.impact)] {
            if let Some(v) = v {
                annotations.insert(k, json!(v.value));
            }
        }
    }
    if !d.tags.cve.is_empty() {
        annotations.insert("cve", json!(list(&d.tags.cve)));
    }
    // contentctl 4.2.0 and later annotate the data sources; no contentctl
    // writes the tactics, which detc adds to 5.x detections only.
    let v4 = d.legacy.is_some();
    if !v4 || p.reference.has(Feature::AnnotatedDataSources) {
        annotations.insert("data_source", json!(data_source));
    }
    if !mitre_attack.is_empty() {
        annotations.insert("mitre_attack", json!(mitre_attack));
    }
    if !tactics.is_empty() && !v4 {
        annotations.insert("mitre_attack_tactic", json!(tactics));
    }
    if !d.tags.detection_strategies.is_empty() {
        annotations.insert(
            "mitre_attack_detection_strategy",
            json!(list(&d.tags.detection_strategies)),
        );
    }
    if !d.tags.analytics.is_empty() {
        annotations.insert("mitre_attack_analytic", json!(list(&d.tags.analytics)));
    }
    annotations.insert("nist", json!(nist));
    annotations.insert("type", json!(kind));
    if !v4 || p.reference.has(Feature::TypeList) {
        annotations.insert("type_list", json!([kind]));
    }
    let date = s(&d.common.date);
    let mut metadata = BTreeMap::new();
    metadata.insert(
        "deprecated",
        json!(if status == Some(Status::Deprecated) {
            "1"
        } else {
            "0"
        }),
    );
    metadata.insert("detection_id", json!(s(&d.common.id)));
    metadata.insert("detection_version", json!(version.to_string()));
    if !v4 || p.reference.has(Feature::PublishTime) {
        metadata.insert("publish_time", publish_time(&date));
    }
    let label = if v4 && !p.reference.has(Feature::PlainLabel) {
        let app = &p.config.app.label;
        // contentctl 4.x compares the type without regard to case.
        match (status, kind.eq_ignore_ascii_case("correlation")) {
            (Some(Status::Deprecated), _) => format!("{app} - Deprecated - {name} - Rule"),
            (Some(Status::Experimental), _) => format!("{app} - Experimental - {name} - Rule"),
            (_, true) => format!("{app} - RIR - {name} - Rule"),
            _ => stanza.clone(),
        }
    } else {
        stanza.clone()
    };
    let full_search_name =
        (v4 && !p.reference.has(Feature::NoFullSearchName)).then(|| stanza.clone());

    let alert = alert(p, d);
    let risk_objects = match &d.rba {
        // A 4.x detection gets the `_risk` list contentctl 4.4.7 writes
        // from its observables, in their order (docs/build.md).
        Some(_) if alert.risk && d.legacy.is_some() => {
            let l = d
                .legacy
                .as_ref()
                .map(|l| detc_content::legacy::contentctl4_risk(l, &p.reference))
                .unwrap_or_default();
            l.into_iter()
                .map(|e| match e {
                    detc_content::legacy::Risk4::Risk { field, kind, score } => {
                        json!({"risk_object_field": field, "risk_object_type": kind, "risk_score": score})
                    }
                    detc_content::legacy::Risk4::Threat { field, kind } => {
                        json!({"threat_object_field": field, "threat_object_type": kind})
                    }
                })
                .collect()
        }
        Some(r) if alert.risk => {
            let mut ro: Vec<(String, Value)> = r
                .risk_objects
                .iter()
                .map(|o| {
                    let (f, t, sc) = (
                        s(&o.field),
                        s(&o.kind),
                        o.score.as_ref().map(|v| v.value).unwrap_or(0),
                    );
                    (
                        format!("{f}{t}{sc}"),
                        json!({"risk_object_field": f, "risk_object_type": t, "risk_score": sc}),
                    )
                })
                .collect();
            ro.sort_by(|a, b| a.0.cmp(&b.0));
            let mut to: Vec<(String, Value)> = r
                .threat_objects
                .iter()
                .map(|o| {
                    let (f, t) = (s(&o.field), s(&o.kind));
                    (
                        format!("{f}{t}"),
                        json!({"threat_object_field": f, "threat_object_type": t}),
                    )
                })
                .collect();
            to.sort_by(|a, b| a.0.cmp(&b.0));
            ro.into_iter().chain(to).map(|x| x.1).collect()
        }
        _ => Vec::new(),
    };
    let data_models = data_models_of(&search);
    let origins = origins(p, d);
    DetectionView {
        origins,
        stanza,
        label,
        full_search_name,
        id: s(&d.common.id),
        version,
        date,
        author: s(&d.common.author),
        status: s(&d.common.status),
        description,
        stated_description: stated,
        search,
        how_to_implement,
        known_false_positives,
        references: list(&d.common.references),
        security_domain: s(&d.tags.security_domain),
        asset_type: s(&d.tags.asset_type),
        product: list(&d.tags.product),
        atomic_red_team_guids: d
            .tags
            .atomic_guid
            .iter()
            .map(|g| {
                uuid::Uuid::parse_str(&g.value)
                    .map_or_else(|_| g.value.clone(), |u| u.hyphenated().to_string())
            })
            .collect(),
        analytic_story,
        data_source,
        data_models,
        mappings,
        annotations,
        metadata,
        mitre_attack,
        tactics: tactics.into_iter().collect(),
        severity: alert.severity,
        disabled: alert.disabled,
        schedule: alert.schedule,
        risk: alert.risk,
        risk_message: alert.risk_message,
        risk_objects,
        notable: alert.notable,
        drilldowns: alert.drilldowns,
        empty_drilldowns: v4 && p.reference.has(Feature::Drilldowns),
        throttling: alert.throttling,
        kind,
        name,
    }
}

/// Where each savedsearches.conf key of `d`'s stanza is written in the
/// YAML (see [`DetectionView::origins`]).
fn origins(p: &Project, d: &Detection) -> Vec<(&'static str, detc_diag::Span)> {
    let mut o = Vec::new();
    let mut put = |keys: &[&'static str], v: Option<detc_diag::Span>| {
        if let Some(span) = v {
            o.extend(keys.iter().map(|k| (*k, span)));
        }
    };
    let at = |v: &Option<Spanned<String>>| v.as_ref().map(|v| v.span);
    let first = |v: &[Spanned<String>]| v.first().map(|v| v.span);
    put(
        &["[name]", "action.correlationsearch.label"],
        at(&d.common.name),
    );
    put(
        &["description", "action.escu.eli5"],
        at(&d.common.description),
    );
    put(&["action.escu.how_to_implement"], at(&d.how_to_implement));
    put(
        &["action.escu.known_false_positives"],
        at(&d.known_false_positives),
    );
    put(
        &["action.escu.creation_date", "action.escu.modification_date"],
        at(&d.common.date),
    );
    put(&["action.escu.product"], first(&d.tags.product));
    put(&["action.escu.data_source"], first(&d.data_source));
    put(
        &["action.escu.analytic_story"],
        first(&d.tags.analytic_story),
    );
    put(
        &["action.escu.atomic_red_team_guids"],
        first(&d.tags.atomic_guid),
    );
    put(&["search"], at(&d.search));
    put(&["disabled"], d.enabled_by_default.as_ref().map(|e| e.span));
    if let Some(r) = &d.rba {
        put(&["action.risk.param._risk_message"], at(&r.message));
        put(&["action.risk", "action.risk.param._risk"], Some(r.span));
    }
    put(
        &["action.notable.param.drilldown_searches"],
        d.drilldowns_span,
    );
    if let Some(t) = &d.tags.throttling {
        put(
            &["alert.suppress", "alert.suppress.fields"],
            first(&t.fields),
        );
        put(&["alert.suppress.period"], at(&t.period));
    }
    put(
        &["action.notable.param.security_domain"],
        at(&d.tags.security_domain),
    );
    let kind = s(&d.kind);
    if let Some(dep) = p.content.deployment_for(d.deployment.as_ref(), &kind) {
        let sch = &dep.scheduling;
        put(&["cron_schedule"], at(&sch.cron_schedule));
        put(&["dispatch.earliest_time"], at(&sch.earliest_time));
        put(&["dispatch.latest_time"], at(&sch.latest_time));
        put(&["schedule_window"], at(&sch.schedule_window));
        if let Some(n) = &dep.notable {
            put(&["action.notable.param.rule_title"], at(&n.rule_title));
            put(
                &["action.notable.param.rule_description"],
                at(&n.rule_description),
            );
            put(&["action.notable.param.nes_fields"], first(&n.nes_fields));
        }
    }
    o
}

/// NIST CSF function: `DE.CM` for a TTP detection, else `DE.AE`
/// (contentctl `DetectionTags.nist`).
fn nist(d: &Detection) -> Vec<String> {
    let ttp = d.detection_type() == Some(detc_content::enums::DetectionType::Ttp);
    vec![if ttp { "DE.CM" } else { "DE.AE" }.to_string()]
}

/// contentctl `DetectionTags.cis20`: CIS 13 (network monitoring) for the
/// network security domain, else CIS 10.
fn cis20(d: &Detection) -> Vec<String> {
    let network = d
        .tags
        .security_domain
        .as_ref()
        .is_some_and(|v| v.value == "network");
    vec![if network { "CIS 13" } else { "CIS 10" }.to_string()]
}

/// `action.escu.mappings`: `cis20`, `mitre_attack` (when there is a
/// technique) and `nist`.
fn mappings(d: &Detection) -> BTreeMap<&'static str, Vec<String>> {
    let mut m = BTreeMap::new();
    m.insert("cis20", cis20(d));
    if !d.tags.mitre_attack_id.is_empty() {
        m.insert("mitre_attack", list(&d.tags.mitre_attack_id));
    }
    m.insert("nist", nist(d));
    m
}

/// One field of a detection's view, computed on its own (see
/// [`Detections::field`]).
#[derive(Debug, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Field {
    /// A text field.
    Text(String),
    /// A list of texts.
    List(Vec<String>),
    /// `mappings`.
    Map(BTreeMap<&'static str, Vec<String>>),
}

/// A field of `d`'s view computed alone, for the fields each a copy of a
/// YAML value or nearly (what `analyticstories.conf` reads, among others);
/// `None` for the others.
fn field(p: &Project, d: &Detection, key: &str) -> Option<Field> {
    Some(match key {
        "name" => Field::Text(d.common.name().to_string()),
        "stanza" => Field::Text(rule_stanza(&p.config.app.label, d.common.name())),
        "description" => Field::Text(prose(&d.common.description)),
        "how_to_implement" => Field::Text(prose(&d.how_to_implement)),
        "known_false_positives" => Field::Text(prose(&d.known_false_positives)),
        "asset_type" => Field::Text(s(&d.tags.asset_type)),
        "security_domain" => Field::Text(s(&d.tags.security_domain)),
        "data_source" => Field::List(list(&d.data_source)),
        "mappings" => Field::Map(mappings(d)),
        _ => return None,
    })
}

/// Builds the context.
///
/// # Errors
/// Every value that cannot be written (a stanza name or a `.conf` value
/// Splunk would read differently), each naming the object and its file.
pub fn context(p: &Arc<Project>, attack: &'static Attack) -> Result<Context, Vec<PlanError>> {
    let (cx, rest) = context_unchecked(p, attack);
    let mut errors = cx.detections.errors();
    errors.extend(rest);
    if errors.is_empty() {
        Ok(cx)
    } else {
        Err(errors)
    }
}

/// The context and the errors of everything but the detections (which
/// [`Detections::errors`] finds), so that a caller can look for those while
/// the templates render. Errors in [`context`]'s order.
pub fn context_unchecked(p: &Arc<Project>, attack: &'static Attack) -> (Context, Vec<PlanError>) {
    let label = p.config.app.label.clone();
    let mut errors = Vec::new();

    // Detections' views are built as templates read them (`Detections`);
    // stories, baselines and macros need only these few of their values.
    let mut order: Vec<usize> = (0..p.content.detections.len()).collect();
    order.sort_by(|&a, &b| {
        p.content.detections[a]
            .common
            .name()
            .cmp(p.content.detections[b].common.name())
    });
    // (name, stanza, analytic stories sorted) of each detection, in name
    // order, as `detection_view` computes them.
    let summaries: Vec<(String, String, Vec<String>)> = order
        .iter()
        .map(|&i| {
            let d = &p.content.detections[i];
            let name = d.common.name().to_string();
            let stanza = rule_stanza(&label, &name);
            let mut stories = list(&d.tags.analytic_story);
            stories.sort();
            (name, stanza, stories)
        })
        .collect();
    let detection_stanza: BTreeMap<&str, &str> = summaries
        .iter()
        .map(|(name, stanza, _)| (name.as_str(), stanza.as_str()))
        .collect();

    let mut baselines = Vec::new();
    for b in &p.content.baselines {
        let name = b.common.name().to_string();
        let file = b.common.path.as_str();
        let what = format!("baseline `{name}`");
        let stanza = format!("{label} - {name}");
        stanza_ok(&mut errors, &what, file, &stanza);
        let search = s(&b.search);
        let description = prose(&b.common.description);
        conf_ok(&mut errors, &what, file, "search", &search);
        conf_ok(&mut errors, &what, file, "description", &description);
        let how_to_implement = if b.how_to_implement.is_some() {
            prose(&b.how_to_implement)
        } else {
            "none".to_string()
        };
        conf_ok(
            &mut errors,
            &what,
            file,
            "how_to_implement",
            &how_to_implement,
        );
        let data_models = match (&b.format, &b.datamodel) {
            (Format::V4, Some(dm)) => json!(list(dm)),
            (Format::V4, None) => Value::Null,
            (Format::V5, _) => json!(data_models_of(&search)),
        };
        let full_search_name = (b.format == Format::V4
            && !p.reference.has(Feature::NoFullSearchName))
        .then(|| stanza.clone());
        let deployment = p.content.deployment_for(b.deployment.as_ref(), "Baseline");
        let mut analytic_story = list(&b.analytic_story);
        analytic_story.sort();
        // contentctl silently drops detection names that never resolve.
        let detections_of = b
            .detections
            .iter()
            .filter_map(|n| {
                detection_stanza
                    .get(n.value.as_str())
                    .map(|s| s.to_string())
            })
            .collect();
        baselines.push(BaselineView {
            stanza,
            id: s(&b.common.id),
            description,
            how_to_implement,
            data_models,
            full_search_name,
            search,
            analytic_story,
            detections: detections_of,
            schedule: schedule(deployment),
            date: s(&b.common.date),
            name,
        });
    }
    baselines.sort_by(|a, b| a.name.cmp(&b.name));

    let mut investigations = Vec::new();
    for inv in &p.content.investigations {
        let name = inv.common.name().to_string();
        let file = inv.common.path.as_str();
        let what = format!("response task `{name}`");
        let stanza = format!("{label} - {name} - Response Task");
        stanza_ok(&mut errors, &what, file, &stanza);
        let search = s(&inv.search);
        let description = prose(&inv.common.description);
        let how_to_implement = prose(&inv.how_to_implement);
        conf_ok(&mut errors, &what, file, "search", &search);
        conf_ok(&mut errors, &what, file, "description", &description);
        conf_ok(
            &mut errors,
            &what,
            file,
            "how_to_implement",
            &how_to_implement,
        );
        let mut inputs = inv.inputs();
        let mut seen = BTreeSet::new();
        inputs.retain(|t| seen.insert(t.clone()));
        investigations.push(InvestigationView {
            full_search_name: (!p.reference.has(Feature::NoFullSearchName)).then(|| stanza.clone()),
            path: inv.common.path.as_str().to_string(),
            stanza,
            lowercase_name: file_stem_for(&name),
            description,
            date: s(&inv.common.date),
            // Sorted, as contentctl 4.4.7's `objectListToNameList` gives them.
            analytic_story: {
                let mut a = list(&inv.analytic_story);
                a.sort();
                a
            },
            data_models: list(&inv.datamodel),
            how_to_implement,
            tokens: workbench_tokens(&inputs),
            inputs,
            search,
            name,
        });
    }
    investigations.sort_by(|a, b| a.name.cmp(&b.name));

    let mut stories = Vec::new();
    for st in &p.content.stories {
        let name = st.common.name().to_string();
        let file = st.common.path.as_str();
        let what = format!("analytic story `{name}`");
        stanza_ok(
            &mut errors,
            &what,
            file,
            &format!("analytic_story://{name}"),
        );
        let description = prose(&st.common.description);
        let narrative = prose(&st.narrative);
        conf_ok(&mut errors, &what, file, "description", &description);
        conf_ok(&mut errors, &what, file, "narrative", &narrative);
        let author = s(&st.common.author);
        let (mname, company) = match author.split_once(',') {
            Some((n, c)) => (n.trim().to_string(), c.trim().to_string()),
            None => (author.trim().to_string(), String::new()),
        };
        let mut m = BTreeMap::new();
        m.insert("company", company);
        m.insert("email", "-".to_string());
        m.insert("name", mname);
        // In the order of the detections' files, as contentctl loads them
        // (`sorted` pathlib paths, so compared folder by folder) and appends
        // each to its stories (`Story.detections`).
        // A detection that names the story twice is listed twice, as
        // contentctl appends it once per name.
        let mut by_path: Vec<(Vec<&str>, String)> = summaries
            .iter()
            .zip(&order)
            .flat_map(|((_, stanza, stories), &i)| {
                let path = p.content.detections[i].common.path.as_str();
                let times = stories.iter().filter(|s| **s == name).count();
                std::iter::repeat_n((path.split('/').collect(), stanza.clone()), times)
            })
            .collect();
        by_path.sort();
        let mut searches: Vec<String> = by_path.into_iter().map(|x| x.1).collect();
        // contentctl 4.4.7 lists a story's response tasks after its
        // detections, in the order of their files too.
        let mut tasks: Vec<(Vec<&str>, String)> = investigations
            .iter()
            .filter(|i| i.analytic_story.contains(&name))
            .map(|i| (i.path.split('/').collect(), i.stanza.clone()))
            .collect();
        tasks.sort();
        searches.extend(tasks.into_iter().map(|x| x.1));
        let mut bl: Vec<String> = baselines
            .iter()
            .filter(|b| b.analytic_story.contains(&name))
            .map(|b| b.stanza.clone())
            .collect();
        bl.sort();
        stories.push(StoryView {
            id: s(&st.common.id),
            version: st.common.version.as_ref().map(|v| v.value).unwrap_or(1),
            date: s(&st.common.date),
            category: st
                .category
                .first()
                .map(|c| c.value.clone())
                .unwrap_or_default(),
            description,
            narrative,
            references: list(&st.common.references),
            maintainers: vec![m],
            searches,
            baselines: bl,
            name,
        });
    }
    stories.sort_by(|a, b| a.name.cmp(&b.name));

    let mut macros = Vec::new();
    let mut have = BTreeSet::new();
    for m in &p.content.macros {
        let name = m.common.name().to_string();
        let file = m.common.path.as_str();
        let what = format!("macro `{name}`");
        let stanza = detc_spl::macro_stanza(&name, m.arguments.len());
        stanza_ok(&mut errors, &what, file, &stanza);
        let definition = s(&m.definition);
        conf_ok(&mut errors, &what, file, "definition", &definition);
        let description = s(&m.common.description);
        conf_ok(&mut errors, &what, file, "description", &description);
        have.insert(stanza.clone());
        macros.push(MacroView {
            stanza,
            args: list(&m.arguments).join(", "),
            definition,
            description,
        });
    }
    for (name, _, _) in &summaries {
        let filter = format!("{}_filter", file_stem_for(name));
        if have.insert(filter.clone()) {
            macros.push(MacroView {
                stanza: filter,
                args: String::new(),
                definition: "search *".into(),
                description:
                    "Update this macro to limit the output results to filter out false positives."
                        .into(),
            });
        }
    }
    macros.sort_by(|a, b| a.stanza.cmp(&b.stanza));

    let mut lookups: Vec<LookupView> = p
        .content
        .lookups
        .iter()
        .map(|l| lookup(l, &mut errors))
        .collect();
    lookups.sort_by(|a, b| a.name.cmp(&b.name));

    let c = &p.config.app;
    let customs = custom_confs(p);
    let app = AppView {
        uid: c.uid,
        title: c.title.clone(),
        appid: c.appid.clone(),
        version: c.version.clone(),
        description: c.description.clone(),
        label,
        author_name: c.author_name.clone(),
        author_email: c.author_email.clone(),
        author_company: c.author_company.clone(),
        ships_firstseen: p.content.uses_command("firstseen"),
        reload_triggers: reload_triggers(p, &customs),
        custom_confs: customs,
    };
    for (field, v) in [
        ("title", &app.title),
        ("description", &app.description),
        ("version", &app.version),
    ] {
        conf_ok(&mut errors, "the app", "contentctl.yml", field, v);
    }
    let cx = Context {
        app,
        detections: Detections {
            project: Arc::clone(p),
            attack,
            order,
        },
        baselines,
        stories,
        macros,
        lookups,
        investigations,
        detc_version: env!("CARGO_PKG_VERSION"),
    };
    (cx, errors)
}

/// Splunk's own `.conf` files (those with a `.conf.spec` in
/// `$SPLUNK_HOME/etc/system/README`) that an app may ship; any other name
/// is a custom conf.
const SPLUNK_CONFS: &[&str] = &[
    "alert_actions",
    "app",
    "audit",
    "authentication",
    "authorize",
    "collections",
    "commands",
    "datamodels",
    "datatypesbnf",
    "distsearch",
    "event_renderers",
    "eventtypes",
    "fields",
    "indexes",
    "inputs",
    "limits",
    "macros",
    "messages",
    "multikv",
    "outputs",
    "passwords",
    "props",
    "restmap",
    "savedsearches",
    "searchbnf",
    "segmenters",
    "server",
    "serverclass",
    "tags",
    "times",
    "transactiontypes",
    "transforms",
    "ui-prefs",
    "ui-tour",
    "user-prefs",
    "visualizations",
    "web",
    "workflow_actions",
];

/// The custom confs of the app: see [`AppView::custom_confs`].
fn custom_confs(p: &Project) -> Vec<String> {
    let mut out = std::collections::BTreeSet::new();
    out.insert("analyticstories".to_string());
    out.insert("content-version".to_string());
    if p.content
        .investigations
        .iter()
        .any(|i| !i.inputs().is_empty())
    {
        out.insert("es_investigations".to_string());
    }
    if let Ok(rd) = std::fs::read_dir(p.root.join("app_template/default")) {
        for e in rd.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".conf")
                && !SPLUNK_CONFS.contains(&stem)
                && e.file_type().is_ok_and(|t| t.is_file())
            {
                out.insert(stem.to_string());
            }
        }
    }
    out.into_iter().collect()
}

/// See [`AppView::reload_triggers`].
fn reload_triggers(p: &Project, custom_confs: &[String]) -> Vec<String> {
    let mut out: std::collections::BTreeSet<String> = custom_confs.iter().cloned().collect();
    if let Ok(meta) = std::fs::read_to_string(p.root.join("app_template/metadata/default.meta")) {
        for line in meta.lines() {
            let Some(name) = line
                .trim()
                .strip_prefix('[')
                .and_then(|l| l.strip_suffix(']'))
            else {
                continue;
            };
            let conf = name.split('/').next().unwrap_or("").trim();
            if !conf.is_empty()
                && !SPLUNK_CONFS.contains(&conf)
                && conf
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                && !matches!(conf, "views" | "nav" | "lookups" | "viewstates" | "panels")
            {
                out.insert(conf.to_string());
            }
        }
    }
    out.into_iter().collect()
}

fn lookup(l: &Lookup, errors: &mut Vec<PlanError>) -> LookupView {
    let name = l.common.name().to_string();
    let file = l.common.path.as_str();
    stanza_ok(errors, &format!("lookup `{name}`"), file, &name);
    let kind = l.kind();
    let stem = std::path::Path::new(file).with_extension("");
    let stem = stem.to_string_lossy().replace('\\', "/");
    // A 4.x lookup names its file; it ships under that name (as contentctl 4.4.7).
    let named = l.filename.as_ref().map(|f| {
        let dir = stem.rsplit_once('/').map_or("", |x| x.0);
        let src = if dir.is_empty() {
            f.value.clone()
        } else {
            format!("{dir}/{}", f.value)
        };
        (src, f.value.clone())
    });
    let (filename, copy) = match kind {
        // Written by the firstseen command at run time: no file ships.
        Some(LookupType::Csv) if l.written_by.is_some() => (Some(format!("{name}.csv")), None),
        Some(LookupType::Csv) if named.is_some() => (named.as_ref().map(|(_, f)| f.clone()), named),
        Some(LookupType::Csv) => {
            let date = s(&l.common.date).replace('-', "");
            let out = if date.is_empty() {
                format!("{name}.csv")
            } else {
                format!("{name}_{date}.csv")
            };
            (Some(out.clone()), Some((format!("{stem}.csv"), out)))
        }
        // contentctl 4.4.7 writes a transforms.conf stanza for a 4.x model
        // (`filename = <file>.mlmodel`); 5.6.2 writes none.
        Some(LookupType::MlModel) if named.is_some() => {
            (named.as_ref().map(|(_, f)| f.clone()), named)
        }
        Some(LookupType::MlModel) => {
            let base = stem.rsplit('/').next().unwrap_or(&stem).to_string();
            (
                None,
                Some((format!("{stem}.mlmodel"), format!("{base}.mlmodel"))),
            )
        }
        Some(LookupType::KvStore) | None => (None, None),
    };
    // Each field once (validation reports repeats as L005).
    let mut listed: Vec<String> = Vec::new();
    for f in &l.fields {
        if !listed.contains(&f.value) {
            listed.push(f.value.clone());
        }
    }
    let fields: Vec<String> = listed.iter().filter(|f| *f != "_key").cloned().collect();
    // A 4.x `fields_list` is written as given (contentctl 4.4.7); 5.x
    // `fields` start with `_key`.
    let fields_list = if l.format == detc_content::model::Format::V4 {
        listed.join(", ")
    } else {
        std::iter::once("_key".to_string())
            .chain(fields.iter().cloned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    LookupView {
        description: s(&l.common.description),
        filename,
        fields_list,
        // contentctl 4.x declares no field types for a 4.x collection
        // (`collections.j2`: the stanza, `enforceTypes`, `replicate`).
        field_types: fields
            .iter()
            .filter(|_| l.format != detc_content::model::Format::V4 || l.written_by.is_some())
            .map(|f| {
                let t = l
                    .field_types
                    .iter()
                    .find(|(k, _)| &k.value == f)
                    .map(|(_, t)| t.value.clone());
                // firstseen's time columns are epoch seconds: `time`, so
                // the KV store converts and sorts them as numbers.
                let state_time = l.written_by.is_some()
                    && detc_content::enums::FIRSTSEEN_KV_COLUMNS.contains(&f.as_str());
                let default = if state_time { "time" } else { "string" };
                (f.clone(), t.unwrap_or_else(|| default.to_string()))
            })
            .collect(),
        options: l
            .options
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect(),
        copy,
        written_by: l.written_by.as_ref().map(|w| w.value.clone()),
        kind: kind.map_or("", LookupType::as_str).to_string(),
        name,
    }
}

/// The notable's title as contentctl 4.4.7 writes it for 4.x content: a
/// Correlation detection (a risk-threshold search) gets `RBA: ` before it
/// (its savedsearches_detections.j2), so analysts tell risk notables from
/// the others. 5.x content keeps the deployment's title as written.
fn notable_title(title: String, d: &Detection) -> String {
    let correlation = d
        .kind
        .as_ref()
        .is_some_and(|k| k.value.eq_ignore_ascii_case("correlation"));
    if d.format == detc_content::legacy::Format::V4 && correlation {
        format!("RBA: {title}")
    } else {
        title
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn drilldowns_read_the_first_seen_state_without_changing_it() {
        assert_eq!(
            super::read_only_firstseen(
                "| tstats count by user | firstseen lookup=x key=user window=-24h@h\n| where isNew=1 | `f_filter`"
            ),
            "| tstats count by user | firstseen lookup=x key=user window=-24h@h update=false\n| where isNew=1 | `f_filter`"
        );
        let kept = "index=a | firstseen lookup=x key=user update=true";
        assert_eq!(super::read_only_firstseen(kept), kept);
        let none = "index=a | stats count by user";
        assert_eq!(super::read_only_firstseen(none), none);
        assert_eq!(
            super::read_only_firstseen("index=a | FirstSeen lookup=x key=user"),
            "index=a | FirstSeen lookup=x key=user update=false"
        );
    }
}
