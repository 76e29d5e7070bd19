//! # `P003 throttling-field`
//!
//! ## What it checks
//! Each `tags.throttling.fields` entry appears in the search text.
//!
//! ## Why it matters
//! ES throttles on the field's value in each result; a field the search
//! never mentions is empty in every result, so every finding after the
//! first is suppressed for the whole window.
//!
//! ## Example
//! ```yaml
//! search: '... | stats count by user'
//! tags:
//!   throttling:
//!     fields:
//!     - dest
//! ```
//! Fix: throttle on a field the search outputs (`user`).
//!
//! ## Source
//! contentctl 5.6 (`Detection_Abstract.ensureThrottlingFieldsExist`).

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::P003;

pub(super) fn check(_cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let Some(t) = &d.tags.throttling else { return };
    let search = d.search.as_ref().map(|s| s.value.as_str()).unwrap_or("");
    for f in &t.fields {
        if !search.contains(f.value.as_str()) {
            out.push(
                diag(
                    CODE,
                    format!(
                        "the throttling field `{}` does not appear in the search",
                        f.value
                    ),
                )
                .at(f.span)
                .help("throttle on fields the search outputs"),
            );
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
