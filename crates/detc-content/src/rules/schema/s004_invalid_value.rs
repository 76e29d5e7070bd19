//! # `S004 invalid-value`
//!
//! ## What it checks
//! An enumerated value is one of the allowed values (detection type,
//! security_domain, risk object types, KV store field types...), with a
//! did-you-mean.
//!
//! ## Why it matters
//! ES and the build switch on these values: an unknown one gives a search
//! that is never scheduled, or a risk object of no type.
//!
//! ## Example
//! ```yaml
//! type: TPP
//! ```
//! Fix: `TTP`.
//!
//! ## Source
//! contentctl 5.6's enums; Splunk's collections.conf.spec for KV store
//! field types.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::S004);
}
