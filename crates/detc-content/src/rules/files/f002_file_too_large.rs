//! # `F002 file-too-large`
//!
//! ## What it checks
//! A content file is at most the size limit (10 MiB); a larger one is not
//! read. Reported by the loader (`load.rs`).
//!
//! ## Why it matters
//! Content files are a few KiB: a huge file is a mistake (a data set saved
//! as YAML), and reading it would stall every run.
//!
//! ## Example
//! A 50 MB file under `detections/`. Fix: move the data out of the content
//! folders (test data belongs in `tests:` URLs).
//!
//! ## Source
//! detc's own limit.

// Its input cannot be a committed fixture: tested by `crates/detc/tests/validate.rs`'s `a_50_mb_file_is_refused_without_reading_it`.
