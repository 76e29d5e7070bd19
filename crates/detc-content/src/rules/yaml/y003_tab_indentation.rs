//! # `Y003 tab-indentation`
//!
//! ## What it checks
//! No tab is used for indentation. Reported at the tab itself, also after a
//! plain value (where a tab on the next line is taken for text).
//!
//! ## Why it matters
//! YAML forbids tabs in indentation; editors show them as spaces, so the
//! structure the author sees is not the one the parser reads.
//!
//! ## Example
//! A `  - T1560` line indented with a tab. Fix: replace the tab with
//! spaces.
//!
//! ## Source
//! The YAML specification; contentctl 5.6 (PyYAML) refuses the file.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::Y003);
}
