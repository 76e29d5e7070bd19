//! # `P006 placeholder`
//!
//! ## What it checks
//! No `TODO(detc new)` placeholder that `detc new` wrote is left in a
//! content file ([`super::PLACEHOLDER`]). The help repeats the hint that
//! follows the placeholder.
//!
//! ## Why it matters
//! `detc new` writes a placeholder for each value the author must still
//! write; one left in place ships a search or a description that says
//! "TODO".
//!
//! ## Example
//! ```yaml
//! description: 'TODO(detc new): what the detection finds and why it matters'
//! ```
//! Fix: write the description.
//!
//! ## Source
//! detc's own, for `detc new`'s files.

use super::PLACEHOLDER;
use crate::codes::{Code, code, diag};
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::P006;

/// Every placeholder left in the content's files, at its text.
pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for i in 0..cx.sources.len() {
        let file = detc_diag::FileId(i as u32);
        let text = &cx.sources.get(file).text;
        for (at, _) in text.match_indices(PLACEHOLDER) {
            let rest = &text[at + PLACEHOLDER.len()..];
            let hint: String = rest
                .trim_start_matches(':')
                .trim_start()
                .chars()
                .take_while(|&c| c != '\'' && c != '\n')
                .collect();
            out.push(
                diag(CODE, "a placeholder written by `detc new` is still here")
                    .at(detc_diag::Span::new(file, at, at + PLACEHOLDER.len()))
                    .label("write the value")
                    .help(if hint.trim().is_empty() {
                        "replace the placeholder with the value".to_string()
                    } else {
                        format!("replace the placeholder with {}", hint.trim())
                    }),
            );
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
