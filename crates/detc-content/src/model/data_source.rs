//! Decoding a data source.

use super::*;

/// Whether a data source file is in the layout of contentctl 4.1.2 to
/// 4.1.5 (`objects/data_source.py` before 4.2.0): `supported_TA` a mapping,
/// or `event_names`/`event_sources`, which the later layout does not have.
fn is_legacy_layout(de: &Decoder, root: NodeId) -> bool {
    let ta_map = de
        .peek(root, "supported_TA")
        .is_some_and(|n| matches!(de.doc.node(n).kind, detc_yaml::NodeKind::Map(_)));
    ta_map || de.has_key(root, "event_names") || de.has_key(root, "event_sources")
}

/// Decodes a data source. A file in the layout before contentctl 4.2.0 is
/// read by both layouts' readers, and their findings kept apart
/// ([`DataSource::layout_diags`]) for the reference to choose from.
pub fn data_source(de: &mut Decoder, root: NodeId, path: &str) -> Option<DataSource> {
    if de.shapes.is_some() || !is_legacy_layout(de, root) {
        return current(de, root, path);
    }
    let before = de.diags.len();
    let strict = current(de, root, path);
    let strict_diags = de.diags.split_off(before);
    let ignored = de.extra_keys_ignored_by.replace("contentctl 4.1.5");
    let legacy = legacy(de, root, path);
    de.extra_keys_ignored_by = ignored;
    let legacy_diags = de.diags.split_off(before);
    let mut ds = legacy.or(strict)?;
    ds.legacy_layout = true;
    ds.layout_diags = Some(Box::new((legacy_diags, strict_diags)));
    Some(ds)
}

/// The layout contentctl 4.1.2 to 4.1.5 read (a plain pydantic model,
/// extra keys ignored): `name`, `id`, `author`, `source`, `sourcetype` and
/// `supported_TA` (a mapping) required; `separator`, `configuration`,
/// `event_names`, `event_sources`, `fields`, `example_log` optional.
fn legacy(de: &mut Decoder, root: NodeId, path: &str) -> Option<DataSource> {
    let mut m = de.map(root, "data source")?;
    let common = common(de, &mut m, path, &SUPPORT_OBJECT_BASE, Format::V4);
    for k in ["id", "author"] {
        if !m.has(k) {
            m.missing(de, k, "a value");
        }
    }
    let source = m.req_str(de, "source");
    let sourcetype = m.req_str(de, "sourcetype");
    let separator = m.opt_str(de, "separator").map(|v| v.value);
    let _ = m.opt_str(de, "configuration");
    let _ = m.opt_str(de, "example_log");
    match m.get_some(de, "supported_TA") {
        Some(n) => {
            let _ = de.map(n, "supported_TA");
        }
        None => m.missing(de, "supported_TA", "a mapping"),
    }
    for k in ["event_names", "event_sources", "fields"] {
        if let Some(n) = m.get_some(de, k) {
            let _ = de.seq(n, k);
        }
    }
    m.finish(de);
    Some(DataSource {
        common,
        source,
        sourcetype,
        output_fields: Vec::new(),
        fields: Vec::new(),
        separator,
        supported_ta: None,
        legacy_layout: true,
        layout_diags: None,
    })
}

/// The layout of contentctl 4.2.0 and later (a `SecurityContentObject`).
fn current(de: &mut Decoder, root: NodeId, path: &str) -> Option<DataSource> {
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
    // `fields`: the event's fields, for the language server's hover (read
    // as it was: a list, its scalar items kept).
    let mut fields = Vec::new();
    if let Some(n) = m.get_some(de, "fields") {
        for item in de.seq(n, "fields").unwrap_or_default() {
            if de.is_scalar(item)
                && let Some(f) = de.scalar_text(item, "fields")
            {
                fields.push(f);
            }
        }
    }
    for k in ["field_mappings", "convert_to_log_source"] {
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
        fields,
        separator,
        supported_ta,
        legacy_layout: false,
        layout_diags: None,
    })
}
