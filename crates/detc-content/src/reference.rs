//! Settling a project's reference (the contentctl 4.x its content is built
//! as, [`crate::era`]) from the flag, detc.toml, requirements.txt and what
//! the content shows, then applying what that version accepts and
//! refuses to the decoded content (F004, F005, M002, S004, S005, S006).
//! Kept apart from `era`'s facts, which the model and the lints read.

use crate::codes::{code, diag};
use crate::era::{
    Evidence, Feature, Reference, Source, Version, infer, parse_given, requirements_pin,
};
use crate::format::Format;
use crate::load::Project;
use detc_diag::Span;

/// What [`settle`] is told from outside the content.
#[derive(Debug, Clone, Default)]
pub struct Given {
    /// `--contentctl VERSION`.
    pub flag: Option<String>,
    /// `[build] contentctl` of detc.toml, with its span.
    pub toml: Option<(String, Span)>,
}

/// What the content shows ([`Evidence`]), from its 4.x detections and its
/// data sources.
fn evidence(p: &Project) -> Evidence {
    let c = &p.content;
    let v4 = || c.detections.iter().filter(|d| d.format == Format::V4);
    Evidence {
        drilldowns: v4().any(|d| !d.drilldowns.is_empty()),
        object_data_sources: c.data_sources.iter().any(|d| !d.legacy_layout),
        legacy_data_sources: c.data_sources.iter().any(|d| d.legacy_layout),
        ses_roles: v4()
            .filter_map(|d| d.legacy.as_ref())
            .flat_map(|l| &l.observables)
            .any(|o| !rba_roles(o)),
    }
}

/// Whether an observable's roles are what contentctl 4.3.1 and later
/// accept: exactly one, `Attacker` or `Victim`.
fn rba_roles(o: &crate::legacy::Observable) -> bool {
    o.roles.len() <= 1
        && o.roles
            .iter()
            .all(|r| crate::legacy::OBSERVABLE_ROLES.contains(&r.value.as_str()))
}

/// Chooses the reference contentctl of `p` (see the module documentation)
/// and applies what depends on it to the decoded content, before the rules
/// run:
/// - data sources: none is read before 4.1.2 (their findings are dropped);
///   a file in the layout before 4.2 is checked by that layout's reader
///   when the reference is 4.1.x, by the later one (`S001`-`S003`) from
///   4.2.0 on;
/// - observable roles other than one `Attacker`/`Victim`: `S004`/`S005`
///   errors from 4.3.1 on, `M002` warnings before (the reference builds
///   them; a later one refuses them);
/// - `drilldown_searches` in 4.x content before 4.4.0: ignored (`S006`),
///   and not built.
///
/// A reference given by hand that is not a known 4.x version is an error
/// (`F004` for the flag, `F005` at the detc.toml value), and the reference
/// is then chosen as if it had not been given.
pub fn settle(p: &mut Project, given: &Given) {
    p.reference = choose(p, given);
    apply(p);
}

fn choose(p: &mut Project, given: &Given) -> Reference {
    if let Some(f) = &given.flag {
        match parse_given(f) {
            Ok(version) => {
                return Reference {
                    version,
                    source: Source::Flag,
                };
            }
            Err(e) => p.diags.push(
                diag(code::F004, format!("--contentctl: {e}"))
                    .help("give a 4.x version such as `--contentctl 4.0.4`"),
            ),
        }
    }
    if let Some((t, span)) = &given.toml {
        match parse_given(t) {
            Ok(version) => {
                return Reference {
                    version,
                    source: Source::DetcToml,
                };
            }
            Err(e) => p.diags.push(
                diag(code::F005, format!("detc.toml: [build] contentctl: {e}"))
                    .at(*span)
                    .help("write `contentctl = \"4.0.4\"` under `[build]`"),
            ),
        }
    }
    if let Ok(text) = std::fs::read_to_string(p.root.join("requirements.txt"))
        && let Some(version) = requirements_pin(&text).and_then(|v| parse_given(v).ok())
    {
        return Reference {
            version,
            source: Source::Requirements,
        };
    }
    let release = Version::parse(&p.config.app.version);
    infer(release, evidence(p))
}

fn apply(p: &mut Project) {
    let r = p.reference.clone();
    let tool = r.tool();
    let mut out = Vec::new();
    // Data sources.
    let ds_files: std::collections::HashSet<detc_diag::FileId> = p
        .content
        .data_sources
        .iter()
        .map(|d| d.common.file)
        .collect();
    let v4 = p.format() == Format::V4;
    if v4 && !r.has(Feature::DataSourcesRead) {
        p.diags.retain(|d| {
            let f = d.file.or(d.span.map(|s| s.file));
            !f.is_some_and(|f| ds_files.contains(&f))
        });
    }
    // Dashboards: the reference does not read dashboards/ (contentctl 4.4.0
    // and later do), so neither its findings nor its views count.
    if v4 && !r.has(Feature::Dashboards) && !p.content.dashboards.is_empty() {
        let files: std::collections::HashSet<detc_diag::FileId> =
            p.content.dashboards.iter().map(|d| d.common.file).collect();
        p.diags.retain(|d| {
            let f = d.file.or(d.span.map(|s| s.file));
            !f.is_some_and(|f| files.contains(&f))
        });
        p.content.dashboards.clear();
    }
    for ds in &mut p.content.data_sources {
        let Some(both) = ds.layout_diags.take() else {
            continue;
        };
        let (legacy, current) = *both;
        if v4 && !r.has(Feature::DataSourcesRead) {
            continue;
        }
        if !v4 || r.has(Feature::DataSourceObjects) {
            out.extend(current);
        } else {
            out.extend(legacy);
        }
    }
    // Findings of the decoders that the reference does not make.
    let formats: std::collections::HashMap<detc_diag::FileId, Format> =
        p.content.formats().map(|(_, c, f)| (c.file, f)).collect();
    for d in &mut p.diags {
        let Some(file) = d.file.or(d.span.map(|s| s.file)) else {
            continue;
        };
        if formats.get(&file) != Some(&Format::V4) {
            continue;
        }
        let base_field = d.code == "S001"
            && ["id", "version", "date", "author", "description"]
                .iter()
                .any(|k| {
                    d.message
                        .ends_with(&format!("is missing required field `{k}`"))
                });
        let cve = d.code == "S005" && d.message.ends_with("is not a valid CVE id");
        let (feature, then) = if base_field && !r.has(Feature::RequiredBaseFields) {
            (
                Feature::RequiredBaseFields,
                "fills in a default (a random id, version 1, today's date)",
            )
        } else if cve && !r.has(Feature::CvePattern) {
            (Feature::CvePattern, "does not check it")
        } else {
            continue;
        };
        let mut m = diag(
            code::M002,
            format!(
                "{}: {tool} {then}, but contentctl {} and later refuse it",
                d.message,
                feature.since()
            ),
        );
        m.span = d.span;
        m.file = d.file;
        m.label = d.label.take();
        m.help = d.help.take();
        *d = m;
    }
    if v4 && !r.has(Feature::DataSourcesRead) {
        // The reference does not read data_sources/: neither do the rules
        // nor the build.
        p.content.data_sources.clear();
    }
    // Observables and drilldowns of 4.x detections.
    for d in &mut p.content.detections {
        if d.format != Format::V4 {
            continue;
        }
        if !r.has(Feature::Drilldowns) && !d.drilldowns.is_empty() {
            if let Some(span) = d.drilldowns_span {
                out.push(
                    diag(code::S006, format!("`drilldown_searches` has no effect: {tool} ignores it (contentctl 4.4.0 and later read it)"))
                        .at(span)
                        .label("ignored")
                        .help("remove it, or build as contentctl 4.4.7 (`[build] contentctl = \"4.4.7\"` in detc.toml)"),
                );
            }
            d.drilldowns.clear();
        }
        if !r.has(Feature::NotableSeverity)
            && let Some(t) = d.tags.throttling.take()
            && let Some(span) = t
                .period
                .as_ref()
                .map(|p| p.span)
                .or(t.fields.first().map(|f| f.span))
        {
            out.push(
                diag(code::S006, format!("`throttling` has no effect: {tool} ignores it (contentctl 4.4.0 and later write it as `alert.suppress`)"))
                    .at(span)
                    .label("ignored")
                    .help("remove it, or build as contentctl 4.4.7 (`[build] contentctl = \"4.4.7\"` in detc.toml)"),
            );
        }
        if let Some(sd) = &d.tags.security_domain
            && sd.value == "cloud"
        {
            out.push(if r.has(Feature::NoCloudDomain) {
                diag(code::S004, format!("`cloud` is not a valid security_domain for {tool} (contentctl 4.4.3 removed it)"))
                    .at(sd.span)
                    .help("use one of: endpoint, network, threat, identity, access, audit (ESCU moved its cloud detections to `threat`)")
            } else {
                diag(code::M002, format!("`security_domain: cloud` builds with {tool}, but contentctl 4.4.3 and later refuse it"))
                    .at(sd.span)
                    .help("before moving to a later release, use one of: endpoint, network, threat, identity, access, audit (ESCU moved its cloud detections to `threat`)")
            });
        }
        let Some(l) = &d.legacy else { continue };
        for o in &l.observables {
            if rba_roles(o) {
                continue;
            }
            let Some(span) = o.role_span else { continue };
            let listed: Vec<String> = o.roles.iter().map(|x| format!("`{}`", x.value)).collect();
            let what = if o.roles.len() > 1 {
                format!(
                    "an observable with {} roles ({})",
                    o.roles.len(),
                    listed.join(", ")
                )
            } else {
                format!("the observable role {}", listed.join(""))
            };
            if r.has(Feature::RbaRoles) {
                let c = if o.roles.len() > 1 {
                    code::S005
                } else {
                    code::S004
                };
                out.push(
                    diag(c, format!("{what} is refused by {tool}: it takes exactly one of `Attacker` or `Victim`"))
                        .at(span)
                        .help("keep `Victim` for the entity at risk (a risk object) or `Attacker` for the threat (a threat object); content of an earlier release builds as its contentctl did with `[build] contentctl` in detc.toml"),
                );
            } else {
                let built = if o.has_role("Victim") {
                    "a risk object"
                } else if o.has_role("Attacker") {
                    "a threat object, or an `other` risk object for types without one"
                } else {
                    "an `other` risk object"
                };
                out.push(
                    diag(code::M002, format!("{what} builds with {tool} (as {built}), but contentctl 4.3.1 and later refuse it"))
                        .at(span)
                        .help("before moving to a later release, keep one role: `Victim` for the entity at risk or `Attacker` for the threat (`detc migrate` asks the same for 5.x)"),
                );
            }
        }
    }
    p.diags.append(&mut out);
}
