//! # `F003 not-utf8`
//!
//! ## What it checks
//! A content file is valid UTF-8. Reported by the loader (`load.rs`) with
//! the first bad byte.
//!
//! ## Why it matters
//! Splunk reads .conf files as UTF-8: a Latin-1 character ends up garbled
//! in the search or the description.
//!
//! ## Example
//! A description saved from a Windows editor with `é` as byte 0xE9. Fix:
//! convert the file, e.g. `iconv -f WINDOWS-1252 -t UTF-8`.
//!
//! ## Source
//! contentctl 5.6 fails to read such files.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::F003);
}
