//! # `A006 detection-strategy-mismatch`
//!
//! ## What it checks
//! Each known detection strategy in
//! `tags.mitre_attack_detection_strategies` detects one of the listed
//! techniques (or its parent or a sub-technique), by the strategy's
//! `detects` relationships.
//!
//! ## Why it matters
//! A strategy for another technique is a copy-paste slip: the page and the
//! coverage say the detection implements something it does not.
//!
//! ## Example
//! ```yaml
//! tags:
//!   mitre_attack_id:
//!   - T1560.001
//!   mitre_attack_detection_strategies:
//!   - DET0078     # detects T1059.009, not T1560.001
//! ```
//! Fix: name the strategy for one of the listed techniques, or add the
//! technique the strategy detects.
//!
//! ## Source
//! ATT&CK v18's `detects` relationships. A detc extension.

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::A006;

pub(super) fn check(cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let a = cx.opts.attack;
    let techs = &d.tags.mitre_attack_id;
    for s in &d.tags.detection_strategies {
        let Some(det) = a.strategy(&s.value) else {
            continue;
        };
        if techs.iter().any(|t| a.strategy_fits(det, &t.value)) {
            continue;
        }
        let tech_list = techs.iter().map(|t| t.value.as_str()).collect::<Vec<_>>().join(", ");
        out.push(
            diag(CODE, format!("`{}` ({}) detects {}, none of the listed techniques", s.value, det.name, det.techniques.join(", ")))
                .at(s.span)
                .label("does not fit `mitre_attack_id`")
                .help(if tech_list.is_empty() {
                    format!("list the technique it detects in `tags.mitre_attack_id`: {}", det.techniques.join(", "))
                } else {
                    format!("the detection lists {tech_list}; add the technique this strategy detects, or name the strategy for one of those")
                }),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
