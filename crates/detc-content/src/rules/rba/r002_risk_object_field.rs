//! # `R002 risk-object-field`
//!
//! ## What it checks
//! Each `rba.risk_objects` field is a field the search outputs, when that
//! output is known.
//!
//! ## Why it matters
//! The risk object is the entity that accumulates risk: a field the search
//! does not output gives every risk event an empty risk object, so no
//! entity's risk score ever rises and no risk notable fires.
//!
//! ## Example
//! ```yaml
//! search: '... | stats count by dest'
//! rba:
//!   risk_objects:
//!   - field: user
//!     type: user
//!     score: 40
//! ```
//! Fix: output `user` from the search, or use `dest`.
//!
//! ## Source
//! detc's own. contentctl checks only that the name appears somewhere in
//! the search text (R004).

use crate::codes::{Code, code};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::R002;

pub(super) fn check(cx: &Cx, i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let Some(rba) = &d.rba else { return };
    for f in rba.risk_objects.iter().filter_map(|r| r.field.as_ref()) {
        super::output_field(cx, i, CODE, "the risk object field", &f.value, f.span, out);
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
