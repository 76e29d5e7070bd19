//! # `F001 io-error`
//!
//! ## What it checks
//! A content file or folder can be read. Reported by the loader
//! (`load.rs`).
//!
//! ## Why it matters
//! A file that cannot be read is content that silently goes missing from
//! the app.
//!
//! ## Example
//! A detection file without read permission for the CI user. Fix: `chmod
//! a+r` the file, or fix its owner.
//!
//! ## Source
//! contentctl 5.6 fails on the same files.

// Its input cannot be a committed fixture: tested by `detc-content`'s `load.rs` test `a_file_that_cannot_be_read_is_reported`.
