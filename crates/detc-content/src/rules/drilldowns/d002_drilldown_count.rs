//! # `D002 drilldown-count`
//!
//! ## What it checks
//! A production detection that is not Hunting has at least two drilldowns,
//! one of which contains `%original_detection_search%`.
//!
//! ## Why it matters
//! An analyst triaging the finding needs the events that raised it and the
//! risk history of its objects; contentctl 5 refuses content without them.
//!
//! ## Example
//! ```yaml
//! status: production
//! type: TTP
//! drilldown_searches: []
//! ```
//! Fix: add one drilldown on `%original_detection_search% | search ...` and
//! one on the risk events of the risk objects (`detc new detection` writes
//! both).
//!
//! ## Source
//! contentctl 5.6 (`Detection_Abstract.model_post_init`, for production
//! detections that are not Hunting); contentctl 4.4.7 does not require
//! drilldowns, so it is a warning in 4.x content.

use crate::codes::{Code, code, diag};
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::D002;

pub(super) fn check(_cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    let hunting = d.detection_type() == Some(crate::enums::DetectionType::Hunting);
    if !d.common.is_production() || hunting {
        return;
    }
    let with_original = d.drilldowns.iter().any(|x| {
        x.search
            .as_ref()
            .is_some_and(|s| s.value.contains("%original_detection_search%"))
    });
    let at = d
        .drilldowns_span
        .or(d.search.as_ref().map(|s| s.span))
        .or(d.common.name.as_ref().map(|n| n.span));
    let Some(at) = at else { return };
    if d.drilldowns.len() < 2 {
        out.push(
            diag(CODE, format!("a production detection needs at least 2 drilldowns, this one has {}", d.drilldowns.len()))
                .at(at)
                .help("add `drilldown_searches:` entries: one on `%original_detection_search%`, one on the risk events of the risk objects"),
        );
    } else if !with_original {
        out.push(
            diag(CODE, "no drilldown uses `%original_detection_search%`")
                .at(at)
                .help("add a drilldown whose search starts with `%original_detection_search% | search ...`"),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
