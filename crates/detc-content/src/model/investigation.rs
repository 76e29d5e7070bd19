//! Decoding a response task (`investigations/`, contentctl 4.4.7).

use super::*;

/// Decodes a response task (contentctl 4.4.7 `Investigation` and
/// `InvestigationTags`; unknown keys have no effect, as there).
pub fn investigation(de: &mut Decoder, root: NodeId, path: &str) -> Option<Investigation> {
    ignore_extra_keys_in(de, Format::V4);
    let mut m = de.map(root, "investigation")?;
    let common = common(de, &mut m, path, &INVESTIGATION_BASE, Format::V4);
    let _ = req_enum(de, &mut m, "type", &["Investigation"]);
    let datamodel = match m.req(de, "datamodel", "a list of data models (may be empty)") {
        Some(n) => de.string_list(n, "datamodel").unwrap_or_default(),
        None => Vec::new(),
    };
    let search = m.req_str(de, "search");
    let how_to_implement = m.req_str(de, "how_to_implement");
    let _ = m.req_str(de, "known_false_positives");
    let mut analytic_story = Vec::new();
    if let Some(n) = m.req(
        de,
        "tags",
        "a mapping with analytic_story, product, required_fields, security_domain",
    ) && let Some(mut t) = de.map(n, "tags")
    {
        analytic_story = t.req_str_list(de, "analytic_story").unwrap_or_default();
        let _ = t.req_str_list(de, "product");
        let _ = t.str_list(de, "required_fields");
        req_enum(de, &mut t, "security_domain", SECURITY_DOMAINS);
        t.finish(de);
    }
    m.finish(de);
    Some(Investigation {
        common,
        datamodel,
        search,
        how_to_implement,
        analytic_story,
    })
}
