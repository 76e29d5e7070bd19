//! The content objects as decoded: each value with its span.

use super::*;

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

    /// The validated `status` (`None` when missing or not an allowed
    /// value, which the decoder reported).
    pub fn status(&self) -> Option<Status> {
        self.status.as_ref().and_then(|s| Status::parse(&s.value))
    }

    /// Whether `status` is `production`.
    pub fn is_production(&self) -> bool {
        self.status() == Some(Status::Production)
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

    /// Whether `enabled_by_default: true` is allowed: only for production
    /// TTP, Anomaly and Correlation detections (contentctl's
    /// `Detection_Abstract.only_enabled_if_production_status`; rule P001).
    pub fn may_be_enabled_by_default(&self) -> bool {
        self.common.is_production() && self.detection_type().is_some_and(DetectionType::alerts)
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
        match self.kind()? {
            LookupType::Csv => Some(format!("{}.csv", self.common.file_stem())),
            LookupType::MlModel => Some(format!("{}.mlmodel", self.common.file_stem())),
            LookupType::KvStore => None,
        }
    }

    /// The validated `lookup_type` (`None` when missing or not one of
    /// [`crate::enums::LOOKUP_TYPES`], which the decoder reported).
    pub fn kind(&self) -> Option<LookupType> {
        self.lookup_type
            .as_ref()
            .and_then(|t| LookupType::parse(&t.value))
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
    /// `how_to_implement`, written as `action.escu.how_to_implement`.
    pub how_to_implement: Option<Spanned<String>>,
    /// A 4.x baseline's `datamodel` list, written as
    /// `action.escu.data_models` (`null` when absent, as contentctl 4.4.7
    /// writes `None`); 5.x baselines have none (contentctl 5 computes it
    /// from the search).
    pub datamodel: Option<Vec<Spanned<String>>>,
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
    /// `fields`: the fields its events have (contentctl 4.2+ layout).
    pub fields: Vec<Spanned<String>>,
    /// `separator` (the field that tells event types apart, such as
    /// `eventName`), if any.
    pub separator: Option<String>,
    /// The first `supported_TA` entry: `(name, version, url)`, the url
    /// empty when not given (what contentctl's `data_sources` lookup lists).
    pub supported_ta: Option<(String, String, String)>,
    /// Written in the layout contentctl 4.1.2 to 4.1.5 read (`supported_TA`
    /// a mapping, `event_names`), which 4.2.0 and later refuse
    /// ([`crate::era::Feature::DataSourceObjects`]).
    pub legacy_layout: bool,
    /// For a file in that layout, what the two layouts' readers found:
    /// `(legacy, current)`. [`crate::reference::settle`] keeps the set of the
    /// reference's layout and empties this.
    pub layout_diags: Option<Box<(Vec<detc_diag::Diagnostic>, Vec<detc_diag::Diagnostic>)>>,
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
