//! # `P004 data-source-output-field`
//!
//! ## What it checks
//! For production TTP and Anomaly detections, each `output_fields` entry of
//! each data source the detection names appears in the search text.
//!
//! ## Why it matters
//! The data source promises the fields the detection works with; a search
//! that does not mention them is likely written against another source.
//!
//! ## Example
//! A detection on `Sysmon EventID 1`, whose data source lists `dest` in
//! `output_fields`, with a search that never mentions `dest`. Fix: use the
//! field, or remove it from the data source's `output_fields`.
//!
//! ## Source
//! contentctl 5.6
//! (`Detection_Abstract.validate_data_source_output_fields`); contentctl
//! 4.4.7 does not have it, so it is a warning in 4.x content.

use crate::codes::{Code, code, diag};
use crate::enums::DetectionType;
use crate::model::Detection;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::P004;

pub(super) fn check(cx: &Cx, _i: usize, d: &Detection, out: &mut Vec<Diagnostic>) {
    if !(d.common.is_production() && d.detection_type().is_some_and(DetectionType::is_ttp_or_anomaly)) {
        return;
    }
    let search = d.search.as_ref().map(|s| s.value.as_str()).unwrap_or("");
    for ds in &d.data_source {
        for part in ds.value.split("AND").map(str::trim) {
            let Some(src) = cx
                .content
                .data_sources
                .iter()
                .find(|s| s.common.name() == part)
            else {
                continue;
            };
            for f in &src.output_fields {
                if !search.contains(f.value.as_str()) {
                    out.push(
                        diag(CODE, format!("the data source `{part}` outputs `{}`, which the search does not mention", f.value))
                            .at(ds.span)
                            .with_secondary(f.span, "declared here")
                            .help("use the field in the search, or remove it from the data source's output_fields"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
