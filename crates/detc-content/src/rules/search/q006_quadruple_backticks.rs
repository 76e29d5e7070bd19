//! # `Q006 quadruple-backticks`
//!
//! ## What it checks
//! The search has no four backticks in a row.
//!
//! ## Why it matters
//! A macro is written `` `name` `` and a comment ```` ```text``` ````; four
//! backticks are a typo that Splunk reads as an empty macro name.
//!
//! ## Example
//! ```spl
//! ... | ````sysmon_filter`
//! ```
//! Fix: remove the extra backticks.
//!
//! ## Source
//! contentctl 5.6 (`Macro.get_macros` refuses a search that holds four
//! backticks in a row).

use crate::codes::{Code, code, diag};
use crate::rules::Cx;
use detc_diag::Diagnostic;
use detc_yaml::Spanned;

pub(super) const CODE: Code = code::Q006;

pub(super) fn check(cx: &Cx, search: &Spanned<String>, out: &mut Vec<Diagnostic>) {
    let s = &search.value;
    if !detc_spl::has_quadruple_backticks(s) {
        return;
    }
    let at = s.find("````").unwrap_or(0);
    out.push(
        diag(CODE, "the search has four backticks in a row")
            .at(cx.locate(search, at, "````"))
            .help("a macro is written `name`; a comment is ```text```; remove the extra backtick"),
    );
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
