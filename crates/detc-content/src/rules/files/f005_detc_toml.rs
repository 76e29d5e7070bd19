//! # `F005 detc-toml`
//!
//! ## What it checks
//! `detc.toml` beside contentctl.yml is valid TOML with known sections,
//! each `[lints]` key a rule code or name, each level `allow`, `warn` or
//! `deny`, and no schema rule (F, Y, S) lowered. Reported by `lints.rs`.
//!
//! ## Why it matters
//! A mistyped rule name would silently leave a rule at its default level.
//!
//! ## Example
//! ```toml
//! [lints]
//! Z999 = "allow"
//! ```
//! Fix: a code from `detc rules`.
//!
//! ## Source
//! detc's own configuration file.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::F005);
}
