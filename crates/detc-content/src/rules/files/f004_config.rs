//! # `F004 config`
//!
//! ## What it checks
//! `contentctl.yml` exists at the content root and is valid: an `app:`
//! section with appid, title, version, prefix and label. Reported by the
//! loader (`load.rs`).
//!
//! ## Why it matters
//! The app's identity, label (the stanza prefix) and build path come from
//! it: nothing can be built without it.
//!
//! ## Example
//! An empty `contentctl.yml`. Fix: add the `app:` section (`detc new` and
//! `contentctl init` write one).
//!
//! ## Source
//! contentctl 5.6 (`Config`).

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::F004);
}
