//! # `S002 unknown-key`
//!
//! ## What it checks
//! Every key is a field of the object (with a did-you-mean for typos). A
//! contentctl 4.x key in a 5.x file says so.
//!
//! ## Why it matters
//! A misspelled key is silently ignored by a lenient reader: the setting
//! the author wrote never takes effect.
//!
//! ## Example
//! ```yaml
//! serach: ...
//! ```
//! Fix: `search:`.
//!
//! ## Source
//! contentctl 5.6 (`extra="forbid"` on its models).

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::S002);
}
