//! What the cache tests share.

use detc_content::Project;

/// The diagnostics as text (file, position or file alone, code, message),
/// for a comparison of two runs whose failure shows what differs.
pub fn shown(p: &Project) -> Vec<String> {
    p.diags
        .iter()
        .map(|d| {
            let at = d
                .span
                .map(|s| format!("{}:{}", p.sources.get(s.file).path, s.start))
                .or_else(|| d.file.map(|f| p.sources.get(f).path.clone()))
                .unwrap_or_default();
            format!("{at} {} {}", d.code, d.message)
        })
        .collect()
}
