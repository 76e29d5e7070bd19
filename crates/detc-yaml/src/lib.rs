//! YAML with positions, for content files.
//!
//! [`parse`] turns a file's text into a [`Doc`]: an arena of [`Node`]s,
//! each with the byte span it came from, so that every later check can
//! point at the exact text. It refuses what would hurt: duplicate keys,
//! nesting deeper than [`Limits::max_depth`], alias expansion (an "alias
//! bomb") beyond [`Limits::max_nodes`], several documents in one file. A
//! byte-order mark and CRLF line ends are accepted with a warning.
//!
//! [`Decoder`] and [`MapReader`] read typed values out of the tree the way
//! pydantic's lax mode does for contentctl (YAML 1.1 scalars, as PyYAML
//! resolves them), collecting every error instead of stopping at the first.
//! Asked to, they record how they read each key ([`MapShape`]), the
//! content model's own description of its fields.

mod de;
mod shape;
mod tree;

pub use de::{Decoder, MapReader, Spanned, did_you_mean, scalar_like};
pub use shape::{KeyShape, MapShape, Shape};
pub use tree::{Doc, Limits, Node, NodeId, NodeKind, Scalar, ScalarValue, parse};

/// What a stored parse tree ([`Doc::to_bytes`]) depends on besides its
/// text: this parser's source and the locked versions of the crates it is
/// built on (saphyr-parser among them). A cache of trees is keyed by these
/// too, so a detc with another parser never reads an older one's trees.
pub fn tree_format() -> [&'static [u8]; 3] {
    [
        env!("CARGO_PKG_VERSION").as_bytes(),
        include_bytes!("tree.rs"),
        include_bytes!("../../../Cargo.lock"),
    ]
}
