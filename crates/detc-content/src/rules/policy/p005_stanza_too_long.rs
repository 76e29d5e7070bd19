//! # `P005 stanza-too-long`
//!
//! ## What it checks
//! The savedsearches.conf stanza `<app.label> - <name> - Rule` is at most
//! 81 characters, and `<security_domain> - <stanza>` at most 99.
//!
//! ## Why it matters
//! Enterprise Security truncates longer names in the correlation search
//! list and in notable titles, and contentctl refuses to build them.
//!
//! ## Example
//! A 70-character detection name under `app.label: ESCU`. Fix: shorten the
//! name by the number of characters the help gives.
//!
//! ## Source
//! contentctl 5.6 (`get_action_dot_correlationsearch_dot_label` against
//! `ES_MAX_STANZA_LENGTH`, 99; `CONTENTCTL_MAX_STANZA_LENGTH` for the
//! stanza itself, `constants.py`); detc's copy of the stanza rule is
//! `naming::rule_stanza`.

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::P005;

pub(super) fn check(cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let Some(n) = &d.common.name else { return };
    let stanza = crate::naming::rule_stanza(cx.label, &n.value);
    let len = stanza.chars().count();
    if len > 81 {
        out.push(
            diag(CODE, format!("the savedsearches.conf stanza `{stanza}` is {len} characters, more than 81"))
                .at(n.span)
                .help(format!("shorten the name by {} characters", len - 81)),
        );
    } else if let Some(dom) = &d.tags.security_domain {
        let full = format!("{} - {stanza}", dom.value).chars().count();
        if full > 99 {
            out.push(
                diag(
                    CODE,
                    format!("`{} - {stanza}` is {full} characters, more than 99", dom.value),
                )
                .at(n.span)
                .help(format!("shorten the name by {} characters", full - 99)),
            );
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
