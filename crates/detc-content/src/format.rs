//! The two generations of contentctl's YAML that detc reads.

/// Which generation of contentctl's YAML a file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub enum Format {
    /// contentctl 5.x (`rba:`, `lookup_type`, `status` on stories).
    #[default]
    V5,
    /// contentctl 4.x (`tags.observable`, `tags.risk_score`, lookups with
    /// `filename`/`collection`, stories without `status`).
    V4,
}

impl Format {
    /// `4.x` or `5.x`, as messages write it.
    pub fn label(self) -> &'static str {
        match self {
            Format::V5 => "5.x",
            Format::V4 => "4.x",
        }
    }
}
