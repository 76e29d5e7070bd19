//! # `Y002 duplicate-key`
//!
//! ## What it checks
//! No mapping has the same key twice. Reported by the YAML reader.
//!
//! ## Why it matters
//! YAML loaders keep one of the values without a word (PyYAML the last):
//! half of an edit is silently lost.
//!
//! ## Example
//! ```yaml
//! author: Alice
//! author: Bob
//! ```
//! Fix: keep one, or merge them.
//!
//! ## Source
//! detc's own: PyYAML, and so contentctl, accepts duplicate keys.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::Y002);
}
