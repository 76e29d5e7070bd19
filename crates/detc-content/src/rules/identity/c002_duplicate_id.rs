//! # `C002 duplicate-id`
//!
//! ## What it checks
//! Ids (UUIDs) are unique across all content, compared without regard to
//! case.
//!
//! ## Why it matters
//! The id is how Splunk's content-update tooling, ES and the docs tell
//! objects apart across versions: a copied file that keeps its id makes two
//! objects one.
//!
//! ## Example
//! A detection copied to a new file without a new `id:`. Fix: give the copy
//! a fresh UUID (`uuidgen`, or `detc new detection` for a new file).
//!
//! ## Source
//! contentctl 5.6 (`DirectorOutputDto.addContentToDictMappings`: "Duplicate
//! id"); detc compares ids without regard to case.

use super::Objects;
use crate::codes::{Code, code, diag};
use crate::model::Common;
use crate::rules::Cx;
use detc_diag::Diagnostic;
use std::collections::HashMap;

pub(super) const CODE: Code = code::C002;

pub(super) fn check(_cx: &Cx, all: &Objects, out: &mut Vec<Diagnostic>) {
    let mut ids: HashMap<String, (&str, &Common)> = HashMap::new();
    for (kind, c) in all {
        let Some(id) = &c.id else { continue };
        let key = id.value.to_lowercase();
        if let Some((k0, first)) = ids.get(&key) {
            let mut d = diag(
                CODE,
                format!(
                    "the id `{}` is already used by the {k0} in {}",
                    id.value, first.path
                ),
            )
            .at(id.span)
            .label("used again here")
            .help("give this object a new UUID (`uuidgen` prints one)");
            if let Some(f) = &first.id {
                d = d.with_secondary(f.span, "first used here");
            }
            out.push(d);
        } else {
            ids.insert(key, (kind, c));
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
