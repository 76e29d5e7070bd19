//! Writes Splunk `.conf` files (`savedsearches.conf`, `macros.conf`, …).
//!
//! The format, as splunkd reads it (Splunk *Admin Manual*, "About
//! configuration files" and the `*.conf.spec` files): `[stanza]` headers;
//! `key = value` lines, split at the first `=`; whitespace around keys and
//! values is trimmed; a line ending with a backslash continues the value on the
//! next line, the newline being part of the value; lines starting with `#` are
//! comments.
//!
//! What follows for the writer:
//! - a value's newlines become `\` + newline (continuation lines);
//! - leading and trailing whitespace of a value is trimmed, as splunkd would
//!   (so the file says what Splunk reads);
//! - what cannot be written so that Splunk reads it back unchanged is an
//!   error naming the stanza and key, never silently altered: a value line
//!   that ends with a backslash (it would swallow the next line), a key with
//!   `=`, whitespace, a newline or a leading `[`/`#`, a stanza name with a
//!   newline or that is empty;
//! - keys keep the order they were added in (callers choose a stable order),
//!   so output is deterministic; one blank line separates stanzas; files end
//!   with a newline.

use std::fmt;

/// A `.conf` file being built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conf {
    header: Vec<String>,
    stanzas: Vec<Stanza>,
}

/// One `[stanza]` and its keys, in insertion order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza {
    /// Name between the brackets.
    pub name: String,
    /// `(key, value)` pairs.
    pub entries: Vec<(String, String)>,
}

/// Why a file cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfError {
    /// The stanza concerned.
    pub stanza: String,
    /// The key concerned, if any.
    pub key: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(k) => write!(f, "[{}] {k}: {}", self.stanza, self.message),
            None => write!(f, "[{}]: {}", self.stanza, self.message),
        }
    }
}

impl std::error::Error for ConfError {}

impl Stanza {
    /// Sets `key` to `value`: replaces an existing key in place, else appends.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Stanza {
        let (key, value) = (key.into(), value.into());
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => e.1 = value,
            None => self.entries.push((key, value)),
        }
        self
    }
}

impl Conf {
    /// An empty file.
    pub fn new() -> Conf {
        Conf::default()
    }

    /// Adds a comment line (`# …`) at the top of the file.
    pub fn comment(&mut self, text: &str) -> &mut Conf {
        for line in text.lines() {
            self.header.push(line.to_string());
        }
        self
    }

    /// The stanza `name`, created at the end if it does not exist.
    pub fn stanza(&mut self, name: impl Into<String>) -> &mut Stanza {
        let name = name.into();
        let i = match self.stanzas.iter().position(|s| s.name == name) {
            Some(i) => i,
            None => {
                self.stanzas.push(Stanza {
                    name,
                    entries: Vec::new(),
                });
                self.stanzas.len() - 1
            }
        };
        &mut self.stanzas[i]
    }

    /// Every stanza in order.
    pub fn stanzas(&self) -> &[Stanza] {
        &self.stanzas
    }

    /// Renders the file.
    ///
    /// # Errors
    /// Every stanza, key or value that Splunk could not read back as given,
    /// all of them, each naming its stanza and key.
    pub fn render(&self) -> Result<String, Vec<ConfError>> {
        let mut out = String::new();
        let mut errors = Vec::new();
        for line in &self.header {
            out.push_str(if line.is_empty() { "#" } else { "# " });
            out.push_str(line);
            out.push('\n');
        }
        for (i, s) in self.stanzas.iter().enumerate() {
            if i > 0 || !self.header.is_empty() {
                out.push('\n');
            }
            let err = |key: Option<&str>, message: String| ConfError {
                stanza: s.name.clone(),
                key: key.map(str::to_string),
                message,
            };
            if let Err(m) = check_stanza_name(&s.name) {
                errors.push(err(None, m));
            }
            out.push('[');
            out.push_str(&s.name);
            out.push_str("]\n");
            for (k, v) in &s.entries {
                if let Err(m) = check_key(k) {
                    errors.push(err(Some(k), m));
                }
                match value_text(v) {
                    Ok(text) => {
                        out.push_str(k);
                        out.push_str(" =");
                        if !text.is_empty() {
                            out.push(' ');
                            out.push_str(&text);
                        }
                        out.push('\n');
                    }
                    Err(m) => errors.push(err(Some(k), m)),
                }
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// Checks a key: not empty, no `=`, newline or surrounding whitespace, and
/// no leading `[` or `#` (a header or a comment to splunkd).
///
/// # Errors
/// What is wrong with the key.
pub fn check_key(k: &str) -> Result<(), String> {
    if k.is_empty() {
        return Err("a key must not be empty".into());
    }
    if k.contains(['=', '\n', '\r']) || k.trim() != k || k.starts_with(['[', '#']) {
        return Err(format!(
            "the key {k:?} cannot be written: keys hold no '=', newline or surrounding spaces and do not start with '[' or '#'"
        ));
    }
    Ok(())
}

/// Checks that [`value_text`] can encode `v`, without building the text:
/// the same rule, for callers that only need the verdict (the build checks
/// every value of every detection before it renders them).
///
/// # Errors
/// The message [`value_text`] would give.
pub fn check_value(v: &str) -> Result<(), String> {
    let v = v.trim();
    let bytes = v.as_bytes();
    // The common case, a one-line value: one (vectorised) scan.
    if memchr::memchr2(b'\n', b'\r', bytes).is_none() {
        return if v.ends_with('\\') {
            Err(backslash_at_end())
        } else {
            Ok(())
        };
    }
    let lone_cr = memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'));
    if lone_cr {
        return Err(
            "the value holds a carriage return; Splunk .conf values use \\n line ends".into(),
        );
    }
    // A line before the last that ends with a backslash is written with a
    // space before its continuation backslash ([`value_text`]), as
    // contentctl's `escapeNewlines` writes every line break (` \\`): the
    // backslash stays text. Only the last line cannot end with one.
    let last = v.rsplit('\n').next().unwrap_or(v);
    if last.strip_suffix('\r').unwrap_or(last).ends_with('\\') {
        return Err(backslash_at_end());
    }
    Ok(())
}

/// The one value that cannot be written: its last line ends with a
/// backslash, which splunkd reads as a continuation into the next key.
fn backslash_at_end() -> String {
    "its last line ends with a backslash, which Splunk reads as a line continuation \
     (it would swallow the next key); end the value with another character"
        .to_string()
}

/// Encodes one value as it is written after `key = `: trimmed (splunkd
/// trims values), `\r\n` made `\n`, each newline written as a backslash
/// and a newline (a continuation line).
///
/// # Errors
/// A message saying what to change when Splunk could not read the value
/// back as given (see [`check_value`]): a last line that ends with a
/// backslash (it would swallow the next key), or a lone carriage return.
/// An earlier line that ends with one is written with a space before the
/// continuation backslash, as contentctl writes every line break.
pub fn value_text(v: &str) -> Result<String, String> {
    let mut out = String::with_capacity(v.len());
    push_value(&mut out, v)?;
    Ok(out)
}

/// [`value_text`], appended to `out` (no allocation of its own).
///
/// # Errors
/// As [`value_text`]; `out` is then left as it was.
pub fn push_value(out: &mut String, v: &str) -> Result<(), String> {
    check_value(v)?;
    let v = v.trim();
    if memchr::memchr2(b'\n', b'\r', v.as_bytes()).is_none() {
        out.push_str(v);
        return Ok(());
    }
    let v = v.replace("\r\n", "\n");
    for (i, line) in v.split('\n').enumerate() {
        if i > 0 {
            // A line ending in a backslash gets a space, so that its
            // backslash is text and the next one the continuation.
            if out.ends_with('\\') {
                out.push(' ');
            }
            out.push_str("\\\n");
        }
        out.push_str(line);
    }
    Ok(())
}

/// Checks a stanza name: one line, not empty, no surrounding whitespace
/// (splunkd trims it, so the name would change).
///
/// # Errors
/// What is wrong with the name.
pub fn check_stanza_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.contains(['\n', '\r']) || name.trim() != name {
        return Err("a stanza name must be one line, not empty, without surrounding spaces".into());
    }
    Ok(())
}

/// A problem found by [`parse`], with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number in the text.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Reads a `.conf` file the way splunkd does (see the module docs): `#`
/// comment lines and blank lines skipped, `[stanza]` headers, `key = value`
/// split at the first `=` and trimmed, a trailing backslash continuing the
/// value on the next line (the newline kept). Keys before the first header
/// go to a stanza named `default`, as splunkd reads them.
///
/// detc uses it to check what its templates wrote; splunkd merges
/// duplicate stanzas and keeps the last duplicate key, which in generated
/// files is always a mistake, so both are errors here.
///
/// # Errors
/// Every line that is not a header, a `key = value`, a comment or blank;
/// every duplicate stanza and duplicate key.
pub fn parse(text: &str) -> Result<Vec<Stanza>, Vec<ParseError>> {
    let mut out: Vec<Stanza> = Vec::new();
    let errors = scan(text, true, |e| match e {
        Event::Stanza(name) => out.push(Stanza {
            name: name.to_string(),
            entries: Vec::new(),
        }),
        Event::Entry(key, value) => {
            if let Some(s) = out.last_mut() {
                s.entries.push((key.to_string(), value.unwrap_or_default()));
            }
        }
    });
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Checks `text` as [`parse`] does, without copying a value: returns the
/// number of stanzas (the implicit `default` one included when keys come
/// before the first header). For generated files of many MiB, where
/// [`parse`] would hold a second copy of the file.
///
/// # Errors
/// As [`parse`].
pub fn check(text: &str) -> Result<usize, Vec<ParseError>> {
    let mut stanzas = 0;
    let errors = scan(text, false, |e| {
        if let Event::Stanza(_) = e {
            stanzas += 1;
        }
    });
    if errors.is_empty() {
        Ok(stanzas)
    } else {
        Err(errors)
    }
}

/// What [`scan`] reads: a stanza header (or the implicit `default`), or a
/// key with its trimmed value (`None` unless values were asked for).
enum Event<'t> {
    Stanza(&'t str),
    Entry(&'t str, Option<String>),
}

/// The reader behind [`parse`] and [`check`]: calls `on` for each stanza and
/// entry in order and returns every error.
fn scan<'t>(text: &'t str, values: bool, mut on: impl FnMut(Event<'t>)) -> Vec<ParseError> {
    let mut errors = Vec::new();
    let mut seen: std::collections::HashMap<&'t str, usize> = std::collections::HashMap::new();
    // The current stanza's name and keys (few per stanza: a scan is cheaper
    // than a set).
    let mut current: Option<(&'t str, Vec<&'t str>)> = None;
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let n = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.starts_with('[') {
            let Some(end) = t.rfind(']') else {
                errors.push(ParseError {
                    line: n,
                    message: "a stanza header without `]`".into(),
                });
                continue;
            };
            let name = t[1..end].trim();
            if let Some(first) = seen.insert(name, n) {
                errors.push(ParseError {
                    line: n,
                    message: format!(
                        "the stanza [{name}] is written twice (first at line {first})"
                    ),
                });
            }
            current = Some((name, Vec::new()));
            on(Event::Stanza(name));
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            errors.push(ParseError {
                line: n,
                message: format!("neither a `key = value`, a `[stanza]` nor a `#` comment: {t:?}"),
            });
            continue;
        };
        let mut value = values.then(|| v.to_string());
        let mut last = v;
        while last.ends_with('\\') {
            let Some((_, next)) = lines.next() else { break };
            let next = next.strip_suffix('\r').unwrap_or(next);
            if let Some(value) = &mut value {
                value.pop();
                value.push('\n');
                value.push_str(next);
            }
            last = next;
        }
        if current.is_none() {
            seen.insert("default", n);
            current = Some(("default", Vec::new()));
            on(Event::Stanza("default"));
        }
        let key = k.trim();
        let Some((name, keys)) = &mut current else {
            continue;
        };
        if keys.contains(&key) {
            errors.push(ParseError {
                line: n,
                message: format!("the key `{key}` is set twice in [{name}]"),
            });
        }
        keys.push(key);
        on(Event::Entry(key, value.map(|v| v.trim().to_string())));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_keys_and_continuations() {
        let mut c = Conf::new();
        c.comment("Generated by detc");
        c.stanza("default").set("disabled", "1");
        c.stanza("ESCU - Test - Rule")
            .set(
                "search",
                "| tstats count\n| where count > 0\n[not a stanza] = x",
            )
            .set("description", "  padded  ")
            .set("eq", "a=b=c")
            .set("path", r"C:\Windows\ temp")
            .set("empty", "");
        c.stanza("default").set("disabled", "0");
        assert_eq!(
            c.render().unwrap(),
            "# Generated by detc\n\n[default]\ndisabled = 0\n\n[ESCU - Test - Rule]\n\
             search = | tstats count\\\n| where count > 0\\\n[not a stanza] = x\n\
             description = padded\neq = a=b=c\npath = C:\\Windows\\ temp\nempty =\n"
        );
    }

    #[test]
    fn what_splunk_cannot_read_back_is_refused_with_stanza_and_key() {
        let mut c = Conf::new();
        c.stanza("s")
            .set("search", "rex \"(?<x>\\\\)\\\nnext")
            .set("bad=key", "v")
            .set("tail", "ends with \\");
        c.stanza("two\nlines").set("k", "v");
        let errs = c.render().unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        // The search's first line ends with a backslash: written with a
        // space before the continuation, it reads back.
        assert_eq!(errs.len(), 3, "{text:#?}");
        assert!(text[0].starts_with("[s] bad=key: the key \"bad=key\" cannot be written"));
        assert!(text[1].starts_with("[s] tail: its last line"));
        assert!(text[2].starts_with("[two\nlines]: a stanza name must be one line"));
    }

    #[test]
    fn parse_reads_back_what_render_writes() {
        let mut c = Conf::new();
        c.comment("x");
        c.stanza("a - b [c]")
            .set("search", "| x\n| y = z\n")
            .set("e", "");
        c.stanza("d").set("k", " v ");
        let back = parse(&c.render().unwrap()).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].name, "a - b [c]");
        assert_eq!(
            back[0].entries,
            vec![
                ("search".into(), "| x\n| y = z".into()),
                ("e".into(), "".into())
            ]
        );
        assert_eq!(back[1].entries, vec![("k".into(), "v".into())]);
        // A line ending in a backslash keeps it as text, then a space.
        let mut c = Conf::new();
        c.stanza("s").set("description", "see C:\\Temp\\\nnext");
        let back = parse(&c.render().unwrap()).unwrap();
        assert_eq!(
            back[0].entries,
            vec![("description".into(), "see C:\\Temp\\ \nnext".into())]
        );
    }

    #[test]
    fn parse_reports_duplicates_and_junk_with_lines() {
        let errs = parse("[a]\nk = 1\nk = 2\njunk\n[a]\n").unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "line 3: the key `k` is set twice in [a]",
                "line 4: neither a `key = value`, a `[stanza]` nor a `#` comment: \"junk\"",
                "line 5: the stanza [a] is written twice (first at line 1)",
            ]
        );
    }

    #[test]
    fn crlf_in_values_becomes_lf() {
        let mut c = Conf::new();
        c.stanza("s").set("v", "a\r\nb");
        assert_eq!(c.render().unwrap(), "[s]\nv = a\\\nb\n");
    }

    #[test]
    fn check_agrees_with_parse() {
        for text in [
            "[a]\nx = 1\n[b]\ny = 2 \\\n  more\n",
            "x = 1\n[a]\n",
            "[a]\nx = 1\nx = 2\n[a]\nnot a line\n[b\n",
            "",
        ] {
            match (parse(text), check(text)) {
                (Ok(stanzas), Ok(n)) => assert_eq!(stanzas.len(), n, "{text:?}"),
                (Err(a), Err(b)) => assert_eq!(a, b, "{text:?}"),
                (a, b) => panic!("{text:?}: parse {a:?}, check {b:?}"),
            }
        }
        assert_eq!(check("x = 1\n[a]\n"), Ok(2));
        assert_eq!(check("[a]\nx = 1\nx = 2\n").map_err(|e| e.len()), Err(1));
    }

    #[test]
    fn check_value_gives_value_texts_verdict() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("plain", Ok("plain")),
            ("  padded \r\n", Ok("padded")),
            ("a\nb", Ok("a\\\nb")),
            ("a\r\nb\r\nc", Ok("a\\\nb\\\nc")),
            ("ends \\", Err("its last line")),
            // An earlier line's backslash is kept as text: a space, then
            // the continuation (as contentctl's `escapeNewlines` writes).
            ("a \\\nb", Ok("a \\ \\\nb")),
            ("a\nb \\", Err("its last line")),
            ("a \\\r\nb", Ok("a \\ \\\nb")),
            // A lone carriage return is reported before a backslash.
            ("a \\\nb\rc", Err("the value holds a carriage return")),
            ("a\rb", Err("the value holds a carriage return")),
        ];
        for (v, want) in cases {
            let got = value_text(v);
            match want {
                Ok(text) => assert_eq!(got.as_deref(), Ok(*text), "{v:?}"),
                Err(start) => {
                    let m = got.clone().expect_err(v);
                    assert!(m.starts_with(start), "{v:?}: {m}");
                }
            }
            assert_eq!(check_value(v), got.map(|_| ()), "{v:?}");
        }
    }
}
