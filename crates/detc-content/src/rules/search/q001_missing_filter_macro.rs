//! # `Q001 missing-filter-macro`
//!
//! ## What it checks
//! A detection's search contains its filter macro, `` `<file stem>_filter`
//! ``.
//!
//! ## Why it matters
//! The filter macro is how each customer tunes a detection (excluding their
//! scanners, their admins) without editing the search: a search without it
//! can only be tuned by a copy that the next content update overwrites.
//!
//! ## Example
//! ```yaml
//! name: Anomalous usage of 7zip
//! search: '| tstats count from datamodel=Endpoint.Processes by Processes.dest'
//! ```
//! Fix: end the search with `` | `anomalous_usage_of_7zip_filter` ``.
//!
//! ## Source
//! contentctl 5.6 (`Detection_Abstract.validate_presence_of_filter_macro`).

use crate::codes::{Code, code, diag};
use crate::rules::Cx;
use detc_diag::Diagnostic;
use detc_yaml::Spanned;

pub(super) const CODE: Code = code::Q001;

/// `uses`: the calls of the filter macro `filter` in the search.
pub(super) fn check(cx: &Cx, search: &Spanned<String>, uses: &[&detc_spl::MacroRef], filter: &str, out: &mut Vec<Diagnostic>) {
    if !uses.is_empty() {
        return;
    }
    out.push(
        diag(CODE, format!("the search does not end with its filter macro `{filter}`"))
            .at(cx.locate(search, 0, search.value.lines().next().unwrap_or("")))
            .label("in this search")
            .help(format!("add `| `{filter}`` as the last command; users tune the detection by editing that macro")),
    );
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
