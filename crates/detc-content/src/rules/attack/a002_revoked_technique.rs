//! # `A002 revoked-technique`
//!
//! ## What it checks
//! No `tags.mitre_attack_id` entry is revoked or deprecated in ATT&CK. The
//! help names the replacement: the STIX `revoked-by` relationship, or the
//! next version's ID map.
//!
//! ## Why it matters
//! A revoked technique has left the matrix: the detection drops out of
//! coverage views built on the current ATT&CK, and analysts read a page
//! that says "revoked".
//!
//! ## Example
//! ```yaml
//! tags:
//!   mitre_attack_id:
//!   - T1002       # Data Compressed, revoked
//! ```
//! Fix: replace it with the technique the help names (`T1560`, Archive
//! Collected Data).
//!
//! ## Source
//! ATT&CK's STIX fields `revoked` and `x_mitre_deprecated`, and its
//! `revoked-by` relationships. contentctl does not check it.

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::A002;

pub(super) fn check(cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let a = cx.opts.attack;
    let ver = &a.data.version;
    for t in &d.tags.mitre_attack_id {
        let Some(tech) = a.technique(&t.value) else {
            continue;
        };
        if !(tech.revoked || tech.deprecated) {
            continue;
        }
        let state = if tech.revoked { "revoked" } else { "deprecated" };
        let repl = tech
            .revoked_by
            .clone()
            .or_else(|| a.moved(&t.value).and_then(|m| m.to.clone()));
        let x = diag(
            CODE,
            format!("`{}` ({}) is {state} in MITRE ATT&CK {ver}", t.value, tech.name),
        )
        .at(t.span)
        .label(state);
        out.push(match repl {
            Some(r) => {
                let name = a.technique(&r).map(|t| format!(" ({})", t.name)).unwrap_or_default();
                x.help(format!("replace it with `{r}`{name}"))
            }
            None => x.help("remove it, or map the detection to the technique that covers this behaviour now"),
        });
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
