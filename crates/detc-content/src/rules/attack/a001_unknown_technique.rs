//! # `A001 unknown-technique`
//!
//! ## What it checks
//! Every `tags.mitre_attack_id` entry is a technique or sub-technique of
//! the ATT&CK data detc embeds (or of the bundle given with
//! `--attack-bundle`). When the next ATT&CK version moves the ID, the help
//! names the new one.
//!
//! ## Why it matters
//! An unknown ID maps the detection to nothing: ES's ATT&CK annotations,
//! the coverage matrix and the risk events' `annotations.mitre_attack`
//! fields carry a technique no analyst can look up.
//!
//! ## Example
//! ```yaml
//! tags:
//!   mitre_attack_id:
//!   - T9999
//! ```
//! Fix: write the technique's ID as attack.mitre.org gives it
//! (`T1560.001`).
//!
//! ## Source
//! contentctl checks it only with `--enrichments`, against ATT&CK fetched
//! over the network; detc checks it offline, always.

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::A001;

pub(super) fn check(cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let a = cx.opts.attack;
    let ver = &a.data.version;
    for t in &d.tags.mitre_attack_id {
        if a.technique(&t.value).is_some() {
            continue;
        }
        let x = diag(
            CODE,
            format!("`{}` is not a technique in MITRE ATT&CK {ver}", t.value),
        )
        .at(t.span)
        .label("unknown technique");
        out.push(match a.moved(&t.value).and_then(|m| m.to.clone().map(|to| (to, m.version.clone()))) {
            Some((to, v)) => x.help(format!("ATT&CK v{v} uses `{to}` for it")),
            None => x.help("check the ID on attack.mitre.org/techniques/, or pass a newer bundle with --attack-bundle"),
        });
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
