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
            if s.name.trim().is_empty() || s.name.contains(['\n', '\r']) || s.name.trim() != s.name
            {
                errors.push(err(
                    None,
                    "a stanza name must be one line, not empty, without surrounding spaces".into(),
                ));
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

fn check_key(k: &str) -> Result<(), String> {
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

/// The value as written: trimmed, newlines as continuation lines.
fn value_text(v: &str) -> Result<String, String> {
    let v = v.trim();
    let v = v.replace("\r\n", "\n");
    if v.contains('\r') {
        return Err(
            "the value holds a carriage return; Splunk .conf values use \\n line ends".into(),
        );
    }
    let lines: Vec<&str> = v.split('\n').collect();
    let last = lines.len() - 1;
    for (i, line) in lines.iter().enumerate() {
        if line.ends_with('\\') {
            let which = if i == last {
                "its last line".to_string()
            } else {
                format!("line {}", i + 1)
            };
            return Err(format!(
                "{which} of the value ends with a backslash, which Splunk reads as a line continuation; \
                 end the line with another character (for example a space inside the search)"
            ));
        }
    }
    Ok(lines.join("\\\n"))
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
        assert_eq!(errs.len(), 4, "{text:#?}");
        assert!(
            text[0].starts_with("[s] search: line 1 of the value ends with a backslash"),
            "{}",
            text[0]
        );
        assert!(text[1].starts_with("[s] bad=key: the key \"bad=key\" cannot be written"));
        assert!(text[2].starts_with("[s] tail: its last line"));
        assert!(text[3].starts_with("[two\nlines]: a stanza name must be one line"));
    }

    #[test]
    fn crlf_in_values_becomes_lf() {
        let mut c = Conf::new();
        c.stanza("s").set("v", "a\r\nb");
        assert_eq!(c.render().unwrap(), "[s]\nv = a\\\nb\n");
    }
}
