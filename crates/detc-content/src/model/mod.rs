//! The content model: contentctl 5.x objects as read from YAML, every value
//! with its span. Decoding reports schema errors (`S001`-`S005`) for one
//! file at a time and keeps whatever could be read, so later rules still run.
//!
//! Field facts come from contentctl 5.6's pydantic models; see
//! `docs/rules.md` for the list.

mod sourcetype;
mod testing;

pub use sourcetype::{DatamodelMapping, Sourcetype, sourcetype};
pub use testing::{AttackData, DetectionTest, Expectation, ExpectedRow, TimelineRun, time_offset};

use crate::codes::{code, diag};
use crate::enums::*;
pub use crate::format::Format;
pub use crate::legacy::{LegacyTags, Observable};
pub use crate::risk::{Rba, RiskObject, ThreatObject};
use detc_diag::{FileId, Span};
use detc_yaml::{Decoder, MapReader, NodeId, Shape, Spanned};

/// Fields every content object has (`SecurityContentObject_Abstract`).
#[derive(Debug, Clone)]
pub struct Common {
    /// The file it was read from.
    pub file: FileId,
    /// Path relative to the content root, `/`-separated.
    pub path: String,
    /// `name`.
    pub name: Option<Spanned<String>>,
    /// `id`, a UUID.
    pub id: Option<Spanned<String>>,
    /// `version`, an integer >= 0.
    pub version: Option<Spanned<i64>>,
    /// `date`, `YYYY-MM-DD`.
    pub date: Option<Spanned<String>>,
    /// `author`.
    pub author: Option<Spanned<String>>,
    /// `description`.
    pub description: Option<Spanned<String>>,
    /// `status`.
    pub status: Option<Spanned<String>>,
    /// `references`, URLs.
    pub references: Vec<Spanned<String>>,
    /// Span of the whole mapping (for "in this object" messages).
    pub span: Span,
}

impl Common {
    /// The file's name without its folder and `.yml`/`.yaml` extension
    /// (contentctl derives lookup file names and stanza checks from it).
    pub fn file_stem(&self) -> &str {
        self.path
            .rsplit('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".yml")
            .trim_end_matches(".yaml")
    }

    /// The name, or "" when it could not be read.
    pub fn name(&self) -> &str {
        self.name.as_ref().map(|n| n.value.as_str()).unwrap_or("")
    }

    /// Whether `status` is `production`.
    pub fn is_production(&self) -> bool {
        self.status
            .as_ref()
            .is_some_and(|s| s.value == "production")
    }
}

/// One entry of `drilldown_searches`.
#[derive(Debug, Clone)]
pub struct Drilldown {
    /// Its title, which may hold `$field$` tokens.
    pub name: Option<Spanned<String>>,
    /// Its search.
    pub search: Option<Spanned<String>>,
    /// `earliest_offset` (e.g. `$info_min_time$`).
    pub earliest_offset: Option<Spanned<String>>,
    /// `latest_offset`.
    pub latest_offset: Option<Spanned<String>>,
}

/// `tags.throttling`.
#[derive(Debug, Clone)]
pub struct Throttling {
    /// Fields to suppress on.
    pub fields: Vec<Spanned<String>>,
    /// `^[0-9]+[smh]$`.
    pub period: Option<Spanned<String>>,
}

/// A detection's `tags`.
#[derive(Debug, Clone, Default)]
pub struct DetectionTags {
    /// Story names.
    pub analytic_story: Vec<Spanned<String>>,
    /// Asset type.
    pub asset_type: Option<Spanned<String>>,
    /// Products.
    pub product: Vec<Spanned<String>>,
    /// Security domain.
    pub security_domain: Option<Spanned<String>>,
    /// Technique ids.
    pub mitre_attack_id: Vec<Spanned<String>>,
    /// ATT&CK detection strategies (`DET####`), a detc extension.
    pub detection_strategies: Vec<Spanned<String>>,
    /// ATT&CK analytics (`AN####`), a detc extension.
    pub analytics: Vec<Spanned<String>>,
    /// CVEs.
    pub cve: Vec<Spanned<String>>,
    /// Atomic Red Team GUIDs.
    pub atomic_guid: Vec<Spanned<String>>,
    /// Groups.
    pub group: Vec<Spanned<String>>,
    /// Throttling.
    pub throttling: Option<Throttling>,
    /// Why the detection is tested by hand.
    pub manual_test: Option<Spanned<String>>,
}

/// Scheduling of a deployment.
#[derive(Debug, Clone, Default)]
pub struct Scheduling {
    /// Cron expression.
    pub cron_schedule: Option<Spanned<String>>,
    /// Dispatch earliest time (relative time modifier).
    pub earliest_time: Option<Spanned<String>>,
    /// Dispatch latest time.
    pub latest_time: Option<Spanned<String>>,
    /// `auto` or minutes.
    pub schedule_window: Option<Spanned<String>>,
}

/// `alert_action.notable`.
#[derive(Debug, Clone, Default)]
pub struct Notable {
    /// Rule description with `%field%` placeholders.
    pub rule_description: Option<Spanned<String>>,
    /// Rule title.
    pub rule_title: Option<Spanned<String>>,
    /// Next-step fields.
    pub nes_fields: Vec<Spanned<String>>,
}

/// A deployment body: named (deployments/) or inline in a detection.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// Base fields (absent for an inline deployment).
    pub common: Option<Common>,
    /// `type`.
    pub kind: Option<Spanned<String>>,
    /// Scheduling.
    pub scheduling: Scheduling,
    /// `alert_action.rba.enabled`.
    pub rba_enabled: bool,
    /// `alert_action.notable`.
    pub notable: Option<Notable>,
    /// Span of the body.
    pub span: Span,
}

/// A detection (`detections/**.yml`).
#[derive(Debug, Clone)]
pub struct Detection {
    /// Base fields.
    pub common: Common,
    /// `type`.
    pub kind: Option<Spanned<String>>,
    /// Data source names.
    pub data_source: Vec<Spanned<String>>,
    /// The SPL search.
    pub search: Option<Spanned<String>>,
    /// How to implement.
    pub how_to_implement: Option<Spanned<String>>,
    /// Known false positives.
    pub known_false_positives: Option<Spanned<String>>,
    /// Risk-based alerting.
    pub rba: Option<Rba>,
    /// Drilldown searches.
    pub drilldowns: Vec<Drilldown>,
    /// Span of the `drilldown_searches` value, if present.
    pub drilldowns_span: Option<Span>,
    /// `tests`: each names attack data to replay into Splunk.
    pub tests: Vec<DetectionTest>,
    /// `enabled_by_default`.
    pub enabled_by_default: Option<Spanned<bool>>,
    /// Inline deployment.
    pub deployment: Option<Deployment>,
    /// Tags.
    pub tags: DetectionTags,
    /// Span of the `tags` mapping.
    pub tags_span: Option<Span>,
    /// The generation the file is written in.
    pub format: Format,
    /// A 4.x detection's risk tags, as written (`rba` holds their 5.x form).
    pub legacy: Option<LegacyTags>,
}

impl Detection {
    /// The validated `type` (`None` when missing or not one of
    /// [`DETECTION_TYPES`], which the decoder reported).
    pub fn detection_type(&self) -> Option<DetectionType> {
        self.kind
            .as_ref()
            .and_then(|k| DetectionType::parse(&k.value))
    }
}

/// An analytic story (`stories/*.yml`).
#[derive(Debug, Clone)]
pub struct Story {
    /// Base fields.
    pub common: Common,
    /// Narrative.
    pub narrative: Option<Spanned<String>>,
    /// `tags.category`.
    pub category: Vec<Spanned<String>>,
    /// `tags.product`.
    pub product: Vec<Spanned<String>>,
    /// `tags.usecase`.
    pub usecase: Option<Spanned<String>>,
    /// The generation the file is written in (4.x stories have no `status`).
    pub format: Format,
}

/// A macro (`macros/*.yml`).
#[derive(Debug, Clone)]
pub struct Macro {
    /// Base fields (most optional for macros).
    pub common: Common,
    /// The definition.
    pub definition: Option<Spanned<String>>,
    /// Argument names.
    pub arguments: Vec<Spanned<String>>,
}

/// A lookup (`lookups/*.yml`).
#[derive(Debug, Clone)]
pub struct Lookup {
    /// Base fields.
    pub common: Common,
    /// `csv`, `kvstore` or `mlmodel`.
    pub lookup_type: Option<Spanned<String>>,
    /// KV store `fields`.
    pub fields: Vec<Spanned<String>>,
    /// Header of the csv file, when it was read.
    pub csv_header: Option<Vec<String>>,
    /// `default_match`, `match_type`, `min_matches`, `max_matches`,
    /// `case_sensitive_match` in file order, as written.
    pub options: Vec<(String, Spanned<String>)>,
    /// KV store field types, `field_types: {field: type}` (a detc
    /// extension; collections.conf `field.<name>`: `string`, `number`,
    /// `bool`, `time`, `array` or `cidr`). Fields not listed are `string`.
    pub field_types: Vec<(Spanned<String>, Spanned<String>)>,
    /// `written_by: firstseen` (a detc extension): the csv file is the state
    /// that the `firstseen` search command writes at run time in the app's
    /// `lookups/<name>.csv`. The build ships its transforms.conf stanza but
    /// no file (an app upgrade would overwrite the state with it), and
    /// `fields` lists its columns: the key fields, then `firstTimeSeen`,
    /// `lastTimeSeen`, `enough_data`.
    pub written_by: Option<Spanned<String>>,
    /// A 4.x lookup's `filename`: its file in `lookups/` (5.x derives it
    /// from the yml's name, see [`Lookup::file_name`]).
    pub filename: Option<Spanned<String>>,
    /// The generation the file is written in (4.x lookups have no
    /// `lookup_type`: `filename` makes a csv or mlmodel lookup,
    /// `collection` a KV store one).
    pub format: Format,
}

impl Lookup {
    /// The lookup's file in `lookups/`: a 4.x `filename`, else
    /// `<yml stem>.csv` or `<yml stem>.mlmodel` (contentctl 5.x
    /// `lookup.py`); `None` for a KV store lookup.
    pub fn file_name(&self) -> Option<String> {
        if let Some(f) = &self.filename {
            return Some(f.value.clone());
        }
        match self.lookup_type.as_ref().map(|t| t.value.as_str()) {
            Some("csv") => Some(format!("{}.csv", self.common.file_stem())),
            Some("mlmodel") => Some(format!("{}.mlmodel", self.common.file_stem())),
            _ => None,
        }
    }
}

/// A baseline (`baselines/*.yml`).
#[derive(Debug, Clone)]
pub struct Baseline {
    /// Base fields.
    pub common: Common,
    /// `type` (must be `Baseline`).
    pub kind: Option<Spanned<String>>,
    /// The search.
    pub search: Option<Spanned<String>>,
    /// Stories.
    pub analytic_story: Vec<Spanned<String>>,
    /// Detection names.
    pub detections: Vec<Spanned<String>>,
    /// Inline deployment.
    pub deployment: Option<Deployment>,
    /// The generation the file is written in.
    pub format: Format,
}

/// A response task (`investigations/*.yml`, contentctl 4.x): an
/// investigative search that ES analysts run from a notable, built by
/// contentctl 4.4.7 as a `... - Response Task` saved search, an
/// `analyticstories.conf` `savedsearch://` stanza and, when its search has
/// `$token$` inputs, an ES workbench panel (`es_investigations.conf`,
/// `workflow_actions.conf`, `default/data/ui/panels/`). contentctl 5 drops
/// investigations.
#[derive(Debug, Clone)]
pub struct Investigation {
    /// Base fields.
    pub common: Common,
    /// `datamodel`, written as `action.escu.data_models`.
    pub datamodel: Vec<Spanned<String>>,
    /// The search.
    pub search: Option<Spanned<String>>,
    /// `how_to_implement`.
    pub how_to_implement: Option<Spanned<String>>,
    /// `tags.analytic_story`.
    pub analytic_story: Vec<Spanned<String>>,
}

impl Investigation {
    /// The `$token$` inputs of the search, in order, as contentctl 4.4.7's
    /// `Investigation.inputs` finds them (`\$([^\s.]*)\$`).
    pub fn inputs(&self) -> Vec<String> {
        let Some(s) = &self.search else {
            return Vec::new();
        };
        let b = s.value.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'$' {
                let rest = &s.value[i + 1..];
                match rest.find(|c: char| c == '$' || c == '.' || c.is_whitespace()) {
                    Some(e) if rest.as_bytes()[e] == b'$' => {
                        out.push(rest[..e].to_string());
                        i += e + 2;
                        continue;
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        out
    }
}

/// A dashboard (`dashboards/<name>.yml` beside `<name>.json`, a Dashboard
/// Studio definition), as contentctl 4.4.7 and 5.6.2 read it: the YAML
/// gives the base fields and the theme, the JSON's `title` must be the
/// dashboard's name and it must have a `description`.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Base fields.
    pub common: Common,
    /// `light` (default) or `dark`.
    pub theme: Option<Spanned<String>>,
    /// The JSON definition's text, as written, once it was read and checked
    /// (by the loader, `C010`).
    pub json: Option<String>,
}

/// A data source (`data_sources/*.yml`).
#[derive(Debug, Clone)]
pub struct DataSource {
    /// Base fields.
    pub common: Common,
    /// `source`.
    pub source: Option<Spanned<String>>,
    /// `sourcetype`.
    pub sourcetype: Option<Spanned<String>>,
    /// Fields that detections using it must mention.
    pub output_fields: Vec<Spanned<String>>,
    /// `separator` (the field that tells event types apart, such as
    /// `eventName`), if any.
    pub separator: Option<String>,
    /// The first `supported_TA` entry: `(name, version, url)`, the url
    /// empty when not given (what contentctl's `data_sources` lookup lists).
    pub supported_ta: Option<(String, String, String)>,
}

/// Everything the content root holds.
#[derive(Debug, Default)]
pub struct Content {
    /// Detections.
    pub detections: Vec<Detection>,
    /// Stories.
    pub stories: Vec<Story>,
    /// Macros.
    pub macros: Vec<Macro>,
    /// Lookups.
    pub lookups: Vec<Lookup>,
    /// Baselines.
    pub baselines: Vec<Baseline>,
    /// Data sources.
    pub data_sources: Vec<DataSource>,
    /// Deployments.
    pub deployments: Vec<Deployment>,
    /// Response tasks (`investigations/`, 4.x).
    pub investigations: Vec<Investigation>,
    /// Dashboards (`dashboards/`).
    pub dashboards: Vec<Dashboard>,
    /// How `detc test` reads events of a sourcetype (`sourcetypes/`, a
    /// detc extension).
    pub sourcetypes: Vec<Sourcetype>,
}

impl Content {
    /// The deployment an object uses: its `inline` one, else the named
    /// deployment `ESCU Default Configuration <kind>` (contentctl's
    /// `getDeploymentFromType`); `None` when neither exists.
    pub fn deployment_for<'a>(
        &'a self,
        inline: Option<&'a Deployment>,
        kind: &str,
    ) -> Option<&'a Deployment> {
        inline.or_else(|| {
            let want = crate::naming::default_deployment_name(kind);
            self.deployments
                .iter()
                .find(|d| d.common.as_ref().is_some_and(|c| c.name() == want))
        })
    }

    /// The deployment detection `d` uses (see [`Content::deployment_for`]).
    pub fn deployment_of<'a>(&'a self, d: &'a Detection) -> Option<&'a Deployment> {
        match &d.deployment {
            Some(dep) => Some(dep),
            None => self.deployment_for(None, &d.kind.as_ref()?.value),
        }
    }

    /// Whether any search of the app (a detection's, a baseline's, or a
    /// macro's definition, which a search may call) runs the search
    /// command `name` (`firstseen`): a pipeline command of that name, at
    /// the top level or in a subsearch. Decides whether the app ships the
    /// command (its binary, `commands.conf`, `searchbnf.conf`).
    pub fn uses_command(&self, name: &str) -> bool {
        fn calls(s: &str, name: &str) -> bool {
            detc_spl::split_pipeline(s).iter().any(|c| {
                c.name.eq_ignore_ascii_case(name)
                    || c.args.contains('[') && c.args.contains(name) && {
                        // Subsearches: each `[...]` is a pipeline of its own.
                        let mut i = 0;
                        let mut found = false;
                        while let Some(p) = c.args[i..].find('[') {
                            let open = i + p;
                            let Some(close) = detc_spl::matching_bracket(c.args, open) else {
                                break;
                            };
                            found |= calls(&c.args[open + 1..close], name);
                            i = close + 1;
                        }
                        found
                    }
            })
        }
        let searches = self
            .detections
            .iter()
            .filter_map(|d| d.search.as_ref())
            .chain(self.baselines.iter().filter_map(|b| b.search.as_ref()))
            .chain(self.macros.iter().filter_map(|m| m.definition.as_ref()));
        searches
            .map(|s| s.value.as_str())
            .filter(|s| s.contains(name))
            .any(|s| calls(s, name) || calls(&format!("| {s}"), name))
    }

    /// Every object whose file may be in either generation: `(kind, its
    /// base fields, its format)` for detections, stories, lookups and
    /// baselines, in that order.
    pub fn formats(&self) -> impl Iterator<Item = (&'static str, &Common, Format)> {
        self.detections
            .iter()
            .map(|d| ("detection", &d.common, d.format))
            .chain(self.stories.iter().map(|s| ("story", &s.common, s.format)))
            .chain(self.lookups.iter().map(|l| ("lookup", &l.common, l.format)))
            .chain(
                self.baselines
                    .iter()
                    .map(|b| ("baseline", &b.common, b.format)),
            )
    }
}

// ---------------------------------------------------------------------------
// Decoding helpers

/// Checks that `v` is one of `allowed` (`S004`), suggesting the closest.
pub(crate) fn one_of(
    de: &mut Decoder,
    v: Spanned<String>,
    allowed: &[&str],
    field: &str,
) -> Option<Spanned<String>> {
    if allowed.contains(&v.value.as_str()) {
        return Some(v);
    }
    let mut d = diag(code::S004, format!("`{}` is not a valid {field}", v.value))
        .at(v.span)
        .label("not an allowed value");
    d = match detc_yaml::did_you_mean(&v.value, allowed.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(format!("use one of: {}", allowed.join(", "))),
    };
    de.push(d);
    None
}

fn constraint(de: &mut Decoder, span: Span, msg: String, help: impl Into<String>) {
    de.push(diag(code::S005, msg).at(span).help(help));
}

fn max_len(de: &mut Decoder, v: &Option<Spanned<String>>, field: &str, max: usize) {
    if let Some(v) = v {
        let n = v.value.chars().count();
        if n > max {
            constraint(
                de,
                v.span,
                format!("`{field}` is {n} characters long, more than {max}"),
                format!("shorten `{field}` to {max} characters or fewer"),
            );
        }
    }
}

fn min_len(de: &mut Decoder, v: &Option<Spanned<String>>, field: &str, min: usize) {
    if let Some(v) = v
        && v.value.trim().chars().count() < min
    {
        constraint(
            de,
            v.span,
            format!("`{field}` is shorter than {min} characters"),
            format!("write at least {min} characters in `{field}`"),
        );
    }
}

fn req_enum(
    de: &mut Decoder,
    m: &mut MapReader,
    key: &'static str,
    allowed: &[&str],
) -> Option<Spanned<String>> {
    m.note_enum(key, allowed);
    let v = m.req_str(de, key)?;
    one_of(de, v, allowed, key)
}

fn enum_list(
    de: &mut Decoder,
    items: Vec<Spanned<String>>,
    allowed: &[&str],
    field: &str,
) -> Vec<Spanned<String>> {
    items
        .into_iter()
        .filter_map(|v| one_of(de, v, allowed, field))
        .collect()
}

fn urls(de: &mut Decoder, m: &mut MapReader, key: &'static str) -> Vec<Spanned<String>> {
    let list = m.str_list(de, key);
    for u in &list {
        let ok = (u.value.starts_with("https://") || u.value.starts_with("http://"))
            && u.value.len() > 8
            && !u.value.contains(char::is_whitespace);
        if !ok {
            constraint(
                de,
                u.span,
                format!("`{}` is not a valid URL", u.value),
                "references are http:// or https:// URLs with no spaces",
            );
        }
    }
    list
}

fn regex_like(de: &mut Decoder, v: &Spanned<String>, ok: bool, what: &str, example: &str) {
    if !ok {
        constraint(
            de,
            v.span,
            format!("`{}` is not a valid {what}", v.value),
            format!("write it like `{example}`"),
        );
    }
}

/// What one kind of object asks of its base fields (contentctl's
/// `SecurityContentObject` subclasses and their validators).
struct BaseFields {
    /// Longest `name`: 67 where contentctl builds a savedsearches.conf
    /// stanza from it (detections, baselines, investigations), else 99.
    name_max: usize,
    /// The allowed `status` values.
    statuses: &'static [&'static str],
    /// Whether `id`, `version`, `date`, `author` and `status` may be left
    /// out (macros, lookups, dashboards, data sources, deployments).
    optional_metadata: bool,
}

const DETECTION_BASE: BaseFields = BaseFields {
    name_max: 67,
    statuses: DETECTION_STATUS,
    optional_metadata: false,
};
const STORY_BASE: BaseFields = BaseFields {
    name_max: 99,
    statuses: STORY_STATUS,
    optional_metadata: false,
};
const BASELINE_BASE: BaseFields = BaseFields {
    name_max: 67,
    statuses: STORY_STATUS,
    optional_metadata: false,
};
const INVESTIGATION_BASE: BaseFields = BASELINE_BASE;
const SUPPORT_OBJECT_BASE: BaseFields = BaseFields {
    name_max: 99,
    statuses: PRODUCTION_ONLY,
    optional_metadata: true,
};

/// Reads the base fields as `kind` asks (see [`BaseFields`]); `format` V4
/// makes `status` optional (4.x stories and baselines have none).
fn common(
    de: &mut Decoder,
    m: &mut MapReader,
    path: &str,
    kind: &BaseFields,
    format: Format,
) -> Common {
    let BaseFields {
        name_max,
        statuses,
        optional_metadata: lenient,
    } = *kind;
    let name = m.req_str(de, "name");
    max_len(de, &name, "name", name_max);
    m.note("id", Shape::Pattern(UUID_PATTERN));
    m.note("date", Shape::Pattern(DATE_PATTERN));
    let id = m.str_field(de, "id", !lenient);
    if let Some(id) = &id
        && uuid::Uuid::parse_str(&id.value).is_err()
    {
        constraint(
            de,
            id.span,
            format!("`{}` is not a UUID", id.value),
            "use a UUID such as `0f7ee854-1aad-4bef-89c5-5c402b488510` (`uuidgen` prints a new one)",
        );
    }
    let version = m.int_field(de, "version", !lenient);
    if let Some(v) = &version
        && v.value < 0
    {
        constraint(
            de,
            v.span,
            "`version` is negative".into(),
            "versions start at 0 and go up by one per change",
        );
    }
    let date = m.str_field(de, "date", !lenient);
    if let Some(d) = &date
        && d.value.parse::<jiff::civil::Date>().is_err()
    {
        constraint(
            de,
            d.span,
            format!("`{}` is not a date", d.value),
            "write the date as `YYYY-MM-DD`, e.g. `'2024-07-18'`",
        );
    }
    let author = m.str_field(de, "author", !lenient);
    max_len(de, &author, "author", 255);
    let description = m.req_str(de, "description");
    max_len(de, &description, "description", 10000);
    let status = if lenient || format == Format::V4 {
        m.note_enum("status", statuses);
        m.opt_str(de, "status")
            .and_then(|s| one_of(de, s, statuses, "status"))
    } else {
        req_enum(de, m, "status", statuses)
    };
    let references = urls(de, m, "references");
    Common {
        file: de.file,
        path: path.to_string(),
        name,
        id,
        version,
        date,
        author,
        description,
        status,
        references,
        span: m.span,
    }
}

fn decode_rba(de: &mut Decoder, n: NodeId) -> Option<Rba> {
    let mut m = de.map(n, "rba")?;
    let message = m.req_str(de, "message");
    let mut risk_objects = Vec::new();
    if let Some(list) = m
        .req(de, "risk_objects", "a list of `{field, type, score}`")
        .and_then(|n| de.seq(n, "risk_objects"))
    {
        if list.is_empty() {
            let span = m.key_span(de, "risk_objects").unwrap_or(m.span);
            constraint(
                de,
                span,
                "`risk_objects` is empty".into(),
                "add at least one risk object: `- {field: user, type: user, score: 50}`",
            );
        }
        for item in list {
            let Some(mut r) = de.map(item, "risk object") else {
                continue;
            };
            let field = r.req_str(de, "field");
            let kind = req_enum(de, &mut r, "type", RISK_OBJECT_TYPES);
            let score = r.req_int(de, "score");
            if let Some(s) = &score
                && !(1..=100).contains(&s.value)
            {
                constraint(
                    de,
                    s.span,
                    format!("risk score {} is outside 1..100", s.value),
                    "use a score from 1 to 100",
                );
            }
            r.finish(de);
            risk_objects.push(RiskObject { field, kind, score });
        }
    }
    let mut threat_objects = Vec::new();
    match m.get("threat_objects") {
        None => m.missing(de, "threat_objects", "a list (use `[]` for none)"),
        Some(n) => {
            for item in de.seq(n, "threat_objects").unwrap_or_default() {
                let Some(mut t) = de.map(item, "threat object") else {
                    continue;
                };
                let field = t.req_str(de, "field");
                let kind = req_enum(de, &mut t, "type", THREAT_OBJECT_TYPES);
                t.finish(de);
                threat_objects.push(ThreatObject { field, kind });
            }
        }
    }
    let span = m.span;
    m.finish(de);
    Some(Rba {
        message,
        risk_objects,
        threat_objects,
        span,
    })
}

fn decode_tags(de: &mut Decoder, n: NodeId, legacy: Option<&mut LegacyTags>) -> DetectionTags {
    let Some(mut m) = de.map(n, "tags") else {
        return DetectionTags::default();
    };
    let analytic_story = m.req_str_list(de, "analytic_story").unwrap_or_default();
    let asset_type = req_enum(de, &mut m, "asset_type", ASSET_TYPES);
    let product = m.req_str_list(de, "product").unwrap_or_default();
    if product.is_empty() && m.has("product") {
        let s = m.key_span(de, "product").unwrap_or(m.span);
        constraint(
            de,
            s,
            "`product` is empty".into(),
            "list at least one product, e.g. `- Splunk Enterprise`",
        );
    }
    m.note_enum_list("product", PRODUCTS);
    let product = enum_list(de, product, PRODUCTS, "product");
    let security_domain = req_enum(de, &mut m, "security_domain", SECURITY_DOMAINS);
    let mitre_attack_id = m.str_list(de, "mitre_attack_id");
    for t in &mitre_attack_id {
        let b = t.value.as_bytes();
        let ok = b.len() >= 5
            && b[0] == b'T'
            && b[1..5].iter().all(u8::is_ascii_digit)
            && (b.len() == 5 || (b.len() == 9 && b[6..].iter().all(u8::is_ascii_digit)));
        regex_like(de, t, ok, "ATT&CK technique id", "T1078 or T1078.004");
    }
    let detection_strategies = m.str_list(de, "mitre_attack_detection_strategies");
    for t in &detection_strategies {
        let ok = t.value.len() == 7
            && t.value.starts_with("DET")
            && t.value[3..].bytes().all(|b| b.is_ascii_digit());
        regex_like(de, t, ok, "ATT&CK detection strategy id", "DET0078");
    }
    let analytics = m.str_list(de, "mitre_attack_analytics");
    for t in &analytics {
        let ok = t.value.len() == 6
            && t.value.starts_with("AN")
            && t.value[2..].bytes().all(|b| b.is_ascii_digit());
        regex_like(de, t, ok, "ATT&CK analytic id", "AN0215");
    }
    let cve = m.str_list(de, "cve");
    for c in &cve {
        let parts: Vec<&str> = c.value.split('-').collect();
        let ok = parts.len() == 3
            && parts[0] == "CVE"
            && parts[1].len() == 4
            && parts[1].starts_with(['1', '2'])
            && parts[1].bytes().all(|b| b.is_ascii_digit())
            && !parts[2].is_empty()
            && parts[2].bytes().all(|b| b.is_ascii_digit());
        regex_like(de, c, ok, "CVE id", "CVE-2021-44228");
    }
    let atomic_guid = m.str_list(de, "atomic_guid");
    for g in &atomic_guid {
        regex_like(
            de,
            g,
            uuid::Uuid::parse_str(&g.value).is_ok(),
            "Atomic Red Team GUID",
            "a UUID",
        );
    }
    let group = m.str_list(de, "group");
    let throttling = m.get_some(de, "throttling").and_then(|n| {
        let mut t = de.map(n, "throttling")?;
        let fields = t.req_str_list(de, "fields").unwrap_or_default();
        for f in &fields {
            if f.value.contains(char::is_whitespace) {
                constraint(
                    de,
                    f.span,
                    format!("throttling field `{}` has spaces", f.value),
                    "name one field per item",
                );
            }
        }
        let period = t.req_str(de, "period");
        if let Some(p) = &period {
            let ok = p.value.len() >= 2
                && p.value[..p.value.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                && p.value.ends_with(['s', 'm', 'h']);
            regex_like(de, p, ok, "throttling period", "3600s, 60m or 1h");
        }
        t.finish(de);
        Some(Throttling { fields, period })
    });
    let manual_test = m.opt_str(de, "manual_test");
    let _ = m.opt_str(de, "research_site_url");
    let _ = m.opt_str(de, "event_schema");
    let _ = m.get("mappings");
    let is_5x = legacy.is_none();
    if let Some(l) = legacy {
        decode_legacy_tags(de, &mut m, l);
    }
    for computed in [
        "nist",
        "cis20",
        "kill_chain_phases",
        "mitre_attack_enrichments",
        "confidence",
        "impact",
        "risk_score",
        "observable",
        "message",
        "required_fields",
    ] {
        if is_5x {
            m.note(computed, Shape::Forbidden);
        }
        if let Some(span) = m.key_span(de, computed)
            && !m.was_read(computed)
        {
            let (msg, help) = match computed {
                "nist" | "cis20" | "kill_chain_phases" | "mitre_attack_enrichments" => (
                    format!("`tags.{computed}` is computed by the build and cannot be set"),
                    format!("remove `{computed}`"),
                ),
                _ => (
                    format!(
                        "`tags.{computed}` is a contentctl 4.x field, but this detection has a 5.x `rba:` block"
                    ),
                    format!(
                        "remove `tags.{computed}` and keep its meaning in `rba:` (risk_objects, threat_objects, message); for a whole 4.x repository, `detc migrate` rewrites every file"
                    ),
                ),
            };
            de.push(diag(code::S002, msg).at(span).help(help));
        }
        let _ = m.get(computed);
    }
    m.finish(de);
    DetectionTags {
        analytic_story,
        asset_type,
        product,
        security_domain,
        mitre_attack_id,
        detection_strategies,
        analytics,
        cve,
        atomic_guid,
        group,
        throttling,
        manual_test,
    }
}

/// Reads `key`, which contentctl 4.4.7 accepts and ignores (its models
/// allow extra keys), reporting it as `S006`: the value has no effect.
fn ignored_key(de: &mut Decoder, m: &mut MapReader, key: &'static str, why: &str) {
    if let Some(span) = m.key_span(de, key) {
        de.push(
            diag(code::S006, format!("`{key}` has no effect: {why}"))
                .at(span)
                .label("ignored")
                .help(format!(
                    "remove `{key}` (contentctl 4.4.7 ignores it and contentctl 5 rejects it)"
                )),
        );
    }
    let _ = m.get(key);
}

/// Reads a 4.x detection's risk tags (contentctl 4.4.7 `DetectionTags`
/// and `Observable`): `confidence` and `impact` 0..100, `message`,
/// `observable` entries with exactly one role, `required_fields`; plus the
/// 4.x-only enrichment fields it accepted (`nist`, `confidence_id`,
/// `impact_id`, `evidence_str`).
fn decode_legacy_tags(de: &mut Decoder, m: &mut MapReader, l: &mut LegacyTags) {
    for key in ["confidence", "impact"] {
        let v = m.req_int(de, key);
        if let Some(v) = &v
            && !(0..=100).contains(&v.value)
        {
            constraint(
                de,
                v.span,
                format!("`{key}` {} is outside 0..100", v.value),
                "use a value from 0 to 100",
            );
        }
        if key == "confidence" {
            l.confidence = v;
        } else {
            l.impact = v;
        }
    }
    l.risk_score = m.opt_int(de, "risk_score");
    l.message = m.req_str(de, "message");
    l.required_fields = m.str_list(de, "required_fields");
    let _ = m.str_list(de, "nist");
    let _ = m.opt_int(de, "confidence_id");
    let _ = m.opt_int(de, "impact_id");
    let _ = m.opt_str(de, "evidence_str");
    if let Some(n) = m.get_some(de, "observable") {
        for item in de.seq(n, "observable").unwrap_or_default() {
            let Some(mut o) = de.map(item, "observable") else {
                continue;
            };
            let name = o.req_str(de, "name");
            let kind = req_enum(de, &mut o, "type", crate::legacy::OBSERVABLE_TYPES);
            let role = match o.get_some(de, "role") {
                None => {
                    let field = name
                        .as_ref()
                        .map_or("this observable".to_string(), |n| format!("`{}`", n.value));
                    let at = name.as_ref().map_or(o.span, |n| n.span);
                    de.push(
                        diag(code::S001, format!("observable {field} has no `role`"))
                            .at(at)
                            .label("no role")
                            .help("add `role: [Victim]` when the field holds the entity at risk (it becomes a risk object), or `role: [Attacker]` when it holds the threat (a threat object)"),
                    );
                    None
                }
                Some(r) => match de.string_list(r, "role") {
                    Some(roles) if roles.len() == 1 => roles.into_iter().next().and_then(|v| {
                        one_of(de, v, crate::legacy::OBSERVABLE_ROLES, "observable role")
                    }),
                    Some(_) => {
                        constraint(
                            de,
                            de.span(r),
                            "an observable has exactly one role".into(),
                            "keep one of `Victim` or `Attacker` (contentctl 4.4.7 rejects more)",
                        );
                        None
                    }
                    None => None,
                },
            };
            o.finish(de);
            l.observables.push(Observable { name, kind, role });
        }
    }
}

fn decode_deployment_body(
    de: &mut Decoder,
    m: &mut MapReader,
    inline: bool,
) -> (Scheduling, bool, Option<Notable>) {
    let mut scheduling = Scheduling::default();
    let sched = if inline {
        m.get_some(de, "scheduling")
    } else {
        m.req(
            de,
            "scheduling",
            "a mapping of cron_schedule, earliest_time, latest_time, schedule_window",
        )
    };
    if let Some(n) = sched
        && let Some(mut s) = de.map(n, "scheduling")
    {
        scheduling.cron_schedule = s.req_str(de, "cron_schedule");
        scheduling.earliest_time = s.req_str(de, "earliest_time");
        scheduling.latest_time = s.req_str(de, "latest_time");
        scheduling.schedule_window = s.req_str(de, "schedule_window");
        s.finish(de);
    }
    let mut rba_enabled = false;
    let mut notable = None;
    if let Some(n) = m.get_some(de, "alert_action")
        && let Some(mut a) = de.map(n, "alert_action")
    {
        if let Some(n) = a.get_some(de, "rba")
            && let Some(mut r) = de.map(n, "rba")
        {
            rba_enabled = r.opt_bool(de, "enabled").is_some_and(|b| b.value);
            r.finish(de);
        }
        if let Some(n) = a.get_some(de, "notable")
            && let Some(mut r) = de.map(n, "notable")
        {
            let rule_description = r.req_str(de, "rule_description");
            let rule_title = r.req_str(de, "rule_title");
            let nes_fields = r.str_list(de, "nes_fields");
            r.finish(de);
            notable = Some(Notable {
                rule_description,
                rule_title,
                nes_fields,
            });
        }
        for k in ["email", "slack", "phantom"] {
            if let Some(span) = a.key_span(de, k) {
                de.push(diag(code::S004, format!("the `{k}` alert action is not supported"))
                        .at(span)
                        .help("contentctl refuses to build it; remove it and configure the action in Splunk"));
            }
            let _ = a.get(k);
        }
        a.finish(de);
    }
    (scheduling, rba_enabled, notable)
}

/// In a 4.x file, unknown keys are warnings (`S006`): contentctl 4.4.7's
/// models (`Detection`, `DetectionTags`, `TestAttackData`, `Baseline`,
/// `Lookup`, ...) keep pydantic's default `extra="ignore"`, so the build
/// that content is made for drops them; only `StoryTags` forbids them.
/// contentctl 5.6.2 forbids extra keys everywhere, so 5.x files keep `S002`.
fn ignore_extra_keys_in(de: &mut Decoder, format: Format) {
    de.extra_keys_ignored_by = (format == Format::V4).then_some("contentctl 4.4.7");
}

/// Decodes a detection from its root node.
pub fn detection(de: &mut Decoder, root: NodeId, path: &str) -> Option<Detection> {
    let format = match de.peek(root, "tags") {
        Some(t)
            if !de.has_key(root, "rba")
                && crate::legacy::V4_TAG_KEYS.iter().any(|k| de.has_key(t, k)) =>
        {
            Format::V4
        }
        _ => Format::V5,
    };
    ignore_extra_keys_in(de, format);
    let mut m = de.map(root, "detection")?;
    let common = common(de, &mut m, path, &DETECTION_BASE, Format::V5);
    let kind = req_enum(de, &mut m, "type", DETECTION_TYPES);
    let data_source = m.str_list(de, "data_source");
    let search = m.req_str(de, "search");
    let how_to_implement = m.req_str(de, "how_to_implement");
    min_len(de, &how_to_implement, "how_to_implement", 4);
    let known_false_positives = m.req_str(de, "known_false_positives");
    min_len(de, &known_false_positives, "known_false_positives", 4);
    let rba = m.get_some(de, "rba").and_then(|n| decode_rba(de, n));
    let mut drilldowns = Vec::new();
    let dd_node = m.get_some(de, "drilldown_searches");
    let drilldowns_span = dd_node.map(|n| de.span(n));
    if let Some(n) = dd_node {
        for item in de.seq(n, "drilldown_searches").unwrap_or_default() {
            let Some(mut d) = de.map(item, "drilldown") else {
                continue;
            };
            let name = d.req_str(de, "name");
            min_len(de, &name, "name", 5);
            let search = d.req_str(de, "search");
            let offset = |de: &mut Decoder, d: &mut MapReader, key: &'static str| match d.get(key) {
                None => {
                    d.missing(de, key, "`$info_min_time$`/`$info_max_time$` or null");
                    None
                }
                Some(n) if de.is_null(n) => None,
                Some(n) => de.string(n, key),
            };
            let earliest_offset = offset(de, &mut d, "earliest_offset");
            let latest_offset = offset(de, &mut d, "latest_offset");
            d.finish(de);
            drilldowns.push(Drilldown {
                name,
                search,
                earliest_offset,
                latest_offset,
            });
        }
    }
    let tests = testing::tests(de, &mut m, format);
    let enabled_by_default = m.opt_bool(de, "enabled_by_default");
    let _ = m.opt_str(de, "explanation");
    let deployment = m.get_some(de, "deployment").and_then(|n| {
        let mut dm = de.map(n, "deployment")?;
        let (scheduling, rba_enabled, notable) = decode_deployment_body(de, &mut dm, true);
        let span = dm.span;
        dm.finish(de);
        Some(Deployment {
            common: None,
            kind: None,
            scheduling,
            rba_enabled,
            notable,
            span,
        })
    });
    let tags_node = m.req(
        de,
        "tags",
        "a mapping with analytic_story, asset_type, product, security_domain",
    );
    let tags_span = tags_node.map(|n| de.span(n));
    let mut legacy = (format == Format::V4).then(LegacyTags::default);
    let tags = tags_node
        .map(|n| decode_tags(de, n, legacy.as_mut()))
        .unwrap_or_default();
    let rba = match &legacy {
        Some(l) => {
            let needs_victim = common.is_production()
                && kind
                    .as_ref()
                    .and_then(|k| DetectionType::parse(&k.value))
                    .is_some_and(DetectionType::is_ttp_or_anomaly);
            let victims = l
                .observables
                .iter()
                .filter(|o| o.role.as_ref().is_some_and(|r| r.value == "Victim"))
                .count();
            if needs_victim && victims == 0 && !l.observables.is_empty() {
                let at = m.key_span(de, "tags").unwrap_or(m.span);
                constraint(de, at, "a production TTP or Anomaly detection needs an observable with the `Victim` role".into(), "mark the field holding the entity at risk (user, dest...) `role: [Victim]` (contentctl 4.4.7 `ensureProperObservablesExist`)");
            }
            crate::legacy::rba_from_legacy(l, tags_span.unwrap_or(m.span))
        }
        None => rba,
    };
    for k in ["baselines", "cve_enrichment"] {
        m.note(k, Shape::Forbidden);
        if let Some(n) = m.get_some(de, k) {
            let empty = de.seq(n, k).is_some_and(|v| v.is_empty());
            if !empty {
                de.push(
                    diag(
                        code::S005,
                        format!("`{k}` is computed and must not be set in YAML"),
                    )
                    .at(de.span(n))
                    .help(format!("remove `{k}`")),
                );
            }
        }
    }
    for k in [
        "macros",
        "lookups",
        "data_source_objects",
        "test_groups",
        "splunk_app_enrichment",
    ] {
        m.note(k, Shape::Forbidden);
        if let Some(span) = m.key_span(de, k) {
            de.push(
                diag(
                    code::S002,
                    format!("`{k}` is computed from the search and cannot be set"),
                )
                .at(span)
                .help(format!("remove `{k}`")),
            );
        }
        let _ = m.get(k);
    }
    m.finish(de);
    Some(Detection {
        common,
        kind,
        data_source,
        search,
        how_to_implement,
        known_false_positives,
        rba,
        drilldowns,
        drilldowns_span,
        tests,
        enabled_by_default,
        deployment,
        tags,
        tags_span,
        format,
        legacy,
    })
}

/// Decodes an analytic story.
pub fn story(de: &mut Decoder, root: NodeId, path: &str) -> Option<Story> {
    // contentctl 4.4.7's `Story` has no `status`; 5.x requires it.
    let format = if de.has_key(root, "status") {
        Format::V5
    } else {
        Format::V4
    };
    ignore_extra_keys_in(de, format);
    let mut m = de.map(root, "story")?;
    let common = common(de, &mut m, path, &STORY_BASE, format);
    if format == Format::V4 {
        ignored_key(de, &mut m, "type", "a story has no type");
    }
    let narrative = m.req_str(de, "narrative");
    let mut category = Vec::new();
    let mut product = Vec::new();
    let mut usecase = None;
    if let Some(n) = m.req(de, "tags", "a mapping with category, product, usecase")
        && let Some(mut t) = de.map(n, "tags")
    {
        let c = t.req_str_list(de, "category").unwrap_or_default();
        t.note_enum_list("category", STORY_CATEGORIES);
        category = enum_list(de, c, STORY_CATEGORIES, "category");
        let p = t.req_str_list(de, "product").unwrap_or_default();
        t.note_enum_list("product", PRODUCTS);
        product = enum_list(de, p, PRODUCTS, "product");
        usecase = req_enum(de, &mut t, "usecase", STORY_USECASES);
        let _ = t.str_list(de, "cve");
        let _ = t.str_list(de, "group");
        // `StoryTags` forbids extra keys in contentctl 4.4.7 too.
        t.finish_strict(de);
    }
    m.finish(de);
    Some(Story {
        common,
        narrative,
        category,
        product,
        usecase,
        format,
    })
}

/// Decodes a macro.
pub fn macro_(de: &mut Decoder, root: NodeId, path: &str) -> Option<Macro> {
    let mut m = de.map(root, "macro")?;
    let common = common(de, &mut m, path, &SUPPORT_OBJECT_BASE, Format::V5);
    let definition = m.req_str(de, "definition");
    min_len(de, &definition, "definition", 1);
    let arguments = m.str_list(de, "arguments");
    m.finish(de);
    Some(Macro {
        common,
        definition,
        arguments,
    })
}

/// Decodes a lookup.
pub fn lookup(de: &mut Decoder, root: NodeId, path: &str) -> Option<Lookup> {
    let mut m = de.map(root, "lookup")?;
    let common = common(de, &mut m, path, &SUPPORT_OBJECT_BASE, Format::V5);
    // contentctl 4.4.7's `Lookup` has no `lookup_type`: `filename` makes a
    // file lookup, `collection` a KV store one.
    let format = if !m.has("lookup_type")
        && (m.has("filename") || m.has("collection") || m.has("fields_list"))
    {
        Format::V4
    } else {
        Format::V5
    };
    ignore_extra_keys_in(de, format);
    let mut filename = None;
    let mut v4_fields = Vec::new();
    let lookup_type = if format == Format::V4 {
        filename = m.opt_str(de, "filename");
        let collection = m.opt_str(de, "collection");
        if let Some(fl) = m.opt_str(de, "fields_list") {
            v4_fields = fl
                .value
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(|f| Spanned::new(f.to_string(), fl.span))
                .collect();
        }
        match (&filename, &collection) {
            (Some(f), None) => {
                let t = if f.value.ends_with(".mlmodel") {
                    "mlmodel"
                } else {
                    "csv"
                };
                if !f.value.ends_with(".csv") && !f.value.ends_with(".mlmodel") {
                    constraint(
                        de,
                        f.span,
                        format!("`{}` is not a .csv or .mlmodel file", f.value),
                        "lookup files are csv files ending in .csv (contentctl 4.4.7 `Lookup`)",
                    );
                }
                Some(Spanned::new(t.to_string(), f.span))
            }
            (None, Some(c)) => {
                if c.value != common.name() {
                    constraint(
                        de,
                        c.span,
                        format!(
                            "the KV store collection `{}` is not named like the lookup `{}`",
                            c.value,
                            common.name()
                        ),
                        "name the collection after the lookup: detc writes one collections.conf stanza per lookup, named like it",
                    );
                }
                Some(Spanned::new("kvstore".to_string(), c.span))
            }
            (Some(_), Some(c)) => {
                constraint(
                    de,
                    c.span,
                    "a lookup has both `filename` and `collection`".into(),
                    "keep `filename` for a csv lookup or `collection` for a KV store lookup (contentctl 4.4.7 requires exactly one)",
                );
                None
            }
            (None, None) => {
                m.missing(
                    de,
                    "filename",
                    "the csv file in lookups/, or `collection:` for a KV store lookup",
                );
                None
            }
        }
    } else {
        // The 5.x shape, as `detc schema` describes it: contentctl 4.x's
        // keys do not belong in it.
        m.note_enum("lookup_type", LOOKUP_TYPES);
        m.note_required("lookup_type");
        for k in ["filename", "collection", "fields_list"] {
            m.note(k, Shape::Forbidden);
        }
        match m.get_some(de, "lookup_type") {
            Some(n) => de
                .string(n, "lookup_type")
                .and_then(|v| one_of(de, v, LOOKUP_TYPES, "lookup_type")),
            None => {
                let at = m.span;
                de.push(
                    diag(code::S001, "lookup is missing required field `lookup_type`")
                        .at(detc_diag::Span::new(at.file, at.start, at.start))
                        .help("add `lookup_type:` with csv, kvstore or mlmodel"),
                );
                None
            }
        }
    };
    if format == Format::V4 && de.peek(root, "fields").is_some_and(|n| de.is_scalar(n)) {
        ignored_key(
            de,
            &mut m,
            "fields",
            "a 4.x lookup lists its KV store fields in `fields_list`",
        );
    }
    let mut fields = if m.was_read("fields") {
        Vec::new()
    } else {
        m.str_list(de, "fields")
    };
    if fields.is_empty() {
        fields = v4_fields;
    }
    let written_by = match m.get_some(de, "written_by") {
        Some(n) => de
            .string(n, "written_by")
            .and_then(|v| one_of(de, v, WRITTEN_BY, "written_by")),
        None => None,
    };
    if let Some(w) = &written_by {
        let kind = lookup_type.as_ref().map(|t| t.value.as_str());
        if kind.is_some_and(|t| t != "csv" && t != "kvstore") {
            constraint(
                de,
                w.span,
                "`written_by: firstseen` applies only to `lookup_type: csv` or `kvstore`".into(),
                "make the lookup `lookup_type: kvstore` (firstseen's store=kvstore, for search head clusters) \
                 or `csv` (its file store)",
            );
        }
        let (columns, hint) = if kind == Some("kvstore") {
            (
                FIRSTSEEN_KV_COLUMNS,
                "list _key, the key fields, then firstTimeSeen, lastTimeSeen and reportedTime",
            )
        } else {
            (
                FIRSTSEEN_STATE_COLUMNS,
                "list the key fields, then firstTimeSeen, lastTimeSeen and enough_data",
            )
        };
        for col in columns {
            if !fields.iter().any(|f| f.value == *col) {
                constraint(
                    de,
                    w.span,
                    format!("a lookup written by firstseen must list `{col}` in `fields`"),
                    hint,
                );
            }
        }
    }
    let mut field_types = Vec::new();
    if let Some(n) = m.get_some(de, "field_types") {
        if let Some(mut fm) = de.map(n, "field_types") {
            for (k, kn, vn) in fm.take_all() {
                let key = Spanned::new(k, de.span(kn));
                if !fields.iter().any(|f| f.value == key.value) || key.value == "_key" {
                    constraint(
                        de,
                        key.span,
                        format!("`{}` is not one of the lookup's `fields`", key.value),
                        "give types only to fields listed in `fields` (after `_key`)",
                    );
                }
                if let Some(v) = de
                    .string(vn, "field_types")
                    .and_then(|v| one_of(de, v, KV_FIELD_TYPES, "KV store field type"))
                {
                    field_types.push((key, v));
                }
            }
        }
        if lookup_type.as_ref().is_some_and(|t| t.value != "kvstore")
            && let Some(span) = m.key_span(de, "field_types")
        {
            constraint(
                de,
                span,
                "`field_types` applies only to `lookup_type: kvstore`".into(),
                "remove it, or make the lookup a KV store collection",
            );
        }
    }
    let mut options = Vec::new();
    for key in [
        "default_match",
        "match_type",
        "min_matches",
        "max_matches",
        "case_sensitive_match",
    ] {
        // contentctl 4.4.7's `Lookup` has no `max_matches`: it ignores the
        // key (an `S006` from `finish`), so a 4.x build does not write it.
        if format == Format::V4 && key == "max_matches" {
            if let Some(span) = m.key_span(de, key) {
                de.push(
                    diag(code::S006, "`max_matches` has no effect in 4.x content: contentctl 4.4.7's lookups have no such field".to_string())
                        .at(span)
                        .label("ignored")
                        .help("the build leaves it out, as 4.4.7 did, so Splunk's default applies; after `detc migrate` (which keeps it) it takes effect"),
                );
            }
            let _ = m.get(key);
            continue;
        }
        let Some(n) = m.get_some(de, key) else {
            continue;
        };
        let value = match key {
            "match_type" if format == Format::V4 && de.string(n, key).is_some() => {
                de.string(n, key)
            }
            "case_sensitive_match" | "default_match" if format == Format::V4 => {
                de.scalar_text(n, key).map(|v| {
                    let b = v.value.to_ascii_lowercase();
                    let t = if b == "true" || b == "false" {
                        b
                    } else {
                        v.value.clone()
                    };
                    Spanned::new(t, v.span)
                })
            }
            "match_type" => de.string_list(n, key).map(|l| {
                for v in &l {
                    let ok = (v.value.starts_with("WILDCARD(") || v.value.starts_with("CIDR("))
                        && v.value.ends_with(')');
                    regex_like(de, v, ok, "match_type", "WILDCARD(field) or CIDR(field)");
                }
                Spanned::new(
                    l.iter()
                        .map(|v| v.value.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                    de.span(n),
                )
            }),
            "min_matches" | "max_matches" => de.int(n, key).map(|v| {
                let bad = (key == "min_matches" && v.value < 0)
                    || (key == "max_matches" && !(1..=1000).contains(&v.value));
                if bad {
                    constraint(
                        de,
                        v.span,
                        format!("`{key}` {} is out of range", v.value),
                        if key == "min_matches" {
                            "use 0 or more"
                        } else {
                            "use 1 to 1000"
                        },
                    );
                }
                Spanned::new(v.value.to_string(), v.span)
            }),
            "case_sensitive_match" => de
                .bool(n, key)
                .map(|b| Spanned::new(b.value.to_string(), b.span)),
            _ => de.scalar_text(n, key),
        };
        if let Some(v) = value {
            options.push((key.to_string(), v));
        }
    }
    if format == Format::V5 {
        for k in ["filename", "collection", "fields_list"] {
            if let Some(span) = m.key_span(de, k) {
                de.push(diag(code::S002, format!("`{k}` is a contentctl 4.x lookup field, but this lookup has a 5.x `lookup_type`"))
                    .at(span)
                    .help(match k {
                        "filename" => "remove it: the csv file is `lookups/<this file's stem>.csv` (`detc migrate` renames 4.x files)",
                        "collection" => "remove it: the KV store collection is named after the lookup",
                        _ => "rename `fields_list` to `fields` and write it as a list starting with `_key`",
                    }));
            }
            let _ = m.get(k);
        }
    }
    m.finish(de);
    Some(Lookup {
        common,
        lookup_type,
        fields,
        csv_header: None,
        options,
        field_types,
        written_by,
        filename,
        format,
    })
}

/// A UUID as contentctl's models accept it (JSON Schema `pattern`).
pub const UUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// A date, `YYYY-MM-DD` (JSON Schema `pattern`).
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// KV store field types (collections.conf.spec `field.<name>`).
pub const KV_FIELD_TYPES: &[&str] = &["string", "number", "bool", "time", "array", "cidr"];

/// Decodes a baseline.
pub fn baseline(de: &mut Decoder, root: NodeId, path: &str) -> Option<Baseline> {
    // contentctl 4.4.7's `Baseline` has no `status` and has `datamodel`
    // and `tags.required_fields`.
    let format = if de.has_key(root, "status") {
        Format::V5
    } else {
        Format::V4
    };
    ignore_extra_keys_in(de, format);
    let mut m = de.map(root, "baseline")?;
    let common = common(de, &mut m, path, &BASELINE_BASE, format);
    if format == Format::V4 {
        let _ = m.str_list(de, "datamodel");
    }
    let kind = req_enum(de, &mut m, "type", &["Baseline"]);
    let search = m.req_str(de, "search");
    min_len(de, &search, "search", 4);
    let h = m.req_str(de, "how_to_implement");
    min_len(de, &h, "how_to_implement", 4);
    let k = m.req_str(de, "known_false_positives");
    min_len(de, &k, "known_false_positives", 4);
    let mut analytic_story = Vec::new();
    let mut detections = Vec::new();
    if let Some(n) = m.req(
        de,
        "tags",
        "a mapping with analytic_story, detections, product, security_domain",
    ) && let Some(mut t) = de.map(n, "tags")
    {
        analytic_story = t.req_str_list(de, "analytic_story").unwrap_or_default();
        detections = t.req_str_list(de, "detections").unwrap_or_default();
        let p = t.req_str_list(de, "product").unwrap_or_default();
        t.note_enum_list("product", PRODUCTS);
        enum_list(de, p, PRODUCTS, "product");
        req_enum(de, &mut t, "security_domain", SECURITY_DOMAINS);
        if format == Format::V4 {
            let _ = t.str_list(de, "required_fields");
            for k in crate::legacy::BASELINE_IGNORED_TAGS {
                ignored_key(
                    de,
                    &mut t,
                    k,
                    "a baseline has no risk settings or ATT&CK mapping",
                );
            }
        }
        t.finish(de);
    }
    let deployment = m.get_some(de, "deployment").and_then(|n| {
        let mut dm = de.map(n, "deployment")?;
        let (scheduling, rba_enabled, notable) = decode_deployment_body(de, &mut dm, true);
        let span = dm.span;
        dm.finish(de);
        Some(Deployment {
            common: None,
            kind: None,
            scheduling,
            rba_enabled,
            notable,
            span,
        })
    });
    m.finish(de);
    Some(Baseline {
        common,
        kind,
        search,
        analytic_story,
        detections,
        deployment,
        format,
    })
}

/// Decodes a response task (contentctl 4.4.7 `Investigation` and
/// `InvestigationTags`; unknown keys have no effect, as there).
pub fn investigation(de: &mut Decoder, root: NodeId, path: &str) -> Option<Investigation> {
    ignore_extra_keys_in(de, Format::V4);
    let mut m = de.map(root, "investigation")?;
    let common = common(de, &mut m, path, &INVESTIGATION_BASE, Format::V4);
    let _ = req_enum(de, &mut m, "type", &["Investigation"]);
    let datamodel = match m.req(de, "datamodel", "a list of data models (may be empty)") {
        Some(n) => de.string_list(n, "datamodel").unwrap_or_default(),
        None => Vec::new(),
    };
    let search = m.req_str(de, "search");
    let how_to_implement = m.req_str(de, "how_to_implement");
    let _ = m.req_str(de, "known_false_positives");
    let mut analytic_story = Vec::new();
    if let Some(n) = m.req(
        de,
        "tags",
        "a mapping with analytic_story, product, required_fields, security_domain",
    ) && let Some(mut t) = de.map(n, "tags")
    {
        analytic_story = t.req_str_list(de, "analytic_story").unwrap_or_default();
        let _ = t.req_str_list(de, "product");
        let _ = t.str_list(de, "required_fields");
        req_enum(de, &mut t, "security_domain", SECURITY_DOMAINS);
        t.finish(de);
    }
    m.finish(de);
    Some(Investigation {
        common,
        datamodel,
        search,
        how_to_implement,
        analytic_story,
    })
}

/// Decodes a dashboard's YAML (contentctl `Dashboard`: base fields,
/// `description`, `theme`; unknown keys have no effect, as in 4.4.7).
pub fn dashboard(de: &mut Decoder, root: NodeId, path: &str) -> Option<Dashboard> {
    ignore_extra_keys_in(de, Format::V4);
    let mut m = de.map(root, "dashboard")?;
    let common = common(de, &mut m, path, &SUPPORT_OBJECT_BASE, Format::V4);
    let theme = m
        .get_some(de, "theme")
        .and_then(|n| de.string(n, "theme"))
        .and_then(|v| one_of(de, v, &["light", "dark"], "theme"));
    let _ = m.opt_str(de, "j2_template");
    m.finish(de);
    Some(Dashboard {
        common,
        theme,
        json: None,
    })
}

/// Decodes a data source.
pub fn data_source(de: &mut Decoder, root: NodeId, path: &str) -> Option<DataSource> {
    let mut m = de.map(root, "data source")?;
    let common = common(de, &mut m, path, &SUPPORT_OBJECT_BASE, Format::V5);
    for k in ["id", "date", "author"] {
        if !m.has(k) {
            m.missing(de, k, "a value");
        }
    }
    let source = m.req_str(de, "source");
    let sourcetype = m.req_str(de, "sourcetype");
    let separator = m.opt_str(de, "separator").map(|v| v.value);
    for k in ["separator_value", "configuration", "example_log"] {
        let _ = m.opt_str(de, k);
    }
    let mut supported_ta = None;
    if let Some(n) = m.get_some(de, "supported_TA") {
        for item in de.seq(n, "supported_TA").unwrap_or_default() {
            if let Some(mut t) = de.map(item, "supported_TA entry") {
                let name = t.req_str(de, "name");
                let url = t.opt_str(de, "url");
                let version = t
                    .req(de, "version", "a version string")
                    .and_then(|v| de.scalar_text(v, "version"));
                if supported_ta.is_none()
                    && let (Some(name), Some(version)) = (&name, &version)
                {
                    supported_ta = Some((
                        name.value.clone(),
                        version.value.clone(),
                        url.map(|u| u.value).unwrap_or_default(),
                    ));
                }
                t.finish(de);
            }
        }
    }
    for k in ["fields", "field_mappings", "convert_to_log_source"] {
        if let Some(n) = m.get_some(de, k) {
            let _ = de.seq(n, k);
        }
    }
    let _ = m.str_list(de, "mitre_components");
    let output_fields = m.str_list(de, "output_fields");
    m.finish(de);
    Some(DataSource {
        common,
        source,
        sourcetype,
        output_fields,
        separator,
        supported_ta,
    })
}

/// Decodes a named deployment.
pub fn deployment(de: &mut Decoder, root: NodeId, path: &str) -> Option<Deployment> {
    let mut m = de.map(root, "deployment")?;
    let common = common(de, &mut m, path, &SUPPORT_OBJECT_BASE, Format::V5);
    for k in ["id", "date", "author"] {
        if !m.has(k) {
            m.missing(de, k, "a value");
        }
    }
    let kind = req_enum(de, &mut m, "type", DEPLOYMENT_TYPES);
    let (scheduling, rba_enabled, notable) = decode_deployment_body(de, &mut m, false);
    let span = m.span;
    m.finish(de);
    Some(Deployment {
        common: Some(common),
        kind,
        scheduling,
        rba_enabled,
        notable,
        span,
    })
}
