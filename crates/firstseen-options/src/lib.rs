//! What a `firstseen` call says, parsed as the command parses it: its
//! options ([`options::Options`], from the `name=value` words of
//! `searchinfo.args`) and the Splunk relative time modifiers they hold
//! ([`reltime::RelTime`]: `-24h@h`, `@w0`, `now`, epoch seconds).
//!
//! A crate of its own so that `detc validate` checks a search's `firstseen`
//! options with the command's own parser (rule Q007) without depending on
//! the command (its protocol, state stores and HTTP client).

pub mod options;
pub mod reltime;
