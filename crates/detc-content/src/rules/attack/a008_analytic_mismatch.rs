//! # `A008 analytic-mismatch`
//!
//! ## What it checks
//! Each known analytic in `tags.mitre_attack_analytics` belongs to a listed
//! detection strategy; when no strategy is listed, to a strategy that
//! detects a listed technique.
//!
//! ## Why it matters
//! An analytic of another strategy says the detection implements a
//! platform-specific analytic it does not.
//!
//! ## Example
//! ```yaml
//! tags:
//!   mitre_attack_detection_strategies:
//!   - DET0298
//!   mitre_attack_analytics:
//!   - AN0215      # an analytic of DET0078
//! ```
//! Fix: add the analytic's strategy (the message names it), or name an
//! analytic of the listed one.
//!
//! ## Source
//! ATT&CK v18: each analytic belongs to one detection strategy. A detc
//! extension.

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::A008;

pub(super) fn check(cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let a = cx.opts.attack;
    let techs = &d.tags.mitre_attack_id;
    for an in &d.tags.analytics {
        let Some(x) = a.analytic(&an.value) else {
            continue;
        };
        let strat = x.strategy.as_deref().unwrap_or("");
        let fits = if d.tags.detection_strategies.is_empty() {
            a.strategy(strat).is_some_and(|det| techs.iter().any(|t| a.strategy_fits(det, &t.value)))
        } else {
            d.tags.detection_strategies.iter().any(|s| s.value == strat)
        };
        if fits {
            continue;
        }
        let help = if d.tags.detection_strategies.is_empty() {
            format!("`{}` belongs to `{strat}`; list that strategy's technique in `tags.mitre_attack_id`", an.value)
        } else {
            format!("`{}` belongs to `{strat}`: add `{strat}` to `tags.mitre_attack_detection_strategies`", an.value)
        };
        out.push(
            diag(CODE, format!("`{}` is an analytic of `{strat}`, which this detection does not implement", an.value))
                .at(an.span)
                .label("does not fit")
                .help(help),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
