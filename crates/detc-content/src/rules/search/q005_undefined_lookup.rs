//! # `Q005 undefined-lookup`
//!
//! ## What it checks
//! Every lookup the `lookup` command uses is defined in `lookups/`, except
//! contentctl's `LOOKUPS_TO_IGNORE` (lookups that Splunk, ES or an add-on
//! ship).
//!
//! ## Why it matters
//! Splunk fails the search ("The lookup table ... does not exist") on every
//! run: the detection never fires.
//!
//! ## Example
//! ```spl
//! ... | lookup browser_app_lst browser_name OUTPUT isAllowed
//! ```
//! Fix: the lookup's name (`browser_app_list`), or add its YAML and csv.
//!
//! ## Source
//! contentctl 5.6 (`Lookup.get_lookups`, which matches `[^output]lookup`).

use super::undefined_lookup;
use crate::codes::{Code, code};
use crate::rules::Cx;
use detc_diag::Diagnostic;
use detc_yaml::Spanned;

pub(super) const CODE: Code = code::Q005;

pub(super) fn report(cx: &Cx, search: &Spanned<String>, l: &detc_spl::LookupRef, out: &mut Vec<Diagnostic>) {
    let d = undefined_lookup(cx, CODE, search, l);
    out.push(match d.1 {
        Some(_) => d.0,
        None => d.0.help(format!(
            "add lookups/{}.yml (lookup_type csv with its .csv file, or kvstore)",
            l.name.trim_end_matches(".csv")
        )),
    });
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
