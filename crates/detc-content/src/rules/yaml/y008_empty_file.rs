//! # `Y008 empty-file`
//!
//! ## What it checks
//! A content file holds a content object. Reported by the loader
//! (`load.rs`).
//!
//! ## Why it matters
//! An empty file is a deletion half done, or an object lost in a bad merge.
//!
//! ## Example
//! An empty `detections/endpoint/x.yml`. Fix: write the object's fields, or
//! delete the file.
//!
//! ## Source
//! contentctl 5.6 fails on empty files.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::Y008);
}
