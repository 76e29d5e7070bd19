//! # `Q009 firstseen-field-not-output`
//!
//! ## What it checks
//! Each `key=` field and the `time=` field of a `firstseen` call is output
//! by the search before the command, when that output is known (detc's SPL
//! field analysis).
//!
//! ## Why it matters
//! A missing key field fails the search in Splunk on every run; a missing
//! time field makes every key look new at the time of the search.
//!
//! ## Example
//! ```spl
//! ... | stats min(_time) as firstTime by user | firstseen key=src_user time=firstTime lookup=seen
//! ```
//! Fix: rename a field (`rename user as src_user`) or change `key=`.
//!
//! ## Source
//! detc's own: contentctl does not know the command.

use crate::codes::{Code, code, diag};
use crate::rules::Cx;
use detc_diag::{Diagnostic, Span};
use firstseen_options::options::Options;

pub(super) const CODE: Code = code::Q009;

/// `before`: the search text before the `firstseen` command.
pub(super) fn check(cx: &Cx, before: &str, opts: &Options, at: Span, out: &mut Vec<Diagnostic>) {
    let fields = detc_spl::output_fields(before, cx);
    for f in opts.key.iter().chain(std::iter::once(&opts.time)) {
        if fields.contains(f) == Some(false) {
            let known: Vec<&str> = fields.names().iter().map(String::as_str).collect();
            out.push(
                diag(CODE, format!("firstseen uses the field `{f}`, which the search does not output before it"))
                    .at(at)
                    .help(format!("the search outputs {}; rename a field or change `key=`/`time=`", known.join(", "))),
            );
        }
    }
}

#[cfg(test)]
#[test]
fn fires_on_its_fixtures() {
    crate::rules::fixture::assert_fires(CODE);
}
