//! Decoding a macro.

use super::*;

/// Decodes a macro.
pub fn macro_(de: &mut Decoder, root: NodeId, path: &str) -> Option<Macro> {
    let mut m = de.map(root, "macro")?;
    let common = common(de, &mut m, path, &SUPPORT_OBJECT_BASE, Format::V5);
    let definition = m.req_str(de, "definition");
    min_len(de, &definition, "definition", 1);
    let arguments = m.str_list(de, "arguments");
    m.finish(de);
    Some(Macro {
        common,
        definition,
        arguments,
    })
}
