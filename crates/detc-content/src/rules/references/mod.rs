//! References between objects by name: stories, data sources,
//! deployments and detections.

use super::Cx;
use crate::codes::{Code, diag};
use crate::model::Content;
use detc_diag::Diagnostic;
use detc_yaml::{Spanned, did_you_mean};
use std::collections::HashSet;

rule_files! {
    c004_unknown_story,
    c005_unknown_data_source,
    c006_unknown_deployment,
    c008_unknown_detection,
    c009_duplicate_reference,
}

/// The names that references resolve to, by kind.
struct Names<'a> {
    content: &'a Content,
    stories: HashSet<&'a str>,
    sources: HashSet<&'a str>,
    deployments: HashSet<&'a str>,
    detections: HashSet<&'a str>,
}

/// A reference to an unknown `what`, with the nearest known name.
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

/// Runs the reference rules that are on.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let c = cx.content;
    let names = Names {
        content: c,
        stories: c.stories.iter().map(|s| s.common.name()).collect(),
        sources: c.data_sources.iter().map(|s| s.common.name()).collect(),
        deployments: c
            .deployments
            .iter()
            .filter_map(|d| d.common.as_ref())
            .map(|c| c.name())
            .collect(),
        detections: c.detections.iter().map(|d| d.common.name()).collect(),
    };
    type Rule = fn(&Cx, &Names, &mut Vec<Diagnostic>);
    let rules: [(Code, Rule); 5] = [
        (c004_unknown_story::CODE, c004_unknown_story::check),
        (
            c005_unknown_data_source::CODE,
            c005_unknown_data_source::check,
        ),
        (
            c006_unknown_deployment::CODE,
            c006_unknown_deployment::check,
        ),
        (c008_unknown_detection::CODE, c008_unknown_detection::check),
        (
            c009_duplicate_reference::CODE,
            c009_duplicate_reference::check,
        ),
    ];
    for (code, rule) in rules {
        if cx.enabled(code) {
            rule(cx, &names, out);
        }
    }
}
