//! The rule registry (`detc-codes`), and which rules the contentctl that
//! builds content of a given format enforces.

pub use detc_codes::*;

/// Whether the contentctl that builds content of `format` has `rule`: 5.6
/// for 5.x; for 4.x, `reference` (the contentctl of the content's era,
/// [`crate::era`]), which has the rules of 4.4.7 that came by its version
/// ([`Rule::contentctl4_since`]).
pub fn in_contentctl(
    rule: &Rule,
    format: crate::format::Format,
    reference: crate::era::Version,
) -> bool {
    match format {
        crate::format::Format::V5 => rule.contentctl,
        crate::format::Format::V4 => rule
            .contentctl4_since()
            .is_some_and(|(a, b, c)| crate::era::Version::new(a, b, c) <= reference),
    }
}
