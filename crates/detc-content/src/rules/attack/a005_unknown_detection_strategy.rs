//! # `A005 unknown-detection-strategy`
//!
//! ## What it checks
//! Every `tags.mitre_attack_detection_strategies` entry (`DET####`) is a
//! detection strategy of the embedded ATT&CK data.
//!
//! ## Why it matters
//! Detection strategies are how ATT&CK v18 describes detections; an unknown
//! ID links the detection's documentation page to nothing.
//!
//! ## Example
//! ```yaml
//! tags:
//!   mitre_attack_detection_strategies:
//!   - DET9999
//! ```
//! Fix: take the ID from the strategy's page on
//! attack.mitre.org/detectionstrategies/.
//!
//! ## Source
//! ATT&CK v18's `x-mitre-detection-strategy` objects. A detc extension:
//! contentctl has no such field.

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::A005;

pub(super) fn check(cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let a = cx.opts.attack;
    for s in &d.tags.detection_strategies {
        if a.strategy(&s.value).is_none() {
            out.push(
                diag(
                    CODE,
                    format!(
                        "`{}` is not a detection strategy in MITRE ATT&CK {}",
                        s.value, a.data.version
                    ),
                )
                .at(s.span)
                .label("unknown detection strategy")
                .help("check the ID on attack.mitre.org/detectionstrategies/"),
            );
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
