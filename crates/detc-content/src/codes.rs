//! The rule registry (`detc-codes`), and which rules the contentctl that
//! builds content of a given format enforces.

pub use detc_codes::*;

/// Whether the contentctl that builds content of `format` (4.4.7 for 4.x,
/// 5.6 for 5.x) has `rule`.
pub fn in_contentctl(rule: &Rule, format: crate::format::Format) -> bool {
    match format {
        crate::format::Format::V5 => rule.contentctl,
        crate::format::Format::V4 => rule.in_contentctl4(),
    }
}
