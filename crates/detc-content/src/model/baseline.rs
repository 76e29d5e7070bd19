//! Decoding a baseline (4.x and 5.x).

use super::*;

/// Decodes a baseline.
pub fn baseline(de: &mut Decoder, root: NodeId, path: &str) -> Option<Baseline> {
    // contentctl 4.4.7's `Baseline` has no `status` and has `datamodel`
    // and `tags.required_fields`.
    let format = if de.has_key(root, "status") {
        Format::V5
    } else {
        Format::V4
    };
    ignore_extra_keys_in(de, format);
    let mut m = de.map(root, "baseline")?;
    let common = common(de, &mut m, path, &BASELINE_BASE, format);
    let datamodel = if format == Format::V4 {
        m.get_some(de, "datamodel")
            .map(|n| de.string_list(n, "datamodel").unwrap_or_default())
    } else {
        None
    };
    let kind = req_enum(de, &mut m, "type", &["Baseline"]);
    let search = m.req_str(de, "search");
    min_len(de, &search, "search", 4);
    let how_to_implement = m.req_str(de, "how_to_implement");
    min_len(de, &how_to_implement, "how_to_implement", 4);
    let k = m.req_str(de, "known_false_positives");
    min_len(de, &k, "known_false_positives", 4);
    let mut analytic_story = Vec::new();
    let mut detections = Vec::new();
    if let Some(n) = m.req(
        de,
        "tags",
        "a mapping with analytic_story, detections, product, security_domain",
    ) && let Some(mut t) = de.map(n, "tags")
    {
        analytic_story = t.req_str_list(de, "analytic_story").unwrap_or_default();
        detections = t.req_str_list(de, "detections").unwrap_or_default();
        let p = t.req_str_list(de, "product").unwrap_or_default();
        t.note_enum_list("product", PRODUCTS);
        enum_list(de, p, PRODUCTS, "product");
        req_enum(de, &mut t, "security_domain", SECURITY_DOMAINS);
        if format == Format::V4 {
            let _ = t.str_list(de, "required_fields");
            for k in crate::legacy::BASELINE_IGNORED_TAGS {
                ignored_key(
                    de,
                    &mut t,
                    k,
                    "a baseline has no risk settings or ATT&CK mapping",
                );
            }
        }
        t.finish(de);
    }
    let deployment = inline_deployment(de, &mut m);
    m.finish(de);
    Some(Baseline {
        common,
        kind,
        search,
        how_to_implement,
        datamodel,
        analytic_story,
        detections,
        deployment,
        format,
    })
}
