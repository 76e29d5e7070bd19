//! # `R003 threat-object-field`
//!
//! ## What it checks
//! Each `rba.threat_objects` field is a field the search outputs, when that
//! output is known.
//!
//! ## Why it matters
//! Threat objects (a process, a hash, a domain) tie risk events of
//! different entities together in ES's risk analysis; a field the search
//! does not output gives an empty threat object.
//!
//! ## Example
//! ```yaml
//! search: '... | stats count by dest process_name'
//! rba:
//!   threat_objects:
//!   - field: Process_Name
//!     type: process_name
//! ```
//! Fix: the field as the search outputs it (`process_name`): names are
//! case-sensitive.
//!
//! ## Source
//! detc's own. contentctl checks only that the name appears somewhere in
//! the search text (R004).

use crate::codes::{Code, code};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::R003;

pub(super) fn check(cx: &Cx, i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let Some(rba) = &d.rba else { return };
    for f in rba.threat_objects.iter().filter_map(|t| t.field.as_ref()) {
        super::output_field(cx, i, CODE, "the threat object field", &f.value, f.span, out);
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
