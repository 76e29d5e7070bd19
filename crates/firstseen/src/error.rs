//! The error of a firstseen run: a kind a caller can act on, and the
//! message Splunk shows the user as the search's ERROR (the protocol glue
//! sends [`Error::message`] as it is; `firstseen run` prints it).

use std::fmt;

/// What went wrong, as one of a few kinds, with the message that says what
/// to do. Every error leaves the state as it was unless its message says
/// otherwise (a KV store write that stopped part way names what it wrote).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// The kinds of [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The search is wrong: an option ([`firstseen_options::OptionError`]),
    /// or its records (a missing time field, a time that is not epoch
    /// seconds). Fix the search.
    Search,
    /// The state (the CSV lookup file or the KV store collection) cannot be
    /// read or written, or holds something that is not firstseen's state.
    State,
    /// A limit of [`crate::limits`] is reached: a key's length, the number
    /// of keys, a state's size.
    Limit,
    /// splunkd's REST API refused the request, did not answer within the
    /// run's time budget, or answered something firstseen cannot read.
    Splunkd,
    /// The command's surroundings: the app's folder, the executable's path,
    /// the user's capabilities (writing the state needs
    /// `edit_firstseen_state`), the order of the protocol's messages
    /// (execute before getinfo).
    Environment,
    /// A defect of firstseen (a worker thread that stopped); its message
    /// starts with `internal error:`.
    Internal,
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// An [`ErrorKind::Search`] error.
    pub fn search(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Search, message)
    }

    /// An [`ErrorKind::State`] error.
    pub fn state(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::State, message)
    }

    /// An [`ErrorKind::Limit`] error.
    pub fn limit(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Limit, message)
    }

    /// An [`ErrorKind::Splunkd`] error.
    pub fn splunkd(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Splunkd, message)
    }

    /// An [`ErrorKind::Environment`] error.
    pub fn environment(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Environment, message)
    }

    /// An [`ErrorKind::Internal`] error.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, message)
    }

    /// Its kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Its message, as Splunk shows it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<firstseen_options::OptionError> for Error {
    fn from(e: firstseen_options::OptionError) -> Error {
        Error::search(e.message())
    }
}

/// The message, for what takes a text (the protocol's ERROR reply).
impl From<Error> for String {
    fn from(e: Error) -> String {
        e.message
    }
}
