//! # `S003 wrong-type`
//!
//! ## What it checks
//! A value has the type the field needs (string, integer, list, mapping).
//!
//! ## Why it matters
//! A number where a string is meant, or a list where a mapping is, is read
//! differently by each tool.
//!
//! ## Example
//! ```yaml
//! author: 2021
//! ```
//! Fix: quote it (`'2021'`).
//!
//! ## Source
//! contentctl 5.6's pydantic models.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::S003);
}
