//! `detc upgrade`: moves a fork of a security_content release to a newer
//! release. Upstream's changes and the fork's local edits are merged per
//! file ([`plan`], [`apply`]), and inside a file per YAML field
//! ([`merge_yaml`]) or per CSV row, so a fork's tuning (a threshold, a
//! filter macro, a disabled detection, a risk score, an allow list) is
//! kept. An edit that cannot be placed is a [`Conflict`], never dropped.

mod csv_rows;
mod merge;
mod tree;

pub use merge::{CONFLICT_MARK, FieldConflict, Merged, Unmerged, merge_yaml};
pub use tree::{ASIDE_DIR, Conflict, Error, Options, Plan, Step, StepKind, apply, find_base, plan};
