//! Splitting SPL into commands and arguments.

/// One command of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'a> {
    /// The command name in lower case (`tstats`, `search` for an implicit
    /// base search), or the whole `` `macro(...)` `` for a macro in command
    /// position.
    pub name: String,
    /// The whole command text, trimmed.
    pub text: &'a str,
    /// Byte offset of `text` in the search.
    pub start: usize,
    /// Everything after the name, untrimmed on the right.
    pub args: &'a str,
    /// Byte offset of `args` in the search.
    pub args_start: usize,
}

impl Command<'_> {
    /// Whether the command is a macro call (`` `name(...)` ``).
    pub fn is_macro(&self) -> bool {
        self.name.starts_with('`')
    }
}

/// A whitespace- or comma-separated argument; quotes, parentheses,
/// brackets and backticks are kept whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    /// The text.
    pub text: &'a str,
    /// Byte offset in the string given to [`split_args`].
    pub start: usize,
}

/// Whether a byte-by-byte scan of SPL is inside a double-quoted string
/// (with `\` escapes) or, when `ticks` is set, a backtick macro call.
pub(crate) struct Quotes {
    ticks: bool,
    in_q: bool,
    esc: bool,
    in_tick: bool,
}

impl Quotes {
    /// A scanner state outside any quote; `ticks` makes backticks quote too.
    pub(crate) fn new(ticks: bool) -> Self {
        Quotes {
            ticks,
            in_q: false,
            esc: false,
            in_tick: false,
        }
    }

    /// Whether the scan is inside a string or macro call.
    pub(crate) fn inside(&self) -> bool {
        self.in_q || self.in_tick
    }

    /// Whether the last byte fed was a backslash that escapes the next.
    pub(crate) fn esc_pending(&self) -> bool {
        self.esc
    }

    /// Feeds byte `c`; returns true when it is part of a string or macro
    /// call (opening, inside or closing it), so the caller ignores it.
    pub(crate) fn quoted(&mut self, c: u8) -> bool {
        if self.in_q {
            if self.esc {
                self.esc = false;
            } else if c == b'\\' {
                self.esc = true;
            } else if c == b'"' {
                self.in_q = false;
            }
            return true;
        }
        if self.in_tick {
            self.in_tick = c != b'`';
            return true;
        }
        if self.esc {
            // Escaped outside a string: `\"` is a literal quote.
            self.esc = false;
            return true;
        }
        match c {
            b'\\' => self.esc = true,
            b'"' => self.in_q = true,
            b'`' if self.ticks => self.in_tick = true,
            _ => return false,
        }
        true
    }
}

/// The index of the `]` that closes the `[` at `open`, if any.
pub fn matching_bracket(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut q = Quotes::new(true);
    for (i, c) in s.as_bytes()[open..].iter().enumerate() {
        if q.quoted(*c) {
            continue;
        }
        match c {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The first index of `needle` in `hay`.
pub(crate) fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The bytes [`split_pipeline`] acts on outside strings and macro calls:
/// quotes, the escape, brackets and the pipe.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'`' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t[b'|' as usize] = true;
    t
};

/// Splits `search` at top-level pipes. Pipes inside double quotes,
/// backtick macros, subsearch brackets and ```` ``` ```` comments do not
/// split. Empty segments (a leading `|`, `||`) are dropped. A first
/// segment that does not start with a pipe is an implicit `search`.
pub fn split_pipeline(search: &str) -> Vec<Command<'_>> {
    let mut segs: Vec<(usize, usize)> = Vec::new();
    let b = search.as_bytes();
    let (mut i, mut start, mut depth) = (0usize, 0usize, 0i32);
    let mut q = Quotes::new(true);
    while i < b.len() {
        // Outside strings and macro calls only six bytes matter: skip to
        // the next one (most of a search is plain words).
        if !q.inside() && !q.esc {
            match b[i..].iter().position(|&c| SPECIAL[c as usize]) {
                Some(n) => i += n,
                None => break,
            }
        }
        let c = b[i];
        // A ``` comment can only start outside strings and macro calls.
        if !q.inside() && b[i..].starts_with(b"```") {
            i = find_bytes(&b[i + 3..], b"```").map_or(b.len(), |e| i + 3 + e + 3);
            continue;
        }
        if q.quoted(c) {
            i += 1;
            continue;
        }
        match c {
            b'[' => depth += 1,
            b']' => depth = (depth - 1).max(0),
            b'|' if depth == 0 => {
                segs.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    segs.push((start, b.len()));
    let starts_with_pipe = search.trim_start().starts_with('|');
    let mut out = Vec::new();
    for (n, (s, e)) in segs.into_iter().enumerate() {
        let raw = &search[s..e];
        let text = raw.trim();
        if text.is_empty() {
            continue;
        }
        let tstart = s + (raw.len() - raw.trim_start().len());
        if n == 0 && !starts_with_pipe {
            out.push(Command {
                name: "search".into(),
                text,
                start: tstart,
                args: text,
                args_start: tstart,
            });
            continue;
        }
        let name_len = if let Some(rest) = text.strip_prefix('`') {
            rest.find('`').map_or(text.len(), |p| p + 2)
        } else {
            text.find(|c: char| c.is_whitespace()).unwrap_or(text.len())
        };
        let name = if text.starts_with('`') {
            text[..name_len].to_string()
        } else {
            text[..name_len].to_ascii_lowercase()
        };
        out.push(Command {
            name,
            text,
            start: tstart,
            args: &text[name_len..],
            args_start: tstart + name_len,
        });
    }
    out
}

/// Splits command arguments at whitespace and top-level commas, keeping
/// `"..."`, `(...)`, `[...]` and `` `...` `` whole (so `values(a, b)` and
/// `x="a b"` are one token each).
pub fn split_args(args: &str) -> Vec<Token<'_>> {
    split(args, true)
}

/// Splits a custom search command's arguments as splunkd passes them to
/// the command (`searchinfo.args`): at whitespace only, keeping quoted
/// text whole, so `key=user,command` is one argument.
pub fn split_words(args: &str) -> Vec<Token<'_>> {
    split(args, false)
}

fn split(args: &str, commas: bool) -> Vec<Token<'_>> {
    let comma = if commas { b',' } else { b' ' };
    let mut out = Vec::new();
    let b = args.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == comma) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        let mut depth = 0i32;
        let mut q = Quotes::new(true);
        while i < b.len() {
            let c = b[i];
            if !q.quoted(c) {
                match c {
                    b'(' | b'[' => depth += 1,
                    b')' | b']' => depth -= 1,
                    _ if depth <= 0 && (c.is_ascii_whitespace() || c == comma) => break,
                    _ => {}
                }
            }
            i += 1;
        }
        // Never split inside a multi-byte character (all splitters are ASCII).
        out.push(Token {
            text: &args[start..i],
            start,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_escaped_byte_outside_strings_is_the_one_after_the_backslash() {
        let c = split_pipeline("search a\\b | stats count | search x\\|y");
        let names: Vec<&str> = c.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["search", "stats", "search"]);
        assert_eq!(c[2].text, "search x\\|y");
    }

    #[test]
    fn pipes_in_quotes_macros_subsearches_and_comments_do_not_split() {
        let s = r#"index=x "a|b" [search y | head 1] ``` c | d ``` | `m("p|q")` | eval z="\"|" | table z"#;
        let names: Vec<String> = split_pipeline(s).into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["search", "`m(\"p|q\")`", "eval", "table"]);
    }

    #[test]
    fn an_escaped_quote_outside_a_string_opens_none() {
        let s = r#"`kube_audit` a=*\"privileged\":true* | fillnull | table a"#;
        let names: Vec<String> = split_pipeline(s).into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["search", "fillnull", "table"]);
    }

    #[test]
    fn command_words_keep_commas() {
        let w: Vec<&str> = split_words(r#"key=user,command  window="-24h@h" x"#)
            .iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(w, ["key=user,command", r#"window="-24h@h""#, "x"]);
    }

    #[test]
    fn leading_pipe_makes_a_generating_command_first() {
        let c = split_pipeline("| tstats count from datamodel=Change by user\n| table user");
        assert_eq!(c[0].name, "tstats");
        assert_eq!(c[0].args.trim(), "count from datamodel=Change by user");
        assert_eq!(c[1].start, 47);
        assert_eq!(c[1].text, "table user");
    }

    #[test]
    fn args_keep_groups_whole() {
        let t: Vec<&str> = split_args(r#" count values(a, b) as "x y", dc(user) by src"#)
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(
            t,
            [
                "count",
                "values(a, b)",
                "as",
                "\"x y\"",
                "dc(user)",
                "by",
                "src"
            ]
        );
    }

    #[test]
    fn unbalanced_input_does_not_panic() {
        for s in ["[", "]", "\"", "`", "```", "| | |", "a [b | c", "é|ü`é"] {
            let _ = split_pipeline(s);
            let _ = split_args(s);
            let _ = crate::macros(s);
            let _ = crate::lookups(s);
        }
    }
}
