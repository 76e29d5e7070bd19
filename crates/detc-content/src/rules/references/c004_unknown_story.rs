//! # `C004 unknown-story`
//!
//! ## What it checks
//! Each `tags.analytic_story` entry of a detection, and each
//! `analytic_story` entry of a baseline, names an analytic story of the
//! content. The help suggests the nearest name.
//!
//! ## Why it matters
//! The story groups the detection in ES's Use Case Library and in the docs;
//! contentctl resolves the name and fails the whole build when it is
//! unknown.
//!
//! ## Example
//! ```yaml
//! tags:
//!   analytic_story:
//!   - Cobalt Strik
//! ```
//! Fix: `Cobalt Strike`, or add `stories/cobalt_strik.yml`.
//!
//! ## Source
//! contentctl 5.6 (`mapNamesToSecurityContentObjects`).

use super::{Names, unknown};
use crate::codes::{Code, code};
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::C004;

pub(super) fn check(_cx: &Cx, n: &Names, out: &mut Vec<Diagnostic>) {
    let c = n.content;
    let lists = c
        .detections
        .iter()
        .map(|d| &d.tags.analytic_story)
        .chain(c.baselines.iter().map(|b| &b.analytic_story));
    for list in lists {
        for s in list {
            if !n.stories.contains(s.value.as_str()) {
                out.push(unknown(CODE, "analytic story", s, &n.stories, "stories"));
            }
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
