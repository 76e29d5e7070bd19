//! Static analysis of Splunk SPL searches.
//!
//! - [`split_pipeline`] splits a search into [`Command`]s at top-level
//!   pipes, respecting double quotes (with `\` escapes), backtick macros
//!   (with arguments), subsearch brackets and ```` ``` ```` comments.
//! - [`macros`] lists the macros a search uses, with their arity, the way
//!   Splunk names them in macros.conf (`name(2)`).
//! - [`lookups`] lists the lookups it uses (`lookup`, `inputlookup`,
//!   `outputlookup`, in subsearches too).
//! - [`output_fields`] infers the fields the search outputs, where SPL
//!   semantics make that knowable (`table`, `fields`, `stats`/`tstats ...
//!   by`, `rename`, `eval`, `lookup ... OUTPUT`, `drop_dm_object_name`,
//!   macros expanded from their definitions...). Where it cannot be known
//!   it answers [`Fields::AtLeast`] and never guesses.
//! - [`expand_macros`] expands a search's macros as Splunk does before it
//!   runs it (arguments by position, nested macros, none inside quotes),
//!   naming the cycle when a macro uses itself.
//!
//! All byte offsets are into the search text given.

pub mod command;
mod expand;
pub mod expr;
mod fields;
mod lex;
pub mod terms;

pub use expand::{Definitions, ExpandError, Expanded, MAX_EXPANDED_LEN, expand_macros, substitute};

pub use fields::{Fields, Resolver, output_fields};
pub use lex::{Command, Token, matching_bracket, split_args, split_pipeline, split_words};

/// A macro used by a search: `` `name(arg1, arg2)` ``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroRef {
    /// The macro's name without arguments.
    pub name: String,
    /// Its arguments as written (trimmed), possibly empty.
    pub args: Vec<String>,
    /// Byte range of the whole `` `...` `` in the search.
    pub start: usize,
    /// End of that range (exclusive).
    pub end: usize,
}

impl MacroRef {
    /// How Splunk names the macro's stanza: `name` or `name(N)`.
    pub fn stanza(&self) -> String {
        macro_stanza(&self.name, self.args.len())
    }
}

/// The macros.conf stanza of macro `name` taking `arity` arguments: `name`
/// when it takes none, else `name(N)` (macros.conf.spec).
pub fn macro_stanza(name: &str, arity: usize) -> String {
    if arity == 0 {
        name.to_string()
    } else {
        format!("{name}({arity})")
    }
}

/// Splits `s` at top-level commas (outside quotes and brackets).
pub(crate) fn split_commas(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    let mut q = lex::Quotes::new(false);
    for (i, c) in s.bytes().enumerate() {
        if q.quoted(c) {
            continue;
        }
        match c {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b',' if depth <= 0 => {
                out.push((start, &s[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push((start, &s[start..]));
    out
}

/// The macros used in `search`, in order: the `` `name(args)` `` calls
/// that Splunk expands. Calls inside ```` ``` ```` comments and inside
/// double-quoted strings are not macros: "Macros inside of quoted values
/// are not expanded" (Knowledge Manager Manual, "Use search macros in
/// searches"), so `split(process,"`")` uses none. Quadruple backticks are
/// not macros (contentctl refuses them; see [`has_quadruple_backticks`]).
pub fn macros(search: &str) -> Vec<MacroRef> {
    scan_macros(search).0
}

/// The macro calls written inside double-quoted strings, which Splunk
/// leaves as text: `relative_time(now(), "`window_macro`")` compares with
/// the literal text, not the macro's definition. Only `` `name` `` and
/// `` `name(args)` `` shapes count (a lone backtick in a string does not).
pub fn quoted_macros(search: &str) -> Vec<MacroRef> {
    scan_macros(search).1
}

/// Parses the text between two backticks as a macro call, if it has the
/// shape of one: a name without spaces, or `name(args)`.
fn macro_call(search: &str, start: usize, end: usize) -> Option<MacroRef> {
    let inner_t = search[start + 1..end - 1].trim();
    if inner_t.is_empty() || inner_t.contains(char::is_whitespace) && !inner_t.contains('(') {
        return None;
    }
    let (name, args) = match inner_t.find('(') {
        Some(p) => {
            let a = inner_t[p + 1..]
                .strip_suffix(')')
                .unwrap_or(&inner_t[p + 1..]);
            let args = if a.trim().is_empty() {
                Vec::new()
            } else {
                split_commas(a)
                    .into_iter()
                    .map(|(_, x)| x.trim().to_string())
                    .collect()
            };
            (inner_t[..p].trim().to_string(), args)
        }
        None => (inner_t.to_string(), Vec::new()),
    };
    (!name.is_empty() && !name.contains(char::is_whitespace)).then_some(MacroRef {
        name,
        args,
        start,
        end,
    })
}

/// One pass over `search`: (macros Splunk expands, macro-shaped calls in
/// double-quoted strings).
fn scan_macros(search: &str) -> (Vec<MacroRef>, Vec<MacroRef>) {
    let mut out = Vec::new();
    let mut quoted = Vec::new();
    let b = search.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"```") {
            match lex::find_bytes(&b[i + 3..], b"```") {
                Some(e) => {
                    i += 3 + e + 3;
                    continue;
                }
                None => break,
            }
        }
        match b[i] {
            // An escaped quote outside a string is a literal `"`
            // (`field=*\"privileged\":true*`), not the start of one.
            b'\\' => i += 2,
            b'"' => {
                // A double-quoted string, `\` escaping the next byte.
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(b.len());
                // `map search="..."` runs its string as a search, in which
                // Splunk expands macros when it runs it.
                let is_search = search[..i]
                    .trim_end()
                    .to_ascii_lowercase()
                    .ends_with("search=");
                let mut k = i + 1;
                while let Some(o) = lex::find_bytes(&b[k..end], b"`") {
                    let open = k + o;
                    let Some(len) = lex::find_bytes(&b[open + 1..end], b"`") else {
                        break;
                    };
                    let close = open + 1 + len + 1;
                    match macro_call(search, open, close) {
                        // An unclosed string cannot be told from a stray quote: say nothing.
                        Some(_) if j >= b.len() => k = close,
                        Some(m) if is_search => {
                            out.push(m);
                            k = close;
                        }
                        Some(m) => {
                            quoted.push(m);
                            k = close;
                        }
                        None => k = open + 1,
                    }
                }
                i = end + 1;
            }
            b'`' => {
                let Some(len) = lex::find_bytes(&b[i + 1..], b"`") else {
                    break;
                };
                let end = i + 1 + len + 1;
                out.extend(macro_call(search, i, end));
                i = end;
            }
            _ => i += 1,
        }
    }
    (out, quoted)
}

/// `search` laid out for reading: each top-level command on its own line,
/// `| ` before every command but an implicit first `search`, a command's
/// own line breaks kept and its continuation lines indented by four
/// spaces. Pipes inside quotes, macro calls, subsearch brackets and
/// comments do not split ([`split_pipeline`]). Ends with a newline unless
/// empty.
pub fn pipeline_lines(search: &str) -> String {
    let mut out = String::with_capacity(search.len() + search.len() / 8);
    write_pipeline_lines(&mut out, search);
    out
}

/// [`pipeline_lines`], appended to `out` (a page being written) instead of
/// returned in a new string.
pub fn write_pipeline_lines(out: &mut String, search: &str) {
    let starts_with_pipe = search.trim_start().starts_with('|');
    for (i, cmd) in split_pipeline(search).iter().enumerate() {
        if i > 0 || starts_with_pipe {
            out.push_str("| ");
        }
        for (j, line) in cmd.text.lines().enumerate() {
            if j > 0 {
                out.push_str("    ");
                out.push_str(line.trim());
            } else {
                out.push_str(line.trim_end());
            }
            out.push('\n');
        }
    }
}

/// Whether `search` has four backticks in a row, which contentctl refuses.
pub fn has_quadruple_backticks(search: &str) -> bool {
    search.contains("````")
}

/// `search` without its comments: each ```` ```...``` ```` outside a
/// string (Search Manual, "Add comments to searches") becomes one space;
/// a comment that does not end runs to the end. Splunk drops comments
/// before it reads the commands, so a comment inside a command's
/// arguments (`eval x=1 ```why``` `) is not part of them.
pub fn without_comments(search: &str) -> String {
    let b = search.as_bytes();
    let mut out = String::with_capacity(search.len());
    let mut q = lex::Quotes::new(false);
    let (mut i, mut from) = (0, 0);
    while i < b.len() {
        if !q.inside() && !q.esc_pending() && b[i..].starts_with(b"```") {
            out.push_str(&search[from..i]);
            out.push(' ');
            i = lex::find_bytes(&b[i + 3..], b"```").map_or(b.len(), |e| i + 3 + e + 3);
            from = i;
            continue;
        }
        q.quoted(b[i]);
        i += 1;
    }
    out.push_str(&search[from..]);
    out
}

/// A lookup used by a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupRef {
    /// The lookup (transforms.conf stanza) name, or a file name for
    /// `inputlookup file.csv`.
    pub name: String,
    /// The command: `lookup`, `inputlookup` or `outputlookup`.
    pub command: String,
    /// Byte offset of the name in the search.
    pub start: usize,
}

/// The lookups used in `search`, subsearches included.
pub fn lookups(search: &str) -> Vec<LookupRef> {
    let mut out = Vec::new();
    collect_lookups(search, 0, &mut out);
    out
}

fn collect_lookups(search: &str, base: usize, out: &mut Vec<LookupRef>) {
    for cmd in split_pipeline(search) {
        let name = cmd.name.as_str();
        if matches!(name, "lookup" | "inputlookup" | "outputlookup") {
            let toks = split_args(cmd.args);
            let first = toks.iter().find(|t| {
                let (k, _) = t.text.split_once('=').unwrap_or(("", ""));
                // Options are key=value; lookup takes `local=`, `update=`, `event_time_field=`;
                // inputlookup and outputlookup take `append=`, `start=`, `max=`, `where`...
                k.is_empty() && !t.text.starts_with('`')
            });
            if let Some(t) = first {
                let n = t.text.trim_matches('"');
                if !n.is_empty() {
                    out.push(LookupRef {
                        name: n.to_string(),
                        command: name.to_string(),
                        start: base + cmd.args_start + t.start,
                    });
                }
            }
        }
        // Subsearches.
        let mut i = 0;
        let args = cmd.args;
        while let Some(p) = args[i..].find('[') {
            let open = i + p;
            if let Some(close) = lex::matching_bracket(args, open) {
                collect_lookups(
                    &args[open + 1..close],
                    base + cmd.args_start + open + 1,
                    out,
                );
                i = close + 1;
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_dropped_outside_strings() {
        assert_eq!(
            without_comments(r#"a | eval s=replace(w,"\\","")  ```CIM alignment``` | table s"#),
            r#"a | eval s=replace(w,"\\","")    | table s"#
        );
        assert_eq!(
            without_comments(r#"eval x="```not one```""#),
            r#"eval x="```not one```""#
        );
        assert_eq!(without_comments(r#"x=\" ```c``` y"#), r#"x=\"   y"#);
        assert_eq!(without_comments("a ```open"), "a  ");
        assert_eq!(without_comments("é ```ü``` ö"), "é   ö");
    }

    #[test]
    fn pipelines_are_laid_out_one_command_a_line() {
        assert_eq!(
            pipeline_lines("index=x \"a|b\" | stats count by u | where [search y | head 1]"),
            "index=x \"a|b\"\n| stats count by u\n| where [search y | head 1]\n"
        );
        assert_eq!(
            pipeline_lines("| tstats count\n   from datamodel=X | `m(a|b)`"),
            "| tstats count\n    from datamodel=X\n| `m(a|b)`\n"
        );
        assert_eq!(pipeline_lines(""), "");
    }

    #[test]
    fn macros_with_arity_and_comments_skipped() {
        let s = "| tstats `security_content_summariesonly` count from datamodel=X by a ``` `not_a_macro` ``` | `drop_dm_object_name(\"All_Changes\")` | `f(a, \"b,c\")` | `x_filter`";
        let m = macros(s);
        let names: Vec<String> = m.iter().map(|m| m.stanza()).collect();
        assert_eq!(
            names,
            [
                "security_content_summariesonly",
                "drop_dm_object_name(1)",
                "f(2)",
                "x_filter"
            ]
        );
        assert_eq!(&s[m[3].start..m[3].end], "`x_filter`");
    }

    #[test]
    fn macros_inside_double_quotes_are_not_expanded() {
        // malicious_powershell_process_with_obfuscation_techniques (v4.42.0).
        let s = r#"| eval n = (mvcount(split(process,"`"))-1) + (mvcount(split(process, "^"))-1) | `x_filter` | search n > 10"#;
        let names: Vec<String> = macros(s).into_iter().map(|m| m.name).collect();
        assert_eq!(names, ["x_filter"]);
        assert!(quoted_macros(s).is_empty(), "a lone backtick is not a call");
        // first_time_seen_child_process_of_zoom: the window macro stays text.
        let s = r#"| where firstTimeSeen > relative_time(now(), "`zoom_window`") | `m("a")` | eval q="\"`b`\"""#;
        let names: Vec<String> = macros(s).into_iter().map(|m| m.stanza()).collect();
        assert_eq!(names, ["m(1)"]);
        let q: Vec<&str> = quoted_macros(s)
            .iter()
            .map(|m| &s[m.start..m.end])
            .collect();
        assert_eq!(q, ["`zoom_window`", "`b`"]);
        // An escaped quote outside a string opens none
        // (kubernetes_create_or_update_privileged_pod).
        let s = r#"`kube_audit` x=*\"privileged\":true* | `k_filter`"#;
        let names: Vec<String> = macros(s).into_iter().map(|m| m.name).collect();
        assert_eq!(names, ["kube_audit", "k_filter"]);
        // `map search="..."` is a search: its macros are expanded when it runs.
        let s = r#"| appendpipe [| map search="search `wineventlog_security` EventCode=4624"]"#;
        let names: Vec<String> = macros(s).into_iter().map(|m| m.name).collect();
        assert_eq!(names, ["wineventlog_security"]);
        assert!(quoted_macros(s).is_empty());
    }

    #[test]
    fn lookups_in_commands_and_subsearches() {
        let s = "search [| inputlookup append=t allowed_users.csv | fields user] | lookup local=true previously_seen user OUTPUT firstTimeSeen | outputlookup seen_out";
        let l: Vec<(String, String)> = lookups(s)
            .into_iter()
            .map(|l| (l.command, l.name))
            .collect();
        assert_eq!(
            l,
            [
                ("inputlookup".to_string(), "allowed_users.csv".to_string()),
                ("lookup".to_string(), "previously_seen".to_string()),
                ("outputlookup".to_string(), "seen_out".to_string())
            ]
        );
        let r = &lookups(s)[1];
        assert_eq!(&s[r.start..r.start + 15], "previously_seen");
    }
}
