//! What decoders ask of each key, recorded while they decode (when
//! [`crate::de::Decoder::shapes`] is set): the content model's own
//! description of its fields, from which detc writes JSON schemas.

use crate::tree::NodeId;

/// The kind of value a decoder reads at a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Read as a node (a mapping or list decoded on its own, or a value
    /// checked by hand).
    Any,
    /// A string.
    Str,
    /// A list of strings.
    StrList,
    /// A whole number.
    Int,
    /// A boolean.
    Bool,
    /// One of these strings.
    Enum(Vec<String>),
    /// A list of these strings.
    EnumList(Vec<String>),
    /// A string matching this regular expression (JSON Schema `pattern`).
    Pattern(&'static str),
    /// A key the decoder refuses (computed by contentctl, or 4.x only).
    Forbidden,
}

impl Shape {
    /// How much it says: a later, more specific note replaces a vaguer one.
    fn rank(&self) -> u8 {
        match self {
            Shape::Any => 0,
            Shape::Str | Shape::StrList | Shape::Int | Shape::Bool => 1,
            Shape::Enum(_) | Shape::EnumList(_) | Shape::Pattern(_) => 2,
            Shape::Forbidden => 3,
        }
    }
}

/// One key of a mapping, as its decoder reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyShape {
    /// The key.
    pub key: &'static str,
    /// Its value's kind.
    pub shape: Shape,
    /// Whether its absence is an error.
    pub required: bool,
    /// Its value's node, when the decoded document has the key.
    pub value: Option<NodeId>,
}

/// One mapping a decoder read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapShape {
    /// What the decoder calls it (`detection`, `tags`, `risk object`...).
    pub what: String,
    /// Its node in the decoded document.
    pub node: NodeId,
    /// Its keys, in the order first asked for.
    pub keys: Vec<KeyShape>,
    /// Whether its keys are data, not field names (`field_types`).
    pub free_form: bool,
}

/// Adds or refines `key` in `keys`.
pub(crate) fn note(keys: &mut Vec<KeyShape>, key: &'static str, shape: Shape, required: bool) {
    match keys.iter_mut().find(|k| k.key == key) {
        Some(k) => {
            if shape.rank() >= k.shape.rank() {
                k.shape = shape;
            }
            k.required |= required;
        }
        None => keys.push(KeyShape {
            key,
            shape,
            required,
            value: None,
        }),
    }
}
