//! # `C010 dashboard-definition`
//!
//! ## What it checks
//! A dashboard's JSON definition, `<stem>.json` beside its YAML, exists, is
//! JSON, has a `title` equal to the dashboard's name and a `description`,
//! and holds no `]]>`. Checked while loading (`load.rs`), where the file is
//! read.
//!
//! ## Why it matters
//! The build writes the JSON into the dashboard's XML view inside a CDATA
//! section: a missing or mismatched definition gives a dashboard that does
//! not open, and `]]>` would end the CDATA early.
//!
//! ## Example
//! `dashboards/rmm_software_tracking.json` titled `RMM Tracking` for the
//! dashboard `RMM Software Tracking`. Fix: make the JSON's `title` and the
//! YAML's `name` the same.
//!
//! ## Source
//! contentctl 5.6 (`Dashboard.validate_fields_from_json`); the `]]>` check
//! is detc's.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::C010);
}
