//! # `S001 missing-field`
//!
//! ## What it checks
//! A required field of the object is present. When the key's text sits
//! indented into the block scalar above it, the message points there.
//!
//! ## Why it matters
//! contentctl refuses the object; the build has nothing to write for the
//! field.
//!
//! ## Example
//! ```yaml
//! search: |-
//!   sourcetype=x
//!   how_to_implement: ...
//! ```
//! Fix: unindent `how_to_implement:` to line up with `search:`.
//!
//! ## Source
//! contentctl 5.6's pydantic models (required fields); detc's model is in
//! `model/`.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::S001);
}
