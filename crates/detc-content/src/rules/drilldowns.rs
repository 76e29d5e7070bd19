//! Drilldown searches.
//!
//! - `D001 drilldown-field` (detc): `$tokens$` in a drilldown's name and
//!   search are fields the detection's search outputs, when that is known.
//!   Enterprise Security fills them from the notable or risk event; a
//!   field the search does not output leaves a literal `$field$` or an
//!   empty value, and the drilldown finds nothing. Splunk's own tokens
//!   (`$info_min_time$`, `$info_max_time$`, `$env:...$`, `$job.…$`...) are
//!   always available.
//! - `D002 drilldown-count` (contentctl): production detections that are
//!   not Hunting have at least two drilldowns, one of which contains
//!   `%original_detection_search%`.

use super::Cx;
use crate::codes::{code, diag};
use detc_diag::Diagnostic;

/// Tokens Splunk or Enterprise Security provide themselves.
pub fn is_splunk_token(tok: &str) -> bool {
    tok.starts_with("info_")
        || [
            "env:", "job.", "click.", "row.", "form.", "trigger_", "result.",
        ]
        .iter()
        .any(|p| tok.starts_with(p))
        || matches!(tok, "earliest" | "latest" | "search_name" | "owner" | "app")
}

/// Runs the drilldown rules.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (i, d) in cx.content.detections.iter().enumerate() {
        let known = cx.output(i).filter(|f| f.is_known());
        for dd in &d.drilldowns {
            for v in [&dd.name, &dd.search].into_iter().flatten() {
                let Some(fields) = known else { continue };
                for (at, tok) in super::tokens(&v.value) {
                    if is_splunk_token(tok) || fields.contains(tok) != Some(false) {
                        continue;
                    }
                    let list = fields
                        .names()
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", ");
                    out.push(
                        diag(code::D001, format!("the drilldown token `${tok}$` is not a field the search outputs"))
                            .at(cx.locate(v, at, &format!("${tok}$")))
                            .label("not in the search's output")
                            .help(format!("the search outputs only: {list}. Use one of those, or output `{tok}` from the search")),
                    );
                }
            }
        }
        let hunting = d.detection_type() == Some(crate::enums::DetectionType::Hunting);
        if d.common.is_production() && !hunting {
            let with_original = d.drilldowns.iter().any(|x| {
                x.search
                    .as_ref()
                    .is_some_and(|s| s.value.contains("%original_detection_search%"))
            });
            let at = d.drilldowns_span.or(d.search.as_ref().map(|s| s.span)).or(d
                .common
                .name
                .as_ref()
                .map(|n| n.span));
            if let Some(at) = at {
                if d.drilldowns.len() < 2 {
                    out.push(
                        diag(code::D002, format!("a production detection needs at least 2 drilldowns, this one has {}", d.drilldowns.len()))
                            .at(at)
                            .help("add `drilldown_searches:` entries: one on `%original_detection_search%`, one on the risk events of the risk objects"),
                    );
                } else if !with_original {
                    out.push(
                        diag(code::D002, "no drilldown uses `%original_detection_search%`")
                            .at(at)
                            .help("add a drilldown whose search starts with `%original_detection_search% | search ...`"),
                    );
                }
            }
        }
    }
}
