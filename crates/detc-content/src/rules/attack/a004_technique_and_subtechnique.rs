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

pub(super) fn check(_cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let techs = &d.tags.mitre_attack_id;
    for t in techs {
        if let Some(parent) = detc_attack::Attack::parent_of(&t.value)
            && let Some(p) = techs.iter().find(|p| p.value == parent)
        {
            out.push(
                diag(
                    CODE,
                    format!(
                        "both `{}` and its own sub-technique `{}` are listed",
                        p.value, t.value
                    ),
                )
                .at(p.span)
                .with_secondary(t.span, "its sub-technique")
                .help(format!("keep only the more precise `{}`", t.value)),
            );
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
