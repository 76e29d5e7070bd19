//! # `S006 ignored-key`
//!
//! ## What it checks
//! A warning, in 4.x content: a key that contentctl 4.4.7 ignores (its
//! models use pydantic's `extra="ignore"`) has no effect.
//!
//! ## Why it matters
//! The author expects the setting to work; 4.4.7 dropped it, and detc
//! builds 4.x content as 4.4.7 did.
//!
//! ## Example
//! A 4.x lookup with `max_matches: 1`. Fix: `detc migrate` keeps it in the
//! 5.x format, where it takes effect; or remove it.
//!
//! ## Source
//! contentctl 4.4.7's models; refused by 5.x (S002).

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::S006);
}
