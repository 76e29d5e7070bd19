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

/// A `firstseen` option that the command refuses: the message names the
/// option, quotes its value and says what to write instead (an unknown
/// option gets a suggestion). It is what Splunk shows the user as the
/// search's ERROR, and what rule Q007 reports at the search's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError(String);

impl OptionError {
    /// The message, as Splunk shows it.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OptionError {}

impl From<String> for OptionError {
    fn from(message: String) -> OptionError {
        OptionError(message)
    }
}

/// The message, for what takes a text (a diagnostic, the protocol's ERROR
/// reply).
impl From<OptionError> for String {
    fn from(e: OptionError) -> String {
        e.0
    }
}
