//! # `S007 contentctl5-strict`
//!
//! ## What it checks
//! With extensions off (`--no-extensions`, `[schema] extensions = false`):
//! a detc extension to the 5.x format, or anything else contentctl 5.6.2
//! refuses (a missing `playbooks/` or `removed/` folder...).
//!
//! ## Why it matters
//! A team that must keep building with contentctl 5.6.2 needs detc to
//! refuse what it refuses.
//!
//! ## Example
//! A detection with `tests:` timelines (a detc extension) with extensions
//! off. Fix: remove the extension, or turn extensions on.
//!
//! ## Source
//! contentctl 5.6.2's models and Director; docs/extensions.md lists the
//! extensions.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::S007);
}
