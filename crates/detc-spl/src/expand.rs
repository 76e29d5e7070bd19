//! Macro expansion as Splunk's search parser does it before it runs a
//! search (what the search bar's "expand macros" preview shows):
//!
//! - a macro is the text between two backticks, `` `name` `` or
//!   `` `name(arg1, arg2)` ``, named in macros.conf by its arity
//!   (`name(2)`); macros inside double-quoted strings and ```` ``` ````
//!   comments are not expanded (Knowledge Manager Manual, "Use search
//!   macros in searches"), see [`crate::macros`];
//! - arguments are matched to the definition's `args` by position and
//!   each `$name$` in the definition is replaced by the argument as written
//!   (macros.conf.spec, `definition`), in one pass, so an argument's own
//!   text is never substituted again;
//! - the definition is then expanded in turn (nested macros); a macro that
//!   uses itself, directly or through others, is an error naming the
//!   cycle, as Splunk refuses to run it.
//!
//! Eval-based definitions (`iseval = 1`) are not run: content in the
//! security_content layout does not use them.

use crate::{MacroRef, macros};

/// The definition of macro `name` with `arity` arguments: its argument
/// names (macros.conf `args`) and its text (`definition`); `None` when the
/// content does not define it.
pub type Definitions<'a> = &'a dyn Fn(&str, usize) -> Option<(Vec<String>, String)>;

/// The longest expansion accepted, in bytes: definitions that use each
/// other many times can grow a search exponentially.
pub const MAX_EXPANDED_LEN: usize = 4 << 20;

/// A search with its macros expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    /// The search text, every defined macro replaced by its expansion.
    pub text: String,
    /// The stanzas (`name` or `name(N)`) of the macros expanded, nested
    /// ones included, in the order first met, each once.
    pub used: Vec<String>,
    /// The stanzas of macros that have no definition (left in the text as
    /// written, e.g. `drop_dm_object_name(1)` from Splunk_SA_CIM), in the
    /// order first met, each once.
    pub undefined: Vec<String>,
}

/// Why a search cannot be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    /// A macro uses itself: the stanzas from the first use to the repeat,
    /// e.g. `["a", "b(1)", "a"]`.
    Cycle(Vec<String>),
    /// The expansion grew past [`MAX_EXPANDED_LEN`] bytes.
    TooLong,
}

impl std::fmt::Display for ExpandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpandError::Cycle(c) => {
                let chain: Vec<String> = c.iter().map(|s| format!("`{s}`")).collect();
                write!(
                    f,
                    "the macro {} uses itself: {}",
                    chain[0],
                    chain.join(" -> ")
                )
            }
            ExpandError::TooLong => write!(
                f,
                "the expanded search is longer than {} MiB: macros use each other too many times",
                MAX_EXPANDED_LEN >> 20
            ),
        }
    }
}

/// Expands every macro of `search` from `defs`.
///
/// # Errors
/// [`ExpandError::Cycle`] when a macro uses itself, [`ExpandError::TooLong`]
/// past [`MAX_EXPANDED_LEN`]. An undefined macro is not an error: it stays
/// as written and is listed in [`Expanded::undefined`].
pub fn expand_macros(search: &str, defs: Definitions) -> Result<Expanded, ExpandError> {
    let mut out = Expanded {
        text: String::with_capacity(search.len()),
        used: Vec::new(),
        undefined: Vec::new(),
    };
    let mut stack = Vec::new();
    expand_into(search, defs, &mut stack, &mut out)?;
    Ok(out)
}

fn expand_into(
    text: &str,
    defs: Definitions,
    stack: &mut Vec<String>,
    out: &mut Expanded,
) -> Result<(), ExpandError> {
    let mut at = 0;
    for m in macros(text) {
        out.text.push_str(&text[at..m.start]);
        at = m.end;
        let stanza = m.stanza();
        let Some((names, def)) = defs(&m.name, m.args.len()) else {
            if !out.undefined.contains(&stanza) {
                out.undefined.push(stanza);
            }
            out.text.push_str(&text[m.start..m.end]);
            continue;
        };
        if let Some(first) = stack.iter().position(|s| *s == stanza) {
            let mut cycle = stack[first..].to_vec();
            cycle.push(stanza);
            return Err(ExpandError::Cycle(cycle));
        }
        if !out.used.contains(&stanza) {
            out.used.push(stanza.clone());
        }
        let body = substitute(&def, &names, &m);
        stack.push(stanza);
        expand_into(&body, defs, stack, out)?;
        stack.pop();
        if out.text.len() > MAX_EXPANDED_LEN {
            return Err(ExpandError::TooLong);
        }
    }
    out.text.push_str(&text[at..]);
    Ok(())
}

/// The definition `def` with each `$name$` of `names` replaced by the
/// argument of the same position in `m`, as written (macros.conf.spec).
/// One pass: `$x$` inside an argument stays as it is.
pub fn substitute(def: &str, names: &[String], m: &MacroRef) -> String {
    let mut out = String::with_capacity(def.len());
    let mut rest = def;
    while let Some(open) = rest.find('$') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('$') else { break };
        let name = &after[..close];
        match names.iter().position(|n| n.trim() == name) {
            Some(i) if !name.is_empty() => {
                out.push_str(&rest[..open]);
                out.push_str(m.args.get(i).map_or("", String::as_str));
                rest = &after[close + 1..];
            }
            // Not an argument (`$info_min_time$`, a lone `$`): keep the
            // first `$` and look again from the second.
            _ => {
                out.push_str(&rest[..open + 1]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs(name: &str, arity: usize) -> Option<(Vec<String>, String)> {
        let (args, def): (&[&str], &str) = match (name, arity) {
            ("summariesonly", 0) => (&[], "summariesonly=false allow_old_summaries=true"),
            ("drop", 1) => (&["object"], "rename $object$.* as *"),
            ("pair", 2) => (&["a", "b"], "eval $a$=$b$, t=\"$info_min_time$\""),
            ("outer", 0) => (&[], "`inner(x)` | `summariesonly`"),
            ("inner", 1) => (&["v"], "search v=$v$"),
            ("loop_a", 0) => (&[], "`loop_b(1)`"),
            ("loop_b", 1) => (&["n"], "`loop_a`"),
            ("self", 0) => (&[], "`self`"),
            ("boom", 0) => (&[], "`boom2` `boom2` `boom2` `boom2`"),
            ("boom2", 0) => (&[], "`boom3` `boom3` `boom3` `boom3`"),
            ("boom3", 0) => (&[], "`boom4` `boom4` `boom4` `boom4`"),
            ("boom4", 0) => (&[], "`boom5` `boom5` `boom5` `boom5`"),
            ("boom5", 0) => (&[], "`boom6` `boom6` `boom6` `boom6`"),
            ("boom6", 0) => (&[], "`boom7` `boom7` `boom7` `boom7`"),
            ("boom7", 0) => (&[], "`boom8` `boom8` `boom8` `boom8`"),
            ("boom8", 0) => (&[], "`boom9` `boom9` `boom9` `boom9`"),
            ("boom9", 0) => (&[], "`boom10` `boom10` `boom10` `boom10`"),
            ("boom10", 0) => (&[], "`boom11` `boom11` `boom11` `boom11`"),
            ("boom11", 0) => (&[], "`boom12` `boom12` `boom12` `boom12`"),
            ("boom12", 0) => (&[], "0123456789abcdef"),
            _ => return None,
        };
        Some((
            args.iter().map(|s| s.to_string()).collect(),
            def.to_string(),
        ))
    }

    #[test]
    fn arguments_by_position_nested_macros_and_undefined_ones() {
        let e = expand_macros(
            "| tstats `summariesonly` count from datamodel=X | `drop(Processes)` | `pair(a, \"$b$\")` | `outer` | `missing(1,2)` | `x_filter`",
            &defs,
        )
        .unwrap();
        assert_eq!(
            e.text,
            "| tstats summariesonly=false allow_old_summaries=true count from datamodel=X \
             | rename Processes.* as * | eval a=\"$b$\", t=\"$info_min_time$\" \
             | search v=x | summariesonly=false allow_old_summaries=true | `missing(1,2)` | `x_filter`"
        );
        assert_eq!(
            e.used,
            ["summariesonly", "drop(1)", "pair(2)", "outer", "inner(1)"]
        );
        assert_eq!(e.undefined, ["missing(2)", "x_filter"]);
    }

    #[test]
    fn macros_in_quotes_and_comments_stay_as_written() {
        let s = "search x=\"`summariesonly`\" ```  `summariesonly` ``` | eval y=1";
        let e = expand_macros(s, &defs).unwrap();
        assert_eq!(e.text, s);
        assert!(e.used.is_empty() && e.undefined.is_empty());
    }

    #[test]
    fn a_macro_that_uses_itself_is_an_error_naming_the_cycle() {
        let e = expand_macros("| `loop_a`", &defs).unwrap_err();
        assert_eq!(
            e,
            ExpandError::Cycle(vec!["loop_a".into(), "loop_b(1)".into(), "loop_a".into()])
        );
        assert_eq!(
            e.to_string(),
            "the macro `loop_a` uses itself: `loop_a` -> `loop_b(1)` -> `loop_a`"
        );
        assert_eq!(
            expand_macros("`self`", &defs).unwrap_err(),
            ExpandError::Cycle(vec!["self".into(), "self".into()])
        );
    }

    #[test]
    fn an_exponential_expansion_stops_at_the_limit() {
        // 4^11 copies of 16 bytes: 64 MiB if it were expanded.
        assert_eq!(
            expand_macros("`boom`", &defs).unwrap_err(),
            ExpandError::TooLong
        );
    }
}
