//! # `Y009 multiple-documents`
//!
//! ## What it checks
//! The file holds one YAML document (no second `---`).
//!
//! ## Why it matters
//! contentctl reads one object per file; the objects after the first are
//! silently lost.
//!
//! ## Example
//! ```yaml
//! name: a
//! ---
//! name: b
//! ```
//! Fix: one object per file.
//!
//! ## Source
//! detc's own: PyYAML's `safe_load` reads only the first document.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::Y009);
}
