//! # `Q010 macro-in-quotes`
//!
//! ## What it checks
//! No macro of the content (or the detection's own filter macro) is written
//! inside a double-quoted string of the search.
//!
//! ## Why it matters
//! Splunk does not expand a macro inside a quoted value: the search looks
//! for the macro's literal text and matches nothing (security_content
//! v4.42.0's Zoom first-seen detection and its baseline have it).
//!
//! ## Example
//! ```spl
//! ... | search process="`zoom_processes`"
//! ```
//! Fix: take the macro out of the quotes, or put the quotes in the macro's
//! definition.
//!
//! ## Source
//! Splunk's Knowledge Manager Manual, "Use search macros in searches":
//! "Macros inside of quoted values are not expanded". detc's own rule.

use crate::codes::{Code, code, diag};
use crate::rules::Cx;
use detc_diag::Diagnostic;
use detc_yaml::Spanned;

pub(super) const CODE: Code = code::Q010;

pub(super) fn check(cx: &Cx, search: &Spanned<String>, own_filter: Option<&str>, out: &mut Vec<Diagnostic>) {
    let s = &search.value;
    for m in detc_spl::quoted_macros(s) {
        if !cx.macros.contains_key(m.name.as_str()) && Some(m.name.as_str()) != own_filter {
            continue;
        }
        let raw = &s[m.start..m.end];
        out.push(
            diag(CODE, format!("the macro `{}` is inside a quoted string, where Splunk does not expand it", m.name))
                .at(cx.locate(search, m.start, raw))
                .label("left as text")
                .help(format!("\"Macros inside of quoted values are not expanded\" (Knowledge Manager Manual): take {raw} out of the quotes, or put the quotes in the macro's definition")),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
