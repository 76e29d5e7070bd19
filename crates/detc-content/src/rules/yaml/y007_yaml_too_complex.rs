//! # `Y007 yaml-too-complex`
//!
//! ## What it checks
//! The document nests at most 64 levels and expands (aliases included) to
//! at most 100,000 nodes.
//!
//! ## Why it matters
//! Content files are small; a document past these limits is an alias bomb
//! or runaway brackets, which would exhaust memory.
//!
//! ## Example
//! ```yaml
//! a: &a [x, x, x, x, x, x, x, x, x]
//! b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
//! ```
//! and so on. Fix: remove the aliases that repeat large nodes.
//!
//! ## Source
//! detc's own limits (`detc_yaml::Limits`).

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::Y007);
}
