//! # `C005 unknown-data-source`
//!
//! ## What it checks
//! Each `data_source` entry of a detection, split on `AND`, names a data
//! source of the content (`data_sources/`).
//!
//! ## Why it matters
//! The data source gives the docs and the app what the detection needs to
//! run (sourcetype, add-on, fields); an unknown name documents nothing and
//! contentctl refuses it.
//!
//! ## Example
//! ```yaml
//! data_source:
//! - Sysmon EventID 99
//! ```
//! Fix: a name from `data_sources/` (`Sysmon EventID 1`), or add the data
//! source.
//!
//! ## Source
//! contentctl 5.6 (`Detection.model_post_init`); contentctl 4.4.7 only
//! warns, so it is a warning in 4.x content.

use super::{Names, unknown};
use crate::codes::{Code, code};
use crate::rules::Cx;
use detc_diag::Diagnostic;
use detc_yaml::Spanned;

pub(super) const CODE: Code = code::C005;

pub(super) fn check(cx: &Cx, n: &Names, out: &mut Vec<Diagnostic>) {
    let read_4x = cx.levels.reference() >= crate::era::Feature::DataSourcesRead.since();
    for d in &n.content.detections {
        // contentctl before 4.1.2 does not read data sources at all.
        if d.format == crate::format::Format::V4 && !read_4x {
            continue;
        }
        for ds in &d.data_source {
            for part in ds.value.split("AND") {
                let part = part.trim();
                if !part.is_empty() && !n.sources.contains(part) {
                    let sp = cx.locate(ds, ds.value.find(part).unwrap_or(0), part);
                    out.push(unknown(
                        CODE,
                        "data source",
                        &Spanned::new(part.to_string(), sp),
                        &n.sources,
                        "data_sources",
                    ));
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
