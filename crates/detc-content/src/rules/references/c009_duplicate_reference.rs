//! # `C009 duplicate-reference`
//!
//! ## What it checks
//! No analytic story is named twice in a detection's `tags.analytic_story`
//! or a baseline's `analytic_story`, and no data source twice in a
//! detection's `data_source`.
//!
//! ## Why it matters
//! contentctl 5.6.2 refuses the whole content ("Duplicate Story ... found
//! in list"); the second entry adds nothing.
//!
//! ## Example
//! ```yaml
//! data_source:
//! - Sysmon EventID 1
//! - Sysmon EventID 1
//! ```
//! Fix: remove the second entry.
//!
//! ## Source
//! contentctl 5.6.2 (`mapNamesToSecurityContentObjects`); contentctl 4.4.7
//! accepted it, so it is a warning in 4.x content.

use super::Names;
use crate::codes::{Code, code, diag};
use crate::rules::Cx;
use detc_diag::Diagnostic;
use detc_yaml::Spanned;

pub(super) const CODE: Code = code::C009;

pub(super) fn check(_cx: &Cx, n: &Names, out: &mut Vec<Diagnostic>) {
    for d in &n.content.detections {
        twice(&d.tags.analytic_story, "analytic story", out);
        twice(&d.data_source, "data source", out);
    }
    for b in &n.content.baselines {
        twice(&b.analytic_story, "analytic story", out);
    }
}

/// A name listed twice in one list.
fn twice(list: &[Spanned<String>], what: &str, out: &mut Vec<Diagnostic>) {
    for (i, v) in list.iter().enumerate() {
        if let Some(first) = list[..i].iter().find(|f| f.value == v.value) {
            out.push(
                diag(CODE, format!("the {what} `{}` is listed twice", v.value))
                    .at(v.span)
                    .label("again here")
                    .with_secondary(first.span, "first here")
                    .help("remove the second entry"),
            );
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
