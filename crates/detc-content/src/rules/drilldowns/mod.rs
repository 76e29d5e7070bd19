//! Drilldown searches: the tokens they use and how many a production
//! detection has.

use super::Cx;
use detc_diag::Diagnostic;

rule_files! {
    d001_drilldown_field,
    d002_drilldown_count,
}

/// Tokens Splunk or Enterprise Security provide themselves.
fn is_splunk_token(tok: &str) -> bool {
    tok.starts_with("info_")
        || [
            "env:", "job.", "click.", "row.", "form.", "trigger_", "result.",
        ]
        .iter()
        .any(|p| tok.starts_with(p))
        || matches!(tok, "earliest" | "latest" | "search_name" | "owner" | "app")
}

/// Runs the drilldown rules that are on.
pub fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    super::per_detection(
        cx,
        super::Walk::Drilldowns,
        &[
            (d001_drilldown_field::CODE, d001_drilldown_field::check),
            (d002_drilldown_count::CODE, d002_drilldown_count::check),
        ],
        out,
    );
}
