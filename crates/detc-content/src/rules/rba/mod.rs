//! Risk-based alerting: the risk message, risk objects and threat objects
//! against what the search outputs, and the `rba:` block against the
//! deployment.
//!
//! A 4.x detection (`tags.observable`) always has risk tags; they are
//! checked only when its deployment enables RBA, the only case in which
//! contentctl 4.4.7 writes them to savedsearches.conf.

use super::Cx;
use crate::codes::{Code, diag};
use crate::model::Detection;
use detc_diag::Diagnostic;

rule_files! {
    r001_rba_message_field,
    r002_risk_object_field,
    r003_threat_object_field,
    r004_rba_field_not_in_search,
    r005_rba_deployment_mismatch,
    r006_duplicate_rba_field,
}

/// Reports `field` under `code` when the search's output is known and
/// lacks it, with the output-field list, or the field it is written
/// otherwise (case, underscores: [`super::field_written_otherwise`]) and
/// the fix that renames it. Says nothing when the output cannot be known.
fn output_field(
    cx: &Cx,
    i: usize,
    code: Code,
    what: &str,
    field: &str,
    span: detc_diag::Span,
    out: &mut Vec<Diagnostic>,
) {
    let Some(fields) = cx.output(i) else { return };
    if fields.contains(field) != Some(false) {
        return;
    }
    let otherwise = super::field_written_otherwise(fields, field);
    let help = match otherwise {
        Some(h) if h.eq_ignore_ascii_case(field) => {
            format!("field names are case-sensitive: the search outputs `{h}`")
        }
        Some(h) => format!("the search outputs `{h}`: write it as the search does"),
        None => format!(
            "the search outputs only: {}. Output `{field}` from the search (in its final `table` or `stats ... by`), or use one of those",
            fields
                .names()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut d = diag(
        code,
        format!("{what} `{field}` is not a field the search outputs"),
    )
    .at(span)
    .label("not in the search's output")
    .help(help);
    if let Some((title, at, text)) = otherwise.and_then(|to| super::rename_fix(cx, span, field, to))
    {
        d = d.fix(title, at, text);
    }
    out.push(d);
}

/// Runs the RBA rules that are on.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let rules: &[(Code, super::DetectionRule)] = &[
        (r001_rba_message_field::CODE, r001_rba_message_field::check),
        (r002_risk_object_field::CODE, r002_risk_object_field::check),
        (
            r003_threat_object_field::CODE,
            r003_threat_object_field::check,
        ),
        (
            r004_rba_field_not_in_search::CODE,
            r004_rba_field_not_in_search::check,
        ),
        (
            r005_rba_deployment_mismatch::CODE,
            r005_rba_deployment_mismatch::check,
        ),
        (
            r006_duplicate_rba_field::CODE,
            r006_duplicate_rba_field::check,
        ),
    ];
    super::per_detection_where(cx, super::Walk::Rba, rules, |d| in_scope(cx, d), out);
}

/// Whether a detection's risk settings are used: always in 5.x; in 4.x
/// only when the deployment enables RBA (Hunting and Correlation ones do
/// not), so unused 4.x risk tags are no defect.
fn in_scope(cx: &Cx, d: &Detection) -> bool {
    d.format != crate::model::Format::V4
        || cx
            .content
            .deployment_of(d)
            .is_some_and(|dep| dep.rba_enabled)
}
