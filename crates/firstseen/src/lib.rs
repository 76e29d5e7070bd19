pub mod command;
pub mod engine;
pub mod keys;
pub mod kvstore;
pub mod limits;
pub mod splunkd;
pub mod standalone;
pub mod state;
pub use firstseen_options::{options, reltime};
