//! Search terms (`field=value`, `field!=value`, `<`, `<=`, `>`, `>=`,
//! `field IN (...)`, `AND`, `OR`, `NOT`, parentheses, bare words) read into
//! [`Term`]s: the first command of a search over events, and the `where`
//! clause of `tstats` (Search Reference, "search"). detc test matches them
//! against events (`detc-replay`).

/// Search terms, as a search's first command or `where` in tstats reads
/// them.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// All of them (a space or `AND`).
    And(Vec<Term>),
    /// Any of them.
    Or(Vec<Term>),
    /// `NOT x`.
    Not(Box<Term>),
    /// `field=value` (`true`) or `field!=value` (`false`); the value
    /// unquoted, wildcards kept.
    Cmp(String, bool, String),
    /// `field<value`, `<=`, `>`, `>=`: numbers as numbers, else text.
    Order(String, String, String),
    /// `field IN (v1, v2)`.
    In(String, Vec<String>),
    /// A bare word: matches events whose `_raw` holds it (case-insensitive,
    /// `*` as wildcard). Splunk matches whole tokens of the indexed text;
    /// this matches any substring, so it may keep more events.
    Word(String),
}

/// Splits search terms into words, quoted strings and `( ) , = !=`.
fn search_tokens(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'"' {
            let mut j = i + 1;
            let mut v: Vec<u8> = Vec::new();
            while j < b.len() && b[j] != b'"' {
                if b[j] == b'\\' && j + 1 < b.len() {
                    j += 1;
                }
                v.push(b[j]);
                j += 1;
            }
            let v = String::from_utf8_lossy(&v);
            if j >= b.len() {
                return Err("unclosed quote".into());
            }
            out.push(format!("\"{v}"));
            i = j + 1;
        } else if matches!(c, b'!' | b'<' | b'>') && b.get(i + 1) == Some(&b'=') {
            out.push(format!("{}=", c as char));
            i += 2;
        } else if matches!(c, b'(' | b')' | b',' | b'=' | b'<' | b'>') {
            out.push((c as char).to_string());
            i += 1;
        } else {
            let start = i;
            while i < b.len()
                && !b[i].is_ascii_whitespace()
                && !matches!(b[i], b'(' | b')' | b',' | b'=' | b'"' | b'<' | b'>')
                && (b[i] != b'!' || b.get(i + 1) != Some(&b'='))
            {
                i += 1;
            }
            // A backslash escapes a backslash in a bare word too (Search
            // Manual, "Backslashes": `\\` searches for `\`); `\*` stays,
            // the asterisk cannot be escaped.
            let mut word = String::with_capacity(i - start);
            let mut chars = s[start..i].chars().peekable();
            while let Some(c) = chars.next() {
                match (c, chars.peek()) {
                    ('\\', Some('\\')) => {
                        word.push('\\');
                        chars.next();
                    }
                    _ => word.push(c),
                }
            }
            out.push(word);
        }
    }
    Ok(out)
}

fn unq(t: &str) -> String {
    t.strip_prefix('"').unwrap_or(t).to_string()
}

struct TermParser {
    toks: Vec<String>,
    at: usize,
}

impl TermParser {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.at).map(String::as_str)
    }
    fn next(&mut self) -> Option<String> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn kw(&self, k: &str) -> bool {
        self.peek().is_some_and(|t| t == k)
    }
    /// Terms joined by `AND` or a space: the loosest binding, since the
    /// search command evaluates OR before AND (Search Manual, "Boolean
    /// expressions": parentheses, NOT, OR, then AND), so `a OR b c` is
    /// `(a OR b) c`, as a macro such as ESCU's `sysmon` (`x OR y OR z`)
    /// followed by `EventCode=1` is meant.
    fn and(&mut self) -> Result<Term, String> {
        let mut v = vec![self.or()?];
        loop {
            if self.kw("AND") {
                self.at += 1;
            } else if self.peek().is_none() || self.kw(")") {
                break;
            }
            v.push(self.or()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Term::And(v)
        })
    }
    /// Terms joined by `OR`, each a NOT, a parenthesis or one term.
    fn or(&mut self) -> Result<Term, String> {
        let mut v = vec![self.not()?];
        while self.kw("OR") {
            self.at += 1;
            v.push(self.not()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Term::Or(v)
        })
    }
    fn not(&mut self) -> Result<Term, String> {
        if self.kw("NOT") {
            self.at += 1;
            return Ok(Term::Not(Box::new(self.not()?)));
        }
        if self.kw("(") {
            self.at += 1;
            let t = self.and()?;
            if self.next().as_deref() != Some(")") {
                return Err("missing `)`".into());
            }
            return Ok(t);
        }
        let field = self.next().ok_or("a term is missing")?;
        match self.next().as_deref() {
            Some("=") => Ok(Term::Cmp(
                field,
                true,
                unq(&self.next().ok_or("a value is missing")?),
            )),
            Some("!=") => Ok(Term::Cmp(
                field,
                false,
                unq(&self.next().ok_or("a value is missing")?),
            )),
            Some(op @ ("<" | "<=" | ">" | ">=")) => {
                let op = op.to_string();
                Ok(Term::Order(
                    field,
                    op,
                    unq(&self.next().ok_or("a value is missing")?),
                ))
            }
            Some("IN") | Some("in") => {
                if self.next().as_deref() != Some("(") {
                    return Err(format!("`{field} IN` needs `(`"));
                }
                let mut vs = Vec::new();
                loop {
                    match self.next() {
                        Some(t) if t == ")" => break,
                        Some(t) if t == "," => {}
                        Some(t) => vs.push(unq(&t)),
                        None => return Err("missing `)` after IN".into()),
                    }
                }
                Ok(Term::In(field, vs))
            }
            // A bare word (the next token belongs to the next term).
            Some(_) | None
                if !field.contains(['<', '>'])
                    && !["AND", "OR", "NOT", ")"].contains(&field.as_str()) =>
            {
                self.at -= 1;
                Ok(Term::Word(unq(&field)))
            }
            other => Err(format!(
                "`{field}` followed by {other:?}: only field=value, field!=value, field IN (...) and bare words are read"
            )),
        }
    }
}

/// Parses search terms.
///
/// # Errors
/// A syntax these terms do not read, with what was found.
pub fn parse_terms(s: &str) -> Result<Term, String> {
    let mut p = TermParser {
        toks: search_tokens(s)?,
        at: 0,
    };
    let t = p.and()?;
    match p.peek() {
        None => Ok(t),
        Some(x) => Err(format!("unexpected `{x}` in the where clause")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_read_as_splunk_writes_them() {
        let t = parse_terms(r#"a=1 (b!="x y" OR c IN (p, "q")) NOT d>=5 word"#).unwrap();
        assert_eq!(
            t,
            Term::And(vec![
                Term::Cmp("a".into(), true, "1".into()),
                Term::Or(vec![
                    Term::Cmp("b".into(), false, "x y".into()),
                    Term::In("c".into(), vec!["p".into(), "q".into()]),
                ]),
                Term::Not(Box::new(Term::Order("d".into(), ">=".into(), "5".into()))),
                Term::Word("word".into()),
            ])
        );
        assert!(parse_terms("a=").is_err());
        assert!(parse_terms("(a=1").is_err());
    }

    /// OR binds tighter than AND in search terms, explicit or implied.
    #[test]
    fn or_binds_before_and() {
        let c = |f: &str, v: &str| Term::Cmp(f.into(), true, v.into());
        assert_eq!(
            parse_terms("a=1 OR b=2 OR c=3 d=4").unwrap(),
            Term::And(vec![
                Term::Or(vec![c("a", "1"), c("b", "2"), c("c", "3")]),
                c("d", "4"),
            ])
        );
        assert_eq!(
            parse_terms("a=1 AND b=2 OR NOT c=3").unwrap(),
            Term::And(vec![
                c("a", "1"),
                Term::Or(vec![c("b", "2"), Term::Not(Box::new(c("c", "3")))]),
            ])
        );
        assert_eq!(
            parse_terms("(a=1 b=2) OR c=3").unwrap(),
            Term::Or(vec![Term::And(vec![c("a", "1"), c("b", "2")]), c("c", "3")])
        );
    }

    /// ESCU's `Processes.process=*HKLM\\SAM*` searches for `HKLM\SAM`.
    #[test]
    fn a_backslash_escapes_a_backslash_in_a_bare_word() {
        assert_eq!(
            parse_terms(r"p=*HKLM\\SAM* q=C:\\Windows\\* r=a\b s=\*").unwrap(),
            Term::And(vec![
                Term::Cmp("p".into(), true, r"*HKLM\SAM*".into()),
                Term::Cmp("q".into(), true, r"C:\Windows\*".into()),
                Term::Cmp("r".into(), true, r"a\b".into()),
                Term::Cmp("s".into(), true, r"\*".into()),
            ])
        );
    }
}
