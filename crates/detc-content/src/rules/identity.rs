//! Identity of content objects.
//!
//! - `C001 duplicate-name`: names are unique across all content types
//!   (contentctl: `SecurityContentObject` name uniqueness in the Director).
//! - `C002 duplicate-id`: ids are unique across all content.
//! - `C003 file-name`: the file name is the name with spaces, `-`, `.` and
//!   `/` turned into `_`, lower-cased, plus `.yml` (contentctl's file-name rule).
//! - `C007 future-date`: `date` is not after today, UTC.
//! - `C010 dashboard-definition`: a dashboard's JSON definition,
//!   `<stem>.json` beside its YAML, exists, is JSON, has a `title` equal to
//!   the dashboard's name and a `description`, and holds no `]]>` (the
//!   build writes it in a CDATA section); contentctl's
//!   `Dashboard.validate_fields_from_json`. Checked while loading
//!   (`load.rs`), where the file is read.

use super::Cx;
use crate::codes::{code, diag};
use crate::model::Common;
use crate::naming::file_stem_for;
use detc_diag::Diagnostic;
use std::collections::HashMap;

/// Every object's base fields with its kind.
pub fn all_common<'a>(cx: &Cx<'a>) -> Vec<(&'static str, &'a Common)> {
    let c = cx.content;
    let mut v: Vec<(&'static str, &Common)> = Vec::new();
    v.extend(c.detections.iter().map(|x| ("detection", &x.common)));
    v.extend(c.stories.iter().map(|x| ("story", &x.common)));
    v.extend(c.macros.iter().map(|x| ("macro", &x.common)));
    v.extend(c.lookups.iter().map(|x| ("lookup", &x.common)));
    v.extend(c.baselines.iter().map(|x| ("baseline", &x.common)));
    v.extend(c.data_sources.iter().map(|x| ("data source", &x.common)));
    v.extend(
        c.deployments
            .iter()
            .filter_map(|x| x.common.as_ref().map(|c| ("deployment", c))),
    );
    v
}

/// Runs the identity rules.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let all = all_common(cx);
    let mut names: HashMap<&str, (&str, &Common)> = HashMap::new();
    let mut ids: HashMap<String, (&str, &Common)> = HashMap::new();
    for (kind, c) in &all {
        if let Some(n) = &c.name {
            if let Some((k0, first)) = names.get(n.value.as_str()) {
                let mut d = diag(
                    code::C001,
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
        if let Some(id) = &c.id {
            let key = id.value.to_lowercase();
            if let Some((k0, first)) = ids.get(&key) {
                let mut d = diag(
                    code::C002,
                    format!(
                        "the id `{}` is already used by the {k0} in {}",
                        id.value, first.path
                    ),
                )
                .at(id.span)
                .label("used again here")
                .help("give this object a new UUID (`uuidgen` prints one)");
                if let Some(f) = &first.id {
                    d = d.with_secondary(f.span, "first used here");
                }
                out.push(d);
            } else {
                ids.insert(key, (kind, c));
            }
        }
        if let Some(n) = &c.name {
            let expected = format!("{}.yml", file_stem_for(&n.value));
            let actual = c.path.rsplit('/').next().unwrap_or(&c.path);
            if actual != expected {
                out.push(
                    diag(
                        code::C003,
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
        if let Some(d) = &c.date
            && let Ok(date) = d.value.parse::<jiff::civil::Date>()
            && date > cx.opts.today
        {
            out.push(
                diag(code::C007, format!("the date {} is in the future", d.value))
                    .at(d.span)
                    .help("use the date of the last change, today or earlier"),
            );
        }
    }
}
