//! The risk-based alerting block of a detection (`rba:` in 5.x, read from
//! `tags.observable` and `tags.risk_score` in 4.x by `legacy.rs`).

use detc_diag::Span;
use detc_yaml::Spanned;

/// A risk object: `{field, type, score}`.
#[derive(Debug, Clone)]
pub struct RiskObject {
    /// The result field holding the object.
    pub field: Option<Spanned<String>>,
    /// `user`, `system` or `other`.
    pub kind: Option<Spanned<String>>,
    /// 1..100.
    pub score: Option<Spanned<i64>>,
}

/// A threat object: `{field, type}`.
#[derive(Debug, Clone)]
pub struct ThreatObject {
    /// The result field holding the object.
    pub field: Option<Spanned<String>>,
    /// One of [`crate::enums::THREAT_OBJECT_TYPES`].
    pub kind: Option<Spanned<String>>,
}

/// The `rba:` block.
#[derive(Debug, Clone)]
pub struct Rba {
    /// The risk message, with `$field$` tokens.
    pub message: Option<Spanned<String>>,
    /// At least one.
    pub risk_objects: Vec<RiskObject>,
    /// May be empty.
    pub threat_objects: Vec<ThreatObject>,
    /// The block's span.
    pub span: Span,
}
