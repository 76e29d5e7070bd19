//! # `A004 technique-and-subtechnique`
//!
//! ## What it checks
//! A technique and its own sub-technique are not both listed in
//! `tags.mitre_attack_id`.
//!
//! ## Why it matters
//! The sub-technique already implies its parent; listing both counts the
//! detection twice in coverage and blurs what it actually detects.
//!
//! ## Example
//! ```yaml
//! tags:
//!   mitre_attack_id:
//!   - T1560
//!   - T1560.001
//! ```
//! Fix: keep only the more precise `T1560.001`.
//!
//! ## Source
//! contentctl 5.6 (`DetectionTags.sameTypeAndSubtypeNotPresent`);
//! contentctl 4.4.7 accepts it, so it is a warning in 4.x content.

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::A004;

pub(super) fn check(cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let techs = &d.tags.mitre_attack_id;
    for t in techs {
        if let Some(parent) = detc_attack::Attack::parent_of(&t.value)
            && let Some(p) = techs.iter().find(|p| p.value == parent)
        {
            let mut diag = diag(
                CODE,
                format!(
                    "both `{}` and its own sub-technique `{}` are listed",
                    p.value, t.value
                ),
            )
            .at(p.span)
            .with_secondary(t.span, "its sub-technique")
            .help(format!("keep only the more precise `{}`", t.value));
            // The fix removes the parent's line, when it is a block list
            // item alone on its line (`  - T1110`).
            let text = &cx.sources.get(p.span.file).text;
            let start = text.get(..p.span.start).and_then(|h| h.rfind('\n')).map_or(0, |i| i + 1);
            let end = text.get(p.span.end..).and_then(|t| t.find('\n')).map_or(text.len(), |i| p.span.end + i + 1);
            let line = text.get(start..end).unwrap_or("");
            let item = line.trim().strip_prefix("- ").map(|v| v.trim_matches(['\'', '"']));
            if item == Some(p.value.as_str()) {
                diag = diag.fix(
                    format!("remove `{}`", p.value),
                    detc_diag::Span::new(p.span.file, start, end),
                    "",
                );
            }
            out.push(diag);
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
