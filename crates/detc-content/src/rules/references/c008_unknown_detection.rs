//! # `C008 unknown-detection`
//!
//! ## What it checks
//! A warning when a baseline's `tags.detections` names a detection the
//! content does not have.
//!
//! ## Why it matters
//! The baseline is documented and scheduled for that detection's sake;
//! contentctl silently drops the unknown name, so the link is lost without
//! a word.
//!
//! ## Example
//! ```yaml
//! tags:
//!   detections:
//!   - Detect Zoom Spawning Procss
//! ```
//! Fix: the detection's exact name (`Detect Zoom Spawning Process`).
//!
//! ## Source
//! contentctl 5.6 drops unknown names (`Baseline`'s detection mapping);
//! detc warns instead of dropping silently.

use super::{Names, unknown};
use crate::codes::{Code, code};
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::C008;

pub(super) fn check(_cx: &Cx, n: &Names, out: &mut Vec<Diagnostic>) {
    for b in &n.content.baselines {
        for s in &b.detections {
            if !n.detections.contains(s.value.as_str()) {
                out.push(unknown(CODE, "detection", s, &n.detections, "detections"));
            }
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
