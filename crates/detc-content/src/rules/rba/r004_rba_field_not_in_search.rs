//! # `R004 rba-field-not-in-search`
//!
//! ## What it checks
//! For production detections, each risk message token, risk object field
//! and threat object field appears in the search text (case-insensitive).
//! Reported only where detc cannot know what the search outputs: where it
//! can, R001-R003 say more.
//!
//! ## Why it matters
//! A name that appears nowhere in the search cannot be one of its fields:
//! the risk event would carry an empty value.
//!
//! ## Example
//! A search that ends in a macro detc cannot read, with `message:
//! $parent_process$ ran ...` and no `parent_process` anywhere in the
//! search. Fix: output the field, or use one the search names.
//!
//! ## Source
//! contentctl 5.6 (`Detection_Abstract.search_rba_fields_exist_validate`, a
//! text search).

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::{Diagnostic, Span};

pub(super) const CODE: Code = code::R004;

pub(super) fn check(cx: &Cx, i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let Some(rba) = &d.rba else { return };
    let search = d.search.as_ref().map(|s| s.value.as_str()).unwrap_or("");
    if !d.common.is_production() || search.is_empty() {
        return;
    }
    let lower = search.to_lowercase();
    let mut names: Vec<(&str, Span, &str)> = Vec::new();
    if let Some(msg) = &rba.message {
        for (at, tok) in crate::rules::tokens(&msg.value) {
            names.push((tok, cx.locate(msg, at, &format!("${tok}$")), "the risk message token"));
        }
    }
    for f in rba.risk_objects.iter().filter_map(|r| r.field.as_ref()) {
        names.push((&f.value, f.span, "the risk object field"));
    }
    for f in rba.threat_objects.iter().filter_map(|t| t.field.as_ref()) {
        names.push((&f.value, f.span, "the threat object field"));
    }
    for (name, span, what) in names {
        // The text first: the search's output is worked out only for the
        // few names the text lacks.
        if !lower.contains(&name.to_lowercase())
            && cx.output(i).and_then(|f| f.contains(name)).is_none()
        {
            out.push(
                diag(CODE, format!("{what} `{name}` does not appear in the search"))
                    .at(span)
                    .help("contentctl requires every RBA field to be named in the search; output it from the search"),
            );
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
