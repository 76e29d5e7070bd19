//! # `Y010 quoted-scalar-indentation`
//!
//! ## What it checks
//! A warning when a quoted string's continuation lines are not indented
//! past its key.
//!
//! ## Why it matters
//! YAML 1.2 requires the indentation and strict parsers refuse the file;
//! PyYAML, and so contentctl, accepts it, so it is a warning.
//!
//! ## Example
//! ```yaml
//! search: 'sourcetype=x
//! | stats count'
//! ```
//! Fix: indent each continuation line, or write a block scalar (`search:
//! >-`).
//!
//! ## Source
//! The YAML 1.2 specification (flow scalars in block context).

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::Y010);
}
