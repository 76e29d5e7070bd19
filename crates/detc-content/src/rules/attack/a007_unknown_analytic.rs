//! # `A007 unknown-analytic`
//!
//! ## What it checks
//! Every `tags.mitre_attack_analytics` entry (`AN####`) is an analytic of
//! the embedded ATT&CK data.
//!
//! ## Why it matters
//! An unknown analytic ID links the detection to nothing an analyst can
//! read.
//!
//! ## Example
//! ```yaml
//! tags:
//!   mitre_attack_analytics:
//!   - AN9999
//! ```
//! Fix: take the ID from the analytic's detection strategy page, e.g.
//! attack.mitre.org/detectionstrategies/DET0078.
//!
//! ## Source
//! ATT&CK v18's `x-mitre-analytic` objects. A detc extension.

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::A007;

pub(super) fn check(cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let a = cx.opts.attack;
    for an in &d.tags.analytics {
        if a.analytic(&an.value).is_none() {
            out.push(
                diag(CODE, format!("`{}` is not an analytic in MITRE ATT&CK {}", an.value, a.data.version))
                    .at(an.span)
                    .label("unknown analytic")
                    .help("analytics are listed on their detection strategy's page, e.g. attack.mitre.org/detectionstrategies/DET0078"),
            );
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
