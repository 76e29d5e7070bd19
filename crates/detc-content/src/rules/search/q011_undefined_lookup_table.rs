//! # `Q011 undefined-lookup-table`
//!
//! ## What it checks
//! `inputlookup` and `outputlookup` name a lookup definition of the content
//! (or one of contentctl's `LOOKUPS_TO_IGNORE`). A file name (`x.csv`)
//! needs no definition (see Q012).
//!
//! ## Why it matters
//! Splunk fails the search when the lookup table does not exist; for
//! `outputlookup`, the baseline that should fill it writes nothing.
//!
//! ## Example
//! ```spl
//! | inputlookup previously_seen_users
//! ```
//! with no `lookups/previously_seen_users.yml`. Fix: add it (a csv or
//! kvstore lookup), or name the file itself (`previously_seen_users.csv`).
//!
//! ## Source
//! contentctl 5.6 (`Lookup.get_lookups`); contentctl 4.4.7 checks only
//! `lookup`, so it is a warning in 4.x content.

use super::undefined_lookup;
use crate::codes::{Code, code};
use crate::rules::Cx;
use detc_diag::Diagnostic;
use detc_yaml::Spanned;

pub(super) const CODE: Code = code::Q011;

pub(super) fn report(cx: &Cx, search: &Spanned<String>, l: &detc_spl::LookupRef, out: &mut Vec<Diagnostic>) {
    let d = undefined_lookup(cx, CODE, search, l);
    out.push(match d.1 {
        Some(_) => d.0,
        None => d.0.help(format!(
            "add lookups/{0}.yml (a csv or kvstore lookup), or name the file itself: `{1} {0}.csv` {2} lookups/{0}.csv with no definition",
            l.name,
            l.command,
            if l.command == "inputlookup" { "reads" } else { "writes" }
        )),
    });
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
