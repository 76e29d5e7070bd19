//! # `Y005 crlf-line-endings`
//!
//! ## What it checks
//! A warning when the file uses CRLF (Windows) line endings.
//!
//! ## Why it matters
//! Multi-line searches and descriptions keep stray carriage returns, which
//! end up in savedsearches.conf.
//!
//! ## Example
//! A detection edited on Windows with `core.autocrlf` off. Fix: LF line
//! endings (`*.yml text eol=lf` in .gitattributes).
//!
//! ## Source
//! detc's own.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::Y005);
}
