//! # `R005 rba-deployment-mismatch`
//!
//! ## What it checks
//! `rba:` is present exactly when the detection's deployment (its inline
//! one, or the default for its type) has `alert_action.rba.enabled`.
//!
//! ## Why it matters
//! With RBA enabled and no `rba:` block the search writes risk events with
//! no risk object; with an `rba:` block and RBA disabled the risk settings
//! are silently never used.
//!
//! ## Example
//! A `type: Hunting` detection (whose default deployment has RBA off) with
//! an `rba:` block. Fix: remove `rba:`, or use a deployment with
//! `alert_action: {rba: {enabled: true}}`.
//!
//! ## Source
//! contentctl 5.6 (`Detection_Abstract.ensureProperRBAConfig`); contentctl
//! 4.4.7 does not have it, so it is a warning in 4.x content.

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::R005;

pub(super) fn check(cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let Some(dep) = cx.content.deployment_of(d) else {
        return;
    };
    let anchor = d.kind.as_ref().or(d.common.name.as_ref());
    match (&d.rba, dep.rba_enabled) {
        (None, true) => {
            if let Some(a) = anchor {
                out.push(
                    diag(CODE, "the detection's deployment enables risk-based alerting, but the detection has no `rba:` block")
                        .at(a.span)
                        .help("add `rba:` with a message, risk_objects and threat_objects"),
                );
            }
        }
        (Some(rba), false) => out.push(
            diag(CODE, "the detection has an `rba:` block, but its deployment does not enable risk-based alerting")
                .at(rba.span)
                .help("remove `rba:`, or use a deployment with `alert_action: {rba: {enabled: true}}`"),
        ),
        _ => {}
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
