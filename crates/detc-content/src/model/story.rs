//! Decoding an analytic story (4.x and 5.x).

use super::*;

/// Decodes an analytic story.
pub fn story(de: &mut Decoder, root: NodeId, path: &str) -> Option<Story> {
    // contentctl 4.4.7's `Story` has no `status`; 5.x requires it.
    let format = if de.has_key(root, "status") {
        Format::V5
    } else {
        Format::V4
    };
    ignore_extra_keys_in(de, format);
    let mut m = de.map(root, "story")?;
    let common = common(de, &mut m, path, &STORY_BASE, format);
    if format == Format::V4 {
        ignored_key(de, &mut m, "type", "a story has no type");
    }
    let narrative = m.req_str(de, "narrative");
    let mut category = Vec::new();
    let mut product = Vec::new();
    let mut usecase = None;
    if let Some(n) = m.req(de, "tags", "a mapping with category, product, usecase")
        && let Some(mut t) = de.map(n, "tags")
    {
        let c = t.req_str_list(de, "category").unwrap_or_default();
        t.note_enum_list("category", STORY_CATEGORIES);
        category = enum_list(de, c, STORY_CATEGORIES, "category");
        let p = t.req_str_list(de, "product").unwrap_or_default();
        t.note_enum_list("product", PRODUCTS);
        product = enum_list(de, p, PRODUCTS, "product");
        usecase = req_enum(de, &mut t, "usecase", STORY_USECASES);
        let _ = t.str_list(de, "cve");
        let _ = t.str_list(de, "group");
        // `StoryTags` forbids extra keys in contentctl 4.4.7 too.
        t.finish_strict(de);
    }
    m.finish(de);
    Some(Story {
        common,
        narrative,
        category,
        product,
        usecase,
        format,
    })
}
