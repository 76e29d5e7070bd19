//! One module per command: its options (`Args`, with the flag groups of
//! [`crate::flags`]) and its `run`.

pub mod build;
pub mod deploy;
pub mod docs;
pub mod drift;
pub mod lsp;
pub mod migrate;
pub mod new;
pub mod rules;
pub mod schema;
pub mod snapshot;
pub mod templates;
pub mod test;
pub mod upgrade;
pub mod validate;
