//! # `Q007 firstseen-options`
//!
//! ## What it checks
//! The options of each `firstseen` call parse with the command's own parser
//! (`firstseen_options::options::Options::parse`, the code Splunk runs).
//!
//! ## Why it matters
//! A typo in an option fails the search in Splunk, on every scheduled run,
//! with an error only the search's owner sees; here it fails at `detc
//! validate`.
//!
//! ## Example
//! ```spl
//! ... | firstseen lookup=seen_7zip key=dest windw=-24h@h
//! ```
//! Fix: the option's name, as the message suggests (`window=`).
//!
//! ## Source
//! detc's own: contentctl does not know the command. The options are
//! documented in docs/firstseen.md.

use crate::codes::{Code, code, diag};
use detc_diag::{Diagnostic, Span};

pub(super) const CODE: Code = code::Q007;

/// The parser's error `e` for the call at `at`.
pub(super) fn report(e: &dyn std::fmt::Display, at: Span, out: &mut Vec<Diagnostic>) {
    out.push(
        diag(CODE, format!("firstseen: {e}"))
            .at(at)
            .help("see `firstseen` options in docs/firstseen.md"),
    );
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
