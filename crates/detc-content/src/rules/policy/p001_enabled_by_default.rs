//! # `P001 enabled-by-default`
//!
//! ## What it checks
//! `enabled_by_default: true` is set only on production TTP, Anomaly or
//! Correlation detections.
//!
//! ## Why it matters
//! An enabled search runs on every customer's search heads from install: a
//! Hunting or experimental search enabled by default costs them search
//! capacity and noise they did not ask for.
//!
//! ## Example
//! ```yaml
//! status: experimental
//! enabled_by_default: true
//! ```
//! Fix: `enabled_by_default: false`.
//!
//! ## Source
//! contentctl 5.6 (`Detection_Abstract.only_enabled_if_production_status`).

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::P001;

pub(super) fn check(_cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let Some(e) = &d.enabled_by_default else { return };
    if e.value && !d.may_be_enabled_by_default() {
        out.push(
            diag(CODE, format!("only production TTP, Anomaly and Correlation detections may be enabled by default (this one is {} {})", d.common.status.as_ref().map(|s| s.value.as_str()).unwrap_or("?"), d.kind.as_ref().map_or("", |k| k.value.as_str())))
                .at(e.span)
                .help("set `enabled_by_default: false`"),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
