//! # `Y001 yaml-syntax`
//!
//! ## What it checks
//! The file is valid YAML. Reported by the YAML reader (`detc-yaml`), at
//! the place the parser stopped, with what to fix.
//!
//! ## Why it matters
//! Nothing in a file that does not parse can be read: the object is missing
//! from the app.
//!
//! ## Example
//! ```yaml
//! search: 'sourcetype=x
//!   | stats count
//! ```
//! (an unclosed quote). Fix: close the quote, or write the search as a
//! block scalar (`search: |-`).
//!
//! ## Source
//! contentctl 5.6 (PyYAML) refuses the same files.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::Y001);
}
