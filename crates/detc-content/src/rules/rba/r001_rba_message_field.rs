//! # `R001 rba-message-field`
//!
//! ## What it checks
//! Each `$token$` of `rba.message` is a field the search outputs, when that
//! output is known (`detc-spl`'s output-field analysis). When it cannot be
//! known, R004 checks the search text instead.
//!
//! ## Why it matters
//! Splunk fills the risk message from the result's fields: a field the
//! search does not output leaves a blank in every risk event, and the
//! analyst reads "User  ran ...".
//!
//! ## Example
//! ```yaml
//! search: '... | stats count by dest'
//! rba:
//!   message: User $user$ ran 7zip on $dest$
//! ```
//! Fix: output `user` (`by dest user`), or drop the token. Field names are
//! case-sensitive: the help names a field that differs only in case.
//!
//! ## Source
//! detc's own. contentctl checks only that the name appears somewhere in
//! the search text (R004).

use crate::codes::{Code, code};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::R001;

pub(super) fn check(cx: &Cx, i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let Some(msg) = d.rba.as_ref().and_then(|r| r.message.as_ref()) else {
        return;
    };
    for (at, tok) in crate::rules::tokens(&msg.value) {
        let span = cx.locate(msg, at, &format!("${tok}$"));
        super::output_field(cx, i, CODE, "the risk message token", tok, span, out);
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
