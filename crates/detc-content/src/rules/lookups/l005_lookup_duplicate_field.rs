//! # `L005 lookup-duplicate-field`
//!
//! ## What it checks
//! No field is listed twice in a lookup's `fields` (or a 4.x
//! `fields_list`).
//!
//! ## Why it matters
//! A repeated name is usually a typo for another field: the column the
//! author meant is missing from the lookup definition.
//!
//! ## Example
//! ```yaml
//! fields:
//! - _key
//! - user
//! - user
//! ```
//! Fix: list each field once (the second was probably `dest`).
//!
//! ## Source
//! detc's own.

use crate::codes::{Code, code, diag};
use crate::model::Lookup;
use detc_diag::Diagnostic;
use std::collections::HashSet;

pub(super) const CODE: Code = code::L005;

pub(super) fn check(l: &Lookup, out: &mut Vec<Diagnostic>) {
    let mut seen: HashSet<&str> = HashSet::new();
    for f in &l.fields {
        if !seen.insert(f.value.as_str()) {
            out.push(
                diag(CODE, format!("the field `{}` is listed twice", f.value))
                    .at(f.span)
                    .help("list each field once; a repeated name is usually a typo for another field"),
            );
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
