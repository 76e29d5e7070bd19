//! Decoding a dashboard's YAML.

use super::*;

/// Decodes a dashboard's YAML (contentctl `Dashboard`: base fields,
/// `description`, `theme`; unknown keys have no effect, as in 4.4.7).
pub fn dashboard(de: &mut Decoder, root: NodeId, path: &str) -> Option<Dashboard> {
    ignore_extra_keys_in(de, Format::V4);
    let mut m = de.map(root, "dashboard")?;
    let common = common(de, &mut m, path, &SUPPORT_OBJECT_BASE, Format::V4);
    let theme = m
        .get_some(de, "theme")
        .and_then(|n| de.string(n, "theme"))
        .and_then(|v| one_of(de, v, &["light", "dark"], "theme"));
    let _ = m.opt_str(de, "j2_template");
    m.finish(de);
    Some(Dashboard {
        common,
        theme,
        json: None,
    })
}
