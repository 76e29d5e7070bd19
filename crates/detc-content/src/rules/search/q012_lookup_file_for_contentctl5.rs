//! # `Q012 lookup-file-for-contentctl5`
//!
//! ## What it checks
//! A warning, in 5.x content only: `inputlookup x.csv` or `outputlookup
//! x.csv` where the content has no lookup named `x`.
//!
//! ## Why it matters
//! Splunk runs it (the file needs no definition) and detc builds it, but
//! contentctl 5.6.2 refuses the content: its `get_lookups` takes the word
//! before the `.` as a lookup name. A team that still builds with
//! contentctl needs to know.
//!
//! ## Example
//! ```spl
//! ... | outputlookup seen_domains.csv
//! ```
//! Fix (for contentctl 5 only): add `lookups/seen_domains.yml` with
//! `lookup_type: csv`.
//!
//! ## Source
//! contentctl 5.6.2 (`Lookup.get_lookups`); 8 of the 24 undefined-lookup
//! findings on security_content v4.42.0 were such files.

use super::contentctl5_lookup_name;
use crate::codes::{Code, code, diag};
use crate::enums::LOOKUPS_TO_IGNORE;
use crate::rules::Cx;
use detc_diag::Diagnostic;
use detc_yaml::Spanned;

pub(super) const CODE: Code = code::Q012;

pub(super) fn check(cx: &Cx, format: crate::legacy::Format, search: &Spanned<String>, l: &detc_spl::LookupRef, out: &mut Vec<Diagnostic>) {
    let word = contentctl5_lookup_name(&l.name);
    if format == crate::legacy::Format::V5
        && !word.is_empty()
        && !cx.lookup_names.contains(word)
        && !LOOKUPS_TO_IGNORE.contains(&word)
    {
        out.push(
            diag(CODE, format!("contentctl 5.6.2 refuses `{} {}`: it looks for a lookup named `{word}`", l.command, l.name))
                .at(cx.locate(search, l.start, &l.name))
                .label("a file, no lookup definition")
                .help(format!("Splunk needs no definition for the file, and detc builds it; for contentctl 5, add lookups/{word}.yml (lookup_type csv)")),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
