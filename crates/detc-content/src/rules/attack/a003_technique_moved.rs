//! # `A003 technique-moved`
//!
//! ## What it checks
//! A warning when a valid `tags.mitre_attack_id` entry moves to another ID,
//! or is dropped, in the next ATT&CK version.
//!
//! ## Why it matters
//! It is valid today; the warning lets a team plan the move before it
//! adopts the next version, instead of finding A001 errors on that day.
//!
//! ## Example
//! ```yaml
//! tags:
//!   mitre_attack_id:
//!   - T1562.008
//! ```
//! Fix: none needed yet; plan the move to the ID the message names
//! (`T1685.002`).
//!
//! ## Source
//! The next version's ID map (elastic/detection-rules
//! `attack_v18_to_v19.yaml`). contentctl does not check it.

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::A003;

pub(super) fn check(cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let a = cx.opts.attack;
    let ver = &a.data.version;
    for t in &d.tags.mitre_attack_id {
        let Some(tech) = a.technique(&t.value) else {
            continue;
        };
        if tech.revoked || tech.deprecated {
            continue;
        }
        let Some(m) = a.moved(&t.value) else {
            continue;
        };
        let msg = match &m.to {
            Some(to) => format!(
                "`{}` ({}) becomes `{to}`{} in MITRE ATT&CK v{}",
                t.value,
                tech.name,
                m.name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default(),
                m.version
            ),
            None => format!(
                "`{}` ({}) is dropped in MITRE ATT&CK v{}",
                t.value, tech.name, m.version
            ),
        };
        let help = match &m.to {
            Some(to) => format!(
                "it is valid in ATT&CK {ver}, which detc embeds; plan the move to `{to}` when you adopt v{}",
                m.version
            ),
            None => format!(
                "it is valid in ATT&CK {ver}; plan a replacement before v{}",
                m.version
            ),
        };
        out.push(
            diag(CODE, msg)
                .at(t.span)
                .label("moves in the next ATT&CK version")
                .help(help),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
