//! # `R006 duplicate-rba-field`
//!
//! ## What it checks
//! A warning when a field is listed twice as a risk object, or twice as a
//! threat object (in 4.x, two `tags.observable` entries of one field and
//! role, which contentctl 4.4.7 writes twice into `_risk`).
//!
//! ## Why it matters
//! Each risk object adds the detection's score, so an entity listed twice
//! gets it twice; a threat object listed twice is carried twice by every
//! risk event.
//!
//! ## Example
//! ```yaml
//! rba:
//!   threat_objects:
//!   - field: process_name
//!     type: process_name
//!   - field: process_name
//!     type: process
//! ```
//! Fix: keep one entry, with the type that fits.
//!
//! ## Source
//! detc's own, from what ES does with `_risk` (three production TTP
//! detections of security_content v4.42.0 have it).

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;
use detc_yaml::Spanned;

pub(super) const CODE: Code = code::R006;

pub(super) fn check(_cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let Some(rba) = &d.rba else { return };
    duplicates(
        rba.risk_objects.iter().filter_map(|r| r.field.as_ref()),
        "risk object",
        "each risk object adds the detection's score, so that entity gets it twice",
        out,
    );
    duplicates(
        rba.threat_objects.iter().filter_map(|t| t.field.as_ref()),
        "threat object",
        "every risk event carries that threat object twice",
        out,
    );
}

fn duplicates<'a>(
    fields: impl Iterator<Item = &'a Spanned<String>>,
    what: &str,
    effect: &str,
    out: &mut Vec<Diagnostic>,
) {
    let mut seen: Vec<&Spanned<String>> = Vec::new();
    for f in fields {
        match seen.iter().find(|s| s.value == f.value) {
            Some(first) => out.push(
                diag(CODE, format!("the {what} field `{}` is listed twice", f.value))
                    .at(f.span)
                    .label("again here")
                    .with_secondary(first.span, "first here")
                    .help(format!("{effect}: keep one entry (with the type that fits)")),
            ),
            None => seen.push(f),
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
