//! # `C007 future-date`
//!
//! ## What it checks
//! An object's `date` is not after today (UTC).
//!
//! ## Why it matters
//! A future date is a typo (a swapped month and day, a wrong year); the
//! docs and the app's release notes sort and show content by it.
//!
//! ## Example
//! ```yaml
//! date: '2999-01-01'
//! ```
//! Fix: the date of the last change, today or earlier.
//!
//! ## Source
//! contentctl 5.6
//! (`SecurityContentObject_Abstract.ensure_date_is_not_in_future`);
//! contentctl 4.4.7 accepts it, so it is a warning in 4.x content.

use super::Objects;
use crate::codes::{Code, code, diag};
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::C007;

pub(super) fn check(cx: &Cx, all: &Objects, out: &mut Vec<Diagnostic>) {
    for (_, c) in all {
        if let Some(d) = &c.date
            && let Ok(date) = d.value.parse::<jiff::civil::Date>()
            && date > cx.opts.today
        {
            out.push(
                diag(CODE, format!("the date {} is in the future", d.value))
                    .at(d.span)
                    .help("use the date of the last change, today or earlier"),
            );
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
