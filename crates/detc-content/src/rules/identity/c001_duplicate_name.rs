//! # `C001 duplicate-name`
//!
//! ## What it checks
//! Names are unique across all content: detections, stories, macros,
//! lookups, baselines, data sources and deployments.
//!
//! ## Why it matters
//! The name is the savedsearches.conf stanza, the macro or the lookup
//! definition: two objects of one name overwrite each other in the app, and
//! references by name become ambiguous.
//!
//! ## Example
//! Two detections named `Anomalous usage of 7zip` in different files. Fix:
//! rename one (and its file, see C003).
//!
//! ## Source
//! contentctl 5.6 (`DirectorOutputDto.addContentToDictMappings`: "Duplicate
//! name").

use super::Objects;
use crate::codes::{Code, code, diag};
use crate::model::Common;
use crate::rules::Cx;
use detc_diag::Diagnostic;
use std::collections::HashMap;

pub(super) const CODE: Code = code::C001;

pub(super) fn check(_cx: &Cx, all: &Objects, out: &mut Vec<Diagnostic>) {
    let mut names: HashMap<&str, (&str, &Common)> = HashMap::new();
    for (kind, c) in all {
        let Some(n) = &c.name else { continue };
        if let Some((k0, first)) = names.get(n.value.as_str()) {
            let mut d = diag(
                CODE,
                format!(
                    "the name `{}` is already used by the {k0} in {}",
                    n.value, first.path
                ),
            )
            .at(n.span)
            .label("used again here")
            .help(format!(
                "names are unique across all content; rename this {kind}"
            ));
            if let Some(f) = &first.name {
                d = d.with_secondary(f.span, "first used here");
            }
            out.push(d);
        } else {
            names.insert(n.value.as_str(), (kind, c));
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
