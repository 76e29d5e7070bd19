//! The firstseen engine: per-key first-seen and last-seen state
//! ([`keys`]), the window decision ([`engine`]), the state stores (a CSV
//! file, [`state`]; with the `splunkd` feature, a KV store collection over
//! splunkd's REST API, [`kvstore`]) and `firstseen run` ([`standalone`]).
//!
//! The `splunkd` feature (on by default) adds what the search command
//! needs to talk to splunkd: the protocol glue ([`command`]), the REST
//! client with its time budget ([`splunkd`]) and the KV store backend; the
//! `firstseen` binary requires it. Without it (`default-features = false`,
//! as detc's replay of the shipped detections uses the engine) the crate
//! links no HTTP or TLS stack.

#[cfg(feature = "splunkd")]
pub mod command;
pub mod engine;
pub mod error;
pub mod keys;
#[cfg(feature = "splunkd")]
pub mod kvstore;
pub mod limits;
#[cfg(feature = "splunkd")]
pub mod splunkd;
pub mod standalone;
pub mod state;
pub use error::{Error, ErrorKind};
pub use firstseen_options::{options, reltime};
