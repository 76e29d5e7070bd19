//! contentctl's detection policies.
//!
//! - `P001 enabled-by-default`: `enabled_by_default: true` only on
//!   production TTP, Anomaly or Correlation detections.
//! - `P002 missing-tests`: production detections that are not Correlation
//!   and have no `tags.manual_test` have at least one test.
//! - `P003 throttling-field`: `tags.throttling.fields` appear in the search.
//! - `P004 data-source-output-field`: for production TTP and Anomaly
//!   detections, each data source's `output_fields` appear in the search.
//! - `P005 stanza-too-long`: `<app.label> - <name> - Rule` is at most 81
//!   characters and `<security_domain> - <that>` at most 99 (contentctl's
//!   build; Enterprise Security truncates longer names).
//! - `P006 placeholder`: no `TODO(detc new)` placeholder that `detc new`
//!   wrote is left in a content file ([`PLACEHOLDER`]).

use super::Cx;
use crate::codes::{code, diag};
use crate::enums::DetectionType;
use detc_diag::Diagnostic;

/// The marker `detc new` puts before what the author must still write:
/// `TODO(detc new): <what to write>`.
pub const PLACEHOLDER: &str = "TODO(detc new)";

/// P006: every placeholder left in the content's files, at its text, with
/// the hint that follows it.
fn check_placeholders(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for i in 0..cx.sources.len() {
        let file = detc_diag::FileId(i as u32);
        let text = &cx.sources.get(file).text;
        for (at, _) in text.match_indices(PLACEHOLDER) {
            let rest = &text[at + PLACEHOLDER.len()..];
            let hint: String = rest
                .trim_start_matches(':')
                .trim_start()
                .chars()
                .take_while(|&c| c != '\'' && c != '\n')
                .collect();
            out.push(
                diag(
                    code::P006,
                    "a placeholder written by `detc new` is still here",
                )
                .at(detc_diag::Span::new(file, at, at + PLACEHOLDER.len()))
                .label("write the value")
                .help(if hint.trim().is_empty() {
                    "replace the placeholder with the value".to_string()
                } else {
                    format!("replace the placeholder with {}", hint.trim())
                }),
            );
        }
    }
}

/// Runs the policy rules.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    check_placeholders(cx, out);
    for d in &cx.content.detections {
        let kind = d.detection_type();
        let production = d.common.is_production();
        let search = d.search.as_ref().map(|s| s.value.as_str()).unwrap_or("");
        if let Some(e) = &d.enabled_by_default
            && e.value
            && !(production && kind.is_some_and(DetectionType::alerts))
        {
            out.push(
                    diag(code::P001, format!("only production TTP, Anomaly and Correlation detections may be enabled by default (this one is {} {})", d.common.status.as_ref().map(|s| s.value.as_str()).unwrap_or("?"), d.kind.as_ref().map_or("", |k| k.value.as_str())))
                        .at(e.span)
                        .help("set `enabled_by_default: false`"),
                );
        }
        if production
            && kind != Some(DetectionType::Correlation)
            && d.tags.manual_test.is_none()
            && d.tests.is_empty()
            && let Some(n) = &d.common.name
        {
            out.push(
                    diag(code::P002, "a production detection needs at least one test")
                        .at(n.span)
                        .help("add `tests:` with attack data, or explain why it is tested by hand in `tags.manual_test`"),
                );
        }
        if let Some(t) = &d.tags.throttling {
            for f in &t.fields {
                if !search.contains(f.value.as_str()) {
                    out.push(
                        diag(
                            code::P003,
                            format!(
                                "the throttling field `{}` does not appear in the search",
                                f.value
                            ),
                        )
                        .at(f.span)
                        .help("throttle on fields the search outputs"),
                    );
                }
            }
        }
        if production && kind.is_some_and(DetectionType::is_ttp_or_anomaly) {
            for ds in &d.data_source {
                for part in ds.value.split("AND").map(str::trim) {
                    let Some(src) = cx
                        .content
                        .data_sources
                        .iter()
                        .find(|s| s.common.name() == part)
                    else {
                        continue;
                    };
                    for f in &src.output_fields {
                        if !search.contains(f.value.as_str()) {
                            out.push(
                                diag(code::P004, format!("the data source `{part}` outputs `{}`, which the search does not mention", f.value))
                                    .at(ds.span)
                                    .with_secondary(f.span, "declared here")
                                    .help("use the field in the search, or remove it from the data source's output_fields"),
                            );
                        }
                    }
                }
            }
        }
        if let Some(n) = &d.common.name {
            let stanza = crate::naming::rule_stanza(cx.label, &n.value);
            let len = stanza.chars().count();
            if len > 81 {
                out.push(
                    diag(code::P005, format!("the savedsearches.conf stanza `{stanza}` is {len} characters, more than 81"))
                        .at(n.span)
                        .help(format!("shorten the name by {} characters", len - 81)),
                );
            } else if let Some(dom) = &d.tags.security_domain {
                let full = format!("{} - {stanza}", dom.value).chars().count();
                if full > 99 {
                    out.push(
                        diag(
                            code::P005,
                            format!(
                                "`{} - {stanza}` is {full} characters, more than 99",
                                dom.value
                            ),
                        )
                        .at(n.span)
                        .help(format!("shorten the name by {} characters", full - 99)),
                    );
                }
            }
        }
    }
}
