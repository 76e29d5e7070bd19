//! # `L001 lookup-file-missing`
//!
//! ## What it checks
//! A csv lookup's file (`lookups/<yml stem>.csv`, or its `filename`)
//! exists; an mlmodel lookup's YAML name starts with `__mlspl_` and its
//! `lookups/<stem>.mlmodel` exists.
//!
//! ## Why it matters
//! The build copies the file into the app's `lookups/`: without it the
//! lookup definition points at nothing, and every search that uses it fails
//! in Splunk with "The lookup table ... does not exist".
//!
//! ## Example
//! `lookups/browser_app_list.yml` with `lookup_type: csv` and no
//! `lookups/browser_app_list.csv`. Fix: add the csv with a header row, or
//! change `lookup_type`.
//!
//! ## Source
//! contentctl 5.6 (`CSVLookup.ensure_lookup_file_exists`, `MlModel`'s file
//! name rule in `lookup.py`).

use crate::codes::{Code, code, diag};
use detc_diag::{Diagnostic, Span};
use std::path::Path;

pub(super) const CODE: Code = code::L001;

/// A csv lookup whose file `rel` does not exist.
pub(super) fn csv(rel: &Path, at: Span, out: &mut Vec<Diagnostic>) {
    out.push(
        diag(
            CODE,
            format!("the csv lookup's file `{}` does not exist", rel.display()),
        )
        .at(at)
        .help(format!(
            "add `{}` with a header row, or change `lookup_type`",
            rel.display()
        )),
    );
}

/// An mlmodel lookup: its file name `file` (at `rel` under `root`).
pub(super) fn mlmodel(root: &Path, file: &str, rel: &Path, stem: &str, at: Span, out: &mut Vec<Diagnostic>) {
    if !file.starts_with("__mlspl_") {
        out.push(
            diag(CODE, format!("an mlmodel lookup's file name must start with `__mlspl_`, not `{stem}.yml`"))
                .at(at)
                .help(format!("rename the files to `__mlspl_{stem}.yml` and `__mlspl_{stem}.mlmodel`")),
        );
    } else if !root.join(rel).is_file() {
        out.push(
            diag(
                CODE,
                format!("the mlmodel lookup's file `{}` does not exist", rel.display()),
            )
            .at(at)
            .help("add the model file exported from MLTK"),
        );
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
