//! # `S005 constraint`
//!
//! ## What it checks
//! A value meets its length, range or format constraint: UUIDs,
//! `YYYY-MM-DD` dates, risk scores 1 to 100, name lengths, field types of
//! listed fields only.
//!
//! ## Why it matters
//! Values out of range are refused by contentctl or read wrongly by ES (a
//! risk score of 150).
//!
//! ## Example
//! ```yaml
//! date: '2021-13-45'
//! ```
//! Fix: a real date, `YYYY-MM-DD`.
//!
//! ## Source
//! contentctl 5.6's pydantic constraints.

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(crate::codes::code::S005);
}
