//! Risk-based alerting.
//!
//! - `R001 rba-message-field`, `R002 risk-object-field`,
//!   `R003 threat-object-field` (detc): risk message `$tokens$`, risk
//!   object fields and threat object fields are fields the search outputs,
//!   when the output is known (see `detc-spl`). Splunk fills the risk
//!   message and risk objects from result fields; a field the search does
//!   not output gives an empty risk object and a message with a blank.
//! - `R004 rba-field-not-in-search` (contentctl): for production
//!   detections, each of those names appears in the search text
//!   (case-insensitive). Reported only where detc cannot know the output,
//!   since R001-R003 already say more.
//! - `R005 rba-deployment-mismatch` (contentctl): `rba:` is present exactly
//!   when the detection's deployment has `alert_action.rba.enabled`.
//! - `R006 duplicate-rba-field` (detc, a warning): a field listed twice as
//!   a risk object (the entity gets the score twice) or as a threat object
//!   (each risk event carries it twice).
//!
//! A 4.x detection (`tags.observable`) always has risk tags; they are
//! checked only when its deployment enables RBA, the only case in which
//! contentctl 4.4.7 writes them to savedsearches.conf.

use super::Cx;
use crate::codes::{Code, code, diag};
use crate::model::{Deployment, Detection};
use detc_diag::Diagnostic;
use detc_yaml::Spanned;

/// The deployment a detection uses: its inline one, or the default for its type.
pub fn deployment_of<'a>(cx: &Cx<'a>, d: &'a Detection) -> Option<&'a Deployment> {
    cx.content.deployment_of(d)
}

fn case_hint(cx: &Cx, i: usize, field: &str) -> Option<String> {
    cx.output(i)?
        .names()
        .iter()
        .find(|n| n.eq_ignore_ascii_case(field) && n.as_str() != field)
        .cloned()
}

fn known_list(cx: &Cx, i: usize) -> String {
    cx.output(i)
        .map(|f| {
            f.names()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Checks one field reference; returns true when a diagnostic was pushed
/// or the field is known to be output (so R004 has nothing to add).
fn field_check(
    cx: &Cx,
    i: usize,
    code: Code,
    what: &str,
    field: &str,
    span: detc_diag::Span,
    out: &mut Vec<Diagnostic>,
) -> bool {
    match cx.output(i).and_then(|f| f.contains(field)) {
        Some(true) => true,
        Some(false) => {
            let help = match case_hint(cx, i, field) {
                Some(h) => format!("field names are case-sensitive: the search outputs `{h}`"),
                None => format!(
                    "the search outputs only: {}. Output `{field}` from the search (in its final `table` or `stats ... by`), or use one of those",
                    known_list(cx, i)
                ),
            };
            out.push(
                diag(
                    code,
                    format!("{what} `{field}` is not a field the search outputs"),
                )
                .at(span)
                .label("not in the search's output")
                .help(help),
            );
            true
        }
        None => false,
    }
}

fn in_search(search: &str, field: &str) -> bool {
    search.to_lowercase().contains(&field.to_lowercase())
}

/// Runs the RBA rules.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (i, d) in cx.content.detections.iter().enumerate() {
        // A 4.x detection always carries risk tags; contentctl 4.4.7 uses
        // them only when the deployment enables RBA (Hunting and
        // Correlation ones do not), so unused risk tags are no defect.
        if d.format == crate::model::Format::V4
            && !deployment_of(cx, d).is_some_and(|dep| dep.rba_enabled)
        {
            continue;
        }
        let search = d.search.as_ref().map(|s| s.value.as_str()).unwrap_or("");
        let production = d.common.is_production();
        let text_check = |name: &str,
                          span: detc_diag::Span,
                          what: &str,
                          out: &mut Vec<Diagnostic>| {
            if production && !search.is_empty() && !in_search(search, name) {
                out.push(
                    diag(code::R004, format!("{what} `{name}` does not appear in the search"))
                        .at(span)
                        .help("contentctl requires every RBA field to be named in the search; output it from the search"),
                );
            }
        };
        if let Some(rba) = &d.rba {
            if let Some(msg) = &rba.message {
                for (at, tok) in super::tokens(&msg.value) {
                    let span = cx.locate(msg, at, &format!("${tok}$"));
                    if !field_check(cx, i, code::R001, "the risk message token", tok, span, out) {
                        text_check(tok, span, "the risk message token", out);
                    }
                }
            }
            for r in &rba.risk_objects {
                if let Some(f) = &r.field
                    && !field_check(
                        cx,
                        i,
                        code::R002,
                        "the risk object field",
                        &f.value,
                        f.span,
                        out,
                    )
                {
                    text_check(&f.value, f.span, "the risk object field", out);
                }
            }
            for t in &rba.threat_objects {
                if let Some(f) = &t.field
                    && !field_check(
                        cx,
                        i,
                        code::R003,
                        "the threat object field",
                        &f.value,
                        f.span,
                        out,
                    )
                {
                    text_check(&f.value, f.span, "the threat object field", out);
                }
            }
        }
        if let Some(rba) = &d.rba {
            duplicates(
                rba.risk_objects.iter().filter_map(|r| r.field.as_ref()),
                "risk object",
                "each risk object adds the detection's score, so that entity gets it twice",
                out,
            );
            duplicates(
                rba.threat_objects.iter().filter_map(|t| t.field.as_ref()),
                "threat object",
                "every risk event carries that threat object twice",
                out,
            );
        }
        let Some(dep) = deployment_of(cx, d) else {
            continue;
        };
        let anchor: Option<&Spanned<String>> = d.kind.as_ref().or(d.common.name.as_ref());
        match (&d.rba, dep.rba_enabled) {
            (None, true) => {
                if let Some(a) = anchor {
                    out.push(
                        diag(code::R005, "the detection's deployment enables risk-based alerting, but the detection has no `rba:` block")
                            .at(a.span)
                            .help("add `rba:` with a message, risk_objects and threat_objects"),
                    );
                }
            }
            (Some(rba), false) => out.push(
                diag(code::R005, "the detection has an `rba:` block, but its deployment does not enable risk-based alerting")
                    .at(rba.span)
                    .help("remove `rba:`, or use a deployment with `alert_action: {rba: {enabled: true}}`"),
            ),
            _ => {}
        }
    }
}

/// `R006`: a field named twice among the risk objects, or twice among the
/// threat objects (in 4.x, two `tags.observable` entries of one field and
/// role, which contentctl 4.4.7 writes twice into `_risk`).
fn duplicates<'a>(
    fields: impl Iterator<Item = &'a Spanned<String>>,
    what: &str,
    effect: &str,
    out: &mut Vec<Diagnostic>,
) {
    let mut seen: Vec<&Spanned<String>> = Vec::new();
    for f in fields {
        match seen.iter().find(|s| s.value == f.value) {
            Some(first) => out.push(
                diag(
                    code::R006,
                    format!("the {what} field `{}` is listed twice", f.value),
                )
                .at(f.span)
                .label("again here")
                .with_secondary(first.span, "first here")
                .help(format!(
                    "{effect}: keep one entry (with the type that fits)"
                )),
            ),
            None => seen.push(f),
        }
    }
}
