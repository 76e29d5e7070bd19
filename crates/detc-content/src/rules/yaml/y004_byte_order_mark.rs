//! # `Y004 byte-order-mark`
//!
//! ## What it checks
//! A warning when the file starts with a UTF-8 byte-order mark.
//!
//! ## Why it matters
//! The mark is invisible and needed by nothing here; some tools read it as
//! part of the first key.
//!
//! ## Example
//! A file saved by an editor set to "UTF-8 with BOM". Fix: save it as UTF-8
//! without BOM.
//!
//! ## Source
//! detc's own.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::Y004);
}
