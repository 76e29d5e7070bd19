//! References between objects.
//!
//! - `C004 unknown-story`: `tags.analytic_story` entries name stories
//!   (contentctl resolves them and fails otherwise).
//! - `C005 unknown-data-source`: each `data_source` entry, split on `AND`,
//!   names a data source (contentctl `model_post_init`).
//! - `C006 unknown-deployment`: a detection without an inline deployment
//!   needs `ESCU Default Configuration <type>`; a baseline needs
//!   `ESCU Default Configuration Baseline` (contentctl `getDeploymentFromType`).
//! - `C008 unknown-detection`: a baseline's `tags.detections` names
//!   detections; contentctl silently drops unknown names, so this is a warning.
//! - `C009 duplicate-reference`: a story or data source named twice in one
//!   list (contentctl 5.6.2 refuses it; 4.4.7 accepted it).

use super::Cx;
use crate::codes::{Code, code, diag};
use crate::naming::{default_deployment_name, file_stem_for};
use detc_diag::Diagnostic;
use detc_yaml::{Spanned, did_you_mean};
use std::collections::HashSet;

fn unknown(
    code: Code,
    what: &str,
    v: &Spanned<String>,
    known: &HashSet<&str>,
    folder: &str,
) -> Diagnostic {
    let d = diag(code, format!("no {what} is named `{}`", v.value))
        .at(v.span)
        .label(format!("unknown {what}"));
    match did_you_mean(&v.value, known.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(format!(
            "add a {what} with this name under {folder}/, or fix the name"
        )),
    }
}

/// `C009`: a name listed twice in one list (contentctl 5.6.2's
/// `mapNamesToSecurityContentObjects` refuses "Duplicate Story ... found
/// in list"; 4.4.7 accepted it).
fn twice(list: &[Spanned<String>], what: &str, out: &mut Vec<Diagnostic>) {
    for (i, v) in list.iter().enumerate() {
        if let Some(first) = list[..i].iter().find(|f| f.value == v.value) {
            out.push(
                diag(
                    code::C009,
                    format!("the {what} `{}` is listed twice", v.value),
                )
                .at(v.span)
                .label("again here")
                .with_secondary(first.span, "first here")
                .help("remove the second entry"),
            );
        }
    }
}

/// Runs the reference rules.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let c = cx.content;
    let stories: HashSet<&str> = c.stories.iter().map(|s| s.common.name()).collect();
    let sources: HashSet<&str> = c.data_sources.iter().map(|s| s.common.name()).collect();
    let deployments: HashSet<&str> = c
        .deployments
        .iter()
        .filter_map(|d| d.common.as_ref())
        .map(|c| c.name())
        .collect();
    let detections: HashSet<&str> = c.detections.iter().map(|d| d.common.name()).collect();
    for d in &c.detections {
        twice(&d.tags.analytic_story, "analytic story", out);
        twice(&d.data_source, "data source", out);
        for s in &d.tags.analytic_story {
            if !stories.contains(s.value.as_str()) {
                out.push(unknown(
                    code::C004,
                    "analytic story",
                    s,
                    &stories,
                    "stories",
                ));
            }
        }
        for ds in &d.data_source {
            for part in ds.value.split("AND") {
                let part = part.trim();
                if !part.is_empty() && !sources.contains(part) {
                    let sp = cx.locate(ds, ds.value.find(part).unwrap_or(0), part);
                    out.push(unknown(
                        code::C005,
                        "data source",
                        &Spanned::new(part.to_string(), sp),
                        &sources,
                        "data_sources",
                    ));
                }
            }
        }
        if d.deployment.is_none()
            && let Some(k) = &d.kind
        {
            let name = default_deployment_name(&k.value);
            if !deployments.contains(name.as_str()) {
                out.push(
                    diag(
                        code::C006,
                        format!("no deployment `{name}` for this {} detection", k.value),
                    )
                    .at(k.span)
                    .help(format!(
                        "add deployments/{}.yml, or give the detection an inline `deployment:`",
                        file_stem_for(&name)
                    )),
                );
            }
        }
    }
    for b in &c.baselines {
        twice(&b.analytic_story, "analytic story", out);
        for s in &b.analytic_story {
            if !stories.contains(s.value.as_str()) {
                out.push(unknown(
                    code::C004,
                    "analytic story",
                    s,
                    &stories,
                    "stories",
                ));
            }
        }
        for s in &b.detections {
            if !detections.contains(s.value.as_str()) {
                out.push(unknown(
                    code::C008,
                    "detection",
                    s,
                    &detections,
                    "detections",
                ));
            }
        }
        if b.deployment.is_none() {
            let name = default_deployment_name("Baseline");
            if !deployments.contains(name.as_str())
                && let Some(n) = &b.common.name
            {
                out.push(
                        diag(code::C006, format!("no deployment `{name}` for this baseline"))
                            .at(n.span)
                            .help("add deployments/escu_default_configuration_baseline.yml, or give the baseline an inline `deployment:`"),
                    );
            }
        }
    }
}
