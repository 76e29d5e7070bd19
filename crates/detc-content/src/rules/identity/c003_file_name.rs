//! # `C003 file-name`
//!
//! ## What it checks
//! The file name is the object's name with spaces, `-`, `.` and `/` turned
//! into `_`, lower-cased, plus `.yml`.
//!
//! ## Why it matters
//! contentctl refuses other names, and authors find an object by its file:
//! a detection renamed without its file is hard to find in review.
//!
//! ## Example
//! `name: Anomalous usage of 7zip` in `detections/endpoint/7zip.yml`. Fix:
//! rename the file to `anomalous_usage_of_7zip.yml`, or the object to match
//! the file.
//!
//! ## Source
//! contentctl 5.6's file-name rule (`SecurityContentObject`'s
//! `contentNameToFileName`); detc's copy is `naming::file_stem_for`.

use super::Objects;
use crate::codes::{Code, code, diag};
use crate::naming::file_stem_for;
use crate::rules::Cx;
use detc_diag::Diagnostic;

pub(super) const CODE: Code = code::C003;

pub(super) fn check(_cx: &Cx, all: &Objects, out: &mut Vec<Diagnostic>) {
    for (kind, c) in all {
        let Some(n) = &c.name else { continue };
        let expected = format!("{}.yml", file_stem_for(&n.value));
        let actual = c.path.rsplit('/').next().unwrap_or(&c.path);
        if actual != expected {
            out.push(
                diag(
                    CODE,
                    format!("the file name `{actual}` does not match the {kind}'s name"),
                )
                .at(n.span)
                .label(format!("this name needs the file name `{expected}`"))
                .help(format!(
                    "rename the file to `{expected}`, or change the name to match the file"
                )),
            );
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
