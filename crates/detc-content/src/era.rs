//! Which contentctl a 4.x release was built with, and what that version
//! accepts and writes.
//!
//! security_content's 4.x releases (ESCU v4.20, 2024-01, to v4.42, 2024-10)
//! were each built by the contentctl then current, and contentctl changed
//! what it reads and refuses release by release. detc builds 4.x content
//! as its *reference* built it: the contentctl of the content's era. The
//! reference is, first found wins:
//! 1. `--contentctl VERSION` on the command line;
//! 2. `[build] contentctl = "VERSION"` in `detc.toml`;
//! 3. a `contentctl==VERSION` pin in `requirements.txt` beside
//!    `contentctl.yml` (security_content kept one there);
//! 4. the era of the ESCU release named by `app.version` in
//!    `contentctl.yml` ([`escu_era`]), corrected by what the content itself
//!    shows (drilldowns, the data-source layout, observable roles: a tool
//!    that refused them could not have built it);
//! 5. contentctl 4.4.7, the last 4.x.
//!
//! The behaviours that differ, each with the first version that has it, are
//! in [`Feature`] (read from each version's source on PyPI: `input/director.py`,
//! `objects/observable.py`, `objects/data_source.py`,
//! `objects/abstract_security_content_objects/detection_abstract.py`,
//! `actions/validate.py`). 5.x content is always built as contentctl 5.6.2
//! builds it; the reference only speaks for 4.x content.

use std::fmt;

/// A contentctl version, `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major version (4 for every reference detc knows).
    pub major: u16,
    /// Minor version.
    pub minor: u16,
    /// Patch version.
    pub patch: u16,
}

impl Version {
    /// `major.minor.patch`.
    pub const fn new(major: u16, minor: u16, patch: u16) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// Parses `4.0.4` (a missing patch is 0; a pre-release or local suffix
    /// such as `5.0.0a2` is refused). `None` when it is not a version.
    pub fn parse(s: &str) -> Option<Version> {
        let mut it = s.trim().split('.');
        let num = |p: Option<&str>| -> Option<u16> {
            let p = p?;
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            p.parse().ok()
        };
        let major = num(it.next())?;
        let minor = num(it.next())?;
        let patch = match it.next() {
            None => 0,
            p => num(p)?,
        };
        if it.next().is_some() {
            return None;
        }
        Some(Version::new(major, minor, patch))
    }

    /// The last 4.x release, the default reference for 4.x content.
    pub const LATEST_4X: Version = Version::new(4, 4, 7);
}

impl Default for Version {
    /// [`Version::LATEST_4X`].
    fn default() -> Self {
        Version::LATEST_4X
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The 4.x contentctl versions detc knows the behaviour of (every release
/// on PyPI from 4.0.1 to 4.4.7): a reference outside this list is refused,
/// so that a typo does not silently pick a behaviour.
pub const KNOWN_4X: &[Version] = &[
    Version::new(4, 0, 1),
    Version::new(4, 0, 2),
    Version::new(4, 0, 3),
    Version::new(4, 0, 4),
    Version::new(4, 0, 5),
    Version::new(4, 1, 0),
    Version::new(4, 1, 1),
    Version::new(4, 1, 2),
    Version::new(4, 1, 3),
    Version::new(4, 1, 4),
    Version::new(4, 1, 5),
    Version::new(4, 2, 0),
    Version::new(4, 2, 1),
    Version::new(4, 2, 2),
    Version::new(4, 2, 4),
    Version::new(4, 2, 5),
    Version::new(4, 3, 0),
    Version::new(4, 3, 1),
    Version::new(4, 3, 2),
    Version::new(4, 3, 3),
    Version::new(4, 3, 4),
    Version::new(4, 3, 5),
    Version::new(4, 4, 0),
    Version::new(4, 4, 1),
    Version::new(4, 4, 3),
    Version::new(4, 4, 4),
    Version::new(4, 4, 5),
    Version::new(4, 4, 6),
    Version::new(4, 4, 7),
];

/// A behaviour of contentctl 4.x that some versions have and earlier ones
/// do not. Each is on from [`Feature::since`] and stays on through 4.4.7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// `data_sources/` is read at all (`input/director.py` loads
    /// `SecurityContentType.data_sources`); before, the folder is ignored.
    DataSourcesRead,
    /// Data sources are `SecurityContentObject`s (`date`, `version`,
    /// `description` required, `supported_TA` a list of `{name, url,
    /// version}`); before, a plain model with `supported_TA` a mapping and
    /// `event_names`, extra keys ignored.
    DataSourceObjects,
    /// A lookup folder's `.csv`/`.mlmodel` file that no lookup names is an
    /// error (`actions/validate.py`, `ensure_no_orphaned_files_in_lookups`).
    OrphanLookupFiles,
    /// An observable has exactly one role, `Attacker` or `Victim`
    /// (`RBA_OBSERVABLE_ROLE_MAPPING`); before, one or more of the SES
    /// roles (`Other`, `Unknown`, `Actor`, `Target`, `Attacker`, `Victim`,
    /// `Parent Process`, `Child Process`, `Known Bad`, `Data Loss`,
    /// `Observer`). From the same version an `Attacker` of a type without a
    /// threat mapping becomes a threat object of its lowercased type; before,
    /// an `other` risk object (`detection_abstract.py`, `risk`).
    RbaRoles,
    /// Filter macros are checked: the search holds its own
    /// `<name>_filter` macro (`validate_presence_of_filter_macro`), and a
    /// macro whose name contains `_filter` must be defined; before, such
    /// macros were skipped (`"_filter"` in `MACROS_TO_IGNORE`,
    /// `objects/macro.py`).
    FilterMacros,
    /// The base fields of every object (`id`, `version`, `date`, `author`,
    /// `description`) are required; before, a missing one took a default
    /// (`security_content_object_abstract.py`: a random `uuid4` id,
    /// version 1, today's date, `Content Author`, `Enter Description
    /// Here`).
    RequiredBaseFields,
    /// A detection's `tags.cve` entries must match `^CVE-[1|2][0-9]{3}-[0-9]+$`
    /// (`CVE_TYPE`); before, the pattern was a bare `Annotated` string that
    /// pydantic does not check.
    CvePattern,
    /// `security_domain: cloud` is refused (`SecurityDomain` in
    /// `objects/enums.py` lost `cloud` in 4.4.3).
    NoCloudDomain,
    /// `drilldown_searches` is read and written to savedsearches.conf, and a
    /// production detection that is not Hunting needs two of them, one on
    /// `%original_detection_search%` (`detection_abstract.py`); before, the
    /// key is ignored.
    Drilldowns,
    /// The notable's severity is the detection's computed one
    /// (`tags.severity`, from `risk_score`), and `tags.throttling` is written
    /// (`alert.suppress*`); before, `savedsearches_detections.j2` wrote
    /// `action.notable.param.severity = high` for every detection and no
    /// throttling.
    NotableSeverity,
    /// `action.escu.full_search_name` is no longer written; before, every
    /// detection and baseline stanza repeated its own name in it
    /// (`savedsearches_detections.j2`, `savedsearches_baselines.j2`).
    NoFullSearchName,
    /// `action.correlationsearch.label` is the stanza name; before, a
    /// deprecated, experimental or Correlation detection's label read
    /// `<label> - Deprecated - <name> - Rule`, `- Experimental -`,
    /// `- RIR -` (`savedsearches_detections.j2` until 4.2.1).
    PlainLabel,
    /// `action.correlationsearch.annotations` holds the detection's
    /// `data_source` names (`detection_abstract.py`, `annotations`).
    AnnotatedDataSources,
    /// `action.correlationsearch.metadata` holds `publish_time`, the
    /// detection's date in seconds since the epoch (`metadata`; before,
    /// `getMetadata()` wrote `deprecated`, `detection_id` and
    /// `detection_version` only).
    PublishTime,
    /// `action.correlationsearch.annotations` holds `type_list`, the
    /// detection's type in a list (`detection_abstract.py`,
    /// `annotations`).
    TypeList,
    /// `dashboards/` is read and each dashboard written as a view
    /// (`input/director.py`, `output/conf_output.py`).
    Dashboards,
}

impl Feature {
    /// Every feature, in declaration order.
    pub const ALL: &[Feature] = &[
        Feature::DataSourcesRead,
        Feature::DataSourceObjects,
        Feature::OrphanLookupFiles,
        Feature::RbaRoles,
        Feature::FilterMacros,
        Feature::RequiredBaseFields,
        Feature::CvePattern,
        Feature::NoCloudDomain,
        Feature::Drilldowns,
        Feature::NotableSeverity,
        Feature::NoFullSearchName,
        Feature::PlainLabel,
        Feature::AnnotatedDataSources,
        Feature::PublishTime,
        Feature::TypeList,
        Feature::Dashboards,
    ];

    /// One line on the change, for docs/legacy.md's table.
    pub const fn summary(self) -> &'static str {
        match self {
            Feature::DataSourcesRead => {
                "`data_sources/` is read (before, ignored; `C005` does not apply)"
            }
            Feature::DataSourceObjects => {
                "data sources in the 4.2 layout (`supported_TA` a list, `date`, `version`, `description` required); before, `supported_TA` a mapping and `event_names`"
            }
            Feature::OrphanLookupFiles => {
                "a file in `lookups/` that no lookup names is refused (`L003`); before, it ships"
            }
            Feature::RbaRoles => {
                "an observable has one role, `Attacker` or `Victim`; an `Attacker` of a type without a threat mapping is a threat object of its type (before, an `other` risk object)"
            }
            Feature::FilterMacros => {
                "a detection's search holds its `<name>_filter` macro (`Q001`), and `_filter` macros must be defined (`Q003`)"
            }
            Feature::RequiredBaseFields => {
                "`id`, `version`, `date`, `author`, `description` required (before, defaulted)"
            }
            Feature::CvePattern => "`tags.cve` entries must match `CVE-YYYY-N...`",
            Feature::NoCloudDomain => "`security_domain: cloud` refused",
            Feature::Drilldowns => {
                "`drilldown_searches` read and written, two required (`D002`); written as `[]` when there are none"
            }
            Feature::NotableSeverity => {
                "notable severity from the risk score (before, `high` for all) and `throttling` written"
            }
            Feature::NoFullSearchName => "`action.escu.full_search_name` no longer written",
            Feature::PlainLabel => {
                "`action.correlationsearch.label` is the stanza (before, `- Deprecated -`, `- Experimental -`, `- RIR -` in it)"
            }
            Feature::AnnotatedDataSources => "`data_source` in the annotations",
            Feature::PublishTime => "`publish_time` in `action.correlationsearch.metadata`",
            Feature::TypeList => "`type_list` in the annotations",
            Feature::Dashboards => "`dashboards/` read and built as views",
        }
    }

    /// The first contentctl version with the behaviour.
    pub const fn since(self) -> Version {
        match self {
            Feature::DataSourcesRead => Version::new(4, 1, 2),
            Feature::DataSourceObjects => Version::new(4, 2, 0),
            Feature::OrphanLookupFiles => Version::new(4, 1, 5),
            Feature::RbaRoles => Version::new(4, 3, 1),
            Feature::FilterMacros => Version::new(4, 1, 0),
            Feature::RequiredBaseFields => Version::new(4, 4, 0),
            Feature::CvePattern => Version::new(4, 2, 4),
            Feature::NoCloudDomain => Version::new(4, 4, 3),
            Feature::Drilldowns => Version::new(4, 4, 0),
            Feature::NotableSeverity => Version::new(4, 4, 0),
            Feature::NoFullSearchName => Version::new(4, 4, 0),
            Feature::PlainLabel => Version::new(4, 2, 2),
            Feature::AnnotatedDataSources => Version::new(4, 2, 0),
            Feature::PublishTime => Version::new(4, 3, 3),
            Feature::Dashboards => Version::new(4, 4, 0),
            Feature::TypeList => Version::new(4, 4, 0),
        }
    }
}

/// Where the reference came from, as the build's first line says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--contentctl` on the command line.
    Flag,
    /// `[build] contentctl` in detc.toml.
    DetcToml,
    /// The `contentctl==` pin in `requirements.txt`.
    Requirements,
    /// The era of the ESCU release named by `app.version`, and what the
    /// content shows (the text says which).
    Inferred(String),
    /// Nothing said otherwise: the last 4.x.
    Default,
}

/// The contentctl that 4.x content is checked and built against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Its version.
    pub version: Version,
    /// How it was chosen.
    pub source: Source,
}

impl Default for Reference {
    fn default() -> Self {
        Reference {
            version: Version::LATEST_4X,
            source: Source::Default,
        }
    }
}

impl Reference {
    /// Whether the reference has `f`.
    pub fn has(&self, f: Feature) -> bool {
        self.version >= f.since()
    }

    /// `contentctl 4.0.4`, for messages.
    pub fn tool(&self) -> String {
        format!("contentctl {}", self.version)
    }

    /// One line on the reference and why, for the build's output.
    pub fn describe(&self) -> String {
        let why = match &self.source {
            Source::Flag => "given by --contentctl".to_string(),
            Source::DetcToml => "[build] contentctl in detc.toml".to_string(),
            Source::Requirements => "pinned in requirements.txt".to_string(),
            Source::Inferred(why) => why.clone(),
            Source::Default => {
                "the last 4.x; set [build] contentctl in detc.toml to build as an earlier one"
                    .to_string()
            }
        };
        format!(
            "4.x content is built as contentctl {} built it ({why})",
            self.version
        )
    }
}

/// The contentctl version of a security_content 4.x release's era: the
/// contentctl on PyPI when the release was tagged. Anchored on releases
/// whose era is known (v4.33.0 with 4.0.4, v4.36.0 with 4.1.3, v4.40.0 with
/// 4.3.3, v4.42.0 with 4.4.7; releases before v4.33.0, May 2024 and
/// earlier, with 4.0.1); between anchors the earlier anchor's version
/// holds, which the content's own features then correct ([`infer`]).
/// `None` for a version outside 4.x.
pub fn escu_era(release: Version) -> Option<Version> {
    if release.major != 4 {
        return None;
    }
    Some(match release.minor {
        0..=32 => Version::new(4, 0, 1),
        33..=35 => Version::new(4, 0, 4),
        36..=39 => Version::new(4, 1, 3),
        40..=41 => Version::new(4, 3, 3),
        _ => Version::LATEST_4X,
    })
}

/// What the content shows about the tool that built it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evidence {
    /// A detection has `drilldown_searches` (read from 4.4.0).
    pub drilldowns: bool,
    /// A data source is in the `SecurityContentObject` layout (4.2.0 on).
    pub object_data_sources: bool,
    /// A data source is in the earlier layout (`supported_TA` a mapping,
    /// `event_names`), which 4.2.0 and later refuse.
    pub legacy_data_sources: bool,
    /// An observable has a role other than `Attacker`/`Victim`, or more
    /// than one: 4.3.1 and later refuse it.
    pub ses_roles: bool,
}

/// The reference for content of ESCU release `release` (from
/// `app.version`; `None` when it is not a 4.x version) that shows
/// `ev`. Content features win over the release's era where they
/// contradict it: a fork keeps the release number of its base and may have
/// moved on, and a tool that refuses what the content holds cannot have
/// built it.
pub fn infer(release: Option<Version>, ev: Evidence) -> Reference {
    let era = release.and_then(escu_era);
    let mut v = era.unwrap_or(Version::LATEST_4X);
    let mut why: Vec<String> = Vec::new();
    match (era, release) {
        (Some(_), Some(r)) => why.push(format!("the era of ESCU v{r}, app.version")),
        _ => why.push("the last 4.x".to_string()),
    }
    // Raise to the first version that reads what the content has...
    if ev.drilldowns && v < Feature::Drilldowns.since() && !ev.ses_roles && !ev.legacy_data_sources
    {
        v = Version::LATEST_4X;
        why.push("its detections have drilldown_searches".into());
    }
    if ev.object_data_sources && !ev.legacy_data_sources && v < Feature::DataSourceObjects.since() {
        v = if ev.ses_roles {
            Version::new(4, 2, 5)
        } else {
            Version::new(4, 3, 3)
        };
        why.push("its data sources are in the 4.2 layout".into());
    }
    // ...and lower it below the first version that refuses it.
    if ev.legacy_data_sources && v >= Feature::DataSourceObjects.since() {
        v = Version::new(4, 1, 5);
        why.push("its data sources are in the layout before 4.2".into());
    }
    if ev.ses_roles && v >= Feature::RbaRoles.since() {
        v = Version::new(4, 3, 0);
        why.push("its observables have roles that 4.3.1 refuses".into());
    }
    let source = if era.is_none() && why.len() == 1 {
        Source::Default
    } else {
        Source::Inferred(why.join("; "))
    };
    Reference { version: v, source }
}

/// The `contentctl==VERSION` pin of a requirements.txt text, if any.
pub fn requirements_pin(text: &str) -> Option<&str> {
    text.lines().find_map(|l| {
        let l = l.split('#').next().unwrap_or("").trim();
        let rest = l.strip_prefix("contentctl")?.trim_start();
        rest.strip_prefix("==").map(str::trim)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_order() {
        assert_eq!(Version::parse("4.0.4"), Some(Version::new(4, 0, 4)));
        assert_eq!(Version::parse("4.42"), Some(Version::new(4, 42, 0)));
        assert_eq!(Version::parse("5.0.0a2"), None);
        assert_eq!(Version::parse("4..1"), None);
        assert!(Version::new(4, 10, 0) > Version::new(4, 9, 9));
        assert_eq!(Version::new(4, 3, 3).to_string(), "4.3.3");
    }

    #[test]
    fn anchors_of_the_issue() {
        let era = |s| escu_era(Version::parse(s).unwrap()).unwrap().to_string();
        assert_eq!(era("4.20.0"), "4.0.1");
        assert_eq!(era("4.33.0"), "4.0.4");
        assert_eq!(era("4.36.0"), "4.1.3");
        assert_eq!(era("4.40.0"), "4.3.3");
        assert_eq!(era("4.42.0"), "4.4.7");
        assert_eq!(escu_era(Version::new(5, 0, 0)), None);
    }

    #[test]
    fn content_corrects_the_era() {
        let r = |s: &str, ev| infer(Version::parse(s), ev).version.to_string();
        let none = Evidence::default();
        assert_eq!(r("4.33.0", none), "4.0.4");
        // A v4.36 fork whose data sources moved to the 4.2 layout.
        let objects = Evidence {
            object_data_sources: true,
            ..none
        };
        assert_eq!(r("4.36.0", objects), "4.3.3");
        // A v4.40 fork that still has `Other` roles cannot be 4.3.1+.
        let roles = Evidence {
            object_data_sources: true,
            ses_roles: true,
            ..none
        };
        assert_eq!(r("4.40.0", roles), "4.3.0");
        // Drilldowns need 4.4.
        let dd = Evidence {
            drilldowns: true,
            object_data_sources: true,
            ..none
        };
        assert_eq!(r("4.41.0", dd), "4.4.7");
        // No version: the last 4.x, said to be the default.
        assert_eq!(infer(None, none).source, Source::Default);
    }

    #[test]
    fn requirements_pins() {
        assert_eq!(
            requirements_pin("pyyaml\ncontentctl==4.0.4 # build\n"),
            Some("4.0.4")
        );
        assert_eq!(requirements_pin("contentctl>=4\n"), None);
        assert_eq!(requirements_pin("contentctl-extras==1.0\n"), None);
    }
}

/// Parses a reference given by hand: a known 4.x version, else why not.
pub fn parse_given(s: &str) -> Result<Version, String> {
    let v = Version::parse(s)
        .ok_or_else(|| format!("`{s}` is not a contentctl version (write it as `4.0.4`)"))?;
    if KNOWN_4X.contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "contentctl {v} is not a 4.x release detc knows (4.0.1 to 4.4.7, as on PyPI); 5.x content needs no reference"
        ))
    }
}

/// docs/legacy.md's table of what each 4.x contentctl changed: one row per
/// [`Feature`] and per rule of `detc_codes::CONTENTCTL4_SINCE`, by version.
pub fn markdown_table() -> String {
    let mut rows: Vec<(Version, String)> = Feature::ALL
        .iter()
        .map(|f| (f.since(), f.summary().to_string()))
        .collect();
    for (code, (a, b, c)) in detc_codes::CONTENTCTL4_SINCE {
        let name = code.rule().name;
        rows.push((
            Version::new(*a, *b, *c),
            format!("`{}` {name} is checked", code.as_str()),
        ));
    }
    rows.sort_by_key(|r| r.0);
    let mut out = String::from("| contentctl | what changed |\n|---|---|\n");
    for (v, what) in rows {
        out.push_str(&format!("| {v} | {what} |\n"));
    }
    out
}

#[cfg(test)]
mod docs_table {
    /// docs/legacy.md holds [`super::markdown_table`] between its markers.
    /// With `DETC_UPDATE_DOCS=1` the test rewrites it instead.
    #[test]
    fn docs_legacy_md_matches_the_features() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/legacy.md");
        let doc = std::fs::read_to_string(path).expect("docs/legacy.md");
        let (open, close) = (
            "<!-- era table: generated -->\n",
            "<!-- end of era table -->",
        );
        let start = doc.find(open).expect("the era table's opening marker") + open.len();
        let end = doc.find(close).expect("the era table's closing marker");
        let want = super::markdown_table();
        if doc[start..end] != want {
            if std::env::var_os("DETC_UPDATE_DOCS").is_some() {
                let new = format!("{}{}{}", &doc[..start], want, &doc[end..]);
                std::fs::write(path, new).expect("write docs/legacy.md");
            } else {
                panic!(
                    "docs/legacy.md's era table is stale; run `DETC_UPDATE_DOCS=1 cargo test -p detc-content docs_legacy_md` to regenerate it"
                );
            }
        }
    }
}
