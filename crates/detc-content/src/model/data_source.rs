//! Decoding a data source.

use super::*;

/// Decodes a data source.
pub fn data_source(de: &mut Decoder, root: NodeId, path: &str) -> Option<DataSource> {
    let mut m = de.map(root, "data source")?;
    let common = common(de, &mut m, path, &SUPPORT_OBJECT_BASE, Format::V5);
    for k in ["id", "date", "author"] {
        if !m.has(k) {
            m.missing(de, k, "a value");
        }
    }
    let source = m.req_str(de, "source");
    let sourcetype = m.req_str(de, "sourcetype");
    let separator = m.opt_str(de, "separator").map(|v| v.value);
    for k in ["separator_value", "configuration", "example_log"] {
        let _ = m.opt_str(de, k);
    }
    let mut supported_ta = None;
    if let Some(n) = m.get_some(de, "supported_TA") {
        for item in de.seq(n, "supported_TA").unwrap_or_default() {
            if let Some(mut t) = de.map(item, "supported_TA entry") {
                let name = t.req_str(de, "name");
                let url = t.opt_str(de, "url");
                let version = t
                    .req(de, "version", "a version string")
                    .and_then(|v| de.scalar_text(v, "version"));
                if supported_ta.is_none()
                    && let (Some(name), Some(version)) = (&name, &version)
                {
                    supported_ta = Some((
                        name.value.clone(),
                        version.value.clone(),
                        url.map(|u| u.value).unwrap_or_default(),
                    ));
                }
                t.finish(de);
            }
        }
    }
    for k in ["fields", "field_mappings", "convert_to_log_source"] {
        if let Some(n) = m.get_some(de, k) {
            let _ = de.seq(n, k);
        }
    }
    let _ = m.str_list(de, "mitre_components");
    let output_fields = m.str_list(de, "output_fields");
    m.finish(de);
    Some(DataSource {
        common,
        source,
        sourcetype,
        output_fields,
        separator,
        supported_ta,
    })
}
