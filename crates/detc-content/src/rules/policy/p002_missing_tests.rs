//! # `P002 missing-tests`
//!
//! ## What it checks
//! A production detection that is not a Correlation and has no
//! `tags.manual_test` has at least one test.
//!
//! ## Why it matters
//! A production search without a test has never been shown to fire: a typo
//! in a field name ships as a detection that finds nothing, forever.
//!
//! ## Example
//! ```yaml
//! status: production
//! tests: []
//! ```
//! Fix: add `tests:` with attack data (`detc test` runs them offline), or
//! say in `tags.manual_test` why it is tested by hand.
//!
//! ## Source
//! contentctl 5.6 (`Detection_Abstract.tests_validate`).

use crate::codes::{Code, code, diag};
use crate::enums::DetectionType;
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::P002;

pub(super) fn check(_cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    if d.common.is_production()
        && d.detection_type() != Some(DetectionType::Correlation)
        && d.tags.manual_test.is_none()
        && d.tests.is_empty()
        && let Some(n) = &d.common.name
    {
        out.push(
            diag(CODE, "a production detection needs at least one test")
                .at(n.span)
                .help("add `tests:` with attack data, or explain why it is tested by hand in `tags.manual_test`"),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
