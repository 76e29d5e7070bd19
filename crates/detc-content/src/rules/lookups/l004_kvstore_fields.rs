//! # `L004 kvstore-fields`
//!
//! ## What it checks
//! A KV store lookup lists `fields`, starting with `_key`. (A 4.x
//! `fields_list` is transforms.conf's list as is, without `_key`: checked
//! only when it is empty.)
//!
//! ## Why it matters
//! `_key` is the record's id in the collection: without it in
//! transforms.conf's `fields_list`, `outputlookup` cannot update records,
//! only append them.
//!
//! ## Example
//! ```yaml
//! lookup_type: kvstore
//! fields:
//! - user
//! - first_seen
//! ```
//! Fix: list `_key` first, then the collection's fields.
//!
//! ## Source
//! contentctl 5.6 (`KVStoreLookup.ensure_key`); contentctl 4.4.7 does not
//! have it, so it is a warning in 4.x content.

use crate::codes::{Code, code, diag};
use crate::model::Lookup;
use detc_diag::{Diagnostic, Span};

pub(super) const CODE: Code = code::L004;

pub(super) fn check(l: &Lookup, at: Span, out: &mut Vec<Diagnostic>) {
    if l.kind() != Some(crate::enums::LookupType::KvStore) {
        return;
    }
    if (l.format == crate::model::Format::V5 || l.fields.is_empty())
        && l.fields.first().map(|f| f.value.as_str()) != Some("_key")
    {
        let span = l.fields.first().map(|f| f.span).unwrap_or(at);
        out.push(
            diag(CODE, "a KV store lookup's `fields` must start with `_key`")
                .at(span)
                .help("list `_key` first, then the collection's fields"),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
