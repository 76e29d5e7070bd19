//! Helpers that the command modules ([`crate::spl`], [`crate::extract`])
//! share: the wording of an unsupported command and a per-thread cache of
//! compiled regular expressions.

use regex::Regex;

thread_local! {
    /// Compiled regular expressions of eval functions and `rex`, by
    /// pattern: an expression evaluated on every row compiles its pattern
    /// once.
    static REGEXES: std::cell::RefCell<std::collections::HashMap<String, Option<Regex>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The error for a form of a command this subset does not run: worded as
/// for a command outside the subset, so that `detc test` skips the test.
pub(crate) fn unsupported(what: &str) -> String {
    format!("`{what}` is not in the replay's SPL subset")
}

/// `pattern` compiled (once per thread), or `None` when it is not a valid
/// regular expression.
pub(crate) fn cached_regex(pattern: &str) -> Option<Regex> {
    REGEXES.with(|c| {
        c.borrow_mut()
            .entry(pattern.to_string())
            .or_insert_with(|| Regex::new(pattern).ok())
            .clone()
    })
}
