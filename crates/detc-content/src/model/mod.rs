//! The content model: contentctl 5.x objects as read from YAML, every value
//! with its span. Decoding reports schema errors (`S001`-`S005`) for one
//! file at a time and keeps whatever could be read, so later rules still run.
//!
//! Field facts come from contentctl 5.6's pydantic models; see
//! `docs/rules.md` for the list.
//!
//! `types.rs` holds the objects; each object's decoder has a file of its
//! own (`detection.rs`, `story.rs`, `lookup.rs`...), with its 4.x reading
//! beside the 5.x one; `decode.rs` holds what they share (enumerated
//! values, lengths, patterns, and the base fields with each kind's
//! settings).

mod baseline;
mod dashboard;
mod data_source;
mod decode;
mod deployment;
mod detection;
mod investigation;
mod lookup;
mod macros;
mod sourcetype;
mod story;
mod testing;
mod types;

pub use sourcetype::{DatamodelMapping, Sourcetype, sourcetype};
pub use testing::{AttackData, DetectionTest, Expectation, ExpectedRow, TimelineRun, time_offset};

use crate::codes::{code, diag};
use crate::enums::*;
pub use crate::format::Format;
pub use crate::legacy::{LegacyTags, Observable};
pub use crate::risk::{Rba, RiskObject, ThreatObject};
use detc_diag::{FileId, Span};
use detc_yaml::{Decoder, MapReader, NodeId, Shape, Spanned};

pub use baseline::baseline;
pub use dashboard::dashboard;
pub use data_source::data_source;
pub(crate) use decode::one_of;
use decode::*;
pub use decode::{DATE_PATTERN, KV_FIELD_TYPES, UUID_PATTERN};
pub use deployment::deployment;
use deployment::inline_deployment;
pub use detection::detection;
pub use investigation::investigation;
pub use lookup::lookup;
pub use macros::macro_;
pub use story::story;
pub use types::*;
