//! Identity of content objects: names, ids, file names and dates, across
//! every kind of object.

use super::Cx;
use crate::model::Common;
use detc_diag::Diagnostic;

rule_files! {
    c001_duplicate_name,
    c002_duplicate_id,
    c003_file_name,
    c007_future_date,
}

/// Every object's base fields with its kind (`detection`, `story`, ...).
type Objects<'a> = [(&'static str, &'a Common)];

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

/// Runs the identity rules that are on.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let all = all_common(cx);
    type Rule = fn(&Cx, &Objects, &mut Vec<Diagnostic>);
    let rules: [(crate::codes::Code, Rule); 4] = [
        (c001_duplicate_name::CODE, c001_duplicate_name::check),
        (c002_duplicate_id::CODE, c002_duplicate_id::check),
        (c003_file_name::CODE, c003_file_name::check),
        (c007_future_date::CODE, c007_future_date::check),
    ];
    for (code, rule) in rules {
        if cx.enabled(code) {
            rule(cx, &all, out);
        }
    }
}
